//! Authentication: passwords, tokens, cookies, the session middleware and the request
//! context.

pub mod context;
pub mod cookies;
pub mod middleware;
pub mod password;
pub mod password_reset;
pub mod service;
pub mod throttle;
pub mod tokens;
pub mod totp;
