//! `/app/stock/{id}`: an item, what each branch holds, its ledger here, and recording what
//! arrives, a count that differs, or units sent to another branch.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use super::{get_item, CorrectStock, ReceiveStock, TransferStock};
use crate::{
    app::calendar::choices,
    components::{
        form::{action_done, action_error, field_error, FormAlert, SelectField, SubmitButton, TextField},
        loaded::loaded,
        table::{columns, DataTable},
        toast::Toast,
        url::id_param,
    },
    domain::{
        money::{amount_input, format_minor},
        AppError,
    },
};

#[component]
pub fn ItemDetailPage() -> impl IntoView {
    let id = id_param("id");
    let (receive, adjust, transfer) = (
        ServerAction::<ReceiveStock>::new(),
        ServerAction::<CorrectStock>::new(),
        ServerAction::<TransferStock>::new(),
    );
    let page = Resource::new(
        move || {
            (
                id(),
                receive.version().get() + adjust.version().get() + transfer.version().get(),
            )
        },
        |(id, _)| async move {
            match id {
                Some(id) => get_item(id).await,
                None => Err(AppError::not_found("That item")),
            }
        },
    );
    let recorded = {
        let done = [
            action_done(receive, "Recorded."),
            action_done(adjust, "Recorded."),
            action_done(transfer, "Recorded."),
        ];
        Signal::derive(move || done.iter().find_map(|d| d.get()))
    };
    view! {
        <p><A href="/app/stock">"← Stock"</A></p>
        {loaded(page, move |page| {
            let item = page.item.clone();
            let item_id = item.id;
            let unit = item.unit.clone();
            let currency = page.currency.clone();
            let on_hand = page.on_hand();
            let stock = page.stock.iter().map(|s| view! {
                <li>{format!("{}: {} {}", s.branch, s.on_hand, unit)}</li>
            }).collect_view();
            let ledger_currency = currency.clone();
            view! {
                <Title text=item.name.clone()/>
                <h1>{item.name.clone()}</h1>
                {page.can_manage.then(|| view! { <p><A href=format!("/app/stock/{item_id}/edit")>"Edit the item"</A></p> })}
                <p class="stock__on-hand" data-testid="on-hand">{format!("{on_hand} {unit} here")}</p>
                {(page.stock.len() > 1).then(|| view! { <ul class="stock__branches" aria-label="In each branch">{stock}</ul> })}
                <Toast message=recorded/>
                {page.can_manage.then(|| {
                    let (receive_error, adjust_error, transfer_error) = (action_error(receive), action_error(adjust), action_error(transfer));
                    view! {
                        <div class="stock__actions">
                            <ActionForm action=receive attr:class="form panel">
                                <h2>"Receive a delivery"</h2>
                                <FormAlert error=receive_error/>
                                <input type="hidden" name="item_id" value=item_id.to_string()/>
                                <TextField label="Units received" id="receive-quantity" name="quantity" kind="number" min="1" required=true error=field_error(receive_error, "quantity")/>
                                <TextField label=format!("Cost of one unit ({currency})") id="receive-cost" name="unit_cost" inputmode="decimal" required=true value=amount_input(item.cost_minor, &currency) error=field_error(receive_error, "unit_cost")/>
                                <SubmitButton label="Receive" pending_label="Recording…" pending=receive.pending()/>
                            </ActionForm>
                            <ActionForm action=adjust attr:class="form panel">
                                <h2>"Correct the count"</h2>
                                <FormAlert error=adjust_error/>
                                <input type="hidden" name="item_id" value=item_id.to_string()/>
                                <TextField label="Units more or fewer" id="adjust-quantity" name="quantity" kind="number" required=true hint="5 found, or -2 broken or expired." error=field_error(adjust_error, "quantity")/>
                                <TextField label="Why" id="adjust-reason" name="reason" required=true error=field_error(adjust_error, "reason")/>
                                <SubmitButton label="Correct" pending_label="Recording…" pending=adjust.pending()/>
                            </ActionForm>
                            {(!page.destinations.is_empty()).then(|| view! {
                                <ActionForm action=transfer attr:class="form panel">
                                    <h2>"Send to another branch"</h2>
                                    <FormAlert error=transfer_error/>
                                    <input type="hidden" name="item_id" value=item_id.to_string()/>
                                    <TextField label="Units sent" id="transfer-quantity" name="quantity" kind="number" min="1" required=true error=field_error(transfer_error, "quantity")/>
                                    <SelectField label="To" name="to_branch" options=choices(&page.destinations) required=true error=field_error(transfer_error, "to_branch")/>
                                    <SubmitButton label="Send" pending_label="Recording…" pending=transfer.pending()/>
                                </ActionForm>
                            })}
                        </div>
                    }
                })}
                <h2>"Movements here"</h2>
                <DataTable
                    label="Movements"
                    columns=columns(["When", "What", "Units", "Balance", "By"])
                    rows=page.movements.clone()
                    empty="Nothing has moved here yet."
                    row=move |m| {
                        let what = match (&m.other_branch, m.unit_cost_minor) {
                            (Some(other), _) => format!("{}: {other}", m.label()),
                            (None, Some(cost)) => format!("{} at {} each", m.label(), format_minor(cost, &ledger_currency)),
                            (None, None) => m.label().to_owned(),
                        };
                        let what = if m.reason.is_empty() { what } else { format!("{what} · {}", m.reason) };
                        let visit = m.appointment_id.map(|a| view! { " " <A href=format!("/app/calendar/appointments/{a}")>"(the visit)"</A> });
                        let invoice = m.invoice_id.map(|i| view! { " " <A href=format!("/app/invoices/{i}")>"(the invoice)"</A> });
                        view! {
                            <tr data-testid="movement">
                                <td>{m.when.clone()}</td>
                                <td>{what}{visit}{invoice}</td>
                                <td class="number">{format!("{:+}", m.quantity)}</td>
                                <td class="number">{m.balance_after}</td>
                                <td>{m.recorded_by.clone()}</td>
                            </tr>
                        }
                    }
                />
            }
            .into_any()
        })}
    }
}
