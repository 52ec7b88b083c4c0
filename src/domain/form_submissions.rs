//! Forms sent to patients: what the patient's link shows them, and what staff see of
//! each request. A request answers one frozen version of its template, so the answers
//! always show beside exactly the questions the patient read.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::forms::{Answers, FieldKind, FormField, Posted};

/// The field that says what a post of the patient's form is for, beside the fields' own
/// keys (`f1`, `f2`…, never this).
pub const INTENT: &str = "intent";

/// What the patient pressed: send the form, or keep it to finish later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    Send,
    /// "Save and finish later", and the page script's saving as the patient types.
    Keep,
}

impl Intent {
    pub fn of(posted: &Posted) -> Intent {
        match posted.iter().find(|(k, _)| k == INTENT) {
            Some((_, v)) if v == "send" => Intent::Send,
            _ => Intent::Keep,
        }
    }
}

/// What the patient typed so far, as it will be kept: the posted values of the
/// version's own fields (and a signature's drawing), nothing else.
pub fn draft_of(fields: &[FormField], posted: &Posted) -> Posted {
    posted
        .iter()
        .filter(|(key, _)| {
            let own = key.strip_suffix(".drawing").unwrap_or(key);
            fields.iter().any(|f| f.kind.is_question() && f.key == own)
        })
        .take(2_000)
        .cloned()
        .collect()
}

/// Answers given as JSON (the API), by field key, as the page would post them: text, a
/// number or a date as a string or number; a choice, or a list of several; `true` or
/// `false` for yes/no (and `true` to accept a consent); a signature as `{"name": ...,
/// "drawing": ...}` or just the name. Keys that are no question of `fields` are left out.
pub fn posted_from_json(fields: &[FormField], answers: &serde_json::Map<String, serde_json::Value>) -> Posted {
    use serde_json::Value;
    let mut posted = Posted::new();
    for field in fields.iter().filter(|f| f.kind.is_question()) {
        let key = field.key.clone();
        let mut put = |k: &str, v: String| posted.push((k.to_owned(), v));
        match (field.kind, answers.get(&key)) {
            (_, None | Some(Value::Null)) => {}
            (FieldKind::YesNo, Some(Value::Bool(b))) => put(&key, if *b { "yes" } else { "no" }.into()),
            (FieldKind::Consent, Some(Value::Bool(b))) => {
                if *b {
                    put(&key, "accepted".into());
                }
            }
            (FieldKind::Signature, Some(Value::Object(signature))) => {
                for (name, at) in [("name", key.clone()), ("drawing", format!("{key}.drawing"))] {
                    if let Some(Value::String(text)) = signature.get(name) {
                        put(&at, text.clone());
                    }
                }
            }
            (_, Some(Value::Array(items))) => {
                for item in items {
                    put(&key, scalar(item));
                }
            }
            (_, Some(value)) => put(&key, scalar(value)),
        }
    }
    posted
}

/// A JSON value as a posted field's text (a nested value is no answer: left blank).
fn scalar(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// Until when a form link works: the day after the visit it is for (the patient may fill
/// it in at the clinic), but at least two days; two weeks when it is for no visit.
pub fn link_expiry(now: DateTime<Utc>, visit: Option<DateTime<Utc>>) -> DateTime<Utc> {
    match visit {
        Some(starts_at) => (starts_at + Duration::days(1)).max(now + Duration::days(2)),
        None => now + Duration::days(14),
    }
}

/// What a patient's form link opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientForm {
    pub clinic: String,
    pub branch_phone: String,
    /// The version's title and introduction.
    pub title: String,
    pub intro: String,
    pub fields: Vec<FormField>,
    /// "Initial assessment on Monday 14 December 2026 at 09:00", when it is for a visit.
    pub visit: Option<String>,
    /// The last day the link works, in the branch's zone.
    pub until: String,
    /// What the patient typed before.
    pub draft: Posted,
    /// When it was sent, once it was ("7 Dec 2026, 10:12").
    pub submitted: Option<String>,
}

impl PatientForm {
    /// The first value typed for `key`.
    pub fn value(&self, key: &str) -> String {
        self.draft
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// Whether `choice` of `key` was chosen.
    pub fn chosen(&self, key: &str, choice: &str) -> bool {
        self.draft.iter().any(|(k, v)| k == key && v == choice)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormStatus {
    /// Sent to the patient, not answered yet.
    Waiting,
    Submitted,
    /// Not answered before its link stopped working.
    Expired,
}

impl FormStatus {
    pub fn label(self) -> &'static str {
        match self {
            FormStatus::Waiting => "Waiting",
            FormStatus::Submitted => "Filled in",
            FormStatus::Expired => "Link expired",
        }
    }
}

/// A form request as staff see it in a list, its times in the branch's zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionSummary {
    pub id: Uuid,
    pub template_id: Uuid,
    /// The title of the version sent.
    pub name: String,
    pub version: i32,
    pub status: FormStatus,
    /// "Filled in 7 Dec 2026, 10:12", "Waiting: the link works until 9 Dec 2026".
    pub status_label: String,
    /// "Sent by Ada on 7 Dec 2026", "Sent with the booking on 7 Dec 2026".
    pub requested: String,
    /// The visit it is for: "Initial assessment, 14 Dec 2026 09:00".
    pub visit: Option<String>,
    pub appointment_id: Option<Uuid>,
}

/// One submission with its answers, beside the questions of the version answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionView {
    pub summary: SubmissionSummary,
    pub patient_id: Uuid,
    pub patient_name: String,
    pub clinic: String,
    pub intro: String,
    pub fields: Vec<FormField>,
    pub answers: Answers,
}

/// A form the organization can send, for the "Send a form" choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sendable {
    pub id: Uuid,
    pub name: String,
}

/// A patient's forms: what was sent and what can be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientForms {
    pub submissions: Vec<SubmissionSummary>,
    pub sendable: Vec<Sendable>,
    /// Whether this user may open the answers (health data).
    pub can_read: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::forms::{read_answers, Answer};

    fn field(key: &str, kind: FieldKind) -> FormField {
        FormField {
            key: key.into(),
            kind,
            label: key.into(),
            help: String::new(),
            required: false,
            choices: Vec::new(),
        }
    }

    #[test]
    fn answers_in_json_read_as_the_page_posts_them() {
        let mut choices = field("f2", FieldKind::MultipleChoice);
        choices.choices = vec!["Neck".into(), "Back".into()];
        let fields = [
            field("f1", FieldKind::Number),
            choices,
            field("f3", FieldKind::YesNo),
            field("f4", FieldKind::Consent),
            field("f5", FieldKind::Signature),
        ];
        let json = serde_json::json!({
            "f1": 72.5, "f2": ["Back", "Neck"], "f3": false, "f4": true,
            "f5": {"name": "Ada Lovelace", "drawing": "M1 1L2 2"}, "f9": "not asked"
        });
        let answers = read_answers(&fields, &posted_from_json(&fields, json.as_object().unwrap())).unwrap();
        assert_eq!(answers["f1"], Answer::Number("72.5".into()));
        assert_eq!(answers["f2"], Answer::Choices(vec!["Neck".into(), "Back".into()]));
        assert_eq!(answers["f3"], Answer::YesNo(false));
        assert_eq!(answers["f4"], Answer::Accepted);
        assert_eq!(
            answers["f5"],
            Answer::Signature {
                name: "Ada Lovelace".into(),
                drawing: Some("M1 1L2 2".into())
            }
        );
        assert!(!answers.contains_key("f9"));
        // A consent not accepted is no answer.
        let declined = serde_json::json!({"f4": false});
        assert!(posted_from_json(&fields, declined.as_object().unwrap()).is_empty());
    }

    #[test]
    fn a_link_works_until_the_day_after_the_visit_and_never_less_than_two_days() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let now = at("2026-12-08T10:00:00Z");
        assert_eq!(
            link_expiry(now, Some(at("2026-12-20T09:00:00Z"))),
            at("2026-12-21T09:00:00Z")
        );
        assert_eq!(
            link_expiry(now, Some(at("2026-12-08T15:00:00Z"))),
            at("2026-12-10T10:00:00Z")
        );
        assert_eq!(link_expiry(now, None), at("2026-12-22T10:00:00Z"));
    }

    #[test]
    fn a_draft_keeps_the_forms_own_fields_only() {
        let fields = [
            field("f1", FieldKind::ShortText),
            field("f2", FieldKind::Heading),
            field("f3", FieldKind::Signature),
        ];
        let posted: Posted = [
            ("f1", "Ada"),
            ("f2", "not a question"),
            ("f3", "Ada Lovelace"),
            ("f3.drawing", "M1 1L2 2"),
            ("intent", "keep"),
            ("f9", "not on this version"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let draft = draft_of(&fields, &posted);
        let kept: Vec<&str> = draft.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(kept, ["f1", "f3", "f3.drawing"]);
        assert_eq!(Intent::of(&posted), Intent::Keep);
        let send = vec![(INTENT.to_string(), "send".to_string())];
        assert_eq!(Intent::of(&send), Intent::Send);
    }
}
