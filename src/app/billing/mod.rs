//! `/app/invoices`: the invoices of the branch, one invoice or credit note (its lines,
//! totals, issuing and crediting, its change log), and the invoice settings.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};
use uuid::Uuid;

use crate::{
    components::{
        confirm::{Confirm, ConfirmButton},
        form::{
            action_done, action_error, field_error, Checkbox, Choice, FormAlert, RadioGroup, SelectField, SubmitButton,
            TextArea, TextField,
        },
        loaded::loaded,
        toast::Toast,
        url::id_param,
    },
    domain::{
        audit::{action_label, AuditRecord},
        invoice::{
            percent_label, InvoiceFilter, InvoiceKind, InvoiceList, InvoiceStatus, InvoiceView, LineForm, TaxMode,
        },
        invoice_settings::{InvoiceSettings, InvoiceSettingsForm},
        money::{amount_input, format_minor},
        payment::{PatientAccount, PaymentForm, PaymentMethod, RefundForm, Takings},
        AppError,
    },
};

#[server]
pub async fn get_invoices(show: String) -> Result<InvoiceList, AppError> {
    use crate::server::{auth::context::RequestContext, billing};
    billing::list(&RequestContext::load().await?, InvoiceFilter::parse(&show)).await
}

#[server]
pub async fn get_invoice(id: Uuid) -> Result<(InvoiceView, Vec<AuditRecord>), AppError> {
    use crate::server::{auth::context::RequestContext, billing};
    billing::get(&RequestContext::load().await?, id).await
}

/// Opens the invoice of a completed visit, drafting it from the services performed the
/// first time.
#[server]
pub async fn invoice_visit(appointment_id: Uuid) -> Result<Uuid, AppError> {
    use crate::server::{auth::context::RequestContext, billing};
    let (id, _) = billing::invoice_visit(&RequestContext::load().await?, appointment_id).await?;
    leptos_axum::redirect(&format!("/app/invoices/{id}"));
    Ok(id)
}

#[server]
pub async fn draft_invoice(patient_id: Uuid) -> Result<Uuid, AppError> {
    use crate::server::{auth::context::RequestContext, billing};
    let id = billing::draft_for_patient(&RequestContext::load().await?, patient_id).await?;
    leptos_axum::redirect(&format!("/app/invoices/{id}"));
    Ok(id)
}

#[server]
pub async fn add_invoice_line(id: Uuid, #[server(flatten)] form: LineForm) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, billing};
    let item = form.item_id()?;
    let ctx = RequestContext::load().await?;
    billing::add_line(&ctx, id, item, |currency, product| {
        form.selling(product, currency).parse(currency)
    })
    .await
}

#[server]
pub async fn remove_invoice_line(id: Uuid, line_id: Uuid) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, billing};
    billing::remove_line(&RequestContext::load().await?, id, line_id).await
}

#[server]
pub async fn issue_invoice(id: Uuid) -> Result<String, AppError> {
    use crate::server::{auth::context::RequestContext, billing};
    billing::issue(&RequestContext::load().await?, id).await
}

#[server]
pub async fn discard_invoice(id: Uuid) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, billing};
    billing::discard(&RequestContext::load().await?, id).await?;
    leptos_axum::redirect("/app/invoices?show=drafts");
    Ok(())
}

#[server]
pub async fn credit_invoice(id: Uuid) -> Result<Uuid, AppError> {
    use crate::server::{auth::context::RequestContext, billing};
    let note = billing::credit(&RequestContext::load().await?, id).await?;
    leptos_axum::redirect(&format!("/app/invoices/{note}"));
    Ok(note)
}

/// Records a payment on an invoice (its remainder pays the patient's other open invoices,
/// then becomes their credit).
#[server]
pub async fn record_payment(id: Uuid, #[server(flatten)] form: PaymentForm) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, payments};
    payments::record(&RequestContext::load().await?, id, &form.key, |currency| {
        form.parse(currency)
    })
    .await
}

#[server]
pub async fn use_credit(id: Uuid) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, payments};
    payments::apply_credit(&RequestContext::load().await?, id).await
}

/// Sends the patient the invoice's receipt by each channel they agreed to; says how.
#[server]
pub async fn send_receipt(id: Uuid) -> Result<String, AppError> {
    use crate::server::{auth::context::RequestContext, receipts};
    receipts::send(&RequestContext::load().await?, id).await
}

#[server]
pub async fn refund_payment(payment_id: Uuid, #[server(flatten)] form: RefundForm) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, payments};
    payments::refund(&RequestContext::load().await?, payment_id, |currency| {
        form.parse(currency)
    })
    .await
    .map(drop)
}

/// The end-of-day takings of the current branch for a day (`YYYY-MM-DD`; blank: today).
#[server]
pub async fn get_takings(date: String) -> Result<Takings, AppError> {
    use crate::server::{auth::context::RequestContext, payments};
    let ctx = RequestContext::load().await?;
    let date = match date.trim() {
        "" => {
            crate::domain::time::utc_to_local(chrono::Utc::now(), crate::domain::time::zone(&ctx.user.branch.timezone))
                .date()
        }
        raw => {
            chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| AppError::field("date", "Choose a day."))?
        }
    };
    payments::takings(&ctx, date).await
}

#[server]
pub async fn get_invoice_settings() -> Result<InvoiceSettings, AppError> {
    use crate::server::{auth::context::RequestContext, billing};
    billing::settings(&RequestContext::load().await?).await
}

#[server]
pub async fn save_invoice_settings(#[server(flatten)] form: InvoiceSettingsForm) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, billing};
    billing::save_settings(&RequestContext::load().await?, &form).await
}

/// "Owes £45.00 · credit £5.00": a patient's account as a summary item.
#[component]
pub fn AccountItem(account: PatientAccount) -> impl IntoView {
    let text = match (account.owed, account.credit) {
        (0, 0) => "Nothing owed".to_owned(),
        (owed, 0) => format!("Owes {}", format_minor(owed, &account.currency)),
        (0, credit) => format!("Credit {}", format_minor(credit, &account.currency)),
        (owed, credit) => format!(
            "Owes {} · credit {}",
            format_minor(owed, &account.currency),
            format_minor(credit, &account.currency)
        ),
    };
    view! { <div class="summary__item"><dt>"Account"</dt><dd data-testid="patient-account">{text}</dd></div> }
}

fn status_badge(status: InvoiceStatus) -> impl IntoView {
    view! { <span class=format!("invoice-status invoice-status--{}", status.as_str())>{status.label()}</span> }
}

#[component]
pub fn InvoicesPage() -> impl IntoView {
    let query = use_query_map();
    let show = Memo::new(move |_| InvoiceFilter::parse(&query.read().get("show").unwrap_or_default()));
    let list = Resource::new(move || show.get(), |show| get_invoices(show.as_str().to_owned()));
    let tab = move |filter: InvoiceFilter, label: &'static str| {
        view! {
            <A href=format!("/app/invoices?show={}", filter.as_str()) attr:aria-current=move || (show.get() == filter).then_some("page")>{label}</A>
        }
    };
    view! {
        <Title text="Invoices"/>
        <div class="page-head">
            <h1>"Invoices"</h1>
            <A href="/app/takings" attr:class="button">"Day's takings"</A>
        </div>
        <nav class="segmented" aria-label="Show">
            {tab(InvoiceFilter::Outstanding, "Outstanding")}
            {tab(InvoiceFilter::Drafts, "Drafts")}
            {tab(InvoiceFilter::All, "All")}
        </nav>
        {loaded(list, move |list| {
            let currency = list.currency.clone();
            if list.invoices.is_empty() {
                return view! {
                    <p class="table__empty">"No invoices here. A completed visit is invoiced from its appointment page; a patient's page drafts one by hand."</p>
                }.into_any();
            }
            let rows = list.invoices.iter().map(|i| {
                let name = i.number_label.clone().unwrap_or_else(|| "Draft".into());
                let kind = (i.kind == InvoiceKind::CreditNote).then_some(" (credit note)");
                view! {
                    <tr>
                        <td><A href=format!("/app/invoices/{}", i.id)>{name}</A>{kind}</td>
                        <td>{i.patient_name.clone()}</td>
                        <td>{i.date_local.clone()}</td>
                        <td class="number">{format_minor(i.total, &currency)}</td>
                        <td class="number">{format_minor(i.balance, &currency)}</td>
                        <td>{status_badge(i.status)}</td>
                    </tr>
                }
            }).collect_view();
            view! {
                <p data-testid="outstanding">{format!("Owed to this branch: {}", format_minor(list.outstanding, &currency))}</p>
                <div class="table__wrap">
                    <table class="table" data-testid="invoices">
                        <thead><tr>
                            <th scope="col">"Number"</th><th scope="col">"Patient"</th><th scope="col">"Date"</th>
                            <th scope="col" class="number">"Total"</th><th scope="col" class="number">"Owed"</th><th scope="col">"Status"</th>
                        </tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            }.into_any()
        })}
    }
}

#[component]
pub fn InvoicePage() -> impl IntoView {
    let id = id_param("id");
    let add_line = ServerAction::<AddInvoiceLine>::new();
    let remove_line = ServerAction::<RemoveInvoiceLine>::new();
    let issue = ServerAction::<IssueInvoice>::new();
    let discard = ServerAction::<DiscardInvoice>::new();
    let credit = ServerAction::<CreditInvoice>::new();
    let pay = ServerAction::<RecordPayment>::new();
    let use_credit = ServerAction::<UseCredit>::new();
    let refund = ServerAction::<RefundPayment>::new();
    let send_receipt = ServerAction::<SendReceipt>::new();
    let invoice = Resource::new(
        move || {
            (
                id(),
                add_line.version().get(),
                remove_line.version().get(),
                issue.version().get(),
                pay.version().get(),
                use_credit.version().get(),
                refund.version().get(),
            )
        },
        |(id, ..)| async move {
            match id {
                Some(id) => get_invoice(id).await,
                None => Err(AppError::not_found("That invoice")),
            }
        },
    );
    let line_error = action_error(add_line);
    let remove_error = action_error(remove_line);
    let issue_error = action_error(issue);
    let discard_error = action_error(discard);
    let credit_error = action_error(credit);
    let issued = action_done(issue, "Invoice issued.");
    let paid = action_done(pay, "Payment recorded.");
    let pay_error = action_error(pay);
    let credit_use_error = action_error(use_credit);
    let refund_error = action_error(refund);
    let receipt_error = action_error(send_receipt);
    let receipt_sent = Signal::derive(move || send_receipt.value().get().and_then(Result::ok));
    // After a payment the form shows what is still owed, not what was typed for the last
    // one (a browser keeps a typed value over a new `value` attribute until the form is
    // reset): one payment by cash, the rest by card, without retyping by mistake.
    let pay_form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if pay.version().get() > 0 {
            if let Some(form) = pay_form.get_untracked() {
                form.reset();
            }
        }
    });
    view! {
        <Toast message=issued/>
        <Toast message=paid/>
        <Toast message=receipt_sent/>
        {loaded(invoice, move |(invoice, history)| {
            let currency = invoice.currency.clone();
            let id = invoice.id.to_string();
            let draft = invoice.status == InvoiceStatus::Draft && invoice.can_manage;
            let receipt = invoice.has_receipt();
            let title = match &invoice.number_label {
                Some(number) => format!("{} {number}", invoice.kind.label()),
                None => format!("Draft {}", invoice.kind.label().to_lowercase()),
            };
            let lines = invoice.lines.iter().map(|l| {
                let (id, line_id) = (id.clone(), l.id.to_string());
                let remove = format!("Remove {}", l.description);
                view! {
                    <tr>
                        <td>{l.description.clone()}</td>
                        <td class="number">{l.amounts.quantity}</td>
                        <td class="number">{format_minor(l.amounts.unit_price, &currency)}</td>
                        <td class="number">{(l.amounts.discount_bp > 0).then(|| percent_label(l.amounts.discount_bp))}</td>
                        <td class="number">{percent_label(l.amounts.tax_bp)}</td>
                        <td class="number">{format_minor(l.totals.total, &currency)}</td>
                        <td class="no-print">{draft.then(|| view! {
                            <ActionForm action=remove_line>
                                <input type="hidden" name="id" value=id/>
                                <input type="hidden" name="line_id" value=line_id/>
                                <button class="button button--small" type="submit" aria-label=remove>"Remove"</button>
                            </ActionForm>
                        })}</td>
                    </tr>
                }
            }).collect_view();
            let bands = invoice.totals.bands.iter().filter(|b| b.tax_bp > 0).map(|b| view! {
                <tr><th scope="row" colspan="5">{format!("Tax {} on {}", percent_label(b.tax_bp), format_minor(b.net, &currency))}</th><td class="number">{format_minor(b.tax, &currency)}</td><td></td></tr>
            }).collect_view();
            let add = draft.then(|| {
                let (id, currency) = (id.clone(), currency.clone());
                let tax = percent_label(invoice.default_tax_bp).trim_end_matches('%').to_owned();
                let products: Vec<Choice> = invoice.products.iter().map(|p| Choice::new(p.id, p.label.clone())).collect();
                // Selling a product: its name and price come with it unless typed.
                let selling = !products.is_empty();
                let product = selling.then(|| view! {
                    <SelectField label="Product from stock" name="item" options=products empty="Not a product: describe it" hint="Its name and sale price unless typed below; issuing the invoice takes it from this branch's stock." error=field_error(line_error, "item")/>
                });
                view! {
                    <section class="panel no-print" aria-labelledby="add-line-title">
                        <h2 id="add-line-title">"Add a line"</h2>
                        <ActionForm action=add_line attr:class="form form--inline">
                            <FormAlert error=line_error/>
                            <input type="hidden" name="id" value=id/>
                            {product}
                            <TextField label="Description" name="description" required=!selling error=field_error(line_error, "description")/>
                            <TextField label="Quantity" name="quantity" kind="number" min="1" value="1" error=field_error(line_error, "quantity")/>
                            <TextField label=format!("Unit price ({currency})") name="unit_price" inputmode="decimal" required=!selling error=field_error(line_error, "unit_price")/>
                            <TextField label="Discount %" name="discount" inputmode="decimal" error=field_error(line_error, "discount")/>
                            <TextField label="Tax %" name="tax" inputmode="decimal" value=tax error=field_error(line_error, "tax")/>
                            <SubmitButton label="Add line" pending_label="Adding…" pending=add_line.pending()/>
                        </ActionForm>
                    </section>
                }
            });
            let actions = invoice.can_manage.then(|| {
                let (id, discard_id) = (id.clone(), id.clone());
                match invoice.status {
                    InvoiceStatus::Draft => view! {
                        <div class="button-row no-print">
                            <ActionForm action=issue>
                                <input type="hidden" name="id" value=id/>
                                <button class="button button--primary" type="submit" disabled=move || issue.pending().get()>"Issue invoice"</button>
                            </ActionForm>
                            <ActionForm action=discard>
                                <input type="hidden" name="id" value=discard_id/>
                                <button class="button button--quiet" type="submit">"Discard draft"</button>
                            </ActionForm>
                        </div>
                        <p class="field__hint no-print">"Issuing gives the invoice the next number of the series; after that it cannot be changed, only credited."</p>
                    }.into_any(),
                    InvoiceStatus::Issued | InvoiceStatus::PartiallyPaid | InvoiceStatus::Paid if invoice.kind == InvoiceKind::Invoice => view! {
                        <div class="no-print">
                            <Confirm key="credit" label="Credit this invoice" question="A credit note with the same lines, negated, cancels this invoice. It is numbered in its own series and cannot be undone." back="Keep the invoice">
                                <ActionForm action=credit>
                                    <input type="hidden" name="id" value=id/>
                                    <ConfirmButton label="Issue a credit note" pending=credit.pending()/>
                                </ActionForm>
                            </Confirm>
                        </div>
                    }.into_any(),
                    _ => ().into_any(),
                }
            });
            let methods = || PaymentMethod::ALL.iter().map(|m| Choice::new(m.as_str(), m.label())).collect::<Vec<_>>();
            let open = invoice.status.is_open() && invoice.kind == InvoiceKind::Invoice;
            let payment_form = (open && invoice.can_take_payments).then(|| {
                let (id, key, currency) = (id.clone(), invoice.payment_key.to_string(), currency.clone());
                let due = amount_input(invoice.balance, &currency);
                let credit_note = (invoice.patient_credit > 0).then(|| {
                    let id = id.clone();
                    let label = format!("Use credit ({} available)", format_minor(invoice.patient_credit, &currency));
                    view! {
                        <FormAlert error=credit_use_error/>
                        <ActionForm action=use_credit>
                            <input type="hidden" name="id" value=id/>
                            <button class="button" type="submit">{label}</button>
                        </ActionForm>
                    }
                });
                // Several open invoices: the person taking the money may say what each gets.
                let shares = (invoice.patient_open.len() > 1).then(|| {
                    let rows = invoice.patient_open.iter().map(|o| {
                        let label = format!("{} (owes {})", o.number_label, format_minor(o.owed, &currency));
                        let (invoice_id, field_id) = (o.id.to_string(), format!("share-{}", o.id));
                        view! {
                            <input type="hidden" name="share_invoice[]" value=invoice_id/>
                            <TextField label=label id=field_id name="share_amount[]" inputmode="decimal"/>
                        }
                    }).collect_view();
                    view! {
                        <details class="form__more" data-testid="payment-shares">
                            <summary>"Choose what it pays"</summary>
                            <p class="field__hint">"Left blank, it pays this invoice first, then the oldest; what is not given to an invoice becomes credit."</p>
                            {rows}
                        </details>
                    }
                });
                view! {
                    <section class="panel no-print" aria-labelledby="pay-title">
                        <h2 id="pay-title">"Record a payment"</h2>
                        {credit_note}
                        <ActionForm action=pay node_ref=pay_form attr:class="form form--inline">
                            <FormAlert error=pay_error/>
                            <input type="hidden" name="id" value=id/>
                            <input type="hidden" name="key" value=key/>
                            <RadioGroup legend="Method" name="method" choices=methods() selected="card"/>
                            <TextField label=format!("Amount ({currency})") name="amount" inputmode="decimal" value=due required=true hint="More than is owed pays other open invoices, then becomes credit." error=field_error(pay_error, "amount")/>
                            <TextField label="Reference" name="reference" hint="Card slip, transfer or claim number." error=field_error(pay_error, "reference")/>
                            {shares}
                            <SubmitButton label="Record payment" pending_label="Recording…" pending=pay.pending()/>
                        </ActionForm>
                    </section>
                }
            });
            let can_refund = invoice.can_refund;
            let payments = (!invoice.payments.is_empty()).then(|| {
                let rows = invoice.payments.iter().map(|p| {
                    let refund_form = (can_refund && p.refundable() > 0).then(|| {
                        let payment_id = p.payment_id.to_string();
                        let most = amount_input(p.refundable(), &currency);
                        let method = p.method.as_str();
                        view! {
                            <details class="no-print">
                                <summary>"Refund"</summary>
                                <ActionForm action=refund attr:class="form form--inline">
                                    <FormAlert error=refund_error/>
                                    <input type="hidden" name="payment_id" value=payment_id/>
                                    <TextField label="Amount to refund" name="amount" id="refund-amount" inputmode="decimal" value=most error=field_error(refund_error, "amount")/>
                                    <RadioGroup legend="Refund to" name="method" choices=methods() selected=method/>
                                    <TextField label="Reason" name="reason" id="refund-reason" required=true error=field_error(refund_error, "reason")/>
                                    <SubmitButton label="Refund" pending_label="Refunding…" pending=refund.pending()/>
                                </ActionForm>
                            </details>
                        }
                    });
                    view! {
                        <tr>
                            <td>{p.received_local.clone()}</td>
                            <td>{p.method.label()}{(!p.reference.is_empty()).then(|| format!(" · {}", p.reference))}</td>
                            <td>{p.received_by.clone()}</td>
                            <td class="number">{format_minor(p.applied, &currency)}</td>
                            <td>{(p.refunded > 0).then(|| format!("{} refunded", format_minor(p.refunded, &currency)))}{refund_form}</td>
                        </tr>
                    }
                }).collect_view();
                view! {
                    <section class="panel" aria-labelledby="payments-title">
                        <h2 id="payments-title">"Payments"</h2>
                        <table class="table" data-testid="invoice-payments">
                            <thead><tr><th scope="col">"When"</th><th scope="col">"Method"</th><th scope="col">"Taken by"</th><th scope="col" class="number">"To this invoice"</th><th scope="col"><span class="visually-hidden">"Refunds"</span></th></tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </section>
                }
            });
            let history = history.into_iter().map(|h| view! {
                <li>{format!("{} · {} · {}", h.at_local, action_label(&h.action), h.actor_name.clone().unwrap_or_default())}</li>
            }).collect_view();
            view! {
                <Title text=title.clone()/>
                <p class="no-print"><A href="/app/invoices">"← Invoices"</A></p>
                <article class="invoice" aria-labelledby="invoice-title">
                    <header class="invoice__head">
                        <h1 id="invoice-title">{title}</h1>
                        {status_badge(invoice.status)}
                        <dl class="summary">
                            <div class="summary__item"><dt>"Patient"</dt><dd><A href=format!("/app/patients/{}", invoice.patient_id)>{invoice.patient_name.clone()}</A></dd></div>
                            {invoice.issued_local.clone().map(|d| view! { <div class="summary__item"><dt>"Issued"</dt><dd>{d}</dd></div> })}
                            {invoice.due_on.map(|d| view! { <div class="summary__item"><dt>"Due"</dt><dd>{d.format("%-d %b %Y").to_string()}</dd></div> })}
                            {(!invoice.seller_name.is_empty()).then(|| view! { <div class="summary__item"><dt>"From"</dt><dd class="note__text">{format!("{}\n{}", invoice.seller_name, invoice.seller_address)}</dd></div> })}
                            {(!invoice.seller_tax_id.is_empty()).then(|| view! { <div class="summary__item"><dt>"Tax id"</dt><dd>{invoice.seller_tax_id.clone()}</dd></div> })}
                        </dl>
                        {invoice.credits.clone().map(|(cid, number)| view! { <p class="notice">"Cancels invoice " <A href=format!("/app/invoices/{cid}")>{number}</A></p> })}
                        {invoice.credited_by.clone().into_iter().map(|(cid, number)| view! { <p class="notice">"Cancelled by credit note " <A href=format!("/app/invoices/{cid}")>{number}</A></p> }).collect_view()}
                    </header>
                    <FormAlert error=remove_error/>
                    <div class="table__wrap">
                        <table class="table" data-testid="invoice-lines">
                            <thead><tr>
                                <th scope="col">"Description"</th><th scope="col" class="number">"Qty"</th><th scope="col" class="number">"Unit price"</th>
                                <th scope="col" class="number">"Discount"</th><th scope="col" class="number">"Tax"</th><th scope="col" class="number">"Amount"</th>
                                <th scope="col" class="no-print"><span class="visually-hidden">"Actions"</span></th>
                            </tr></thead>
                            <tbody>{lines}</tbody>
                            <tfoot>
                                <tr><th scope="row" colspan="5">{if invoice.tax_mode == TaxMode::Inclusive { "Net (prices include tax)" } else { "Net" }}</th><td class="number">{format_minor(invoice.totals.net, &currency)}</td><td></td></tr>
                                {bands}
                                <tr class="invoice__total"><th scope="row" colspan="5">"Total"</th><td class="number" data-testid="invoice-total">{format_minor(invoice.totals.total, &currency)}</td><td></td></tr>
                                {(invoice.kind == InvoiceKind::Invoice && invoice.status != InvoiceStatus::Draft).then(|| view! {
                                    <tr><th scope="row" colspan="5">"Paid"</th><td class="number">{format_minor(invoice.paid, &currency)}</td><td></td></tr>
                                    <tr><th scope="row" colspan="5">"Owed"</th><td class="number" data-testid="invoice-balance">{format_minor(invoice.balance, &currency)}</td><td></td></tr>
                                })}
                            </tfoot>
                        </table>
                    </div>
                    {(!invoice.notes.is_empty()).then(|| view! { <p class="note__text">{invoice.notes.clone()}</p> })}
                </article>
                <div class="button-row no-print">
                    <a class="button" href=format!("/app/invoices/{id}/invoice.pdf") download rel="external">"Download PDF"</a>
                    {receipt.then(|| view! { <a class="button" href=format!("/app/invoices/{id}/receipt.pdf") download rel="external">"Receipt PDF"</a> })}
                    {(receipt && invoice.can_take_payments).then(|| {
                        let id = id.clone();
                        view! {
                            <ActionForm action=send_receipt>
                                <input type="hidden" name="id" value=id/>
                                <SubmitButton label="Send receipt" pending_label="Sending…" pending=send_receipt.pending()/>
                            </ActionForm>
                        }
                    })}
                </div>
                <FormAlert error=receipt_error/>
                <FormAlert error=issue_error/>
                <FormAlert error=discard_error/>
                <FormAlert error=credit_error/>
                {actions}
                {payment_form}
                {payments}
                {add}
                <section class="panel no-print" aria-labelledby="history-title">
                    <h2 id="history-title">"Change log"</h2>
                    <ul class="history" data-testid="invoice-history">{history}</ul>
                </section>
            }.into_any()
        })}
    }
}

#[component]
pub fn InvoiceSettingsPage() -> impl IntoView {
    let save = ServerAction::<SaveInvoiceSettings>::new();
    let settings = Resource::new(move || save.version().get(), |_| get_invoice_settings());
    let error = action_error(save);
    let saved = action_done(save, "Invoice settings saved.");
    view! {
        <Title text="Invoice settings"/>
        <h1>"Invoice settings"</h1>
        <Toast message=saved/>
        {loaded(settings, move |s| view! {
            <ActionForm action=save attr:class="form panel">
                <FormAlert error=error/>
                <TextField label="Legal name" name="legal_name" value=s.legal_name.clone() hint="As it must appear on invoices." error=field_error(error, "legal_name")/>
                <TextArea label="Address" name="address" value=s.address.clone() rows=3 error=field_error(error, "address")/>
                <TextField label="Tax id" name="tax_id" value=s.tax_id.clone() hint="VAT or tax registration number, if you have one." error=field_error(error, "tax_id")/>
                <TextArea label="Notes on every invoice" name="notes" value=s.notes.clone() rows=3 hint="Bank details or payment instructions, for example." error=field_error(error, "notes")/>
                <TextField label="Days to pay" name="payment_terms_days" kind="number" min="0" value=s.payment_terms_days.to_string() error=field_error(error, "payment_terms_days")/>
                <TextField label="Invoice number prefix" name="invoice_prefix" value=s.invoice_prefix.clone() hint="Numbers read like INV-2026-000123." error=field_error(error, "invoice_prefix")/>
                <TextField label="Credit note prefix" name="credit_note_prefix" value=s.credit_note_prefix.clone() error=field_error(error, "credit_note_prefix")/>
                <RadioGroup
                    legend="Prices"
                    name="tax_mode"
                    choices=vec![
                        Choice::new("exclusive", "Tax is added to prices"),
                        Choice::new("inclusive", "Prices include tax"),
                    ]
                    selected=s.tax_mode.as_str()
                />
                <TextField label="Tax rate for new lines %" name="default_tax" inputmode="decimal" value=percent_label(s.default_tax_bp).trim_end_matches('%').to_owned() hint="0 if your services are exempt." error=field_error(error, "default_tax")/>
                <Checkbox label="Send the patient a receipt when an invoice is paid in full" name="send_receipts" checked=s.send_receipts hint="By email with the PDF attached, or by text message with a link to it, as the patient agreed to be contacted."/>
                <SubmitButton label="Save settings" pending_label="Saving…" pending=save.pending()/>
            </ActionForm>
        })}
    }
}

#[component]
pub fn TakingsPage() -> impl IntoView {
    let query = use_query_map();
    let date = Memo::new(move |_| query.read().get("date").unwrap_or_default());
    let takings = Resource::new(move || date.get(), get_takings);
    view! {
        <Title text="Day's takings"/>
        <p class="no-print"><A href="/app/invoices">"← Invoices"</A></p>
        {loaded(takings, move |t| {
            let currency = t.currency.clone();
            let most = t.methods.iter().map(|m| m.received).max().unwrap_or(0).max(1);
            let methods = t.methods.iter().map(|m| {
                let width = format!("width: {}%", m.received * 100 / most);
                view! {
                    <tr>
                        <th scope="row">{m.method.label()}</th>
                        <td class="number">{m.payments}</td>
                        <td class="number">{format_minor(m.received, &currency)}</td>
                        <td class="number">{format_minor(m.refunded, &currency)}</td>
                        <td class="number">{format_minor(m.net(), &currency)}</td>
                        <td class="table__bar" aria-hidden="true"><span style=width></span></td>
                    </tr>
                }
            }).collect_view();
            let staff = t.staff.iter().map(|s| view! {
                <tr>
                    <td>{s.name.clone()}</td>
                    <td>{s.method.label()}</td>
                    <td class="number">{format_minor(s.received, &currency)}</td>
                    <td class="number">{format_minor(s.refunded, &currency)}</td>
                </tr>
            }).collect_view();
            let title = format!("Takings · {} · {}", t.branch_name, t.date.format("%A %-d %B %Y"));
            view! {
                <h1>{title}</h1>
                <form method="get" action="/app/takings" class="form form--inline no-print">
                    <label class="field">
                        <span class="field__label">"Day"</span>
                        <input class="field__input" type="date" name="date" value=t.date.to_string()/>
                    </label>
                    <button class="button" type="submit">"Show"</button>
                </form>
                <p class="takings__drawer" data-testid="cash-in-drawer">
                    {format!("Cash in the drawer (beyond the float): {}", format_minor(t.cash_in_drawer(), &currency))}
                </p>
                <table class="table" data-testid="takings">
                    <thead><tr>
                        <th scope="col">"Method"</th><th scope="col" class="number">"Payments"</th><th scope="col" class="number">"Taken"</th>
                        <th scope="col" class="number">"Refunded"</th><th scope="col" class="number">"Net"</th><th scope="col"><span class="visually-hidden">"Share"</span></th>
                    </tr></thead>
                    <tbody>{methods}</tbody>
                    <tfoot><tr class="invoice__total"><th scope="row" colspan="4">"Total"</th><td class="number">{format_minor(t.net(), &currency)}</td><td></td></tr></tfoot>
                </table>
                <h2>"By whom"</h2>
                {if t.staff.is_empty() {
                    view! { <p class="table__empty">"Nothing was taken that day."</p> }.into_any()
                } else {
                    view! {
                        <table class="table" data-testid="takings-staff">
                            <thead><tr><th scope="col">"Taken by"</th><th scope="col">"Method"</th><th scope="col" class="number">"Taken"</th><th scope="col" class="number">"Refunded"</th></tr></thead>
                            <tbody>{staff}</tbody>
                        </table>
                    }.into_any()
                }}
            }
        })}
    }
}
