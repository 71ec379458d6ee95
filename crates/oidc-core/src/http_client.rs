//! The HTTP seam: every network exchange of the library goes through [`HttpClient`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// An HTTP request with its whole body in memory.
pub type HttpRequest = http::Request<Vec<u8>>;
/// An HTTP response with its whole body in memory.
pub type HttpResponse = http::Response<Vec<u8>>;
/// The future an [`HttpClient`] returns.
pub type HttpFuture<'a> =
    Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'a>>;

/// Sends one HTTP request and returns the response, whatever its status.
///
/// The default implementation lives in `oidc-reqwest`. Any closure
/// `Fn(HttpRequest) -> impl Future<Output = Result<HttpResponse, HttpError>>` is an
/// `HttpClient` too, so a test can assert on the exact request:
///
/// ```
/// use oidc_core::{HttpClient, HttpError, HttpRequest, HttpResponse};
///
/// let client = |req: HttpRequest| async move {
///     assert_eq!(req.uri(), "https://op.example/.well-known/openid-configuration");
///     Ok::<_, HttpError>(HttpResponse::new(b"{}".to_vec()))
/// };
/// fn takes_client(_: &dyn HttpClient) {}
/// takes_client(&client);
/// ```
pub trait HttpClient: Send + Sync {
    /// Sends `request`. Non-2xx statuses are responses, not errors; an `Err` means no
    /// response was received (or it broke a limit of the transport).
    fn execute(&self, request: HttpRequest) -> HttpFuture<'_>;
}

impl<F, Fut> HttpClient for F
where
    F: Fn(HttpRequest) -> Fut + Send + Sync,
    Fut: Future<Output = Result<HttpResponse, HttpError>> + Send + 'static,
{
    fn execute(&self, request: HttpRequest) -> HttpFuture<'_> {
        Box::pin(self(request))
    }
}

impl<T: HttpClient + ?Sized> HttpClient for Arc<T> {
    fn execute(&self, request: HttpRequest) -> HttpFuture<'_> {
        (**self).execute(request)
    }
}

/// What kind of transport failure an [`HttpError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HttpErrorKind {
    /// The connection could not be established (refused, DNS, unreachable).
    Connect,
    /// The request timed out (connect or overall).
    Timeout,
    /// TLS failed: unknown CA, bad certificate, pin mismatch, handshake.
    Tls,
    /// The response body exceeded the configured size limit.
    TooLarge,
    /// A redirect was refused or the redirect limit was reached.
    Redirect,
    /// The proxy refused or failed the request.
    Proxy,
    /// The request itself was invalid (bad URL, unsupported scheme).
    InvalidRequest,
    /// The exchange was cancelled.
    Cancelled,
    /// Anything else the transport reported.
    Other,
}

/// A transport failure: no (acceptable) response was received.
#[derive(Debug)]
pub struct HttpError {
    kind: HttpErrorKind,
    url: Option<String>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl HttpError {
    /// A new error of `kind`.
    pub fn new(kind: HttpErrorKind) -> Self {
        Self {
            kind,
            url: None,
            source: None,
        }
    }

    /// Attaches the URL (its query is dropped, since it may hold secrets).
    #[must_use]
    pub fn with_url(mut self, url: &str) -> Self {
        let cut = url.find(['?', '#']).unwrap_or(url.len());
        self.url = Some(url[..cut].to_owned());
        self
    }

    /// Attaches the underlying cause.
    #[must_use]
    pub fn with_source(
        mut self,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        self.source = Some(source.into());
        self
    }

    /// The kind of failure.
    pub fn kind(&self) -> HttpErrorKind {
        self.kind
    }

    /// The URL of the request, without its query.
    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }

    /// Whether the failure was a timeout.
    pub fn is_timeout(&self) -> bool {
        self.kind == HttpErrorKind::Timeout
    }
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.kind {
            HttpErrorKind::Connect => "could not connect",
            HttpErrorKind::Timeout => "timed out",
            HttpErrorKind::Tls => "TLS failure",
            HttpErrorKind::TooLarge => "response body exceeds the size limit",
            HttpErrorKind::Redirect => "redirect refused",
            HttpErrorKind::Proxy => "proxy failure",
            HttpErrorKind::InvalidRequest => "invalid request",
            HttpErrorKind::Cancelled => "cancelled",
            HttpErrorKind::Other => "HTTP transport failure",
        };
        f.write_str(what)?;
        if let Some(url) = &self.url {
            write!(f, " ({url})")?;
        }
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl std::error::Error for HttpError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|s| &**s as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_query_is_dropped() {
        let e = HttpError::new(HttpErrorKind::Timeout).with_url("https://op/token?code=secret#x");
        assert_eq!(e.url(), Some("https://op/token"));
        assert!(!e.to_string().contains("secret"));
        assert!(e.is_timeout());
    }
}
