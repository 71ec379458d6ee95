//! How ID tokens and token responses are checked. Every setting here loosens a check
//! the defaults make; each says what it costs.

use std::time::Duration;

use oidc_jose::{ExpectedIssuer, SkipChecks};

use super::OidcDesktopBuilder;

impl OidcDesktopBuilder {
    /// The `iss` the ID token must carry, when it is not the issuer itself (a provider
    /// whose tokens name another issuer identifier, or a pattern such as Microsoft's
    /// multi-tenant `{tenantid}`).
    #[must_use]
    pub fn expected_issuer(mut self, issuer: ExpectedIssuer) -> Self {
        self.config.expected_issuer = Some(issuer);
        self
    }

    /// The audience the ID token must name, when it is not the client id.
    #[must_use]
    pub fn expected_audience(mut self, audience: impl Into<String>) -> Self {
        self.config.expected_audience = Some(audience.into());
        self
    }

    /// ID token checks to skip (default none). Each skipped check is a way a forged or
    /// replayed token gets in: use this for a provider that cannot pass one, never by habit.
    #[must_use]
    pub fn skip_checks(mut self, skip: SkipChecks) -> Self {
        self.config.skip_checks = skip;
        self
    }

    /// The clock skew allowed when checking `exp`, `iat`, `nbf` and `auth_time` (default
    /// 60 s; whole seconds).
    #[must_use]
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.config.leeway_secs = i64::try_from(leeway.as_secs()).unwrap_or(i64::MAX);
        self
    }

    /// Accepts ID tokens with `alg: none`, which anyone can write. Only for a test
    /// provider that cannot sign; never against a real one.
    #[must_use]
    pub fn insecure_accept_unsigned_id_tokens(mut self, on: bool) -> Self {
        self.config.insecure_accept_unsigned_id_tokens = on;
        self
    }

    /// Accepts ID tokens (and signed UserInfo) MACed with the client secret (HS256/384/512)
    /// when the provider offers them. Off by default: a desktop client's secret is not
    /// confidential (RFC 8252 §8.5), so anyone who extracted it could mint such tokens.
    /// Even when on, a secret shorter than the hash output is refused (RFC 7518 §3.2).
    #[must_use]
    pub fn allow_hmac_id_tokens(mut self, on: bool) -> Self {
        self.config.allow_hmac_id_tokens = on;
        self
    }

    /// Accepts `expires_in` sent as a string of digits (a known provider deviation from
    /// RFC 6749 §5.1, which makes it a number).
    #[must_use]
    pub fn accept_string_expires_in(mut self, on: bool) -> Self {
        self.config.accept_string_expires_in = on;
        self
    }
}
