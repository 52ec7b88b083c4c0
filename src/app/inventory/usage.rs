//! The stock page's usage section: what the branch used over a period, per item (with a
//! bar for each) and per service, and both as CSV.

use leptos::prelude::*;

use crate::{
    components::{
        form::{field_error, FormAlert, TextField},
        url::encode,
    },
    domain::{money::format_minor, stock_use::UsageReport, AppError},
};

/// The usage section, from the stock page's load; `from` and `until` as the page's
/// address gave them, for the form when they could not be read.
#[component]
pub fn StockUsage(usage: Result<UsageReport, AppError>, from: String, until: String) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="usage-title">
            <h2 id="usage-title">"Usage"</h2>
            {match usage {
                Ok(report) => view! { <Report report/> }.into_any(),
                Err(error) => {
                    let error = Signal::stored(Some(error));
                    view! { <FormAlert error/><PeriodForm from until error/> }.into_any()
                }
            }}
        </section>
    }
}

#[component]
fn PeriodForm(from: String, until: String, #[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    view! {
        <form method="get" action="/app/stock" class="form form--inline usage__period">
            <TextField label="From" name="from" id="usage-from" kind="date" value=from error=field_error(error, "from")/>
            <TextField label="Until" name="until" id="usage-until" kind="date" value=until error=field_error(error, "until")/>
            <button class="button" type="submit">"Show"</button>
        </form>
    }
}

#[component]
fn Report(report: UsageReport) -> impl IntoView {
    let (from, until) = (report.from.clone(), report.until.clone());
    let csv = |by: &str| {
        format!(
            "/app/stock/usage.csv?from={}&until={}&by={by}",
            encode(&from),
            encode(&until)
        )
    };
    let currency = report.currency.clone();
    let most = report.items.iter().map(|u| u.used).max().unwrap_or(0).max(1);
    let items = report
        .items
        .iter()
        .map(|u| {
            let width = format!("width: {}%", u.used.max(0) * 100 / most);
            view! {
                <tr data-testid="usage-item">
                    <th scope="row">{u.item.clone()}</th>
                    <td class="number">{format!("{} {}", u.used, u.unit)}</td>
                    <td class="number">{format_minor(u.cost_minor, &currency)}</td>
                    <td class="table__bar" aria-hidden="true"><span style=width></span></td>
                </tr>
            }
        })
        .collect_view();
    let services = report
        .services
        .iter()
        .map(|u| {
            view! {
                <tr data-testid="usage-service">
                    <th scope="row">{u.service.clone()}</th>
                    <td class="number">{u.visits}</td>
                    <td>{u.item.clone()}</td>
                    <td class="number">{format!("{} {}", u.used, u.unit)}</td>
                </tr>
            }
        })
        .collect_view();
    let title = report.title.clone();
    view! {
        <PeriodForm from=from.clone() until=until.clone() error=Signal::stored(None)/>
        <h3>{title}</h3>
        {if report.items.is_empty() {
            view! { <p class="table__empty">"Nothing was used or sold in this period."</p> }.into_any()
        } else {
            view! {
                <table class="table" data-testid="usage-items">
                    <caption class="visually-hidden">"Used per item"</caption>
                    <thead><tr>
                        <th scope="col">"Item"</th><th scope="col" class="number">"Used"</th>
                        <th scope="col" class="number">"Cost at today's price"</th><th scope="col"><span class="visually-hidden">"Share"</span></th>
                    </tr></thead>
                    <tbody>{items}</tbody>
                </table>
                <h3>"Per service"</h3>
                <table class="table" data-testid="usage-services">
                    <thead><tr>
                        <th scope="col">"Service"</th><th scope="col" class="number">"Visits"</th>
                        <th scope="col">"Item"</th><th scope="col" class="number">"Used"</th>
                    </tr></thead>
                    <tbody>{services}</tbody>
                </table>
            }.into_any()
        }}
        <p>
            <a href=csv("item") download>"Download per item (CSV)"</a>
            " · "
            <a href=csv("service") download>"Download per service (CSV)"</a>
        </p>
    }
}
