//! No script, no download: the links with which a page preloads its JavaScript and WASM
//! (leptos writes them: the main module's in `HydrationScripts`, each lazy page's chunks
//! after rendering) are followed only by browsers that run scripts. A browser with
//! JavaScript off would otherwise fetch megabytes it cannot use; one with JavaScript on
//! fetches the same files at the same moment as before.
//!
//! Done with the `scripting` media feature: a preload whose `media` does not match is
//! not fetched (Chromium and Firefox since 2023, Safari since 17).

use axum::{
    body::Body,
    extract::Request,
    http::{header, HeaderValue},
    middleware::Next,
    response::Response,
};

const LINK: &str = "<link ";

/// Marks every preload of code in an HTML page as for scripting browsers only.
pub async fn only_when_scripting(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    if !is_html {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // Pages render completely before their first byte (SsrMode::Async), so reading the
    // whole body here delays nothing.
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let page = String::from_utf8_lossy(&bytes);
    let marked = mark(&page);
    parts.headers.remove(header::CONTENT_LENGTH);
    if let Ok(length) = HeaderValue::from_str(&marked.len().to_string()) {
        parts.headers.insert(header::CONTENT_LENGTH, length);
    }
    Response::from_parts(parts, Body::from(marked))
}

/// The page with `media="(scripting: enabled)"` on each code preload in its head (the
/// main module's, written by `HydrationScripts`, and each lazy page's chunks, written by
/// leptos_meta with its attributes in another order and without `crossorigin`).
fn mark(page: &str) -> String {
    let head_end = page.find("</head>").unwrap_or(0);
    let (head, rest) = page.split_at(head_end);
    let mut marked = String::with_capacity(page.len() + 4096);
    for piece in head.split_inclusive('>') {
        match piece.find(LINK) {
            Some(start) if preloads_code(&piece[start..]) => {
                let tag = &piece[start + LINK.len()..];
                marked.push_str(&piece[..start]);
                marked.push_str(r#"<link media="(scripting: enabled)" "#);
                // The chunk loader's fetch() asks in CORS mode: a fetch preload without
                // `crossorigin` is another request, which it would not use but repeat.
                if tag.contains(r#"as="fetch""#) && !tag.contains("crossorigin") {
                    marked.push_str(r#"crossorigin="" "#);
                }
                marked.push_str(tag);
            }
            _ => marked.push_str(piece),
        }
    }
    marked + rest
}

/// Whether a `<link ...>` tag preloads a script or a WASM file.
fn preloads_code(tag: &str) -> bool {
    let has = |attribute: &str| tag.contains(attribute);
    has(r#"rel="modulepreload""#) || (has(r#"rel="preload""#) && (has(r#"as="fetch""#) || has(r#"as="script""#)))
}

#[cfg(test)]
mod tests {
    use super::mark;

    #[test]
    fn code_preloads_in_the_head_are_for_scripting_browsers_only() {
        let page = concat!(
            r#"<html><head><link rel="modulepreload" href="/pkg/a.js">"#,
            r#"<link rel="preload" href="/pkg/a.wasm" as="fetch" type="application/wasm" crossorigin="">"#,
            r#"<link rel="stylesheet" href="/pkg/a.css">"#,
            r#"<link as="fetch" href="/pkg/chunk_1.wasm" rel="preload" type="application/wasm">"#,
            r#"<link rel="preload" href="/pkg/a.woff2" as="font"></head>"#,
            r#"<body><p>&lt;link rel="preload" </p></body></html>"#,
        );
        assert_eq!(
            mark(page),
            concat!(
                r#"<html><head><link media="(scripting: enabled)" rel="modulepreload" href="/pkg/a.js">"#,
                r#"<link media="(scripting: enabled)" rel="preload" href="/pkg/a.wasm" as="fetch" type="application/wasm" crossorigin="">"#,
                r#"<link rel="stylesheet" href="/pkg/a.css">"#,
                r#"<link media="(scripting: enabled)" crossorigin="" as="fetch" href="/pkg/chunk_1.wasm" rel="preload" type="application/wasm">"#,
                r#"<link rel="preload" href="/pkg/a.woff2" as="font"></head>"#,
                r#"<body><p>&lt;link rel="preload" </p></body></html>"#,
            )
        );
    }

    #[test]
    fn a_page_without_a_head_is_left_alone() {
        assert_eq!(
            mark(r#"<p><link rel="preload" href="x"></p>"#),
            r#"<p><link rel="preload" href="x"></p>"#
        );
    }
}
