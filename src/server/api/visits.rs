//! `/api/v1/visits/{id}`: the visit of an appointment (its id is the appointment's) and
//! the services performed. Arrival, start and completion are the appointment's status
//! (`PATCH /api/v1/calendar/appointments/{id}`). The clinical note is in the answer only
//! for roles that may read notes, and reading it is audited as in the app.

use axum::{http::StatusCode, response::IntoResponse, Json};
use serde::Deserialize;
use uuid::Uuid;

use super::{Api, ApiJson, ApiPath};
use crate::{
    domain::{money::amount_input, visit::ServiceLineForm, AppError},
    server::{auth::context::RequestContext, visits},
};

async fn visit(ctx: &RequestContext, id: Uuid) -> Result<impl IntoResponse, AppError> {
    let mut record = visits::record(ctx, id).await?;
    // The app's pick lists (the catalog, the shelves), not part of the visit.
    record.service_choices.clear();
    record.stock_choices.clear();
    Ok(Json(record))
}

pub async fn get(Api(ctx): Api, ApiPath(id): ApiPath<Uuid>) -> Result<impl IntoResponse, AppError> {
    visit(&ctx, id).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceBody {
    service_id: Uuid,
    #[serde(default = "one")]
    quantity: i32,
    /// Minor units; absent keeps the catalog's price (a price needs a role that may
    /// override prices).
    price: Option<i64>,
}

fn one() -> i32 {
    1
}

/// Records a service performed on a visit in progress or completed.
pub async fn add_service(
    Api(ctx): Api,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ServiceBody>,
) -> Result<impl IntoResponse, AppError> {
    visits::add_service(&ctx, id, |currency| {
        ServiceLineForm {
            service_id: body.service_id.to_string(),
            quantity: body.quantity.to_string(),
            price: body.price.map(|p| amount_input(p, currency)).unwrap_or_default(),
        }
        .parse(currency)
    })
    .await?;
    Ok((StatusCode::CREATED, visit(&ctx, id).await?))
}
