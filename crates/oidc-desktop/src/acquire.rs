//! Silent token acquisition: the one path applications and the CLI use to get a token.
//!
//! [`OidcDesktop::acquire`] (and its shorthand [`OidcDesktop::access_token`]) returns the
//! stored session while its access token is valid for the margin; otherwise it refreshes
//! under the entry's lock; otherwise, when allowed, it signs the user in. Many processes and
//! many tasks may call it at once for the same entry:
//!
//! 1. The entry is read without any lock; a usable token is returned at once (the warm path:
//!    no lock, no network, no TLS set-up).
//! 2. Otherwise the client's single-flight mutex is taken (one refresh per client, however
//!    many tasks ask), then the entry's lock file ([`oidc_store::EntryLock`]), which other
//!    processes take too. The wait is bounded by the configured timeout.
//! 3. Under the lock the entry is read again. If another process wrote it since step 1, its
//!    token is used even when it lives less than the margin (a provider issuing 30-second
//!    tokens must not see one refresh per waiter). If it is still due, it is refreshed and
//!    written back before the lock is released; a refused refresh token is written back as
//!    dead, never left for the next process to replay.
//! 4. With no usable refresh token, the interactive sign-in (if allowed) runs under the lock
//!    too, so concurrent processes open one browser, not one each.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use oidc_core::AccessToken;
use oidc_discovery::ProviderMetadata;
use oidc_store::EntryLock;

use crate::events::LogLevel;
use crate::paste::PastedAddresses;
use crate::{Error, OidcDesktop, Session};

/// How [`OidcDesktop::acquire`] may involve the user when the stored session cannot be used.
#[non_exhaustive]
pub enum Interactive {
    /// Never: fail with [`Error::InteractionRequired`] (MSAL's `acquire_token_silent`).
    Never,
    /// Sign in through the system browser and the loopback ([`OidcDesktop::authenticate`]).
    Browser,
    /// Sign in through the browser, accepting the address it ends on pasted by the user
    /// ([`OidcDesktop::authenticate_with_paste`]); the source is made only when needed,
    /// from the provider's metadata.
    Paste(Box<dyn FnOnce(&ProviderMetadata) -> PastedAddresses + Send>),
    /// The device authorization grant ([`OidcDesktop::authenticate_device`]).
    Device,
}

impl Interactive {
    /// [`Interactive::Paste`] from a closure that makes the pasted-address source.
    pub fn paste(
        source: impl FnOnce(&ProviderMetadata) -> PastedAddresses + Send + 'static,
    ) -> Self {
        Self::Paste(Box::new(source))
    }
}

impl std::fmt::Debug for Interactive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Never => "Never",
            Self::Browser => "Browser",
            Self::Paste(_) => "Paste",
            Self::Device => "Device",
        })
    }
}

/// Where an acquired session came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Acquisition {
    /// The stored session, as it was.
    Stored,
    /// The stored session, written by another process (or task) while this one waited.
    StoredByAnother,
    /// Refreshed by this call (and stored).
    Refreshed,
    /// A new sign-in by this call (and stored).
    SignedIn,
}

/// A session from [`OidcDesktop::acquire`] and how it was had.
#[derive(Debug)]
#[non_exhaustive]
pub struct Acquired {
    /// The session (tokens, claims).
    pub session: Session,
    /// Where it came from.
    pub how: Acquisition,
}

/// A token acquisition being configured; `.await` it. Made by [`OidcDesktop::acquire`].
#[must_use = "an acquisition does nothing until awaited"]
#[derive(Debug)]
pub struct Acquire<'a> {
    client: &'a OidcDesktop,
    interactive: Interactive,
    force_refresh: bool,
    id_token: bool,
}

impl<'a> Acquire<'a> {
    pub(crate) fn new(client: &'a OidcDesktop) -> Self {
        Self {
            client,
            interactive: Interactive::Browser,
            force_refresh: false,
            id_token: false,
        }
    }

    /// How the user may be involved when no token can be had silently (default:
    /// [`Interactive::Browser`]).
    pub fn interactive(mut self, how: Interactive) -> Self {
        self.interactive = how;
        self
    }

    /// Refresh even when the stored access token is still valid (unless another process
    /// refreshed it while this one waited for the lock).
    pub fn force_refresh(mut self, yes: bool) -> Self {
        self.force_refresh = yes;
        self
    }

    /// Require the ID token to be valid for the margin too (kubectl's credential plugins
    /// hand out the ID token).
    pub fn require_id_token(mut self, yes: bool) -> Self {
        self.id_token = yes;
        self
    }
}

impl<'a> IntoFuture for Acquire<'a> {
    type Output = Result<Acquired, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let client = self.client;
            client.public_call(run(self)).await
        })
    }
}

impl OidcDesktop {
    /// Gets a session the silent way first: the stored one while its access token is valid
    /// for the margin, else a refresh under the entry's lock, else (by default) a sign-in.
    /// Safe to call from many tasks and processes at once: see the module documentation.
    ///
    /// ```no_run
    /// # async fn f(client: oidc_desktop::OidcDesktop) -> Result<(), oidc_desktop::Error> {
    /// use oidc_desktop::Interactive;
    /// let got = client.acquire().interactive(Interactive::Never).await?;
    /// println!("{:?}: expires at {:?}", got.how, got.session.expires_at());
    /// # Ok(()) }
    /// ```
    pub fn acquire(&self) -> Acquire<'_> {
        Acquire::new(self)
    }

    /// A valid access token: [`Self::acquire`] with its defaults (stored, refreshed, or a
    /// browser sign-in).
    pub async fn access_token(&self) -> Result<AccessToken, Error> {
        let got = self.acquire().await?;
        got.session
            .access_token
            .ok_or(Error::Config("the provider issued no access token"))
    }

    /// The stored session of this client's entry, if there is a readable one. An unreadable
    /// entry is an error; one of another issuer or client is ignored.
    pub fn stored_session(&self) -> Result<Option<Session>, Error> {
        let Some(raw) = self.inner.store.load(&self.inner.store_key)? else {
            return Ok(None);
        };
        let s = Session::from_json(&raw)?;
        Ok(
            (s.issuer == self.inner.issuer.as_str() && s.client_id == self.inner.config.client_id)
                .then_some(s),
        )
    }

    /// Stores `session` as this client's entry (under the entry's lock).
    pub async fn store_session(&self, session: &Session) -> Result<(), Error> {
        let _flight = self.inner.flight.lock().await;
        let _lock = self.lock_entry().await?;
        self.save(session)
    }

    /// Forgets this client's stored session; true when there was one.
    pub async fn forget_session(&self) -> Result<bool, Error> {
        let _flight = self.inner.flight.lock().await;
        let _lock = self.lock_entry().await?;
        Ok(self.inner.store.remove(&self.inner.store_key)?)
    }

    /// Where this client's session is stored, for messages.
    pub fn session_location(&self) -> String {
        self.inner.store.location(&self.inner.store_key)
    }

    fn save(&self, session: &Session) -> Result<(), Error> {
        let key = &self.inner.store_key;
        if let Err(e) = self.inner.store.save(key, &session.to_json()) {
            // The entry may hold a refresh token the provider has just retired: better no
            // entry (a fresh sign-in next time) than one that fails later for no clear reason.
            if let Err(r) = self.inner.store.remove(key) {
                tracing::warn!("cannot remove the outdated stored session either: {r}");
            }
            return Err(e.into());
        }
        Ok(())
    }

    async fn lock_entry(&self) -> Result<Option<EntryLock>, Error> {
        let Some(path) = self.inner.store.lock_path(&self.inner.store_key) else {
            return Ok(None);
        };
        Ok(Some(EntryLock::acquire(&path, self.lock_wait()).await?))
    }

    fn lock_wait(&self) -> Duration {
        // Another process may be in an interactive sign-in: wait as long as one may take.
        self.inner.config.timeout.max(Duration::from_secs(10))
    }

    /// The stored session, or `None` (with the reason logged) when it is absent, unreadable
    /// or another client's.
    fn load_quietly(&self) -> Result<Option<Session>, Error> {
        match self.stored_session() {
            Ok(s) => Ok(s),
            Err(Error::StoredSession(e)) => {
                self.log(
                    LogLevel::Info,
                    &format!("ignoring an unreadable stored session ({e}); signing in again"),
                );
                tracing::warn!("ignoring an unreadable stored session: {e}");
                Ok(None)
            }
            Err(Error::IdToken(e)) => {
                tracing::warn!("ignoring a stored session with unreadable claims: {e}");
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    fn margin(&self) -> i64 {
        i64::try_from(self.inner.config.refresh_margin.as_secs()).unwrap_or(i64::MAX)
    }

    /// Whether `s` can be handed out as it is.
    fn usable(&self, s: &Session, id_token: bool) -> bool {
        let now = self.inner.clock.now_unix();
        let margin = self.margin();
        if s.access_token.is_none() || s.expires_within(now, s.reuse_margin(margin)) {
            return false;
        }
        !id_token || id_token_valid(s, now, margin)
    }
}

/// The ID token's `exp` lies beyond the margin (scaled to its lifetime, as for access tokens).
fn id_token_valid(s: &Session, now: i64, margin: i64) -> bool {
    let Some(c) = &s.claims else { return false };
    let (exp, iat) = (c.expires_at(), c.issued_at());
    let margin = if exp > iat {
        margin.min((exp - iat) / 4)
    } else {
        margin
    };
    exp > now.saturating_add(margin)
}

/// Another process (or task) obtained `now` after this one read `before`.
fn written_since(before: Option<&Session>, now: &Session) -> bool {
    match before {
        None => true,
        Some(b) => b.obtained_at != now.obtained_at || b.access_token != now.access_token,
    }
}

async fn run(a: Acquire<'_>) -> Result<Acquired, Error> {
    let client = a.client;
    let seen = client.load_quietly()?;
    if !a.force_refresh
        && let Some(s) = seen.as_ref().filter(|s| client.usable(s, a.id_token))
    {
        return Ok(Acquired {
            session: s.clone(),
            how: Acquisition::Stored,
        });
    }
    let _flight = client.inner.flight.lock().await;
    let _lock = client.lock_entry().await?;
    let current = client.load_quietly()?;
    if let Some(s) = &current {
        let now = client.inner.clock.now_unix();
        let fresh_elsewhere = written_since(seen.as_ref(), s)
            && s.access_token.is_some()
            && !s.expires_within(now, 0)
            && (!a.id_token || id_token_valid(s, now, 0));
        if fresh_elsewhere {
            client.log(
                LogLevel::Info,
                "using the session another process just stored",
            );
            return Ok(Acquired {
                session: s.clone(),
                how: Acquisition::StoredByAnother,
            });
        }
        if !a.force_refresh && client.usable(s, a.id_token) {
            return Ok(Acquired {
                session: s.clone(),
                how: Acquisition::Stored,
            });
        }
    }
    let reason = match current {
        Some(mut s) if s.refresh_token.is_some() => {
            client.log(LogLevel::Info, "refreshing the stored session");
            match client.refresh_in_place(&mut s).await {
                Ok(()) => {
                    client.save(&s)?;
                    if client.inner.config.fetch_userinfo && s.user.is_none() {
                        client.userinfo_after_refresh(&mut s).await?;
                        client.save(&s)?;
                    }
                    return Ok(Acquired {
                        session: s,
                        how: Acquisition::Refreshed,
                    });
                }
                Err(f) if f.token_dead => {
                    // Recorded before anything else can happen: no process may replay it.
                    client.save(&s)?;
                    format!("the provider refused the stored refresh token: {}", f.error)
                }
                Err(f) => return Err(f.error),
            }
        }
        Some(s) => match &s.refresh_refused {
            Some(why) => format!("the stored refresh token was refused earlier: {why}"),
            None => "the stored session has expired and has no refresh token".to_owned(),
        },
        None => "no session is stored".to_owned(),
    };
    let interactive = a.interactive;
    if matches!(interactive, Interactive::Never) {
        return Err(Error::InteractionRequired { reason });
    }
    client.inner.events.on_signing_in_again(&reason);
    client.log(LogLevel::Info, &format!("{reason}; signing in"));
    let session = match interactive {
        Interactive::Never | Interactive::Browser => client.browser_sign_in().await?,
        Interactive::Paste(make) => {
            let meta = client.discovery().await?;
            client.paste_sign_in(make(&meta)).await?
        }
        Interactive::Device => client.device_sign_in().await?,
    };
    client.save(&session)?;
    Ok(Acquired {
        session,
        how: Acquisition::SignedIn,
    })
}
