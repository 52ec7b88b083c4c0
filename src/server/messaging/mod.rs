//! Sending messages: the job queue (graphile_worker, in PostgreSQL) runs one job per
//! queued message, at its time; the job sends it through the organization's provider and
//! writes the outcome to the message log.
//!
//! Never twice: the queue runs one job per message (keyed by it) on one worker at a time;
//! the job takes the message only while it is queued, and marks it `sending` (committed)
//! before handing it over. A worker that dies mid-send leaves it `sending`: the queue
//! gives the job to another worker once the dead one's heartbeat is old, which marks
//! the message failed with "may or may not have arrived" instead of sending it again
//! (SMTP and SMS have no way to ask whether it went out); staff see it and can resend.

pub mod log;
pub mod providers;
pub mod settings;
pub mod templates;
pub mod webhooks;

use std::future::Future;

use graphile_worker::{
    Cron, IntoTaskHandlerResult, LocalQueueConfig, TaskHandler, Worker, WorkerContext, WorkerOptions,
};
use leptos::config::LeptosOptions;
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;
use uuid::Uuid;

use self::providers::{
    resend::Resend, sendgrid::SendGrid, twilio::Twilio, Accepted, Attachment, Email, EmailProvider, LogProvider,
    Refused, Sender, Sms, SmsProvider, Smtp, SmtpSettings,
};
use super::{
    auth::context::message_base_url,
    config::Config,
    db::{
        inventory,
        messages::{self, Sending, Settled},
        Db,
    },
    receipts, stock_alerts, AppState,
};
use crate::domain::AppError;

/// Tries of one message before it is marked failed (the queue waits longer after each:
/// about 2 s, 7 s, 20 s, 55 s, 2.5 min, 7 min, 18 min between them).
pub const MAX_ATTEMPTS: i32 = 8;

/// The application, as the queue's handlers see it.
#[derive(Clone)]
struct Shared(AppState);

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AppState")
    }
}

/// The job of sending one message.
#[derive(Debug, Serialize, Deserialize)]
pub struct SendMessage {
    pub org_id: Uuid,
    pub id: Uuid,
}

impl TaskHandler for SendMessage {
    const IDENTIFIER: &'static str = "send_message";

    async fn run(self, ctx: WorkerContext) -> impl IntoTaskHandlerResult {
        let Some(Shared(state)) = ctx.get_ext::<Shared>() else {
            return Err("the worker was started without the application".to_owned());
        };
        deliver(state, self.org_id, self.id).await
    }
}

/// The daily job that forgets the delivery reports' receipts once too old to matter.
#[derive(Debug, Serialize, Deserialize)]
pub struct PruneReceipts {}

impl TaskHandler for PruneReceipts {
    const IDENTIFIER: &'static str = "prune_webhook_receipts";

    async fn run(self, ctx: WorkerContext) -> impl IntoTaskHandlerResult {
        let Some(Shared(state)) = ctx.get_ext::<Shared>() else {
            return Err("the worker was started without the application".to_owned());
        };
        let pruned = messages::prune_receipts(state.db.pool())
            .await
            .map_err(|e| e.to_string())?;
        tracing::info!(pruned, "delivery-report receipts older than 30 days forgotten");
        Ok(())
    }
}

/// The job an opened low-stock alert queues: its emails (`stock_alerts::notify`).
#[derive(Debug, Serialize, Deserialize)]
pub struct NotifyStockAlert {
    pub org_id: Uuid,
    pub id: Uuid,
}

impl TaskHandler for NotifyStockAlert {
    const IDENTIFIER: &'static str = "notify_stock_alert";

    async fn run(self, ctx: WorkerContext) -> impl IntoTaskHandlerResult {
        let Some(Shared(state)) = ctx.get_ext::<Shared>() else {
            return Err("the worker was started without the application".to_owned());
        };
        stock_alerts::notify(state, self.org_id, self.id)
            .await
            .map_err(|e| e.to_string())
    }
}

/// The daily re-check of every item's low-stock alert at every branch.
#[derive(Debug, Serialize, Deserialize)]
pub struct RecheckStock {}

impl TaskHandler for RecheckStock {
    const IDENTIFIER: &'static str = "recheck_stock_alerts";

    async fn run(self, ctx: WorkerContext) -> impl IntoTaskHandlerResult {
        let Some(Shared(state)) = ctx.get_ext::<Shared>() else {
            return Err("the worker was started without the application".to_owned());
        };
        let open = inventory::recheck_alerts(state.db.pool())
            .await
            .map_err(|e| e.to_string())?;
        tracing::info!(open, "low-stock alerts re-checked");
        Ok(())
    }
}

/// Starts a worker (migrating the queue's schema first) that runs until `shutdown`
/// completes, then lets running sends finish for a few seconds; a send cut off there
/// rolls back and its job runs again later.
pub async fn worker(state: &AppState, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<Worker, String> {
    let policy = &state.config.worker;
    // At a quiet hour in Europe and America; a worker that was down runs it at its next.
    let prune = Cron::daily_at::<PruneReceipts>(3, 30).map_err(|e| format!("job queue: {e}"))?;
    // Before a clinic opens, so that the morning's emails list what is low.
    let recheck = Cron::daily_at::<RecheckStock>(5, 0).map_err(|e| format!("job queue: {e}"))?;
    WorkerOptions::default()
        .database_url(state.config.queue_database_url.expose())
        .max_pg_conn(2)
        .concurrency(policy.concurrency)
        // Jobs fetched in batches: due reminders are found by polling (no notification
        // announces a time coming), and one job per poll per sender would send a few a
        // second. A worker that dies holding a batch has it handed on like its running jobs.
        .local_queue(LocalQueueConfig::default().with_size(policy.concurrency * 16))
        .define_job::<SendMessage>()
        .define_job::<PruneReceipts>()
        .define_job::<NotifyStockAlert>()
        .define_job::<RecheckStock>()
        .with_cron(prune)
        .with_cron(recheck)
        .add_extension(Shared(state.clone()))
        .listen_os_shutdown_signals(false)
        .shutdown_signal(shutdown)
        .heartbeat_interval(policy.dead_after / 4)
        .sweep_interval(policy.dead_after / 2)
        .sweep_threshold(policy.dead_after)
        .recovery_delay(std::time::Duration::ZERO)
        .init()
        .await
        .map_err(|e| format!("job queue: {e}"))
}

/// A worker on a thread and runtime of its own, with its own connections: sending never
/// competes with serving pages for a runtime, and whatever the queue's driver does to its
/// runtime stays there. It stops when told, or when this handle is dropped.
pub struct WorkerThread {
    stop: oneshot::Sender<()>,
    /// Closed when the thread ends.
    done: oneshot::Receiver<()>,
}

impl WorkerThread {
    /// Starts the thread and returns once its worker is ready (the queue's schema migrated).
    pub async fn start(config: Config, leptos_options: LeptosOptions) -> Result<Self, String> {
        Self::spawn(config, leptos_options, true).await
    }

    /// Migrates the queue's schema and runs no worker: for a server whose messages other
    /// processes send (`WORKER_IN_PROCESS=false`). The trigger that queues each message
    /// needs the schema, whoever starts first.
    pub async fn prepare(config: Config, leptos_options: LeptosOptions) -> Result<(), String> {
        Self::spawn(config, leptos_options, false).await?.stop().await;
        Ok(())
    }

    async fn spawn(config: Config, leptos_options: LeptosOptions, run: bool) -> Result<Self, String> {
        let (stop, stopping) = oneshot::channel::<()>();
        let (ready, started) = oneshot::channel::<Result<(), String>>();
        let (finished, done) = oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("careops-worker".to_owned())
            .spawn(move || {
                let _finished = finished;
                let runtime = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name("careops-worker")
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(err) => {
                        let _ = ready.send(Err(format!("worker runtime: {err}")));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let started = async {
                        let db = Db::open(&config).await.map_err(|e| format!("worker database: {e}"))?;
                        let state = AppState::new(config, db, leptos_options);
                        worker(&state, async move {
                            let _ = stopping.await;
                        })
                        .await
                    };
                    match started.await {
                        Ok(worker) => {
                            let _ = ready.send(Ok(()));
                            if !run {
                                return;
                            }
                            if let Err(err) = worker.run().await {
                                tracing::error!(error = %err, "the job queue's worker stopped");
                            }
                        }
                        Err(err) => {
                            let _ = ready.send(Err(err));
                        }
                    }
                });
            })
            .map_err(|e| format!("worker thread: {e}"))?;
        started
            .await
            .map_err(|_| "the worker thread ended while starting".to_owned())??;
        Ok(Self { stop, done })
    }

    /// Runs until `shutdown` completes (or the worker ends by itself), then stops the worker.
    pub async fn run_until(mut self, shutdown: impl Future<Output = ()>) {
        tokio::select! {
            () = shutdown => self.stop().await,
            _ = &mut self.done => {}
        }
    }

    /// Lets sends under way finish, for a few seconds at most, and waits for the thread.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.done.await;
    }
}

/// Sends message `id` of organization `org_id` if it is still queued, and writes how it
/// went. An `Err` asks the queue to try again later.
pub async fn deliver(state: &AppState, org_id: Uuid, id: Uuid) -> Result<(), String> {
    let error = |e: AppError| e.to_string();
    let mut tx = state.db.tenant(org_id).await.map_err(error)?;
    let Some(due) = messages::claim(&mut tx, org_id, id).await.map_err(error)? else {
        return Ok(());
    };
    let verdict = if due.interrupted {
        Some(Settled::Failed {
            error: "Sending was cut off (the server stopped) after the message was handed over: it may \
                    or may not have arrived. Resend it if the patient did not get it."
                .to_owned(),
        })
    } else if !due.consent {
        Some(Settled::Cancelled {
            reason: format!(
                "The patient no longer agrees to messages by {}.",
                channel_words(&due.channel)
            ),
        })
    } else if !due.current {
        Some(Settled::Cancelled {
            reason: "The appointment moved, ended or was cancelled.".to_owned(),
        })
    } else {
        None
    };
    if let Some(settled) = verdict {
        messages::settle(&mut tx, org_id, id, &settled).await.map_err(error)?;
        return tx.commit().await.map_err(|e| e.to_string());
    }
    // A receipt by email carries its PDF, drawn now with every payment so far.
    let attachment = match due.invoice_id.filter(|_| due.channel == "email") {
        None => None,
        Some(invoice_id) => match receipts::attachment(&mut tx, org_id, invoice_id).await.map_err(error)? {
            Some((file_name, bytes)) => Some(Attachment {
                file_name,
                content_type: super::documents::CONTENT_TYPE,
                bytes,
            }),
            None => {
                let cancelled = Settled::Cancelled {
                    reason: "The invoice no longer shows a payment (or is gone): there is no receipt to send.".into(),
                };
                messages::settle(&mut tx, org_id, id, &cancelled).await.map_err(error)?;
                return tx.commit().await.map_err(|e| e.to_string());
            }
        },
    };
    let carrier = Carrier::for_channel(
        state,
        org_id,
        &messages::settings(&mut tx, org_id).await.map_err(error)?,
        &due.channel,
    );
    messages::sending(&mut tx, org_id, id, carrier.name())
        .await
        .map_err(error)?;
    tx.commit().await.map_err(|e| e.to_string())?;

    let outbound = Outbound {
        id,
        channel: &due.channel,
        to: &due.recipient,
        subject: &due.subject,
        body: &due.body,
        attachment: attachment.as_ref(),
    };
    let (provider, outcome) = carrier.send(&outbound).await;
    let settled = match outcome {
        Ok(accepted) => Settled::Sent {
            provider,
            provider_message_id: accepted.message_id,
        },
        Err(Refused::Permanent(error)) => Settled::Failed { error },
        Err(Refused::Uncertain(error)) => Settled::Failed {
            error: format!("{error} It may or may not have arrived: resend it if the patient did not get it."),
        },
        Err(Refused::Temporary(error)) if due.attempts + 1 >= MAX_ATTEMPTS => Settled::Failed {
            error: format!("{error} Gave up after {MAX_ATTEMPTS} tries."),
        },
        Err(Refused::Temporary(error)) => Settled::Retry { error },
    };
    let mut tx = state.db.tenant(org_id).await.map_err(error)?;
    messages::settle(&mut tx, org_id, id, &settled).await.map_err(error)?;
    tx.commit().await.map_err(|e| e.to_string())?;
    match settled {
        Settled::Retry { error } => Err(error),
        _ => Ok(()),
    }
}

/// A message on its way to a provider.
pub struct Outbound<'a> {
    /// The message's own id, the same at every try.
    pub id: Uuid,
    pub channel: &'a str,
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub attachment: Option<&'a Attachment>,
}

/// One provider, set up for one organization.
pub enum Provider {
    Log,
    Smtp(Smtp),
    SendGrid(SendGrid),
    Resend(Resend),
    Twilio(Twilio),
    /// Chosen, but set up so that nothing can be sent (a key or a sender missing).
    Unusable(&'static str, Refused),
}

impl Provider {
    fn build(state: &AppState, org_id: Uuid, s: &Sending, name: &str) -> Self {
        let open = |sealed: &Option<Vec<u8>>| state.vault.open_text(sealed.as_deref());
        let missing = |name: &'static str, what: &str| {
            Provider::Unusable(
                name,
                Refused::Permanent(format!("{what} is not set: enter it in Settings → Messages.")),
            )
        };
        let sender = Sender {
            name: &s.sender_name,
            email: &s.sender_email,
        };
        let urls = &state.config.providers;
        match name {
            "smtp" => {
                let password = open(&s.smtp_password);
                let smtp = Smtp::new(&SmtpSettings {
                    host: &s.smtp_host,
                    port: s.smtp_port,
                    security: &s.smtp_security,
                    username: &s.smtp_username,
                    password: &password,
                    from_name: &s.sender_name,
                    from_email: &s.sender_email,
                });
                match smtp {
                    Ok(smtp) => Provider::Smtp(smtp),
                    Err(refused) => Provider::Unusable("smtp", refused),
                }
            }
            "sendgrid" => match open(&s.sendgrid_api_key) {
                _ if s.sender_email.is_empty() => missing("sendgrid", "The sender address"),
                key if key.is_empty() => missing("sendgrid", "The SendGrid API key"),
                key => Provider::SendGrid(SendGrid::new(state.http.clone(), &urls.sendgrid, key, &sender)),
            },
            "resend" => match open(&s.resend_api_key) {
                _ if s.sender_email.is_empty() => missing("resend", "The sender address"),
                key if key.is_empty() => missing("resend", "The Resend API key"),
                key => Provider::Resend(Resend::new(state.http.clone(), &urls.resend, key, &sender)),
            },
            "twilio" => match open(&s.twilio_auth_token) {
                token if token.is_empty() || s.twilio_account_sid.is_empty() || s.sms_sender.is_empty() => {
                    missing("twilio", "The Twilio account, auth token or sender number")
                }
                auth_token => Provider::Twilio(Twilio {
                    client: state.http.clone(),
                    base_url: urls.twilio.clone(),
                    account_sid: s.twilio_account_sid.clone(),
                    auth_token,
                    sender: s.sms_sender.clone(),
                    status_callback: format!("{}{}", message_base_url(state), webhooks::twilio_path(org_id)),
                }),
            },
            _ => Provider::Log,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Provider::Log => EmailProvider::name(&LogProvider),
            Provider::Smtp(p) => p.name(),
            Provider::SendGrid(p) => p.name(),
            Provider::Resend(p) => p.name(),
            Provider::Twilio(p) => p.name(),
            Provider::Unusable(name, _) => name,
        }
    }

    async fn send(&self, m: &Outbound<'_>) -> Result<Accepted, Refused> {
        let email = Email {
            id: m.id,
            to: m.to,
            subject: m.subject,
            body: m.body,
            attachment: m.attachment,
        };
        let sms = Sms {
            id: m.id,
            to: m.to,
            body: m.body,
        };
        match self {
            Provider::Unusable(_, refused) => Err(refused.clone()),
            Provider::Smtp(p) => p.send(&email).await,
            Provider::SendGrid(p) => p.send(&email).await,
            Provider::Resend(p) => p.send(&email).await,
            Provider::Twilio(p) => p.send(&sms).await,
            Provider::Log if m.channel == "email" => EmailProvider::send(&LogProvider, &email).await,
            Provider::Log => SmsProvider::send(&LogProvider, &sms).await,
        }
    }
}

/// What carries one organization's messages of one channel: its provider, and for email
/// the fallback tried in the same attempt when the first refuses or cannot be reached
/// (never when the first may have sent it: that would send it twice).
pub struct Carrier {
    first: Provider,
    fallback: Option<Provider>,
}

impl Carrier {
    pub fn for_channel(state: &AppState, org_id: Uuid, settings: &Sending, channel: &str) -> Self {
        let (first, fallback) = match channel {
            "email" => (settings.email_provider.as_str(), settings.email_fallback.as_str()),
            _ => (settings.sms_provider.as_str(), "none"),
        };
        Self {
            first: Provider::build(state, org_id, settings, first),
            fallback: (fallback != "none").then(|| Provider::build(state, org_id, settings, fallback)),
        }
    }

    /// The first provider's name.
    pub fn name(&self) -> &'static str {
        self.first.name()
    }

    /// Sends `m`; says which provider took it, or why none did.
    pub async fn send(&self, m: &Outbound<'_>) -> (&'static str, Result<Accepted, Refused>) {
        let first = self.first.send(m).await;
        let (Some(fallback), Err(Refused::Temporary(why) | Refused::Permanent(why))) = (&self.fallback, &first) else {
            return (self.first.name(), first);
        };
        let tried = format!("{}: {why} Then {}:", self.first.name(), fallback.name());
        let second = fallback.send(m).await.map_err(|refused| match refused {
            Refused::Temporary(w) => Refused::Temporary(format!("{tried} {w}")),
            Refused::Permanent(w) if matches!(first, Err(Refused::Temporary(_))) => {
                Refused::Temporary(format!("{tried} {w}"))
            }
            Refused::Permanent(w) => Refused::Permanent(format!("{tried} {w}")),
            Refused::Uncertain(w) => Refused::Uncertain(format!("{tried} {w}")),
        });
        (fallback.name(), second)
    }
}

fn channel_words(channel: &str) -> &'static str {
    match channel {
        "email" => "email",
        _ => "text message",
    }
}
