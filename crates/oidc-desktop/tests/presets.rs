//! Provider presets against the stored discovery documents of the real providers.
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use oidc_core::IssuerUrl;
use oidc_desktop::ProviderPreset;
use oidc_discovery::{ProviderMetadata, Quirks};

fn fixture(name: &str) -> &'static str {
    match name {
        "google" => include_str!("../../oidc-discovery/tests/fixtures/google.json"),
        "apple" => include_str!("../../oidc-discovery/tests/fixtures/apple.json"),
        "okta" => include_str!("../../oidc-discovery/tests/fixtures/okta.json"),
        "auth0" => include_str!("../../oidc-discovery/tests/fixtures/auth0.json"),
        "keycloak" => include_str!("../../oidc-discovery/tests/fixtures/keycloak.json"),
        "entra" => include_str!("../../oidc-discovery/tests/fixtures/microsoft-common.json"),
        other => panic!("no fixture for {other}"),
    }
}

fn issuer_of(raw: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(raw).unwrap();
    v["issuer"].as_str().unwrap().to_owned()
}

#[test]
fn each_presets_discovery_document_loads_with_its_quirks() {
    for name in ["google", "apple", "okta", "auth0", "keycloak", "entra"] {
        let preset = ProviderPreset::from_name(name).unwrap();
        let raw = fixture(name);
        // The issuer a user configures: the preset's own, else the document's.
        let issuer = preset
            .default_issuer()
            .map_or_else(|| issuer_of(raw), str::to_owned);
        let issuer = IssuerUrl::new(issuer).unwrap();
        let md = ProviderMetadata::load_with(raw, &issuer, &preset.quirks())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        if preset.default_issuer().is_some() {
            assert!(
                md.authorization_endpoint().as_str().starts_with("https://"),
                "{name}"
            );
        }
    }
}

#[test]
fn entras_common_document_needs_the_preset() {
    let issuer = IssuerUrl::new(ProviderPreset::Entra.default_issuer().unwrap()).unwrap();
    let raw = fixture("entra");
    // Its issuer is the template `…/{tenantid}/v2.0`, which only the preset accepts.
    assert!(ProviderMetadata::load_with(raw, &issuer, &Quirks::none()).is_err());
    let md = ProviderMetadata::load_with(raw, &issuer, &ProviderPreset::Entra.quirks()).unwrap();
    assert!(md.is_multi_tenant_template());
}
