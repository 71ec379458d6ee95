//! Endpoints given by the application instead of the provider's metadata: for a provider
//! whose discovery document lacks one, or names a wrong one. Each must be `https`, or
//! loopback `http` when the issuer itself is; [`OidcDesktopBuilder::build`] checks.

use url::Url;

use super::OidcDesktopBuilder;

impl OidcDesktopBuilder {
    /// The authorization endpoint, instead of the metadata's.
    #[must_use]
    pub fn authorization_endpoint(mut self, url: Url) -> Self {
        self.config.authorization_endpoint = Some(url);
        self
    }

    /// The token endpoint, instead of the metadata's.
    #[must_use]
    pub fn token_endpoint(mut self, url: Url) -> Self {
        self.config.token_endpoint = Some(url);
        self
    }

    /// The UserInfo endpoint, instead of the metadata's.
    #[must_use]
    pub fn userinfo_endpoint(mut self, url: Url) -> Self {
        self.config.userinfo_endpoint = Some(url);
        self
    }

    /// The revocation endpoint (RFC 7009), instead of the metadata's.
    #[must_use]
    pub fn revocation_endpoint(mut self, url: Url) -> Self {
        self.config.revocation_endpoint = Some(url);
        self
    }

    /// The device authorization endpoint (RFC 8628), instead of the metadata's.
    #[must_use]
    pub fn device_authorization_endpoint(mut self, url: Url) -> Self {
        self.config.device_authorization_endpoint = Some(url);
        self
    }

    /// The end-session endpoint (RP-initiated logout), instead of the metadata's.
    #[must_use]
    pub fn end_session_endpoint(mut self, url: Url) -> Self {
        self.config.end_session_endpoint = Some(url);
        self
    }
}
