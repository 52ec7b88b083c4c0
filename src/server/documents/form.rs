//! A patient's form as a PDF: each question of the version they answered, and their
//! answer under it; a drawn signature as drawn.

use krilla::geom::{Path, PathBuilder};

use super::{draw, wrap, Layout, Mark, BODY, LEFT, LINE, RIGHT};
use crate::domain::{
    form_submissions::SubmissionView,
    forms::{Answer, FieldKind},
    AppError,
};

/// How large a drawn signature prints: a third of its 600-point box.
const SIGNATURE_SCALE: f32 = 0.3;

/// The submission `view` as a PDF.
pub fn render_form(view: &SubmissionView) -> Result<Vec<u8>, AppError> {
    let title = format!("{}: {}", view.summary.name, view.patient_name);
    draw(&lay_out(view), &title).ok_or(AppError::Internal)
}

fn lay_out(view: &SubmissionView) -> Vec<Vec<Mark>> {
    let mut page = Layout::new();
    let width = RIGHT - LEFT;
    page.text(LEFT, BODY, false, view.clinic.clone());
    page.down(LINE + 6.0);
    page.text(LEFT, 16.0, true, view.summary.name.clone());
    page.down(LINE + 8.0);
    for line in [
        format!("Patient: {}", view.patient_name),
        view.summary.status_label.clone(),
        format!("Version {}, as the patient saw it", view.summary.version),
    ]
    .into_iter()
    .chain(view.summary.visit.as_ref().map(|v| format!("For: {v}")))
    {
        page.text(LEFT, BODY, false, line);
        page.down(LINE);
    }
    page.down(4.0);
    page.rule();
    page.down(LINE);
    for line in wrap(&view.intro, BODY, width).into_iter().filter(|l| !l.is_empty()) {
        page.need(LINE);
        page.text(LEFT, BODY, false, line);
        page.down(LINE);
    }
    for field in &view.fields {
        if field.kind == FieldKind::Heading {
            page.need(LINE * 3.0);
            page.down(6.0);
            page.text(LEFT, 12.0, true, field.label.clone());
            page.down(LINE + 4.0);
            continue;
        }
        let question = wrap(&field.label, BODY, width);
        let answer = view.answers.get(&field.key);
        let answer_lines = match answer {
            None => vec!["Not answered".to_owned()],
            Some(a) => wrap(&a.text(), BODY, width - 12.0),
        };
        page.need(LINE * (question.len() + 1) as f32);
        for line in question {
            page.text(LEFT, BODY, true, line);
            page.down(LINE);
        }
        if let Some(Answer::Signature {
            drawing: Some(path), ..
        }) = answer
        {
            let height = 200.0 * SIGNATURE_SCALE;
            page.need(height + LINE);
            let y = page.y - LINE + 4.0;
            page.mark(Mark::Drawing {
                x: LEFT + 12.0,
                y,
                scale: SIGNATURE_SCALE,
                path: path.clone(),
            });
            page.down(height);
        }
        for line in answer_lines {
            page.need(LINE);
            page.text(LEFT + 12.0, BODY, false, line);
            page.down(LINE);
        }
        page.down(6.0);
    }
    page.pages
}

/// A signature's path ("M12 30L14 31…", as `domain::forms::is_drawing` lets in) as strokes
/// placed at (`x`, `y`), `scale` times its size; `None` if it has none.
pub(super) fn strokes(path: &str, x: f32, y: f32, scale: f32) -> Option<Path> {
    let mut builder = PathBuilder::new();
    let commands: Vec<usize> = path.match_indices(['M', 'L']).map(|(at, _)| at).collect();
    for (n, &at) in commands.iter().enumerate() {
        let end = commands.get(n + 1).copied().unwrap_or(path.len());
        let mut numbers = path[at + 1..end]
            .split([' ', ','])
            .filter_map(|n| n.trim().parse::<f32>().ok());
        let (Some(px), Some(py)) = (numbers.next(), numbers.next()) else {
            continue;
        };
        let (px, py) = (x + px * scale, y + py * scale);
        match &path[at..=at] {
            "M" => builder.move_to(px, py),
            _ => builder.line_to(px, py),
        }
    }
    builder.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_path_becomes_strokes() {
        assert!(strokes("M10 10L20 20L30 15M50 50L60 60", 0.0, 0.0, 1.0).is_some());
        assert!(strokes("", 0.0, 0.0, 1.0).is_none());
    }
}
