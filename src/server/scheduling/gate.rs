//! Turn-taking and retries for scheduling writes.

use std::{
    collections::HashMap,
    future::Future,
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use uuid::Uuid;

use super::clash::{explain, Refusal};
use crate::{domain::AppError, server::AppState};

/// How often a write is tried when concurrency undid it.
const ATTEMPTS: u32 = 4;

/// At most a few scheduling writes per organization hold a database connection at once;
/// the rest wait here, in the process, without one. Writes for one room queue on its lock
/// anyway, so more would only hold connections idle, and one clinic's rush would starve
/// every other clinic's requests of the pool.
pub struct Gate {
    per_org: usize,
    orgs: Mutex<HashMap<Uuid, Arc<Semaphore>>>,
}

impl Gate {
    /// A quarter of the pool for any one organization's writes.
    pub fn new(pool_size: u32) -> Self {
        Self {
            per_org: (pool_size as usize / 4).max(1),
            orgs: Mutex::new(HashMap::new()),
        }
    }

    async fn enter(&self, org_id: Uuid) -> OwnedSemaphorePermit {
        let semaphore = {
            let mut orgs = self.orgs.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            // Forget organizations nobody is writing for, so the map stays small.
            if orgs.len() > 1024 {
                orgs.retain(|_, s| Arc::strong_count(s) > 1);
            }
            orgs.entry(org_id)
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_org)))
                .clone()
        };
        // The semaphore is never closed.
        semaphore.acquire_owned().await.expect("gate semaphore open")
    }
}

/// How one try of a write ended.
pub enum Attempt<T> {
    Done(T),
    /// Something the write chose was taken meanwhile: plan and try again.
    Again,
    /// What stands in the way, to be put into words once the refused transaction is gone.
    Refused(Refusal),
}

/// Runs a scheduling write: waits for the organization's turn, then tries `attempt`
/// (which opens and commits its own transaction) until it is done. A deadlock or
/// serialization failure, or a chosen room taken meanwhile, is tried again a few times
/// after a short pause; `None` means the choices kept being taken. A refused write is
/// explained after its transaction has ended, so a refusal never holds two connections.
pub async fn write<T, F, Fut>(state: &AppState, org_id: Uuid, mut attempt: F) -> Result<Option<T>, AppError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Attempt<T>, AppError>>,
{
    let _turn = state.scheduling.enter(org_id).await;
    for n in 1..=ATTEMPTS {
        match attempt().await {
            Ok(Attempt::Done(value)) => return Ok(Some(value)),
            Ok(Attempt::Again) | Err(AppError::Contended) if n < ATTEMPTS => {
                tracing::info!(attempt = n, "scheduling write tried again");
                tokio::time::sleep(Duration::from_millis(
                    u64::from(n) * 5 + u64::from(rand::random::<u8>() % 10),
                ))
                .await;
            }
            Ok(Attempt::Again) => return Ok(None),
            Ok(Attempt::Refused(refusal)) => return Err(explain(&state.db, org_id, &refusal).await),
            Err(err) => return Err(err),
        }
    }
    Ok(None)
}
