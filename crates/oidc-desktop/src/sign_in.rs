//! The browser sign-in: [`OidcDesktop::sign_in`] with its per-sign-in options, and the
//! flow that ties the authorization request, the redirect and the exchange together.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use oidc_core::{
    Display, Nonce, PkceVerifier, Prompt, ResponseMode, ResponseTypeComponent as Rt, State,
};
use oidc_loopback::LoopbackServer;

use crate::authorize::Pending;
use crate::events::{LogLevel, LogType};
use crate::paste::{Expected, PastedAddresses};
use crate::{Error, OidcDesktop, Session};

/// What one sign-in asks of the provider beyond the client's configuration; each set
/// value replaces the configured one for this sign-in only.
#[derive(Debug, Clone, Default)]
pub(crate) struct SignInOptions {
    pub(crate) prompt: Option<Vec<Prompt>>,
    pub(crate) login_hint: Option<String>,
    pub(crate) id_token_hint: Option<String>,
    pub(crate) max_age: Option<u64>,
    pub(crate) acr_values: Option<String>,
    pub(crate) ui_locales: Option<String>,
    pub(crate) claims: Option<String>,
    pub(crate) display: Option<Display>,
    pub(crate) extra_params: Vec<(String, String)>,
    pub(crate) state: Option<State>,
}

/// One sign-in through the browser, with its own options: built by
/// [`OidcDesktop::sign_in`], run by `.await`.
///
/// Options set here apply to this sign-in only and take precedence over the client's
/// configuration, so one client serves "sign in", "switch account"
/// (`.prompt(Prompt::SelectAccount)`), "sign in as" (`.login_hint(..)`) and step-up
/// (`.max_age(..)`, `.acr_values(..)`).
///
/// ```no_run
/// # async fn f(client: oidc_desktop::OidcDesktop) -> Result<(), oidc_desktop::Error> {
/// use oidc_desktop::core::Prompt;
/// let session = client
///     .sign_in()
///     .prompt(Prompt::SelectAccount)
///     .login_hint("jane@example.com")
///     .extra_param("audience", "https://api.example.com")
///     .await?;
/// # Ok(()) }
/// ```
#[must_use = "a sign-in does nothing until it is awaited"]
#[derive(Debug)]
pub struct SignIn<'a> {
    client: &'a OidcDesktop,
    options: SignInOptions,
    pasted: Option<PastedAddresses>,
}

impl SignIn<'_> {
    /// Adds a `prompt` value (`login`, `consent`, `select_account`, …); the first call
    /// replaces the configured list.
    pub fn prompt(mut self, prompt: Prompt) -> Self {
        self.options
            .prompt
            .get_or_insert_with(Vec::new)
            .push(prompt);
        self
    }

    /// `login_hint`: the account the user probably wants (an email address, a user name).
    pub fn login_hint(mut self, hint: impl Into<String>) -> Self {
        self.options.login_hint = Some(hint.into());
        self
    }

    /// `id_token_hint`: an ID token the provider issued earlier, naming the user.
    pub fn id_token_hint(mut self, id_token: impl Into<String>) -> Self {
        self.options.id_token_hint = Some(id_token.into());
        self
    }

    /// `max_age`: the user must have authenticated at the provider within this time; the ID
    /// token's `auth_time` is then required and checked (whole seconds).
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.options.max_age = Some(max_age.as_secs());
        self
    }

    /// `acr_values`: the authentication context classes wanted, in order of preference.
    pub fn acr_values(mut self, values: impl Into<String>) -> Self {
        self.options.acr_values = Some(values.into());
        self
    }

    /// `ui_locales`: the user's preferred languages (BCP 47 tags, space-separated).
    pub fn ui_locales(mut self, locales: impl Into<String>) -> Self {
        self.options.ui_locales = Some(locales.into());
        self
    }

    /// The `claims` request parameter (OpenID Connect Core §5.5), as JSON.
    pub fn claims(mut self, claims_json: impl Into<String>) -> Self {
        self.options.claims = Some(claims_json.into());
        self
    }

    /// `display`: how the provider shows its pages.
    pub fn display(mut self, display: Display) -> Self {
        self.options.display = Some(display);
        self
    }

    /// An extra authorization request parameter; it replaces a configured one of the same
    /// name.
    pub fn extra_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.options.extra_params.push((name.into(), value.into()));
        self
    }

    /// Sends this `state` instead of a fresh random one, for an application that ties the
    /// sign-in to its own state. It must be unguessable (it is the request's CSRF
    /// protection); it is checked on return and readable with
    /// [`Session::get_query_param`]`("state")`.
    pub fn state(mut self, state: impl Into<String>) -> Self {
        self.options.state = Some(State::new(state.into()));
        self
    }

    /// Also accepts the address the browser ended on, pasted by the user, for when the
    /// browser cannot reach this machine's loopback (over SSH, in a container): the sign-in
    /// completes with whichever comes first, the redirect or a pasted line that passes the
    /// checks a redirect does (this sign-in's address, `state`, RFC 9207 `iss`). A line that
    /// fails them is refused through [`Events::on_paste_refused`](crate::Events::on_paste_refused)
    /// and the sign-in keeps waiting.
    pub fn paste(mut self, pasted: PastedAddresses) -> Self {
        self.pasted = Some(pasted);
        self
    }
}

impl<'a> IntoFuture for SignIn<'a> {
    type Output = Result<Session, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let SignIn {
                client,
                options,
                mut pasted,
            } = self;
            client
                .public_call(client.browser_flow(&options, pasted.as_mut()))
                .await
        })
    }
}

impl OidcDesktop {
    /// A sign-in through the system browser and the loopback redirect, whatever is stored,
    /// with options for this sign-in only; run it with `.await`. [`Self::acquire`] uses a
    /// stored or refreshed session first.
    pub fn sign_in(&self) -> SignIn<'_> {
        SignIn {
            client: self,
            options: SignInOptions::default(),
            pasted: None,
        }
    }

    /// Signs the user in through the system browser with the configured options:
    /// `client.sign_in().await`.
    pub async fn authenticate(&self) -> Result<Session, Error> {
        self.sign_in().await
    }

    /// Signs the user in through the browser, also accepting a pasted address:
    /// `client.sign_in().paste(pasted).await` (see [`SignIn::paste`]).
    pub async fn authenticate_with_paste(&self, pasted: PastedAddresses) -> Result<Session, Error> {
        self.sign_in().paste(pasted).await
    }

    /// The browser sign-in, without the interrupt and error reporting of the public calls.
    pub(crate) async fn browser_sign_in(&self) -> Result<Session, Error> {
        self.browser_flow(&SignInOptions::default(), None).await
    }

    /// [`Self::browser_sign_in`] accepting pasted addresses.
    pub(crate) async fn paste_sign_in(
        &self,
        mut pasted: PastedAddresses,
    ) -> Result<Session, Error> {
        self.browser_flow(&SignInOptions::default(), Some(&mut pasted))
            .await
    }

    /// The device grant, without the interrupt and error reporting of the public calls.
    pub(crate) async fn device_sign_in(&self) -> Result<Session, Error> {
        self.device_flow().await
    }

    pub(crate) async fn browser_flow(
        &self,
        options: &SignInOptions,
        pasted: Option<&mut PastedAddresses>,
    ) -> Result<Session, Error> {
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
            state: options.state.clone().unwrap_or_else(State::generate),
            nonce: (c.use_nonce || !rt.is_code_only()).then(Nonce::generate),
            verifier: (c.use_pkce && rt.contains(Rt::Code)).then(PkceVerifier::generate),
            redirect_uri: server.redirect_uri().clone(),
            dpop: self.dpop_key_for_sign_in(&meta).await?,
            max_age: options.max_age.or(c.max_age),
        };
        let req = self.build_request(&meta, &pending, options)?;
        let url = self
            .authorization_url(&meta, &req, pending.dpop.as_ref())
            .await?;
        self.log_typed(
            LogLevel::Verbose,
            &format!(
                "authorization endpoint: {}",
                oidc_core::redact::url(url.as_str())
            ),
            LogType::Info,
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
                &format!("authorization response received ({})", cb.mode().as_str()),
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
        let arrived = callback.mode();
        if arrived != requested {
            // Tokens asked for in a form post must not be taken from a URL (and the other
            // way round): a response in another mode is not the answer to this request.
            return Err(Error::ResponseModeMismatch { requested, arrived });
        }
        self.finish_authorization(&meta, &pending, callback.into_response())
            .await
    }
}
