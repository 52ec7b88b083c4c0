use super::*;
use proptest::prelude::*;

fn line(quantity: i64, unit_price: i64, discount_bp: i64, tax_bp: i64) -> LineAmounts {
    LineAmounts {
        quantity,
        unit_price,
        discount_bp,
        tax_bp,
    }
}

#[test]
fn a_line_is_rounded_half_away_from_zero_once() {
    // 3 × 33.33 = 99.99, less 10 % = 9.999 → 10.00, at 20 % VAT on 89.99 = 17.998 → 18.00.
    let t = line(3, 3333, 1000, 2000).totals(TaxMode::Exclusive);
    assert_eq!(
        t,
        LineTotals {
            gross: 9999,
            discount: 1000,
            net: 8999,
            tax: 1800,
            total: 10799
        }
    );
    // £45.00 including 20 % VAT is £37.50 and £7.50.
    let t = line(1, 4500, 0, 2000).totals(TaxMode::Inclusive);
    assert_eq!((t.net, t.tax, t.total), (3750, 750, 4500));
    // Half a cent rounds away from zero, either sign.
    assert_eq!(line(1, 5, 0, 1000).totals(TaxMode::Exclusive).tax, 1, "0.5 → 1");
    assert_eq!(line(1, -5, 0, 1000).totals(TaxMode::Exclusive).tax, -1, "-0.5 → -1");
}

#[test]
fn tax_bands_sum_each_rate() {
    let t = totals(
        &[line(1, 1000, 0, 2000), line(2, 500, 0, 0), line(1, 250, 0, 2000)],
        TaxMode::Exclusive,
    );
    assert_eq!(t.net, 2250);
    assert_eq!(t.tax, 250);
    assert_eq!(t.total, 2500);
    assert_eq!(
        t.bands,
        vec![
            TaxBand {
                tax_bp: 0,
                net: 1000,
                tax: 0
            },
            TaxBand {
                tax_bp: 2000,
                net: 1250,
                tax: 250
            }
        ]
    );
}

#[test]
fn percentages_parse_as_typed_and_print_back() {
    assert_eq!(parse_percent("tax", "20", 100), Ok(2000));
    assert_eq!(parse_percent("tax", "7.5 %", 100), Ok(750));
    assert_eq!(parse_percent("tax", "7,25", 100), Ok(725));
    assert_eq!(parse_percent("tax", "", 100), Ok(0));
    assert!(parse_percent("tax", "101", 100).is_err());
    assert!(parse_percent("tax", "1.234", 100).is_err());
    assert!(parse_percent("tax", "-5", 100).is_err());
    assert!(parse_percent("tax", "abc", 100).is_err());
    assert_eq!(percent_label(2000), "20%");
    assert_eq!(percent_label(750), "7.5%");
    assert_eq!(percent_label(725), "7.25%");
}

#[test]
fn numbers_read_with_their_series_and_year() {
    assert_eq!(number_label("INV", 2026, 123), "INV-2026-000123");
    assert_eq!(number_label("CN", 2027, 1), "CN-2027-000001");
}

#[test]
fn an_invoice_is_paid_in_steps() {
    assert_eq!(InvoiceStatus::after_payment(5000, 0), InvoiceStatus::Issued);
    assert_eq!(InvoiceStatus::after_payment(5000, 2000), InvoiceStatus::PartiallyPaid);
    assert_eq!(InvoiceStatus::after_payment(5000, 5000), InvoiceStatus::Paid);
    assert_eq!(
        InvoiceStatus::after_payment(0, 0),
        InvoiceStatus::Paid,
        "nothing to pay"
    );
    for s in InvoiceStatus::ALL {
        assert_eq!(InvoiceStatus::parse(s.as_str()), Some(s));
    }
}

#[test]
fn a_line_form_parses_in_the_currency_and_names_each_wrong_field() {
    let parsed = LineForm {
        description: " Massage oil ".into(),
        quantity: "2".into(),
        unit_price: "12.50".into(),
        discount: "10".into(),
        tax: "20".into(),
        item: String::new(),
    }
    .parse("GBP")
    .unwrap();
    assert_eq!(parsed.description, "Massage oil");
    assert_eq!(parsed.amounts, line(2, 1250, 1000, 2000));
    let wrong_form = LineForm {
        description: "".into(),
        quantity: "0".into(),
        unit_price: "12.5".into(),
        discount: "120".into(),
        tax: "x".into(),
        item: "not an id".into(),
    };
    let wrong = wrong_form.parse("JPY").unwrap_err();
    for field in ["description", "quantity", "unit_price", "discount", "tax"] {
        assert!(wrong.field_message(field).is_some(), "{field}");
    }
    assert!(wrong_form.item_id().unwrap_err().field_message("item").is_some());
}

#[test]
fn a_line_selling_a_product_takes_its_name_and_price_unless_typed() {
    let oil = Product {
        name: "Massage oil".into(),
        sale_price: 1450,
    };
    let blank = LineForm {
        quantity: "2".into(),
        ..LineForm::default()
    };
    let sold = blank.clone().selling(Some(&oil), "EUR").parse("EUR").unwrap();
    assert_eq!(
        (sold.description.as_str(), sold.amounts.unit_price),
        ("Massage oil", 1450)
    );
    let typed = LineForm {
        description: "Oil, large".into(),
        unit_price: "12".into(),
        ..blank.clone()
    };
    let sold = typed.selling(Some(&oil), "EUR").parse("EUR").unwrap();
    assert_eq!(
        (sold.description.as_str(), sold.amounts.unit_price),
        ("Oil, large", 1200)
    );
    // Without a product, blank is blank.
    assert!(blank.selling(None, "EUR").parse("EUR").is_err());
}

fn any_line() -> impl Strategy<Value = LineAmounts> {
    (1i64..1000, 0i64..10_000_000, 0i64..=10_000, 0i64..=10_000).prop_map(|(q, p, d, t)| line(q, p, d, t))
}

fn any_mode() -> impl Strategy<Value = TaxMode> {
    prop_oneof![Just(TaxMode::Exclusive), Just(TaxMode::Inclusive)]
}

proptest! {
    #[test]
    fn the_lines_add_up_to_the_invoice(lines in proptest::collection::vec(any_line(), 0..30), mode in any_mode()) {
        let t = totals(&lines, mode);
        let each: Vec<LineTotals> = lines.iter().map(|l| l.totals(mode)).collect();
        prop_assert_eq!(t.total, each.iter().map(|l| l.total).sum::<i64>());
        prop_assert_eq!(t.net + t.tax, t.total);
        prop_assert_eq!(t.bands.iter().map(|b| b.net).sum::<i64>(), t.net);
        prop_assert_eq!(t.bands.iter().map(|b| b.tax).sum::<i64>(), t.tax);
        for l in each {
            prop_assert_eq!(l.gross - l.discount, if mode == TaxMode::Exclusive { l.net } else { l.total });
        }
    }

    #[test]
    fn an_inclusive_price_gives_back_the_exclusive_net(net in 0i64..100_000_000, tax_bp in 0i64..=10_000) {
        let exclusive = line(1, net, 0, tax_bp).totals(TaxMode::Exclusive);
        let inclusive = line(1, exclusive.total, 0, tax_bp).totals(TaxMode::Inclusive);
        prop_assert_eq!((inclusive.net, inclusive.tax, inclusive.total), (exclusive.net, exclusive.tax, exclusive.total));
    }

    #[test]
    fn a_credit_note_cancels_its_invoice_exactly(lines in proptest::collection::vec(any_line(), 1..30), mode in any_mode()) {
        let invoice = totals(&lines, mode);
        let credit: Vec<LineAmounts> = lines.iter().map(LineAmounts::credited).collect();
        let credit = totals(&credit, mode);
        prop_assert_eq!(credit.total, -invoice.total);
        prop_assert_eq!(credit.tax, -invoice.tax);
        prop_assert_eq!(credit.net, -invoice.net);
    }
}
