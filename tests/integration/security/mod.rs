//! The generic security test. Each feature's test module declares what it serves (its
//! server functions and routes), who may call each and which ids each takes
//! (`surface()`); this module walks every row for every role, for an anonymous caller
//! and with another organization's ids, and checks effects, not only statuses: an
//! allowed call succeeds (or gives its documented business refusal) and a write changes
//! something; a refused call changes no row of any table. A server function or route
//! that no table lists fails the test, found from the registered server functions and
//! the app's route list, not from a list kept by hand.

use std::collections::{BTreeMap, BTreeSet};

use careops::domain::access::Action;
use chrono::{Duration, NaiveDate, NaiveTime, SecondsFormat};
use leptos::server_fn::ServerFn;
use reqwest::{header, Method, StatusCode};

use crate::common::*;

mod world;
use world::{send_upload, world, World};
pub use world::{Person, Side, Spare};

/// Who may make a call.
#[derive(Debug, Clone, Copy)]
pub enum Caller {
    /// Anyone, without signing in (the portal, sign-up, the health check).
    Public,
    /// The second step of signing in: it needs the challenge cookie of a first step that
    /// succeeded, so without one it is refused (its flow is tested in `auth.rs`).
    Challenge,
    /// Any signed-in staff member.
    SignedIn,
    /// Staff whose role in the current branch may take this action.
    Staff(Action),
    /// Not callable as a plain request; the named test covers it.
    CoveredBy(&'static str),
}

/// What the ids a call takes belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ids {
    /// No ids, or only secrets that name their organization (a manage token).
    None,
    /// Records of one organization: another organization's are not found (404).
    Org,
    /// A branch to act in: one that is not the caller's is refused (403), whoever's it
    /// is, so the answer tells nothing about another organization.
    Branch,
}

/// What is called: a server function (by its path) or a route.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Call {
    Function(&'static str),
    Route(String, &'static str),
}

/// One request's input, built from the records of the organization it aims at.
#[derive(Default)]
pub struct Input {
    /// The concrete path of a route (the pattern with its ids filled in).
    path: Option<String>,
    form: Vec<(String, String)>,
    json: Option<serde_json::Value>,
    csv: Option<String>,
}

impl Input {
    pub fn form<const N: usize>(fields: [(&str, String); N]) -> Self {
        Self::fields(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }

    /// A form whose fields are counted at run time (rows of a table).
    pub fn fields(form: Vec<(String, String)>) -> Self {
        Self {
            form,
            ..Self::default()
        }
    }

    pub fn none() -> Self {
        Self::default()
    }

    pub fn at(path: String) -> Self {
        Self {
            path: Some(path),
            ..Self::default()
        }
    }

    /// A plain form posted to a route.
    pub fn posting<const N: usize>(mut self, fields: [(&str, String); N]) -> Self {
        self.form = fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        self
    }

    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.json = Some(body);
        self
    }

    pub fn csv(mut self, text: &str) -> Self {
        self.csv = Some(text.to_owned());
        self
    }
}

/// One row of a feature's table.
pub struct Entry {
    pub call: Call,
    pub caller: Caller,
    pub ids: Ids,
    /// Whether an allowed call changes data (a read changes nothing but the audit log).
    pub writes: bool,
    /// Business refusals an allowed call may give instead of success (a wrong code).
    pub refusals: &'static [StatusCode],
    pub input: fn(&Target) -> Input,
}

impl Entry {
    pub fn function<S: ServerFn>(caller: Caller, ids: Ids, input: fn(&Target) -> Input) -> Self {
        Self {
            call: Call::Function(S::PATH),
            caller,
            ids,
            writes: false,
            refusals: &[],
            input,
        }
    }

    pub fn route(method: Method, path: &'static str, caller: Caller, ids: Ids, input: fn(&Target) -> Input) -> Self {
        Self {
            call: Call::Route(method.to_string(), path),
            caller,
            ids,
            writes: false,
            refusals: &[],
            input,
        }
    }

    pub fn writes(mut self) -> Self {
        self.writes = true;
        self
    }

    pub fn or_refused(mut self, statuses: &'static [StatusCode]) -> Self {
        self.refusals = statuses;
        self
    }
}

/// What an input is built from: the caller's organization (`own`: a portal call names
/// its clinic), the organization whose records it names (`side`), the caller, and the
/// round (each allowed caller gets records of its own to spend).
pub struct Target<'a> {
    pub own: &'a Side,
    pub side: &'a Side,
    pub me: &'a Person,
    pub round: usize,
}

impl Target<'_> {
    /// Records of this round, to change or spend.
    pub fn spare(&self) -> &Spare {
        &self.side.spares[self.round.min(self.side.spares.len() - 1)]
    }

    /// A local date and time on the side's week: `day` days after its Monday.
    pub fn slot(&self, day: i64, minutes_after_eight: i64) -> (String, String) {
        let date = self.side.monday + Duration::days(day);
        let time = NaiveTime::from_hms_opt(8, 0, 0).unwrap() + Duration::minutes(minutes_after_eight);
        (date.to_string(), time.format("%H:%M").to_string())
    }

    /// The same, as an instant (the portal's and the API's form).
    pub fn instant(&self, day: i64, minutes_after_eight: i64) -> String {
        let (date, time) = self.slot(day, minutes_after_eight);
        let local = NaiveDate::parse_from_str(&date, "%Y-%m-%d")
            .unwrap()
            .and_time(NaiveTime::parse_from_str(&time, "%H:%M").unwrap());
        careops::domain::time::local_to_utc(careops::domain::time::zone("Europe/Berlin"), local)
            .to_rfc3339_opts(SecondsFormat::Secs, true)
    }
}

/// Every feature's table.
fn tables() -> Vec<Entry> {
    [
        crate::auth::surface(),
        crate::staff::surface(),
        crate::audit::surface(),
        crate::settings::surface(),
        crate::calendar::surface(),
        crate::patients::surface(),
        crate::portal::surface(),
        crate::api::surface(),
        crate::api_billing::surface(),
        crate::server::surface(),
        crate::realtime::surface(),
        crate::messaging::surface(),
        crate::providers::surface(),
        crate::visits::surface(),
        crate::billing::surface(),
        crate::documents::surface(),
        crate::inventory::surface(),
        crate::visit_stock::surface(),
        crate::forms::surface(),
        crate::form_submissions::surface(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Everything the app serves, as the running code registers it.
fn served() -> BTreeSet<Call> {
    let functions = leptos::server_fn::axum::server_fn_paths().map(|(path, _)| Call::Function(path));
    let routes = careops::server::startup::routes()
        .listed()
        .iter()
        .map(|(method, path)| Call::Route(method.to_string(), path))
        .collect::<Vec<_>>();
    functions.chain(routes).collect()
}

#[test]
fn every_server_function_and_route_has_a_row_and_every_row_is_served() {
    let served = served();
    let mut listed = BTreeSet::new();
    for entry in tables() {
        assert!(listed.insert(entry.call.clone()), "{:?} is listed twice", entry.call);
    }
    let unlisted: Vec<_> = served.difference(&listed).collect();
    assert!(
        unlisted.is_empty(),
        "served but in no feature's security table (add a row to that feature's surface()): {unlisted:#?}"
    );
    let gone: Vec<_> = listed.difference(&served).collect();
    assert!(gone.is_empty(), "listed but not served: {gone:#?}");
    println!(
        "security table: {} server functions, {} routes",
        served.iter().filter(|c| matches!(c, Call::Function(_))).count(),
        served.iter().filter(|c| matches!(c, Call::Route(..))).count()
    );
}

/// Every row of every table, as text, once the job queue has sent what is due (a call
/// that queues a message is answered before the worker sends it: its change is the
/// call's, not the next one's). Left out: times of last use (reading touches them) and
/// the throttle's attempts (refused calls are counted by design, against robots).
async fn snapshot(app: &TestApp) -> BTreeMap<String, String> {
    app.wait_until_count(
        "select count(*) from graphile_worker._private_jobs where run_at <= now()",
        0,
    )
    .await;
    let tables: Vec<String> = sqlx::query_scalar(
        "select tablename::text from pg_tables
          where schemaname = 'public' and tablename not in ('_sqlx_migrations', 'auth_attempts')",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    let mut rows = BTreeMap::new();
    for table in tables {
        let text: String = sqlx::query_scalar(&format!(
            "select coalesce(string_agg(r, E'\\n' order by r), '')
               from (select (to_jsonb(t) - 'last_seen_at' - 'last_used_at')::text r from {table} t) s"
        ))
        .fetch_one(&app.db)
        .await
        .unwrap();
        rows.insert(table, text);
    }
    rows
}

fn changed(before: &BTreeMap<String, String>, after: &BTreeMap<String, String>) -> Vec<String> {
    before
        .iter()
        .filter(|(table, rows)| after.get(*table) != Some(rows))
        .map(|(table, _)| table.clone())
        .collect()
}

/// How a call is made: a browser for server functions and app routes, a token for the API.
enum As<'a> {
    Nobody,
    Member(&'a Person),
}

async fn send(app: &TestApp, entry: &Entry, input: Input, caller: As<'_>) -> (StatusCode, String, String) {
    let mut browser = match caller {
        As::Member(p) => p.browser.clone(),
        As::Nobody => Browser::default(),
    };
    let response = match &entry.call {
        Call::Function(path) => app
            .http
            .post(app.url(path))
            .header(header::ACCEPT, "application/json")
            .header(header::COOKIE, browser.header())
            .form(&input.form)
            .send()
            .await
            .unwrap(),
        Call::Route(method, pattern) => {
            let path = input.path.clone().unwrap_or_else(|| (*pattern).to_owned());
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            if path.starts_with("/api/") {
                let mut request = app.http.request(method, app.url(&path));
                if let As::Member(p) = caller {
                    request = request.header(header::AUTHORIZATION, format!("Bearer {}", p.token));
                }
                if let Some(body) = &input.json {
                    request = request.json(body);
                }
                request.send().await.unwrap()
            } else if let Some(csv) = &input.csv {
                send_upload(app, &browser, &path, csv).await
            } else {
                let request = app
                    .http
                    .request(method, app.url(&path))
                    .header(header::COOKIE, browser.header());
                match input.form.is_empty() {
                    true => request,
                    false => request.form(&input.form),
                }
                .send()
                .await
                .unwrap()
            }
        }
    };
    browser.absorb(&response);
    let status = response.status();
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, location, response.text().await.unwrap_or_default())
}

fn is_sign_in(status: StatusCode, location: &str) -> bool {
    status == StatusCode::UNAUTHORIZED || (status.is_redirection() && location.starts_with("/login"))
}

/// Walks one row: the refused calls first (nothing may change), then the allowed ones.
async fn walk(w: &World, entry: &Entry) -> Result<(usize, usize), String> {
    let name = format!("{:?}", entry.call);
    let (mut refused, mut allowed) = (0, 0);
    let owner = &w.people[0];
    let before = snapshot(&w.app).await;

    if !matches!(entry.caller, Caller::Public | Caller::CoveredBy(_)) {
        let input = (entry.input)(&Target {
            own: &w.a,
            side: &w.a,
            me: owner,
            round: 0,
        });
        let (status, location, body) = send(&w.app, entry, input, As::Nobody).await;
        if !is_sign_in(status, &location) {
            return Err(format!("{name}: anonymous call answered {status} {location} {body}"));
        }
        refused += 1;
    }
    if let Caller::Staff(action) = entry.caller {
        for person in w.people.iter().filter(|p| !p.role.can(action)) {
            let input = (entry.input)(&Target {
                own: &w.a,
                side: &w.a,
                me: person,
                round: 0,
            });
            let (status, _, body) = send(&w.app, entry, input, As::Member(person)).await;
            if status != StatusCode::FORBIDDEN || !body.contains("You are not allowed to") {
                return Err(format!(
                    "{name}: {:?} lacks {action:?} but got {status} {body}",
                    person.role
                ));
            }
            refused += 1;
        }
    }
    if entry.ids != Ids::None {
        let (caller, me) = match entry.caller {
            Caller::Public => (As::Nobody, &w.b_owner),
            _ => (As::Member(owner), &w.b_owner),
        };
        let input = (entry.input)(&Target {
            own: &w.a,
            side: &w.b,
            me,
            round: 0,
        });
        let (status, _, body) = send(&w.app, entry, input, caller).await;
        let expected = if entry.ids == Ids::Branch {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::NOT_FOUND
        };
        if status != expected {
            return Err(format!("{name}: another organization's ids answered {status} {body}"));
        }
        refused += 1;
    }
    let after = snapshot(&w.app).await;
    let touched = changed(&before, &after);
    if !touched.is_empty() {
        return Err(format!("{name}: a refused call changed {touched:?}"));
    }

    let callers: Vec<(As, &Person)> = match entry.caller {
        Caller::Public => vec![(As::Nobody, owner)],
        Caller::SignedIn => w.people.iter().map(|p| (As::Member(p), p)).collect(),
        Caller::Staff(action) => w
            .people
            .iter()
            .filter(|p| p.role.can(action))
            .map(|p| (As::Member(p), p))
            .collect(),
        Caller::Challenge | Caller::CoveredBy(_) => vec![],
    };
    for (round, (caller, me)) in callers.into_iter().enumerate() {
        let before = snapshot(&w.app).await;
        let input = (entry.input)(&Target {
            own: &w.a,
            side: &w.a,
            me,
            round,
        });
        let (status, location, body) = send(&w.app, entry, input, caller).await;
        let succeeded = status.is_success() || (status.is_redirection() && !location.starts_with("/login"));
        if !succeeded && !entry.refusals.contains(&status) {
            return Err(format!("{name}: {:?} is allowed but got {status} {body}", me.role));
        }
        let touched = changed(&before, &snapshot(&w.app).await);
        if succeeded && entry.writes && touched.is_empty() {
            return Err(format!("{name}: {:?}'s allowed write changed nothing", me.role));
        }
        if !entry.writes && touched.iter().any(|t| t != "audit_log") {
            return Err(format!("{name}: a read by {:?} changed {touched:?}", me.role));
        }
        allowed += 1;
    }
    Ok((refused, allowed))
}

#[tokio::test]
async fn every_row_refuses_whom_it_must_changes_nothing_then_and_lets_the_others_through() {
    let w = world().await;
    let (mut refused, mut allowed, mut failures, mut elsewhere) = (0, 0, Vec::new(), Vec::new());
    let entries = tables();
    for entry in &entries {
        if let Caller::CoveredBy(test) = entry.caller {
            elsewhere.push(format!("{:?} ({test})", entry.call));
        }
        match walk(&w, entry).await {
            Ok((r, a)) => {
                refused += r;
                allowed += a;
            }
            Err(failure) => failures.push(failure),
        }
    }
    println!(
        "walked {} rows: {refused} refused calls changed nothing, {allowed} allowed calls succeeded",
        entries.len()
    );
    println!("covered by their own tests: {elsewhere:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
