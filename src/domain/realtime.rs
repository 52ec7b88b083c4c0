//! The events the server pushes to open calendars and dashboards over `/ws`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::appointment::AppointmentView;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// The socket is subscribed to this branch.
    Hello {
        branch_id: Uuid,
    },
    AppointmentCreated {
        appointment: AppointmentView,
    },
    AppointmentUpdated {
        appointment: AppointmentView,
    },
    AppointmentCancelled {
        appointment: AppointmentView,
    },
    /// How many low-stock alerts are open at the branch now (one opened or closed).
    StockAlerts {
        open: i64,
    },
    /// Events may have been missed: fetch what is shown again.
    Resync,
}

impl Event {
    /// The appointment an event carries, if any.
    pub fn appointment(&self) -> Option<&AppointmentView> {
        match self {
            Event::AppointmentCreated { appointment }
            | Event::AppointmentUpdated { appointment }
            | Event::AppointmentCancelled { appointment } => Some(appointment),
            Event::Hello { .. } | Event::StockAlerts { .. } | Event::Resync => None,
        }
    }

    /// Cuts the appointment's free texts (notes, cancellation reason) to `chars`
    /// characters, for a channel with a size limit.
    pub fn shorten_texts(&mut self, chars: usize) {
        fn cut(text: &mut String, chars: usize) {
            if let Some((at, _)) = text.char_indices().nth(chars) {
                text.truncate(at);
                text.push('…');
            }
        }
        if let Event::AppointmentCreated { appointment }
        | Event::AppointmentUpdated { appointment }
        | Event::AppointmentCancelled { appointment } = self
        {
            cut(&mut appointment.notes, chars);
            if let Some(reason) = appointment.cancel_reason.as_mut() {
                cut(reason, chars);
            }
        }
    }
}

/// An event and where it belongs, as it travels between server processes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub org_id: Uuid,
    pub branch_id: Uuid,
    pub event: Event,
}

/// What a list that events keep up to date holds: an appointment, whole or as the
/// calendar draws it.
pub trait Listed: for<'a> From<&'a AppointmentView> {
    fn id(&self) -> Uuid;
    /// Where it stands in the list: by local day and start, then id.
    fn place(&self) -> (NaiveDate, u32, Uuid);
}

impl From<&AppointmentView> for AppointmentView {
    fn from(a: &AppointmentView) -> Self {
        a.clone()
    }
}

impl Listed for AppointmentView {
    fn id(&self) -> Uuid {
        self.id
    }

    fn place(&self) -> (NaiveDate, u32, Uuid) {
        (self.local_date, self.start_minute, self.id)
    }
}

/// Applies an event to a list of appointments shown for some days: replaces, adds or
/// drops the one it carries. `shown` says whether an appointment belongs in the list.
pub fn apply<T: Listed>(list: &mut Vec<T>, event: &Event, shown: impl Fn(&AppointmentView) -> bool) {
    let Some(incoming) = event.appointment() else {
        return;
    };
    list.retain(|a| a.id() != incoming.id);
    if shown(incoming) {
        let item = T::from(incoming);
        let at = list.partition_point(|a| a.place() < item.place());
        list.insert(at, item);
    }
}
