//! The browser's end of `/ws`: one socket per open app, subscribed to the current
//! branch, reconnecting with backoff. Pages read the latest event and a resync counter
//! (bumped after a reconnect, when events may have been missed) from context.

use leptos::prelude::*;

use crate::domain::{realtime::Event, session::CurrentUser, AppError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveStatus {
    Connecting,
    Live,
    Offline,
}

/// App-wide realtime state, provided by the shell.
#[derive(Clone, Copy)]
pub struct Realtime {
    pub status: RwSignal<LiveStatus>,
    /// The newest appointment event.
    pub last: RwSignal<Option<Event>>,
    /// Grows whenever pages should fetch what they show again.
    pub resyncs: RwSignal<u32>,
    /// The branch's open low-stock alerts, once an event said how many.
    pub stock_alerts: RwSignal<Option<i64>>,
}

impl Realtime {
    /// Connects once `user` has loaded: a visitor without a session is on their way to
    /// the sign-in page and has nothing to listen to.
    pub fn provide(user: Resource<Result<CurrentUser, AppError>>) -> Self {
        let realtime = Self {
            status: RwSignal::new(LiveStatus::Connecting),
            last: RwSignal::new(None),
            resyncs: RwSignal::new(0),
            stock_alerts: RwSignal::new(None),
        };
        provide_context(realtime);
        // Effects run only in the browser.
        Effect::new(move |connected: Option<bool>| {
            if connected == Some(true) {
                return true;
            }
            let signed_in = matches!(user.get(), Some(Ok(_)));
            #[cfg(feature = "hydrate")]
            if signed_in {
                client::connect(realtime, 0, false);
            }
            signed_in
        });
        realtime
    }
}

pub fn use_realtime() -> Option<Realtime> {
    use_context::<Realtime>()
}

/// The live/offline mark in the top bar.
#[component]
pub fn LiveIndicator() -> impl IntoView {
    let status = use_realtime().map(|r| r.status);
    let state = move || status.map_or(LiveStatus::Offline, |s| s.get());
    view! {
        <span
            class="live"
            class:live--on=move || state() == LiveStatus::Live
            role="status"
            aria-live="polite"
            data-testid="live-indicator"
            data-state=move || match state() {
                LiveStatus::Live => "live",
                LiveStatus::Connecting => "connecting",
                LiveStatus::Offline => "offline",
            }
        >
            {move || match state() {
                LiveStatus::Live => "Live",
                LiveStatus::Connecting => "Connecting…",
                LiveStatus::Offline => "Offline: reconnecting",
            }}
        </span>
    }
}

#[cfg(feature = "hydrate")]
mod client {
    use std::{cell::Cell, rc::Rc, time::Duration};

    use leptos::prelude::*;
    use wasm_bindgen::{closure::Closure, JsCast};
    use web_sys::{CloseEvent, MessageEvent, WebSocket};

    use super::{LiveStatus, Realtime};
    use crate::domain::realtime::Event;

    fn url() -> Option<String> {
        let location = window().location();
        let scheme = if location.protocol().ok()? == "https:" {
            "wss"
        } else {
            "ws"
        };
        Some(format!("{scheme}://{}/ws", location.host().ok()?))
    }

    /// Opens the socket; on close, tries again after 0.5 s, 1 s, 2 s … up to 30 s.
    pub fn connect(realtime: Realtime, attempt: u32, reconnecting: bool) {
        let Some(socket) = url().and_then(|u| WebSocket::new(&u).ok()) else {
            realtime.status.set(LiveStatus::Offline);
            return;
        };
        // Once connected, the next disconnection starts the backoff afresh.
        let connected = Rc::new(Cell::new(false));
        let seen = connected.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |message: MessageEvent| {
            let Some(text) = message.data().as_string() else {
                return;
            };
            match serde_json::from_str::<Event>(&text) {
                Ok(Event::Hello { .. }) => {
                    seen.set(true);
                    realtime.status.set(LiveStatus::Live);
                    if reconnecting {
                        realtime.resyncs.update(|n| *n += 1);
                    }
                }
                Ok(Event::Resync) => realtime.resyncs.update(|n| *n += 1),
                Ok(Event::StockAlerts { open }) => realtime.stock_alerts.set(Some(open)),
                Ok(event) => realtime.last.set(Some(event)),
                Err(_) => {}
            }
        });
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |_: CloseEvent| {
            realtime.status.set(LiveStatus::Offline);
            let attempt = if connected.get() { 0 } else { attempt };
            let wait = Duration::from_millis((500u64 << attempt.min(6)).min(30_000));
            set_timeout(move || connect(realtime, attempt + 1, true), wait);
        });
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        // The socket keeps its handlers for as long as it lives; each reconnect makes one
        // socket and two small closures.
        on_message.forget();
        on_close.forget();
    }
}
