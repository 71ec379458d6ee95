//! Test helper: an `oidc_core::HttpClient` over reqwest, plain HTTP to 127.0.0.1 only.

#![allow(dead_code, unreachable_pub, reason = "shared by several test binaries")]

use std::time::Duration;

use oidc_core::{HttpClient, HttpError, HttpErrorKind, HttpFuture, HttpRequest};

/// reqwest without TLS, redirects off, 10 s timeout: every wait is bounded.
#[derive(Clone)]
pub struct Reqwest(reqwest::Client);

impl Reqwest {
    pub fn new() -> Self {
        // Built with the workspace, reqwest has rustls without a default provider (oidc-reqwest
        // passes its own): install ring as the process default, as an application would.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let c = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .no_proxy()
            .build()
            .expect("reqwest client");
        Self(c)
    }
}

impl HttpClient for Reqwest {
    fn execute(&self, request: HttpRequest) -> HttpFuture<'_> {
        Box::pin(async move {
            let url = request.uri().to_string();
            assert!(
                url.starts_with("http://127.0.0.1:"),
                "tests talk only to 127.0.0.1, not {url}"
            );
            let req = reqwest::Request::try_from(request)
                .map_err(|e| HttpError::new(HttpErrorKind::InvalidRequest).with_source(e))?;
            let resp = self.0.execute(req).await.map_err(|e| {
                let kind = if e.is_timeout() {
                    HttpErrorKind::Timeout
                } else if e.is_connect() {
                    HttpErrorKind::Connect
                } else {
                    HttpErrorKind::Other
                };
                HttpError::new(kind).with_url(&url).with_source(e)
            })?;
            let mut b = http::Response::builder().status(resp.status());
            for (k, v) in resp.headers() {
                b = b.header(k, v);
            }
            let body = resp
                .bytes()
                .await
                .map_err(|e| HttpError::new(HttpErrorKind::Other).with_source(e))?;
            b.body(body.to_vec())
                .map_err(|e| HttpError::new(HttpErrorKind::Other).with_source(e))
        })
    }
}
