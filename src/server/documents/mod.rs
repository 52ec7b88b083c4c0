//! Invoices, credit notes, receipts and patients' forms (`form`) as PDF documents, drawn on the server by krilla in
//! DejaVu Sans, which is bundled into the binary (`fonts/`) and subset into each document:
//! nothing is fetched at run time. A layout pass places every mark on its page, a second
//! pass draws the pages, so that each page's footer can say how many there are.

use std::sync::LazyLock;

use krilla::{
    color::rgb,
    geom::{PathBuilder, Point},
    metadata::Metadata,
    page::PageSettings,
    paint::{Fill, Stroke},
    text::{Font, TextDirection},
    Document,
};

mod form;

pub use form::render_form;

use crate::domain::{
    invoice::{percent_label, InvoiceKind, InvoiceStatus, InvoiceView, TaxMode},
    money::format_minor,
    AppError,
};

static REGULAR: &[u8] = include_bytes!("../../../fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../../fonts/DejaVuSans-Bold.ttf");

/// The faces the layout measures with (the same shaping krilla draws with).
static FACES: LazyLock<[rustybuzz::Face<'static>; 2]> = LazyLock::new(|| {
    let face = |data| rustybuzz::Face::from_slice(data, 0).expect("the bundled font parses");
    [face(REGULAR), face(BOLD)]
});

/// A4 in points, and the margins.
const WIDTH: f32 = 595.28;
const HEIGHT: f32 = 841.89;
const LEFT: f32 = 50.0;
const RIGHT: f32 = WIDTH - 50.0;
const TOP: f32 = 60.0;
const BOTTOM: f32 = HEIGHT - 60.0;
const BODY: f32 = 9.5;
const LINE: f32 = 14.0;

/// A PDF as an HTTP answer: downloaded as `file_name`, or shown in the browser (`inline`);
/// never cached, since it is a patient's money.
pub fn response(file_name: &str, bytes: Vec<u8>, inline: bool) -> axum::response::Response {
    use axum::{http::header, response::IntoResponse};
    let disposition = if inline { "inline" } else { "attachment" };
    (
        [
            (header::CONTENT_TYPE, CONTENT_TYPE.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("{disposition}; filename=\"{file_name}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// A CSV file as a download named `file_name`; never cached (patients' data).
pub fn csv_download(file_name: &str, text: String) -> axum::response::Response {
    use axum::{http::header, response::IntoResponse};
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        text,
    )
        .into_response()
}

/// The documents' media type.
pub const CONTENT_TYPE: &str = "application/pdf";

/// Which document of an invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The invoice or credit note itself.
    Invoice,
    /// What was paid on the invoice, and by which means.
    Receipt,
}

impl Kind {
    /// The download's file name.
    pub fn file_name(self, invoice: &InvoiceView) -> String {
        let number = invoice.number_label.clone().unwrap_or_else(|| "draft".into());
        match self {
            Kind::Invoice => format!("{number}.pdf"),
            Kind::Receipt => format!("receipt-{number}.pdf"),
        }
    }
}

/// The document of `kind` for `invoice`. A receipt needs a payment on an issued invoice.
pub fn render(invoice: &InvoiceView, kind: Kind) -> Result<Vec<u8>, AppError> {
    if kind == Kind::Receipt && !invoice.has_receipt() {
        return Err(AppError::Conflict {
            field: None,
            message: "Nothing has been paid on this invoice yet, so there is no receipt to give.".into(),
        });
    }
    let pages = lay_out(invoice, kind);
    draw(&pages, &title(invoice, kind)).ok_or(AppError::Internal)
}

/// "Invoice", "Credit note", "Draft invoice" or "Receipt".
fn what(invoice: &InvoiceView, kind: Kind) -> &'static str {
    match (kind, invoice.kind, invoice.status) {
        (Kind::Receipt, _, _) => "Receipt",
        (_, InvoiceKind::CreditNote, _) => "Credit note",
        (_, _, InvoiceStatus::Draft) => "Draft invoice",
        _ => "Invoice",
    }
}

/// The document's title: what it is and its number.
fn title(invoice: &InvoiceView, kind: Kind) -> String {
    match &invoice.number_label {
        Some(number) => format!("{} {number}", what(invoice, kind)),
        None => what(invoice, kind).to_owned(),
    }
}

/// One thing drawn on a page: text with its baseline at `y` from the top, or a rule.
#[derive(Debug, Clone, PartialEq)]
enum Mark {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        text: String,
    },
    Rule {
        y: f32,
    },
    /// A drawn signature: an SVG path of moves and lines in a 600 × 200 box, drawn
    /// `scale` times that size with its top left corner at (`x`, `y`).
    Drawing {
        x: f32,
        y: f32,
        scale: f32,
        path: String,
    },
}

/// The width of `text` set in `size` points.
fn width(text: &str, size: f32, bold: bool) -> f32 {
    let face = &FACES[usize::from(bold)];
    let mut buffer = rustybuzz::UnicodeBuffer::new();
    buffer.push_str(text);
    let shaped = rustybuzz::shape(face, &[], buffer);
    let units: i32 = shaped.glyph_positions().iter().map(|p| p.x_advance).sum();
    units as f32 * size / f32::from(face.units_per_em() as u16)
}

/// `text` broken into lines no wider than `max` (a word longer than that stands alone).
fn wrap(text: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if !line.is_empty() && width(&candidate, size, false) > max {
                lines.push(std::mem::replace(&mut line, word.to_owned()));
            } else {
                line = candidate;
            }
        }
        lines.push(line);
    }
    lines
}

/// Marks placed top to bottom, onto a new page when the current one is full.
struct Layout {
    pages: Vec<Vec<Mark>>,
    y: f32,
}

impl Layout {
    fn new() -> Self {
        Self {
            pages: vec![Vec::new()],
            y: TOP,
        }
    }

    /// Room for `height` more points on this page, or a new page.
    fn need(&mut self, height: f32) {
        if self.y + height > BOTTOM {
            self.pages.push(Vec::new());
            self.y = TOP;
        }
    }

    fn mark(&mut self, mark: Mark) {
        self.pages.last_mut().expect("a page").push(mark);
    }

    fn text(&mut self, x: f32, size: f32, bold: bool, text: impl Into<String>) {
        let y = self.y;
        self.mark(Mark::Text {
            x,
            y,
            size,
            bold,
            text: text.into(),
        });
    }

    /// Text ending at `right`.
    fn right(&mut self, right: f32, size: f32, bold: bool, text: impl Into<String>) {
        let text = text.into();
        let x = right - width(&text, size, bold);
        self.text(x, size, bold, text);
    }

    fn rule(&mut self) {
        let y = self.y;
        self.mark(Mark::Rule { y });
    }

    fn down(&mut self, by: f32) {
        self.y += by;
    }

    /// A label and an amount at the right, as the totals are listed.
    fn total(&mut self, label: &str, amount: String, bold: bool) {
        self.need(LINE);
        self.right(RIGHT - 110.0, BODY, bold, label);
        self.right(RIGHT, BODY, bold, amount);
        self.down(LINE);
    }
}

/// The columns of the lines' table: where each ends (the description starts at `LEFT`).
const QTY: f32 = 310.0;
const UNIT: f32 = 380.0;
const DISCOUNT: f32 = 442.0;
const TAX: f32 = 482.0;
const DESCRIPTION_WIDTH: f32 = 205.0;

fn lay_out(invoice: &InvoiceView, kind: Kind) -> Vec<Vec<Mark>> {
    let money = |minor: i64| format_minor(minor, &invoice.currency);
    let mut page = Layout::new();

    // The seller at the left, the document's title, number and dates at the right.
    let top = page.y;
    page.text(LEFT, 13.0, true, invoice.seller_name.clone());
    page.down(LINE + 2.0);
    for line in invoice.seller_address.lines().filter(|l| !l.trim().is_empty()) {
        page.text(LEFT, BODY, false, line.trim());
        page.down(LINE);
    }
    if !invoice.seller_tax_id.is_empty() {
        page.text(LEFT, BODY, false, format!("Tax id: {}", invoice.seller_tax_id));
        page.down(LINE);
    }
    let left_bottom = page.y;
    page.y = top;
    page.right(RIGHT, 20.0, true, what(invoice, kind));
    page.down(LINE + 6.0);
    if let Some(number) = &invoice.number_label {
        let label = if kind == Kind::Receipt { "For invoice" } else { "No." };
        page.right(RIGHT, BODY, false, format!("{label} {number}"));
        page.down(LINE);
    }
    if let Some(issued) = &invoice.issued_local {
        page.right(RIGHT, BODY, false, format!("Issued {issued}"));
        page.down(LINE);
    }
    if let Some(due) = invoice
        .due_on
        .filter(|_| kind == Kind::Invoice && invoice.kind == InvoiceKind::Invoice)
    {
        page.right(RIGHT, BODY, false, format!("Due {}", due.format("%-d %b %Y")));
        page.down(LINE);
    }
    page.y = page.y.max(left_bottom) + LINE;

    page.text(
        LEFT,
        BODY,
        true,
        if kind == Kind::Receipt {
            "Received from"
        } else {
            "Bill to"
        },
    );
    page.down(LINE);
    page.text(LEFT, BODY, false, invoice.patient_name.clone());
    page.down(LINE);
    if let Some((_, number)) = &invoice.credits {
        page.text(LEFT, BODY, false, format!("Cancels invoice {number}"));
        page.down(LINE);
    }
    for (_, number) in &invoice.credited_by {
        page.text(LEFT, BODY, false, format!("Cancelled by credit note {number}"));
        page.down(LINE);
    }
    page.down(LINE);

    // The lines.
    let head = |page: &mut Layout| {
        page.text(LEFT, BODY, true, "Description");
        for (right, label) in [
            (QTY, "Qty"),
            (UNIT, "Unit price"),
            (DISCOUNT, "Discount"),
            (TAX, "Tax"),
            (RIGHT, "Amount"),
        ] {
            page.right(right, BODY, true, label);
        }
        page.down(5.0);
        page.rule();
        page.down(LINE);
    };
    page.need(3.0 * LINE);
    head(&mut page);
    for line in &invoice.lines {
        let description = wrap(&line.description, BODY, DESCRIPTION_WIDTH);
        page.need(LINE * description.len() as f32);
        if page.y == TOP {
            head(&mut page);
        }
        let a = &line.amounts;
        page.right(QTY, BODY, false, a.quantity.to_string());
        page.right(UNIT, BODY, false, money(a.unit_price));
        page.right(
            DISCOUNT,
            BODY,
            false,
            if a.discount_bp > 0 {
                percent_label(a.discount_bp)
            } else {
                String::new()
            },
        );
        page.right(TAX, BODY, false, percent_label(a.tax_bp));
        page.right(RIGHT, BODY, false, money(line.totals.total));
        for text in description {
            page.text(LEFT, BODY, false, text);
            page.down(LINE);
        }
    }
    page.down(-LINE + 5.0);
    page.rule();
    page.down(LINE + 2.0);

    // The totals.
    let t = &invoice.totals;
    let net = if invoice.tax_mode == TaxMode::Inclusive {
        "Net (prices include tax)"
    } else {
        "Net"
    };
    page.total(net, money(t.net), false);
    for band in t.bands.iter().filter(|b| b.tax_bp > 0) {
        page.total(
            &format!("Tax {} on {}", percent_label(band.tax_bp), money(band.net)),
            money(band.tax),
            false,
        );
    }
    page.total("Total", money(t.total), true);
    if invoice.kind == InvoiceKind::Invoice && invoice.status != InvoiceStatus::Draft {
        page.total("Paid", money(invoice.paid), false);
        page.total("Owed", money(invoice.balance), true);
    }

    // The payments, on a receipt.
    if kind == Kind::Receipt {
        page.down(LINE);
        page.need(3.0 * LINE);
        page.text(LEFT, 11.0, true, "Payments received");
        page.down(LINE + 4.0);
        page.text(LEFT, BODY, true, "Date");
        page.text(LEFT + 120.0, BODY, true, "Method");
        page.text(LEFT + 220.0, BODY, true, "Reference");
        page.right(RIGHT, BODY, true, "Amount");
        page.down(5.0);
        page.rule();
        page.down(LINE);
        for p in &invoice.payments {
            page.need(LINE);
            page.text(LEFT, BODY, false, p.received_local.clone());
            page.text(LEFT + 120.0, BODY, false, p.method.label());
            page.text(LEFT + 220.0, BODY, false, p.reference.clone());
            page.right(RIGHT, BODY, false, money(p.applied));
            page.down(LINE);
        }
        page.down(LINE);
        page.need(LINE);
        let said = if invoice.balance == 0 {
            "Paid in full. Thank you."
        } else {
            "Thank you."
        };
        page.text(LEFT, BODY, true, said);
        page.down(LINE);
    }

    if !invoice.notes.is_empty() {
        page.down(LINE);
        for line in wrap(&invoice.notes, BODY, RIGHT - LEFT) {
            page.need(LINE);
            page.text(LEFT, BODY, false, line);
            page.down(LINE);
        }
    }
    page.pages
}

/// Draws the pages, each with its footer ("Page 1 of 2").
fn draw(pages: &[Vec<Mark>], title: &str) -> Option<Vec<u8>> {
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(title.to_owned())
            .language("en".into())
            .creator("CareOps".into()),
    );
    let fonts = [Font::new(REGULAR.into(), 0)?, Font::new(BOLD.into(), 0)?];
    let count = pages.len();
    for (index, marks) in pages.iter().enumerate() {
        let mut page = document.start_page_with(PageSettings::from_wh(WIDTH, HEIGHT)?);
        let mut surface = page.surface();
        let footer = format!("{title} · page {} of {count}", index + 1);
        let footer = Mark::Text {
            x: LEFT,
            y: HEIGHT - 30.0,
            size: 7.5,
            bold: false,
            text: footer,
        };
        for mark in marks.iter().chain([&footer]) {
            match mark {
                Mark::Text { x, y, size, bold, text } => surface.draw_text(
                    Point::from_xy(*x, *y),
                    fonts[usize::from(*bold)].clone(),
                    *size,
                    text,
                    false,
                    TextDirection::Auto,
                ),
                Mark::Drawing { x, y, scale, path } => {
                    if let Some(drawn) = form::strokes(path, *x, *y, *scale) {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke {
                            width: 1.2,
                            ..Default::default()
                        }));
                        surface.draw_path(&drawn);
                        surface.set_stroke(None);
                        surface.set_fill(Some(Fill::default()));
                    }
                }
                Mark::Rule { y } => {
                    let mut path = PathBuilder::new();
                    path.move_to(LEFT, *y);
                    path.line_to(RIGHT, *y);
                    surface.set_fill(None);
                    surface.set_stroke(Some(Stroke {
                        paint: rgb::Color::new(150, 150, 150).into(),
                        width: 0.6,
                        ..Default::default()
                    }));
                    surface.draw_path(&path.finish()?);
                    surface.set_stroke(None);
                    surface.set_fill(Some(Fill::default()));
                }
            }
        }
        surface.finish();
        page.finish();
    }
    document.finish().ok()
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::domain::{
        invoice::{totals, InvoiceLine, LineAmounts},
        payment::{InvoicePayment, PaymentMethod},
    };

    fn invoice(lines: usize) -> InvoiceView {
        let amounts = LineAmounts {
            quantity: 1,
            unit_price: 4500,
            discount_bp: 0,
            tax_bp: 2000,
        };
        let lines: Vec<InvoiceLine> = (0..lines)
            .map(|n| InvoiceLine {
                id: Uuid::new_v4(),
                description: format!("Treatment {n}: sports massage of the lower back and hamstrings, 45 minutes"),
                item_id: None,
                totals: amounts.totals(TaxMode::Exclusive),
                amounts,
            })
            .collect();
        let sums = totals(&vec![amounts; lines.len()], TaxMode::Exclusive);
        InvoiceView {
            id: Uuid::new_v4(),
            kind: InvoiceKind::Invoice,
            status: InvoiceStatus::PartiallyPaid,
            number_label: Some("INV-2026-000123".into()),
            patient_id: Uuid::new_v4(),
            patient_name: "Zofia Łukasiewicz".into(),
            appointment_id: None,
            credits: None,
            credited_by: Vec::new(),
            currency: "GBP".into(),
            tax_mode: TaxMode::Exclusive,
            issued_local: Some("4 Dec 2026".into()),
            due_on: chrono::NaiveDate::from_ymd_opt(2026, 12, 18),
            seller_name: "Willow Street Physio Ltd".into(),
            seller_address: "1 Willow Street\nLondon N1 1AA".into(),
            seller_tax_id: "GB123456789".into(),
            notes: "Thank you for visiting.".into(),
            lines,
            paid: 2000,
            balance: sums.total - 2000,
            totals: sums,
            can_manage: false,
            default_tax_bp: 0,
            payments: vec![InvoicePayment {
                payment_id: Uuid::new_v4(),
                method: PaymentMethod::Cash,
                reference: String::new(),
                received_local: "4 Dec 2026 09:14".into(),
                received_by: "Ann".into(),
                applied: 2000,
                amount: 2000,
                refunded: 0,
            }],
            patient_credit: 0,
            patient_open: Vec::new(),
            can_take_payments: false,
            can_refund: false,
            payment_key: Uuid::new_v4(),
            products: Vec::new(),
        }
    }

    fn texts(page: &[Mark]) -> Vec<&str> {
        page.iter()
            .filter_map(|m| match m {
                Mark::Text { text, .. } => Some(text.as_str()),
                Mark::Rule { .. } | Mark::Drawing { .. } => None,
            })
            .collect()
    }

    #[test]
    fn a_long_invoice_runs_onto_more_pages_each_with_the_lines_heading_and_nothing_below_the_margin() {
        let pages = lay_out(&invoice(60), Kind::Invoice);
        assert!(pages.len() >= 3, "{} pages", pages.len());
        for page in &pages[..pages.len() - 1] {
            assert!(texts(page).contains(&"Description"));
        }
        let all: Vec<&str> = pages.iter().flat_map(|p| texts(p)).collect();
        for n in 0..60 {
            assert!(
                all.iter().any(|t| t.starts_with(&format!("Treatment {n}:"))),
                "line {n}"
            );
        }
        for mark in pages.iter().flatten() {
            let (Mark::Text { y, .. } | Mark::Rule { y } | Mark::Drawing { y, .. }) = mark;
            assert!((TOP - 20.0..=BOTTOM).contains(y), "{mark:?}");
        }
        assert!(render(&invoice(60), Kind::Invoice).unwrap().starts_with(b"%PDF-"));
    }

    #[test]
    fn amounts_end_at_the_right_margin_and_long_descriptions_wrap_within_their_column() {
        let pages = lay_out(&invoice(1), Kind::Receipt);
        let total = pages[0]
            .iter()
            .find_map(|m| match m {
                Mark::Text {
                    x, size, bold, text, ..
                } if text == "£54.00" => Some(x + width(text, *size, *bold)),
                _ => None,
            })
            .expect("the line's amount");
        assert!((total - RIGHT).abs() < 0.01, "{total}");
        for line in wrap(&invoice(1).lines[0].description, BODY, DESCRIPTION_WIDTH) {
            assert!(width(&line, BODY, false) <= DESCRIPTION_WIDTH, "{line}");
        }
        assert!(texts(&pages[0]).contains(&"Payments received"));
    }

    #[test]
    fn there_is_no_receipt_before_a_payment() {
        let mut unpaid = invoice(1);
        unpaid.payments.clear();
        assert!(matches!(render(&unpaid, Kind::Receipt), Err(AppError::Conflict { .. })));
        assert!(render(&unpaid, Kind::Invoice).is_ok());
    }
}
