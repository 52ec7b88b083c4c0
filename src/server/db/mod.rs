//! The database: a pool for the least-privileged application role, and transactions
//! scoped to one organization. One repository module per area.

pub mod accounts;
pub mod api_tokens;
pub mod appointments;
pub mod attempts;
pub mod audit;
pub mod branches;
pub mod catalog;
pub mod changes;
pub mod form_submissions;
pub mod forms;
pub mod idempotency;
pub mod inventory;
pub mod invoices;
pub mod messages;
pub mod organizations;
pub mod password_resets;
pub mod patients;
pub mod payments;
pub mod portal;
pub mod schedules;
pub mod sessions;
pub mod staff;
pub mod templates;
pub mod visits;

use sqlx::{postgres::PgPoolOptions, PgPool, Postgres, Transaction};
use uuid::Uuid;

use super::config::Config;
use crate::domain::AppError;

pub type Tx = Transaction<'static, Postgres>;
/// The application role's pool, for the few reads that run before a tenant is known.
pub type Pool = PgPool;

/// The tracing target of the BEGIN that opens each tenant transaction.
pub const TRANSACTIONS: &str = "careops::transactions";

#[derive(Clone)]
pub struct Db {
    pool: PgPool,
}

impl Db {
    /// Runs pending migrations as the owner, then opens the application pool.
    pub async fn connect(config: &Config) -> Result<Self, sqlx::Error> {
        let owner = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(config.database.clone())
            .await?;
        // Several processes may start at once: sqlx serialises migrations with an advisory lock.
        sqlx::migrate!().run(&owner).await?;
        owner.close().await;
        Self::open(config).await
    }

    /// Connects as the application role to a database already migrated.
    pub async fn open(config: &Config) -> Result<Self, sqlx::Error> {
        let pool = PgPoolOptions::new()
            .max_connections(config.db_max_connections)
            .acquire_timeout(std::time::Duration::from_secs(5))
            .connect_with(config.app_database.clone())
            .await?;
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// A transaction that sees one organization's rows only (row-level security).
    pub async fn tenant(&self, org_id: Uuid) -> Result<Tx, AppError> {
        // BEGIN and the organization in one round trip: a simple query may hold several
        // statements, and a UUID formatted in cannot be anything but a UUID.
        self.begin(
            "begin; set tenant",
            format!("select set_config('app.org_id', '{org_id}', true)"),
        )
        .await
    }

    /// A tenant transaction whose statements are planned once per connection (generic
    /// plans), for the writes that change appointments (the scheduling engine's, status
    /// changes, cancellations). Their statements are look-ups by key and inserts, whose
    /// best plan does not depend on the values bound; but PostgreSQL
    /// plans a statement that binds an array (the change recorder's read of the
    /// appointments it wrote) anew at every call, and planning that seven-table read cost
    /// ten times running it: 2 ms of CPU per booking.
    pub async fn tenant_planned_once(&self, org_id: Uuid) -> Result<Tx, AppError> {
        self.begin(
            "begin; set tenant, planned once",
            format!(
                "select set_config('app.org_id', '{org_id}', true), \
                 set_config('plan_cache_mode', 'force_generic_plan', true)"
            ),
        )
        .await
    }

    /// BEGIN and `settings` in one round trip, logged as `label` (sqlx does not log a
    /// BEGIN; this event does, so that statement counts include it).
    async fn begin(&self, label: &'static str, settings: String) -> Result<Tx, AppError> {
        tracing::debug!(target: TRANSACTIONS, "{label}");
        Ok(self.pool.begin_with(format!("begin; {settings}")).await?)
    }
}
