//! A router that remembers what it routes. Axum cannot list a router's routes, and the
//! security tests must find every route the app serves (not a hand-kept list), so every
//! route outside the server functions and the pages is added through [`Routes`].

use axum::{
    handler::Handler,
    http::Method,
    routing::{on, MethodFilter, MethodRouter},
    Router,
};

use super::AppState;

#[derive(Default)]
pub struct Routes {
    router: Router<AppState>,
    listed: Vec<(Method, &'static str)>,
}

impl Routes {
    pub fn new() -> Self {
        Self::default()
    }

    /// Routes `method path` to `handler`.
    pub fn add<H, T>(self, method: Method, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let filter = MethodFilter::try_from(method.clone()).expect("a method axum can route");
        self.add_router(method, path, on(filter, handler))
    }

    /// Routes `method path` to a method router built by the caller (to add a layer).
    pub fn add_router(mut self, method: Method, path: &'static str, route: MethodRouter<AppState>) -> Self {
        self.router = self.router.route(path, route);
        self.listed.push((method, path));
        self
    }

    /// Answers a method none of the routes added so far takes (axum keeps the `Allow`
    /// header listing those they do).
    pub fn method_not_allowed<H, T>(mut self, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.method_not_allowed_fallback(handler);
        self
    }

    pub fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.listed.extend(other.listed);
        self
    }

    /// Every `(method, path)` routed, in the order they were added.
    pub fn listed(&self) -> &[(Method, &'static str)] {
        &self.listed
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}
