//! No script, no download: the links with which a page preloads its JavaScript and WASM
//! (leptos writes them: the main module's in `HydrationScripts`, each lazy page's chunks
//! after rendering) are followed only by browsers that run scripts. A browser with
//! JavaScript off would otherwise fetch megabytes it cannot use; one with JavaScript on
//! fetches the same files at the same moment as before.
//!
//! Done with the `scripting` media feature: a preload whose `media` does not match is
//! not fetched (Chromium and Firefox since 2023, Safari since 17).

use axum::{
    body::{Body, Bytes},
    extract::Request,
    http::{header, HeaderValue},
    middleware::Next,
    response::Response,
};

const LINK: &str = "<link ";
const HEAD_END: &[u8] = b"</head>";

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
    // Only the head is read and rewritten; the rest (megabytes, for a busy calendar
    // week) goes out as it came, neither checked nor copied.
    let (head, rest) = mark(bytes);
    let length = head.len() + rest.len();
    if let Ok(length) = HeaderValue::from_str(&length.to_string()) {
        parts.headers.insert(header::CONTENT_LENGTH, length);
    }
    let pieces = [head, rest].map(Ok::<_, std::convert::Infallible>);
    Response::from_parts(parts, Body::from_stream(futures_util::stream::iter(pieces)))
}

/// The page's head with `media="(scripting: enabled)"` on each code preload (the main
/// module's, written by `HydrationScripts`, and each lazy page's chunks, written by
/// leptos_meta with its attributes in another order and without `crossorigin`), and
/// the rest of the page as it was.
fn mark(page: Bytes) -> (Bytes, Bytes) {
    let end = page.windows(HEAD_END.len()).position(|w| w == HEAD_END).unwrap_or(0);
    let Ok(head) = std::str::from_utf8(&page[..end]) else {
        return (Bytes::new(), page);
    };
    let mut marked = String::with_capacity(head.len() + 4096);
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
    (Bytes::from(marked), page.slice(end..))
}

/// Whether a `<link ...>` tag preloads a script or a WASM file.
fn preloads_code(tag: &str) -> bool {
    let has = |attribute: &str| tag.contains(attribute);
    has(r#"rel="modulepreload""#) || (has(r#"rel="preload""#) && (has(r#"as="fetch""#) || has(r#"as="script""#)))
}

#[cfg(test)]
mod tests {
    use axum::body::Bytes;

    /// The whole page after marking.
    fn mark(page: &'static str) -> String {
        let (head, rest) = super::mark(Bytes::from_static(page.as_bytes()));
        String::from_utf8([head, rest].concat()).unwrap()
    }

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
