//! Demo data for `scripts/run`: a practice with two branches in different time zones.
//! Loaded once; running it again changes nothing.

use uuid::Uuid;

use chrono::{Datelike, Duration, NaiveTime, Utc};

use super::{
    auth::password,
    billing,
    db::{
        accounts, appointments,
        catalog::{self, PlaceKind},
        form_submissions, forms,
        inventory::{self, NewMovement},
        invoices, patients, payments, schedules, sessions, staff, visits, Tx,
    },
    scheduling::record::{record, Actor, Change},
    AppState,
};
use crate::domain::{
    access::Role,
    account::{BranchName, Email, NewPassword, OrgName, PersonName, TimeZone},
    appointment::{Source, Status},
    catalog::{PlaceDetails, ServiceForm},
    contact::Phone,
    inventory::{not_enough, ItemForm, MovementKind},
    invoice::InvoiceKind,
    messages::MessageKind,
    money::amount_input,
    patient::PatientForm,
    payment::{NewPayment, PaymentMethod},
    schedule::WorkingInterval,
    staff::AccessGrant,
    time::{local_to_utc, utc_to_local, zone},
    AppError,
};

pub const OWNER_EMAIL: &str = "owner@riverside.demo.careops.test";
pub const RECEPTION_EMAIL: &str = "reception@riverside.demo.careops.test";
pub const PRACTITIONER_EMAIL: &str = "physio@riverside.demo.careops.test";
/// Every demo account has this password.
pub const PASSWORD: &str = "riverside-demo-2026";

fn parsed<T>(value: Result<T, crate::domain::FieldError>) -> Result<T, AppError> {
    value.map_err(|e| AppError::Validation(vec![e]))
}

/// Loads the demo practice unless it is there already; true when it loaded it.
pub async fn seed(state: &AppState) -> Result<bool, AppError> {
    let db = &state.db;
    if sessions::login_candidate(db.pool(), OWNER_EMAIL).await?.is_some() {
        return Ok(false);
    }
    let password_hash = password::hash_password(parsed(NewPassword::parse("password", PASSWORD))?).await?;
    let org_id = Uuid::new_v4();
    let mut tx = db.tenant(org_id).await?;
    let created = accounts::create_organization(
        &mut tx,
        org_id,
        accounts::NewOrganization {
            org_name: &parsed(OrgName::parse("org", "Riverside Physio"))?,
            branch_name: &parsed(BranchName::parse("branch", "London – Harbour Street"))?,
            timezone: parsed(TimeZone::parse("tz", "Europe/London"))?,
            currency: "GBP",
            address: "14 Harbour Street, London SE1 9PG",
            phone: Some(&parsed(Phone::parse("phone", "+44 20 7946 0321"))?),
            owner_name: &parsed(PersonName::parse("name", "Morgan Reyes"))?,
            owner_email: &parsed(Email::parse("email", OWNER_EMAIL))?,
            password_hash: &password_hash,
        },
    )
    .await?;
    let new_york = accounts::create_branch(
        &mut tx,
        org_id,
        &parsed(BranchName::parse("branch", "New York – Hudson Yards"))?,
        parsed(TimeZone::parse("tz", "America/New_York"))?,
    )
    .await?;
    let london = created.branch_id;
    let staff = [
        (RECEPTION_EMAIL, "Sam Okafor", london, Role::Receptionist),
        (PRACTITIONER_EMAIL, "Dr. Lena Vogel", new_york, Role::Practitioner),
        (
            "tom@riverside.demo.careops.test",
            "Tom Baker",
            london,
            Role::Practitioner,
        ),
        (
            "priya@riverside.demo.careops.test",
            "Priya Shah",
            london,
            Role::Practitioner,
        ),
    ];
    let mut people = Vec::new();
    for (email, name, branch, role) in staff {
        let grant = AccessGrant::Branches(vec![(branch, role)]);
        people.push(staff::create_member(&mut tx, org_id, email, name, &password_hash, &grant).await?);
    }
    let services = schedule(&mut tx, state, org_id, (london, new_york), people[0], &people[1..]).await?;
    stock(&mut tx, org_id, (london, new_york), created.user_id, &services).await?;
    forms(&mut tx, org_id, created.user_id, &services).await?;
    tx.commit().await?;
    Ok(true)
}

/// Materials on the shelves of both branches, as deliveries and a count, and what the
/// services use of them; the gel in London is down to its last sachets, so one low-stock
/// alert is open. `services` are `schedule`'s, in its order.
async fn stock(
    tx: &mut Tx,
    org_id: Uuid,
    (london, new_york): (Uuid, Uuid),
    by: Uuid,
    services: &[Uuid],
) -> Result<(), AppError> {
    // name, unit, cost and sale price (pence; tape and oil are sold to patients), reorder
    // at, reorder quantity, delivered to London and New York, used in London
    let items = [
        ("Acupuncture needles", "pack", (450, None), 5, 20, 24, 12, 6),
        ("Kinesiology tape", "roll", (620, Some(1200)), 10, 30, 40, 25, 12),
        ("Massage oil", "bottle", (800, Some(1450)), 3, 12, 10, 6, 4),
        ("Disposable gloves", "pair", (8, None), 50, 200, 300, 200, 40),
        ("Ultrasound gel", "sachet", (35, None), 20, 100, 60, 40, 41),
    ];
    // What one of each service uses: (service, item, quantity), by their places above.
    let recipes = [
        (0, 3, 1),
        (1, 3, 1),
        (2, 2, 1),
        (2, 3, 1),
        (3, 4, 1),
        (3, 3, 1),
        (4, 4, 2),
    ];
    let mut ids = Vec::new();
    for (name, unit, (cost, price), level, quantity, to_london, to_new_york, used) in items {
        let details = ItemForm {
            name: name.into(),
            unit: unit.into(),
            reorder_level: level.to_string(),
            cost: amount_input(cost, "GBP"),
            sale_price: price.map(|p| amount_input(p, "GBP")).unwrap_or_default(),
            reorder_quantity: quantity.to_string(),
            supplier: "Physio Supplies Ltd".into(),
            ..Default::default()
        }
        .parse("GBP")?;
        let id = inventory::create_item(tx, org_id, &details).await?;
        let movement = |branch_id, kind, quantity: i32, unit_cost_minor| NewMovement {
            item_id: id,
            branch_id,
            kind,
            quantity,
            unit_cost_minor,
            reason: if kind == MovementKind::Adjust {
                "Weekly count"
            } else {
                ""
            },
            transfer_id: None,
            appointment_id: None,
            invoice_id: None,
            recorded_by: by,
        };
        let movements = [
            movement(london, MovementKind::Receive, to_london, Some(cost)),
            movement(new_york, MovementKind::Receive, to_new_york, Some(cost)),
            movement(london, MovementKind::Adjust, -used, None),
        ];
        super::inventory::record(tx, org_id, &movements, |m, on_hand| {
            not_enough(on_hand, unit, -m.quantity)
        })
        .await?;
        ids.push(id);
    }
    for (service, item, quantity) in recipes {
        inventory::set_recipe_line(tx, org_id, services[service], ids[item], quantity).await?;
    }
    Ok(())
}

/// Two form templates, each asked for by a service: a new patient's intake with the
/// first assessment, a consent with shockwave therapy. `services` are `schedule`'s.
async fn forms(tx: &mut Tx, org_id: Uuid, by: Uuid, services: &[Uuid]) -> Result<(), AppError> {
    use crate::domain::forms::{FieldKind::*, FormField};
    let field = |key: &str, kind, label: &str, required, choices: &[&str]| FormField {
        key: key.into(),
        kind,
        label: label.into(),
        help: String::new(),
        required,
        choices: choices.iter().map(|c| c.to_string()).collect(),
    };
    let intake = [
        field("f1", Heading, "About you", false, &[]),
        field("f2", Date, "Date of birth", true, &[]),
        field("f3", ShortText, "Your GP's name and practice", false, &[]),
        field("f4", Heading, "Your problem", false, &[]),
        field(
            "f5",
            MultipleChoice,
            "Where is the pain?",
            true,
            &["Neck", "Shoulder", "Back", "Hip", "Knee", "Ankle", "Elsewhere"],
        ),
        field(
            "f6",
            Number,
            "How bad is it today, from 0 (none) to 10 (the worst)?",
            true,
            &[],
        ),
        field("f7", LongText, "How and when did it start?", false, &[]),
        field("f8", YesNo, "Are you taking blood thinners?", true, &[]),
        field(
            "f9",
            Consent,
            "The information I gave is true, and I agree to be assessed and treated.",
            true,
            &[],
        ),
        field("f10", Signature, "Signature", true, &[]),
    ];
    let consent = [
        field("f1", YesNo, "Do you have a pacemaker or are you pregnant?", true, &[]),
        field("f2", Consent, "Shockwave therapy has been explained to me, including that the area may be sore for a day or two. I agree to it.", true, &[]),
        field("f3", Signature, "Signature", true, &[]),
    ];
    for (name, intro, fields, service) in [
        (
            "New patient intake",
            "A few minutes before your first visit, so that it is spent on you.",
            &intake[..],
            services[0],
        ),
        ("Consent to shockwave therapy", "", &consent[..], services[4]),
    ] {
        let id = forms::create(tx, org_id, name).await?;
        forms::add_version(tx, org_id, id, (name, intro, fields), by).await?;
        forms::set_services(tx, org_id, id, &[service]).await?;
        asked(tx, org_id, id, name, service).await?;
    }
    Ok(())
}

/// The form asked for with each booking of `service` (the demo booked them before the
/// forms existed): answered for the visits past and every other one to come, so the
/// calendar marks the rest.
async fn asked(tx: &mut Tx, org_id: Uuid, template_id: Uuid, name: &str, service: Uuid) -> Result<(), AppError> {
    use crate::domain::{
        form_submissions::link_expiry,
        forms::{Answer, Answers},
    };
    use form_submissions::{NewRequest, Requestable};
    let form = Requestable {
        template_id,
        version: 1,
        name: name.to_owned(),
    };
    let now = Utc::now();
    for (n, (appointment, branch_id, patient_id, starts_at, patient)) in
        form_submissions::appointments_of(tx, org_id, service)
            .await?
            .into_iter()
            .enumerate()
    {
        let new = NewRequest {
            branch_id,
            patient_id,
            appointment_id: Some(appointment),
            requested_by: None,
            expires_at: link_expiry(now, Some(starts_at)),
        };
        let Some(id) = form_submissions::request(tx, org_id, new, &form).await? else {
            continue;
        };
        if starts_at > now && n % 2 == 0 {
            continue;
        }
        let signature = Answer::Signature {
            name: patient,
            drawing: Some("M20 120L60 60L90 130L130 50L170 140L210 70L260 110".into()),
        };
        let answers: Answers = match name {
            "New patient intake" => [
                (
                    "f2",
                    Answer::Date(chrono::NaiveDate::from_ymd_opt(1984, 3, 12).expect("a date")),
                ),
                ("f5", Answer::Choices(vec!["Back".into()])),
                ("f6", Answer::Number("6".into())),
                (
                    "f7",
                    Answer::Text("Lifting boxes when I moved house, three weeks ago.".into()),
                ),
                ("f8", Answer::YesNo(false)),
                ("f9", Answer::Accepted),
                ("f10", signature),
            ]
            .into_iter()
            .map(|(k, a)| (k.to_owned(), a))
            .collect(),
            _ => [
                ("f1", Answer::YesNo(false)),
                ("f2", Answer::Accepted),
                ("f3", signature),
            ]
            .into_iter()
            .map(|(k, a)| (k.to_owned(), a))
            .collect(),
        };
        form_submissions::submit(tx, org_id, id, &answers).await?;
    }
    Ok(())
}

/// Rooms, equipment, services, weekly hours, patients, and a fortnight of appointments
/// around today: the calendar looks like a working practice from the first start.
async fn schedule(
    tx: &mut Tx,
    state: &AppState,
    org_id: Uuid,
    (london, new_york): (Uuid, Uuid),
    reception: Uuid,
    practitioners: &[Uuid],
) -> Result<Vec<Uuid>, AppError> {
    let place = |name: &str, kind: &str| PlaceDetails::parse(name, kind);
    let mut rooms = Vec::new();
    for (branch, name, kind) in [
        (london, "Room 1", "treatment"),
        (london, "Room 2", "treatment"),
        (london, "Gym", "gym"),
        (new_york, "Suite A", "treatment"),
        (new_york, "Suite B", "treatment"),
    ] {
        rooms.push(catalog::create_place(tx, org_id, branch, PlaceKind::Room, &place(name, kind)?).await?);
    }
    let ultrasound = catalog::create_place(
        tx,
        org_id,
        london,
        PlaceKind::Resource,
        &place("Ultrasound unit", "ultrasound")?,
    )
    .await?;
    let shockwave = catalog::create_place(
        tx,
        org_id,
        new_york,
        PlaceKind::Resource,
        &place("Shockwave device", "shockwave")?,
    )
    .await?;

    let mut services = Vec::new();
    for (name, minutes, price, after, colour, room, equipment) in [
        ("Initial assessment", "60", "75", "10", "#0f6b7a", "treatment", ""),
        ("Follow-up physiotherapy", "30", "50", "5", "#2f7d32", "treatment", ""),
        ("Sports massage", "45", "60", "10", "#8e44ad", "treatment", ""),
        (
            "Ultrasound therapy",
            "30",
            "45",
            "5",
            "#c0392b",
            "treatment",
            "ultrasound",
        ),
        (
            "Shockwave therapy",
            "20",
            "70",
            "10",
            "#d35400",
            "treatment",
            "shockwave",
        ),
    ] {
        let details = ServiceForm {
            name: name.into(),
            duration_minutes: minutes.into(),
            price: price.into(),
            buffer_after_minutes: after.into(),
            colour: colour.into(),
            online_bookable: Some("on".into()),
            room_kind: room.into(),
            resource_kinds: equipment.into(),
            ..Default::default()
        }
        .parse("GBP")?;
        services.push((catalog::create_service(tx, org_id, &details).await?, details));
    }

    // Lena (New York), Tom and Priya (London): weekdays with a lunch break.
    let (lena, tom, priya) = (practitioners[0], practitioners[1], practitioners[2]);
    let day = |from: (u32, u32), to: (u32, u32)| {
        (
            NaiveTime::from_hms_opt(from.0, from.1, 0),
            NaiveTime::from_hms_opt(to.0, to.1, 0),
        )
    };
    for (who, branch, morning, afternoon) in [
        (tom, london, day((8, 30), (12, 30)), day((13, 30), (17, 30))),
        (priya, london, day((9, 0), (13, 0)), day((14, 0), (18, 0))),
        (lena, new_york, day((9, 0), (13, 0)), day((14, 0), (18, 0))),
    ] {
        let mut hours = Vec::new();
        for weekday in 1..=5 {
            for (starts, ends) in [morning, afternoon] {
                if let (Some(starts), Some(ends)) = (starts, ends) {
                    hours.push(WorkingInterval { weekday, starts, ends });
                }
            }
        }
        schedules::set_hours(tx, org_id, branch, who, &hours).await?;
    }

    let first = [
        "Amelia", "Oliver", "Isla", "George", "Ava", "Noah", "Mia", "Leo", "Grace", "Arthur", "Sofia", "Oscar",
        "Chloe", "Jack", "Ella", "Henry", "Lily", "Finn", "Zara", "Theo",
    ];
    let last = [
        "Patel", "Smith", "Jones", "Nguyen", "García", "Müller", "Khan", "O'Brien",
    ];
    // Every patient agreed to texts; every other one to email too (on a domain that
    // cannot receive mail, should a provider be configured).
    let mut patients = Vec::new();
    for n in 0..40 {
        let (given, family) = (first[n % first.len()], last[(n * 7) % last.len()]);
        let on = || Some("on".to_owned());
        let details = PatientForm {
            full_name: format!("{given} {family}"),
            phone: format!("+44 7700 900{:03}", 100 + n),
            email: format!("{}.{n}@patients.example", given.to_lowercase()),
            consent_sms: on(),
            consent_email: (n % 2 == 0).then(on).flatten(),
            ..Default::default()
        }
        .parse()?;
        patients.push(patients::create(tx, org_id, &details).await?);
    }

    // Appointments from last Monday to the Friday after next, most of every day booked.
    let mut seed: u64 = 7;
    let mut next = |n: usize| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) as usize % n
    };
    let now = Utc::now();
    // Each practitioner has their own room; only one of them uses each machine, so the
    // demo week never double-books (the constraints would refuse it).
    for (who, branch, zone_name, room, offered) in [
        (tom, london, "Europe/London", rooms[0], &[0usize, 1, 2, 3][..]),
        (priya, london, "Europe/London", rooms[1], &[0, 1, 2][..]),
        (lena, new_york, "America/New_York", rooms[3], &[0, 1, 4][..]),
    ] {
        let tz = zone(zone_name);
        let today = utc_to_local(now, tz).date();
        let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
        for offset in 0..19 {
            let date = monday - Duration::days(7) + Duration::days(offset);
            if date.weekday().number_from_monday() > 5 {
                continue;
            }
            let mut minute = 9 * 60;
            while minute < 17 * 60 {
                if next(10) < 3 || (12 * 60..14 * 60).contains(&minute) {
                    minute += 30;
                    continue;
                }
                let (service_id, service) = &services[offered[next(offered.len())]];
                let starts = local_to_utc(tz, date.and_time(NaiveTime::MIN) + Duration::minutes(minute));
                let ends = starts + Duration::minutes(i64::from(service.duration_minutes));
                let status = match (ends < now, starts < now) {
                    (true, _) if next(12) == 0 => Status::NoShow,
                    (true, _) => Status::Completed,
                    (false, true) => Status::InProgress,
                    (false, false) if next(3) == 0 => Status::Confirmed,
                    _ => Status::Scheduled,
                };
                let row = appointments::NewRow {
                    branch_id: branch,
                    patient_id: patients[next(patients.len())],
                    practitioner_id: who,
                    service_id: *service_id,
                    room_id: Some(room),
                    series_id: None,
                    starts_at: starts,
                    ends_at: ends,
                    buffer_before_minutes: 0,
                    buffer_after_minutes: service.buffer_after_minutes,
                    source: if next(4) == 0 { Source::Portal } else { Source::Staff },
                    notes: "",
                    created_by: None,
                };
                let id = appointments::insert(tx, org_id, &row).await?;
                let machine = match service.resource_kinds.first().map(String::as_str) {
                    Some("ultrasound") => Some(ultrasound),
                    Some("shockwave") => Some(shockwave),
                    _ => None,
                };
                if let Some(machine) = machine {
                    appointments::attach_resources(tx, org_id, id, &[machine]).await?;
                }
                if status != Status::Scheduled {
                    appointments::set_status(tx, org_id, id, status, None).await?;
                }
                if status == Status::Completed {
                    let visit = Visit {
                        id,
                        starts,
                        ends,
                        timezone: zone_name,
                    };
                    bill(tx, org_id, &visit, reception, next(10)).await?;
                }
                // What is still to come was booked as any booking is: its confirmation
                // goes out through the log provider and its reminders wait for their time.
                if starts > now {
                    let recorded = appointments::recorded_one(tx, org_id, id, tz).await?;
                    let actor = match row.source {
                        Source::Portal => Actor::patient(org_id, None),
                        _ => Actor {
                            org_id,
                            user_id: Some(reception),
                            ip: None,
                        },
                    };
                    let confirm = Some(MessageKind::BookingConfirmation);
                    record(
                        tx,
                        state,
                        actor,
                        "appointment.created",
                        &recorded,
                        Change::Booked,
                        confirm,
                    )
                    .await?;
                }
                let taken = service.duration_minutes + service.buffer_after_minutes;
                minute += i64::from((taken + 14) / 15 * 15);
            }
        }
    }
    // Beyond the booked fortnight: Priya at a conference for a day, and New York closed
    // for a staff training day, so that both show in the settings and keep the portal's
    // times free of them.
    let london_monday = {
        let today = utc_to_local(now, zone("Europe/London")).date();
        today - Duration::days(i64::from(today.weekday().num_days_from_monday())) + Duration::days(14)
    };
    let conference = local_to_utc(zone("Europe/London"), london_monday.and_time(NaiveTime::MIN));
    schedules::add_time_off(
        tx,
        org_id,
        priya,
        conference,
        conference + Duration::days(1),
        "Conference",
    )
    .await?;
    schedules::add_closure(
        tx,
        org_id,
        new_york,
        london_monday + Duration::days(3),
        "Staff training day",
    )
    .await?;
    Ok(services.into_iter().map(|(id, _)| id).collect())
}

/// A completed demo appointment.
struct Visit<'a> {
    id: Uuid,
    starts: chrono::DateTime<Utc>,
    ends: chrono::DateTime<Utc>,
    timezone: &'a str,
}

/// A completed visit's record, its invoice, and how it was paid: most in full by card or
/// cash, some in part, a few not yet (`roll` is 0 to 9).
async fn bill(tx: &mut Tx, org_id: Uuid, visit: &Visit<'_>, by: Uuid, roll: usize) -> Result<(), AppError> {
    visits::start(tx, org_id, visit.id, by, visit.starts).await?;
    visits::complete(tx, org_id, visit.id, visit.ends).await?;
    let patient_id = appointments::patient_of(tx, org_id, visit.id).await?;
    let branch_id = appointments::lock(tx, org_id, visit.id)
        .await?
        .map(|a| a.branch_id)
        .ok_or_else(|| AppError::not_found("That appointment"))?;
    let invoice_id = invoices::insert_draft(
        tx,
        org_id,
        &invoices::NewDraft {
            branch_id,
            patient_id,
            appointment_id: Some(visit.id),
            kind: InvoiceKind::Invoice,
            credits: None,
            currency: "GBP",
            tax_mode: Default::default(),
            notes: "",
            created_by: by,
        },
    )
    .await?;
    invoices::lines_from_visit(tx, org_id, invoice_id, visit.id, 0).await?;
    let draft = invoices::lock(tx, org_id, invoice_id)
        .await?
        .ok_or_else(|| AppError::not_found("That invoice"))?;
    billing::issue_in(tx, (org_id, by), visit.timezone, &draft).await?;
    let total = invoices::lock(tx, org_id, invoice_id).await?.map_or(0, |i| i.total);
    let (method, amount) = match roll {
        0..=3 => (PaymentMethod::Card, total),
        4..=5 => (PaymentMethod::Cash, total),
        6..=7 => (PaymentMethod::Cash, total / 2),
        _ => return Ok(()),
    };
    let payment = NewPayment {
        method,
        amount,
        reference: String::new(),
        key: Uuid::new_v4(),
        shares: None,
    };
    if let Some(payment_id) = payments::insert(tx, org_id, branch_id, patient_id, &payment, by).await? {
        payments::allocate(tx, org_id, payment_id, invoice_id, amount).await?;
    }
    Ok(())
}
