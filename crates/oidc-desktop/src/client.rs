//! [`OidcDesktop`]: one call signs the user in.

use std::sync::Arc;
use std::time::Duration;

use oidc_core::{
    AccessToken, AuthorizationRequest, AuthorizationResponse, ClientId, Clock, GrantType,
    HttpClient, IdTokenString, IssuerUrl, Nonce, PkceVerifier, RedirectUrl, ResponseMode,
    ResponseTypeComponent as Rt, State, SystemClock,
};
use oidc_discovery::{MetadataSource, Provider, ProviderMetadata, Quirks, SignerKeys};
use oidc_jose::{
    Algorithm, ExpectedIssuer, HashedValue, IdTokenClaims, IdTokenValidator, ValidatedIdToken,
    ValidationContext,
};
use oidc_loopback::{CallbackParams, LoopbackConfig, LoopbackServer};
use oidc_token::{
    ClientAuth, DevicePollOptions, LogoutUrl, ResponseOptions, TokenClient, TokenResponse,
    TokenTypeHint, TokioSleeper, UserDetails, UserInfoParse, UserInfoVerification,
};
use tokio::sync::watch;
use url::Url;

use crate::browser::{BrowserLauncher, LaunchError, LaunchWatch, SystemBrowser};
use crate::config::{BrowserFailure, ClientAuthChoice, Config, ParMode};
use crate::error::MismatchedClaim;
use crate::events::{DeviceCodePrompt, Events, LaunchBrowser, LogLevel, NoEvents};
use crate::paste::{Expected, PastedAddresses, check_pasted};
use crate::presets::ProviderPreset;
use crate::{Error, Session};

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

    /// Changes any setting of [`Config`] in place.
    #[must_use]
    pub fn configure(mut self, f: impl FnOnce(&mut Config)) -> Self {
        f(&mut self.config);
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
        let loopback = loopback_config(&self.config)?;
        let http: Arc<dyn HttpClient> = match self.http {
            Some(h) => h,
            None => {
                let events = self.events.clone();
                let events2 = self.events.clone();
                // The seed's one `timeout` also bounds each HTTP exchange, unless the
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

pub(crate) struct Inner {
    pub(crate) issuer: IssuerUrl,
    pub(crate) config: Config,
    provider: Provider,
    pub(crate) http: Arc<dyn HttpClient>,
    pub(crate) events: Arc<dyn Events>,
    browser: Arc<dyn BrowserLauncher>,
    pub(crate) clock: Arc<dyn Clock>,
    interrupt: watch::Sender<u64>,
    web_server: tokio::sync::Mutex<Option<LoopbackServer>>,
    /// The loopback server's settings, checked in `build()`.
    loopback: LoopbackConfig,
    /// Where sessions are kept between runs ([`OidcDesktopBuilder::token_store`]).
    pub(crate) store: Arc<dyn oidc_store::TokenStore>,
    /// This client's entry in `store`: issuer, client, scope and account.
    pub(crate) store_key: String,
    /// One refresh or sign-in at a time through this client (and its clones).
    pub(crate) flight: tokio::sync::Mutex<()>,
    /// DPoP server nonces by origin (RFC 9449 §8, §9).
    pub(crate) dpop_nonces: oidc_token::DpopNonces,
}

/// Signs a user in with an OpenID Provider, the RFC 8252 way. Cheap to clone; clones share
/// the provider cache and the interrupt.
///
/// See the crate documentation for an example.
#[derive(Clone)]
pub struct OidcDesktop {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for OidcDesktop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcDesktop")
            .field("issuer", &self.inner.issuer)
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// The pieces of one authorization request, kept until its response arrives.
/// How the authorization response reached the client.
enum Received {
    /// Through the browser, to the loopback listener.
    Loopback(CallbackParams),
    /// Pasted by the user.
    Pasted(crate::paste::Pasted),
}

impl Received {
    /// The response mode it came in (`query`, `fragment`, `form_post`).
    fn mode(&self) -> &'static str {
        match self {
            Received::Loopback(c) => c.arrival().as_str(),
            Received::Pasted(p) => p.mode,
        }
    }

    fn into_response(self) -> AuthorizationResponse {
        match self {
            Received::Loopback(c) => c.into_response(),
            Received::Pasted(p) => p.response,
        }
    }
}

struct Pending {
    state: State,
    nonce: Option<Nonce>,
    verifier: Option<PkceVerifier>,
    redirect_uri: RedirectUrl,
    /// The DPoP key the code is bound to (`dpop_jkt`) and the tokens will be.
    dpop: Option<Arc<oidc_jose::DpopKey>>,
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

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The issuer.
    pub fn issuer(&self) -> &IssuerUrl {
        &self.inner.issuer
    }

    /// The shared provider handle (metadata and key caches).
    pub fn provider(&self) -> &Provider {
        &self.inner.provider
    }

    pub(crate) fn log(&self, level: LogLevel, message: &str) {
        self.log_typed(level, message, "Info");
    }

    /// Sends a log line to `tracing` and, when `level` is within the configured log level,
    /// to `Events::on_log` with the manual's log type.
    pub(crate) fn log_typed(&self, level: LogLevel, message: &str, log_type: &str) {
        match level {
            LogLevel::Debug | LogLevel::Verbose => tracing::debug!(log_type, "{message}"),
            _ => tracing::info!(log_type, "{message}"),
        }
        if level != LogLevel::None && level <= self.inner.config.log_level {
            self.inner.events.on_log(level, message, log_type);
        }
    }

    pub(crate) fn report<T>(&self, r: Result<T, Error>) -> Result<T, Error> {
        if let Err(e) = &r {
            self.inner.events.on_error(e.code(), &e.to_string());
            tracing::warn!(kind = e.kind(), code = e.code(), "{e}");
        }
        r
    }

    pub(crate) async fn interruptible<T>(
        &self,
        fut: impl Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        let mut rx = self.inner.interrupt.subscribe();
        tokio::select! {
            r = fut => r,
            _ = rx.changed() => Err(Error::Interrupted),
        }
    }

    /// Stops whatever this client (or a clone) is doing: the wait for the browser, a device
    /// poll, an HTTP exchange. The operation returns `Error::Interrupted`; the loopback port
    /// is freed. Callable from any thread.
    pub fn interrupt(&self) {
        self.inner.interrupt.send_modify(|g| *g = g.wrapping_add(1));
    }

    /// Signs the user in through the system browser and the loopback redirect, whatever is
    /// stored. [`Self::acquire`] uses a stored or refreshed session first.
    pub async fn authenticate(&self) -> Result<Session, Error> {
        let r = self.interruptible(self.browser_sign_in()).await;
        self.report(r)
    }

    /// The browser sign-in, without the interrupt and error reporting of the public calls.
    pub(crate) async fn browser_sign_in(&self) -> Result<Session, Error> {
        self.browser_flow(None).await
    }

    /// [`Self::browser_sign_in`] accepting pasted addresses.
    pub(crate) async fn paste_sign_in(
        &self,
        mut pasted: PastedAddresses,
    ) -> Result<Session, Error> {
        self.browser_flow(Some(&mut pasted)).await
    }

    /// The device grant, without the interrupt and error reporting of the public calls.
    pub(crate) async fn device_sign_in(&self) -> Result<Session, Error> {
        self.device_flow().await
    }

    /// Signs the user in through the browser when the browser may not reach this machine
    /// (over SSH, in a container): completes with whichever comes first, the loopback
    /// redirect or a line of `pasted` holding the address the browser ended on (or its
    /// query string) that passes the checks a redirect does (this sign-in's address,
    /// `state`, RFC 9207 `iss`). A line that fails them is refused through
    /// [`Events::on_paste_refused`] and the sign-in keeps waiting.
    pub async fn authenticate_with_paste(
        &self,
        mut pasted: PastedAddresses,
    ) -> Result<Session, Error> {
        let r = self
            .interruptible(self.browser_flow(Some(&mut pasted)))
            .await;
        self.report(r)
    }

    /// The provider metadata (cached).
    pub async fn discovery(&self) -> Result<Arc<ProviderMetadata>, Error> {
        Ok(self.inner.provider.metadata().await?)
    }

    /// One member of the discovery document, by name or `/json/...` path
    ///.
    pub async fn get_discovery_metadata(
        &self,
        name_or_path: &str,
    ) -> Result<Option<String>, Error> {
        Ok(self.discovery().await?.get_metadata(name_or_path))
    }

    /// The provider's signing keys (cached).
    pub async fn signer_keys(&self) -> Result<Arc<SignerKeys>, Error> {
        Ok(self.inner.provider.keys().await?)
    }

    fn validator(&self, meta: &ProviderMetadata) -> IdTokenValidator {
        let c = &self.inner.config;
        let allow_hmac = c.allow_hmac_id_tokens;
        let mut v = IdTokenValidator::new(meta.issuer(), c.client_id.clone())
            .algorithms_from_names(
                meta.id_token_signing_alg_values_supported()
                    .iter()
                    .map(String::as_str)
                    .filter(|a| allow_hmac || !is_hmac(a)),
            )
            .leeway(c.leeway_secs)
            .skip_checks(c.skip_checks)
            .insecure_accept_unsigned(c.insecure_accept_unsigned_id_tokens);
        if meta.is_multi_tenant_template() {
            v = v.expected_issuer(ExpectedIssuer::MicrosoftTenantTemplate(
                meta.issuer().to_owned(),
            ));
        }
        if let Some(i) = &c.expected_issuer {
            v = v.expected_issuer(i.clone());
        }
        if let Some(a) = &c.expected_audience {
            v = v.expected_audience(a.clone());
        }
        if let Some(s) = c.client_secret.as_ref().filter(|_| allow_hmac) {
            v = v.client_secret(s.clone());
        }
        v
    }

    /// Validates an ID token with the provider's keys, refetching the JWKS once (rate
    /// limited) when the token names an unknown `kid` (key rotation, OpenID Connect Core §10.1.1).
    pub(crate) async fn validate_with_rotation(
        &self,
        meta: &ProviderMetadata,
        token: &str,
        ctx: &ValidationContext<'_>,
    ) -> Result<ValidatedIdToken, Error> {
        let validator = self.validator(meta);
        let keys = self.inner.provider.keys().await?;
        match validator.validate(token, keys.set(), ctx, &*self.inner.clock) {
            Err(e) if e.is_unknown_kid() => {
                let kid = oidc_jose::CompactJws::parse(token)
                    .ok()
                    .and_then(|j| j.header().kid.clone())
                    .unwrap_or_default();
                self.log(
                    LogLevel::Info,
                    &format!("unknown kid `{kid}`: refetching the provider's keys"),
                );
                let keys = self.inner.provider.keys_for_kid(&kid).await?;
                Ok(validator.validate(token, keys.set(), ctx, &*self.inner.clock)?)
            }
            r => Ok(r?),
        }
    }

    /// Parses an ID token without validating it. Never trust
    /// the result; [`Self::validate_id_token`] is the check.
    pub fn parse_id_token(
        &self,
        id_token: &str,
    ) -> Result<(oidc_jose::Header, IdTokenClaims), Error> {
        Ok(oidc_jose::parse_unverified(id_token)?)
    }

    /// Validates an ID token: signature with the provider's
    /// keys and every claim rule; `nonce` when one is expected.
    pub async fn validate_id_token(
        &self,
        id_token: &str,
        nonce: Option<&str>,
    ) -> Result<IdTokenClaims, Error> {
        let meta = self.discovery().await?;
        let ctx = ValidationContext {
            nonce,
            ..Default::default()
        };
        let r = self
            .validate_with_rotation(&meta, id_token, &ctx)
            .await
            .map(|t| t.claims);
        self.report(r)
    }

    pub(crate) fn token_client(&self, meta: &ProviderMetadata) -> Result<TokenClient, Error> {
        let c = &self.inner.config;
        let supported = meta.token_endpoint_auth_methods_supported();
        let secret = c.client_secret.clone();
        let need_secret = || {
            secret.clone().ok_or(Error::Config(
                "this client authentication needs a client secret",
            ))
        };
        let auth = match c.client_auth {
            ClientAuthChoice::Auto => match (&secret, &c.private_key) {
                (_, Some(k)) if supported.iter().any(|m| m == "private_key_jwt") => {
                    ClientAuth::PrivateKeyJwt(k.clone())
                }
                (Some(s), _) => ClientAuth::secret_for(s.clone(), &supported),
                (None, _) => ClientAuth::None,
            },
            ClientAuthChoice::None => ClientAuth::None,
            ClientAuthChoice::Basic => ClientAuth::SecretBasic(need_secret()?),
            ClientAuthChoice::Post => ClientAuth::SecretPost(need_secret()?),
            ClientAuthChoice::SecretJwt => ClientAuth::SecretJwt {
                secret: need_secret()?,
                alg: Algorithm::HS256,
            },
            ClientAuthChoice::PrivateKeyJwt => ClientAuth::PrivateKeyJwt(
                c.private_key
                    .clone()
                    .ok_or(Error::Config("private_key_jwt needs a private key"))?,
            ),
        };
        let options =
            ResponseOptions::default().accept_string_expires_in(c.accept_string_expires_in);
        let mut tc = TokenClient::new(ClientId::new(c.client_id.clone()), auth)
            .with_clock(self.inner.clock.clone())
            .with_options(options);
        if let Some(t) = meta.token_endpoint() {
            tc = tc.with_assertion_audience(t);
        }
        Ok(tc)
    }

    /// The configured endpoint, else the discovered one (`member` names the metadata
    /// member).
    pub(crate) fn endpoint(
        &self,
        configured: Option<&Url>,
        discovered: Option<&str>,
        member: &'static str,
    ) -> Result<Url, Error> {
        if let Some(u) = configured {
            return Ok(u.clone());
        }
        let d = discovered.ok_or(Error::MissingEndpoint(member))?;
        Url::parse(d).map_err(|_| Error::MissingEndpoint(member))
    }

    /// [`Self::endpoint`], and when the OpenID discovery document lacks it, the provider's
    /// OAuth 2.0 authorization server metadata (RFC 8414, same issuer check), where some
    /// providers publish only there (revocation, introspection, device authorization).
    async fn endpoint_or_oauth(
        &self,
        configured: Option<&Url>,
        discovered: Option<&str>,
        member: &'static str,
    ) -> Result<Url, Error> {
        if configured.is_some() || discovered.is_some() {
            return self.endpoint(configured, discovered, member);
        }
        match self.inner.provider.oauth_metadata().await {
            Ok(md) => match md.endpoint(member) {
                Some(u) => {
                    self.log(
                        LogLevel::Info,
                        &format!(
                            "{member} from the OAuth authorization server metadata (RFC 8414)"
                        ),
                    );
                    Url::parse(u).map_err(|_| Error::MissingEndpoint(member))
                }
                None => Err(Error::MissingEndpoint(member)),
            },
            Err(e) => {
                self.log(
                    LogLevel::Info,
                    &format!(
                        "no {member} in the discovery document, and no RFC 8414 metadata: {e}"
                    ),
                );
                Err(Error::MissingEndpoint(member))
            }
        }
    }

    pub(crate) fn token_endpoint(&self, meta: &ProviderMetadata) -> Result<Url, Error> {
        self.endpoint(
            self.inner.config.token_endpoint.as_ref(),
            meta.token_endpoint(),
            "token_endpoint",
        )
    }

    fn loopback_config(&self) -> LoopbackConfig {
        self.inner.loopback.clone()
    }

    /// Starts the loopback web server now and keeps it for the following sign-ins (the
    /// seed's `start_web_server` with `ReUseWebServer`). Returns the redirect URI (the
    /// seed's `return_url`) to register with the provider.
    pub async fn start_web_server(&self) -> Result<RedirectUrl, Error> {
        let mut slot = self.inner.web_server.lock().await;
        if let Some(s) = slot.as_ref() {
            return Ok(s.redirect_uri().clone());
        }
        let server = LoopbackServer::bind(self.loopback_config().reusable(true)).await?;
        let uri = server.redirect_uri().clone();
        *slot = Some(server);
        Ok(uri)
    }

    /// Stops the kept web server.
    pub async fn stop_web_server(&self) {
        if let Some(s) = self.inner.web_server.lock().await.take() {
            s.shutdown().await;
        }
    }

    fn response_mode(&self, meta: &ProviderMetadata) -> Option<ResponseMode> {
        let c = &self.inner.config;
        if c.response_mode.is_some() {
            return c.response_mode;
        }
        if c.effective_response_type().is_code_only() {
            return None;
        }
        // Tokens in the front channel: form_post keeps them out of the URL (and out of
        // the browser history); fall back to the fragment relay page.
        let modes = meta.response_modes_supported();
        if modes.iter().any(|m| m == "form_post") {
            Some(ResponseMode::FormPost)
        } else {
            Some(ResponseMode::Fragment)
        }
    }

    fn build_request(
        &self,
        meta: &ProviderMetadata,
        p: &Pending,
    ) -> Result<AuthorizationRequest, Error> {
        let c = &self.inner.config;
        let endpoint = self.endpoint(
            c.authorization_endpoint.as_ref(),
            Some(meta.authorization_endpoint()),
            "authorization_endpoint",
        )?;
        let rt = c.effective_response_type();
        let mut req = AuthorizationRequest::new(
            endpoint,
            ClientId::new(c.client_id.clone()),
            p.redirect_uri.clone(),
        )
        .grant_type(rt.grant_type())
        .response_type(rt)
        .scope(c.scope.clone())
        .state(&p.state)
        .prompt(c.prompt.clone());
        if let Some(k) = &p.dpop {
            req = req.dpop_jkt(k.thumbprint());
        }
        if c.grant_type != rt.grant_type() {
            c.grant_type.check_response_type(rt)?;
        }
        if let Some(m) = self.response_mode(meta) {
            req = req.response_mode(m);
        }
        if let Some(n) = &p.nonce {
            req = req.nonce(n);
        }
        if let Some(v) = &p.verifier {
            req = req.pkce(v);
        }
        if let Some(d) = &c.display {
            req = req.display(d.clone());
        }
        if let Some(h) = &c.login_hint {
            req = req.login_hint(h.clone());
        }
        if let Some(h) = &c.id_token_hint {
            req = req.id_token_hint(h.clone());
        }
        if let Some(m) = c.max_age {
            req = req.max_age(m);
        }
        if let Some(l) = &c.ui_locales {
            req = req.ui_locales(l.clone());
        }
        if let Some(cl) = &c.claims {
            req = req.claims(cl.clone());
        }
        if let Some(a) = &c.acr_values {
            req = req.acr_values(a.clone());
        }
        for (k, v) in &c.extra_params {
            req = req.param(k.clone(), v.clone());
        }
        Ok(req)
    }

    /// The URL to send the user to, via PAR when the provider wants it.
    async fn authorization_url(
        &self,
        meta: &ProviderMetadata,
        req: &AuthorizationRequest,
        dpop: Option<&Arc<oidc_jose::DpopKey>>,
    ) -> Result<Url, Error> {
        let par_endpoint = meta.pushed_authorization_request_endpoint();
        let use_par = match self.inner.config.par {
            ParMode::Never => false,
            ParMode::Always => true,
            ParMode::WhenRequired => meta.require_pushed_authorization_requests(),
            ParMode::Auto => meta.require_pushed_authorization_requests() || par_endpoint.is_some(),
        };
        if !use_par {
            return Ok(req.build_url()?);
        }
        let endpoint =
            self.endpoint(None, par_endpoint, "pushed_authorization_request_endpoint")?;
        let tc = self.token_client(meta)?;
        let pushed = tc
            .push_authorization_request(&*self.http_with(dpop), &endpoint, req)
            .await?;
        self.log(LogLevel::Info, "authorization request pushed (RFC 9126)");
        Ok(req.build_par_url(&pushed.request_uri))
    }

    /// Opens `url` (as `on_launch_browser` leaves it); returns the launch's watch and the URL
    /// the browser was given.
    fn launch_browser(&self, url: &Url) -> Result<(LaunchWatch, String), Error> {
        let mut launch = LaunchBrowser {
            url: url.to_string(),
            command: self.inner.browser.default_command(),
        };
        self.inner.events.on_launch_browser(&mut launch);
        // Whatever `on_launch_browser` made of it, only a web address goes to a browser.
        crate::browser::check_launch_url(&launch.url)?;
        if launch.command.is_empty() {
            self.log(
                LogLevel::Info,
                "the application opens the authorization URL itself",
            );
            return Ok((LaunchWatch::unwatched(), launch.url));
        }
        self.log(LogLevel::Info, "opening the system browser");
        let watch = self
            .inner
            .browser
            .launch_watched(&launch.url, &launch.command)?;
        Ok((watch, launch.url))
    }

    /// Waits for the loopback's response, or for a pasted address that passes the checks
    /// a redirect would; a browser command that fails meanwhile is told to the application
    /// and, with [`BrowserFailure::Fail`], ends the wait.
    async fn wait_for_redirect(
        &self,
        server: &mut LoopbackServer,
        mut watch: LaunchWatch,
        url: &str,
        mut paste: Option<(&mut PastedAddresses, Expected<'_>)>,
    ) -> Result<Result<Received, oidc_loopback::Error>, Error> {
        enum Step {
            Redirect(Result<CallbackParams, oidc_loopback::Error>),
            BrowserFailed(LaunchError),
            Line(Option<String>),
        }
        async fn next_line(
            paste: &mut Option<(&mut PastedAddresses, Expected<'_>)>,
        ) -> Option<String> {
            match paste {
                Some((p, _)) => p.next().await,
                None => std::future::pending().await,
            }
        }
        let wait = server.wait();
        tokio::pin!(wait);
        loop {
            let step = tokio::select! {
                r = &mut wait => Step::Redirect(r),
                e = watch.failure() => Step::BrowserFailed(e),
                l = next_line(&mut paste) => Step::Line(l),
            };
            match step {
                Step::Redirect(r) => return Ok(r.map(Received::Loopback)),
                Step::BrowserFailed(e) => {
                    self.log(
                        LogLevel::Info,
                        &format!("{e}; the browser probably did not open the page"),
                    );
                    self.inner.events.on_browser_failed(url, &e);
                    if self.inner.config.browser_failure == BrowserFailure::Fail {
                        return Err(Error::Browser(e));
                    }
                }
                // Nothing more will be pasted: the redirect may still come.
                Step::Line(None) => paste = None,
                Step::Line(Some(line)) => {
                    let Some((_, expected)) = &paste else {
                        continue;
                    };
                    match check_pasted(&line, expected) {
                        Ok(p) => {
                            self.log(LogLevel::Info, "the pasted address passed the checks");
                            return Ok(Ok(Received::Pasted(p)));
                        }
                        Err(reason) => {
                            self.log(LogLevel::Info, &format!("pasted address refused: {reason}"));
                            self.inner.events.on_paste_refused(&reason);
                        }
                    }
                }
            }
        }
    }

    async fn browser_flow(&self, pasted: Option<&mut PastedAddresses>) -> Result<Session, Error> {
        let c = &self.inner.config;
        let rt = c.effective_response_type();
        let meta = self.discovery().await?;
        // Fetch (or revalidate) the keys while the user is in the browser, so that the
        // redirect-to-session path holds only the token round trip and validation.
        let provider = self.inner.provider.clone();
        let prefetch = tokio::spawn(async move { provider.keys().await.map(|_| ()) });

        let mut kept = self.inner.web_server.lock().await;
        let mut own_server = None;
        let server: &mut LoopbackServer = match kept.as_mut() {
            Some(s) => s,
            None => own_server.insert(LoopbackServer::bind(self.loopback_config()).await?),
        };
        let pending = Pending {
            state: c.state.clone().map_or_else(State::generate, State::new),
            nonce: (c.use_nonce || !rt.is_code_only()).then(Nonce::generate),
            verifier: (c.use_pkce && rt.contains(Rt::Code)).then(PkceVerifier::generate),
            redirect_uri: server.redirect_uri().clone(),
            dpop: self.dpop_key_for_sign_in(&meta).await?,
        };
        let req = self.build_request(&meta, &pending)?;
        let url = self
            .authorization_url(&meta, &req, pending.dpop.as_ref())
            .await?;
        self.log_typed(
            LogLevel::Verbose,
            &format!("authorization endpoint: {}", redact_query(&url)),
            "Info",
        );
        server.expect_state(&pending.state);
        let launched = match self.launch_browser(&url) {
            Ok(l) => l,
            Err(e) => {
                if c.device_fallback && meta.device_authorization_endpoint().is_some() {
                    self.log(
                        LogLevel::Info,
                        &format!("{e}: falling back to the device flow"),
                    );
                    server.forget_state(&pending.state);
                    drop(kept);
                    if let Some(s) = own_server {
                        s.shutdown().await;
                    }
                    return self.device_flow().await;
                }
                return Err(e);
            }
        };
        self.log(
            LogLevel::Info,
            &format!("waiting for the redirect to {}", pending.redirect_uri),
        );
        let (watch, shown_url) = launched;
        let paste = pasted.map(|p| {
            (
                p,
                Expected {
                    redirect_uri: &pending.redirect_uri,
                    state: &pending.state,
                    issuer: &self.inner.issuer,
                    iss_parameter_supported: meta.authorization_response_iss_parameter_supported(),
                },
            )
        });
        let waited = self
            .wait_for_redirect(server, watch, &shown_url, paste)
            .await;
        server.forget_state(&pending.state);
        drop(kept);
        if let Some(s) = own_server {
            s.shutdown().await;
        }
        let waited = waited?;
        if let Ok(cb) = &waited {
            self.log(
                LogLevel::Info,
                &format!("authorization response received ({})", cb.mode()),
            );
        }
        let callback = waited.map_err(|e| {
            if e.is_timeout() {
                Error::RedirectTimeout {
                    redirect_uri: pending.redirect_uri.to_string(),
                    source: e,
                }
            } else {
                Error::Loopback(e)
            }
        })?;
        let _ = prefetch.await;
        let requested = self.response_mode(&meta).unwrap_or(if rt.is_code_only() {
            ResponseMode::Query
        } else {
            ResponseMode::Fragment
        });
        // Both name the modes by their wire names (`query`, `fragment`, `form_post`).
        let arrived = callback.mode();
        if arrived != requested.as_str() {
            // Tokens asked for in a form post must not be taken from a URL (and the other
            // way round): a response in another mode is not the answer to this request.
            return Err(Error::ResponseModeMismatch {
                requested: requested.as_str(),
                arrived,
            });
        }
        self.finish_authorization(&meta, &pending, callback.into_response())
            .await
    }

    /// Everything after the redirect arrived: the checks of the front channel, the code
    /// exchange, ID token validation, UserInfo.
    async fn finish_authorization(
        &self,
        meta: &ProviderMetadata,
        p: &Pending,
        response: AuthorizationResponse,
    ) -> Result<Session, Error> {
        let c = &self.inner.config;
        let rt = c.effective_response_type();
        response.check_state(&p.state)?;
        // RFC 9207 §2.4 holds for error responses too: one without the promised `iss` (or
        // with another issuer's) is not attributed to this provider.
        response.check_error_iss(
            &self.inner.issuer,
            meta.authorization_response_iss_parameter_supported(),
        )?;
        let success = response.to_result()?;
        success.check_iss(
            &self.inner.issuer,
            meta.authorization_response_iss_parameter_supported(),
        )?;
        success.check_response_type(rt)?;
        let nonce = p.nonce.as_ref().map(Nonce::secret);

        // Front-channel ID token first: nothing goes to the token endpoint unless it passed.
        let front = match &success.id_token {
            Some(t) => {
                let ctx = ValidationContext {
                    nonce,
                    access_token: success.access_token.as_ref().map(|a| HashedValue {
                        value: a.secret(),
                        required: true,
                    }),
                    code: success.code.as_ref().map(|code| HashedValue {
                        value: code.secret(),
                        required: true,
                    }),
                    max_age: c.max_age,
                    ..Default::default()
                };
                Some(self.validate_with_rotation(meta, t.secret(), &ctx).await?)
            }
            None => None,
        };

        let mut session = Session {
            issuer: self.inner.issuer.as_str().to_owned(),
            client_id: c.client_id.clone(),
            access_token: success.access_token.clone(),
            token_type: success.token_type.clone(),
            expires_at: success.expires_in.map(|e| {
                self.inner
                    .clock
                    .now_unix()
                    .saturating_add(i64::try_from(e).unwrap_or(i64::MAX))
            }),
            refresh_token: None,
            id_token: success.id_token.clone(),
            claims: front.as_ref().map(|f| f.claims.clone()),
            user: None,
            scope: success.scope.clone(),
            authorization_response: response.params().to_vec(),
            obtained_at: Some(self.inner.clock.now_unix()),
            ..Session::new("", "")
        };

        if let Some(code) = &success.code {
            let tc = self.token_client(meta)?;
            let endpoint = self.token_endpoint(meta)?;
            let tokens = tc
                .exchange_code(
                    &*self.http_with(p.dpop.as_ref()),
                    &endpoint,
                    code,
                    &p.redirect_uri,
                    p.verifier.as_ref(),
                )
                .await?;
            self.log(LogLevel::Info, "authorization code exchanged");
            session.dpop_key = self.check_token_binding(p.dpop.clone(), &tokens.token_type)?;
            self.absorb_tokens(
                meta,
                &mut session,
                tokens,
                nonce,
                front.as_ref().map(|f| &f.claims),
                None,
            )
            .await?;
        } else if session.claims.is_none() {
            // Implicit response types all carry an ID token; without a code there is no
            // other place for one to come from.
            return Err(Error::MissingIdToken);
        }
        if c.fetch_userinfo {
            self.fill_userinfo(meta, &mut session).await?;
        }
        self.log(LogLevel::Info, "signed in");
        Ok(session)
    }

    /// Validates the ID token of a token response and moves the tokens into `session`.
    async fn absorb_tokens(
        &self,
        meta: &ProviderMetadata,
        session: &mut Session,
        tokens: TokenResponse,
        nonce: Option<&str>,
        front: Option<&IdTokenClaims>,
        original: Option<&IdTokenClaims>,
    ) -> Result<(), Error> {
        let validated = match &tokens.id_token {
            Some(t) => {
                let ctx = ValidationContext {
                    nonce: if original.is_some() { None } else { nonce },
                    access_token: Some(HashedValue {
                        value: tokens.access_token.secret(),
                        required: false,
                    }),
                    max_age: if original.is_some() {
                        None
                    } else {
                        self.inner.config.max_age
                    },
                    original,
                    ..Default::default()
                };
                let v = self.validate_with_rotation(meta, t.secret(), &ctx).await?;
                if let Some(f) = front {
                    if f.iss != v.claims.iss {
                        return Err(Error::IdTokenMismatch(MismatchedClaim::Iss));
                    }
                    if f.sub != v.claims.sub {
                        return Err(Error::IdTokenMismatch(MismatchedClaim::Sub));
                    }
                }
                Some(v)
            }
            None if original.is_none() && front.is_none() => return Err(Error::MissingIdToken),
            None => None,
        };
        session.access_token = Some(tokens.access_token.clone());
        session.token_type = Some(tokens.token_type.as_str().to_owned());
        session.expires_at = tokens.expires_at;
        session.obtained_at = Some(self.inner.clock.now_unix());
        if let Some(rt) = &tokens.refresh_token {
            session.refresh_token = Some(rt.clone());
        }
        if let Some(v) = validated {
            session.id_token.clone_from(&tokens.id_token);
            session.claims = Some(v.claims);
        }
        if let Some(s) = &tokens.scope {
            session.scope = Some(s.to_string());
        }
        Ok(())
    }

    pub(crate) async fn fill_userinfo(
        &self,
        meta: &ProviderMetadata,
        session: &mut Session,
    ) -> Result<(), Error> {
        let Some(access) = session.access_token.clone() else {
            return Ok(());
        };
        let sub = session
            .claims
            .as_ref()
            .and_then(|c| c.sub.clone())
            .ok_or(Error::MissingIdToken)?;
        let dpop = session.dpop_key.clone();
        session.user = Some(
            self.fetch_user_info(meta, &access, &sub, dpop.as_ref())
                .await?,
        );
        Ok(())
    }

    pub(crate) async fn fetch_user_info(
        &self,
        meta: &ProviderMetadata,
        access: &AccessToken,
        sub: &str,
        dpop: Option<&Arc<oidc_jose::DpopKey>>,
    ) -> Result<UserDetails, Error> {
        let c = &self.inner.config;
        let endpoint = self.endpoint(
            c.userinfo_endpoint.as_ref(),
            meta.userinfo_endpoint(),
            "userinfo_endpoint",
        )?;
        let keys = self.inner.provider.keys().await?;
        let algs: Vec<Algorithm> = {
            let named = meta.userinfo_signing_alg_values_supported();
            let v: Vec<Algorithm> = named
                .iter()
                .filter(|n| c.allow_hmac_id_tokens || !is_hmac(n))
                .filter_map(|n| Algorithm::parse(n))
                .filter(|a| *a != Algorithm::None)
                .collect();
            if v.is_empty() {
                vec![Algorithm::RS256]
            } else {
                v
            }
        };
        let client_id = ClientId::new(c.client_id.clone());
        let secret = c.client_secret.as_ref().filter(|_| c.allow_hmac_id_tokens);
        let scheme = if dpop.is_some() {
            oidc_token::TokenScheme::Dpop
        } else {
            oidc_token::TokenScheme::Bearer
        };
        let response = oidc_token::fetch_userinfo_response(
            &*self.http_with(dpop),
            &endpoint,
            access,
            c.userinfo_style,
            scheme,
        )
        .await?;
        let parse = |keys: &SignerKeys| {
            let how = UserInfoParse::new(sub).with_verification(UserInfoVerification {
                keys: keys.set(),
                algorithms: &algs,
                client_secret: secret,
                issuer: Some(meta.issuer()),
                client_id: Some(&client_id),
            });
            oidc_token::parse_userinfo_response(&response, &how)
        };
        match parse(&keys) {
            // A signed response under a key the cached set lacks: the provider rotated its
            // keys, so refetch them once (rate limited), as for ID tokens.
            Err(oidc_token::Error::UserInfoJwt(e)) if e.is_unknown_kid() => {
                let kid = std::str::from_utf8(response.body())
                    .ok()
                    .and_then(|t| oidc_jose::CompactJws::parse(t.trim()).ok())
                    .and_then(|j| j.header().kid.clone())
                    .unwrap_or_default();
                self.log(
                    LogLevel::Info,
                    &format!(
                        "signed UserInfo names unknown kid `{kid}`: refetching the provider's keys"
                    ),
                );
                let keys = self.inner.provider.keys_for_kid(&kid).await?;
                Ok(parse(&keys)?)
            }
            r => Ok(r?),
        }
    }

    /// Requests UserInfo with an access token; `expected_sub`
    /// is the ID token's subject, which the response must repeat (OpenID Connect Core §5.3.2).
    pub async fn request_user_info(
        &self,
        access_token: &AccessToken,
        expected_sub: &str,
    ) -> Result<UserDetails, Error> {
        let r = async {
            let meta = self.discovery().await?;
            self.fetch_user_info(&meta, access_token, expected_sub, None)
                .await
        };
        let r = self.interruptible(r).await;
        self.report(r)
    }

    /// Signs in with the device authorization grant (RFC 8628), for machines without a
    /// browser: `Events::on_device_code` tells the user what to do; polling honours the
    /// provider's interval and the configured timeout.
    pub async fn authenticate_device(&self) -> Result<Session, Error> {
        let r = self.interruptible(self.device_flow()).await;
        self.report(r)
    }

    async fn device_flow(&self) -> Result<Session, Error> {
        let c = &self.inner.config;
        let meta = self.discovery().await?;
        let device_endpoint = self
            .endpoint_or_oauth(
                self.inner.config.device_authorization_endpoint.as_ref(),
                meta.device_authorization_endpoint(),
                "device_authorization_endpoint",
            )
            .await?;
        let token_endpoint = self.token_endpoint(&meta)?;
        let tc = self.token_client(&meta)?;
        let scope = c.scope.clone().with_openid();
        let auth = tc
            .device_authorization(&*self.inner.http, &device_endpoint, Some(&scope), &[])
            .await?;
        self.inner.events.on_device_code(&DeviceCodePrompt {
            user_code: auth.user_code.clone(),
            verification_uri: auth.verification_uri.clone(),
            verification_uri_complete: auth.verification_uri_complete.clone(),
            expires_in: auth.expires_in,
        });
        let mut options = DevicePollOptions::default();
        if !c.timeout.is_zero() {
            options = options.max_wait(c.timeout);
        }
        let dpop = self.dpop_key_for_sign_in(&meta).await?;
        let tokens = tc
            .poll_device_token(
                &*self.http_with(dpop.as_ref()),
                &token_endpoint,
                &auth,
                &options,
                &TokioSleeper,
                std::future::pending::<()>(),
            )
            .await?;
        let mut session = Session::new(self.inner.issuer.as_str(), &c.client_id);
        session.dpop_key = self.check_token_binding(dpop, &tokens.token_type)?;
        self.absorb_tokens(&meta, &mut session, tokens, None, None, None)
            .await?;
        if c.fetch_userinfo {
            self.fill_userinfo(&meta, &mut session).await?;
        }
        Ok(session)
    }

    /// The revocation endpoint: configured, discovered, or from the RFC 8414 metadata.
    pub(crate) async fn revocation_endpoint(&self, meta: &ProviderMetadata) -> Result<Url, Error> {
        self.endpoint_or_oauth(
            self.inner.config.revocation_endpoint.as_ref(),
            meta.revocation_endpoint(),
            "revocation_endpoint",
        )
        .await
    }

    /// Revokes a token (RFC 7009) given as text; [`Self::revoke_session`] revokes a
    /// session's own (with its DPoP key when bound).
    pub async fn revoke(&self, token: &str, hint: Option<TokenTypeHint>) -> Result<(), Error> {
        let r = async {
            let meta = self.discovery().await?;
            let endpoint = self.revocation_endpoint(&meta).await?;
            let tc = self.token_client(&meta)?;
            Ok(tc.revoke(&*self.inner.http, &endpoint, token, hint).await?)
        };
        let r = self.interruptible(r).await;
        self.report(r)
    }

    /// RP-initiated logout through the browser: opens the provider's `end_session_endpoint`
    /// with `id_token_hint` and a loopback `post_logout_redirect_uri`, and waits for the
    /// provider to send the browser back (bounded by the configured timeout).
    pub async fn logout(&self, id_token: Option<&IdTokenString>) -> Result<(), Error> {
        let r = self.interruptible(self.logout_flow(id_token)).await;
        self.report(r)
    }

    async fn logout_flow(&self, id_token: Option<&IdTokenString>) -> Result<(), Error> {
        let meta = self.discovery().await?;
        let endpoint = self.endpoint(
            self.inner.config.end_session_endpoint.as_ref(),
            meta.end_session_endpoint(),
            "end_session_endpoint",
        )?;
        let cfg = self.loopback_config().path("/logged-out");
        let mut server = LoopbackServer::bind(cfg).await?;
        let state = State::generate();
        server.expect_state(&state);
        let mut url = LogoutUrl::new(endpoint)
            .client_id(&ClientId::new(self.inner.config.client_id.clone()))
            .post_logout_redirect_uri(server.redirect_uri().as_str())
            .state(&state);
        if let Some(t) = id_token {
            url = url.id_token_hint(t);
        }
        let (watch, shown_url) = self.launch_browser(&url.build())?;
        let r = self
            .wait_for_redirect(&mut server, watch, &shown_url, None)
            .await;
        server.shutdown().await;
        let r = r?;
        // The loopback checked `state`; a provider that could not end the session may say
        // why in the redirect, and that is not a sign-out.
        if let Some(e) = r?.into_response().provider_error() {
            return Err(Error::Authorization(oidc_core::Error::Provider(e)));
        }
        self.log(LogLevel::Info, "signed out at the provider");
        Ok(())
    }

    /// Forgets cached discovery metadata and keys, and stops a kept
    /// web server.
    pub async fn reset(&self) {
        self.inner.provider.invalidate().await;
        self.stop_web_server().await;
    }

    /// How long the configured timeout is (`None`: no timeout).
    pub fn timeout(&self) -> Option<Duration> {
        (!self.inner.config.timeout.is_zero()).then_some(self.inner.config.timeout)
    }
}

/// The URL with every query value replaced by `…`, for logs.
fn redact_query(url: &Url) -> String {
    let mut u = url.clone();
    let names: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
    if names.is_empty() {
        return u.to_string();
    }
    u.query_pairs_mut().clear();
    for n in names {
        u.query_pairs_mut().append_pair(&n, "…");
    }
    u.to_string()
}

/// The issuer of a metadata URL, or why there is none.
fn metadata_issuer(found: Result<Option<IssuerUrl>, oidc_core::Error>) -> Result<IssuerUrl, Error> {
    found?.ok_or(Error::Config(METADATA_URL_FORMS))
}

/// Whether an algorithm name names an HMAC algorithm (`HS256`, `HS384`, `HS512`).
fn is_hmac(alg: &str) -> bool {
    Algorithm::parse(alg).is_some_and(Algorithm::is_symmetric)
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
