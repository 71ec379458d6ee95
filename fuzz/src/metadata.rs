//! Discovery documents (OpenID Connect Discovery and RFC 8414) and JWKS responses.

use oidc_core::IssuerUrl;
use oidc_discovery::{
    Quirks, parse_discovery_response, parse_discovery_response_with, parse_jwks_response,
    parse_oauth_metadata_response,
};
use serde_json::Value;

use crate::http_input::response;

/// A discovery response is accepted only for the issuer it names, and what the parsed
/// document reports is what a plain JSON parse of the same bytes reads (no parser
/// differential between the check and the use of a member).
pub fn discovery(data: &[u8]) {
    let r = response(data);
    let json: Option<Value> = serde_json::from_slice(r.body()).ok();
    let named = json
        .as_ref()
        .and_then(|v| v.get("issuer")?.as_str())
        .and_then(|s| IssuerUrl::new_allowing_http_localhost(s).ok());
    let issuer = named.unwrap_or_else(|| match IssuerUrl::new("https://op.example") {
        Ok(i) => i,
        Err(e) => panic!("fixed issuer refused: {e}"),
    });
    if let Ok(md) = parse_discovery_response(&issuer, r.clone()) {
        let Some(v) = json.as_ref() else {
            panic!("discovery accepted a body that is no JSON")
        };
        let text = |name: &str| v.get(name).and_then(Value::as_str);
        assert_eq!(md.issuer(), issuer.as_str());
        assert_eq!(text("issuer"), Some(md.issuer()));
        // Endpoints are handed out parsed: the same URL as the member's text, parsed.
        let url = |name: &str| text(name).and_then(|t| oidc_core::url::Url::parse(t).ok());
        assert_eq!(
            url("authorization_endpoint").as_ref(),
            Some(md.authorization_endpoint())
        );
        assert_eq!(url("jwks_uri").as_ref(), Some(md.jwks_uri()));
        assert_eq!(url("token_endpoint").as_ref(), md.token_endpoint());
        assert_eq!(url("userinfo_endpoint").as_ref(), md.userinfo_endpoint());
        assert_eq!(
            url("end_session_endpoint").as_ref(),
            md.end_session_endpoint()
        );
        assert_eq!(
            url("revocation_endpoint").as_ref(),
            md.revocation_endpoint()
        );
        let algs: Vec<&str> = md
            .id_token_signing_alg_values_supported()
            .iter()
            .map(String::as_str)
            .collect();
        if let Some(listed) = v
            .get("id_token_signing_alg_values_supported")
            .and_then(Value::as_array)
        {
            let listed: Vec<&str> = listed.iter().filter_map(Value::as_str).collect();
            assert_eq!(algs, listed);
        }
        let _ = (md.response_types_supported(), md.grant_types_supported());
        let _ = md.issuer_matches("https://op.example", Some("tenant"));
    }
    let _ = parse_discovery_response_with(
        &issuer,
        r.clone(),
        &Quirks::none().microsoft_multi_tenant_issuer(true),
    );
    if let Ok(md) = parse_oauth_metadata_response(&issuer, &r) {
        assert_eq!(md.issuer(), issuer.as_str());
        for member in oidc_discovery::OAUTH_ENDPOINT_MEMBERS {
            let _ = md.endpoint(member);
        }
    }
    if let Ok(keys) = parse_jwks_response(r) {
        let _ = keys.set().len();
    }
}
