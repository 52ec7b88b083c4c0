//! `/app/stock`: what the branch holds of every item, and adding items;
//! `/app/stock/{id}/edit`: an item's details. The item's own page is `item`.

mod item;
mod usage;

pub use item::ItemDetailPage;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};
use uuid::Uuid;

use self::usage::StockUsage;
use crate::{
    app::realtime::use_realtime,
    components::{
        form::{action_done, action_error, field_error, Checkbox, FormAlert, SubmitButton, TextField},
        loaded::loaded,
        table::{columns, DataTable},
        toast::Toast,
        url::id_param,
    },
    domain::{
        inventory::{Item, ItemForm, ItemPage, MovementForm},
        money::{amount_input, format_minor},
        stock_use::StockOverview,
        AppError,
    },
};

/// The stock page: the branch's stock, and its usage from `from` to `until`
/// (`YYYY-MM-DD`; blank: the last 30 days).
#[server]
pub async fn get_stock(
    #[server(default)] from: String,
    #[server(default)] until: String,
) -> Result<StockOverview, AppError> {
    use crate::server::{auth::context::RequestContext, inventory};
    inventory::overview(&RequestContext::load().await?, &from, &until).await
}

#[server]
pub async fn get_item(id: Uuid) -> Result<ItemPage, AppError> {
    use crate::server::{auth::context::RequestContext, inventory};
    inventory::item_page(&RequestContext::load().await?, id).await
}

/// Adds (no id; then opens the new item) or changes an item.
#[server]
pub async fn save_item(#[server(default)] id: Option<Uuid>, #[server(flatten)] form: ItemForm) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, inventory};
    let saved = inventory::save_item(&RequestContext::load().await?, id, |currency| form.parse(currency)).await?;
    if id.is_none() {
        leptos_axum::redirect(&format!("/app/stock/{saved}"));
    }
    Ok(())
}

// The three movements recorded by hand, each its own server function, so that a plain
// form post's error comes back to the form that sent it.

/// Units that arrived at the caller's branch, at a cost each.
#[server]
pub async fn receive_stock(item_id: Uuid, #[server(flatten)] form: MovementForm) -> Result<(), AppError> {
    use crate::{
        domain::inventory::ByHand,
        server::{auth::context::RequestContext, inventory},
    };
    let change = |currency: &str| form.parse(ByHand::Receive, currency);
    inventory::record_by_hand(&RequestContext::load().await?, item_id, change).await
}

/// A count that differs from the ledger, with why.
#[server]
pub async fn correct_stock(item_id: Uuid, #[server(flatten)] form: MovementForm) -> Result<(), AppError> {
    use crate::{
        domain::inventory::ByHand,
        server::{auth::context::RequestContext, inventory},
    };
    let change = |currency: &str| form.parse(ByHand::Adjust, currency);
    inventory::record_by_hand(&RequestContext::load().await?, item_id, change).await
}

/// Units sent from the caller's branch to another they manage stock in.
#[server]
pub async fn transfer_stock(item_id: Uuid, #[server(flatten)] form: MovementForm) -> Result<(), AppError> {
    use crate::{
        domain::inventory::ByHand,
        server::{auth::context::RequestContext, inventory},
    };
    let change = |currency: &str| form.parse(ByHand::Transfer, currency);
    inventory::record_by_hand(&RequestContext::load().await?, item_id, change).await
}

#[component]
pub fn StockListPage() -> impl IntoView {
    let create = ServerAction::<SaveItem>::new();
    // An alert opened or closed elsewhere (a visit completed, a delivery) reloads it.
    let live = use_realtime().map(|r| r.stock_alerts);
    let query = use_query_map();
    let period = Memo::new(move |_| {
        let q = query.read();
        (q.get("from").unwrap_or_default(), q.get("until").unwrap_or_default())
    });
    let page = Resource::new(
        move || (live.and_then(|s| s.get()), period.get()),
        |(_, (from, until))| get_stock(from, until),
    );
    let error = action_error(create);
    view! {
        <Title text="Stock"/>
        {loaded(page, move |StockOverview { stock: page, usage }| {
            let currency = page.currency.clone();
            let value = format_minor(page.value_minor(), &currency);
            let summary = match page.rows.iter().filter(|r| r.item.active && r.low()).count() {
                0 => format!("Worth {value} at cost."),
                1 => format!("Worth {value} at cost. 1 item is at or below the reorder level."),
                low => format!("Worth {value} at cost. {low} items are at or below the reorder level."),
            };
            let can_manage = page.can_manage;
            let page_currency = page.currency.clone();
            view! {
                <h1>{format!("Stock · {}", page.branch)}</h1>
                <p class="stock__summary" data-testid="stock-summary">{summary}</p>
                {(!page.alerts.is_empty()).then(|| {
                    let alerts = page.alerts.iter().map(|a| {
                        let text = format!(
                            ": {} {} left since {}{}",
                            a.on_hand,
                            a.unit,
                            a.since,
                            if a.reorder_quantity > 0 { format!(", reorder {}", a.reorder_quantity) } else { String::new() }
                        );
                        let (href, name) = (format!("/app/stock/{}", a.item_id), a.item.clone());
                        view! { <li data-testid="stock-alert"><A href=href>{name}</A>{text}</li> }
                    }).collect_view();
                    view! {
                        <section class="notice stock__alerts" aria-labelledby="alerts-title">
                            <h2 id="alerts-title">"Running low"</h2>
                            <ul>{alerts}</ul>
                        </section>
                    }
                })}
                <DataTable
                    label="Stock"
                    columns=columns(["Item", "SKU", "On hand", "Reorder at", "Value at cost"])
                    rows=page.rows.clone()
                    empty=if can_manage { "No items yet: add the first one below." } else { "No items yet. An owner, administrator or receptionist adds them." }
                    row=move |r| {
                        let (low, value) = (r.low(), format_minor(r.value_minor(), &currency));
                        view! {
                            <tr data-testid="stock-row" class:stock__row--low=low>
                                <td><A href=format!("/app/stock/{}", r.item.id)>{r.item.name.clone()}</A>{(!r.item.active).then_some(" (retired)")}</td>
                                <td>{r.item.sku.clone()}</td>
                                <td class="number">{format!("{} {}", r.on_hand, r.item.unit)}{low.then(|| view! { " " <span class="badge badge--low">"Low"</span> })}</td>
                                <td class="number">{r.item.reorder_level}</td>
                                <td class="number">{value}</td>
                            </tr>
                        }
                    }
                />
                <StockUsage usage from=period.get_untracked().0 until=period.get_untracked().1/>
                {can_manage.then(|| view! {
                    <section class="panel" aria-labelledby="new-item">
                        <h2 id="new-item">"Add an item"</h2>
                        <ActionForm action=create attr:class="form">
                            <ItemFields item=None currency=page_currency.clone() error/>
                            <SubmitButton label="Add item" pending_label="Adding…" pending=create.pending()/>
                        </ActionForm>
                    </section>
                })}
            }
            .into_any()
        })}
    }
}

#[component]
fn ItemFields(item: Option<Item>, currency: String, #[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let get = |f: fn(&Item) -> String| item.as_ref().map(f).unwrap_or_default();
    let cost = item.as_ref().map(|i| amount_input(i.cost_minor, &currency));
    let sale = item
        .as_ref()
        .and_then(|i| i.sale_price_minor)
        .map(|p| amount_input(p, &currency));
    view! {
        <FormAlert error/>
        <TextField label="Name" name="name" value=get(|i| i.name.clone()) required=true error=field_error(error, "name")/>
        <TextField label="SKU (optional)" name="sku" value=get(|i| i.sku.clone()) error=field_error(error, "sku")/>
        <TextField label="Unit" name="unit" value=item.as_ref().map_or_else(|| "unit".to_owned(), |i| i.unit.clone()) hint="What you count it in: unit, box, bottle, pair." error=field_error(error, "unit")/>
        <TextField label="Category (optional)" name="category" value=get(|i| i.category.clone()) error=field_error(error, "category")/>
        <TextField label=format!("Cost of one unit ({currency})") name="cost" value=cost.unwrap_or_default() inputmode="decimal" hint="Receiving a delivery updates it." error=field_error(error, "cost")/>
        <TextField label=format!("Sale price ({currency}, if sold)") name="sale_price" value=sale.unwrap_or_default() inputmode="decimal" error=field_error(error, "sale_price")/>
        <TextField label="Reorder at" name="reorder_level" kind="number" min="0" value=get(|i| i.reorder_level.to_string()) hint="At or below this many in a branch, the item is low there. 0: never." error=field_error(error, "reorder_level")/>
        <TextField label="Reorder quantity" name="reorder_quantity" kind="number" min="0" value=get(|i| i.reorder_quantity.to_string()) error=field_error(error, "reorder_quantity")/>
        <TextField label="Supplier (optional)" name="supplier" value=get(|i| i.supplier.clone()) error=field_error(error, "supplier")/>
    }
}

/// `/app/stock/{id}/edit`: the item's details.
#[component]
pub fn ItemEditPage() -> impl IntoView {
    let id = id_param("id");
    let save = ServerAction::<SaveItem>::new();
    let page = Resource::new(
        move || (id(), save.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_item(id).await,
                None => Err(AppError::not_found("That item")),
            }
        },
    );
    let (error, saved) = (action_error(save), action_done(save, "Saved."));
    view! {
        {loaded(page, move |page| {
            let item = page.item.clone();
            view! {
                <Title text=format!("Edit {}", item.name)/>
                <p><A href=format!("/app/stock/{}", item.id)>{format!("← {}", item.name)}</A></p>
                <h1>{format!("Edit {}", item.name)}</h1>
                <ActionForm action=save attr:class="form panel">
                    <Toast message=saved/>
                    <input type="hidden" name="id" value=item.id.to_string()/>
                    <ItemFields item=Some(item.clone()) currency=page.currency.clone() error/>
                    <Checkbox label="Retired (no longer stocked)" name="retired" checked=!item.active/>
                    <SubmitButton label="Save" pending_label="Saving…" pending=save.pending()/>
                </ActionForm>
            }
            .into_any()
        })}
    }
}
