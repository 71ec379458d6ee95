//! [`OidcDesktop`]: the client handle, what its flows share (configuration, provider
//! caches, HTTP, events, the interrupt), and the endpoint and client-authentication
//! choices every request makes. The flows themselves live in their own modules:
//! `sign_in` (browser), `authorize`, `redirect`, `exchange`, `device`, `userinfo`,
//! `refresh`, `acquire`, `sign_out`.

use std::sync::Arc;
use std::time::Duration;

use oidc_core::{ClientId, Clock, HttpClient, IssuerUrl};
use oidc_discovery::{Provider, ProviderMetadata, SignerKeys};
use oidc_jose::Algorithm;
use oidc_loopback::{LoopbackConfig, LoopbackServer};
use oidc_token::{ClientAuth, ClientAuthMethod, ResponseOptions, TokenClient};
use tokio::sync::watch;
use url::Url;

use crate::Error;
use crate::browser::BrowserLauncher;
use crate::config::Config;
use crate::events::{Events, LogLevel, LogType};

pub(crate) struct Inner {
    pub(crate) issuer: IssuerUrl,
    pub(crate) config: Config,
    pub(crate) provider: Provider,
    pub(crate) http: Arc<dyn HttpClient>,
    pub(crate) events: Arc<dyn Events>,
    pub(crate) browser: Arc<dyn BrowserLauncher>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) interrupt: watch::Sender<u64>,
    pub(crate) web_server: tokio::sync::Mutex<Option<LoopbackServer>>,
    /// The loopback server's settings, checked in `build()`.
    pub(crate) loopback: LoopbackConfig,
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

impl OidcDesktop {
    /// The issuer.
    pub fn issuer(&self) -> &IssuerUrl {
        &self.inner.issuer
    }

    /// The shared provider handle (metadata and key caches).
    pub fn provider(&self) -> &Provider {
        &self.inner.provider
    }

    pub(crate) fn log(&self, level: LogLevel, message: &str) {
        self.log_typed(level, message, LogType::Info);
    }

    /// Sends a log line to `tracing` and, when `level` is within the configured log level,
    /// to `Events::on_log` with the manual's log type.
    pub(crate) fn log_typed(&self, level: LogLevel, message: &str, log_type: LogType) {
        let kind = log_type.as_str();
        match level {
            LogLevel::Debug | LogLevel::Verbose => tracing::debug!(log_type = kind, "{message}"),
            _ => tracing::info!(log_type = kind, "{message}"),
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

    /// How every public operation runs: stoppable by [`Self::interrupt`] (it then ends with
    /// `Error::Interrupted`), and a failure told to `Events::on_error` and `tracing`
    /// ([`Self::report`]).
    pub(crate) async fn public_call<T>(
        &self,
        fut: impl Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        let mut rx = self.inner.interrupt.subscribe();
        let r = tokio::select! {
            r = fut => r,
            _ = rx.changed() => Err(Error::Interrupted),
        };
        self.report(r)
    }

    /// Stops whatever this client (or a clone) is doing: the wait for the browser, a device
    /// poll, an HTTP exchange. The operation returns `Error::Interrupted`; the loopback port
    /// is freed. Callable from any thread.
    pub fn interrupt(&self) {
        self.inner.interrupt.send_modify(|g| *g = g.wrapping_add(1));
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

    pub(crate) fn token_client(&self, meta: &ProviderMetadata) -> Result<TokenClient, Error> {
        let c = &self.inner.config;
        let supported = ClientAuthMethod::parse_all(&meta.token_endpoint_auth_methods_supported());
        let secret = c.client_secret.clone();
        let need_secret = || {
            secret.clone().ok_or(Error::Config(
                "this client authentication needs a client secret",
            ))
        };
        let auth = match c.client_auth {
            None => match (&secret, &c.private_key) {
                (_, Some(k)) if supported.contains(&ClientAuthMethod::PrivateKeyJwt) => {
                    ClientAuth::PrivateKeyJwt(k.clone())
                }
                (Some(s), _) => ClientAuth::secret_for(s.clone(), &supported),
                (None, _) => ClientAuth::None,
            },
            Some(ClientAuthMethod::ClientSecretBasic) => ClientAuth::SecretBasic(need_secret()?),
            Some(ClientAuthMethod::ClientSecretPost) => ClientAuth::SecretPost(need_secret()?),
            Some(ClientAuthMethod::ClientSecretJwt) => ClientAuth::SecretJwt {
                secret: need_secret()?,
                alg: Algorithm::HS256,
            },
            Some(ClientAuthMethod::PrivateKeyJwt) => ClientAuth::PrivateKeyJwt(
                c.private_key
                    .clone()
                    .ok_or(Error::Config("private_key_jwt needs a private key"))?,
            ),
            // `none`, and any method added later that this client cannot perform.
            Some(_) => ClientAuth::None,
        };
        let options =
            ResponseOptions::default().accept_string_expires_in(c.accept_string_expires_in);
        let mut tc = TokenClient::new(ClientId::new(c.client_id.clone()), auth)
            .with_clock(self.inner.clock.clone())
            .with_options(options);
        if let Some(t) = meta.token_endpoint() {
            tc = tc.with_assertion_audience(t.as_str());
        }
        Ok(tc)
    }

    /// The configured endpoint, else the discovered one (`member` names the metadata
    /// member).
    pub(crate) fn endpoint(
        &self,
        configured: Option<&Url>,
        discovered: Option<&Url>,
        member: &'static str,
    ) -> Result<Url, Error> {
        configured
            .or(discovered)
            .cloned()
            .ok_or(Error::MissingEndpoint(member))
    }

    /// [`Self::endpoint`], and when the OpenID discovery document lacks it, the provider's
    /// OAuth 2.0 authorization server metadata (RFC 8414, same issuer check), where some
    /// providers publish only there (revocation, introspection, device authorization).
    pub(crate) async fn endpoint_or_oauth(
        &self,
        configured: Option<&Url>,
        discovered: Option<&Url>,
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
