//! `/app/patients/import`: upload a CSV, see every row and its problems, then import.

use crate::components::loaded::loaded_with;
use crate::components::url::id_param;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};
use uuid::Uuid;

use crate::{
    components::{
        form::{action_error, FormAlert, SubmitButton},
        table::{columns, DataTable},
    },
    domain::{
        patient::{ImportPreview, IMPORT_COLUMNS},
        AppError,
    },
};

#[server]
pub async fn get_import(id: Uuid) -> Result<ImportPreview, AppError> {
    use crate::server::{auth::context::RequestContext, patients};
    patients::import_preview(&RequestContext::load().await?, id).await
}

#[server]
pub async fn run_import(id: Uuid) -> Result<usize, AppError> {
    use crate::server::{auth::context::RequestContext, patients};
    patients::run_import(&RequestContext::load().await?, id).await
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let query = use_query_map();
    let problem = move || query.read().get("problem");
    view! {
        <Title text="Import patients"/>
        <p><A href="/app/patients">"← Patients"</A></p>
        <h1>"Import patients"</h1>
        <p>"Upload a CSV file whose first line names the columns. "
            <code>"full_name"</code>" is required; the others are optional: " {IMPORT_COLUMNS[1..].join(", ")} "."</p>
        <p class="field__hint">"You will see every row and its problems before anything is imported."</p>
        {move || problem().map(|p| view! { <div class="form-alert" role="alert"><p class="form-alert__text">{p}</p></div> })}
        // A plain form: file uploads go as multipart, with or without JavaScript.
        <form class="form panel" method="post" enctype="multipart/form-data" action="/app/patients/import/upload">
            <div class="field">
                <label class="field__label" for="import-file">"CSV file"</label>
                <input class="field__input" id="import-file" type="file" name="file" accept=".csv,text/csv" required=true/>
            </div>
            <button class="button button--primary" type="submit">"Preview"</button>
        </form>
    }
}

#[component]
pub fn ImportPreviewPage() -> impl IntoView {
    let id = id_param("id");
    let run = ServerAction::<RunImport>::new();
    let preview = Resource::new(
        move || (id(), run.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_import(id).await,
                None => Err(AppError::not_found("That import")),
            }
        },
    );
    let error = action_error(run);
    view! {
        <Title text="Import preview"/>
        <p><A href="/app/patients/import">"← Import another file"</A></p>
        <h1>"Import preview"</h1>
        {loaded_with(preview, "Reading the file…", move |preview| {
                view! {
                    <p data-testid="import-summary">{format!("{} rows can be imported; {} have problems and will be skipped.", preview.valid, preview.invalid)}</p>
                    <FormAlert error/>
                    {if preview.imported {
                        view! { <p class="notice" role="status" data-testid="import-done">"Imported. " <A href="/app/patients">"See the patients"</A></p> }.into_any()
                    } else {
                        view! {
                            <ActionForm action=run>
                                <input type="hidden" name="id" value=preview.id.to_string()/>
                                <SubmitButton label=format!("Import {} patients", preview.valid) pending_label="Importing…" pending=run.pending()/>
                            </ActionForm>
                        }.into_any()
                    }}
                    <DataTable
                        label="Rows of the file"
                        columns=columns(["Line", "Name", "Phone", "Email", "Problems"])
                        rows=preview.rows
                        empty="The file has no rows below its header."
                        row=|r| view! {
                            <tr data-testid="import-row" class:row--problem=!r.problems.is_empty()>
                                <td>{r.line}</td><td>{r.full_name}</td><td>{r.phone}</td><td>{r.email}</td>
                                <td>{if r.problems.is_empty() { "—".to_owned() } else { r.problems.join("; ") }}</td>
                            </tr>
                        }
                    />
                }
                .into_any()
        })}
    }
}
