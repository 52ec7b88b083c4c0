//! The patient routes outside server functions: the CSV export (a download) and the
//! import upload (a multipart form post that works without JavaScript).

use axum::{
    extract::{DefaultBodyLimit, Multipart},
    http::Method,
    response::{IntoResponse, Redirect, Response},
    routing::post,
};

use crate::{
    domain::AppError,
    server::{auth::context::Staff, routing::Routes},
};

/// The largest CSV an import takes.
const UPLOAD_LIMIT: usize = 5 * 1024 * 1024;

pub fn routes() -> Routes {
    Routes::new()
        .add(Method::GET, "/app/patients/export.csv", export)
        .add_router(
            Method::POST,
            "/app/patients/import/upload",
            post(upload).layer(DefaultBodyLimit::max(UPLOAD_LIMIT + 1024 * 1024)),
        )
}

/// `GET /app/patients/export.csv`: every patient of the organization as a download, for
/// a signed-in user whose role may export (the export is audited).
async fn export(Staff(ctx): Staff) -> Response {
    match super::export_csv(&ctx).await {
        Ok(csv) => crate::server::documents::csv_download("patients.csv", csv),
        Err(err) => err.into_response(),
    }
}

/// `POST /app/patients/import/upload`: answers with a redirect to the preview, or back to
/// the form with `?problem=` saying what is wrong with the file.
async fn upload(Staff(ctx): Staff, mut form: Multipart) -> Response {
    let back = |message: &str| {
        let message: String = form_urlencoded::byte_serialize(message.as_bytes()).collect();
        Redirect::to(&format!("/app/patients/import?problem={message}")).into_response()
    };
    let mut bytes = Vec::new();
    loop {
        match form.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => match field.bytes().await {
                Ok(data) => bytes.extend_from_slice(&data),
                Err(_) => return back("The file could not be read; try uploading it again."),
            },
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(_) => return back("The file could not be read; try uploading it again."),
        }
        if bytes.len() > UPLOAD_LIMIT {
            return back("The file is larger than 5 MB; split it into smaller files.");
        }
    }
    let Ok(text) = String::from_utf8(bytes) else {
        return back("The file is not UTF-8 text; save it from your spreadsheet as \"CSV UTF-8\".");
    };
    match super::preview_import(&ctx, text.trim_start_matches('\u{feff}')).await {
        Ok(preview) => Redirect::to(&format!("/app/patients/import/{}", preview.id)).into_response(),
        Err(AppError::Validation(errors)) => back(errors.first().map_or("The file could not be read.", |e| &e.message)),
        Err(err) => err.into_response(),
    }
}
