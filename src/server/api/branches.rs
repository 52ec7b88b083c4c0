//! `/api/v1/branches`

use axum::{http::StatusCode, response::IntoResponse, Json};
use serde::Deserialize;
use uuid::Uuid;

use super::{Api, ApiJson, ApiPath};
use crate::{
    domain::{
        branch::{BranchDetails, DayHours, OpeningHours},
        AppError,
    },
    server::branches,
};

/// A branch as the API accepts it; on update, missing fields keep their value.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BranchBody {
    name: Option<String>,
    address: Option<String>,
    phone: Option<String>,
    timezone: Option<String>,
    opening_hours: Option<Vec<DayHours>>,
}

impl BranchBody {
    /// Validated through the same parser as the form; `base` fills what is missing.
    fn details(self, base: Option<&crate::domain::branch::Branch>) -> Result<BranchDetails, AppError> {
        let pick = |new: Option<String>, old: Option<&String>| new.or_else(|| old.cloned()).unwrap_or_default();
        if let Some(days) = &self.opening_hours {
            if days.iter().any(|d| !(1..=7).contains(&d.weekday)) {
                return Err(AppError::field("opening_hours", "weekday is 1 (Monday) to 7 (Sunday)."));
            }
        }
        let hours = match self.opening_hours {
            Some(days) => OpeningHours(days),
            None => base.map(|b| b.opening_hours.clone()).unwrap_or_default(),
        };
        BranchDetails::parse(
            &pick(self.name, base.map(|b| &b.name)),
            &pick(self.address, base.map(|b| &b.address)),
            &pick(self.phone, base.map(|b| &b.phone)),
            &pick(self.timezone, base.map(|b| &b.timezone)),
            &hours.to_input(),
        )
    }
}

pub async fn list(Api(ctx): Api) -> Result<impl IntoResponse, AppError> {
    Ok(Json(branches::list(&ctx).await?))
}

pub async fn get(Api(ctx): Api, ApiPath(id): ApiPath<Uuid>) -> Result<impl IntoResponse, AppError> {
    Ok(Json(branches::get(&ctx, id).await?))
}

pub async fn create(Api(ctx): Api, ApiJson(body): ApiJson<BranchBody>) -> Result<impl IntoResponse, AppError> {
    let details = body.details(None)?;
    Ok((StatusCode::CREATED, Json(branches::create(&ctx, &details).await?)))
}

pub async fn update(
    Api(ctx): Api,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<BranchBody>,
) -> Result<impl IntoResponse, AppError> {
    let current = branches::get(&ctx, id).await?;
    let details = body.details(Some(&current))?;
    Ok(Json(branches::update(&ctx, id, &details).await?))
}
