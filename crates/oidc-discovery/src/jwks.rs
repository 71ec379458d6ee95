//! The provider's signing keys (JWKS).

use oidc_core::{HttpRequest, HttpResponse};
use oidc_jose::JwkSet;

use crate::checks::{check_json_text, check_response, check_size, json_error};
use crate::{Document, Error};

/// A parsed JWKS with its raw JSON kept for caching.
#[derive(Debug, Clone)]
pub struct SignerKeys {
    raw: String,
    set: JwkSet,
}

impl SignerKeys {
    /// Reads a JWKS (e.g. one cached on disk).
    pub fn load(raw_json: impl Into<String>) -> Result<Self, Error> {
        let raw = raw_json.into();
        check_size(Document::Jwks, raw.len())?;
        check_json_text(Document::Jwks, raw.as_bytes())?;
        let set = JwkSet::from_slice(raw.as_bytes()).map_err(|e| {
            // oidc-jose's error does not tell a syntax error (truncated vs invalid) from a
            // document of the wrong shape; a second, syntax-only pass classifies it. A set
            // that parsed is valid JSON, so the success path reads the bytes once.
            match serde_json::from_str::<serde::de::IgnoredAny>(&raw) {
                Err(syntax) => json_error(Document::Jwks, syntax, false),
                Ok(_) => Error::Jwks(e),
            }
        })?;
        Ok(Self { raw, set })
    }

    /// The raw JWKS, verbatim.
    pub fn raw_json(&self) -> &str {
        &self.raw
    }

    /// The usable keys.
    pub fn set(&self) -> &JwkSet {
        &self.set
    }

    /// Whether some key has this `kid`.
    pub fn contains_kid(&self, kid: &str) -> bool {
        self.set.contains_kid(kid)
    }

    /// The `kid`s of the usable keys, in order (keys without a `kid` are left out).
    pub fn kids(&self) -> Vec<&str> {
        self.set.keys().iter().filter_map(|k| k.kid()).collect()
    }
}

/// The JWKS request: `GET <url>` accepting `application/jwk-set+json` and JSON.
pub fn jwks_request(url: &url::Url) -> HttpRequest {
    let mut req = HttpRequest::new(Vec::new());
    *req.method_mut() = http::Method::GET;
    // A URL parsed by `url` is always a valid URI; the fallback is never taken.
    *req.uri_mut() = url.as_str().parse().unwrap_or_default();
    req.headers_mut().insert(
        http::header::ACCEPT,
        http::HeaderValue::from_static("application/jwk-set+json, application/json"),
    );
    req
}

/// Reads the response to [`jwks_request`].
pub fn parse_jwks_response(response: HttpResponse) -> Result<SignerKeys, Error> {
    check_response(Document::Jwks, &response)?;
    let raw = String::from_utf8(response.into_body()).map_err(|e| Error::InvalidJson {
        what: Document::Jwks,
        source: serde::de::Error::custom(e),
    })?;
    SignerKeys::load(raw)
}
