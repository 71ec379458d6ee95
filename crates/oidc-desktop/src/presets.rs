//! Provider presets: what a well-known provider needs beyond the standard, as one value
//! (docs/PROVIDERS.md says where each rule comes from).

use oidc_core::{Prompt, ResponseMode, Scope};
use oidc_discovery::Quirks;

use crate::config::Config;

/// A well-known provider whose quirks the client should follow.
///
/// ```
/// use oidc_desktop::ProviderPreset;
/// let p = ProviderPreset::from_name("entra").unwrap();
/// assert_eq!(p.default_issuer(), Some("https://login.microsoftonline.com/common/v2.0"));
/// assert!(p.quirks().microsoft_multi_tenant_issuer);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProviderPreset {
    /// Google: refresh tokens come from `access_type=offline` (and `prompt=consent`), not from
    /// `offline_access`; installed-app clients send their (non-confidential) secret.
    Google,
    /// Microsoft Entra ID: the multi-tenant issuer `…/{tenantid}/v2.0` of the `common` and
    /// `organizations` metadata, checked against each token's `tid`; refresh tokens need
    /// `offline_access`.
    Entra,
    /// Okta: refresh tokens need `offline_access`; a refresh may answer without an ID token.
    Okta,
    /// Auth0: refresh tokens need `offline_access`; the issuer ends with `/`.
    Auth0,
    /// Keycloak: nothing beyond the standard (register `http://127.0.0.1/*`).
    Keycloak,
    /// Dex: refresh tokens need `offline_access`.
    Dex,
    /// Sign in with Apple: `form_post` when `name` or `email` is requested.
    Apple,
}

impl ProviderPreset {
    /// Every preset.
    pub const ALL: [ProviderPreset; 7] = [
        ProviderPreset::Google,
        ProviderPreset::Entra,
        ProviderPreset::Okta,
        ProviderPreset::Auth0,
        ProviderPreset::Keycloak,
        ProviderPreset::Dex,
        ProviderPreset::Apple,
    ];

    /// The preset's name (`google`, `entra`, …).
    pub fn name(self) -> &'static str {
        match self {
            ProviderPreset::Google => "google",
            ProviderPreset::Entra => "entra",
            ProviderPreset::Okta => "okta",
            ProviderPreset::Auth0 => "auth0",
            ProviderPreset::Keycloak => "keycloak",
            ProviderPreset::Dex => "dex",
            ProviderPreset::Apple => "apple",
        }
    }

    /// The preset of a name, case-insensitively.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(name))
    }

    /// The issuer when the provider has one for everybody (Google, Entra's multi-tenant
    /// `common`, Apple); the others are per tenant and must be given.
    pub fn default_issuer(self) -> Option<&'static str> {
        match self {
            ProviderPreset::Google => Some("https://accounts.google.com"),
            ProviderPreset::Entra => Some("https://login.microsoftonline.com/common/v2.0"),
            ProviderPreset::Apple => Some("https://appleid.apple.com"),
            _ => None,
        }
    }

    /// The discovery workarounds the provider needs.
    pub fn quirks(self) -> Quirks {
        Quirks::none().microsoft_multi_tenant_issuer(self == ProviderPreset::Entra)
    }

    /// Whether the provider's public desktop clients must still send a client secret.
    pub fn needs_client_secret(self) -> bool {
        self == ProviderPreset::Google
    }

    /// Adjusts `c` to the provider: what it needs for a refresh token, and the response
    /// mode it requires. Settings the application made explicitly are kept.
    pub(crate) fn apply(self, c: &mut Config) {
        let add_scope = |c: &mut Config, s: &str| {
            if !c.scope.contains(s) {
                c.scope = Scope::new(&format!("{} {s}", c.scope));
            }
        };
        match self {
            ProviderPreset::Google => {
                if !c.extra_params.iter().any(|(k, _)| k == "access_type") {
                    c.extra_params
                        .push(("access_type".to_owned(), "offline".to_owned()));
                }
                if c.prompt.is_empty() {
                    c.prompt = vec![Prompt::Consent];
                }
            }
            ProviderPreset::Entra
            | ProviderPreset::Okta
            | ProviderPreset::Auth0
            | ProviderPreset::Dex => add_scope(c, "offline_access"),
            ProviderPreset::Keycloak => {}
            ProviderPreset::Apple => {
                if c.response_mode.is_none()
                    && (c.scope.contains("name") || c.scope.contains("email"))
                {
                    c.response_mode = Some(ResponseMode::FormPost);
                }
            }
        }
    }
}

impl std::fmt::Display for ProviderPreset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applied(p: ProviderPreset, scope: &str) -> Config {
        let mut c = Config::new("app".to_owned());
        c.scope = Scope::new(scope);
        p.apply(&mut c);
        c
    }

    #[test]
    fn each_preset_adjusts_what_its_provider_needs() {
        let g = applied(ProviderPreset::Google, "openid email");
        assert!(
            g.extra_params
                .contains(&("access_type".into(), "offline".into()))
        );
        assert_eq!(g.prompt, vec![Prompt::Consent]);
        assert!(!g.scope.contains("offline_access"));
        for p in [
            ProviderPreset::Entra,
            ProviderPreset::Okta,
            ProviderPreset::Auth0,
            ProviderPreset::Dex,
        ] {
            let c = applied(p, "openid");
            assert!(c.scope.contains("offline_access"), "{p}");
            // applying twice adds nothing twice
            let mut again = c.clone();
            p.apply(&mut again);
            assert_eq!(again.scope.to_string(), c.scope.to_string(), "{p}");
        }
        assert_eq!(
            applied(ProviderPreset::Apple, "openid name email").response_mode,
            Some(ResponseMode::FormPost)
        );
        assert_eq!(applied(ProviderPreset::Apple, "openid").response_mode, None);
        let k = applied(ProviderPreset::Keycloak, "openid");
        assert_eq!(k.scope.to_string(), "openid");
        assert!(
            ProviderPreset::ALL
                .iter()
                .all(|p| ProviderPreset::from_name(p.name()) == Some(*p))
        );
        assert_eq!(
            ProviderPreset::from_name("ENTRA"),
            Some(ProviderPreset::Entra)
        );
        assert_eq!(ProviderPreset::from_name("gitlab"), None);
    }

    #[test]
    fn explicit_settings_are_kept() {
        let mut c = Config::new("app".to_owned());
        c.prompt = vec![Prompt::SelectAccount];
        c.extra_params.push(("access_type".into(), "online".into()));
        ProviderPreset::Google.apply(&mut c);
        assert_eq!(c.prompt, vec![Prompt::SelectAccount]);
        assert_eq!(
            c.extra_params,
            vec![("access_type".to_owned(), "online".to_owned())]
        );
    }
}
