//! OAuth 2.0 authorization server metadata (RFC 8414): where some providers publish the
//! endpoints their OpenID discovery document leaves out (revocation, introspection, device
//! authorization, PAR).

use oidc_core::{HttpRequest, HttpResponse, IssuerUrl};
use serde_json::{Map, Value};

use crate::Error;
use crate::checks::{check_json_text, check_response, check_size, json_error, parse_endpoint};
use crate::error::Document;

/// The endpoint members this crate reads from RFC 8414 metadata; each is checked like a
/// discovery document's endpoint (absolute `https`, `http` only on loopback hosts).
pub const OAUTH_ENDPOINT_MEMBERS: [&str; 8] = [
    "authorization_endpoint",
    "token_endpoint",
    "jwks_uri",
    "registration_endpoint",
    "revocation_endpoint",
    "introspection_endpoint",
    "device_authorization_endpoint",
    "pushed_authorization_request_endpoint",
];

/// An RFC 8414 metadata document whose `issuer` was checked against the expected issuer
/// (§3.3) and whose endpoint members are acceptable URLs.
#[derive(Debug, Clone)]
pub struct OAuthMetadata {
    json: Map<String, Value>,
}

impl OAuthMetadata {
    /// Reads a document and checks it was issued by `expected_issuer`, exactly.
    pub fn load(raw_json: &[u8], expected_issuer: &IssuerUrl) -> Result<Self, Error> {
        let what = Document::OAuthMetadata;
        check_size(what, raw_json.len())?;
        check_json_text(what, raw_json)?;
        let json: Map<String, Value> =
            serde_json::from_slice(raw_json).map_err(|e| json_error(what, e, false))?;
        let found = json
            .get("issuer")
            .ok_or(Error::MissingMember { member: "issuer" })?
            .as_str()
            .ok_or(Error::InvalidEndpoint {
                member: "issuer",
                url: String::new(),
                reason: "not a string",
            })?;
        if found != expected_issuer.as_str() {
            return Err(Error::OAuthIssuerMismatch {
                expected: expected_issuer.as_str().to_owned(),
                found: found.to_owned(),
            });
        }
        for member in OAUTH_ENDPOINT_MEMBERS {
            match json.get(member) {
                None | Some(Value::Null) => {}
                Some(Value::String(url)) => {
                    parse_endpoint(member, url, expected_issuer)?;
                }
                Some(_) => {
                    return Err(Error::InvalidEndpoint {
                        member,
                        url: String::new(),
                        reason: "not a string",
                    });
                }
            }
        }
        Ok(Self { json })
    }

    /// The issuer (equal to the expected one).
    pub fn issuer(&self) -> &str {
        self.json
            .get("issuer")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// An endpoint by its member name (one of [`OAUTH_ENDPOINT_MEMBERS`]); `None` when the
    /// document does not publish it or the name is not an endpoint member.
    pub fn endpoint(&self, member: &str) -> Option<&str> {
        if !OAUTH_ENDPOINT_MEMBERS.contains(&member) {
            return None;
        }
        self.json.get(member).and_then(Value::as_str)
    }

    /// The whole document.
    pub fn json(&self) -> &Map<String, Value> {
        &self.json
    }
}

/// The RFC 8414 metadata request for `issuer`: `GET` the path-inserted well-known URL
/// ([`IssuerUrl::oauth_metadata_url`]), accepting JSON.
pub fn oauth_metadata_request(issuer: &IssuerUrl) -> HttpRequest {
    let mut req = HttpRequest::new(Vec::new());
    *req.method_mut() = http::Method::GET;
    // A URL parsed by `url` is always a valid URI; the fallback is never taken.
    *req.uri_mut() = issuer
        .oauth_metadata_url()
        .as_str()
        .parse()
        .unwrap_or_default();
    req.headers_mut().insert(
        http::header::ACCEPT,
        http::HeaderValue::from_static("application/json"),
    );
    req
}

/// Reads the response to [`oauth_metadata_request`]: status 200, JSON, `issuer` equal to
/// `issuer`, acceptable endpoint URLs.
pub fn parse_oauth_metadata_response(
    issuer: &IssuerUrl,
    response: &HttpResponse,
) -> Result<OAuthMetadata, Error> {
    check_response(Document::OAuthMetadata, response)?;
    OAuthMetadata::load(response.body(), issuer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issuer() -> IssuerUrl {
        IssuerUrl::new("https://op.example/o").unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn reads_endpoints_after_checking_the_issuer() {
        let md = OAuthMetadata::load(
            br#"{"issuer":"https://op.example/o","revocation_endpoint":"https://op.example/o/revoke","token_endpoint":null}"#,
            &issuer(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            md.endpoint("revocation_endpoint"),
            Some("https://op.example/o/revoke")
        );
        assert_eq!(md.endpoint("token_endpoint"), None);
        assert_eq!(md.endpoint("issuer"), None, "not an endpoint member");
        assert_eq!(md.issuer(), "https://op.example/o");
    }

    #[test]
    fn refuses_another_issuer_and_bad_endpoints() {
        let e = OAuthMetadata::load(br#"{"issuer":"https://op.example"}"#, &issuer()).unwrap_err();
        assert!(matches!(e, Error::OAuthIssuerMismatch { .. }), "{e}");
        assert_eq!(e.kind(), "issuer_mismatch");
        assert_eq!(e.code().as_u16(), 900);
        for doc in [
            &br#"{"issuer":"https://op.example/o","revocation_endpoint":"http://evil.example/r"}"#
                [..],
            br#"{"issuer":"https://op.example/o","revocation_endpoint":7}"#,
            br#"{"revocation_endpoint":"https://op.example/o/r"}"#,
            br#"<html>"#,
            br#""#,
            br#"{"issuer":"https://op.example/o""#,
        ] {
            assert!(
                OAuthMetadata::load(doc, &issuer()).is_err(),
                "{}",
                String::from_utf8_lossy(doc)
            );
        }
    }

    #[test]
    fn the_request_uses_the_path_inserted_url() {
        let r = oauth_metadata_request(&issuer());
        assert_eq!(
            r.uri().to_string(),
            "https://op.example/.well-known/oauth-authorization-server/o"
        );
    }
}
