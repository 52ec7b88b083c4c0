//! The wording of each message, per kind and channel: the organization's own (Settings →
//! Messages → Wording) or the built-in one. Variables such as `{when}` are checked when a
//! template is saved and filled when a message is written; server and browser share
//! this code, so the preview while typing is what patients will get.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::{
    error::{AppError, FieldError},
    messages::{AppointmentFacts, MessageKind},
};

/// The kinds with a wording of their own, in the order the settings page shows them.
pub const TEMPLATE_KINDS: [MessageKind; 9] = [
    MessageKind::BookingConfirmation,
    MessageKind::Reminder,
    MessageKind::Reschedule,
    MessageKind::Cancellation,
    MessageKind::FormRequest,
    MessageKind::Receipt,
    MessageKind::StaffInvitation,
    MessageKind::PasswordReset,
    MessageKind::LowStock,
];

/// The variables of a message to a patient about an appointment, with what each stands
/// for in the preview.
const APPOINTMENT_VARIABLES: &[(&str, &str)] = &[
    ("patient_first_name", "Ada"),
    ("patient_name", "Ada Lovelace"),
    ("service", "Sports massage"),
    ("practitioner", "Tom Baker"),
    ("when", "Monday 30 November 2026 at 09:30"),
    ("clinic", "Riverside Physio"),
    ("branch", "London"),
    ("address", "1 Harbour Street"),
    ("place", "London, 1 Harbour Street"),
    ("manage_link", "https://careops.example/manage/a1b2c3"),
];

/// The variables of a receipt: by email the PDF is attached, by text message the link
/// opens it.
const RECEIPT_VARIABLES: &[(&str, &str)] = &[
    ("patient_first_name", "Ada"),
    ("patient_name", "Ada Lovelace"),
    ("clinic", "Riverside Physio"),
    ("invoice_number", "INV-2026-000123"),
    ("paid", "£45.00"),
    ("receipt_link", "https://careops.example/receipt/a1b2c3"),
];

/// The variables of a form to fill in before a visit.
const FORM_REQUEST_VARIABLES: &[(&str, &str)] = &[
    ("patient_first_name", "Ada"),
    ("patient_name", "Ada Lovelace"),
    ("clinic", "Riverside Physio"),
    ("form", "New patient intake"),
    ("form_link", "https://careops.example/forms/a1b2c3"),
    ("until", "Tuesday 1 December 2026"),
];

/// The variables of an invitation to join the staff.
const INVITATION_VARIABLES: &[(&str, &str)] = &[
    ("clinic", "Riverside Physio"),
    ("inviter", "Tom Baker"),
    ("role", "receptionist"),
    ("link", "https://careops.example/invite/a1b2c3"),
    ("days", "7"),
];

/// The variables of a password reset.
const RESET_VARIABLES: &[(&str, &str)] = &[
    ("email", "tom@riverside.example"),
    ("link", "https://careops.example/reset-password/a1b2c3"),
    ("minutes", "30"),
];

/// The variables of a low-stock alert, to the branch's owners and admins.
const LOW_STOCK_VARIABLES: &[(&str, &str)] = &[
    ("clinic", "Riverside Physio"),
    ("branch", "London"),
    ("item", "Ultrasound gel"),
    ("on_hand", "1"),
    ("unit", "bottle"),
    ("reorder_quantity", "12"),
    ("supplier", "Physio Supplies Ltd"),
    ("link", "https://careops.example/app/stock/a1b2c3"),
];

fn examples(kind: MessageKind) -> &'static [(&'static str, &'static str)] {
    match kind {
        MessageKind::StaffInvitation => INVITATION_VARIABLES,
        MessageKind::PasswordReset => RESET_VARIABLES,
        MessageKind::Receipt => RECEIPT_VARIABLES,
        MessageKind::LowStock => LOW_STOCK_VARIABLES,
        MessageKind::FormRequest => FORM_REQUEST_VARIABLES,
        _ => APPOINTMENT_VARIABLES,
    }
}

/// The variables a message of `kind` can use: a cancelled appointment has no link to
/// manage it.
pub fn variables(kind: MessageKind) -> impl Iterator<Item = &'static str> {
    examples(kind)
        .iter()
        .map(|(name, _)| *name)
        .filter(move |name| !(kind == MessageKind::Cancellation && *name == "manage_link"))
}

/// The channels a message of `kind` goes by: staff are emailed.
pub fn channels(kind: MessageKind) -> &'static [&'static str] {
    match kind.is_for_staff() {
        true => &["email"],
        false => &["email", "sms"],
    }
}

/// The variable a message of `kind` is no use without: the link an invitation, a
/// password reset or a form request is for.
fn required(kind: MessageKind) -> Option<&'static str> {
    match kind {
        MessageKind::FormRequest => Some("form_link"),
        _ => kind.is_for_staff().then_some("link"),
    }
}

/// What the variables of a message stand for.
pub trait Facts {
    fn value(&self, name: &str) -> Option<Cow<'_, str>>;
}

impl Facts for AppointmentFacts<'_> {
    fn value(&self, name: &str) -> Option<Cow<'_, str>> {
        let first = self.patient_name.split_whitespace().next().unwrap_or(self.patient_name);
        Some(Cow::Borrowed(match name {
            "patient_first_name" => first,
            "patient_name" => self.patient_name,
            "service" => self.service,
            "practitioner" => self.practitioner,
            "when" => self.when,
            "clinic" => self.org_name,
            "branch" => self.branch_name,
            "address" => self.branch_address,
            "place" if self.branch_address.is_empty() => self.branch_name,
            "place" => return Some(Cow::Owned(format!("{}, {}", self.branch_name, self.branch_address))),
            "manage_link" => self.manage_url.unwrap_or_default(),
            _ => return None,
        }))
    }
}

/// Variables given by name: an invitation's, a password reset's, the preview's examples.
#[derive(Debug, Clone, Copy)]
pub struct Values<'a>(pub &'a [(&'a str, &'a str)]);

impl Facts for Values<'_> {
    fn value(&self, name: &str) -> Option<Cow<'_, str>> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| Cow::Borrowed(*v))
    }
}

/// The example details the preview of a message of `kind` shows.
pub fn example(kind: MessageKind) -> Values<'static> {
    Values(examples(kind))
}

/// One message's wording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    pub kind: MessageKind,
    /// `email` or `sms`.
    pub channel: String,
    /// Email only.
    pub subject: String,
    pub body: String,
}

/// The built-in wording.
pub fn default_template(kind: MessageKind, channel: &str) -> Template {
    let manage = "\n\nTo cancel or change it: {manage_link}";
    let (subject, body) = match (channel, kind) {
        ("sms", MessageKind::BookingConfirmation) => {
            (String::new(), "{clinic}: {service} booked for {when}. Manage: {manage_link}".to_owned())
        }
        ("sms", MessageKind::Cancellation) => (String::new(), "{clinic}: your {service} on {when} is cancelled.".to_owned()),
        ("sms", MessageKind::Reschedule) => {
            (String::new(), "{clinic}: your {service} is now on {when}. Manage: {manage_link}".to_owned())
        }
        ("sms", MessageKind::Reminder) => {
            (String::new(), "{clinic}: reminder, {service} on {when}. Manage: {manage_link}".to_owned())
        }
        (_, MessageKind::BookingConfirmation) => (
            "Your appointment at {clinic} on {when}".to_owned(),
            format!("Hello {{patient_first_name}},\n\nyour {{service}} with {{practitioner}} is booked for {{when}} at {{place}}.{manage}\n\n{{clinic}}"),
        ),
        (_, MessageKind::Cancellation) => (
            "Cancelled: your appointment at {clinic} on {when}".to_owned(),
            "Hello {patient_first_name},\n\nyour {service} with {practitioner} on {when} at {place} is cancelled.\n\n{clinic}".to_owned(),
        ),
        (_, MessageKind::Reschedule) => (
            "New time: your appointment at {clinic} on {when}".to_owned(),
            format!("Hello {{patient_first_name}},\n\nyour {{service}} with {{practitioner}} is now on {{when}} at {{place}}.{manage}\n\n{{clinic}}"),
        ),
        (_, MessageKind::Reminder) => (
            "Reminder: your appointment at {clinic} on {when}".to_owned(),
            format!("Hello {{patient_first_name}},\n\na reminder of your {{service}} with {{practitioner}} on {{when}} at {{place}}.{manage}\n\n{{clinic}}"),
        ),
        ("sms", MessageKind::FormRequest) => (
            String::new(),
            "{clinic}: please fill in {form} before your visit: {form_link}".to_owned(),
        ),
        (_, MessageKind::FormRequest) => (
            "{clinic}: please fill in {form} before your visit".to_owned(),
            "Hello {patient_first_name},\n\nplease fill in {form} before your visit, on your phone or \
             computer: {form_link}\n\nThe link works until {until}. If you stop half-way, what you typed is \
             kept: open the same link again to finish.\n\n{clinic}"
                .to_owned(),
        ),
        ("sms", MessageKind::Receipt) => (
            String::new(),
            "{clinic}: thank you for your payment of {paid}. Your receipt for {invoice_number}: {receipt_link}".to_owned(),
        ),
        (_, MessageKind::Receipt) => (
            "Your receipt from {clinic}".to_owned(),
            "Hello {patient_first_name},\n\nthank you for your payment of {paid}. Your receipt for invoice \
             {invoice_number} is attached.\n\n{clinic}"
                .to_owned(),
        ),
        (_, MessageKind::StaffInvitation) => (
            "{inviter} invites you to {clinic} on CareOps".to_owned(),
            "Hello,\n\n{inviter} invites you to join {clinic} on CareOps as {role}.\n\n\
             Choose your password here within {days} days: {link}\n\n\
             If you did not expect this, ignore this email: nothing happens without you."
                .to_owned(),
        ),
        (_, MessageKind::LowStock) => (
            "Running low at {branch}: {item}".to_owned(),
            "Hello,\n\n{item} is running low at {branch}: {on_hand} {unit} left. The usual order is \
             {reorder_quantity} {unit} (supplier: {supplier}).\n\n\
             Its stock and what to record when the delivery arrives: {link}\n\n{clinic}"
                .to_owned(),
        ),
        (_, MessageKind::PasswordReset) => (
            "Choose a new CareOps password".to_owned(),
            "Hello,\n\nsomeone, probably you, asked to choose a new CareOps password for {email}. \
             Choose it here within {minutes} minutes: {link}\n\n\
             The link works once. If you did not ask, ignore this email: your password stays as it is."
                .to_owned(),
        ),
    };
    Template {
        kind,
        channel: if channel == "sms" && !kind.is_for_staff() {
            "sms"
        } else {
            "email"
        }
        .to_owned(),
        subject,
        body,
    }
}

/// The `{name}`s in `text` (a brace not around a lower-case name is plain text).
fn placeholders(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.match_indices('{').filter_map(move |(start, _)| {
        let rest = &text[start + 1..];
        let end = rest.find('}')?;
        let name = &rest[..end];
        (!name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')).then_some((start, name))
    })
}

/// Refuses a variable `kind` does not have, naming the ones it does.
pub fn check(kind: MessageKind, field: &str, text: &str) -> Result<(), FieldError> {
    match placeholders(text).find(|(_, name)| !variables(kind).any(|v| v == *name)) {
        None => Ok(()),
        Some((_, name)) => Err(FieldError::new(
            field,
            format!(
                "{{{name}}} is not a variable of this message. Use {}.",
                variables(kind)
                    .map(|v| format!("{{{v}}}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// `text` with each variable replaced by its value in `f`.
pub fn fill(text: &str, f: &impl Facts) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut copied = 0;
    for (start, name) in placeholders(text) {
        if let Some(v) = f.value(name) {
            out.push_str(&text[copied..start]);
            out.push_str(&v);
            copied = start + name.len() + 2;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Subject and text of a message of `kind` by `channel`, in the organization's wording
/// where it has one.
pub fn render(kind: MessageKind, channel: &str, f: &impl Facts, own: &[Template]) -> (String, String) {
    let template = own
        .iter()
        .find(|t| t.kind == kind && t.channel == channel)
        .cloned()
        .unwrap_or_else(|| default_template(kind, channel));
    (fill(&template.subject, f), fill(&template.body, f))
}

/// How a text message travels: GSM-7 fits 160 characters in one message (153 per part
/// when split); any other character (an emoji, most accents, other scripts) makes it
/// UCS-2, 70 per message and 67 per part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsSize {
    pub characters: usize,
    pub unicode: bool,
    pub segments: usize,
}

const GSM7: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// Characters that take two places (an escape and the character).
const GSM7_EXTENDED: &str = "^{}\\[~]|€\u{c}";

pub fn sms_size(text: &str) -> SmsSize {
    let septets: Option<usize> = text
        .chars()
        .map(|c| match (GSM7.contains(c), GSM7_EXTENDED.contains(c)) {
            (true, _) => Some(1),
            (_, true) => Some(2),
            _ => None,
        })
        .sum();
    let (units, single, part, unicode) = match septets {
        Some(septets) => (septets, 160, 153, false),
        None => (text.encode_utf16().count(), 70, 67, true),
    };
    SmsSize {
        characters: text.chars().count(),
        unicode,
        segments: match units {
            0 => 0,
            n if n <= single => 1,
            n => n.div_ceil(part),
        },
    }
}

impl SmsSize {
    /// "98 characters · 1 text message (GSM-7)".
    pub fn words(&self) -> String {
        format!(
            "{} characters · {} {} ({})",
            self.characters,
            self.segments,
            if self.segments == 1 {
                "text message"
            } else {
                "text messages"
            },
            if self.unicode {
                "UCS-2: a character outside GSM-7 makes each text shorter"
            } else {
                "GSM-7"
            }
        )
    }
}

/// A template as its form posts it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TemplateForm {
    pub kind: String,
    pub channel: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub body: String,
}

/// A message kind from its name.
pub fn message_kind(raw: &str) -> Option<MessageKind> {
    TEMPLATE_KINDS.into_iter().find(|k| k.as_str() == raw)
}

impl TemplateForm {
    pub fn parse(&self) -> Result<Template, AppError> {
        let kind = message_kind(&self.kind).ok_or_else(|| AppError::BadRequest("No such message.".into()))?;
        let channel = match channels(kind).contains(&self.channel.as_str()) {
            true => self.channel.clone(),
            false => return Err(AppError::BadRequest("No such channel for this message.".into())),
        };
        let email = channel == "email";
        let mut errors = Vec::new();
        let subject = self.subject.trim().to_owned();
        let body = self.body.trim().replace("\r\n", "\n");
        if email && subject.is_empty() {
            errors.push(FieldError::new("subject", "Write a subject."));
        }
        if subject.chars().count() > 200 {
            errors.push(FieldError::new("subject", "Use at most 200 characters."));
        }
        let limit = if email { 5000 } else { 1000 };
        if body.is_empty() {
            errors.push(FieldError::new("body", "Write the message."));
        } else if body.chars().count() > limit {
            errors.push(FieldError::new("body", format!("Use at most {limit} characters.")));
        }
        if let Some(name) =
            required(kind).filter(|name| !body.is_empty() && !placeholders(&body).any(|(_, n)| n == *name))
        {
            errors.push(FieldError::new(
                "body",
                format!("Keep {{{name}}} in the message: without it the email is no use."),
            ));
        }
        for (field, text) in [("subject", &subject), ("body", &body)] {
            if let Err(e) = check(kind, field, text) {
                errors.push(e);
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        Ok(Template {
            kind,
            channel,
            subject: if email { subject } else { String::new() },
            body,
        })
    }
}

/// One wording as the settings page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateView {
    pub template: Template,
    /// The organization's own, not the built-in one.
    pub own: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_wording_fills_every_variable() {
        for kind in TEMPLATE_KINDS {
            for &channel in channels(kind) {
                let t = default_template(kind, channel);
                assert!(check(kind, "body", &t.body).is_ok() && check(kind, "subject", &t.subject).is_ok());
                let (subject, body) = render(kind, channel, &example(kind), &[]);
                assert!(
                    !body.contains('{') && !subject.contains('{'),
                    "{kind:?} {channel}: {body}"
                );
                if channel == "sms" && kind == MessageKind::Cancellation {
                    assert_eq!(sms_size(&body).segments, 1, "{body}");
                }
            }
        }
        let f = example(MessageKind::BookingConfirmation);
        let (subject, body) = render(MessageKind::BookingConfirmation, "email", &f, &[]);
        assert_eq!(
            subject,
            "Your appointment at Riverside Physio on Monday 30 November 2026 at 09:30"
        );
        assert!(body.starts_with("Hello Ada,\n\nyour Sports massage with Tom Baker is booked for Monday 30 November 2026 at 09:30 at London, 1 Harbour Street."));
    }

    #[test]
    fn an_unknown_variable_is_refused_by_name_and_plain_braces_are_text() {
        let err = check(MessageKind::Reminder, "body", "Hi {first_name}").unwrap_err();
        assert!(err
            .message
            .starts_with("{first_name} is not a variable of this message. Use {patient_first_name}"));
        assert!(
            check(MessageKind::Cancellation, "body", "{manage_link}").is_err(),
            "a cancellation has no link"
        );
        let (_, cancelled) = render(
            MessageKind::Cancellation,
            "email",
            &example(MessageKind::Cancellation),
            &[],
        );
        assert!(cancelled.contains("is cancelled") && !cancelled.contains("/manage/"));
        assert!(check(MessageKind::Reminder, "body", "Reply {Y} or { when } {}").is_ok());
        assert_eq!(
            fill("Hi {patient_first_name} {", &example(MessageKind::Reminder)),
            "Hi Ada {"
        );
        assert!(
            check(MessageKind::PasswordReset, "body", "{patient_name}").is_err(),
            "a password reset is about no patient"
        );
    }

    #[test]
    fn a_text_counts_its_parts_by_its_encoding() {
        assert_eq!(
            sms_size(&"a".repeat(160)),
            SmsSize {
                characters: 160,
                unicode: false,
                segments: 1
            }
        );
        assert_eq!(sms_size(&"a".repeat(161)).segments, 2);
        assert_eq!(
            sms_size(&"€".repeat(81)),
            SmsSize {
                characters: 81,
                unicode: false,
                segments: 2
            },
            "€ takes two places"
        );
        assert_eq!(sms_size(&format!("{} 😀", "a".repeat(60))).segments, 1);
        assert_eq!(
            sms_size(&format!("{} 😀", "a".repeat(70))),
            SmsSize {
                characters: 72,
                unicode: true,
                segments: 2
            }
        );
        assert_eq!(sms_size("").segments, 0);
    }

    #[test]
    fn a_form_is_checked_field_by_field() {
        let form = TemplateForm {
            kind: "reminder".into(),
            channel: "email".into(),
            subject: String::new(),
            body: "See you {when}, {nickname}".into(),
        };
        let err = form.parse().unwrap_err();
        assert!(
            err.field_message("subject").is_some() && err.field_message("body").is_some(),
            "{err:?}"
        );
        let sms = TemplateForm {
            channel: "sms".into(),
            subject: "ignored".into(),
            body: " See you {when} \r\n".into(),
            ..form
        };
        let t = sms.parse().unwrap();
        assert_eq!((t.subject.as_str(), t.body.as_str()), ("", "See you {when}"));
    }

    #[test]
    fn staff_are_emailed_and_their_emails_keep_their_link() {
        let invitation = TemplateForm {
            kind: "staff_invitation".into(),
            channel: "email".into(),
            subject: "Join {clinic}".into(),
            body: "{inviter} asks you to join as {role}.".into(),
        };
        let err = invitation.clone().parse().unwrap_err();
        assert_eq!(
            err.field_message("body"),
            Some("Keep {link} in the message: without it the email is no use.".to_owned())
        );
        let with_link = TemplateForm {
            body: "{inviter} asks you to join as {role}: {link} ({days} days)".into(),
            ..invitation.clone()
        };
        assert_eq!(
            fill(&with_link.parse().unwrap().body, &example(MessageKind::StaffInvitation)),
            "Tom Baker asks you to join as receptionist: https://careops.example/invite/a1b2c3 (7 days)"
        );
        let by_text = TemplateForm {
            channel: "sms".into(),
            ..with_link
        };
        assert!(matches!(by_text.parse(), Err(AppError::BadRequest(_))));
        assert_eq!(channels(MessageKind::PasswordReset), ["email"]);
    }
}
