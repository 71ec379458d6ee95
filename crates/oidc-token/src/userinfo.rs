//! The UserInfo endpoint (OpenID Connect Core §5.3) and the user's details.

use oidc_core::{AccessToken, ClientId, ClientSecret, HttpClient, HttpRequest, HttpResponse};
use oidc_jose::{Algorithm, CompactJws, JwkSet, StandardClaims};
use serde_json::{Map, Value};
use url::Url;

use crate::token::send;
use crate::wire::{self, DEFAULT_MAX_RESPONSE_BYTES, Form};
use crate::{Endpoint, Error, Result};

/// How the access token is presented at the UserInfo endpoint (RFC 6750 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum UserInfoStyle {
    /// `GET` with `Authorization: Bearer` (the default, RFC 6750 §2.1).
    #[default]
    GetWithHeader,
    /// `POST` with `Authorization: Bearer` and an empty body.
    PostWithHeader,
    /// `POST` with `access_token` in a form body (RFC 6750 §2.2).
    PostWithFormBody,
}

/// How an access token is presented: as a bearer token, or bound to a DPoP key (RFC 9449
/// §7.1: always in the `Authorization` header, scheme `DPoP`, with a proof beside it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TokenScheme {
    /// `Bearer` (RFC 6750).
    #[default]
    Bearer,
    /// `DPoP` (RFC 9449); the proof header is added by [`crate::DpopHttp`].
    Dpop,
}

/// Builds the UserInfo request (pure), the token presented as a bearer token.
pub fn build_userinfo_request(
    userinfo_endpoint: &Url,
    access_token: &AccessToken,
    style: UserInfoStyle,
) -> Result<HttpRequest> {
    build_userinfo_request_with(userinfo_endpoint, access_token, style, TokenScheme::Bearer)
}

/// Builds the UserInfo request (pure) with the given presentation. A DPoP-bound token never
/// travels in a form body: `PostWithFormBody` then sends it in the header.
pub fn build_userinfo_request_with(
    userinfo_endpoint: &Url,
    access_token: &AccessToken,
    style: UserInfoStyle,
    scheme: TokenScheme,
) -> Result<HttpRequest> {
    const E: Endpoint = Endpoint::UserInfo;
    let accept = "application/json, application/jwt";
    let (bearer, style) = match scheme {
        TokenScheme::Bearer => (format!("Bearer {}", access_token.secret()), style),
        TokenScheme::Dpop => (
            format!("DPoP {}", access_token.secret()),
            match style {
                UserInfoStyle::PostWithFormBody => UserInfoStyle::PostWithHeader,
                s => s,
            },
        ),
    };
    let b = http::Request::builder()
        .uri(userinfo_endpoint.as_str())
        .header(http::header::ACCEPT, accept);
    let built = match style {
        UserInfoStyle::GetWithHeader => b
            .method(http::Method::GET)
            .header(http::header::AUTHORIZATION, bearer)
            .body(Vec::new()),
        // No body, so no Content-Type: some transports send no `Content-Length: 0` for an
        // empty body, and a provider (oidc-provider) then refuses a form content type that
        // describes a body it cannot see.
        UserInfoStyle::PostWithHeader => b
            .method(http::Method::POST)
            .header(http::header::AUTHORIZATION, bearer)
            .body(Vec::new()),
        UserInfoStyle::PostWithFormBody => {
            let mut form = Form::new();
            form.push("access_token", access_token.secret());
            b.method(http::Method::POST)
                .header(http::header::CONTENT_TYPE, wire::FORM_CONTENT_TYPE)
                .body(form.encode())
        }
    };
    built.map_err(|source| Error::BuildRequest {
        endpoint: E,
        source,
    })
}

/// What verifies a signed (`application/jwt`) UserInfo response.
#[derive(Debug, Clone, Copy)]
pub struct UserInfoVerification<'a> {
    /// The provider's keys (from its JWKS).
    pub keys: &'a JwkSet,
    /// The allowed algorithms (the provider's `userinfo_signing_alg_values_supported`
    /// intersected with what the app accepts).
    pub algorithms: &'a [Algorithm],
    /// The client secret, for HS* signatures.
    pub client_secret: Option<&'a ClientSecret>,
    /// When given, an `iss` in the response must equal it.
    pub issuer: Option<&'a str>,
    /// When given, an `aud` in the response must include it.
    pub client_id: Option<&'a ClientId>,
}

/// How to read a UserInfo response.
#[derive(Debug, Clone, Copy)]
pub struct UserInfoParse<'a> {
    /// The ID token's `sub`: the response's `sub` must equal it (OpenID Connect Core §5.3.2).
    pub expected_subject: &'a str,
    /// Keys for signed responses; a signed response without them is refused.
    pub verification: Option<UserInfoVerification<'a>>,
    /// Body size limit.
    pub max_response_bytes: usize,
}

impl<'a> UserInfoParse<'a> {
    /// Plain JSON responses only, with the default size limit.
    pub fn new(expected_subject: &'a str) -> Self {
        Self {
            expected_subject,
            verification: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }

    /// Also accepts signed responses, verified with `verification`.
    #[must_use]
    pub fn with_verification(mut self, verification: UserInfoVerification<'a>) -> Self {
        self.verification = Some(verification);
        self
    }
}

/// Reads a `WWW-Authenticate: Bearer error="...", error_description="..."` challenge.
fn bearer_challenge(resp: &HttpResponse) -> (Option<String>, Option<String>) {
    let Some(v) = resp.headers().get(http::header::WWW_AUTHENTICATE) else {
        return (None, None);
    };
    let s = String::from_utf8_lossy(v.as_bytes());
    let attr = |name: &str| {
        let key = format!("{name}=\"");
        let start = s.find(&key)? + key.len();
        let end = s[start..].find('"')? + start;
        Some(s[start..end].to_owned())
    };
    (attr("error"), attr("error_description"))
}

/// Parses a UserInfo response (pure): JSON or a signed JWT, with the `sub` check.
pub fn parse_userinfo_response(
    response: &HttpResponse,
    how: &UserInfoParse<'_>,
) -> Result<UserDetails> {
    const E: Endpoint = Endpoint::UserInfo;
    wire::check_size(E, response, how.max_response_bytes)?;
    let status = response.status().as_u16();
    if matches!(status, 401 | 403) {
        let (mut error, mut error_description) = bearer_challenge(response);
        // Some providers put the error in a JSON body instead of (or as well as) the header.
        if error.is_none()
            && let Some(Error::TokenEndpoint {
                error: e,
                error_description: d,
                ..
            }) = wire::oauth_error(E, response)
        {
            error = Some(e);
            error_description = d;
        }
        return Err(Error::BearerTokenRejected {
            endpoint: E,
            status,
            error,
            error_description,
        });
    }
    wire::check_size_and_status(E, response, how.max_response_bytes)?;
    let media = wire::media_type(response);
    let json: Vec<u8> = match media.as_deref() {
        Some("application/jwt") => {
            let v = how.verification.ok_or(Error::UserInfoJwtUnverifiable)?;
            let text = std::str::from_utf8(response.body()).map_err(|_| {
                Error::UserInfoJwt(oidc_jose::Error::Malformed(oidc_jose::Malformed::Base64))
            })?;
            let jws = CompactJws::parse(text.trim()).map_err(Error::UserInfoJwt)?;
            oidc_jose::verify_jws(
                &jws,
                v.keys,
                v.algorithms,
                v.client_secret.map(|s| s.secret().as_bytes()),
            )
            .map_err(Error::UserInfoJwt)?;
            let payload = jws.into_payload();
            check_signed_claims(&payload, &v)?;
            payload
        }
        Some(m) if !wire::is_json_media(m) => {
            return Err(Error::UnexpectedContentType {
                endpoint: E,
                found: Some(m.to_owned()),
                expected: "application/json or application/jwt",
            });
        }
        _ => response.body().clone(),
    };
    let details = UserDetails::from_json(&json)?;
    match details.sub() {
        Some(sub) if sub == how.expected_subject => Ok(details),
        Some(sub) => Err(Error::UserInfoSubjectMismatch {
            expected: how.expected_subject.to_owned(),
            found: sub.to_owned(),
        }),
        None => Err(Error::MissingField {
            endpoint: E,
            field: "sub",
        }),
    }
}

fn check_signed_claims(payload: &[u8], v: &UserInfoVerification<'_>) -> Result<()> {
    let obj: Map<String, Value> =
        serde_json::from_slice(payload).map_err(|source| Error::InvalidJson {
            endpoint: Endpoint::UserInfo,
            source,
        })?;
    if let (Some(expected), Some(found)) = (v.issuer, obj.get("iss")) {
        let found = oidc_jose::value_text(found);
        if found != expected {
            return Err(Error::UserInfoIssuerMismatch {
                expected: expected.to_owned(),
                found,
            });
        }
    }
    if let (Some(client_id), Some(aud)) = (v.client_id, obj.get("aud")) {
        let ok = match aud {
            Value::String(s) => s == client_id.as_str(),
            Value::Array(a) => a.iter().any(|x| x.as_str() == Some(client_id.as_str())),
            _ => false,
        };
        if !ok {
            return Err(Error::UserInfoAudienceMismatch {
                client_id: client_id.to_string(),
            });
        }
    }
    Ok(())
}

/// Sends the UserInfo request and returns the response unparsed (for a caller that may
/// parse it twice, e.g. after refetching keys for a signed response; see
/// [`parse_userinfo_response`]).
pub async fn fetch_userinfo_response(
    http: &dyn HttpClient,
    userinfo_endpoint: &Url,
    access_token: &AccessToken,
    style: UserInfoStyle,
    scheme: TokenScheme,
) -> Result<HttpResponse> {
    let request = build_userinfo_request_with(userinfo_endpoint, access_token, style, scheme)?;
    send(http, Endpoint::UserInfo, request).await
}

/// Fetches UserInfo and checks its `sub`.
pub async fn fetch_userinfo(
    http: &dyn HttpClient,
    userinfo_endpoint: &Url,
    access_token: &AccessToken,
    style: UserInfoStyle,
    how: &UserInfoParse<'_>,
) -> Result<UserDetails> {
    let request = build_userinfo_request(userinfo_endpoint, access_token, style)?;
    let response = send(http, Endpoint::UserInfo, request).await?;
    parse_userinfo_response(&response, how)
}

/// The user's details from UserInfo: the standard claims as typed fields of
/// [`StandardClaims`], the raw JSON, and lookup by claim name or `/json/...` path.
#[derive(Clone)]
pub struct UserDetails {
    claims: StandardClaims,
    /// The response as a JSON object (`from_json` refuses anything else).
    json: Value,
    raw: String,
}

impl std::fmt::Debug for UserDetails {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserDetails")
            .field("sub", &self.claims.sub)
            .field(
                "claims",
                &self.json.as_object().map(|m| m.keys().collect::<Vec<_>>()),
            )
            .finish_non_exhaustive()
    }
}

impl UserDetails {
    /// Parses a JSON object of claims.
    pub fn from_json(json: &[u8]) -> Result<Self> {
        let invalid = |source| Error::InvalidJson {
            endpoint: Endpoint::UserInfo,
            source,
        };
        let map: Map<String, Value> = serde_json::from_slice(json).map_err(invalid)?;
        // Standard claims are read leniently member by member (a malformed `address` does
        // not hide `email`), as `oidc_jose::IdTokenClaims` does.
        let claims = match StandardClaims::from_json(json) {
            Ok(c) => c,
            Err(_) => {
                let mut c = StandardClaims::default();
                for (k, v) in &map {
                    let mut one = Map::new();
                    one.insert(k.clone(), v.clone());
                    if let Ok(part) = serde_json::from_value::<StandardClaims>(Value::Object(one)) {
                        c.merge_missing(&part);
                    }
                }
                c
            }
        };
        let raw = String::from_utf8_lossy(json).into_owned();
        Ok(Self {
            claims,
            json: Value::Object(map),
            raw,
        })
    }

    /// The `sub` claim.
    pub fn sub(&self) -> Option<&str> {
        self.claims.sub.as_deref()
    }

    /// The standard claims.
    pub fn claims(&self) -> &StandardClaims {
        &self.claims
    }

    /// The response, a JSON object.
    pub fn json(&self) -> &Value {
        &self.json
    }

    /// The response as received (the payload, for signed responses).
    pub fn raw_json(&self) -> &str {
        &self.raw
    }

    /// A claim by name, JSON pointer, or `/json/...` path (`"/json"` alone is the whole
    /// response), as [`oidc_jose::lookup`] reads them.
    pub fn claim(&self, name_or_path: &str) -> Option<&Value> {
        oidc_jose::lookup(&self.json, name_or_path)
    }

    /// A claim as text (strings unquoted, anything else as compact JSON).
    pub fn claim_text(&self, name_or_path: &str) -> Option<String> {
        self.claim(name_or_path).map(oidc_jose::value_text)
    }

    /// A claim deserialized into `T`.
    pub fn claim_as<T: serde::de::DeserializeOwned>(&self, name_or_path: &str) -> Option<T> {
        self.claim(name_or_path)
            .and_then(|v| serde_json::from_value(v.clone()).ok())
    }
}
