//! [`OidcDesktopBuilder`]: every setting, and the rules between them checked once, in
//! [`OidcDesktopBuilder::build`], before any user has been sent to a browser.

use std::sync::Arc;

use oidc_core::{Clock, GrantType, HttpClient, IssuerUrl, SystemClock};
use oidc_discovery::{MetadataSource, Provider, ProviderMetadata, Quirks, SignerKeys};
use oidc_loopback::LoopbackConfig;
use tokio::sync::watch;
use url::Url;

use crate::Error;
use crate::browser::{BrowserLauncher, SystemBrowser};
use crate::client::{Inner, OidcDesktop};
use crate::config::Config;
use crate::events::{Events, NoEvents};
use crate::presets::ProviderPreset;

mod endpoints;
mod redirect;
mod request;
mod tokens;
mod validation;

const WELL_KNOWN: &str = "/.well-known/openid-configuration";

const METADATA_URL_FORMS: &str = "a discovery URL ends with /.well-known/openid-configuration, or is an RFC 8414 /.well-known/oauth-authorization-server URL";

/// Builds an [`OidcDesktop`].
pub struct OidcDesktopBuilder {
    issuer: Result<IssuerUrl, Error>,
    config: Config,
    http: Option<Arc<dyn HttpClient>>,
    transport: Option<oidc_reqwest::ReqwestClientBuilder>,
    events: Arc<dyn Events>,
    browser: Arc<dyn BrowserLauncher>,
    clock: Arc<dyn Clock>,
    quirks: Quirks,
    jwks_uri: Option<Url>,
    cached_metadata: Option<String>,
    cached_jwks: Option<String>,
    provider: Option<Provider>,
    metadata_source: MetadataSource,
    /// The issuer or metadata URL as given, for [`Self::allow_http_localhost_issuer`].
    issuer_text: Option<(String, bool)>,
    preset: Option<ProviderPreset>,
    store: Option<Arc<dyn oidc_store::TokenStore>>,
    account: Option<String>,
}

impl OidcDesktopBuilder {
    /// Follows a well-known provider's quirks (see [`ProviderPreset`]): its discovery
    /// workarounds, and at [`Self::build`] what it needs for refresh tokens and the response
    /// mode it requires, where the configuration did not say otherwise.
    #[must_use]
    pub fn preset(mut self, preset: ProviderPreset) -> Self {
        self.preset = Some(preset);
        self
    }

    /// Accepts an `http://localhost` issuer (and metadata URL). `localhost` is a name the
    /// system's resolver may send anywhere, not a loopback address (RFC 8252 §8.3), so an
    /// `http` issuer must otherwise be `127.0.0.1` or `[::1]`: use this only for a provider
    /// running on this machine that can be reached no other way.
    #[must_use]
    pub fn allow_http_localhost_issuer(mut self) -> Self {
        match &self.issuer_text {
            Some((text, false)) => {
                self.issuer =
                    IssuerUrl::new_allowing_http_localhost(text.as_str()).map_err(Error::from);
            }
            Some((text, true)) => {
                self.issuer =
                    metadata_issuer(IssuerUrl::from_metadata_url_allowing_http_localhost(text));
            }
            None => {}
        }
        self
    }

    /// The client id.
    #[must_use]
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.config.client_id = id.into();
        self
    }

    /// The client secret.
    #[must_use]
    pub fn client_secret(mut self, secret: impl Into<String>) -> Self {
        self.config.client_secret = Some(oidc_core::ClientSecret::new(secret));
        self
    }

    /// The scope; `openid` is always added.
    #[must_use]
    pub fn scope(mut self, scope: &str) -> Self {
        self.config.scope = oidc_core::Scope::new(scope);
        self
    }

    /// The grant type.
    #[must_use]
    pub fn grant_type(mut self, grant: GrantType) -> Self {
        self.config.grant_type = grant;
        self
    }

    /// The HTTP client for every back-channel request (default: `oidc-reqwest`).
    #[must_use]
    pub fn http_client(mut self, http: Arc<dyn HttpClient>) -> Self {
        self.http = Some(http);
        self
    }

    /// Transport settings for the default `oidc-reqwest` client (proxy, TLS, timeouts…).
    #[must_use]
    pub fn transport(mut self, builder: oidc_reqwest::ReqwestClientBuilder) -> Self {
        self.transport = Some(builder);
        self
    }

    /// The events receiver.
    #[must_use]
    pub fn events(mut self, events: Arc<dyn Events>) -> Self {
        self.events = events;
        self
    }

    /// How the browser is opened (default: [`SystemBrowser`]).
    #[must_use]
    pub fn browser(mut self, browser: Arc<dyn BrowserLauncher>) -> Self {
        self.browser = browser;
        self
    }

    /// A browser command template such as `firefox --new-window {url}` (run without a shell).
    #[must_use]
    pub fn browser_command(self, template: impl Into<String>) -> Self {
        self.browser(Arc::new(SystemBrowser::command(template)))
    }

    /// The clock (tests pin it).
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Provider quirks (e.g. Microsoft's multi-tenant issuer template).
    #[must_use]
    pub fn quirks(mut self, quirks: Quirks) -> Self {
        self.quirks = quirks;
        self
    }

    /// Fetch the JWKS here instead of the discovered `jwks_uri`.
    #[must_use]
    pub fn jwks_uri(mut self, url: Url) -> Self {
        self.jwks_uri = Some(url);
        self
    }

    /// Start from a cached discovery document.
    #[must_use]
    pub fn cached_discovery_document(mut self, raw_json: impl Into<String>) -> Self {
        self.cached_metadata = Some(raw_json.into());
        self
    }

    /// Start from a cached JWKS.
    #[must_use]
    pub fn cached_jwks(mut self, raw_json: impl Into<String>) -> Self {
        self.cached_jwks = Some(raw_json.into());
        self
    }

    /// Share an existing provider handle (its caches) between clients.
    #[must_use]
    pub fn provider(mut self, provider: Provider) -> Self {
        self.provider = Some(provider);
        self
    }

    /// Where sessions are kept between runs (default: memory, this process only). Use a
    /// [`oidc_store::FileStore`], the OS keyring ([`oidc_store::FallbackStore`], or
    /// [`oidc_store::open`] by name) or your own
    /// [`oidc_store::TokenStore`]; [`OidcDesktop::acquire`] then shares one session among
    /// every process of the user.
    #[must_use]
    pub fn token_store(mut self, store: Arc<dyn oidc_store::TokenStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// Keeps this user's session apart from other users of the same client and scope
    /// ("work", "personal"): part of the store key.
    #[must_use]
    pub fn account(mut self, label: impl Into<String>) -> Self {
        self.account = Some(label.into());
        self
    }

    /// Builds the client.
    pub fn build(mut self) -> Result<OidcDesktop, Error> {
        if let Some(p) = self.preset {
            p.apply(&mut self.config);
            if p.quirks().microsoft_multi_tenant_issuer {
                self.quirks = self.quirks.microsoft_multi_tenant_issuer(true);
            }
            if p.needs_client_secret() && self.config.client_secret.is_none() {
                return Err(Error::Config(
                    "this provider's desktop clients must send their client secret (it is not confidential, but the token endpoint requires it)",
                ));
            }
        }
        let issuer = self.issuer?;
        if self.config.client_id.is_empty() {
            return Err(Error::Config("a client id is required"));
        }
        check_configured_endpoints(&self.config, &issuer)?;
        check_settings(&self.config)?;
        let loopback = loopback_config(&self.config)?;
        let http: Arc<dyn HttpClient> = match self.http {
            Some(h) => h,
            None => {
                let events = self.events.clone();
                let events2 = self.events.clone();
                // The one `timeout` also bounds each HTTP exchange, unless the
                // application configured the transport itself.
                let builder = match self.transport {
                    Some(b) => b,
                    None => oidc_reqwest::ReqwestClientBuilder::new().timeout(self.config.timeout),
                };
                let builder = builder
                    .on_redirect(move |_from, to| events.on_redirect(to.as_str()))
                    .on_ssl_server_authentication(move |a| {
                        events2.on_ssl_status(&format!(
                            "server certificate of {}: {}",
                            a.server_name, a.status
                        ));
                        events2.on_ssl_server_authentication(
                            a.certificate.subject(),
                            a.certificate.issuer(),
                            &a.status,
                            a.accept,
                        )
                    });
                // Built on the first request: a stored token needs none.
                Arc::new(crate::lazy_http::LazyHttp::new(builder))
            }
        };
        let http =
            crate::http_log::LoggedHttp::wrap(http, self.events.clone(), self.config.log_level);
        let provider = match self.provider {
            Some(p) => p,
            None => {
                let mut b = Provider::builder(issuer.clone(), http.clone())
                    .clock(self.clock.clone())
                    .quirks(self.quirks.clone())
                    .metadata_source(self.metadata_source);
                if let Some(j) = self.jwks_uri {
                    b = b.jwks_uri_override(j);
                }
                if let Some(raw) = self.cached_metadata {
                    b = b.cached_metadata(ProviderMetadata::load_with(raw, &issuer, &self.quirks)?);
                }
                if let Some(raw) = self.cached_jwks {
                    b = b.cached_keys(SignerKeys::load(raw)?);
                }
                b.build()
            }
        };
        let scope = self.config.scope.clone().with_openid().to_string();
        let store_key = match &self.account {
            Some(a) => {
                oidc_store::account_store_key(issuer.as_str(), &self.config.client_id, &scope, a)
            }
            None => oidc_store::store_key(issuer.as_str(), &self.config.client_id, &scope),
        };
        let store = self
            .store
            .unwrap_or_else(|| Arc::new(oidc_store::MemoryStore::default()));
        let (interrupt, _) = watch::channel(0u64);
        Ok(OidcDesktop {
            inner: Arc::new(Inner {
                issuer,
                config: self.config,
                provider,
                http,
                events: self.events,
                browser: self.browser,
                clock: self.clock,
                interrupt,
                web_server: tokio::sync::Mutex::new(None),
                loopback,
                store,
                store_key,
                flight: tokio::sync::Mutex::new(()),
                dpop_nonces: oidc_token::DpopNonces::default(),
            }),
        })
    }
}

impl OidcDesktop {
    /// A builder for the provider whose issuer identifier is `issuer` (its discovery document
    /// is `issuer + /.well-known/openid-configuration`).
    pub fn builder(issuer: &str) -> OidcDesktopBuilder {
        let mut b = Self::builder_from(IssuerUrl::new(issuer).map_err(Error::from));
        b.issuer_text = Some((issuer.to_owned(), false));
        b
    }

    /// A builder from the provider's metadata URL: an OpenID discovery URL (the issuer
    /// followed by `/.well-known/openid-configuration`), or an RFC 8414 metadata URL
    /// (`/.well-known/oauth-authorization-server` inserted before the issuer's path), which
    /// is then where the metadata is read.
    pub fn from_discovery_url(url: &str) -> OidcDesktopBuilder {
        let oauth = !url.ends_with(WELL_KNOWN);
        let issuer = metadata_issuer(IssuerUrl::from_metadata_url(url));
        let mut b = Self::builder_from(issuer);
        b.issuer_text = Some((url.to_owned(), true));
        if oauth {
            b.metadata_source = MetadataSource::OAuthMetadata;
        }
        b
    }

    fn builder_from(issuer: Result<IssuerUrl, Error>) -> OidcDesktopBuilder {
        OidcDesktopBuilder {
            issuer,
            config: Config::new(String::new()),
            http: None,
            transport: None,
            events: Arc::new(NoEvents),
            browser: Arc::new(SystemBrowser::new()),
            clock: Arc::new(SystemClock),
            quirks: Quirks::default(),
            jwks_uri: None,
            cached_metadata: None,
            cached_jwks: None,
            provider: None,
            metadata_source: MetadataSource::default(),
            issuer_text: None,
            preset: None,
            store: None,
            account: None,
        }
    }
}

/// The issuer of a metadata URL, or why there is none.
fn metadata_issuer(found: Result<Option<IssuerUrl>, oidc_core::Error>) -> Result<IssuerUrl, Error> {
    found?.ok_or(Error::Config(METADATA_URL_FORMS))
}

/// Endpoints given in the configuration obey the discovery document's rules: `https`, or
/// `http` on a loopback address only when the issuer itself is a local `http` issuer.
fn check_configured_endpoints(c: &Config, issuer: &IssuerUrl) -> Result<(), Error> {
    let configured = [
        ("authorization_endpoint", &c.authorization_endpoint),
        ("token_endpoint", &c.token_endpoint),
        ("userinfo_endpoint", &c.userinfo_endpoint),
        ("revocation_endpoint", &c.revocation_endpoint),
        (
            "device_authorization_endpoint",
            &c.device_authorization_endpoint,
        ),
        ("end_session_endpoint", &c.end_session_endpoint),
    ];
    for (member, url) in configured {
        if let Some(u) = url {
            oidc_discovery::check_endpoint_url(member, u.as_str(), issuer)?;
        }
    }
    Ok(())
}

/// The loopback server's settings from the configuration; the browser's last pages are
/// checked here, so a bad one fails `build()` rather than a sign-in.
fn loopback_config(c: &Config) -> Result<LoopbackConfig, Error> {
    let mut l = LoopbackConfig::new()
        .path(c.loopback_path.clone())
        .timeout(c.timeout);
    l = if c.loopback_ports.is_empty() {
        l.port(c.loopback_port)
    } else {
        l.ports(c.loopback_ports.iter().copied())
    };
    if c.loopback_ipv6 {
        l = l.ipv6();
    }
    if c.loopback_localhost {
        l = l.localhost_in_redirect_uri();
    }
    if let Some(h) = &c.success_html {
        l = l.success_html(h.clone());
    }
    if let Some(h) = &c.failure_html {
        l = l.failure_html(h.clone());
    }
    if let Some(u) = &c.success_url {
        l = l.success_redirect(u)?;
    }
    if let Some(u) = &c.failure_url {
        l = l.failure_redirect(u)?;
    }
    if let Some(t) = &c.loopback_tls {
        l = l.https(t.clone());
    }
    Ok(l)
}

/// The rules between settings, checked before any user is sent to a browser: what the
/// provider would refuse (or what would leak tokens) is a configuration error at `build()`,
/// not a failed sign-in.
fn check_settings(c: &Config) -> Result<(), Error> {
    use crate::config::DpopMode;
    use oidc_token::ClientAuthMethod;
    let secret = c.client_secret.is_some();
    match c.client_auth {
        Some(ClientAuthMethod::ClientSecretBasic) if !secret => {
            return Err(Error::Config(
                "client_secret_basic needs a client secret (set client_secret, or choose another client authentication)",
            ));
        }
        Some(ClientAuthMethod::ClientSecretPost) if !secret => {
            return Err(Error::Config(
                "client_secret_post needs a client secret (set client_secret, or choose another client authentication)",
            ));
        }
        Some(ClientAuthMethod::ClientSecretJwt) if !secret => {
            return Err(Error::Config(
                "client_secret_jwt needs a client secret (set client_secret, or choose another client authentication)",
            ));
        }
        Some(ClientAuthMethod::PrivateKeyJwt) if c.private_key.is_none() => {
            return Err(Error::Config(
                "private_key_jwt needs a private key (set private_key)",
            ));
        }
        _ => {}
    }
    if let Some((name, _)) = c
        .extra_params
        .iter()
        .find(|(n, _)| oidc_core::ParameterRole::of(n) != oidc_core::ParameterRole::Extra)
    {
        // The same refusal the request would make, before any browser opens.
        return Err(oidc_core::Error::ReservedParameter { name: name.clone() }.into());
    }
    let rt = c.effective_response_type();
    if c.grant_type != rt.grant_type() {
        c.grant_type.check_response_type(rt)?;
    }
    if c.response_mode == Some(oidc_core::ResponseMode::Query) && !rt.is_code_only() {
        // OAuth 2.0 Multiple Response Type Encoding Practices §3.0: tokens never travel in
        // the query, where logs and the browser history keep them.
        return Err(Error::Config(
            "a response type that returns tokens in the front channel cannot use response_mode=query; use form_post or fragment",
        ));
    }
    if c.dpop != DpopMode::Off
        && !matches!(
            c.dpop_algorithm,
            oidc_jose::Algorithm::ES256 | oidc_jose::Algorithm::ES384 | oidc_jose::Algorithm::EdDSA
        )
    {
        return Err(Error::Config(
            "DPoP keys are generated for ES256, ES384 or EdDSA; choose one of them as dpop_algorithm",
        ));
    }
    Ok(())
}
