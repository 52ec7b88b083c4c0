//! Intake and consent forms: a template's fields, as the builder edits them and as a
//! version freezes them, and a patient's answers, read the same way in the browser and
//! on the server.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::error::{AppError, FieldError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Heading,
    ShortText,
    LongText,
    Number,
    Date,
    SingleChoice,
    MultipleChoice,
    YesNo,
    Consent,
    Signature,
}

impl FieldKind {
    pub const ALL: [FieldKind; 10] = [
        FieldKind::ShortText,
        FieldKind::LongText,
        FieldKind::Number,
        FieldKind::Date,
        FieldKind::SingleChoice,
        FieldKind::MultipleChoice,
        FieldKind::YesNo,
        FieldKind::Consent,
        FieldKind::Signature,
        FieldKind::Heading,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Heading => "heading",
            FieldKind::ShortText => "short_text",
            FieldKind::LongText => "long_text",
            FieldKind::Number => "number",
            FieldKind::Date => "date",
            FieldKind::SingleChoice => "single_choice",
            FieldKind::MultipleChoice => "multiple_choice",
            FieldKind::YesNo => "yes_no",
            FieldKind::Consent => "consent",
            FieldKind::Signature => "signature",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }

    pub fn label(self) -> &'static str {
        match self {
            FieldKind::Heading => "Section heading",
            FieldKind::ShortText => "Short text",
            FieldKind::LongText => "Long text",
            FieldKind::Number => "Number",
            FieldKind::Date => "Date",
            FieldKind::SingleChoice => "One choice",
            FieldKind::MultipleChoice => "Several choices",
            FieldKind::YesNo => "Yes or no",
            FieldKind::Consent => "Consent to accept",
            FieldKind::Signature => "Signature",
        }
    }

    /// The patient picks from the field's choices.
    pub fn has_choices(self) -> bool {
        matches!(self, FieldKind::SingleChoice | FieldKind::MultipleChoice)
    }

    /// The patient answers it (a heading only names a section).
    pub fn is_question(self) -> bool {
        self != FieldKind::Heading
    }
}

/// One field of a template: a question, a consent statement, a signature or a heading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormField {
    /// Its name in the answers: kept when the template is edited, so the same question
    /// in two versions is one column of the export.
    pub key: String,
    pub kind: FieldKind,
    /// The question, the heading, or the statement the patient accepts.
    pub label: String,
    #[serde(default)]
    pub help: String,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub choices: Vec<String>,
}

/// The builder's form for one field, as posted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldForm {
    pub kind: String,
    pub label: String,
    #[serde(default)]
    pub help: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    pub required: Option<String>,
    /// One choice a line.
    #[serde(default)]
    pub choices: String,
}

pub const MAX_FIELDS: usize = 100;
const MAX_CHOICES: usize = 30;

impl FieldForm {
    /// The field it describes, named `key`.
    pub fn parse(&self, key: String) -> Result<FormField, AppError> {
        let mut errors = Vec::new();
        let kind = FieldKind::parse(&self.kind);
        if kind.is_none() {
            errors.push(FieldError::new("kind", "Choose what kind of field it is."));
        }
        let label = self.label.trim();
        let longest = if kind == Some(FieldKind::Consent) { 2000 } else { 300 };
        if label.is_empty() || label.chars().count() > longest {
            errors.push(FieldError::new(
                "label",
                format!("Write the question or statement (up to {longest} characters)."),
            ));
        }
        let help = self.help.trim();
        if help.chars().count() > 500 {
            errors.push(FieldError::new("help", "Keep the help text to 500 characters."));
        }
        let mut choices: Vec<String> = Vec::new();
        if kind.is_some_and(FieldKind::has_choices) {
            for choice in self.choices.lines().map(str::trim).filter(|c| !c.is_empty()) {
                if !choices.iter().any(|c| c.eq_ignore_ascii_case(choice)) {
                    choices.push(choice.to_owned());
                }
            }
            if choices.len() < 2 || choices.len() > MAX_CHOICES || choices.iter().any(|c| c.chars().count() > 200) {
                errors.push(FieldError::new(
                    "choices",
                    format!("Give from 2 to {MAX_CHOICES} different choices, one a line, each up to 200 characters."),
                ));
            }
        }
        match kind {
            Some(kind) if errors.is_empty() => Ok(FormField {
                key,
                kind,
                label: label.to_owned(),
                help: help.to_owned(),
                required: kind.is_question() && self.required.is_some(),
                choices,
            }),
            _ => Err(AppError::Validation(errors)),
        }
    }
}

/// A name for a new field that none of `fields` has: `f1`, `f2`, …
pub fn next_key(fields: &[FormField]) -> String {
    let highest = fields
        .iter()
        .filter_map(|f| f.key.strip_prefix('f')?.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    format!("f{}", highest + 1)
}

/// A template as its page shows it: the current version's content, what it is sent
/// with, and the services it could be sent with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormTemplate {
    pub id: uuid::Uuid,
    pub name: String,
    pub intro: String,
    pub fields: Vec<FormField>,
    /// The current version (0 before the first save).
    pub version: i32,
    /// When and by whom the current version was saved ("7 Dec 2026, 14:02 by Ada").
    pub saved: Option<String>,
    pub active: bool,
    /// The services whose bookings ask for it.
    pub services: Vec<uuid::Uuid>,
    pub service_choices: Vec<super::calendar::CalendarColumn>,
}

/// One template in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateSummary {
    pub id: uuid::Uuid,
    pub name: String,
    pub version: i32,
    pub questions: i64,
    /// The names of the services it is sent with.
    pub services: Vec<String>,
    pub active: bool,
}

/// The builder's whole form, as posted: the template's title and introduction, each
/// field's row in order (`key[]`, `kind[]`, … side by side; a blank key is the row for a
/// new field, taken only when it has a label), the keys of the required fields, the
/// services it is sent with, and which row button was pressed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateForm {
    pub name: String,
    #[serde(default)]
    pub intro: String,
    #[serde(default)]
    pub key: Vec<String>,
    #[serde(default)]
    pub kind: Vec<String>,
    #[serde(default)]
    pub label: Vec<String>,
    #[serde(default)]
    pub help: Vec<String>,
    #[serde(default)]
    pub choices: Vec<String>,
    /// A checkbox a row, valued by the row's key (`new` for the new row).
    #[serde(default)]
    pub required: Vec<String>,
    #[serde(default)]
    pub service: Vec<String>,
    /// A row's button: `up:f3`, `down:f3` or `remove:f3`; blank for Save.
    #[serde(default)]
    pub step: String,
    /// Inactive: kept for what answered it, no longer offered.
    #[serde(default)]
    pub retired: Option<String>,
}

/// A template's content, validated, and what it is sent with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateDraft {
    pub name: String,
    pub intro: String,
    pub fields: Vec<FormField>,
    pub services: Vec<uuid::Uuid>,
    pub active: bool,
}

/// The key of the new field's row in the form and in its errors (`new.label`).
pub const NEW_ROW: &str = "new";

impl TemplateForm {
    pub fn parse(&self) -> Result<TemplateDraft, AppError> {
        let rows = self.key.len();
        if [self.kind.len(), self.label.len(), self.help.len(), self.choices.len()]
            .iter()
            .any(|&n| n != rows)
        {
            return Err(AppError::BadRequest(
                "The form is out of date. Reload the page and try again.".into(),
            ));
        }
        let mut errors = Vec::new();
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            errors.push(FieldError::new("name", "Give the form a title (up to 200 characters)."));
        }
        let intro = self.intro.trim();
        if intro.chars().count() > 2000 {
            errors.push(FieldError::new("intro", "Keep the introduction to 2000 characters."));
        }
        let (step, target) = self.step.split_once(':').unwrap_or(("", ""));
        let mut fields: Vec<FormField> = Vec::new();
        let mut new_row = None;
        for i in 0..rows {
            let key = self.key[i].trim();
            if (step == "remove" && key == target) || (key.is_empty() && self.label[i].trim().is_empty()) {
                continue;
            }
            let row = if key.is_empty() { NEW_ROW } else { key };
            let form = FieldForm {
                kind: self.kind[i].clone(),
                label: self.label[i].clone(),
                help: self.help[i].clone(),
                required: self.required.iter().any(|r| r == row).then(String::new),
                choices: self.choices[i].clone(),
            };
            match form.parse(key.to_owned()) {
                Ok(field) if key.is_empty() => new_row = Some(field),
                Ok(field) => fields.push(field),
                Err(AppError::Validation(wrong)) => errors.extend(
                    wrong
                        .into_iter()
                        .map(|e| FieldError::new(format!("{row}.{}", e.field), e.message)),
                ),
                Err(other) => return Err(other),
            }
        }
        if let Some(mut field) = new_row {
            field.key = next_key(&fields);
            fields.push(field);
        }
        if let Some(at) = fields.iter().position(|f| f.key == target) {
            match step {
                "up" if at > 0 => fields.swap(at, at - 1),
                "down" if at + 1 < fields.len() => fields.swap(at, at + 1),
                _ => {}
            }
        }
        if fields.len() > MAX_FIELDS {
            errors.push(FieldError::new(
                "name",
                format!("A form holds at most {MAX_FIELDS} fields: split it in two."),
            ));
        }
        let services = self.service.iter().filter_map(|s| s.trim().parse().ok()).collect();
        if errors.is_empty() {
            Ok(TemplateDraft {
                name: name.to_owned(),
                intro: intro.to_owned(),
                fields,
                services,
                active: self.retired.is_none(),
            })
        } else {
            Err(AppError::Validation(errors))
        }
    }
}

/// A patient's answer to one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "value")]
pub enum Answer {
    Text(String),
    /// As typed, once it reads as a number: "72.5".
    Number(String),
    Date(chrono::NaiveDate),
    Choices(Vec<String>),
    YesNo(bool),
    Accepted,
    /// The full name typed, and the drawing when the patient drew it (an SVG path).
    Signature {
        name: String,
        drawing: Option<String>,
    },
}

impl Answer {
    /// The answer as one line of text (a printed form, a CSV cell).
    pub fn text(&self) -> String {
        match self {
            Answer::Text(t) | Answer::Number(t) => t.clone(),
            Answer::Date(d) => d.format("%-d %b %Y").to_string(),
            Answer::Choices(c) => c.join("; "),
            Answer::YesNo(true) => "Yes".into(),
            Answer::YesNo(false) => "No".into(),
            Answer::Accepted => "Accepted".into(),
            Answer::Signature { name, drawing } => match drawing {
                Some(_) => format!("Signed (drawn) by {name}"),
                None => format!("Signed by {name}"),
            },
        }
    }
}

pub type Answers = BTreeMap<String, Answer>;

/// What the patient posted, as pairs (a field's key; for several choices the key again
/// for each; a drawn signature's path under `<key>.drawing`).
pub type Posted = Vec<(String, String)>;

/// The posted values of `key`, blank ones left out.
fn values<'a>(posted: &'a Posted, key: &'a str) -> impl Iterator<Item = &'a str> {
    posted
        .iter()
        .filter(move |(k, _)| k == key)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

const LONGEST_ANSWER: usize = 5000;
/// A drawn signature's path: enough for a long signature, not a file.
const LONGEST_DRAWING: usize = 60_000;

/// A drawn signature as the page's script posts it: an SVG path of moves and lines
/// ("M12 30L14 31.5…"), nothing that could be markup, and not a file's worth.
pub fn is_drawing(path: &str) -> bool {
    path.len() <= LONGEST_DRAWING
        && path.starts_with('M')
        && path
            .bytes()
            .all(|b| matches!(b, b'M' | b'L' | b'0'..=b'9' | b'.' | b' ' | b','))
}

/// Reads `posted` against the version's `fields`: the answers, or every field's error
/// (a required one left blank, a number that is not one, a choice not offered).
pub fn read_answers(fields: &[FormField], posted: &Posted) -> Result<Answers, AppError> {
    let mut answers = Answers::new();
    let mut errors = Vec::new();
    for field in fields.iter().filter(|f| f.kind.is_question()) {
        let key = field.key.as_str();
        let first = values(posted, key).next();
        let answer = match (field.kind, first) {
            (FieldKind::MultipleChoice, _) => {
                let chosen: Vec<String> = field
                    .choices
                    .iter()
                    .filter(|c| values(posted, key).any(|v| v == c.as_str()))
                    .cloned()
                    .collect();
                if values(posted, key).count() > chosen.len() {
                    Err("Choose from the choices given.")
                } else if chosen.is_empty() {
                    Ok(None)
                } else {
                    Ok(Some(Answer::Choices(chosen)))
                }
            }
            (_, None) => Ok(None),
            (FieldKind::ShortText | FieldKind::LongText, Some(text)) => {
                if text.chars().count() > LONGEST_ANSWER {
                    Err("Keep the answer to 5000 characters.")
                } else {
                    Ok(Some(Answer::Text(text.to_owned())))
                }
            }
            (FieldKind::Number, Some(raw)) => {
                let normalized = raw.replace(',', ".");
                match normalized.parse::<f64>() {
                    Ok(n) if n.is_finite() && normalized.len() <= 20 => Ok(Some(Answer::Number(normalized))),
                    _ => Err("Enter a number, for example 72 or 72.5."),
                }
            }
            (FieldKind::Date, Some(raw)) => chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .map(|d| Some(Answer::Date(d)))
                .map_err(|_| "Enter a date, for example 1985-04-23."),
            (FieldKind::SingleChoice, Some(chosen)) => match field.choices.iter().find(|c| c.as_str() == chosen) {
                Some(c) => Ok(Some(Answer::Choices(vec![c.clone()]))),
                None => Err("Choose from the choices given."),
            },
            (FieldKind::YesNo, Some("yes")) => Ok(Some(Answer::YesNo(true))),
            (FieldKind::YesNo, Some("no")) => Ok(Some(Answer::YesNo(false))),
            (FieldKind::YesNo, Some(_)) => Err("Answer yes or no."),
            (FieldKind::Consent, Some(_)) => Ok(Some(Answer::Accepted)),
            (FieldKind::Signature, Some(name)) => {
                let drawing = values(posted, &format!("{key}.drawing")).next().map(str::to_owned);
                if name.chars().count() > 200 || drawing.as_deref().is_some_and(|d| !is_drawing(d)) {
                    Err("Sign with your full name (up to 200 characters).")
                } else {
                    Ok(Some(Answer::Signature {
                        name: name.to_owned(),
                        drawing,
                    }))
                }
            }
            (FieldKind::Heading, Some(_)) => Ok(None),
        };
        match answer {
            Ok(Some(answer)) => {
                answers.insert(field.key.clone(), answer);
            }
            Ok(None) if field.required => errors.push(FieldError::new(key, required_message(field.kind))),
            Ok(None) => {}
            Err(message) => errors.push(FieldError::new(key, message)),
        }
    }
    if errors.is_empty() {
        Ok(answers)
    } else {
        Err(AppError::Validation(errors))
    }
}

fn required_message(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Consent => "Tick the box to accept this: the clinic needs it before your visit.",
        FieldKind::Signature => "Sign with your full name.",
        FieldKind::SingleChoice | FieldKind::YesNo => "Choose an answer: this one is required.",
        FieldKind::MultipleChoice => "Choose at least one: this one is required.",
        _ => "Answer this one: it is required.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(key: &str, kind: FieldKind, required: bool) -> FormField {
        FormField {
            key: key.into(),
            kind,
            label: format!("Question {key}"),
            help: String::new(),
            required,
            choices: if kind.has_choices() {
                vec!["Neck".into(), "Back".into(), "Knee".into()]
            } else {
                Vec::new()
            },
        }
    }

    fn posted(pairs: &[(&str, &str)]) -> Posted {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_field_form_reads_its_kind_label_and_choices() {
        let form = FieldForm {
            kind: "multiple_choice".into(),
            label: " Where does it hurt? ".into(),
            required: Some("on".into()),
            choices: "Neck\n\nBack\nneck\n Knee ".into(),
            ..FieldForm::default()
        };
        let parsed = form.parse("f3".into()).unwrap();
        assert_eq!(parsed.label, "Where does it hurt?");
        assert_eq!(parsed.choices, ["Neck", "Back", "Knee"]);
        assert!(parsed.required);
        // A heading is never required; its choices are not kept.
        let heading = FieldForm {
            kind: "heading".into(),
            label: "About you".into(),
            required: Some("on".into()),
            choices: "a\nb".into(),
            ..FieldForm::default()
        };
        let heading = heading.parse("f4".into()).unwrap();
        assert!(!heading.required && heading.choices.is_empty());
        let wrong = FieldForm {
            kind: "single_choice".into(),
            choices: "Only one".into(),
            ..FieldForm::default()
        };
        let wrong = wrong.parse("f5".into()).unwrap_err();
        for name in ["label", "choices"] {
            assert!(wrong.field_message(name).is_some(), "{name}");
        }
        assert!(FieldForm::default()
            .parse("f6".into())
            .unwrap_err()
            .field_message("kind")
            .is_some());
    }

    fn row(key: &str, kind: &str, label: &str) -> [String; 5] {
        [key.into(), kind.into(), label.into(), String::new(), String::new()]
    }

    fn template(rows: &[[String; 5]], required: &[&str], step: &str) -> TemplateForm {
        TemplateForm {
            name: " Intake ".into(),
            key: rows.iter().map(|r| r[0].clone()).collect(),
            kind: rows.iter().map(|r| r[1].clone()).collect(),
            label: rows.iter().map(|r| r[2].clone()).collect(),
            help: rows.iter().map(|r| r[3].clone()).collect(),
            choices: rows.iter().map(|r| r[4].clone()).collect(),
            required: required.iter().map(|r| r.to_string()).collect(),
            step: step.into(),
            ..TemplateForm::default()
        }
    }

    #[test]
    fn the_builder_adds_moves_and_removes_fields_keeping_their_keys() {
        let rows = [
            row("f1", "short_text", "Name"),
            row("f2", "date", "Date of birth"),
            row("", "consent", "I agree"),
        ];
        let saved = template(&rows, &["f1", "new"], "").parse().unwrap();
        assert_eq!(saved.name, "Intake");
        let keys: Vec<&str> = saved.fields.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, ["f1", "f2", "f3"]);
        assert_eq!(
            saved.fields.iter().map(|f| f.required).collect::<Vec<_>>(),
            [true, false, true]
        );
        // A blank new row adds nothing; a move swaps with the neighbour; a remove drops
        // the row even when it would not parse.
        let blank = [
            row("f1", "short_text", "Name"),
            row("f2", "date", "Date of birth"),
            row("", "short_text", ""),
        ];
        let moved = template(&blank, &[], "up:f2").parse().unwrap();
        assert_eq!(
            moved.fields.iter().map(|f| f.key.as_str()).collect::<Vec<_>>(),
            ["f2", "f1"]
        );
        let top = template(&blank, &[], "up:f1").parse().unwrap();
        assert_eq!(top.fields[0].key, "f1");
        let broken = [row("f1", "short_text", "Name"), row("f2", "date", "")];
        assert!(template(&broken, &[], "").parse().is_err());
        let removed = template(&broken, &[], "remove:f2").parse().unwrap();
        assert_eq!(removed.fields.len(), 1);
    }

    #[test]
    fn a_wrong_row_says_so_on_its_own_fields() {
        let rows = [row("f1", "single_choice", "Where?"), row("", "nonsense", "New one")];
        let wrong = template(&rows, &[], "").parse().unwrap_err();
        assert!(wrong.field_message("f1.choices").is_some());
        assert!(wrong.field_message("new.kind").is_some());
        let mut stale = template(&rows, &[], "");
        stale.label.pop();
        assert!(matches!(stale.parse(), Err(AppError::BadRequest(_))));
    }

    #[test]
    fn a_new_field_takes_the_next_free_key() {
        assert_eq!(next_key(&[]), "f1");
        let fields = [
            field("f2", FieldKind::ShortText, false),
            field("f7", FieldKind::Date, false),
        ];
        assert_eq!(next_key(&fields), "f8");
    }

    #[test]
    fn answers_are_read_against_the_fields_with_an_error_for_each_wrong_one() {
        let fields = [
            field("f1", FieldKind::Heading, false),
            field("f2", FieldKind::ShortText, true),
            field("f3", FieldKind::Number, false),
            field("f4", FieldKind::Date, false),
            field("f5", FieldKind::SingleChoice, true),
            field("f6", FieldKind::MultipleChoice, false),
            field("f7", FieldKind::YesNo, true),
            field("f8", FieldKind::Consent, true),
            field("f9", FieldKind::Signature, true),
        ];
        let good = posted(&[
            ("f2", " Ada Lovelace "),
            ("f3", "72,5"),
            ("f4", "1985-04-23"),
            ("f5", "Back"),
            ("f6", "Knee"),
            ("f6", "Neck"),
            ("f7", "no"),
            ("f8", "on"),
            ("f9", "Ada Lovelace"),
            ("f9.drawing", "M1 1L5 5"),
        ]);
        let answers = read_answers(&fields, &good).unwrap();
        assert_eq!(answers["f2"], Answer::Text("Ada Lovelace".into()));
        assert_eq!(answers["f3"], Answer::Number("72.5".into()));
        assert_eq!(answers["f4"].text(), "23 Apr 1985");
        // Several choices keep the template's order.
        assert_eq!(answers["f6"], Answer::Choices(vec!["Neck".into(), "Knee".into()]));
        assert_eq!(answers["f7"], Answer::YesNo(false));
        assert_eq!(answers["f8"], Answer::Accepted);
        assert_eq!(answers["f9"].text(), "Signed (drawn) by Ada Lovelace");
        assert!(!answers.contains_key("f1"));

        let bad = posted(&[
            ("f3", "seventy"),
            ("f4", "23/04/1985"),
            ("f5", "Elbow"),
            ("f6", "Hip"),
            ("f7", "maybe"),
        ]);
        let errors = read_answers(&fields, &bad).unwrap_err();
        for key in ["f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9"] {
            assert!(errors.field_message(key).is_some(), "{key}");
        }
        assert!(errors.field_message("f8").unwrap().contains("Tick the box"));
        // Optional fields left blank are simply unanswered.
        let required_only = posted(&[("f2", "A"), ("f5", "Neck"), ("f7", "yes"), ("f8", "on"), ("f9", "A")]);
        assert_eq!(read_answers(&fields, &required_only).unwrap().len(), 5);
    }
}
