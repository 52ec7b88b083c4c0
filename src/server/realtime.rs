//! Live updates. Every committed change a calendar or dashboard shows is published with
//! `pg_notify` inside its transaction, so it is delivered only if it commits; each
//! server process listens and fans the events out to its own sockets, so every process
//! behind a load balancer delivers every event.

use std::{sync::Arc, time::Duration};

use axum::{
    extract::{
        ws::{Message, WebSocket, WebSocketUpgrade},
        Request, State,
    },
    response::{IntoResponse, Response},
};
use futures_util::{SinkExt, StreamExt};
use sqlx::{postgres::PgListener, PgPool};
use tokio::sync::broadcast;

use super::{
    auth::{context::RequestContext, middleware::client_of, tokens::Authenticated},
    db::{sessions, Tx},
    inventory, AppState,
};
use crate::domain::{
    access::Action,
    realtime::{Envelope, Event},
    AppError,
};

/// The PostgreSQL channel every process listens on.
pub const CHANNEL: &str = "careops_events";

/// The process's end of the event stream.
#[derive(Clone)]
pub struct Hub {
    sender: broadcast::Sender<Arc<Envelope>>,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new()
    }
}

impl Hub {
    pub fn new() -> Self {
        let (sender, _) = broadcast::channel(1024);
        Self { sender }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Envelope>> {
        self.sender.subscribe()
    }

    /// Listens to PostgreSQL for the life of the process, reconnecting with backoff.
    /// After a reconnect every socket is told to resync: events may have been missed.
    pub fn listen(&self, pool: PgPool) {
        let sender = self.sender.clone();
        tokio::spawn(async move {
            let mut backoff = Duration::from_millis(250);
            let mut first = true;
            loop {
                match listen_once(&pool, &sender, &mut first).await {
                    Ok(()) => backoff = Duration::from_millis(250),
                    Err(err) => tracing::warn!(error = %err, "event listener lost its connection"),
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(10));
            }
        });
    }
}

async fn listen_once(
    pool: &PgPool,
    sender: &broadcast::Sender<Arc<Envelope>>,
    first: &mut bool,
) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    // Without this, a dropped connection would be re-established silently and the
    // notifications sent meanwhile lost without anyone resyncing.
    listener.ignore_pool_close_event(false);
    listener.listen(CHANNEL).await?;
    if !*first {
        let _ = sender.send(Arc::new(Envelope {
            org_id: uuid::Uuid::nil(),
            branch_id: uuid::Uuid::nil(),
            event: Event::Resync,
        }));
    }
    *first = false;
    loop {
        let Some(notification) = listener.try_recv().await? else {
            return Ok(());
        };
        match serde_json::from_str::<Envelope>(notification.payload()) {
            Ok(envelope) => {
                let _ = sender.send(Arc::new(envelope));
            }
            Err(err) => tracing::error!(error = %err, "unreadable event"),
        }
    }
}

/// `pg_notify` refuses payloads of 8,000 bytes or more.
const MAX_PAYLOAD_BYTES: usize = 7_900;

/// An event as the `pg_notify` payload that publishes it on [`CHANNEL`], with the
/// transaction that makes it true.
pub fn payload(envelope: &Envelope) -> Result<String, AppError> {
    let encode = |e: &Envelope| serde_json::to_string(e).map_err(|e| super::error::internal("encoding event", e));
    let payload = encode(envelope)?;
    if payload.len() <= MAX_PAYLOAD_BYTES {
        return Ok(payload);
    }
    // Long notes could push an event past PostgreSQL's limit and fail the change
    // itself; calendars show the start of the notes, the appointment page all of it.
    let mut shorter = envelope.clone();
    shorter.event.shorten_texts(200);
    encode(&shorter)
}

/// Publishes `envelope` to every server process when `tx` commits.
pub async fn publish(tx: &mut Tx, envelope: &Envelope) -> Result<(), AppError> {
    sqlx::query!("select pg_notify($1, $2)", CHANNEL, payload(envelope)?)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// `/ws`: authenticated by the session cookie, subscribed to the user's current branch.
pub async fn socket(State(state): State<AppState>, upgrade: WebSocketUpgrade, request: Request) -> Response {
    let Some(auth) = request.extensions().get::<Authenticated>().copied() else {
        return AppError::sign_in_required().into_response();
    };
    let client = client_of(request.extensions());
    let ctx = match RequestContext::for_session(state, auth, client).await {
        Ok(ctx) => ctx,
        Err(err) => return err.into_response(),
    };
    if let Err(err) = ctx.require(Action::ViewCalendar) {
        return err.into_response();
    }
    upgrade.on_upgrade(move |socket| serve(socket, ctx, auth))
}

async fn serve(socket: WebSocket, ctx: RequestContext, auth: Authenticated) {
    let (org_id, branch_id) = (ctx.user.org_id, ctx.user.branch.id);
    let (mut outgoing, mut incoming) = socket.split();
    let mut events = ctx.state.hub.subscribe();
    let state = ctx.state.clone();

    let mut send = tokio::spawn(async move {
        let hello = Event::Hello { branch_id };
        if send_event(&mut outgoing, &hello).await.is_err() {
            return;
        }
        // The shell's badge starts from the branch's open low-stock alerts, if any.
        if let Ok(open @ 1..) = inventory::open_alert_count(&ctx).await {
            if send_event(&mut outgoing, &Event::StockAlerts { open }).await.is_err() {
                return;
            }
        }
        // The session is checked again now and then: a log-out or a deactivation closes
        // the socket too. The check does not count as use of the session.
        let mut check = tokio::time::interval(Duration::from_secs(30));
        check.tick().await;
        loop {
            tokio::select! {
                received = events.recv() => {
                    let event = match received {
                        Ok(envelope) if envelope.event == Event::Resync => Event::Resync,
                        Ok(envelope) if envelope.org_id == org_id && envelope.branch_id == branch_id => envelope.event.clone(),
                        Ok(_) => continue,
                        Err(broadcast::error::RecvError::Lagged(_)) => Event::Resync,
                        Err(broadcast::error::RecvError::Closed) => return,
                    };
                    if send_event(&mut outgoing, &event).await.is_err() {
                        return;
                    }
                }
                _ = check.tick() => {
                    if !session_live(&state, auth).await {
                        let _ = outgoing.send(Message::Close(None)).await;
                        return;
                    }
                    if outgoing.send(Message::Ping(Vec::new().into())).await.is_err() {
                        return;
                    }
                }
            }
        }
    });
    // The browser says nothing but pongs and a close.
    let mut receive = tokio::spawn(async move {
        while let Some(Ok(message)) = incoming.next().await {
            if matches!(message, Message::Close(_)) {
                break;
            }
        }
    });
    tokio::select! {
        _ = &mut send => receive.abort(),
        _ = &mut receive => send.abort(),
    }
}

async fn send_event(
    outgoing: &mut futures_util::stream::SplitSink<WebSocket, Message>,
    event: &Event,
) -> Result<(), axum::Error> {
    let text = serde_json::to_string(event).unwrap_or_default();
    outgoing.send(Message::Text(text.into())).await
}

async fn session_live(state: &AppState, auth: Authenticated) -> bool {
    let Ok(mut tx) = state.db.tenant(auth.org_id).await else {
        return true; // the database is away; the next check decides
    };
    let live = sessions::is_live(&mut tx, auth.session_id, auth.user_id)
        .await
        .unwrap_or(true);
    let _ = tx.commit().await;
    live
}
