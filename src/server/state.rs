use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use super::{auth::tokens::Keys, config::Config, crypto::SecretBox, db::Db, realtime::Hub, scheduling::Gate};

/// What every handler and server function shares. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub keys: Arc<Keys>,
    pub vault: SecretBox,
    /// Live events for this process's websockets.
    pub hub: Hub,
    /// Turns for scheduling writes, per organization.
    pub scheduling: Arc<Gate>,
    /// For the messaging providers' HTTP APIs.
    pub http: reqwest::Client,
    pub leptos_options: LeptosOptions,
}

impl AppState {
    pub fn new(config: Config, db: Db, leptos_options: LeptosOptions) -> Self {
        let keys = Keys::new(config.jwt_secret.expose().as_bytes());
        Self {
            hub: Hub::new(),
            vault: SecretBox::new(&config.data_key),
            scheduling: Arc::new(Gate::new(config.db_max_connections)),
            http: super::messaging::providers::http_client(),
            db,
            config: Arc::new(config),
            keys: Arc::new(keys),
            leptos_options,
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
