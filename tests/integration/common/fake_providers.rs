//! SendGrid, Resend and Twilio as one local HTTP server that records every request and
//! answers as each provider documents it: success, unless answers are queued for it.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
};

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode, Uri},
    response::{IntoResponse, Response},
    routing::post,
    Json, Router,
};
use serde_json::json;

/// An answer other than success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// 429: too many requests.
    Busy,
    /// 5xx.
    Down,
    /// The request itself is refused (a bad recipient).
    Refused,
    /// 401: the credentials are wrong.
    Unauthorized,
}

#[derive(Debug, Clone)]
pub struct Recorded {
    pub provider: &'static str,
    pub path: String,
    pub headers: HeaderMap,
    pub body: String,
}

impl Recorded {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap()
    }

    pub fn form(&self, name: &str) -> String {
        form_urlencoded::parse(self.body.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    }
}

#[derive(Default)]
struct Inner {
    requests: Vec<Recorded>,
    answers: HashMap<&'static str, VecDeque<Answer>>,
}

#[derive(Clone)]
pub struct FakeProviders {
    pub url: String,
    inner: Arc<Mutex<Inner>>,
}

impl FakeProviders {
    pub async fn start() -> Self {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let router = Router::new()
            .route("/v3/mail/send", post(sendgrid))
            .route("/emails", post(resend))
            .route("/2010-04-01/Accounts/{sid}/Messages.json", post(twilio))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { url, inner }
    }

    /// The configuration that sends the app's provider calls here.
    pub fn settings(&self) -> [(&'static str, &str); 3] {
        [
            ("SENDGRID_API_URL", &self.url),
            ("RESEND_API_URL", &self.url),
            ("TWILIO_API_URL", &self.url),
        ]
    }

    /// The next requests to `provider` get these answers, in order.
    pub fn answer(&self, provider: &'static str, answers: &[Answer]) {
        self.inner
            .lock()
            .unwrap()
            .answers
            .entry(provider)
            .or_default()
            .extend(answers);
    }

    pub fn requests(&self, provider: &str) -> Vec<Recorded> {
        let inner = self.inner.lock().unwrap();
        inner
            .requests
            .iter()
            .filter(|r| r.provider == provider)
            .cloned()
            .collect()
    }

    /// Waits (up to 30 seconds) until `provider` has had `n` requests.
    pub async fn wait_for(&self, provider: &str, n: usize) -> Vec<Recorded> {
        for _ in 0..600 {
            let seen = self.requests(provider);
            if seen.len() >= n {
                return seen;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!(
            "{provider}: expected {n} requests, got {}",
            self.requests(provider).len()
        );
    }
}

type Shared = State<Arc<Mutex<Inner>>>;

/// Records the request; the answer queued for `provider`, if any.
fn take(
    inner: &Mutex<Inner>,
    provider: &'static str,
    uri: &Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (usize, Option<Answer>) {
    let mut inner = inner.lock().unwrap();
    inner.requests.push(Recorded {
        provider,
        path: uri.path().to_owned(),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let n = inner.requests.iter().filter(|r| r.provider == provider).count();
    (n, inner.answers.get_mut(provider).and_then(VecDeque::pop_front))
}

async fn sendgrid(State(inner): Shared, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let error = |status: StatusCode, message: &str| {
        (
            status,
            Json(json!({"errors": [{"message": message, "field": null, "help": null}]})),
        )
            .into_response()
    };
    match take(&inner, "sendgrid", &uri, headers, body) {
        (n, None) => (StatusCode::ACCEPTED, [("x-message-id", format!("sg-{n}"))]).into_response(),
        (_, Some(Answer::Busy)) => error(StatusCode::TOO_MANY_REQUESTS, "too many requests"),
        (_, Some(Answer::Down)) => error(StatusCode::SERVICE_UNAVAILABLE, "service unavailable"),
        (_, Some(Answer::Refused)) => error(StatusCode::BAD_REQUEST, "Does not contain a valid address."),
        (_, Some(Answer::Unauthorized)) => error(
            StatusCode::UNAUTHORIZED,
            "The provided authorization grant is invalid, expired, or revoked",
        ),
    }
}

async fn resend(State(inner): Shared, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let error = |status: StatusCode, name: &str, message: &str| {
        let body = json!({"statusCode": status.as_u16(), "name": name, "message": message});
        (status, Json(body)).into_response()
    };
    match take(&inner, "resend", &uri, headers, body) {
        (n, None) => (StatusCode::OK, Json(json!({"id": format!("re-{n}")}))).into_response(),
        (_, Some(Answer::Busy)) => error(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limit_exceeded",
            "Too many requests. You can only make 2 requests per second.",
        ),
        (_, Some(Answer::Down)) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "application_error",
            "An unexpected error occurred.",
        ),
        (_, Some(Answer::Refused)) => error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_error",
            "Invalid `to` field.",
        ),
        (_, Some(Answer::Unauthorized)) => error(StatusCode::UNAUTHORIZED, "missing_api_key", "API key is invalid"),
    }
}

async fn twilio(State(inner): Shared, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let error = |status: StatusCode, code: u32, message: &str| {
        let body = json!({"code": code, "message": message, "more_info": format!("https://www.twilio.com/docs/errors/{code}"), "status": status.as_u16()});
        (status, Json(body)).into_response()
    };
    match take(&inner, "twilio", &uri, headers, body) {
        (n, None) => (
            StatusCode::CREATED,
            Json(json!({"sid": format!("SM{n:032}"), "status": "queued"})),
        )
            .into_response(),
        (_, Some(Answer::Busy)) => error(StatusCode::TOO_MANY_REQUESTS, 20429, "Too Many Requests"),
        (_, Some(Answer::Down)) => error(StatusCode::INTERNAL_SERVER_ERROR, 20500, "Internal Server Error"),
        (_, Some(Answer::Refused)) => error(
            StatusCode::BAD_REQUEST,
            21211,
            "The 'To' number is not a valid phone number.",
        ),
        (_, Some(Answer::Unauthorized)) => error(StatusCode::UNAUTHORIZED, 20003, "Authenticate"),
    }
}
