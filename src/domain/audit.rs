//! The audit trail as staff read it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{time::filter_day, AppError};

pub const AUDIT_PAGE_SIZE: i64 = 50;

/// The kinds of entries, for the filter; each is written by the server where it happens.
pub const AUDIT_ACTIONS: &[(&str, &str)] = &[
    ("auth.signed_up", "Signed up"),
    ("auth.logged_in", "Logged in"),
    ("auth.login_failed", "Failed log-in"),
    ("auth.password_reset_requested", "Asked for a new password"),
    ("auth.password_reset", "Chose a new password"),
    ("auth.logged_out", "Logged out"),
    ("auth.second_factor_failed", "Failed 2FA code"),
    ("auth.recovery_code_used", "Used a recovery code"),
    ("auth.refresh_token_reused", "Refresh token reused"),
    ("auth.two_factor_enabled", "2FA turned on"),
    ("auth.two_factor_disabled", "2FA turned off"),
    ("session.revoked", "Session ended"),
    ("branch.created", "Branch created"),
    ("branch.updated", "Branch changed"),
    ("branch.switched", "Switched branch"),
    ("staff.invited", "Invited"),
    ("staff.invitation_revoked", "Invitation withdrawn"),
    ("staff.joined", "Joined"),
    ("staff.access_changed", "Access changed"),
    ("staff.deactivated", "Deactivated"),
    ("staff.reactivated", "Reactivated"),
    ("organization.security_changed", "Security policy changed"),
    ("api_token.created", "API token created"),
    ("api_token.revoked", "API token revoked"),
    ("messaging.email_changed", "Email settings changed"),
    ("messaging.sms_changed", "Text message settings changed"),
    ("messaging.test_sent", "Test message sent"),
    ("messaging.reminders_changed", "Reminders changed"),
    ("messaging.template_changed", "Message wording changed"),
    ("messaging.template_reset", "Message wording reset"),
    ("message.resent", "Message sent again"),
    ("appointment.status_undone", "Status step undone"),
    ("visit.note_read", "Clinical note read"),
    ("visit.note_saved", "Clinical note written"),
    ("visit.addendum_added", "Addendum added to a note"),
    ("visit.service_added", "Service recorded on a visit"),
    ("visit.service_removed", "Service removed from a visit"),
    ("visit.material_added", "Material recorded on a visit"),
    ("visit.material_removed", "Material removed from a visit"),
    ("invoice.drafted", "Invoice drafted"),
    ("invoice.line_added", "Invoice line added"),
    ("invoice.line_removed", "Invoice line removed"),
    ("invoice.discarded", "Draft invoice discarded"),
    ("invoice.issued", "Invoice issued"),
    ("invoice.credited", "Invoice credited"),
    ("invoice_settings.changed", "Invoice settings changed"),
    ("invoice.payment_received", "Payment received"),
    ("invoice.credit_used", "Credit used"),
    ("invoice.payment_refunded", "Payment refunded"),
    ("invoice.receipt_sent", "Receipt sent"),
    ("payment.recorded", "Payment recorded"),
    ("payment.refunded", "Refund given"),
    ("inventory_item.created", "Stock item added"),
    ("inventory_item.updated", "Stock item changed"),
    ("service.materials_changed", "Service materials changed"),
    ("form_template.created", "Form template added"),
    ("form_template.saved", "Form template saved"),
];

pub fn action_label(action: &str) -> &str {
    AUDIT_ACTIONS
        .iter()
        .find(|(key, _)| *key == action)
        .map_or(action, |(_, label)| label)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// `at` in the viewer's branch time zone.
    #[serde(default)]
    pub at_local: String,
    pub actor_name: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<Uuid>,
    pub branch_name: Option<String>,
    /// The changed fields, `field: before → after; …`.
    pub changes: String,
    pub ip: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    pub action: Option<String>,
    pub actor: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Entries older than this id (the next page).
    pub before: Option<i64>,
    /// One record's entries (an invoice's change log).
    pub entity_id: Option<Uuid>,
}

/// The audit page's filters as its GET form and its links carry them: days
/// (`YYYY-MM-DD`) in the branch's time zone, and `before`, the next page's cursor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    pub action: String,
    pub actor: String,
    pub from: String,
    pub until: String,
    pub before: String,
}

impl AuditQuery {
    /// The filter, the days read in `tz`; "until" includes that whole day.
    pub fn parse(&self, tz: chrono_tz::Tz) -> Result<AuditFilter, AppError> {
        let before = match self.before.trim() {
            "" => None,
            raw => Some(
                raw.parse::<i64>()
                    .map_err(|_| AppError::BadRequest("That page of the log does not exist.".into()))?,
            ),
        };
        Ok(AuditFilter {
            action: Some(self.action.trim().to_owned()).filter(|a| !a.is_empty()),
            actor: Uuid::parse_str(self.actor.trim()).ok(),
            from: filter_day("from", &self.from, 0, tz)?,
            until: filter_day("until", &self.until, 1, tz)?,
            before,
            entity_id: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_days_are_read_in_the_branch_zone_and_until_takes_the_whole_day() {
        let query = AuditQuery {
            from: "2026-11-21".into(),
            until: "2026-11-21".into(),
            before: "90".into(),
            ..Default::default()
        };
        let filter = query.parse(chrono_tz::Europe::Berlin).unwrap();
        assert_eq!(filter.from.unwrap().to_rfc3339(), "2026-11-20T23:00:00+00:00");
        assert_eq!(filter.until.unwrap().to_rfc3339(), "2026-11-21T23:00:00+00:00");
        assert_eq!((filter.action, filter.actor, filter.before), (None, None, Some(90)));
        let wrong = AuditQuery {
            from: "yesterday".into(),
            ..Default::default()
        };
        assert!(wrong.parse(chrono_tz::UTC).unwrap_err().field_message("from").is_some());
    }

    #[test]
    fn every_action_has_a_label_and_unknown_ones_read_as_themselves() {
        assert_eq!(action_label("staff.invited"), "Invited");
        assert_eq!(action_label("something.else"), "something.else");
        let mut keys: Vec<_> = AUDIT_ACTIONS.iter().map(|(k, _)| *k).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), AUDIT_ACTIONS.len());
    }
}

/// One page of the audit log, with what the filters offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub records: Vec<AuditRecord>,
    /// Set when older entries exist: the `before` of the next page.
    pub next_before: Option<i64>,
    /// Staff to filter by.
    pub actors: Vec<AuditActor>,
}

/// Someone the log can be filtered by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditActor {
    pub id: Uuid,
    pub name: String,
}
