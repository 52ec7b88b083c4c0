//! Types and rules that need no I/O. Compiled for the server and for the browser.

pub mod access;
pub mod account;
pub mod allocation;
pub mod appointment;
pub mod audit;
pub mod availability;
pub mod branch;
pub mod calendar;
pub mod catalog;
pub mod contact;
pub mod error;
pub mod form_submissions;
pub mod forms;
pub mod inventory;
pub mod invoice;
pub mod invoice_settings;
pub mod messages;
pub mod messaging;
pub mod money;
pub mod organization;
pub mod patient;
pub mod payment;
pub mod portal;
pub mod realtime;
pub mod recurrence;
pub mod schedule;
pub mod session;
pub mod staff;
pub mod stock_use;
pub mod templates;
pub mod time;
pub mod visit;

pub use error::{AppError, FieldError};
