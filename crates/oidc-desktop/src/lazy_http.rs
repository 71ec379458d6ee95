//! The default transport, built on the first request rather than with the client.
//!
//! Building it loads the platform's certificate store (hundreds of files on some systems).
//! A program that finds a valid stored token makes no request at all, so it should not pay
//! for that: `kubectl` runs its credential plugin for every command.

use std::sync::{Mutex, OnceLock};

use oidc_core::{HttpClient, HttpError, HttpErrorKind, HttpFuture, HttpRequest};
use oidc_reqwest::{ReqwestClient, ReqwestClientBuilder};

/// An [`HttpClient`] that builds its reqwest client on first use.
pub(crate) struct LazyHttp {
    builder: Mutex<Option<ReqwestClientBuilder>>,
    client: OnceLock<Result<ReqwestClient, String>>,
}

impl LazyHttp {
    pub(crate) fn new(builder: ReqwestClientBuilder) -> Self {
        Self {
            builder: Mutex::new(Some(builder)),
            client: OnceLock::new(),
        }
    }

    fn client(&self) -> &Result<ReqwestClient, String> {
        self.client.get_or_init(|| {
            let builder = self
                .builder
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take();
            match builder {
                Some(b) => b.build().map_err(|e| e.to_string()),
                // `get_or_init` runs this once; the builder is only ever taken here.
                None => Err("the HTTP client was already being built".to_owned()),
            }
        })
    }
}

/// The transport could not be built (a certificate file, a proxy URL, …).
#[derive(Debug)]
struct BuildFailed(String);

impl std::fmt::Display for BuildFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the HTTP client could not be built: {}", self.0)
    }
}

impl std::error::Error for BuildFailed {}

impl HttpClient for LazyHttp {
    fn execute(&self, request: HttpRequest) -> HttpFuture<'_> {
        match self.client() {
            Ok(c) => c.execute(request),
            Err(e) => {
                let e = HttpError::new(HttpErrorKind::Other)
                    .with_url(&request.uri().to_string())
                    .with_source(BuildFailed(e.clone()));
                Box::pin(async move { Err(e) })
            }
        }
    }
}
