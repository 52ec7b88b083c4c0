//! The two session cookies. Both are HttpOnly (no script can read them) and
//! SameSite=Lax (other sites cannot make the browser send them with a form post).

use axum::http::HeaderValue;
use axum_extra::extract::cookie::{Cookie, SameSite};
use chrono::Utc;
use cookie::time;

use super::service::IssuedTokens;
use crate::server::config::Config;

pub const ACCESS_COOKIE: &str = "careops_access";
pub const REFRESH_COOKIE: &str = "careops_refresh";
/// Holds the proof of a correct password while the second sign-in step is pending.
pub const CHALLENGE_COOKIE: &str = "careops_challenge";

/// The practitioners, and the rooms, a week view showed last (ids joined by `.`).
pub const WEEK_PRACTITIONERS_COOKIE: &str = "careops_week_practitioners";
pub const WEEK_ROOMS_COOKIE: &str = "careops_week_rooms";
const YEAR_SECS: i64 = 365 * 24 * 60 * 60;

fn build(name: &'static str, value: String, max_age_secs: i64, config: &Config) -> HeaderValue {
    let cookie = Cookie::build((name, value))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(config.cookie_secure)
        .path("/")
        .max_age(time::Duration::seconds(max_age_secs.max(0)))
        .build();
    // Cookie values are base64url, JWTs and uuids: always valid header text.
    HeaderValue::from_str(&cookie.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// `Set-Cookie` values that hand the browser its new tokens.
pub fn issued(tokens: &IssuedTokens, config: &Config) -> Vec<HeaderValue> {
    let mut values = vec![build(
        ACCESS_COOKIE,
        tokens.access.clone(),
        config.session.access_ttl.as_secs() as i64,
        config,
    )];
    if let Some((refresh, session_expires)) = &tokens.refresh {
        let remaining = (*session_expires - Utc::now()).num_seconds();
        values.push(build(REFRESH_COOKIE, refresh.clone(), remaining, config));
    }
    values
}

/// A week view's choice of columns, kept for a year on this browser.
pub fn week_choice(name: &'static str, value: String, config: &Config) -> HeaderValue {
    build(name, value, YEAR_SECS, config)
}

/// `Set-Cookie` values that remove both cookies.
pub fn cleared(config: &Config) -> Vec<HeaderValue> {
    vec![
        build(ACCESS_COOKIE, String::new(), 0, config),
        build(REFRESH_COOKIE, String::new(), 0, config),
    ]
}

pub fn challenge(token: String, config: &Config) -> HeaderValue {
    build(CHALLENGE_COOKIE, token, super::tokens::CHALLENGE_TTL_SECS, config)
}

pub fn challenge_cleared(config: &Config) -> HeaderValue {
    build(CHALLENGE_COOKIE, String::new(), 0, config)
}

/// The cookie name a `Set-Cookie` value sets.
pub fn name_of(value: &HeaderValue) -> Option<&str> {
    value.to_str().ok()?.split('=').next()
}
