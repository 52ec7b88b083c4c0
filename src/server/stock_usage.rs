//! What the caller's branch used of its stock over a period, per item (from the ledger)
//! and per service (from completed visits' materials), on the stock page and as CSV.

use axum::{
    extract::Query,
    http::Method,
    response::{IntoResponse, Response},
};
use chrono::{Duration, NaiveDate, NaiveTime, Utc};
use serde::Deserialize;

use super::{
    auth::context::{RequestContext, Staff},
    db::{inventory, organizations, Tx},
    error::internal,
    routing::Routes,
};
use crate::domain::{
    access::Action,
    money::amount_input,
    stock_use::{usage_period, UsageReport},
    time::{local_to_utc, utc_to_local, zone},
    AppError,
};

/// Usage at the caller's branch over the period its form names (`YYYY-MM-DD`, blank for
/// the last 30 days).
pub async fn report(ctx: &RequestContext, from: &str, until: &str) -> Result<UsageReport, AppError> {
    ctx.require(Action::ViewStock)?;
    let period = period(ctx, from, until)?;
    let mut tx = ctx.tenant().await?;
    let currency = organizations::currency(&mut tx, ctx.org_id()).await?;
    let report = report_in(&mut tx, ctx, period, currency).await?;
    tx.commit().await?;
    Ok(report)
}

/// The days a usage form names, in the caller's branch's calendar.
pub fn period(ctx: &RequestContext, from: &str, until: &str) -> Result<(NaiveDate, NaiveDate), AppError> {
    let today = utc_to_local(Utc::now(), zone(&ctx.user.branch.timezone)).date();
    usage_period(from, until, today)
}

/// Usage at the caller's branch over `[from, until]`, in the caller's transaction.
pub async fn report_in(
    tx: &mut Tx,
    ctx: &RequestContext,
    (from, until): (NaiveDate, NaiveDate),
    currency: String,
) -> Result<UsageReport, AppError> {
    let tz = zone(&ctx.user.branch.timezone);
    let span = (
        local_to_utc(tz, from.and_time(NaiveTime::MIN)),
        local_to_utc(tz, (until + Duration::days(1)).and_time(NaiveTime::MIN)),
    );
    let (org, branch) = (ctx.org_id(), ctx.user.branch.id);
    let items = inventory::usage_per_item(tx, org, branch, span).await?;
    let services = inventory::usage_per_service(tx, org, branch, span).await?;
    Ok(UsageReport {
        from: from.to_string(),
        until: until.to_string(),
        title: format!("From {} to {}", from.format("%-d %b %Y"), until.format("%-d %b %Y")),
        currency,
        items,
        services,
    })
}

pub fn routes() -> Routes {
    Routes::new().add(Method::GET, "/app/stock/usage.csv", csv)
}

#[derive(Deserialize)]
struct CsvQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
    /// `item` (the default) or `service`.
    #[serde(default)]
    by: String,
}

/// `GET /app/stock/usage.csv?from=&until=&by=item|service`: the report as a download.
async fn csv(Staff(ctx): Staff, Query(query): Query<CsvQuery>) -> Response {
    match write_csv(&ctx, &query).await {
        Ok((name, csv)) => super::documents::csv_download(&name, csv),
        Err(err) => err.into_response(),
    }
}

async fn write_csv(ctx: &RequestContext, query: &CsvQuery) -> Result<(String, String), AppError> {
    let by_service = match query.by.as_str() {
        "" | "item" => false,
        "service" => true,
        _ => return Err(AppError::BadRequest("`by` is item or service.".into())),
    };
    let report = report(ctx, &query.from, &query.until).await?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let failed = |e: csv::Error| internal("writing csv", e);
    if by_service {
        writer
            .write_record(["Service", "Visits", "Item", "Unit", "Used"])
            .map_err(failed)?;
        for u in &report.services {
            let (visits, used) = (u.visits.to_string(), u.used.to_string());
            writer
                .write_record([u.service.as_str(), &visits, &u.item, &u.unit, &used])
                .map_err(failed)?;
        }
    } else {
        let cost = format!("Cost at today's price ({})", report.currency);
        writer
            .write_record(["Item", "SKU", "Unit", "Used", cost.as_str()])
            .map_err(failed)?;
        for u in &report.items {
            let (used, cost) = (u.used.to_string(), amount_input(u.cost_minor, &report.currency));
            writer
                .write_record([u.item.as_str(), &u.sku, &u.unit, &used, &cost])
                .map_err(failed)?;
        }
    }
    let bytes = writer.into_inner().map_err(|e| internal("writing csv", e))?;
    let csv = String::from_utf8(bytes).map_err(|e| internal("csv text", e))?;
    let name = format!(
        "stock-usage-by-{}-{}-to-{}.csv",
        if by_service { "service" } else { "item" },
        report.from,
        report.until
    );
    Ok((name, csv))
}
