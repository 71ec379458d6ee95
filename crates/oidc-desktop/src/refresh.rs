//! The refresh grant, tolerant where real providers differ and strict where it matters.
//!
//! Once the token endpoint has answered 200, a rotating provider has already retired the
//! refresh token that was presented, so the answer's tokens are never thrown away for a
//! reason that does not question where they came from:
//!
//! - no new ID token (Okta and others): the earlier one and its claims stay;
//! - no new refresh token: the earlier one stays;
//! - an `auth_time` that moved (OpenID Connect Core §12.2 says it must not, but widely used
//!   providers send the latest sign-in): logged as the provider's deviation, accepted;
//! - a new ID token whose keys cannot be fetched right now (a network failure, not a
//!   verdict): the new access and refresh tokens from the token endpoint are kept with the
//!   earlier, verified ID token and claims, and a log line says why.
//!
//! Every other failed check of a new ID token — signature, `iss`, `sub`, `aud`, `azp`,
//! `at_hash`, algorithm, and its time window (`exp`, `nbf`, `iat`), which the conformance
//! catalogue's Refresh profile requires to be refused — refuses the whole answer: no token is
//! accepted before every check passed. The session is then marked dead explicitly
//! ([`Session::refresh_refused`]) so nobody replays a token the provider has retired.

use oidc_core::{AccessToken, RefreshToken};
use oidc_jose::{HashedValue, IdTokenClaims, ValidatedClaims, ValidationContext};

use crate::events::LogLevel;
use crate::{Error, OidcDesktop, Session};

/// A refresh that did not update the session.
#[derive(Debug)]
pub(crate) struct RefreshFailure {
    pub(crate) error: Error,
    /// The refresh token can never be used again: the provider refused it
    /// (`invalid_grant`), or it answered 200 (retiring it) with tokens that were refused.
    pub(crate) token_dead: bool,
}

impl RefreshFailure {
    fn alive(error: impl Into<Error>) -> Self {
        Self {
            error: error.into(),
            token_dead: false,
        }
    }
}

impl OidcDesktop {
    /// Refreshes `session` in place. On `Err` with `token_dead`, `session` has lost its
    /// refresh token and says why in `refresh_refused`; on any other `Err` it is unchanged.
    pub(crate) async fn refresh_in_place(
        &self,
        session: &mut Session,
    ) -> Result<(), RefreshFailure> {
        let rt = session.refresh_token.clone().ok_or_else(|| {
            RefreshFailure::alive(Error::Config("the session has no refresh token"))
        })?;
        let meta = self.discovery().await.map_err(RefreshFailure::alive)?;
        let tc = self.token_client(&meta).map_err(RefreshFailure::alive)?;
        let endpoint = self.token_endpoint(&meta).map_err(RefreshFailure::alive)?;
        let http = self.http_with(session.dpop_key.as_ref());
        let refreshed = match tc.refresh(&*http, &endpoint, &rt, None).await {
            Ok(r) => r,
            Err(e) => {
                let dead = e
                    .provider_error()
                    .is_some_and(|(code, _, _)| code == "invalid_grant");
                let error = Error::from(e);
                if dead {
                    mark_dead(session, &error);
                }
                return Err(RefreshFailure {
                    error,
                    token_dead: dead,
                });
            }
        };
        // From here on the presented refresh token may be retired at the provider.
        if refreshed.rotated {
            self.log(LogLevel::Info, "the provider rotated the refresh token");
        }
        let tokens = refreshed.tokens;
        // The refreshed tokens must stay bound to the session's key (RFC 9449 §5).
        let dpop_key = match self.check_token_binding(session.dpop_key.clone(), &tokens.token_type)
        {
            Ok(k) => k,
            Err(error) => {
                mark_dead(session, &error);
                return Err(RefreshFailure {
                    error,
                    token_dead: true,
                });
            }
        };
        let original = session.claims.clone();
        let mut new_id = None;
        if let Some(t) = &tokens.id_token {
            let ctx = ValidationContext {
                access_token: Some(HashedValue {
                    value: tokens.access_token.secret(),
                    required: false,
                }),
                original: original.as_deref(),
                allow_auth_time_change: true,
                ..Default::default()
            };
            match self.validate_with_rotation(&meta, t.secret(), &ctx).await {
                Ok(v) => {
                    report_moved_auth_time(self, original.as_deref(), &v.claims);
                    new_id = Some((t.clone(), v.claims));
                }
                Err(e @ (Error::Discovery(_) | Error::Transport(_))) => self.log(
                    LogLevel::Info,
                    &format!(
                        "the refreshed ID token could not be checked ({e}); keeping the new access and refresh tokens and the earlier ID token"
                    ),
                ),
                Err(error) => {
                    mark_dead(session, &error);
                    return Err(RefreshFailure {
                        error,
                        token_dead: true,
                    });
                }
            }
        }
        // The refresh token in effect: the rotated one, or the one presented.
        session.refresh_token = Some(refreshed.refresh_token);
        session.dpop_key = dpop_key;
        session.apply(tokens, new_id, self.inner.clock.now_unix());
        Ok(())
    }

    /// A session of this client holding only `refresh_token` (one obtained elsewhere, or
    /// kept by the application), to [`Self::refresh`]. When `original_id_token` is given, a
    /// refreshed ID token must keep its `iss` and `sub` (OpenID Connect Core §12.2); without
    /// one, a new ID token is validated in full, without a nonce. No request is made.
    pub fn session_from_refresh_token(
        &self,
        refresh_token: RefreshToken,
        original_id_token: Option<ValidatedClaims>,
    ) -> Session {
        let mut session = Session::new(self.inner.issuer.as_str(), &self.inner.config.client_id);
        session.refresh_token = Some(refresh_token);
        session.claims = original_id_token;
        session
    }

    /// Refreshes `session` in place: tokens, expiry and, when the provider sent a valid new
    /// ID token, its claims. A rotated refresh token replaces the old one (which must not be
    /// used again). When the provider refuses the refresh token, `session` loses it and
    /// [`Session::refresh_refused`] says why, so storing `session` afterwards records that a
    /// new sign-in is needed. A session of another issuer or client is refused unsent.
    pub async fn refresh(&self, session: &mut Session) -> Result<(), Error> {
        self.public_call(async {
            self.check_session(session)?;
            self.refresh_in_place(session).await.map_err(|f| f.error)?;
            self.userinfo_after_refresh(session).await
        })
        .await
    }

    /// UserInfo for a refreshed session, when the configuration asks for it.
    pub(crate) async fn userinfo_after_refresh(&self, session: &mut Session) -> Result<(), Error> {
        if self.inner.config.fetch_userinfo && session.claims.is_some() {
            let meta = self.discovery().await?;
            self.fill_userinfo(&meta, session).await?;
        }
        Ok(())
    }

    /// The session's access token, refreshed first when it expires within the configured
    /// margin (scaled down for short-lived tokens) and a refresh token is available.
    pub async fn fresh_access_token(&self, session: &mut Session) -> Result<AccessToken, Error> {
        let margin = i64::try_from(self.inner.config.refresh_margin.as_secs()).unwrap_or(i64::MAX);
        if session.expires_within(self.inner.clock.now_unix(), session.reuse_margin(margin))
            && session.refresh_token.is_some()
        {
            self.refresh(session).await?;
        }
        session
            .access_token
            .clone()
            .ok_or(Error::Config("the session has no access token"))
    }
}

/// Forgets a refresh token the provider will not honour again, saying why.
fn mark_dead(session: &mut Session, error: &Error) {
    session.refresh_token = None;
    session.refresh_refused = Some(error.to_string());
}

/// §12.2 asks that a refreshed ID token repeat the original `auth_time`; some providers send
/// the latest sign-in instead. That is the provider's deviation, logged, not a reason to
/// drop the session.
fn report_moved_auth_time(
    client: &OidcDesktop,
    original: Option<&IdTokenClaims>,
    new: &IdTokenClaims,
) {
    if let (Some(was), Some(now)) = (original.and_then(|o| o.auth_time), new.auth_time)
        && was != now
    {
        client.log(
            LogLevel::Info,
            &format!(
                "the provider changed auth_time on refresh ({was} -> {now}); OpenID Connect Core §12.2 says it must stay the original sign-in's. Accepted."
            ),
        );
        tracing::warn!(was, now, "the provider moved auth_time on refresh");
    }
}
