//! A table of records: its header, a row per record, what it says when there is none,
//! and the links to the other pages of a long list.

use leptos::prelude::*;
use leptos_router::components::A;

/// A column's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    label: &'static str,
    hidden: bool,
}

impl Column {
    pub const fn new(label: &'static str) -> Self {
        Self { label, hidden: false }
    }

    /// A header only screen readers hear (over a column of buttons).
    pub const fn hidden(label: &'static str) -> Self {
        Self { label, hidden: true }
    }
}

impl From<&'static str> for Column {
    fn from(label: &'static str) -> Self {
        Self::new(label)
    }
}

/// Columns with visible headers, in order.
pub fn columns<const N: usize>(labels: [&'static str; N]) -> Vec<Column> {
    labels.into_iter().map(Column::new).collect()
}

/// A link to another page of a list ("Next page").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageLink {
    pub text: &'static str,
    pub href: String,
}

/// The links under a paged list, in a navigation landmark named `label`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pager {
    pub label: &'static str,
    pub links: Vec<PageLink>,
}

/// `rows` under `columns`, each drawn by `row` (its `<tr>`). With `empty`, a list
/// without records says so instead of showing an empty table.
#[component]
pub fn DataTable<T, R, V>(
    columns: Vec<Column>,
    rows: Vec<T>,
    row: R,
    /// What the table lists, for screen readers ("Patients").
    #[prop(optional, into)]
    label: Option<String>,
    #[prop(optional, into)] empty: Option<String>,
    /// Tighter cells, for a table inside a form.
    #[prop(optional)]
    compact: bool,
    #[prop(optional)] pager: Option<Pager>,
) -> impl IntoView
where
    T: Send + 'static,
    R: Fn(T) -> V + Send + 'static,
    V: IntoView + 'static,
{
    let body = match empty {
        Some(text) if rows.is_empty() => view! { <p class="table__empty">{text}</p> }.into_any(),
        _ => view! {
            <table class="table" class:table--compact=compact aria-label=label>
                <thead>
                    <tr>
                        {columns
                            .into_iter()
                            .map(|c| {
                                if c.hidden {
                                    view! { <th scope="col"><span class="visually-hidden">{c.label}</span></th> }.into_any()
                                } else {
                                    view! { <th scope="col">{c.label}</th> }.into_any()
                                }
                            })
                            .collect_view()}
                    </tr>
                </thead>
                <tbody>{rows.into_iter().map(row).collect_view()}</tbody>
            </table>
        }
        .into_any(),
    };
    let pager = pager.filter(|p| !p.links.is_empty()).map(|p| {
        view! {
            <nav class="pager" aria-label=p.label>
                {p.links.into_iter().map(|l| view! { <A href=l.href>{l.text}</A> }).collect_view()}
            </nav>
        }
    });
    view! {
        {body}
        {pager}
    }
}
