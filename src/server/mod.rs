//! Everything that runs only on the server (feature `ssr`).

pub mod account;
pub mod api;
pub mod auth;
pub mod billing;
pub mod branches;
pub mod calendar;
pub mod catalog;
pub mod config;
pub mod crypto;
pub mod db;
pub mod demo;
pub mod documents;
pub mod error;
pub mod flash;
pub mod health;
pub mod inventory;
pub mod messaging;
pub mod metrics;
pub mod outbox;
pub mod patients;
pub mod payments;
pub mod portal;
pub mod preload;
pub mod qr;
pub mod realtime;
pub mod receipts;
pub mod routing;
pub mod scheduling;
pub mod staff;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod visits;

pub use state::AppState;
