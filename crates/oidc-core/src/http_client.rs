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

impl HttpError {
    /// The innermost cause: what actually went wrong (`Connection refused`, the TLS
    /// alert, …). The layers in between only repeat the URL and their own names.
    fn root_cause(&self) -> Option<&(dyn std::error::Error + 'static)> {
        let mut e: &(dyn std::error::Error + 'static) = &**self.source.as_ref()?;
        while let Some(inner) = e.source() {
            e = inner;
        }
        Some(e)
    }
}

/// One sentence: what failed, the URL once, the root cause last
/// (`could not connect to https://op/token: Connection refused (os error 111)`).
impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (what, joint) = match self.kind {
            HttpErrorKind::Connect => ("could not connect", "to"),
            HttpErrorKind::Timeout => ("timed out", "waiting for"),
            HttpErrorKind::Tls => ("TLS failure", "with"),
            HttpErrorKind::TooLarge => ("response body exceeds the size limit", "at"),
            HttpErrorKind::Redirect => ("redirect refused", "at"),
            HttpErrorKind::Proxy => ("proxy failure", "on the way to"),
            HttpErrorKind::InvalidRequest => ("invalid request", "to"),
            HttpErrorKind::Cancelled => ("cancelled", "request to"),
            HttpErrorKind::Other => ("HTTP transport failure", "with"),
        };
        f.write_str(what)?;
        if let Some(url) = &self.url {
            write!(f, " {joint} {url}")?;
        }
        if let Some(cause) = self.root_cause() {
            write!(f, ": {cause}")?;
        }
        Ok(())
    }
}

/// [`source`](std::error::Error::source) is the root cause (see [`HttpError`]'s
/// `Display`), so reports that walk the chain do not repeat the transport's layers.
impl std::error::Error for HttpError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.root_cause()
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

    /// A transport error as reqwest nests it: each layer names itself and repeats the URL.
    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<Layer>>, Option<std::io::Error>);

    impl std::fmt::Display for Layer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Layer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            match (&self.1, &self.2) {
                (Some(l), _) => Some(&**l),
                (None, Some(io)) => Some(io),
                (None, None) => None,
            }
        }
    }

    #[test]
    fn one_sentence_with_the_url_once_and_the_root_cause_last() {
        let refused =
            std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "Connection refused");
        let nested = Layer(
            "error sending request for url (http://127.0.0.1:1/x)",
            Some(Box::new(Layer(
                "client error (Connect)",
                Some(Box::new(Layer("tcp connect error", None, Some(refused)))),
                None,
            ))),
            None,
        );
        let e = HttpError::new(HttpErrorKind::Connect)
            .with_url("http://127.0.0.1:1/x?code=c")
            .with_source(nested);
        assert_eq!(
            e.to_string(),
            "could not connect to http://127.0.0.1:1/x: Connection refused"
        );
        let root = std::error::Error::source(&e).unwrap();
        assert_eq!(root.to_string(), "Connection refused");
        assert!(root.source().is_none());
        assert_eq!(
            HttpError::new(HttpErrorKind::Timeout).to_string(),
            "timed out"
        );
    }
}
