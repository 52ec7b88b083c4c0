//! Black-box tests over HTTP, each on a fresh database. One binary with a module per
//! feature: linking the app once instead of once per file keeps builds fast.

mod common;

mod api;
mod api_billing;
mod audit;
mod auth;
mod billing;
mod calendar;
mod documents;
mod form_submissions;
mod forms;
mod inventory;
mod messaging;
mod patients;
mod portal;
mod providers;
mod realtime;
mod scheduling;
mod security;
mod server;
mod settings;
mod staff;
mod stock_sales;
mod tenancy;
mod two_factor;
mod visit_stock;
mod visits;
