//! The booking portal over HTTP, as a patient's browser uses it: pages, booking, the
//! race for one slot, double submits, robots, manage links, cancelling and moving.

use careops::{
    app::portal::{BookOnline, CancelBooking, MoveBooking},
    domain::time::{local_to_utc, zone},
    server::auth::tokens::{Keys, ManageGrant},
};
use chrono::{Duration, NaiveTime, SecondsFormat, Utc};
use leptos::server_fn::ServerFn;
use reqwest::{header, StatusCode};
use uuid::Uuid;

use crate::common::*;

/// A clinic with a practitioner (weekdays 08:00-18:00, Europe/Berlin), a 30-minute
/// online service in a treatment room, and its portal address.
struct Portal {
    app: TestApp,
    org: Org,
    s: Schedule,
    slug: String,
}

async fn portal_with(settings: &[(&str, &str)]) -> Portal {
    let app = spawn_app_with(settings).await;
    let org = app.org("Harbour Physio").await;
    let s = app.schedule(&org).await;
    let slug: String = sqlx::query_scalar("select slug from organizations where id = $1")
        .bind(org.id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    Portal { app, org, s, slug }
}

async fn portal() -> Portal {
    portal_with(&[]).await
}

impl Portal {
    /// The instant of a wall-clock time on the schedule's Monday, as the portal's links carry it.
    fn at(&self, time: &str) -> String {
        let local = self
            .s
            .monday
            .and_time(NaiveTime::parse_from_str(time, "%H:%M").unwrap());
        local_to_utc(zone("Europe/Berlin"), local).to_rfc3339_opts(SecondsFormat::Secs, true)
    }

    fn slots_path(&self) -> String {
        format!("/book/{}/{}/{}", self.slug, self.org.branch_id, self.s.service)
    }

    /// Submits the booking form; the answer's Location says where the patient goes next.
    async fn book(&self, time: &str, name: &str, phone: &str, email: &str, key: Uuid) -> reqwest::Response {
        let (branch, service, at, key) = (
            self.org.branch_id.to_string(),
            self.s.service.to_string(),
            self.at(time),
            key.to_string(),
        );
        let mut form = vec![
            ("slug", self.slug.as_str()),
            ("branch", &branch),
            ("service", &service),
            ("practitioner", ""),
            ("at", &at),
            ("name", name),
            ("phone", phone),
            ("email", email),
            ("consent_sms", "on"),
            ("key", &key),
        ];
        // Email messages only for those who give an address.
        if !email.is_empty() {
            form.push(("consent_email", "on"));
        }
        self.app.call::<BookOnline>(&mut Browser::default(), &form).await
    }

    /// Books and returns the manage token from the redirect.
    async fn booked(&self, time: &str, name: &str, phone: &str, email: &str) -> String {
        let response = self.book(time, name, phone, email, Uuid::new_v4()).await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "{}",
            response.text().await.unwrap_or_default()
        );
        token_of(&response)
    }

    async fn page(&self, path: &str) -> (StatusCode, String) {
        let response = self.app.get(&mut Browser::default(), path).await;
        (response.status(), response.text().await.unwrap())
    }

    async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&self.app.db).await.unwrap()
    }
}

fn location(response: &reqwest::Response) -> String {
    response.headers()[header::LOCATION].to_str().unwrap().to_owned()
}

fn token_of(response: &reqwest::Response) -> String {
    let location = location(response);
    let token = location
        .strip_prefix("/manage/")
        .and_then(|rest| rest.split('?').next())
        .unwrap_or_else(|| panic!("not a manage link: {location}"));
    token.to_owned()
}

#[tokio::test]
async fn a_patient_walks_from_the_clinic_to_a_free_time() {
    let p = portal().await;
    let (status, home) = p.page(&format!("/book/{}", p.slug)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("Harbour Street"), "{home}");

    let (status, services) = p.page(&format!("/book/{}/{}", p.slug, p.org.branch_id)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        services.contains("Physiotherapy") && services.contains("30 minutes"),
        "{services}"
    );

    p.app.book(&p.org.owner, &p.s, p.s.monday, "09:00", &[]).await;
    let (status, day) = p.page(&format!("{}?date={}", p.slots_path(), p.s.monday)).await;
    assert_eq!(status, StatusCode::OK);
    // 08:00 to 17:30 every 15 minutes, but not while the staff's booking (09:00-09:30
    // and its 10-minute buffer) holds the practitioner and the only room.
    assert!(day.contains(">08:00<") && day.contains(">17:30<"), "{day}");
    assert!(!day.contains(">09:00<") && !day.contains(">09:30<") && day.contains(">09:45<"));
    assert!(!day.contains(">17:45<"));

    let (status, confirm) = p
        .page(&format!("{}/confirm?at={}&p=", p.slots_path(), p.at("10:00")))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        confirm.contains("at 10:00") && confirm.contains(r#"name="key""#),
        "{confirm}"
    );

    let (status, _) = p.page("/book/no-such-clinic").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn prices_are_in_the_organizations_currency_which_its_owner_can_change() {
    use careops::app::settings::{GetOrganization, SaveOrganization, SaveService};
    let p = portal().await;
    let services = format!("/book/{}/{}", p.slug, p.org.branch_id);
    let (_, page) = p.page(&services).await;
    assert!(page.contains("30 minutes · €50.00"), "{page}");

    let mut owner = p.org.owner.clone();
    let saved = p
        .app
        .call::<SaveOrganization>(&mut owner, &[("name", "Harbour Physio"), ("currency", "JPY")])
        .await;
    assert_eq!(saved.status(), StatusCode::OK, "{}", saved.text().await.unwrap());
    let profile = json(p.app.call::<GetOrganization>(&mut owner, &[]).await).await;
    assert_eq!(profile["currency"], "JPY");
    // The amount is kept as it was (5000 minor units); yen have no decimals.
    let (_, page) = p.page(&services).await;
    assert!(page.contains("30 minutes · ¥5,000"), "{page}");

    // Prices are now typed without decimals.
    let service = |price: &'static str| {
        [
            ("name", "Acupuncture"),
            ("duration_minutes", "30"),
            ("price", price),
            ("colour", "#0f6b7a"),
        ]
    };
    let refused = p.app.call::<SaveService>(&mut owner, &service("45.50")).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        json(refused).await["Validation"][0]["message"],
        "Enter an amount like 4500."
    );
    let added = p.app.call::<SaveService>(&mut owner, &service("4,500")).await;
    assert!(added.status().is_success(), "{}", added.text().await.unwrap());
    let price: i64 = sqlx::query_scalar("select price_minor from services where name = 'Acupuncture'")
        .fetch_one(&p.app.db)
        .await
        .unwrap();
    assert_eq!(price, 4500);

    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where action = 'organization.changed' and diff->'after'->>'currency' = 'JPY'",
    )
    .fetch_one(&p.app.db)
    .await
    .unwrap();
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn a_booking_matches_a_known_patient_or_creates_one_and_queues_the_confirmation() {
    let p = portal().await;
    p.app.book(&p.org.owner, &p.s, p.s.monday, "15:00", &[]).await; // Ada Lovelace, +44 20 7946 0958

    let token = p.booked("10:00", "Ada L.", "+44 20 7946 0958", "ada@example.com").await;
    let (source, patient, email): (String, String, String) = sqlx::query_as(
        "select a.source, p.full_name, p.email from appointments a join patients p on p.id = a.patient_id
         where a.starts_at = $1::timestamptz",
    )
    .bind(p.at("10:00"))
    .fetch_one(&p.app.db)
    .await
    .unwrap();
    // Matched by phone, but an unauthenticated booker does not change where the known
    // patient's messages go: the record keeps its (empty) email.
    assert_eq!(
        (source.as_str(), patient.as_str(), email.as_str()),
        ("portal", "Ada Lovelace", "")
    );

    p.booked("11:00", "Grace Hopper", "+1 212 555 0100", "").await;
    assert_eq!(p.count("select count(*) from patients").await, 2);

    let (status, manage) = p.page(&format!("/manage/{token}?booked=1")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        manage.contains("You&#x27;re booked") || manage.contains("You're booked"),
        "{manage}"
    );
    assert!(manage.contains("at 10:00"));

    // The confirmation goes to the phone on file, whose number the booker typed; nothing
    // goes to the address the practice does not know.
    let body: String = sqlx::query_scalar(
        "select body from messages where kind = 'booking_confirmation' and channel = 'sms' and recipient = '+44 20 7946 0958'",
    )
    .fetch_one(&p.app.db)
    .await
    .unwrap();
    assert!(body.contains("10:00") && body.contains("/manage/"), "{body}");
    assert_eq!(
        p.count("select count(*) from messages where recipient = 'ada@example.com'")
            .await,
        0
    );
    // A new patient's own email is used.
    p.booked("12:00", "Mary Seacole", "+44 20 7946 0111", "mary@example.com")
        .await;
    let body: String = sqlx::query_scalar(
        "select body from messages where kind = 'booking_confirmation' and channel = 'email' and recipient = 'mary@example.com'",
    )
    .fetch_one(&p.app.db)
    .await
    .unwrap();
    assert!(body.contains("at 12:00") && body.contains("/manage/"), "{body}");
    // Grace gave no email: a text message only.
    assert_eq!(
        p.count("select count(*) from messages where recipient like '+1%' and channel = 'sms' and kind <> 'reminder'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_forged_host_never_reaches_a_patients_message() {
    let p = portal().await;
    let (branch, service, at, key) = (
        p.org.branch_id.to_string(),
        p.s.service.to_string(),
        p.at("10:00"),
        Uuid::new_v4().to_string(),
    );
    let booked = p
        .app
        .http
        .post(p.app.url(BookOnline::PATH))
        .header(header::ACCEPT, "application/json")
        .header(header::HOST, "clinic-login.example")
        .form(&[
            ("slug", p.slug.as_str()),
            ("branch", &branch),
            ("service", &service),
            ("at", &at),
            ("name", "Ada Lovelace"),
            ("phone", "+44 20 7946 0958"),
            ("consent_sms", "on"),
            ("key", &key),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(booked.status(), StatusCode::OK);

    let body: String = sqlx::query_scalar("select body from messages where channel = 'sms' and kind <> 'reminder'")
        .fetch_one(&p.app.db)
        .await
        .unwrap();
    assert!(body.contains("/manage/"), "{body}");
    assert!(!body.contains("clinic-login.example"), "{body}");
    // Without PUBLIC_URL: where this server really listens.
    assert!(body.contains(&format!("{}/manage/", p.app.address)), "{body}");
}

#[tokio::test]
async fn the_setup_checklist_ticks_itself_until_the_first_online_booking_and_can_be_hidden() {
    use careops::app::home::{DismissSetup, GetSetup};
    let app = spawn_app().await;
    let org = app.org("Harbour Physio").await;
    let mut owner = org.owner.clone();
    let steps = |setup: &serde_json::Value| {
        ["hours", "service", "team", "bookable", "booked_online"].map(|step| setup[step].as_bool().unwrap())
    };
    let setup = json(app.call::<GetSetup>(&mut owner, &[]).await).await;
    assert_eq!(steps(&setup), [false; 5], "{setup}");
    assert!(setup["portal_url"].as_str().unwrap().ends_with("/book/harbour-physio"));
    assert!(setup["qr_svg"].as_str().unwrap().contains("<svg"));
    let home = app.get(&mut owner, "/app").await.text().await.unwrap();
    assert!(home.contains("Get ready for your first booking"), "{home}");

    // Hours, a room and a service given by the owner: the page offers times.
    let s = app.schedule(&org).await;
    let setup = json(app.call::<GetSetup>(&mut owner, &[]).await).await;
    assert_eq!(steps(&setup), [true, true, false, true, false], "{setup}");
    app.member(&org.owner, "receptionist", &[org.branch_id]).await;
    let setup = json(app.call::<GetSetup>(&mut owner, &[]).await).await;
    assert_eq!(steps(&setup), [true, true, true, true, false], "{setup}");

    // The first patient books online: every step is done and the list goes.
    let slug = "harbour-physio".to_owned();
    let p = Portal { app, org, s, slug };
    p.booked("10:00", "Grace Hopper", "+44 20 7946 0001", "").await;
    let setup = json(p.app.call::<GetSetup>(&mut owner, &[]).await).await;
    assert!(setup.is_null(), "{setup}");
    let home = p.app.get(&mut owner, "/app").await.text().await.unwrap();
    assert!(!home.contains("Get ready for your first booking"));

    // Another clinic hides it before it is done, for everyone there.
    let other = p.app.org("Willow Clinic").await;
    let mut other_owner = other.owner.clone();
    assert!(!json(p.app.call::<GetSetup>(&mut other_owner, &[]).await)
        .await
        .is_null());
    let hidden = p.app.call::<DismissSetup>(&mut other_owner, &[]).await;
    assert_eq!(hidden.status(), StatusCode::OK);
    assert!(json(p.app.call::<GetSetup>(&mut other_owner, &[]).await)
        .await
        .is_null());
    assert_eq!(
        p.count("select count(*) from audit_log where action = 'organization.setup_hidden'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_double_submit_books_once() {
    let p = portal().await;
    let key = Uuid::new_v4();
    let (first, second) = tokio::join!(
        p.book("10:00", "Ada Lovelace", "+44 20 7946 0958", "", key),
        p.book("10:00", "Ada Lovelace", "+44 20 7946 0958", "", key),
    );
    assert_eq!((first.status(), second.status()), (StatusCode::OK, StatusCode::OK));
    assert_eq!(token_of(&first), token_of(&second));
    assert_eq!(p.count("select count(*) from appointments").await, 1);
    assert_eq!(
        p.count("select count(*) from messages where kind <> 'reminder'").await,
        1
    );
}

#[tokio::test]
async fn two_patients_race_for_one_time_one_wins_the_other_is_offered_the_nearest() {
    let p = portal().await;
    let (ada, grace) = tokio::join!(
        p.book("10:00", "Ada Lovelace", "+44 20 7946 0958", "", Uuid::new_v4()),
        p.book("10:00", "Grace Hopper", "+1 212 555 0100", "", Uuid::new_v4()),
    );
    assert_eq!((ada.status(), grace.status()), (StatusCode::OK, StatusCode::OK));
    let mut places = [location(&ada), location(&grace)];
    places.sort();
    let [taken, won] = places;
    assert!(won.starts_with("/manage/"), "{won}");
    assert!(
        taken.starts_with(&p.slots_path()) && taken.contains("taken=1"),
        "{taken}"
    );
    assert_eq!(p.count("select count(*) from appointments").await, 1);

    let (status, page) = p.page(&taken).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("that time has just been booked by someone else"),
        "{page}"
    );
    // The nearest free times are offered first, around 10:00 but not 10:00 itself.
    let offered = page
        .split("portal__taken")
        .nth(1)
        .unwrap()
        .split("</section>")
        .next()
        .unwrap();
    assert!(offered.contains(">09:15<") && offered.contains(">10:45<"), "{offered}");
    assert!(!offered.contains(">10:00<"));
}

#[tokio::test]
async fn robots_are_stopped_by_the_honeypot_and_the_rate_limit() {
    let p = portal_with(&[("PORTAL_BOOKINGS_PER_IP_MINUTE", "2")]).await;
    let (branch, service, at, key) = (
        p.org.branch_id.to_string(),
        p.s.service.to_string(),
        p.at("10:00"),
        Uuid::new_v4().to_string(),
    );
    let robot = p
        .app
        .call::<BookOnline>(
            &mut Browser::default(),
            &[
                ("slug", p.slug.as_str()),
                ("branch", &branch),
                ("service", &service),
                ("at", &at),
                ("name", "Spam Bot"),
                ("phone", "+44 20 7946 0000"),
                ("website", "http://spam.example"),
                ("key", &key),
            ],
        )
        .await;
    assert_eq!(robot.status(), StatusCode::BAD_REQUEST);
    assert_eq!(p.count("select count(*) from appointments").await, 0);

    p.booked("11:00", "Ada Lovelace", "+44 20 7946 0958", "").await;
    p.booked("12:00", "Ada Lovelace", "+44 20 7946 0958", "").await;
    let third = p
        .book("13:00", "Ada Lovelace", "+44 20 7946 0958", "", Uuid::new_v4())
        .await;
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(third.headers().contains_key(header::RETRY_AFTER));
    assert_eq!(p.count("select count(*) from appointments").await, 2);
}

#[tokio::test]
async fn bad_details_are_named_and_nothing_is_booked() {
    let p = portal().await;
    let response = p.book("10:00", "", "call me", "not-an-email", Uuid::new_v4()).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = json(response).await;
    let fields: Vec<&str> = body["Validation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "phone", "email"]);

    // A time outside working hours (or made up) is never booked.
    let late = p
        .book("19:00", "Ada Lovelace", "+44 20 7946 0958", "", Uuid::new_v4())
        .await;
    assert!(location(&late).contains("taken=1"));
    assert_eq!(p.count("select count(*) from appointments").await, 0);
}

#[tokio::test]
async fn a_forged_or_expired_manage_link_is_refused() {
    let p = portal().await;
    let token = p.booked("10:00", "Ada Lovelace", "+44 20 7946 0958", "").await;
    let (status, _) = p.page(&format!("/manage/{token}")).await;
    assert_eq!(status, StatusCode::OK);

    let mut forged = token.clone();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    let appointment: Uuid = sqlx::query_scalar("select id from appointments")
        .fetch_one(&p.app.db)
        .await
        .unwrap();
    let expired = Keys::new(JWT_SECRET.as_bytes())
        .issue_manage(
            ManageGrant {
                appointment_id: appointment,
                org_id: p.org.id,
            },
            Utc::now() - Duration::hours(1),
        )
        .unwrap();
    let foreign = Keys::new(b"another-secret-another-secret-another-0")
        .issue_manage(
            ManageGrant {
                appointment_id: appointment,
                org_id: p.org.id,
            },
            Utc::now() + Duration::days(30),
        )
        .unwrap();
    for bad in [&forged, &expired, &foreign, &"not-a-token".to_owned()] {
        for page in [format!("/manage/{bad}"), format!("/manage/{bad}/move")] {
            let (status, body) = p.page(&page).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{page}");
            assert!(body.contains("This link is not valid or has expired"), "{page}: {body}");
        }
        let cancel = p
            .app
            .call::<CancelBooking>(&mut Browser::default(), &[("token", bad)])
            .await;
        assert_eq!(cancel.status(), StatusCode::NOT_FOUND);
        let at = p.at("11:00");
        let moved = p
            .app
            .call::<MoveBooking>(&mut Browser::default(), &[("token", bad), ("at", &at)])
            .await;
        assert_eq!(moved.status(), StatusCode::NOT_FOUND);
    }
    let status: String = sqlx::query_scalar("select status from appointments")
        .fetch_one(&p.app.db)
        .await
        .unwrap();
    assert_eq!(status, "scheduled");
}

#[tokio::test]
async fn a_patient_adds_the_booking_to_their_calendar_in_the_clinics_time_zone() {
    let p = portal().await;
    sqlx::query("update branches set address = '14 Harbour Street', phone = '+49 30 1234567'")
        .execute(&p.app.db)
        .await
        .unwrap();
    let token = p.booked("10:00", "Ada Lovelace", "+44 20 7946 0958", "").await;
    let (status, page) = p.page(&format!("/manage/{token}?booked=1")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!("/manage/{token}/appointment.ics")), "{page}");

    let response = p
        .app
        .get(&mut Browser::default(), &format!("/manage/{token}/appointment.ics"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "text/calendar; charset=utf-8");
    assert!(response.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let ics = response.text().await.unwrap();
    let day = p.s.monday.format("%Y%m%d");
    // 10:00 on the clinic's clock (Europe/Berlin), not UTC's.
    for line in [
        "BEGIN:VCALENDAR".to_owned(),
        format!("DTSTART;TZID=Europe/Berlin:{day}T100000"),
        format!("DTEND;TZID=Europe/Berlin:{day}T103000"),
        "SUMMARY:Physiotherapy at Harbour Physio".to_owned(),
        "LOCATION:Harbour Street\\, 14 Harbour Street".to_owned(),
    ] {
        assert!(ics.lines().any(|l| l.trim_end() == line), "{line} in\n{ics}");
    }
    let unfolded = ics.replace("\r\n ", "");
    assert!(unfolded.contains(&format!("/manage/{token}")), "{ics}");

    // A forged link gets nothing; a cancelled appointment has no calendar file.
    let forged = p
        .app
        .get(&mut Browser::default(), "/manage/not-a-token/appointment.ics")
        .await;
    assert_eq!(forged.status(), StatusCode::NOT_FOUND);
    p.app
        .call::<CancelBooking>(&mut Browser::default(), &[("token", &token)])
        .await;
    let gone = p
        .app
        .get(&mut Browser::default(), &format!("/manage/{token}/appointment.ics"))
        .await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_patient_cancels_within_the_window_but_not_after_it() {
    let p = portal().await;
    let token = p
        .booked("10:00", "Ada Lovelace", "+44 20 7946 0958", "ada@example.com")
        .await;
    let cancelled = p
        .app
        .call::<CancelBooking>(&mut Browser::default(), &[("token", &token)])
        .await;
    assert_eq!(cancelled.status(), StatusCode::OK);
    assert_eq!(location(&cancelled), format!("/manage/{token}?cancelled=1"));
    let status: String = sqlx::query_scalar("select status from appointments")
        .fetch_one(&p.app.db)
        .await
        .unwrap();
    assert_eq!(status, "cancelled");
    assert_eq!(
        p.count("select count(*) from messages where kind = 'cancellation' and channel = 'email'")
            .await,
        1
    );
    let (_, page) = p.page(&format!("/manage/{token}")).await;
    assert!(page.contains("Your appointment is cancelled"));
    // The time is free again.
    let (_, day) = p.page(&format!("{}?date={}", p.slots_path(), p.s.monday)).await;
    assert!(day.contains(">10:00<"));

    // Online changes end a month before: too late for next week's appointment.
    let token = p.booked("11:00", "Ada Lovelace", "+44 20 7946 0958", "").await;
    sqlx::query("update branches set cancellation_window_hours = 720")
        .execute(&p.app.db)
        .await
        .unwrap();
    let refused = p
        .app
        .call::<CancelBooking>(&mut Browser::default(), &[("token", &token)])
        .await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let message = json(refused).await["Conflict"]["message"].as_str().unwrap().to_owned();
    assert!(message.starts_with("Online changes were possible until"), "{message}");
    let (_, page) = p.page(&format!("/manage/{token}")).await;
    assert!(page.contains("To change it now, please call"), "{page}");
    assert_eq!(
        p.count("select count(*) from appointments where status = 'scheduled'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_patient_moves_their_booking_to_another_free_time() {
    let p = portal().await;
    let token = p
        .booked("10:00", "Ada Lovelace", "+44 20 7946 0958", "ada@example.com")
        .await;
    let (status, options) = p.page(&format!("/manage/{token}/move?date={}", p.s.monday)).await;
    assert_eq!(status, StatusCode::OK);
    // Its own time does not stand in the way of a small move.
    assert!(options.contains(">10:00<") && options.contains(">10:15<"), "{options}");

    let at = p.at("10:15");
    let moved = p
        .app
        .call::<MoveBooking>(&mut Browser::default(), &[("token", &token), ("at", &at)])
        .await;
    assert_eq!(
        moved.status(),
        StatusCode::OK,
        "{}",
        moved.text().await.unwrap_or_default()
    );
    assert!(location(&moved).ends_with("?moved=1"));
    let starts: String =
        sqlx::query_scalar("select to_char(starts_at at time zone 'Europe/Berlin', 'HH24:MI') from appointments")
            .fetch_one(&p.app.db)
            .await
            .unwrap();
    assert_eq!(starts, "10:15");
    let body: String = sqlx::query_scalar("select body from messages where kind = 'reschedule'")
        .fetch_one(&p.app.db)
        .await
        .unwrap();
    assert!(body.contains("at 10:15"), "{body}");

    // A time someone else holds sends the patient back to choose, kindly.
    p.app.book(&p.org.owner, &p.s, p.s.monday, "14:00", &[]).await;
    let at = p.at("14:00");
    let taken = p
        .app
        .call::<MoveBooking>(&mut Browser::default(), &[("token", &token), ("at", &at)])
        .await;
    assert!(location(&taken).contains("/move?wanted=") && location(&taken).contains("taken=1"));
}

#[tokio::test]
async fn staff_calendars_show_an_online_booking_live() {
    let p = portal().await;
    let mut socket = live_socket(&p.app.address, &p.org.owner).await;
    p.booked("10:00", "Ada Lovelace", "+44 20 7946 0958", "").await;
    let event = next_event(&mut socket).await;
    assert_eq!(event["type"], "appointment_created");
    assert_eq!(event["appointment"]["source"], "portal");
    assert_eq!(event["appointment"]["time_label"], "10:00–10:30");
    let action: String = sqlx::query_scalar(
        "select action from audit_log where action like 'appointment.%' order by created_at desc limit 1",
    )
    .fetch_one(&p.app.db)
    .await
    .unwrap();
    assert_eq!(action, "appointment.booked_online");
}

#[tokio::test]
async fn a_full_day_offers_the_first_free_times_of_the_next_days() {
    use chrono::Datelike;
    let p = portal().await;
    // The next Monday, at most a week ahead, so that the three days after it fall within
    // the fortnight the page reads whatever the weekday the test runs on (`s.monday` is a
    // week or more ahead: run on a Tuesday, its Wednesday was past the page's end).
    let today = careops::domain::time::utc_to_local(Utc::now(), zone("Europe/Berlin")).date();
    let monday = today + Duration::days(7 - i64::from(today.weekday().num_days_from_monday()));
    // The branch is closed on Monday: that day has nothing, Tuesday on are open.
    sqlx::query("insert into branch_closures (org_id, branch_id, day, name) values ($1, $2, $3, 'Inventory')")
        .bind(p.org.id)
        .bind(p.org.branch_id)
        .bind(monday)
        .execute(&p.app.db)
        .await
        .unwrap();
    let (status, day) = p.page(&format!("{}?date={}", p.slots_path(), monday)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(day.contains("This day is fully booked. The next free times:"), "{day}");
    let next = &day[day.find("data-testid=\"next-free\"").expect("the next free days")..];
    let tuesday = monday + Duration::days(1);
    let label = |d: chrono::NaiveDate| d.format("%A %-d %B").to_string();
    // Three later days, each with its first four times, and a link to all of that day's.
    for n in 1..=3 {
        let d = monday + Duration::days(n);
        assert!(next.contains(&format!("All free times on {}", label(d))), "{next}");
    }
    assert!(!next.contains(&label(monday + Duration::days(4))), "only three days");
    assert!(next.contains(&format!("08:00, {}, with ", label(tuesday))), "{next}");
    assert!(next.contains(&format!("08:45, {}, with ", label(tuesday))), "{next}");
    assert!(
        !next.contains(&format!("09:00, {}, with ", label(tuesday))),
        "four times a day"
    );

    // A day with times offers them and no next days.
    let (_, open) = p.page(&format!("{}?date={tuesday}", p.slots_path())).await;
    assert!(open.contains(">08:00<") && !open.contains("next-free"), "{open}");
}

#[tokio::test]
async fn booking_rules_shape_the_times_offered() {
    use careops::app::settings::{SaveBookingRules, SaveServiceBookingRules};
    let p = portal().await;
    let mut owner = p.org.owner.clone();
    let saved = p
        .app
        .call::<SaveBookingRules>(
            &mut owner,
            &[
                ("min_notice_hours", "2"),
                ("max_days_ahead", "60"),
                ("slot_step_minutes", "60"),
                ("cancellation_window_hours", "24"),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    let (_, day) = p.page(&format!("{}?date={}", p.slots_path(), p.s.monday)).await;
    assert!(day.contains(">09:00<") && !day.contains(">09:15<"), "{day}");

    // This service may only be booked three days ahead: next week is out of reach.
    let service = p.s.service.to_string();
    let saved = p
        .app
        .call::<SaveServiceBookingRules>(&mut owner, &[("id", &service), ("max_days_ahead", "3")])
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    let (_, day) = p.page(&format!("{}?date={}", p.slots_path(), p.s.monday)).await;
    assert!(
        !day.contains(">09:00<") && day.contains("No free times on this day"),
        "{day}"
    );

    let bad = p
        .app
        .call::<SaveBookingRules>(
            &mut owner,
            &[
                ("min_notice_hours", "-1"),
                ("max_days_ahead", "60"),
                ("slot_step_minutes", "60"),
                ("cancellation_window_hours", "24"),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn one_clinic_cannot_reach_another_through_the_portal_or_its_settings() {
    use careops::app::settings::SaveServiceBookingRules;
    let p = portal().await;
    let other = p.app.org("Elsewhere").await;
    // Another clinic's branch or service under this clinic's address is not found.
    let (status, _) = p.page(&format!("/book/{}/{}", p.slug, other.branch_id)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let other_s = p.app.schedule(&other).await;
    let (status, _) = p
        .page(&format!("/book/{}/{}/{}", p.slug, p.org.branch_id, other_s.service))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let service = other_s.service.to_string();
    let mut owner = p.org.owner.clone();
    let refused = p
        .app
        .call::<SaveServiceBookingRules>(&mut owner, &[("id", &service), ("max_days_ahead", "3")])
        .await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    let (branch, at, key) = (p.org.branch_id.to_string(), p.at("10:00"), Uuid::new_v4().to_string());
    let booked = p
        .app
        .call::<BookOnline>(
            &mut Browser::default(),
            &[
                ("slug", p.slug.as_str()),
                ("branch", &branch),
                ("service", &service),
                ("at", &at),
                ("name", "Ada Lovelace"),
                ("phone", "+44 20 7946 0958"),
                ("key", &key),
            ],
        )
        .await;
    assert_eq!(booked.status(), StatusCode::NOT_FOUND);
    // This clinic's service with the other clinic's practitioner: times, the confirmation
    // step and the booking itself.
    let (mine, theirs) = (p.s.service.to_string(), other.owner_id.to_string());
    let slots = format!("{}?p={theirs}", p.slots_path());
    let confirm = format!("{}/confirm?at={}&p={theirs}", p.slots_path(), p.at("10:00"));
    let their_service = format!(
        "/book/{}/{}/{}/confirm?at={}",
        p.slug,
        p.org.branch_id,
        other_s.service,
        p.at("10:00")
    );
    for path in [slots, confirm, their_service] {
        let (status, page) = p.page(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(!page.contains("Elsewhere"), "{path} names the other clinic");
    }
    let key = Uuid::new_v4().to_string();
    let booked = p
        .app
        .call::<BookOnline>(
            &mut Browser::default(),
            &[
                ("slug", p.slug.as_str()),
                ("branch", &branch),
                ("service", &mine),
                ("practitioner", &theirs),
                ("at", &at),
                ("name", "Ada Lovelace"),
                ("phone", "+44 20 7946 0958"),
                ("key", &key),
            ],
        )
        .await;
    assert_eq!(booked.status(), StatusCode::NOT_FOUND);
    assert_eq!(p.count("select count(*) from appointments").await, 0);
    assert!(BookOnline::PATH.starts_with("/api/"));
}

/// The portal's calls: public, so the walker calls them signed out; a clinic's address
/// with another clinic's branch or service is not found.
pub fn surface() -> Vec<crate::security::Entry> {
    use crate::security::{Caller::Public, Entry, Ids, Input};
    use careops::app::portal::{
        AvailableTimes, BookingSummary, ManageBooking, MoveOptions, PortalHome, PortalServices,
    };
    use reqwest::Method;
    vec![
        Entry::function::<PortalHome>(Public, Ids::None, |t| Input::form([("slug", t.own.slug.clone())])),
        Entry::function::<PortalServices>(Public, Ids::Org, |t| {
            Input::form([("slug", t.own.slug.clone()), ("branch", t.side.branch.to_string())])
        }),
        Entry::function::<AvailableTimes>(Public, Ids::Org, |t| {
            Input::form([
                ("slug", t.own.slug.clone()),
                ("branch", t.side.branch.to_string()),
                ("service", t.side.service.to_string()),
                ("date", (t.side.monday + Duration::days(3)).to_string()),
            ])
        }),
        Entry::function::<BookingSummary>(Public, Ids::Org, |t| {
            Input::form([
                ("slug", t.own.slug.clone()),
                ("branch", t.side.branch.to_string()),
                ("service", t.side.service.to_string()),
                ("at", t.instant(3, 510)),
            ])
        }),
        // Friday afternoon is free.
        Entry::function::<BookOnline>(Public, Ids::Org, |t| {
            Input::form([
                ("slug", t.own.slug.clone()),
                ("branch", t.side.branch.to_string()),
                ("service", t.side.service.to_string()),
                ("at", t.instant(4, 360)),
                ("name", "Walk Through".into()),
                ("phone", "+44 20 7946 7000".into()),
                ("key", Uuid::new_v4().to_string()),
            ])
        })
        .writes(),
        Entry::function::<ManageBooking>(Public, Ids::None, |t| Input::form([("token", t.side.manage.clone())])),
        Entry::route(Method::GET, "/manage/{token}/appointment.ics", Public, Ids::None, |t| {
            Input::at(format!("/manage/{}/appointment.ics", t.side.manage))
        }),
        Entry::function::<CancelBooking>(Public, Ids::None, |t| {
            Input::form([("token", t.spare().manage_to_cancel.clone())])
        })
        .writes(),
        Entry::function::<MoveOptions>(Public, Ids::None, |t| {
            Input::form([
                ("token", t.side.manage.clone()),
                ("date", (t.side.monday + Duration::days(3)).to_string()),
            ])
        }),
        Entry::function::<MoveBooking>(Public, Ids::None, |t| {
            Input::form([("token", t.spare().manage_to_move.clone()), ("at", t.instant(3, 540))])
        })
        .writes(),
    ]
}
