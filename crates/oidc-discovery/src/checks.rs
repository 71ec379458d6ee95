//! The checks every metadata document and JWKS passes: size, JSON text, HTTP response, and
//! the rules for endpoint URLs, with the errors that name what failed.

use oidc_core::{HttpResponse, IssuerUrl};
use url::Url;

use crate::{Document, Error};

/// The largest discovery document or JWKS accepted by the parsers (1 MiB), whatever the
/// transport's own limit.
pub const MAX_DOCUMENT_SIZE: usize = 1024 * 1024;

/// Checks an endpoint URL given outside the metadata (configuration, command line) by the
/// rules of the metadata's own endpoints: `https`, or `http` on this machine only when
/// `issuer` itself is a local `http` issuer; no whitespace, controls or shell
/// metacharacters. `member` names it in the error.
pub fn check_endpoint_url(
    member: &'static str,
    url: &str,
    issuer: &IssuerUrl,
) -> Result<(), Error> {
    parse_endpoint(member, url, issuer).map(|_| ())
}

/// An endpoint URL of metadata issued by `issuer`, parsed, or why it is refused: `https`, or
/// `http` on a loopback address (or the issuer's own host) only when the issuer itself is a
/// local `http` issuer (a remote `https` issuer must not route codes, verifiers and secrets
/// to a local port); no whitespace, controls or shell metacharacters, since an endpoint may
/// end up on a browser's command line.
pub(crate) fn parse_endpoint(
    member: &'static str,
    url: &str,
    issuer: &IssuerUrl,
) -> Result<Url, Error> {
    let bad = |reason| Error::InvalidEndpoint {
        member,
        url: url.to_owned(),
        reason,
    };
    // An endpoint ends up on a browser's command line.
    if oidc_core::has_unsafe_url_chars(url) {
        return Err(bad(
            "it contains whitespace, control characters or shell metacharacters",
        ));
    }
    let parsed = Url::parse(url).map_err(|_| bad("not an absolute URL"))?;
    match parsed.scheme() {
        "https" if parsed.host_str().is_some_and(|h| !h.is_empty()) => Ok(parsed),
        "https" => Err(bad("an https URL needs a host")),
        "http" => {
            let loopback_ip = oidc_core::is_loopback_ip_host(&parsed);
            let issuer_host = parsed.host_str() == issuer.url().host_str();
            if !issuer.is_local_http() {
                Err(bad(
                    "http is allowed only when the issuer itself is a local http issuer; use https",
                ))
            } else if loopback_ip || issuer_host {
                Ok(parsed)
            } else {
                Err(bad(
                    "http is allowed only for loopback addresses; use https",
                ))
            }
        }
        _ => Err(bad("the scheme must be https")),
    }
}

pub(crate) fn check_size(what: Document, len: usize) -> Result<(), Error> {
    if len > MAX_DOCUMENT_SIZE {
        Err(Error::TooLarge {
            what,
            limit: MAX_DOCUMENT_SIZE,
        })
    } else {
        Ok(())
    }
}

/// Empty / HTML checks shared by both documents.
pub(crate) fn check_json_text(what: Document, body: &[u8]) -> Result<(), Error> {
    let trimmed = body.trim_ascii_start();
    let trimmed = trimmed.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(trimmed);
    match trimmed.first() {
        None => Err(Error::EmptyBody { what }),
        Some(b'<') => Err(Error::HtmlInsteadOfJson { what }),
        Some(_) => Ok(()),
    }
}

/// Maps a serde_json error to the precise variant.
pub(crate) fn json_error(what: Document, e: serde_json::Error, typed: bool) -> Error {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => Error::TruncatedJson {
            what,
            line: e.line(),
            column: e.column(),
        },
        Category::Data if typed => Error::InvalidMember { source: e },
        _ => Error::InvalidJson { what, source: e },
    }
}

/// Status, content type, size and HTML checks of a response to a metadata request.
pub(crate) fn check_response(what: Document, response: &HttpResponse) -> Result<(), Error> {
    let status = response.status();
    if status.is_redirection() {
        return Err(Error::Redirected {
            what,
            status: status.as_u16(),
            location: response
                .headers()
                .get(http::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        });
    }
    if status != http::StatusCode::OK {
        return Err(Error::HttpStatus {
            what,
            status: status.as_u16(),
        });
    }
    check_size(what, response.body().len())?;
    if let Some(ct) = response.headers().get(http::header::CONTENT_TYPE) {
        let ct = String::from_utf8_lossy(ct.as_bytes()).to_ascii_lowercase();
        let essence = ct.split(';').next().unwrap_or("").trim();
        if essence == "text/html" || essence == "application/xhtml+xml" {
            return Err(Error::HtmlInsteadOfJson { what });
        }
        if !(essence == "application/json" || essence.ends_with("+json")) {
            return Err(Error::WrongContentType {
                what,
                content_type: ct,
            });
        }
    }
    check_json_text(what, response.body())
}
