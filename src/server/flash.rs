//! A one-time message to the next page, for plain form posts: a server function's
//! return value is lost in the redirect that answers a form without JavaScript, so a
//! secret shown once (a new API token) travels in a short-lived encrypted cookie.

use axum::http::{header, HeaderValue};
use axum_extra::extract::cookie::{Cookie, SameSite};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use leptos::prelude::{expect_context, use_context};
use leptos_axum::ResponseOptions;

use super::{auth::context, AppState};

const FLASH_COOKIE: &str = "careops_flash";

fn cookie(value: String, max_age: i64, state: &AppState) -> Option<HeaderValue> {
    let cookie = Cookie::build((FLASH_COOKIE, value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.config.cookie_secure)
        .path("/")
        .max_age(cookie::time::Duration::seconds(max_age))
        .build();
    HeaderValue::from_str(&cookie.to_string()).ok()
}

/// Whether this request is a form posted by a browser without JavaScript.
pub fn is_form_post() -> bool {
    use_context::<axum::http::request::Parts>().is_some_and(|p| {
        p.headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    })
}

/// Leaves `text` for the next page, when this is a plain form post.
pub fn set(state: &AppState, text: &str) {
    if !is_form_post() {
        return;
    }
    let sealed = URL_SAFE_NO_PAD.encode(state.vault.seal(text.as_bytes()));
    if let Some(value) = cookie(sealed, 60, state) {
        expect_context::<ResponseOptions>().append_header(header::SET_COOKIE, value);
    }
}

/// The message left by the previous request, once.
pub fn take(state: &AppState) -> Option<String> {
    let sealed = context::cookie(FLASH_COOKIE)?;
    if let Some(value) = cookie(String::new(), 0, state) {
        expect_context::<ResponseOptions>().append_header(header::SET_COOKIE, value);
    }
    let bytes = state.vault.open(&URL_SAFE_NO_PAD.decode(sealed).ok()?)?;
    String::from_utf8(bytes).ok()
}
