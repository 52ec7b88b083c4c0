//! Types and rules that need no I/O. Compiled for the server and for the browser.

pub mod access;
pub mod account;
pub mod error;
pub mod session;

pub use error::{AppError, FieldError};
