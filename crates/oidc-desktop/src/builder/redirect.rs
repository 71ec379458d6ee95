//! Waiting for the user: the loopback redirect, the browser's last page, what happens when
//! no browser opens, the timeout and the log level.

use std::time::Duration;

use oidc_loopback::TlsIdentity;

use super::OidcDesktopBuilder;
use crate::config::BrowserFailure;
use crate::events::LogLevel;

impl OidcDesktopBuilder {
    /// How long a sign-in waits for the user (default 60 s; [`Duration::ZERO`] waits until
    /// [`OidcDesktop::interrupt`](crate::OidcDesktop::interrupt) or the future is dropped).
    /// It bounds the wait for the redirect and device polling, and each HTTP exchange when
    /// the client builds its own transport (one given with [`Self::transport`] or
    /// [`Self::http_client`] keeps its own timeout).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.config.timeout = timeout;
        self
    }

    /// The loopback port of the redirect URI (default 0: any free port, which is what RFC
    /// 8252 §7.3 asks providers to accept). A busy port fails the sign-in at once, naming it.
    #[must_use]
    pub fn loopback_port(mut self, port: u16) -> Self {
        self.config.loopback_port = port;
        self
    }

    /// Ports to try in order, the first free one wins: for providers that accept only
    /// redirect URIs registered exactly, register each of them. Replaces
    /// [`Self::loopback_port`].
    #[must_use]
    pub fn loopback_ports(mut self, ports: impl IntoIterator<Item = u16>) -> Self {
        self.config.loopback_ports = ports.into_iter().collect();
        self
    }

    /// The path of the redirect URI (default `/callback`).
    #[must_use]
    pub fn loopback_path(mut self, path: impl Into<String>) -> Self {
        self.config.loopback_path = path.into();
        self
    }

    /// Listens on `[::1]` rather than `127.0.0.1` (by default `[::1]` is used only when
    /// this machine has no IPv4 loopback).
    #[must_use]
    pub fn loopback_ipv6(mut self, on: bool) -> Self {
        self.config.loopback_ipv6 = on;
        self
    }

    /// Writes `localhost` instead of the IP literal in the redirect URI, for a provider
    /// whose registration names `localhost` (RFC 8252 §8.3 prefers the literal). The server
    /// still listens on the IP literal only.
    #[must_use]
    pub fn loopback_localhost(mut self, on: bool) -> Self {
        self.config.loopback_localhost = on;
        self
    }

    /// Serves the redirect over HTTPS with this certificate and key instead of plain HTTP
    /// (which RFC 8252 §7.3 prescribes; use this only for a provider that insists).
    #[must_use]
    pub fn loopback_tls(mut self, identity: TlsIdentity) -> Self {
        self.config.loopback_tls = Some(identity);
        self
    }

    /// Sends the browser to this page (an `https` or loopback `http` URL) after a
    /// successful sign-in, instead of the loopback's own page; any other URL fails
    /// [`Self::build`].
    #[must_use]
    pub fn success_url(mut self, url: impl Into<String>) -> Self {
        self.config.success_url = Some(url.into());
        self
    }

    /// Sends the browser to this page after a sign-in the provider refused (same rules as
    /// [`Self::success_url`]).
    #[must_use]
    pub fn failure_url(mut self, url: impl Into<String>) -> Self {
        self.config.failure_url = Some(url.into());
        self
    }

    /// The HTML page shown after a successful redirect. It is sent with a strict
    /// Content-Security-Policy: inline styles work, images and fonts only from `data:`
    /// URIs, scripts do not run.
    #[must_use]
    pub fn success_html(mut self, html: impl Into<String>) -> Self {
        self.config.success_html = Some(html.into());
        self
    }

    /// The HTML page shown after a failed redirect, with the same policy. The placeholders
    /// `{{error}}` and `{{error_description}}` are replaced (escaped) by the provider's
    /// error only for a delivered, state-checked response; a refused one shows fixed text.
    #[must_use]
    pub fn failure_html(mut self, html: impl Into<String>) -> Self {
        self.config.failure_html = Some(html.into());
        self
    }

    /// What a browser command that exits unsuccessfully soon after its start does to the
    /// sign-in (default [`BrowserFailure::KeepWaiting`]); either way
    /// [`Events::on_browser_failed`](crate::Events::on_browser_failed) hears of it.
    #[must_use]
    pub fn browser_failure(mut self, on_failure: BrowserFailure) -> Self {
        self.config.browser_failure = on_failure;
        self
    }

    /// When no browser can be launched, signs in with the device flow (RFC 8628) instead,
    /// if the provider offers it (default off).
    #[must_use]
    pub fn device_fallback(mut self, on: bool) -> Self {
        self.config.device_fallback = on;
        self
    }

    /// Which lines reach [`Events::on_log`](crate::Events::on_log) (default
    /// [`LogLevel::Info`]).
    #[must_use]
    pub fn log_level(mut self, level: LogLevel) -> Self {
        self.config.log_level = level;
        self
    }
}
