//! The settings of an [`OidcDesktop`](crate::OidcDesktop), set through the
//! [`OidcDesktopBuilder`](crate::OidcDesktopBuilder) setters, and the enums they take.

use std::sync::Arc;
use std::time::Duration;

use oidc_core::{ClientSecret, GrantType, Prompt, ResponseMode, ResponseType, Scope};
use oidc_jose::{ExpectedIssuer, SigningKey, SkipChecks};
use oidc_token::{ClientAuthMethod, UserInfoStyle};
use url::Url;

/// When to use Pushed Authorization Requests (RFC 9126).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ParMode {
    /// When the provider requires it (`require_pushed_authorization_requests`) or
    /// advertises a `pushed_authorization_request_endpoint`.
    #[default]
    Auto,
    /// Only when the provider requires it.
    WhenRequired,
    /// Always (fails without an endpoint).
    Always,
    /// Never.
    Never,
}

/// DPoP (RFC 9449): whether tokens are bound to a key of this client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum DpopMode {
    /// Never (bearer tokens).
    #[default]
    Off,
    /// When the provider advertises `dpop_signing_alg_values_supported` with the configured
    /// algorithm.
    IfSupported,
    /// Always: proofs are sent whatever the metadata says, and a `Bearer` answer is refused
    /// unless [`OidcDesktopBuilder::allow_dpop_downgrade`](crate::OidcDesktopBuilder::allow_dpop_downgrade).
    Require,
}

/// How long a DPoP key lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum DpopKeyScope {
    /// A fresh key for every sign-in, stored with its session.
    #[default]
    PerSession,
    /// One key for this client and account, kept in the token store beside the session
    /// and reused by every sign-in.
    PerInstallation,
}

/// What happens when the browser command fails soon after its start (it exited
/// unsuccessfully within [`EARLY_EXIT_WINDOW`](crate::EARLY_EXIT_WINDOW)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum BrowserFailure {
    /// Keep waiting for the redirect until the timeout: the user may still open the URL by
    /// hand (show it from [`Events::on_browser_failed`](crate::Events::on_browser_failed)).
    #[default]
    KeepWaiting,
    /// End the sign-in at once with [`Error::Browser`](crate::Error::Browser)
    /// (kind `browser_launch_failed`): for callers nobody watches.
    Fail,
}

/// Everything that shapes a sign-in, each field set by the
/// [`OidcDesktopBuilder`](crate::OidcDesktopBuilder) setter that documents it.
#[derive(Clone)]
pub(crate) struct Config {
    /// The client id registered at the provider.
    pub(crate) client_id: String,
    /// The client secret, if the provider issued one.
    pub(crate) client_secret: Option<ClientSecret>,
    /// How the client authenticates at the token endpoint. `None` (the default) chooses from
    /// the provider's `token_endpoint_auth_methods_supported`: `private_key_jwt` with a key
    /// the provider accepts it for, else `client_secret_basic` (or `_post` when only that is
    /// supported) with a secret, else `none`. `client_secret_jwt` signs with HS256.
    pub(crate) client_auth: Option<ClientAuthMethod>,
    /// The key for `private_key_jwt`.
    pub(crate) private_key: Option<Arc<SigningKey>>,
    /// The scope requested (`openid` is always included).
    pub(crate) scope: Scope,
    /// The grant (flow) of a browser sign-in.
    pub(crate) grant_type: GrantType,
    /// The `response_type`, when not the grant's own.
    pub(crate) response_type: Option<ResponseType>,
    /// Response mode; `None` picks `query` for code and `form_post` for implicit/hybrid.
    pub(crate) response_mode: Option<ResponseMode>,
    /// Send PKCE (default true; only applies when a code is requested).
    pub(crate) use_pkce: bool,
    /// Send a nonce (default true; always on for implicit and hybrid).
    pub(crate) use_nonce: bool,
    /// `prompt` values for every sign-in.
    pub(crate) prompt: Vec<Prompt>,
    /// `display`.
    pub(crate) display: Option<oidc_core::Display>,
    /// `login_hint`.
    pub(crate) login_hint: Option<String>,
    /// `id_token_hint`.
    pub(crate) id_token_hint: Option<String>,
    /// `max_age`.
    pub(crate) max_age: Option<u64>,
    /// `ui_locales`.
    pub(crate) ui_locales: Option<String>,
    /// `claims` request parameter (JSON).
    pub(crate) claims: Option<String>,
    /// `acr_values` (space-separated, in order of preference).
    pub(crate) acr_values: Option<String>,
    /// Extra authorization request parameters.
    pub(crate) extra_params: Vec<(String, String)>,
    /// How long a sign-in waits (default 60 s; `Duration::ZERO` = wait forever).
    pub(crate) timeout: Duration,
    /// The loopback port (0 = any free port).
    pub(crate) loopback_port: u16,
    /// The loopback path (default `/callback`).
    pub(crate) loopback_path: String,
    /// Bind `[::1]` instead of `127.0.0.1` (by default `[::1]` is used only when IPv4
    /// loopback is unavailable).
    pub(crate) loopback_ipv6: bool,
    /// Ports to try in order (each registered at the provider), instead of
    /// `loopback_port`: for providers that accept only exact registered redirect URIs.
    pub(crate) loopback_ports: Vec<u16>,
    /// Write `localhost` instead of the IP literal in the redirect URI, for providers whose
    /// registration names `localhost` (RFC 8252 §8.3 prefers the literal).
    pub(crate) loopback_localhost: bool,
    /// Send the browser to this page (an `https` or loopback `http` URL) after a successful
    /// sign-in, instead of showing the loopback's own page.
    pub(crate) success_url: Option<String>,
    /// Send the browser to this page after a failed sign-in the provider reported.
    pub(crate) failure_url: Option<String>,
    /// HTML shown after a successful redirect. It is sent with a strict Content-Security-Policy:
    /// inline styles work, images and fonts only from `data:` URIs, scripts do not run.
    pub(crate) success_html: Option<String>,
    /// HTML shown after a failed redirect, with the same policy. The placeholders
    /// `{{error}}` / `{{error_description}}` are replaced (escaped) by the provider's error
    /// only for a delivered, state-checked response; a refused one shows only fixed text.
    pub(crate) failure_html: Option<String>,
    /// The `iss` ID tokens must carry, when not the issuer.
    pub(crate) expected_issuer: Option<ExpectedIssuer>,
    /// The audience ID tokens must name, when not the client id.
    pub(crate) expected_audience: Option<String>,
    /// ID token checks skipped (default none).
    pub(crate) skip_checks: SkipChecks,
    /// Clock-skew leeway for ID tokens, seconds (default 60).
    pub(crate) leeway_secs: i64,
    /// Accept `alg: none` ID tokens. Dangerous.
    pub(crate) insecure_accept_unsigned_id_tokens: bool,
    /// Fetch UserInfo after the sign-in (default false).
    pub(crate) fetch_userinfo: bool,
    /// How the access token is presented at UserInfo.
    pub(crate) userinfo_style: UserInfoStyle,
    /// Pushed Authorization Requests.
    pub(crate) par: ParMode,
    /// The authorization endpoint, instead of the metadata's.
    pub(crate) authorization_endpoint: Option<Url>,
    /// The token endpoint, instead of the metadata's.
    pub(crate) token_endpoint: Option<Url>,
    /// The UserInfo endpoint, instead of the metadata's.
    pub(crate) userinfo_endpoint: Option<Url>,
    /// The revocation endpoint (RFC 7009), instead of the metadata's.
    pub(crate) revocation_endpoint: Option<Url>,
    /// The device authorization endpoint (RFC 8628), instead of the metadata's.
    pub(crate) device_authorization_endpoint: Option<Url>,
    /// The end-session endpoint (RP-initiated logout), instead of the metadata's.
    pub(crate) end_session_endpoint: Option<Url>,
    /// Refresh the access token when it expires within this margin (`Session` helpers).
    pub(crate) refresh_margin: Duration,
    /// When no browser can be launched, fall back to the device flow if the provider has it.
    pub(crate) device_fallback: bool,
    /// Accept ID tokens (and signed UserInfo) MACed with the client secret (HS256/384/512)
    /// when the provider offers them. Off by default: a desktop client's secret is not
    /// confidential (RFC 8252 §8.5), so anyone who extracted it could mint such tokens.
    /// Even when on, a secret shorter than the hash output is refused (RFC 7518 §3.2).
    pub(crate) allow_hmac_id_tokens: bool,
    /// What a browser command that exits unsuccessfully soon after its start does to the
    /// sign-in (default: [`BrowserFailure::KeepWaiting`]); either way
    /// [`Events::on_browser_failed`](crate::Events::on_browser_failed) hears of it.
    pub(crate) browser_failure: BrowserFailure,
    /// DPoP (RFC 9449): sender-constrained tokens (default [`DpopMode::Off`]).
    pub(crate) dpop: DpopMode,
    /// The DPoP proof algorithm: ES256 (default), ES384 or EdDSA.
    pub(crate) dpop_algorithm: oidc_jose::Algorithm,
    /// How long a DPoP key lives (default [`DpopKeyScope::PerSession`]).
    pub(crate) dpop_key_scope: DpopKeyScope,
    /// Accept a `Bearer` answer to a request that carried a DPoP proof (the provider
    /// ignored DPoP). Off by default: such an answer is an error, since the application
    /// asked for tokens that are worthless when stolen.
    pub(crate) allow_dpop_downgrade: bool,
    /// Accept `expires_in` sent as a string (a known provider deviation).
    pub(crate) accept_string_expires_in: bool,
    /// Which `Events::on_log` lines are sent (default Info).
    pub(crate) log_level: crate::LogLevel,
    /// Serve the loopback redirect over HTTPS with this certificate and key.
    pub(crate) loopback_tls: Option<oidc_loopback::TlsIdentity>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("client_auth", &self.client_auth)
            .field("scope", &self.scope)
            .field("grant_type", &self.grant_type)
            .field("response_type", &self.response_type)
            .field("response_mode", &self.response_mode)
            .field("use_pkce", &self.use_pkce)
            .field("use_nonce", &self.use_nonce)
            .field("timeout", &self.timeout)
            .field("loopback_port", &self.loopback_port)
            .finish_non_exhaustive()
    }
}

impl Config {
    pub(crate) fn new(client_id: String) -> Self {
        Self {
            client_id,
            client_secret: None,
            client_auth: None,
            private_key: None,
            scope: Scope::new("openid"),
            grant_type: GrantType::AuthorizationCode,
            response_type: None,
            response_mode: None,
            use_pkce: true,
            use_nonce: true,
            prompt: Vec::new(),
            display: None,
            login_hint: None,
            id_token_hint: None,
            max_age: None,
            ui_locales: None,
            claims: None,
            acr_values: None,
            extra_params: Vec::new(),
            timeout: Duration::from_secs(60),
            loopback_port: 0,
            loopback_path: "/callback".to_owned(),
            loopback_ipv6: false,
            loopback_ports: Vec::new(),
            loopback_localhost: false,
            success_url: None,
            failure_url: None,
            success_html: None,
            failure_html: None,
            expected_issuer: None,
            expected_audience: None,
            skip_checks: SkipChecks::default(),
            leeway_secs: oidc_jose::DEFAULT_LEEWAY_SECS,
            insecure_accept_unsigned_id_tokens: false,
            fetch_userinfo: false,
            userinfo_style: UserInfoStyle::default(),
            par: ParMode::Auto,
            authorization_endpoint: None,
            token_endpoint: None,
            userinfo_endpoint: None,
            revocation_endpoint: None,
            device_authorization_endpoint: None,
            end_session_endpoint: None,
            refresh_margin: Duration::from_secs(60),
            browser_failure: BrowserFailure::KeepWaiting,
            allow_hmac_id_tokens: false,
            device_fallback: false,
            accept_string_expires_in: false,
            dpop: DpopMode::Off,
            dpop_algorithm: oidc_jose::Algorithm::ES256,
            dpop_key_scope: DpopKeyScope::PerSession,
            allow_dpop_downgrade: false,
            log_level: crate::LogLevel::Info,
            loopback_tls: None,
        }
    }

    /// The effective response type.
    pub(crate) fn effective_response_type(&self) -> ResponseType {
        self.response_type
            .unwrap_or_else(|| self.grant_type.default_response_type())
    }
}
