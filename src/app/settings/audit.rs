//! `/app/settings/audit`: the audit log, filtered and paged. The filters are a plain
//! GET form, so the page works the same with and without JavaScript.

use crate::components::loaded::loaded;
use crate::components::url::encode;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::use_query_map,
};

use crate::{
    components::{
        form::{Choice, DateField, SelectField},
        table::{columns, DataTable, PageLink, Pager},
    },
    domain::{
        audit::{action_label, AuditPage as Page, AuditQuery, AUDIT_ACTIONS},
        AppError,
    },
};

/// One page of the log. Dates are days (`YYYY-MM-DD`) in the caller's branch time zone.
#[server]
pub async fn get_audit_log(#[server(flatten)] query: AuditQuery) -> Result<Page, AppError> {
    use crate::server::{account, auth::context::RequestContext};
    account::audit_log(&RequestContext::load().await?, &query).await
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).filter(|v| !v.is_empty());
    let page = Resource::new(
        move || AuditQuery {
            action: param("action").unwrap_or_default(),
            actor: param("actor").unwrap_or_default(),
            from: param("from").unwrap_or_default(),
            until: param("until").unwrap_or_default(),
            before: param("before").unwrap_or_default(),
        },
        get_audit_log,
    );

    view! {
        <Title text="Audit log"/>
        <p><A href="/app/settings">"← Settings"</A></p>
        <h1>"Audit log"</h1>
        {loaded(page, move |page| {
                    let chosen_action = param("action").unwrap_or_default();
                    let chosen_actor = param("actor").unwrap_or_default();
                    let mut links = Vec::new();
                    if param("before").is_some() {
                        links.push(PageLink { text: "Newest", href: "/app/settings/audit".into() });
                    }
                    if let Some(before) = page.next_before {
                        let mut href = format!("/app/settings/audit?before={before}");
                        for key in ["action", "actor", "from", "until"] {
                            if let Some(value) = param(key) {
                                let value = encode(&value);
                                href.push_str(&format!("&{key}={value}"));
                            }
                        }
                        links.push(PageLink { text: "Older entries", href });
                    }
                    let actions = AUDIT_ACTIONS.iter().map(|(key, label)| Choice::new(key, *label)).collect();
                    let actors = page.actors.iter().map(|a| Choice::new(a.id, a.name.clone())).collect();
                    view! {
                        <Form method="GET" action="/app/settings/audit" attr:class="filters">
                            <SelectField label="What" name="action" id="filter-action" options=actions selected=chosen_action empty="Everything"/>
                            <SelectField label="Who" name="actor" id="filter-actor" options=actors selected=chosen_actor empty="Anyone"/>
                            <DateField label="From" name="from" id="filter-from" value=param("from").unwrap_or_default()/>
                            <DateField label="Until" name="until" id="filter-until" value=param("until").unwrap_or_default()/>
                            <button class="button" type="submit">"Filter"</button>
                        </Form>
                        <DataTable
                            label="Audit entries"
                            columns=columns(["When", "Who", "What", "Where", "Changes", "Address"])
                            rows=page.records
                            empty="Nothing matches these filters."
                            pager=Pager { label: "Audit log pages", links }
                            row=|r| view! {
                                <tr data-testid="audit-row">
                                    <td>{r.at_local}</td>
                                    <td>{r.actor_name.unwrap_or_else(|| "—".into())}</td>
                                    <td>{action_label(&r.action).to_owned()}</td>
                                    <td>{r.branch_name.unwrap_or_default()}</td>
                                    <td class="table__wrap">{r.changes}</td>
                                    <td>{r.ip.unwrap_or_default()}</td>
                                </tr>
                            }
                        />
                    }.into_any()
        })}
    }
}
