//! `/api/v1/stock`: the items with what the caller's branch holds, an item with its stock
//! in every branch the caller works in and its latest movements here, movements recorded
//! by hand (receive, adjust, transfer), the open low-stock alerts, and usage over a
//! period. Money is in minor units; quantities are whole units of the item's unit.

use axum::{http::StatusCode, response::IntoResponse, Json};
use serde::Deserialize;
use uuid::Uuid;

use super::{Api, ApiJson, ApiPath, ApiQuery};
use crate::{
    domain::{
        inventory::{ByHand, ItemForm, MovementForm},
        money::amount_input,
        AppError,
    },
    server::{auth::context::RequestContext, inventory, stock_usage},
};

/// Every item, with what the caller's branch holds and its value at cost, and the
/// branch's open alerts.
pub async fn list(Api(ctx): Api) -> Result<impl IntoResponse, AppError> {
    Ok(Json(inventory::stock_page(&ctx).await?))
}

async fn item(ctx: &RequestContext, id: Uuid) -> Result<impl IntoResponse, AppError> {
    let mut page = inventory::item_page(ctx, id).await?;
    // The app's pick list for its transfer form, not part of the item.
    page.destinations.clear();
    Ok(Json(page))
}

pub async fn get(Api(ctx): Api, ApiPath(id): ApiPath<Uuid>) -> Result<impl IntoResponse, AppError> {
    item(&ctx, id).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemBody {
    name: String,
    #[serde(default)]
    sku: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    category: String,
    /// What one unit costs, in minor units.
    #[serde(default)]
    cost: i64,
    /// Absent: not sold.
    sale_price: Option<i64>,
    #[serde(default)]
    reorder_level: i32,
    #[serde(default)]
    reorder_quantity: i32,
    #[serde(default)]
    supplier: String,
    /// `false`: retired (no longer stocked).
    #[serde(default = "yes")]
    active: bool,
}

fn yes() -> bool {
    true
}

impl ItemBody {
    /// The app's form, so that the API's field errors are the form's.
    fn form(&self, currency: &str) -> ItemForm {
        ItemForm {
            name: self.name.clone(),
            sku: self.sku.clone(),
            unit: self.unit.clone(),
            category: self.category.clone(),
            cost: amount_input(self.cost, currency),
            sale_price: self.sale_price.map(|p| amount_input(p, currency)).unwrap_or_default(),
            reorder_level: self.reorder_level.to_string(),
            reorder_quantity: self.reorder_quantity.to_string(),
            supplier: self.supplier.clone(),
            retired: (!self.active).then(|| "on".to_owned()),
        }
    }
}

pub async fn create(Api(ctx): Api, ApiJson(body): ApiJson<ItemBody>) -> Result<impl IntoResponse, AppError> {
    let id = inventory::save_item(&ctx, None, |currency| body.form(currency).parse(currency)).await?;
    Ok((StatusCode::CREATED, item(&ctx, id).await?))
}

/// Replaces an item's details (every field; absent ones take their defaults).
pub async fn update(
    Api(ctx): Api,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ItemBody>,
) -> Result<impl IntoResponse, AppError> {
    inventory::save_item(&ctx, Some(id), |currency| body.form(currency).parse(currency)).await?;
    item(&ctx, id).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
enum Kind {
    Receive,
    Adjust,
    Transfer,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MovementBody {
    kind: Kind,
    /// Units: more than 0; an adjustment may be negative.
    quantity: i32,
    /// Receive: what one unit cost, in minor units.
    unit_cost: Option<i64>,
    /// Adjust: why.
    #[serde(default)]
    reason: String,
    /// Transfer: the branch it goes to.
    to_branch: Option<Uuid>,
}

/// Records a movement at the caller's branch; answers with the item as it is after.
pub async fn record(
    Api(ctx): Api,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<MovementBody>,
) -> Result<impl IntoResponse, AppError> {
    let kind = match body.kind {
        Kind::Receive => ByHand::Receive,
        Kind::Adjust => ByHand::Adjust,
        Kind::Transfer => ByHand::Transfer,
    };
    inventory::record_by_hand(&ctx, id, |currency| {
        MovementForm {
            quantity: body.quantity.to_string(),
            unit_cost: body.unit_cost.map(|c| amount_input(c, currency)).unwrap_or_default(),
            reason: body.reason.clone(),
            to_branch: body.to_branch.map(|b| b.to_string()).unwrap_or_default(),
        }
        .parse(kind, currency)
    })
    .await?;
    Ok((StatusCode::CREATED, item(&ctx, id).await?))
}

/// The caller's branch's open low-stock alerts, oldest first.
pub async fn alerts(Api(ctx): Api) -> Result<impl IntoResponse, AppError> {
    Ok(Json(inventory::stock_page(&ctx).await?.alerts))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsageQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
}

/// What the caller's branch used from `from` to `until` (`YYYY-MM-DD`, both included;
/// the last 30 days when absent), per item and per service.
pub async fn usage(Api(ctx): Api, ApiQuery(query): ApiQuery<UsageQuery>) -> Result<impl IntoResponse, AppError> {
    Ok(Json(stock_usage::report(&ctx, &query.from, &query.until).await?))
}
