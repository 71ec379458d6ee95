//! Provider metadata: OpenID Connect Discovery 1.0 §3 and RFC 8414.

use std::sync::OnceLock;

use oidc_core::{HttpRequest, HttpResponse, IssuerUrl};
use serde::Deserialize;
use serde_json::Value;

use crate::{Document, Error};

/// The largest discovery document or JWKS accepted by the parsers (1 MiB), whatever the
/// transport's own limit.
pub const MAX_DOCUMENT_SIZE: usize = 1024 * 1024;

/// Named provider workarounds, off by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Quirks {
    /// Microsoft Entra's multi-tenant endpoints (`/common`, `/organizations`,
    /// `/consumers`) publish the issuer template
    /// `https://login.microsoftonline.com/{tenantid}/v2.0`, which never equals the URL it
    /// is fetched from. With this on, such a document is accepted when the template with
    /// `{tenantid}` replaced by the expected issuer's tenant segment equals the expected
    /// issuer; ID tokens are then checked with [`ProviderMetadata::issuer_matches`], which
    /// substitutes the token's `tid`.
    pub microsoft_multi_tenant_issuer: bool,
}

impl Quirks {
    /// No workarounds.
    pub fn none() -> Self {
        Self::default()
    }

    /// Turns the Microsoft multi-tenant issuer workaround on or off.
    #[must_use]
    pub fn microsoft_multi_tenant_issuer(mut self, on: bool) -> Self {
        self.microsoft_multi_tenant_issuer = on;
        self
    }
}

/// The typed members. Unknown members are skipped by serde and stay readable through
/// [`ProviderMetadata::get_metadata`] from the raw JSON.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
struct Fields {
    issuer: Option<String>,
    authorization_endpoint: Option<String>,
    token_endpoint: Option<String>,
    userinfo_endpoint: Option<String>,
    jwks_uri: Option<String>,
    registration_endpoint: Option<String>,
    scopes_supported: Option<Vec<String>>,
    response_types_supported: Option<Vec<String>>,
    response_modes_supported: Option<Vec<String>>,
    grant_types_supported: Option<Vec<String>>,
    acr_values_supported: Option<Vec<String>>,
    subject_types_supported: Option<Vec<String>>,
    id_token_signing_alg_values_supported: Option<Vec<String>>,
    id_token_encryption_alg_values_supported: Option<Vec<String>>,
    id_token_encryption_enc_values_supported: Option<Vec<String>>,
    userinfo_signing_alg_values_supported: Option<Vec<String>>,
    userinfo_encryption_alg_values_supported: Option<Vec<String>>,
    userinfo_encryption_enc_values_supported: Option<Vec<String>>,
    request_object_signing_alg_values_supported: Option<Vec<String>>,
    request_object_encryption_alg_values_supported: Option<Vec<String>>,
    request_object_encryption_enc_values_supported: Option<Vec<String>>,
    token_endpoint_auth_methods_supported: Option<Vec<String>>,
    token_endpoint_auth_signing_alg_values_supported: Option<Vec<String>>,
    display_values_supported: Option<Vec<String>>,
    claim_types_supported: Option<Vec<String>>,
    claims_supported: Option<Vec<String>>,
    service_documentation: Option<String>,
    claims_locales_supported: Option<Vec<String>>,
    ui_locales_supported: Option<Vec<String>>,
    claims_parameter_supported: Option<bool>,
    request_parameter_supported: Option<bool>,
    request_uri_parameter_supported: Option<bool>,
    require_request_uri_registration: Option<bool>,
    op_policy_uri: Option<String>,
    op_tos_uri: Option<String>,
    // RFC 8414
    revocation_endpoint: Option<String>,
    revocation_endpoint_auth_methods_supported: Option<Vec<String>>,
    revocation_endpoint_auth_signing_alg_values_supported: Option<Vec<String>>,
    introspection_endpoint: Option<String>,
    introspection_endpoint_auth_methods_supported: Option<Vec<String>>,
    introspection_endpoint_auth_signing_alg_values_supported: Option<Vec<String>>,
    code_challenge_methods_supported: Option<Vec<String>>,
    signed_metadata: Option<String>,
    // Session management, logout, device flow, PAR, RFC 9207, mTLS, DPoP
    end_session_endpoint: Option<String>,
    check_session_iframe: Option<String>,
    frontchannel_logout_supported: Option<bool>,
    frontchannel_logout_session_supported: Option<bool>,
    backchannel_logout_supported: Option<bool>,
    backchannel_logout_session_supported: Option<bool>,
    device_authorization_endpoint: Option<String>,
    pushed_authorization_request_endpoint: Option<String>,
    require_pushed_authorization_requests: Option<bool>,
    authorization_response_iss_parameter_supported: Option<bool>,
    tls_client_certificate_bound_access_tokens: Option<bool>,
    dpop_signing_alg_values_supported: Option<Vec<String>>,
}

/// An OpenID Provider's metadata, validated, with the raw JSON kept verbatim.
///
/// Absent members read as the spec defaults where the specs define one (e.g.
/// [`grant_types_supported`](Self::grant_types_supported) defaults to
/// `authorization_code, implicit`).
#[derive(Debug, Clone)]
pub struct ProviderMetadata {
    raw: String,
    f: Fields,
    multi_tenant_template: bool,
    value: OnceLock<Value>,
}

impl PartialEq for ProviderMetadata {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}

macro_rules! str_getters {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        pub fn $name(&self) -> Option<&str> {
            self.f.$name.as_deref()
        }
    )*};
}

macro_rules! list_getters {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        pub fn $name(&self) -> &[String] {
            self.f.$name.as_deref().unwrap_or(&[])
        }
    )*};
}

const DEFAULT_RESPONSE_MODES: [&str; 2] = ["query", "fragment"];
const DEFAULT_GRANT_TYPES: [&str; 2] = ["authorization_code", "implicit"];
const DEFAULT_RESPONSE_TYPES: [&str; 3] = ["code", "id_token", "id_token token"];
const DEFAULT_AUTH_METHODS: [&str; 1] = ["client_secret_basic"];
const DEFAULT_CLAIM_TYPES: [&str; 1] = ["normal"];

fn list_or_default(list: Option<&Vec<String>>, default: &[&str]) -> Vec<String> {
    match list {
        Some(l) => l.clone(),
        None => default.iter().map(|s| (*s).to_owned()).collect(),
    }
}

impl ProviderMetadata {
    /// Reads a discovery document (e.g. one cached on disk) and checks it was issued by
    /// `expected_issuer`, exactly.
    pub fn load(raw_json: impl Into<String>, expected_issuer: &IssuerUrl) -> Result<Self, Error> {
        Self::load_with(raw_json, expected_issuer, &Quirks::default())
    }

    /// [`Self::load`] with provider workarounds.
    pub fn load_with(
        raw_json: impl Into<String>,
        expected_issuer: &IssuerUrl,
        quirks: &Quirks,
    ) -> Result<Self, Error> {
        let raw = raw_json.into();
        check_size(Document::Discovery, raw.len())?;
        check_json_text(Document::Discovery, raw.as_bytes())?;
        let f: Fields =
            serde_json::from_str(&raw).map_err(|e| json_error(Document::Discovery, e, true))?;
        let mut md = Self {
            raw,
            f,
            multi_tenant_template: false,
            value: OnceLock::new(),
        };
        md.validate(expected_issuer, quirks)?;
        Ok(md)
    }

    fn validate(&mut self, expected: &IssuerUrl, quirks: &Quirks) -> Result<(), Error> {
        let found = self
            .f
            .issuer
            .as_deref()
            .ok_or(Error::MissingMember { member: "issuer" })?;
        if found != expected.as_str() {
            if quirks.microsoft_multi_tenant_issuer && template_matches(found, expected.as_str()) {
                self.multi_tenant_template = true;
            } else {
                return Err(Error::IssuerMismatch {
                    expected: expected.as_str().to_owned(),
                    found: found.to_owned(),
                });
            }
        }
        if self.f.authorization_endpoint.is_none() {
            return Err(Error::MissingMember {
                member: "authorization_endpoint",
            });
        }
        if self.f.jwks_uri.is_none() {
            return Err(Error::MissingMember { member: "jwks_uri" });
        }
        let endpoints: [(&'static str, &Option<String>); 11] = [
            ("authorization_endpoint", &self.f.authorization_endpoint),
            ("token_endpoint", &self.f.token_endpoint),
            ("userinfo_endpoint", &self.f.userinfo_endpoint),
            ("jwks_uri", &self.f.jwks_uri),
            ("registration_endpoint", &self.f.registration_endpoint),
            ("revocation_endpoint", &self.f.revocation_endpoint),
            ("introspection_endpoint", &self.f.introspection_endpoint),
            ("end_session_endpoint", &self.f.end_session_endpoint),
            (
                "device_authorization_endpoint",
                &self.f.device_authorization_endpoint,
            ),
            (
                "pushed_authorization_request_endpoint",
                &self.f.pushed_authorization_request_endpoint,
            ),
            ("check_session_iframe", &self.f.check_session_iframe),
        ];
        for (member, value) in endpoints {
            if let Some(url) = value {
                check_endpoint(member, url)?;
            }
        }
        Ok(())
    }

    /// The raw discovery document, verbatim (the seed's `discovery_doc_details_content`).
    pub fn raw_json(&self) -> &str {
        &self.raw
    }

    /// The issuer as published (the seed's `discovery_doc_details_issuer`). For a Microsoft
    /// multi-tenant document this is the `{tenantid}` template.
    pub fn issuer(&self) -> &str {
        // `validate` refused documents without an issuer.
        self.f.issuer.as_deref().unwrap_or_default()
    }

    /// Whether the issuer is Microsoft's `{tenantid}` template (accepted by the quirk).
    pub fn is_multi_tenant_template(&self) -> bool {
        self.multi_tenant_template
    }

    /// Whether an ID token's `iss` belongs to this provider: exact equality, or, for a
    /// multi-tenant template, equality after substituting the token's `tid`.
    pub fn issuer_matches(&self, iss: &str, tid: Option<&str>) -> bool {
        if iss == self.issuer() {
            return !self.multi_tenant_template;
        }
        match (self.multi_tenant_template, tid) {
            (true, Some(tid)) if !tid.is_empty() && !tid.contains('/') => {
                self.issuer().replace("{tenantid}", tid) == iss
            }
            _ => false,
        }
    }

    /// The authorization endpoint (required; the seed's `discovery_doc_details_auth_url`).
    pub fn authorization_endpoint(&self) -> &str {
        // `validate` refused documents without one.
        self.f.authorization_endpoint.as_deref().unwrap_or_default()
    }

    /// The JWKS URL (required; the seed's `discovery_doc_details_signer_cert_url`).
    pub fn jwks_uri(&self) -> &str {
        // `validate` refused documents without one.
        self.f.jwks_uri.as_deref().unwrap_or_default()
    }

    str_getters! {
        /// The token endpoint (`discovery_doc_details_token_url`).
        token_endpoint;
        /// The UserInfo endpoint (`discovery_doc_details_user_info_url`).
        userinfo_endpoint;
        /// The dynamic registration endpoint (`discovery_doc_details_registration_url`).
        registration_endpoint;
        /// Human-readable documentation (`discovery_doc_details_service_docs_url`).
        service_documentation;
        /// The policy URL.
        op_policy_uri;
        /// The terms of service URL.
        op_tos_uri;
        /// RFC 7009 revocation endpoint.
        revocation_endpoint;
        /// RFC 7662 introspection endpoint.
        introspection_endpoint;
        /// RFC 8414 signed metadata (a JWT), unverified.
        signed_metadata;
        /// RP-initiated logout endpoint (`discovery_doc_details_logout_url`).
        end_session_endpoint;
        /// Session management iframe.
        check_session_iframe;
        /// RFC 8628 device authorization endpoint.
        device_authorization_endpoint;
        /// RFC 9126 pushed authorization request endpoint.
        pushed_authorization_request_endpoint;
    }

    list_getters! {
        /// `scopes_supported` (empty when absent).
        scopes_supported;
        /// `acr_values_supported`.
        acr_values_supported;
        /// `subject_types_supported`.
        subject_types_supported;
        /// `id_token_signing_alg_values_supported`.
        id_token_signing_alg_values_supported;
        /// `id_token_encryption_alg_values_supported`.
        id_token_encryption_alg_values_supported;
        /// `id_token_encryption_enc_values_supported`.
        id_token_encryption_enc_values_supported;
        /// `userinfo_signing_alg_values_supported`.
        userinfo_signing_alg_values_supported;
        /// `userinfo_encryption_alg_values_supported`.
        userinfo_encryption_alg_values_supported;
        /// `userinfo_encryption_enc_values_supported`.
        userinfo_encryption_enc_values_supported;
        /// `request_object_signing_alg_values_supported`.
        request_object_signing_alg_values_supported;
        /// `request_object_encryption_alg_values_supported`.
        request_object_encryption_alg_values_supported;
        /// `request_object_encryption_enc_values_supported`.
        request_object_encryption_enc_values_supported;
        /// `token_endpoint_auth_signing_alg_values_supported`.
        token_endpoint_auth_signing_alg_values_supported;
        /// `display_values_supported`.
        display_values_supported;
        /// `claims_supported`.
        claims_supported;
        /// `claims_locales_supported`.
        claims_locales_supported;
        /// `ui_locales_supported`.
        ui_locales_supported;
        /// `revocation_endpoint_auth_methods_supported`.
        revocation_endpoint_auth_methods_supported;
        /// `revocation_endpoint_auth_signing_alg_values_supported`.
        revocation_endpoint_auth_signing_alg_values_supported;
        /// `introspection_endpoint_auth_methods_supported`.
        introspection_endpoint_auth_methods_supported;
        /// `introspection_endpoint_auth_signing_alg_values_supported`.
        introspection_endpoint_auth_signing_alg_values_supported;
        /// RFC 7636 `code_challenge_methods_supported` (empty: the provider did not say).
        code_challenge_methods_supported;
        /// RFC 9449 `dpop_signing_alg_values_supported`.
        dpop_signing_alg_values_supported;
    }

    /// `response_types_supported`; when absent, the seed's default `code`, `id_token`,
    /// `id_token token`.
    pub fn response_types_supported(&self) -> Vec<String> {
        list_or_default(
            self.f.response_types_supported.as_ref(),
            &DEFAULT_RESPONSE_TYPES,
        )
    }

    /// `response_modes_supported`; default `query`, `fragment` (Discovery §3).
    pub fn response_modes_supported(&self) -> Vec<String> {
        list_or_default(
            self.f.response_modes_supported.as_ref(),
            &DEFAULT_RESPONSE_MODES,
        )
    }

    /// `grant_types_supported`; default `authorization_code`, `implicit` (Discovery §3).
    pub fn grant_types_supported(&self) -> Vec<String> {
        list_or_default(self.f.grant_types_supported.as_ref(), &DEFAULT_GRANT_TYPES)
    }

    /// `token_endpoint_auth_methods_supported`; default `client_secret_basic`.
    pub fn token_endpoint_auth_methods_supported(&self) -> Vec<String> {
        list_or_default(
            self.f.token_endpoint_auth_methods_supported.as_ref(),
            &DEFAULT_AUTH_METHODS,
        )
    }

    /// `claim_types_supported`; default `normal`.
    pub fn claim_types_supported(&self) -> Vec<String> {
        list_or_default(self.f.claim_types_supported.as_ref(), &DEFAULT_CLAIM_TYPES)
    }

    /// `claims_parameter_supported`; default `false`.
    pub fn claims_parameter_supported(&self) -> bool {
        self.f.claims_parameter_supported.unwrap_or(false)
    }

    /// `request_parameter_supported`; default `false`.
    pub fn request_parameter_supported(&self) -> bool {
        self.f.request_parameter_supported.unwrap_or(false)
    }

    /// `request_uri_parameter_supported`; default `true`.
    pub fn request_uri_parameter_supported(&self) -> bool {
        self.f.request_uri_parameter_supported.unwrap_or(true)
    }

    /// `require_request_uri_registration`; default `false`.
    pub fn require_request_uri_registration(&self) -> bool {
        self.f.require_request_uri_registration.unwrap_or(false)
    }

    /// `frontchannel_logout_supported`; default `false`.
    pub fn frontchannel_logout_supported(&self) -> bool {
        self.f.frontchannel_logout_supported.unwrap_or(false)
    }

    /// `frontchannel_logout_session_supported`; default `false`.
    pub fn frontchannel_logout_session_supported(&self) -> bool {
        self.f
            .frontchannel_logout_session_supported
            .unwrap_or(false)
    }

    /// `backchannel_logout_supported`; default `false`.
    pub fn backchannel_logout_supported(&self) -> bool {
        self.f.backchannel_logout_supported.unwrap_or(false)
    }

    /// `backchannel_logout_session_supported`; default `false`.
    pub fn backchannel_logout_session_supported(&self) -> bool {
        self.f.backchannel_logout_session_supported.unwrap_or(false)
    }

    /// `require_pushed_authorization_requests`; default `false`.
    pub fn require_pushed_authorization_requests(&self) -> bool {
        self.f
            .require_pushed_authorization_requests
            .unwrap_or(false)
    }

    /// RFC 9207 `authorization_response_iss_parameter_supported`; default `false`.
    pub fn authorization_response_iss_parameter_supported(&self) -> bool {
        self.f
            .authorization_response_iss_parameter_supported
            .unwrap_or(false)
    }

    /// RFC 8705 `tls_client_certificate_bound_access_tokens`; default `false`.
    pub fn tls_client_certificate_bound_access_tokens(&self) -> bool {
        self.f
            .tls_client_certificate_bound_access_tokens
            .unwrap_or(false)
    }

    /// Whether PKCE S256 is advertised.
    pub fn supports_pkce_s256(&self) -> bool {
        self.code_challenge_methods_supported()
            .iter()
            .any(|m| m == "S256")
    }

    /// The seed's `discovery_doc_details_supported_scopes`: comma-separated.
    pub fn supported_scopes(&self) -> String {
        self.scopes_supported().join(",")
    }

    /// The seed's `discovery_doc_details_supported_claims`.
    pub fn supported_claims(&self) -> String {
        self.claims_supported().join(",")
    }

    /// The seed's `discovery_doc_details_supported_displays`.
    pub fn supported_displays(&self) -> String {
        self.display_values_supported().join(",")
    }

    /// The seed's `discovery_doc_details_supported_grant_types` (with the default).
    pub fn supported_grant_types(&self) -> String {
        self.grant_types_supported().join(",")
    }

    /// The seed's `discovery_doc_details_supported_response_types` (with the default).
    pub fn supported_response_types(&self) -> String {
        self.response_types_supported().join(",")
    }

    /// The whole document as a JSON value (parsed from the raw JSON on first use).
    pub fn json(&self) -> &Value {
        self.value.get_or_init(|| {
            // The raw text parsed into `Fields` in `load`, so it is valid JSON; the
            // `Null` fallback is never taken.
            serde_json::from_str(&self.raw).unwrap_or(Value::Null)
        })
    }

    /// Any member as text, by name (`"authorization_endpoint"`), JSON pointer
    /// (`"/mtls_endpoint_aliases/token_endpoint"`) or the seed's `/json/...` path
    /// (`"/json/mtls_endpoint_aliases/token_endpoint"`). Strings come unquoted, other
    /// values as compact JSON; `None` when absent.
    pub fn get_metadata(&self, name_or_path: &str) -> Option<String> {
        oidc_jose::lookup(self.json(), name_or_path).map(oidc_jose::value_text)
    }

    /// Any member as a JSON value (see [`Self::get_metadata`]).
    pub fn get_metadata_value(&self, name_or_path: &str) -> Option<&Value> {
        oidc_jose::lookup(self.json(), name_or_path)
    }
}

/// `{tenantid}` template accepted for `expected` when replacing the template by the
/// expected issuer's path segment at the same place gives the expected issuer.
fn template_matches(template: &str, expected: &str) -> bool {
    let Some((prefix, suffix)) = template.split_once("{tenantid}") else {
        return false;
    };
    let Some(rest) = expected.strip_prefix(prefix) else {
        return false;
    };
    let Some(segment) = rest.strip_suffix(suffix) else {
        return false;
    };
    !segment.is_empty() && !segment.contains('/')
}

fn check_endpoint(member: &'static str, url: &str) -> Result<(), Error> {
    let bad = |reason| Error::InvalidEndpoint {
        member,
        url: url.to_owned(),
        reason,
    };
    // Fast path for the common case: `https://host...` with no whitespace or controls.
    if let Some(rest) = url.strip_prefix("https://")
        && !rest.is_empty()
        && !rest.starts_with(['/', '?', '#', ':'])
        && !url.bytes().any(|b| b <= b' ' || b == 0x7f)
    {
        return Ok(());
    }
    let parsed = url::Url::parse(url).map_err(|_| bad("not an absolute URL"))?;
    match parsed.scheme() {
        "https" => Ok(()),
        "http" => {
            let loopback = match parsed.host() {
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                None => false,
            };
            if loopback {
                Ok(())
            } else {
                Err(bad("http is allowed only for loopback hosts; use https"))
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

/// The discovery request for `issuer` (Discovery §4.1): `GET
/// <issuer>/.well-known/openid-configuration`, accepting JSON.
pub fn discovery_request(issuer: &IssuerUrl) -> HttpRequest {
    let mut req = HttpRequest::new(Vec::new());
    *req.method_mut() = http::Method::GET;
    // A URL parsed by `url` is always a valid URI; the fallback is never taken.
    *req.uri_mut() = issuer.discovery_url().as_str().parse().unwrap_or_default();
    req.headers_mut().insert(
        http::header::ACCEPT,
        http::HeaderValue::from_static("application/json"),
    );
    req
}

/// Reads the response to [`discovery_request`]: status 200, JSON, a valid document whose
/// `issuer` equals `issuer` exactly (Discovery §4.3), or an [`Error`] with code 900.
pub fn parse_discovery_response(
    issuer: &IssuerUrl,
    response: HttpResponse,
) -> Result<ProviderMetadata, Error> {
    parse_discovery_response_with(issuer, response, &Quirks::default())
}

/// [`parse_discovery_response`] with provider workarounds.
pub fn parse_discovery_response_with(
    issuer: &IssuerUrl,
    response: HttpResponse,
    quirks: &Quirks,
) -> Result<ProviderMetadata, Error> {
    check_response(Document::Discovery, &response)?;
    let raw = String::from_utf8(response.into_body()).map_err(|e| Error::InvalidJson {
        what: Document::Discovery,
        source: serde::de::Error::custom(e),
    })?;
    ProviderMetadata::load_with(raw, issuer, quirks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_matching() {
        let t = "https://login.microsoftonline.com/{tenantid}/v2.0";
        assert!(template_matches(
            t,
            "https://login.microsoftonline.com/common/v2.0"
        ));
        assert!(template_matches(
            t,
            "https://login.microsoftonline.com/organizations/v2.0"
        ));
        assert!(!template_matches(
            t,
            "https://login.microsoftonline.com/v2.0"
        ));
        assert!(!template_matches(
            t,
            "https://login.microsoftonline.com/a/b/v2.0"
        ));
        assert!(!template_matches(t, "https://evil.example/common/v2.0"));
        assert!(!template_matches(
            "https://op.example",
            "https://op.example/x"
        ));
    }

    #[test]
    fn endpoint_rules() {
        assert!(check_endpoint("token_endpoint", "https://op.example/token").is_ok());
        assert!(check_endpoint("token_endpoint", "http://127.0.0.1:9/token").is_ok());
        assert!(check_endpoint("token_endpoint", "http://localhost/token").is_ok());
        assert!(check_endpoint("token_endpoint", "http://op.example/token").is_err());
        assert!(check_endpoint("token_endpoint", "/token").is_err());
        assert!(check_endpoint("token_endpoint", "ftp://op.example/").is_err());
    }
}
