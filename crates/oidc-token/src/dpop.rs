//! DPoP (RFC 9449) on every back-channel request: the one request-decoration seam.
//!
//! [`DpopHttp`] wraps an [`HttpClient`]: each request it sends gets a fresh `DPoP` proof
//! header for its method and URL (RFC 9449 §4), with `ath` when the request presents an
//! access token with the `DPoP` scheme (§7.1), and with the server's nonce for that origin
//! when one is known (§8, §9). A `DPoP-Nonce` header on any response is remembered for its
//! origin; an answer demanding one (`use_dpop_nonce`: a 400 from the authorization server or
//! a 401 `WWW-Authenticate: DPoP error="use_dpop_nonce"` from a resource server) is retried
//! once with the new nonce. The token, PAR, UserInfo, revocation and introspection requests
//! all go through it, so none of them grows DPoP code of its own.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use oidc_core::{
    Clock, HttpClient, HttpError, HttpErrorKind, HttpFuture, HttpRequest, HttpResponse,
};

/// Makes DPoP proofs (implemented by `oidc_jose::DpopKey`; another implementation could keep
/// its key in hardware).
pub trait DpopSigner: Send + Sync {
    /// A proof for `htm` and `htu` (already without query and fragment) at `iat`, with the
    /// server's `nonce` and, for a resource request, the access token it accompanies.
    fn proof(
        &self,
        htm: &str,
        htu: &str,
        iat: i64,
        nonce: Option<&str>,
        access_token: Option<&str>,
    ) -> Result<String, oidc_jose::Error>;

    /// The RFC 7638 thumbprint of the public key (`jkt`, `cnf.jkt`).
    fn thumbprint(&self) -> &str;
}

/// Server nonces by origin (`scheme://host:port`), shared by the requests of one client.
#[derive(Debug, Default, Clone)]
pub struct DpopNonces(Arc<Mutex<HashMap<String, String>>>);

impl DpopNonces {
    /// The nonce last given by `origin`.
    pub fn get(&self, origin: &str) -> Option<String> {
        self.map().get(origin).cloned()
    }

    /// Remembers `nonce` for `origin`.
    pub fn set(&self, origin: &str, nonce: &str) {
        self.map().insert(origin.to_owned(), nonce.to_owned());
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        // A panic while holding the lock leaves complete strings: still consistent.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// An [`HttpClient`] that adds DPoP proofs (see the module documentation).
pub struct DpopHttp {
    inner: Arc<dyn HttpClient>,
    signer: Arc<dyn DpopSigner>,
    clock: Arc<dyn Clock>,
    nonces: DpopNonces,
}

impl std::fmt::Debug for DpopHttp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DpopHttp")
            .field("jkt", &self.signer.thumbprint())
            .field("nonces", &self.nonces)
            .finish_non_exhaustive()
    }
}

impl DpopHttp {
    /// Proofs by `signer` on every request `inner` sends; `nonces` may be shared with other
    /// `DpopHttp`s of the same client.
    pub fn new(
        inner: Arc<dyn HttpClient>,
        signer: Arc<dyn DpopSigner>,
        clock: Arc<dyn Clock>,
        nonces: DpopNonces,
    ) -> Self {
        Self {
            inner,
            signer,
            clock,
            nonces,
        }
    }

    fn signed(&self, request: &HttpRequest, nonce: Option<&str>) -> Result<HttpRequest, HttpError> {
        let uri = request.uri();
        let htu = htu_of(uri);
        let token = dpop_access_token(request);
        let proof = self
            .signer
            .proof(
                request.method().as_str(),
                &htu,
                self.clock.now_unix(),
                nonce,
                token.as_deref(),
            )
            .map_err(|e| {
                HttpError::new(HttpErrorKind::Other)
                    .with_url(&uri.to_string())
                    .with_source(e)
            })?;
        let value = http::HeaderValue::from_str(&proof).map_err(|e| {
            HttpError::new(HttpErrorKind::Other)
                .with_url(&uri.to_string())
                .with_source(e)
        })?;
        let mut out = http::Request::builder()
            .method(request.method().clone())
            .uri(uri.clone())
            .version(request.version())
            .body(request.body().clone())
            .map_err(|e| HttpError::new(HttpErrorKind::Other).with_source(e))?;
        *out.headers_mut() = request.headers().clone();
        out.headers_mut().insert("dpop", value);
        Ok(out)
    }
}

impl HttpClient for DpopHttp {
    fn execute(&self, request: HttpRequest) -> HttpFuture<'_> {
        Box::pin(async move {
            let origin = origin_of(request.uri());
            let sent_nonce = self.nonces.get(&origin);
            let first = self.signed(&request, sent_nonce.as_deref())?;
            let response = self.inner.execute(first).await?;
            let given = response_nonce(&response);
            if let Some(n) = &given {
                self.nonces.set(&origin, n);
            }
            match given {
                Some(n) if demands_nonce(&response) && sent_nonce.as_deref() != Some(&n) => {
                    tracing::debug!(%origin, "the server asked for a DPoP nonce: retrying once");
                    let again = self.signed(&request, Some(&n))?;
                    let response = self.inner.execute(again).await?;
                    if let Some(n) = response_nonce(&response) {
                        self.nonces.set(&origin, &n);
                    }
                    Ok(response)
                }
                _ => Ok(response),
            }
        })
    }
}

/// `scheme://host[:port]` of a request URI.
fn origin_of(uri: &http::Uri) -> String {
    format!(
        "{}://{}",
        uri.scheme_str().unwrap_or("https"),
        uri.authority().map_or("", http::uri::Authority::as_str)
    )
}

/// The URI without query and fragment (RFC 9449 §4.2 `htu`).
pub fn htu_of(uri: &http::Uri) -> String {
    format!("{}{}", origin_of(uri), uri.path())
}

/// The access token of an `Authorization: DPoP <token>` header.
fn dpop_access_token(request: &HttpRequest) -> Option<String> {
    let v = request
        .headers()
        .get(http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("dpop")
        .then(|| token.trim().to_owned())
}

/// The `DPoP-Nonce` header of a response, if it is a usable nonce (RFC 9449 §8.1: NQCHAR).
pub fn response_nonce(response: &HttpResponse) -> Option<String> {
    let v = response.headers().get("dpop-nonce")?.to_str().ok()?.trim();
    (!v.is_empty()
        && v.bytes()
            .all(|b| (0x21..=0x7e).contains(&b) && b != b'"' && b != b'\\'))
    .then(|| v.to_owned())
}

/// Whether a response demands a (new) nonce: `use_dpop_nonce` as an OAuth error body (400,
/// §8) or in a `WWW-Authenticate: DPoP` challenge (401, §9).
pub fn demands_nonce(response: &HttpResponse) -> bool {
    match response.status().as_u16() {
        400 => serde_json::from_slice::<serde_json::Value>(response.body())
            .ok()
            .is_some_and(|v| v.get("error").and_then(|e| e.as_str()) == Some("use_dpop_nonce")),
        401 => response
            .headers()
            .get_all(http::header::WWW_AUTHENTICATE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| {
                v.trim_start().len() >= 4
                    && v.trim_start()[..4].eq_ignore_ascii_case("dpop")
                    && v.contains("use_dpop_nonce")
            }),
        _ => false,
    }
}

impl DpopSigner for oidc_jose::DpopKey {
    fn proof(
        &self,
        htm: &str,
        htu: &str,
        iat: i64,
        nonce: Option<&str>,
        access_token: Option<&str>,
    ) -> Result<String, oidc_jose::Error> {
        oidc_jose::DpopKey::proof(self, htm, htu, iat, nonce, access_token)
    }

    fn thumbprint(&self) -> &str {
        oidc_jose::DpopKey::thumbprint(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn htu_drops_query_and_fragment_and_keeps_the_port() {
        let u: http::Uri = "https://op.example:8443/token?x=1".parse().unwrap();
        assert_eq!(htu_of(&u), "https://op.example:8443/token");
        let u: http::Uri = "http://127.0.0.1:9/a/b".parse().unwrap();
        assert_eq!(htu_of(&u), "http://127.0.0.1:9/a/b");
    }

    #[test]
    fn nonce_demands_are_recognised_in_both_forms() {
        let as_error = http::Response::builder()
            .status(400)
            .header("dpop-nonce", "eyJ7S_zG.eyJH0-Z.HX4w-7v")
            .body(br#"{"error":"use_dpop_nonce","error_description":"x"}"#.to_vec())
            .unwrap();
        assert!(demands_nonce(&as_error));
        assert_eq!(
            response_nonce(&as_error).as_deref(),
            Some("eyJ7S_zG.eyJH0-Z.HX4w-7v")
        );
        let rs = http::Response::builder()
            .status(401)
            .header(
                "www-authenticate",
                r#"DPoP error="use_dpop_nonce", algs="ES256""#,
            )
            .header("dpop-nonce", "n2")
            .body(Vec::new())
            .unwrap();
        assert!(demands_nonce(&rs));
        let other = http::Response::builder()
            .status(400)
            .body(br#"{"error":"invalid_grant"}"#.to_vec())
            .unwrap();
        assert!(!demands_nonce(&other));
        let bad_nonce = http::Response::builder()
            .status(200)
            .header("dpop-nonce", "a\"b")
            .body(Vec::new())
            .unwrap();
        assert_eq!(response_nonce(&bad_nonce), None);
    }
}
