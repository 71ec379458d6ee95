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
    let parsed = parse_url(url, issuer).map_err(|_| bad("not an absolute URL"))?;
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

/// `Url::parse(url)`, in less than half the time for the usual endpoint: one on the issuer's
/// own origin. Such a URL is resolved as a path against the issuer's (already parsed) URL,
/// skipping the scheme and host, and the result is taken only when it serializes to exactly
/// `url` — a URL parses to the same value as its own serialization, so it is then the value
/// `Url::parse(url)` gives. Anything else (another origin, a `//` or `\` that would make the
/// rest a host, credentials in the issuer URL, text the parser normalizes) is parsed in full.
/// Endpoints are most of the cost of loading a discovery document (docs/PERFORMANCE.md).
fn parse_url(url: &str, issuer: &IssuerUrl) -> Result<Url, url::ParseError> {
    let base = issuer.url();
    if let Some(rest) = url.strip_prefix(&base[..url::Position::BeforePath])
        && rest.starts_with('/')
        && let Ok(joined) = base.join(rest)
        && joined.as_str() == url
    {
        return Ok(joined);
    }
    Url::parse(url)
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

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        reason = "tests: a failed unwrap is a failed test"
    )]

    use super::*;

    fn issuers() -> Vec<IssuerUrl> {
        [
            "https://op.example",
            "https://op.example/tenant/v2.0",
            "https://op.example:8443/realms/r",
            "http://127.0.0.1:8080",
            "https://xn--bcher-kva.example/",
        ]
        .iter()
        .map(|i| IssuerUrl::new(*i).unwrap())
        .collect()
    }

    /// The fast path gives exactly what `Url::parse` gives: the same URL, or an error.
    fn same_as_url_parse(url: &str) {
        for issuer in issuers() {
            assert_eq!(
                parse_url(url, &issuer),
                Url::parse(url),
                "{url} under {issuer:?}"
            );
        }
    }

    #[test]
    fn endpoints_that_turn_the_rest_into_a_host_or_get_normalized_parse_in_full() {
        for rest in [
            "/authorize",
            "//evil.example/x",
            "/\\evil.example/x",
            "/\\/evil",
            "/./a/../b",
            "/%2e%2e/x",
            "/a%zzb",
            "/a b",
            "/a\tb",
            "/?q=1#f",
            "/ä/ü",
            "/@evil",
            "/:443/x",
            "",
            "?x",
            "#f",
        ] {
            for origin in [
                "https://op.example",
                "https://OP.example",
                "https://op.example:443",
                "https://op.example:8443",
                "http://127.0.0.1:8080",
                "https://user:pw@op.example",
                "https://xn--bcher-kva.example",
                "https://bücher.example",
            ] {
                same_as_url_parse(&format!("{origin}{rest}"));
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn the_fast_path_is_url_parse(
            origin in proptest::sample::select(vec![
                "https://op.example",
                "https://op.example:8443",
                "http://127.0.0.1:8080",
                "https://other.example",
            ]),
            rest in "[/\\\\.%a-z0-9?#@:;=&+ \\t~!$'()*,\\[\\]äü-]{0,24}",
        ) {
            same_as_url_parse(&format!("{origin}{rest}"));
        }
    }
}
