//! Resolves who a request is from before any page or server function runs, refreshing
//! an expired access token on the way so that the user never notices.

use axum::{
    extract::{ConnectInfo, Request, State},
    http::{header, HeaderMap, Method},
    middleware::Next,
    response::{IntoResponse, Response},
};
use axum_extra::extract::CookieJar;

use super::{cookies, service};
use crate::{
    domain::AppError,
    server::{db::sessions::ClientInfo, AppState},
};

pub async fn session_layer(State(state): State<AppState>, jar: CookieJar, mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path.starts_with("/pkg/") || path == "/health" || path == "/favicon.ico" {
        return next.run(req).await;
    }
    if !is_safe(req.method()) && is_cross_origin(req.headers()) {
        return AppError::Forbidden("This request came from another site and was refused.".into()).into_response();
    }

    let mut set_cookies = Vec::new();
    let access = jar
        .get(cookies::ACCESS_COOKIE)
        .and_then(|c| state.keys.verify_access(c.value()));
    let auth = match (access, jar.get(cookies::REFRESH_COOKIE)) {
        (Some(auth), _) => Some(auth),
        (None, None) => None,
        (None, Some(refresh)) => {
            match service::refresh(
                &state,
                refresh.value(),
                &client_info(
                    req.headers(),
                    req.extensions().get::<ConnectInfo<std::net::SocketAddr>>(),
                ),
            )
            .await
            {
                Ok(Some(tokens)) => {
                    set_cookies = cookies::issued(&tokens, &state.config);
                    Some(tokens.auth)
                }
                Ok(None) => {
                    set_cookies = cookies::cleared(&state.config);
                    None
                }
                // The database is away: carry on signed out, but keep the cookies for later.
                Err(_) => None,
            }
        }
    };
    if let Some(auth) = auth {
        req.extensions_mut().insert(auth);
    }

    let mut response = next.run(req).await;
    // A handler that set a session cookie itself (log-in, log-out) has the last word.
    let handler_set: Vec<String> = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| cookies::name_of(v).map(str::to_owned))
        .collect();
    for value in set_cookies {
        if !cookies::name_of(&value).is_some_and(|name| handler_set.iter().any(|n| n == name)) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Defence in depth behind SameSite cookies: a browser that names the page a request
/// came from, naming another host, is refused.
fn is_cross_origin(headers: &HeaderMap) -> bool {
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match (origin, host) {
        (Some("null"), _) => true,
        (Some(origin), Some(host)) => origin.split_once("://").map(|(_, authority)| authority) != Some(host),
        _ => false,
    }
}

/// The user agent and address of a request.
pub fn client_info(headers: &HeaderMap, connect: Option<&ConnectInfo<std::net::SocketAddr>>) -> ClientInfo {
    ClientInfo {
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .chars()
            .take(300)
            .collect(),
        ip: connect.map(|c| c.0.ip().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(origin: Option<&'static str>, host: &'static str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(header::HOST, HeaderValue::from_static(host));
        if let Some(origin) = origin {
            map.insert(header::ORIGIN, HeaderValue::from_static(origin));
        }
        map
    }

    #[test]
    fn same_origin_and_originless_requests_pass() {
        assert!(!is_cross_origin(&headers(
            Some("http://127.0.0.1:3000"),
            "127.0.0.1:3000"
        )));
        assert!(!is_cross_origin(&headers(None, "127.0.0.1:3000")));
    }

    #[test]
    fn other_origins_are_refused() {
        assert!(is_cross_origin(&headers(
            Some("https://evil.example"),
            "127.0.0.1:3000"
        )));
        assert!(is_cross_origin(&headers(Some("null"), "127.0.0.1:3000")));
    }
}
