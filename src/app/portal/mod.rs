//! The patients' online booking portal: `/book/{org}` → branch → service → a time →
//! their details → booked, and `/manage/{token}` to cancel or move it. No one signs in;
//! every page renders on the server and every step is a link or a form that posts, so
//! the portal works the same with JavaScript off. Built for a phone first.

mod form;
mod manage;
mod slots;

pub use form::{OpenPatientForm, PatientFormPage};
pub use manage::{CancelBooking, ManageBooking, ManagePage, MoveBooking, MoveOptions, MovePage};
pub use slots::{AvailableTimes, BookOnline, BookingSummary, ConfirmPage, SlotsPage};

use crate::components::loaded::loaded_or;
use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use uuid::Uuid;

use crate::{
    components::{
        error::ErrorPanel,
        url::{encode, param},
    },
    domain::{
        portal::{dotted, parse_instant, PortalBranchPage, PortalOrg},
        AppError,
    },
};

#[server]
pub async fn portal_home(slug: String) -> Result<PortalOrg, AppError> {
    use crate::server::{auth::context::app_state, portal};
    portal::organization(&app_state()?, &slug).await
}

#[server]
pub async fn portal_services(slug: String, branch: Uuid) -> Result<PortalBranchPage, AppError> {
    use crate::server::{auth::context::app_state, portal};
    portal::services(&app_state()?, &slug, branch).await
}

/// A path parameter of the current page.
fn parse_uuid(text: &str) -> Option<Uuid> {
    Uuid::parse_str(text.trim()).ok()
}

fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

/// An instant as it travels in a link: `2026-11-30T09:30:00Z`.
fn instant_param(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The frame of every portal page: the clinic's name and the page.
#[component]
fn PortalFrame(#[prop(into)] org: String, #[prop(into)] home: String, children: Children) -> impl IntoView {
    view! {
        <div class="portal">
            <header class="portal__top">
                <a class="portal__org" href=home>{org}</a>
                <span class="portal__by">"Online booking"</span>
            </header>
            <main class="portal__main" id="main">{children()}</main>
        </div>
    }
}

/// Where the patient is in the booking, for sighted and screen-reader users alike.
#[component]
fn Steps(current: usize) -> impl IntoView {
    const STEPS: [&str; 4] = ["Place", "Treatment", "Time", "Your details"];
    view! {
        <ol class="steps" aria-label="Booking steps">
            {STEPS.iter().enumerate().map(|(i, label)| {
                let state = match i.cmp(&current) {
                    std::cmp::Ordering::Less => "steps__item steps__item--done",
                    std::cmp::Ordering::Equal => "steps__item steps__item--current",
                    std::cmp::Ordering::Greater => "steps__item",
                };
                view! {
                    <li class=state aria-current=(i == current).then_some("step")>
                        <span class="visually-hidden">{format!("Step {} of 4: ", i + 1)}</span>{*label}
                    </li>
                }
            }).collect_view()}
        </ol>
    }
}

/// A portal page that failed, in the portal's frame: what happened and where to start
/// again.
#[component]
fn PortalError(error: AppError, #[prop(into)] restart: Option<String>) -> impl IntoView {
    view! {
        <div class="portal">
            <main class="portal__main" id="main">
                <ErrorPanel error restart/>
            </main>
        </div>
    }
}

/// `/book/{org}`: the clinic's branches.
#[component]
pub fn PortalHomePage() -> impl IntoView {
    let slug = param("slug");
    let org = Resource::new(slug, portal_home);
    view! {
        {loaded_or(org, "Loading…", move |error| view! { <PortalError error restart=None/> }.into_any(), move |org| {
                let home = format!("/book/{}", org.slug);
                let slug = org.slug.clone();
                view! {
                    <Title text=format!("Book at {}", org.name)/>
                    <PortalFrame org=org.name.clone() home>
                        <Steps current=0/>
                        <h1>"Where would you like to be seen?"</h1>
                        <ul class="choices">
                            {org.branches.into_iter().map(|b| view! {
                                <li>
                                    <a class="choice" href=format!("/book/{slug}/{}", b.id)>
                                        <span class="choice__title">{b.name}</span>
                                        <span class="choice__detail">{b.address}</span>
                                    </a>
                                </li>
                            }).collect_view()}
                        </ul>
                    </PortalFrame>
                }
                .into_any()
        })}
    }
}

/// `/book/{org}/{branch}`: what one can book there.
#[component]
pub fn PortalServicesPage() -> impl IntoView {
    let (slug, branch) = (param("slug"), param("branch"));
    let data = Resource::new(
        move || (slug(), branch()),
        |(slug, branch)| async move {
            match parse_uuid(&branch) {
                Some(branch) => portal_services(slug, branch).await,
                None => Err(AppError::NotFound(
                    "This booking page does not exist. Check the address with your clinic.".into(),
                )),
            }
        },
    );
    view! {
        {loaded_or(data, "Loading…", move |error| view! { <PortalError error restart=Some(format!("/book/{}", slug()))/> }.into_any(), move |PortalBranchPage { org, branch, services }| {
                let home = format!("/book/{}", org.slug);
                let base = format!("/book/{}/{}", org.slug, branch.id);
                view! {
                    <Title text=format!("Book at {}", branch.name)/>
                    <PortalFrame org=org.name.clone() home=home.clone()>
                        <Steps current=1/>
                        <p class="portal__back"><a href=home>"← Another place"</a></p>
                        <h1>"What would you like to book?"</h1>
                        <p class="portal__where">{dotted([branch.name.as_str(), &branch.address, &branch.phone])}</p>
                        {if services.is_empty() {
                            view! { <p>"Nothing can be booked online here at the moment. Please call the clinic."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="choices">
                                    {services.into_iter().map(|s| view! {
                                        <li>
                                            <a class="choice" href=format!("{base}/{}", s.id)>
                                                <span class="choice__title">{s.name}</span>
                                                <span class="choice__detail">{format!("{} minutes · {}", s.minutes, s.price)}</span>
                                            </a>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    </PortalFrame>
                }
                .into_any()
        })}
    }
}
