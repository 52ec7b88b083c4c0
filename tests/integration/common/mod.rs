//! Black-box harness: each test gets its own database and its own server on port 0,
//! and talks to it over real HTTP.

pub mod fake_providers;

use std::{collections::BTreeMap, net::SocketAddr};

use careops::server::{config::Config, startup::Application};
use leptos::{config::LeptosOptions, server_fn::ServerFn};
use reqwest::{header, redirect, Response};
use sqlx::{Connection, Executor, PgConnection, PgPool};
use uuid::Uuid;

pub const PASSWORD: &str = "violet-kettle-harbour";
/// The secrets every test server is configured with.
pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";
pub const DATA_KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

/// The PostgreSQL server to create test databases on (a superuser URL, no database).
fn server_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

pub struct TestApp {
    pub address: String,
    pub http: reqwest::Client,
    /// The owner's connection to this test's database, for arranging and inspecting.
    pub db: PgPool,
    pub db_name: String,
}

/// A fresh database's name. Under `scripts/test` it carries the run's id
/// (`CAREOPS_TEST_RUN`), so that the run drops its own databases when it ends and never
/// another run's on the same server. PostgreSQL keeps 63 bytes of a name: the run's id
/// and 16 hex digits of a random uuid fit.
fn test_database_name() -> String {
    let unique = Uuid::new_v4().simple().to_string();
    match std::env::var("CAREOPS_TEST_RUN") {
        Ok(run) if !run.is_empty() => format!("careops_test_{run}_{}", &unique[..16]),
        _ => format!("careops_test_{unique}"),
    }
}

/// A new, empty database (nothing migrated): its name and its owner's URL.
pub async fn empty_database() -> (String, String) {
    let db_name = test_database_name();
    let mut admin = PgConnection::connect(&format!("{}/postgres", server_url()))
        .await
        .expect("TEST_DATABASE_URL must point at a running PostgreSQL superuser");
    admin
        .execute(format!(r#"create database "{db_name}""#).as_str())
        .await
        .expect("create test database");
    let database_url = format!("{}/{db_name}", server_url());
    (db_name, database_url)
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Starts the app with extra configuration (`("REFRESH_REUSE_GRACE_SECONDS", "0")`).
pub async fn spawn_app_with(settings: &[(&str, &str)]) -> TestApp {
    let (db_name, database_url) = empty_database().await;

    let mut values: BTreeMap<String, String> = BTreeMap::from([
        ("DATABASE_URL".into(), database_url.clone()),
        ("JWT_SECRET".into(), JWT_SECRET.into()),
        ("DATA_KEY".into(), DATA_KEY.into()),
        ("PORT".into(), "0".into()),
        ("DATABASE_MAX_CONNECTIONS".into(), "10".into()),
    ]);
    for (key, value) in settings {
        values.insert((*key).into(), (*value).into());
    }
    let config = Config::from_lookup(|key| values.get(key).cloned()).expect("valid test configuration");

    let options = LeptosOptions::builder()
        .output_name("careops")
        .site_root("target/site")
        .site_pkg_dir("pkg")
        .site_addr(SocketAddr::from(([127, 0, 0, 1], 0)))
        .build();
    let app = Application::build(config, options).await.expect("app starts");
    let address = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until(std::future::pending()));

    TestApp {
        address,
        http: reqwest::Client::builder()
            .redirect(redirect::Policy::none())
            .build()
            .expect("http client"),
        db: PgPool::connect(&database_url).await.expect("owner pool"),
        db_name,
    }
}

/// The cookies one browser holds, updated from each response like a browser would.
#[derive(Debug, Clone, Default)]
pub struct Browser {
    pub cookies: BTreeMap<String, String>,
}

impl Browser {
    pub fn absorb(&mut self, response: &Response) {
        for value in response.headers().get_all(header::SET_COOKIE) {
            let text = value.to_str().unwrap_or_default();
            let pair = text.split(';').next().unwrap_or_default();
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let expired = text.to_ascii_lowercase().contains("max-age=0");
            if expired || value.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    pub fn header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn without(&self, name: &str) -> Browser {
        let mut copy = self.clone();
        copy.cookies.remove(name);
        copy
    }
}

pub const ACCESS: &str = "careops_access";
pub const REFRESH: &str = "careops_refresh";

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Calls a server function the way the hydrated app does (JSON answer, no redirect).
    pub async fn call<S: ServerFn>(&self, browser: &mut Browser, form: &[(&str, &str)]) -> Response {
        let response = self
            .http
            .post(self.url(S::PATH))
            .header(header::ACCEPT, "application/json")
            .header(header::COOKIE, browser.header())
            .form(form)
            .send()
            .await
            .expect("request");
        browser.absorb(&response);
        response
    }

    /// Loads a page the way a browser navigates to it.
    pub async fn get(&self, browser: &mut Browser, path: &str) -> Response {
        let response = self
            .http
            .get(self.url(path))
            .header(header::ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8")
            .header(header::COOKIE, browser.header())
            .send()
            .await
            .expect("request");
        browser.absorb(&response);
        response
    }

    /// Signs a new organization up and returns the owner's browser.
    pub async fn sign_up(&self, email: &str, org_name: &str) -> Browser {
        let mut browser = Browser::default();
        let response = self
            .call::<careops::app::SignUp>(&mut browser, &sign_up_form(email, org_name))
            .await;
        assert_eq!(
            response.status(),
            200,
            "sign-up failed: {}",
            response.text().await.unwrap_or_default()
        );
        browser
    }

    pub async fn log_in(&self, email: &str, password: &str) -> (Response, Browser) {
        let mut browser = Browser::default();
        let response = self
            .call::<careops::app::LogIn>(&mut browser, &[("email", email), ("password", password)])
            .await;
        (response, browser)
    }
}

pub fn sign_up_form<'a>(email: &'a str, org_name: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("org_name", org_name),
        ("branch_name", "Harbour Street"),
        ("timezone", "Europe/Berlin"),
        ("full_name", "Ada Lovelace"),
        ("email", email),
        ("password", PASSWORD),
    ]
}

/// The hours form of `user_id` working 08:00-18:00 Monday to Friday.
pub fn weekday_hours(user_id: Uuid) -> Vec<(String, String)> {
    let mut form = vec![("user_id".to_owned(), user_id.to_string())];
    for (n, weekday) in (1..=5).enumerate() {
        form.extend([
            (format!("intervals[{n}][weekday]"), weekday.to_string()),
            (format!("intervals[{n}][starts]"), "08:00".to_owned()),
            (format!("intervals[{n}][ends]"), "18:00".to_owned()),
        ]);
    }
    form
}

pub fn unique_email() -> String {
    format!("ada-{}@example.com", &Uuid::new_v4().simple().to_string()[..10])
}

pub async fn json(response: Response) -> serde_json::Value {
    response.json().await.expect("a JSON body")
}

/// An organization signed up through the form, with its owner signed in.
pub struct Org {
    pub id: Uuid,
    pub branch_id: Uuid,
    pub owner_id: Uuid,
    pub owner_email: String,
    pub owner: Browser,
}

/// A staff member who joined through an invitation, signed in.
pub struct Member {
    pub id: Uuid,
    pub email: String,
    pub browser: Browser,
}

impl TestApp {
    pub async fn org(&self, name: &str) -> Org {
        let email = unique_email();
        let owner = self.sign_up(&email, name).await;
        let (id, branch_id, owner_id): (Uuid, Uuid, Uuid) = sqlx::query_as(
            "select u.org_id, b.id, u.id from users u join branches b on b.org_id = u.org_id where u.email = $1",
        )
        .bind(&email)
        .fetch_one(&self.db)
        .await
        .unwrap();
        Org {
            id,
            branch_id,
            owner_id,
            owner_email: email,
            owner,
        }
    }

    /// A second branch of `org`, named `name`, created by its owner; its id.
    pub async fn branch(&self, org: &Org, name: &str, timezone: &str) -> Uuid {
        let mut owner = org.owner.clone();
        let response = self
            .call::<careops::app::settings::CreateBranch>(&mut owner, &[("name", name), ("timezone", timezone)])
            .await;
        assert_eq!(response.status(), 200, "create branch {name}");
        sqlx::query_scalar("select id from branches where org_id = $1 and name = $2")
            .bind(org.id)
            .bind(name)
            .fetch_one(&self.db)
            .await
            .unwrap()
    }

    /// Invites someone with `role` at `branches` (none: organization-wide) and accepts.
    pub async fn member(&self, inviter: &Browser, role: &str, branches: &[Uuid]) -> Member {
        let email = unique_email();
        let mut form: Vec<(String, String)> = vec![("email".into(), email.clone()), ("role".into(), role.into())];
        for branch in branches {
            form.push(("branches[]".into(), branch.to_string()));
        }
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let mut inviter = inviter.clone();
        let response = self.call::<careops::app::staff::InviteStaff>(&mut inviter, &form).await;
        assert_eq!(
            response.status(),
            200,
            "invite: {}",
            response.text().await.unwrap_or_default()
        );
        let url: String = response.json().await.unwrap();
        let token = url.rsplit('/').next().unwrap().to_owned();
        let mut browser = Browser::default();
        let response = self
            .call::<careops::app::auth::AcceptInvitation>(
                &mut browser,
                &[
                    ("token", token.as_str()),
                    ("full_name", "Grace Hopper"),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(
            response.status(),
            200,
            "accept: {}",
            response.text().await.unwrap_or_default()
        );
        let id: Uuid = sqlx::query_scalar("select id from users where email = $1")
            .bind(&email)
            .fetch_one(&self.db)
            .await
            .unwrap();
        Member { id, email, browser }
    }

    /// Creates an API token for the browser's user.
    pub async fn api_token(&self, browser: &Browser) -> String {
        let mut browser = browser.clone();
        let response = self
            .call::<careops::app::account::CreateApiToken>(&mut browser, &[("name", "integration")])
            .await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    /// Calls the REST API with a bearer token (and optionally a branch).
    pub fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        branch: Option<Uuid>,
    ) -> reqwest::RequestBuilder {
        let mut request = self
            .http
            .request(method, self.url(path))
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        if let Some(branch) = branch {
            request = request.header("x-branch-id", branch.to_string());
        }
        request
    }

    /// A connection as the application's role, with no organization set.
    pub async fn app_role_connection(&self) -> PgConnection {
        let url =
            format!("{}/{}", server_url(), self.db_name).replacen("postgres://postgres@", "postgres://careops_app@", 1);
        PgConnection::connect(&url).await.expect("connect as careops_app")
    }
}

/// An appointment a test booked, and for whom.
pub struct Booked {
    pub id: Uuid,
    pub patient_id: Uuid,
}

/// What the scheduling tests book with: a practitioner (the owner, with weekday hours
/// 08:00-18:00), a room of kind "treatment", a 30-minute service with a 10-minute
/// buffer after it that needs such a room.
pub struct Schedule {
    pub practitioner: Uuid,
    pub service: Uuid,
    pub room: Uuid,
    /// A Monday at least a week ahead, in the branch's calendar.
    pub monday: chrono::NaiveDate,
}

impl TestApp {
    pub async fn schedule(&self, org: &Org) -> Schedule {
        use careops::app::settings::{SaveHours, SavePlace, SaveService};

        let mut owner = org.owner.clone();
        let hours = weekday_hours(org.owner_id);
        let hours: Vec<(&str, &str)> = hours.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(self.call::<SaveHours>(&mut owner, &hours).await.status(), 200);
        let room = self
            .call::<SavePlace>(
                &mut owner,
                &[("what", "room"), ("name", "Room 1"), ("kind", "treatment")],
            )
            .await;
        assert_eq!(room.status(), 200);
        let service = self
            .call::<SaveService>(
                &mut owner,
                &[
                    ("name", "Physiotherapy"),
                    ("duration_minutes", "30"),
                    ("price", "50"),
                    ("buffer_after_minutes", "10"),
                    ("colour", "#0f6b7a"),
                    ("online_bookable", "on"),
                    ("room_kind", "treatment"),
                ],
            )
            .await;
        assert_eq!(service.status(), 200, "{}", service.text().await.unwrap_or_default());
        let (service, room): (Uuid, Uuid) = sqlx::query_as(
            "select (select id from services where org_id = $1), (select id from rooms where org_id = $1)",
        )
        .bind(org.id)
        .fetch_one(&self.db)
        .await
        .unwrap();
        let today = chrono::Utc::now().date_naive();
        let monday = today
            + chrono::Duration::days(7 + (7 - i64::from(chrono::Datelike::weekday(&today).num_days_from_monday())) % 7);
        Schedule {
            practitioner: org.owner_id,
            service,
            room,
            monday,
        }
    }

    /// A second practitioner of the org's first branch, with weekday hours 08:00-18:00.
    pub async fn practitioner(&self, org: &Org) -> Member {
        let member = self.member(&org.owner, "practitioner", &[org.branch_id]).await;
        let mut owner = org.owner.clone();
        let hours = weekday_hours(member.id);
        let hours: Vec<(&str, &str)> = hours.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let saved = self.call::<careops::app::settings::SaveHours>(&mut owner, &hours).await;
        assert_eq!(saved.status(), 200, "hours of the second practitioner");
        member
    }

    /// Books through the booking form's server function.
    pub async fn book(
        &self,
        browser: &Browser,
        schedule: &Schedule,
        date: chrono::NaiveDate,
        time: &str,
        extra: &[(&str, &str)],
    ) -> Response {
        let mut browser = browser.clone();
        let (practitioner, service, date) = (
            schedule.practitioner.to_string(),
            schedule.service.to_string(),
            date.to_string(),
        );
        let mut form = vec![
            ("new_patient_name", "Ada Lovelace"),
            ("new_patient_phone", "+44 20 7946 0958"),
            ("practitioner_id", practitioner.as_str()),
            ("service_id", service.as_str()),
            ("date", date.as_str()),
            ("time", time),
        ];
        form.extend_from_slice(extra);
        self.call::<careops::app::calendar::CreateAppointment>(&mut browser, &form)
            .await
    }

    /// Books as `book` does, a new patient at `time`, and returns the appointment made.
    pub async fn booked(&self, browser: &Browser, schedule: &Schedule, date: chrono::NaiveDate, time: &str) -> Booked {
        self.book(browser, schedule, date, time, &[]).await;
        let (id, patient_id) =
            sqlx::query_as("select id, patient_id from appointments order by created_at desc, id limit 1")
                .fetch_one(&self.db)
                .await
                .expect("the booking was made");
        Booked { id, patient_id }
    }

    /// Another server process on the same database (as behind a load balancer): the
    /// `careops` binary itself, in an operating-system process of its own.
    pub async fn second_process(&self) -> ServerProcess {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = careops_command(&format!("{}/{}", server_url(), self.db_name))
            .env("PORT", port.to_string())
            .env("DATABASE_MAX_CONNECTIONS", "5")
            .env("WORKER_DEAD_AFTER_SECONDS", "2")
            .env("LEPTOS_OUTPUT_NAME", "careops")
            .env("LEPTOS_SITE_ROOT", "target/site")
            .env("LEPTOS_SITE_PKG_DIR", "pkg")
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("the careops binary starts");
        let process = ServerProcess {
            address: format!("http://127.0.0.1:{port}"),
            child,
        };
        for _ in 0..100 {
            if let Ok(response) = self.http.get(format!("{}/health", process.address)).send().await {
                if response.status().is_success() {
                    return process;
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the second server process did not become healthy");
    }
}

/// The `careops` binary, configured as the test servers are, on the database at `url`.
pub fn careops_command(url: &str) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_careops"));
    command
        .env("DATABASE_URL", url)
        .env("JWT_SECRET", JWT_SECRET)
        .env("DATA_KEY", DATA_KEY)
        .env("RUST_LOG", "warn");
    command
}

/// A server process started by a test; stopped when dropped.
pub struct ServerProcess {
    pub address: String,
    child: std::process::Child,
}

impl ServerProcess {
    /// Ends the process at once, as a crash or `kill -9` would: nothing is finished.
    pub fn kill(mut self) {
        let _ = self.child.kill();
    }
}

/// A real SMTP server on loopback (Debian's python3-aiosmtpd, which scripts/test
/// installs) that prints every message it receives; stopped when dropped.
pub struct SmtpSink {
    pub port: u16,
    child: std::process::Child,
    out: std::path::PathBuf,
}

const MESSAGE_FOLLOWS: &str = "---------- MESSAGE FOLLOWS ----------";
const END_MESSAGE: &str = "------------ END MESSAGE ------------";

impl SmtpSink {
    pub async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        Self::on_port(port).await
    }

    pub async fn on_port(port: u16) -> Self {
        let out = std::env::temp_dir().join(format!("careops-smtp-{}.txt", Uuid::new_v4()));
        let mut child = std::process::Command::new("/usr/bin/python3")
            .args(["-u", "-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .stdout(std::fs::File::create(&out).expect("the sink's output file"))
            .spawn()
            .expect("python3-aiosmtpd runs (scripts/test installs it)");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Self { port, child, out };
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the SMTP server did not start on port {port}");
    }

    /// Every message received so far, headers and body, in arrival order.
    pub fn messages(&self) -> Vec<String> {
        let text = std::fs::read_to_string(&self.out).unwrap_or_default();
        text.split(MESSAGE_FOLLOWS)
            .skip(1)
            .filter_map(|m| m.split_once(END_MESSAGE).map(|(message, _)| message.trim().to_owned()))
            .collect()
    }

    /// The messages once at least `n` have arrived (within 30 seconds).
    pub async fn wait_for(&self, n: usize) -> Vec<String> {
        for _ in 0..600 {
            let messages = self.messages();
            if messages.len() >= n {
                return messages;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("{n} messages expected, got {:?}", self.messages());
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.out);
    }
}

impl TestApp {
    /// Sends the organization's email through `sink`.
    pub async fn send_email_through(&self, org: &Org, sink: &SmtpSink) {
        sqlx::query(
            "insert into messaging_settings (org_id, email_provider, sender_name, sender_email, smtp_host, smtp_port, smtp_security)
             values ($1, 'smtp', 'Riverside Physio', 'desk@riverside.example', '127.0.0.1', $2, 'none')
             on conflict (org_id) do update set email_provider = 'smtp', smtp_port = $2",
        )
        .bind(org.id)
        .bind(i32::from(sink.port))
        .execute(&self.db)
        .await
        .unwrap();
    }

    /// Runs the jobs of the messages `messages_where` picks now, as if their time had come.
    pub async fn make_due(&self, messages_where: &str) {
        sqlx::query(&format!(
            "update graphile_worker._private_jobs set run_at = now()
             where key in (select 'message:' || id from messages where {messages_where})"
        ))
        .execute(&self.db)
        .await
        .unwrap();
    }

    /// Waits (up to 30 seconds) until `sql`, a count, answers `n`.
    pub async fn wait_until_count(&self, sql: &str, n: i64) {
        let mut last = -1;
        for _ in 0..600 {
            last = sqlx::query_scalar(sql).fetch_one(&self.db).await.unwrap();
            if last == n {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("{sql}: expected {n}, still {last}");
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A websocket to `/ws` of `address` with the browser's cookies; its first message
/// (the hello) has been read.
pub async fn live_socket(
    address: &str,
    browser: &Browser,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    let mut request = format!("{}/ws", address.replacen("http", "ws", 1))
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert(header::COOKIE, browser.header().parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("websocket opens");
    let hello = socket.next().await.expect("a hello").expect("a message");
    assert!(hello.to_text().unwrap().contains("\"hello\""), "{hello:?}");
    socket
}

/// Asserts that nothing arrives on a socket for 0.7 s.
pub async fn assert_silent(
    socket: &mut tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    whose: &str,
) {
    let nothing = tokio::time::timeout(
        std::time::Duration::from_millis(700),
        futures_util::StreamExt::next(socket),
    )
    .await;
    assert!(nothing.is_err(), "{whose} socket received {nothing:?}");
}

/// The next appointment event on a socket (within five seconds).
pub async fn next_event(
    socket: &mut tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
) -> serde_json::Value {
    use futures_util::StreamExt;
    loop {
        let message = tokio::time::timeout(std::time::Duration::from_secs(5), socket.next())
            .await
            .expect("an event within 5 s")
            .expect("the socket is open")
            .expect("a message");
        if let Ok(text) = message.to_text() {
            if !text.is_empty() {
                return serde_json::from_str(text).unwrap();
            }
        }
    }
}
