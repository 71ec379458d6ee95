//! The alternatives the hand-written readers are measured against: what plain derived serde
//! would do for the same job. They exist only in this benchmark, to settle (in the same run)
//! whether a reader must stay hand-written to meet its goal (docs/PERFORMANCE.md).

use oidc_core::json_check::AnyJson;
use oidc_core::url::{Position, Url};
use serde::Deserialize;

/// A discovery document as `#[derive(Deserialize)]` reads it: every member owned.
#[derive(Deserialize)]
#[allow(dead_code, reason = "read to be measured, not used")]
pub(crate) struct DerivedMetadata {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: Option<String>,
    userinfo_endpoint: Option<String>,
    jwks_uri: String,
    registration_endpoint: Option<String>,
    service_documentation: Option<String>,
    op_policy_uri: Option<String>,
    op_tos_uri: Option<String>,
    revocation_endpoint: Option<String>,
    introspection_endpoint: Option<String>,
    signed_metadata: Option<String>,
    end_session_endpoint: Option<String>,
    check_session_iframe: Option<String>,
    device_authorization_endpoint: Option<String>,
    pushed_authorization_request_endpoint: Option<String>,
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
    claims_locales_supported: Option<Vec<String>>,
    ui_locales_supported: Option<Vec<String>>,
    revocation_endpoint_auth_methods_supported: Option<Vec<String>>,
    revocation_endpoint_auth_signing_alg_values_supported: Option<Vec<String>>,
    introspection_endpoint_auth_methods_supported: Option<Vec<String>>,
    introspection_endpoint_auth_signing_alg_values_supported: Option<Vec<String>>,
    code_challenge_methods_supported: Option<Vec<String>>,
    dpop_signing_alg_values_supported: Option<Vec<String>>,
    claims_parameter_supported: Option<bool>,
    request_parameter_supported: Option<bool>,
    request_uri_parameter_supported: Option<bool>,
    require_request_uri_registration: Option<bool>,
    frontchannel_logout_supported: Option<bool>,
    frontchannel_logout_session_supported: Option<bool>,
    backchannel_logout_supported: Option<bool>,
    backchannel_logout_session_supported: Option<bool>,
    require_pushed_authorization_requests: Option<bool>,
    authorization_response_iss_parameter_supported: Option<bool>,
    tls_client_certificate_bound_access_tokens: Option<bool>,
}

/// The same job as `ProviderMetadata::load` done with the derived struct: the typed pass,
/// a second pass reading unknown members in full (a derive skips them unread, which let
/// `1e400` through once), the issuer compared, every endpoint parsed as a URL, the raw text
/// kept. Endpoints on the issuer's origin take the same shortcut as `load` (resolved against
/// the issuer's URL, kept when that serializes to the same text).
pub(crate) fn load_derived(raw: &str, issuer: &Url) -> Option<(DerivedMetadata, Vec<Url>, String)> {
    let md: DerivedMetadata = serde_json::from_str(raw).ok()?;
    serde_json::from_str::<AnyJson>(raw).ok()?;
    if md.issuer != issuer.as_str().trim_end_matches('/') && md.issuer != issuer.as_str() {
        return None;
    }
    let origin = &issuer[..Position::BeforePath];
    let parse = |e: &str| -> Option<Url> {
        if let Some(rest) = e.strip_prefix(origin)
            && rest.starts_with('/')
            && let Ok(u) = issuer.join(rest)
            && u.as_str() == e
        {
            return Some(u);
        }
        Url::parse(e).ok()
    };
    let mut urls = Vec::with_capacity(11);
    for e in [
        Some(&md.authorization_endpoint),
        Some(&md.jwks_uri),
        md.token_endpoint.as_ref(),
        md.userinfo_endpoint.as_ref(),
        md.registration_endpoint.as_ref(),
        md.revocation_endpoint.as_ref(),
        md.introspection_endpoint.as_ref(),
        md.end_session_endpoint.as_ref(),
        md.check_session_iframe.as_ref(),
        md.device_authorization_endpoint.as_ref(),
        md.pushed_authorization_request_endpoint.as_ref(),
    ]
    .into_iter()
    .flatten()
    {
        urls.push(parse(e)?);
    }
    Some((md, urls, raw.to_owned()))
}

/// One JWK as a derive reads it (the members `oidc_jose::Jwk` reads).
#[derive(Deserialize)]
#[allow(dead_code, reason = "read to be measured, not used")]
pub(crate) struct DerivedJwk {
    kty: Option<String>,
    kid: Option<String>,
    alg: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
    key_ops: Option<Vec<String>>,
    x5c: Option<Vec<String>>,
    n: Option<String>,
    e: Option<String>,
    crv: Option<String>,
    x: Option<String>,
    y: Option<String>,
    k: Option<String>,
}

/// The derived route for a JWKS: the document as a `Value` (strict for every member, and an
/// entry that is not a key must be skipped, not fail the set, so each entry is read on its
/// own), then each key through the derived struct. It stops before decoding the keys
/// (base64url, sizes, the EC point), which the hand-written reader's figure includes: a lower
/// bound of what the derived route would cost.
pub(crate) fn jwks_derived_lower_bound(raw: &str) -> Option<Vec<DerivedJwk>> {
    let doc: serde_json::Value = serde_json::from_str(raw).ok()?;
    let keys = doc.as_object()?.get("keys")?.as_array()?;
    Some(
        keys.iter()
            .filter_map(|k| DerivedJwk::deserialize(k).ok())
            .collect(),
    )
}
