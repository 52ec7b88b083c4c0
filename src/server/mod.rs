//! Everything that runs only on the server (feature `ssr`).

pub mod auth;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod health;
pub mod startup;
pub mod state;
pub mod telemetry;

pub use state::AppState;
