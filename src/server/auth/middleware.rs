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

    // Who is asking from where, worked out once for every handler after this layer.
    let client = client_info(
        req.headers(),
        req.extensions().get::<ConnectInfo<std::net::SocketAddr>>(),
        state.config.trusted_proxy_hops,
    );
    req.extensions_mut().insert(client.clone());

    let mut set_cookies = Vec::new();
    let access = jar
        .get(cookies::ACCESS_COOKIE)
        .and_then(|c| state.keys.verify_access(c.value()));
    let auth = match (access, jar.get(cookies::REFRESH_COOKIE)) {
        (Some(auth), _) => Some(auth),
        (None, None) => None,
        (None, Some(refresh)) => {
            match service::refresh(&state, refresh.value(), &client).await {
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

/// The user agent and address of a request, as `session_layer` put it in the request's
/// extensions.
pub fn client_of(extensions: &axum::http::Extensions) -> ClientInfo {
    extensions.get::<ClientInfo>().cloned().unwrap_or_default()
}

/// The user agent and address of a request. Behind `proxy_hops` proxies of ours, the
/// address is the one the outermost of them saw (see `Config::trusted_proxy_hops`).
fn client_info(
    headers: &HeaderMap,
    connect: Option<&ConnectInfo<std::net::SocketAddr>>,
    proxy_hops: usize,
) -> ClientInfo {
    let peer = connect.map(|c| c.0.ip());
    ClientInfo {
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .chars()
            .take(300)
            .collect(),
        ip: forwarded_client(headers, proxy_hops).or(peer).map(|ip| ip.to_string()),
    }
}

/// The address `hops` entries from the right of `X-Forwarded-For`: each proxy appends the
/// address it was reached from, so entries further left are whatever the client wrote.
fn forwarded_client(headers: &HeaderMap, hops: usize) -> Option<std::net::IpAddr> {
    if hops == 0 {
        return None;
    }
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    entries.len().checked_sub(hops).and_then(|i| entries[i].parse().ok())
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
    fn the_client_address_is_taken_from_as_many_proxies_as_are_trusted() {
        let mut map = HeaderMap::new();
        map.insert("x-forwarded-for", HeaderValue::from_static("6.6.6.6, 203.0.113.7"));
        map.append("x-forwarded-for", HeaderValue::from_static("10.0.0.2"));
        let peer = ConnectInfo(std::net::SocketAddr::from(([10, 0, 0, 1], 443)));
        let ip = |map: &HeaderMap, hops| client_info(map, Some(&peer), hops).ip.unwrap();
        // No trusted proxy: the header is the client's to forge; the peer is the truth.
        assert_eq!(ip(&map, 0), "10.0.0.1");
        assert_eq!(ip(&map, 1), "10.0.0.2");
        assert_eq!(ip(&map, 2), "203.0.113.7");
        // More hops than entries, or garbage: the peer.
        assert_eq!(ip(&map, 9), "10.0.0.1");
        map.insert("x-forwarded-for", HeaderValue::from_static("not an address"));
        assert_eq!(ip(&map, 1), "10.0.0.1");
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
