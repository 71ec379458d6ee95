//! The client and the diagnostics of the last exchange.

use std::io::Write as _;
use std::sync::{Arc, Mutex};

use oidc_core::{HttpClient, HttpError, HttpErrorKind, HttpFuture, HttpRequest, HttpResponse};

use crate::tls::PeerCertificate;
use crate::{Error, ReqwestClientBuilder};

/// TLS details of an exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsDetails {
    /// The server's leaf certificate.
    pub peer_certificate: Option<PeerCertificate>,
    /// The negotiated protocol version, e.g. `"TLSv1.3"`. The cipher suite is not
    /// exposed by reqwest and is not reported.
    pub protocol_version: Option<String>,
}

/// What was sent and received in one exchange (status, headers, bodies, HTTP version),
/// with secrets masked unless masking is off.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Exchange {
    /// The request method.
    pub method: String,
    /// The request URL (sensitive query parameters masked).
    pub url: String,
    /// The final URL after redirects.
    pub final_url: Option<String>,
    /// Headers sent: the request's own, then the client's defaults.
    pub sent_headers: Vec<(String, String)>,
    /// The request body as text (lossy UTF-8), masked.
    pub sent_body: String,
    /// The status code, if a response arrived.
    pub status: Option<u16>,
    /// `HTTP/1.1 200 OK`.
    pub status_line: Option<String>,
    /// `HTTP/1.1` or `HTTP/2.0`.
    pub http_version: Option<String>,
    /// Headers received.
    pub received_headers: Vec<(String, String)>,
    /// The response body as text (lossy UTF-8), masked.
    pub received_body: String,
    /// The number of response body bytes received: the
    /// body as it came over the connection, *before* gzip/deflate decoding, so for a
    /// compressed response it is the compressed size. Chunked transfer framing (chunk
    /// sizes and CRLFs) and the headers are not counted. When a transfer stops early
    /// (size limit, error) it is the count up to that point.
    pub bytes_transferred: u64,
    /// TLS details, for https.
    pub tls: Option<TlsDetails>,
    /// The transport error, if the exchange failed.
    pub error: Option<String>,
}

pub(crate) struct Shared {
    max_response_size: usize,
    mask: bool,
    decompress: bool,
    default_sent_headers: Vec<(String, String)>,
    last: Mutex<Option<Exchange>>,
}

impl Shared {
    pub(crate) fn new(
        max_response_size: usize,
        mask: bool,
        decompress: bool,
        default_sent_headers: Vec<(String, String)>,
    ) -> Self {
        Self {
            max_response_size,
            mask,
            decompress,
            default_sent_headers,
            last: Mutex::new(None),
        }
    }
}

/// The default [`HttpClient`]: reqwest over rustls (ring, platform verifier).
///
/// Cheap to clone; clones share the connection pool and the last-exchange record.
#[derive(Clone)]
pub struct ReqwestClient {
    client: reqwest::Client,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for ReqwestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReqwestClient")
            .field("max_response_size", &self.shared.max_response_size)
            .field("mask_sensitive_data", &self.shared.mask)
            .finish_non_exhaustive()
    }
}

impl ReqwestClient {
    /// A client with the defaults.
    pub fn new() -> Result<Self, Error> {
        ReqwestClientBuilder::new().build()
    }

    /// A builder.
    pub fn builder() -> ReqwestClientBuilder {
        ReqwestClientBuilder::new()
    }

    pub(crate) fn from_parts(client: reqwest::Client, shared: Shared) -> Self {
        Self {
            client,
            shared: Arc::new(shared),
        }
    }

    /// The diagnostics of the last exchange made by this client or a clone of it.
    pub fn last_exchange(&self) -> Option<Exchange> {
        self.lock().clone()
    }

    /// The response size limit in bytes.
    pub fn max_response_size(&self) -> usize {
        self.shared.max_response_size
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Exchange>> {
        // A poisoned lock means a panic while storing diagnostics; the data is still usable.
        self.shared
            .last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn mask_text(&self, content_type: Option<&str>, body: &[u8]) -> String {
        let text = String::from_utf8_lossy(body);
        if self.shared.mask {
            oidc_core::redact::body(content_type, &text)
        } else {
            text.into_owned()
        }
    }

    fn header_list(&self, headers: &http::HeaderMap) -> Vec<(String, String)> {
        headers
            .iter()
            .map(|(n, v)| {
                let value =
                    if self.shared.mask && oidc_core::redact::is_sensitive_header(n.as_str()) {
                        oidc_core::redact::MASK.to_owned()
                    } else {
                        String::from_utf8_lossy(v.as_bytes()).into_owned()
                    };
                (n.as_str().to_owned(), value)
            })
            .collect()
    }

    async fn run(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let url_str = request.uri().to_string();
        let shown_url = if self.shared.mask {
            oidc_core::redact::url(&url_str)
        } else {
            url_str.clone()
        };
        let mut exchange = Exchange {
            method: request.method().to_string(),
            url: shown_url.clone(),
            ..Exchange::default()
        };
        exchange.sent_headers = self.header_list(request.headers());
        for (n, v) in &self.shared.default_sent_headers {
            if !exchange
                .sent_headers
                .iter()
                .any(|(m, _)| m.eq_ignore_ascii_case(n))
            {
                let v = if self.shared.mask && oidc_core::redact::is_sensitive_header(n) {
                    oidc_core::redact::MASK.to_owned()
                } else {
                    v.clone()
                };
                exchange.sent_headers.push((n.clone(), v));
            }
        }
        let req_ct = request
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        exchange.sent_body = self.mask_text(req_ct.as_deref(), request.body());
        tracing::info!(method = %exchange.method, url = %shown_url, "HTTP request");
        tracing::debug!(headers = ?exchange.sent_headers, "HTTP request headers");
        if !request.body().is_empty() {
            tracing::trace!(body = %exchange.sent_body, "HTTP request body");
        }

        let result = self.send(request, &mut exchange).await;
        if let Err(e) = &result {
            exchange.error = Some(e.to_string());
            tracing::info!(url = %shown_url, error = %e, "HTTP exchange failed");
        }
        *self.lock() = Some(exchange);
        result
    }

    async fn send(
        &self,
        request: HttpRequest,
        exchange: &mut Exchange,
    ) -> Result<HttpResponse, HttpError> {
        let url_str = request.uri().to_string();
        let req = reqwest::Request::try_from(request).map_err(|e| {
            HttpError::new(HttpErrorKind::InvalidRequest)
                .with_url(&url_str)
                .with_source(e)
        })?;
        let mut resp = self
            .client
            .execute(req)
            .await
            .map_err(|e| map_reqwest_error(e, &url_str))?;

        let status = resp.status();
        let version = format!("{:?}", resp.version());
        exchange.status = Some(status.as_u16());
        exchange.status_line = Some(
            format!(
                "{version} {} {}",
                status.as_u16(),
                status.canonical_reason().unwrap_or("")
            )
            .trim_end()
            .to_owned(),
        );
        exchange.http_version = Some(version.clone());
        exchange.final_url = Some(if self.shared.mask {
            oidc_core::redact::url(resp.url().as_str())
        } else {
            resp.url().to_string()
        });
        exchange.received_headers = self.header_list(resp.headers());
        if let Some(info) = resp.extensions().get::<reqwest::tls::TlsInfo>() {
            exchange.tls = Some(TlsDetails {
                peer_certificate: info.peer_certificate().map(PeerCertificate::from_der),
                protocol_version: info.version().map(|v| {
                    match v {
                        reqwest::tls::Version::TLS_1_3 => "TLSv1.3",
                        reqwest::tls::Version::TLS_1_2 => "TLSv1.2",
                        reqwest::tls::Version::TLS_1_1 => "TLSv1.1",
                        reqwest::tls::Version::TLS_1_0 => "TLSv1.0",
                        _ => "TLS",
                    }
                    .to_owned()
                }),
            });
        }
        tracing::info!(url = %exchange.url, status = status.as_u16(), version = %version, "HTTP response");
        tracing::debug!(headers = ?exchange.received_headers, "HTTP response headers");

        let limit = self.shared.max_response_size;
        let too_large = || {
            HttpError::new(HttpErrorKind::TooLarge)
                .with_url(&url_str)
                .with_source(Error::ResponseTooLarge { limit })
        };
        // The declared length of a compressed body says nothing about the decoded size,
        // but a declared length over the limit is refused before reading anything.
        if resp.content_length().is_some_and(|len| len > limit as u64) {
            return Err(too_large());
        }
        let decode_error = |e: std::io::Error| {
            HttpError::new(HttpErrorKind::Other)
                .with_url(&url_str)
                .with_source(e)
        };
        let mut decoder = if self.shared.decompress {
            Decoder::for_encoding(resp.headers())
        } else {
            None
        };
        let mut body = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    exchange.bytes_transferred += chunk.len() as u64;
                    match &mut decoder {
                        // Fed in small pieces so that a compression bomb cannot grow the
                        // output far past the limit before it is checked.
                        Some(d) => {
                            for piece in chunk.chunks(1024) {
                                d.write_all(piece).map_err(decode_error)?;
                                if d.decoded_len() > limit {
                                    return Err(too_large());
                                }
                            }
                        }
                        None => {
                            if body.len() + chunk.len() > limit {
                                return Err(too_large());
                            }
                            body.extend_from_slice(&chunk);
                        }
                    }
                }
                Ok(None) => break,
                Err(e) => return Err(map_reqwest_error(e, &url_str)),
            }
        }
        let mut headers = resp.headers().clone();
        if let Some(d) = decoder {
            // A body-less response (HEAD, 204, 304) keeps its headers as they are.
            if exchange.bytes_transferred > 0 {
                body = d.finish().map_err(decode_error)?;
                if body.len() > limit {
                    return Err(too_large());
                }
                headers.remove(http::header::CONTENT_ENCODING);
                headers.remove(http::header::CONTENT_LENGTH);
            }
        }

        let mut builder = http::Response::builder()
            .status(status)
            .version(resp.version());
        if let Some(h) = builder.headers_mut() {
            *h = headers;
        }
        let resp_ct = resp
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        exchange.received_body = self.mask_text(resp_ct, &body);
        tracing::trace!(body = %exchange.received_body, "HTTP response body");
        builder.body(body).map_err(|e| {
            HttpError::new(HttpErrorKind::Other)
                .with_url(&url_str)
                .with_source(e)
        })
    }
}

/// A streaming gzip or deflate (zlib) decoder for a response body.
enum Decoder {
    Gzip(flate2::write::GzDecoder<Vec<u8>>),
    Deflate(flate2::write::ZlibDecoder<Vec<u8>>),
}

impl Decoder {
    /// The decoder for the response's `Content-Encoding`, if it is one we offered.
    fn for_encoding(headers: &http::HeaderMap) -> Option<Self> {
        let value = headers.get(http::header::CONTENT_ENCODING)?.to_str().ok()?;
        match value.trim().to_ascii_lowercase().as_str() {
            "gzip" | "x-gzip" => Some(Self::Gzip(flate2::write::GzDecoder::new(Vec::new()))),
            "deflate" => Some(Self::Deflate(flate2::write::ZlibDecoder::new(Vec::new()))),
            _ => None,
        }
    }

    fn write_all(&mut self, data: &[u8]) -> std::io::Result<()> {
        match self {
            Self::Gzip(d) => d.write_all(data),
            Self::Deflate(d) => d.write_all(data),
        }
    }

    fn decoded_len(&self) -> usize {
        match self {
            Self::Gzip(d) => d.get_ref().len(),
            Self::Deflate(d) => d.get_ref().len(),
        }
    }

    fn finish(self) -> std::io::Result<Vec<u8>> {
        match self {
            Self::Gzip(d) => d.finish(),
            Self::Deflate(d) => d.finish(),
        }
    }
}

impl HttpClient for ReqwestClient {
    fn execute(&self, request: HttpRequest) -> HttpFuture<'_> {
        Box::pin(self.run(request))
    }
}

/// Maps a reqwest error to an [`HttpError`], keeping it as the source.
fn map_reqwest_error(e: reqwest::Error, url: &str) -> HttpError {
    let kind = classify(&e);
    HttpError::new(kind).with_url(url).with_source(e)
}

fn holds_rustls_error(e: &(dyn std::error::Error + 'static)) -> bool {
    if e.downcast_ref::<rustls::Error>().is_some() {
        return true;
    }
    match e
        .downcast_ref::<std::io::Error>()
        .and_then(std::io::Error::get_ref)
    {
        Some(inner) => holds_rustls_error(inner),
        None => false,
    }
}

fn classify(e: &reqwest::Error) -> HttpErrorKind {
    // Our own errors (redirect refusals) travel inside reqwest's.
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    let mut text = String::new();
    while let Some(s) = source {
        if let Some(ours) = s.downcast_ref::<Error>() {
            return ours.http_kind();
        }
        if s.downcast_ref::<rustls::Error>().is_some() {
            return HttpErrorKind::Tls;
        }
        // `io::Error::source` skips its payload (which may be another io::Error).
        if holds_rustls_error(s) {
            return HttpErrorKind::Tls;
        }
        text.push_str(&s.to_string().to_ascii_lowercase());
        text.push(' ');
        source = s.source();
    }
    if e.is_timeout() {
        HttpErrorKind::Timeout
    } else if e.is_redirect() {
        HttpErrorKind::Redirect
    } else if e.is_builder() || e.is_request() && text.contains("url") {
        HttpErrorKind::InvalidRequest
    } else if text.contains("certificate") || text.contains("tls") || text.contains("handshake") {
        HttpErrorKind::Tls
    } else if text.contains("proxy") || text.contains("socks") || text.contains("tunnel") {
        HttpErrorKind::Proxy
    } else if e.is_connect() {
        HttpErrorKind::Connect
    } else {
        HttpErrorKind::Other
    }
}
