//! Operations on a signed-in session: UserInfo and revocation with the session's own
//! tokens (and, when they are DPoP-bound, its key), after checking the session belongs to
//! this client.

use oidc_token::{Introspection, TokenTypeHint, UserDetails};

use crate::{Error, OidcDesktop, Session};

/// Which of a session's tokens to revoke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenKind {
    /// The access token.
    Access,
    /// The refresh token (providers then end the whole grant).
    Refresh,
    /// The refresh token, then the access token.
    Both,
}

impl OidcDesktop {
    /// Refuses a session of another issuer or client.
    pub(crate) fn check_session(&self, s: &Session) -> Result<(), Error> {
        if s.issuer != self.inner.issuer.as_str() || s.client_id != self.inner.config.client_id {
            return Err(Error::ForeignSession {
                issuer: s.issuer.clone(),
                client_id: s.client_id.clone(),
            });
        }
        Ok(())
    }

    /// UserInfo for `session`, presented as its token type asks (a DPoP-bound token with a
    /// proof of its key); the response's `sub` must be the session's.
    pub async fn userinfo(&self, session: &Session) -> Result<UserDetails, Error> {
        let r = async {
            self.check_session(session)?;
            let access = session
                .access_token
                .as_ref()
                .ok_or(Error::Config("the session has no access token"))?;
            let sub = session
                .claims
                .as_ref()
                .map(|c| c.subject().to_owned())
                .ok_or(Error::MissingIdToken)?;
            let meta = self.discovery().await?;
            self.fetch_user_info(&meta, access, &sub, session.dpop_key.as_ref())
                .await
        };
        self.public_call(r).await
    }

    /// Revokes `session`'s tokens at the provider (RFC 7009), with a DPoP proof when they are
    /// bound. A token the session does not have is skipped.
    pub async fn revoke(&self, session: &Session, which: TokenKind) -> Result<(), Error> {
        let r = async {
            self.check_session(session)?;
            let meta = self.discovery().await?;
            let endpoint = self.revocation_endpoint(&meta).await?;
            let tc = self.token_client(&meta)?;
            let http = self.http_with(session.dpop_key.as_ref());
            if matches!(which, TokenKind::Refresh | TokenKind::Both)
                && let Some(rt) = &session.refresh_token
            {
                tc.revoke(
                    &*http,
                    &endpoint,
                    rt.secret(),
                    Some(TokenTypeHint::RefreshToken),
                )
                .await?;
            }
            if matches!(which, TokenKind::Access | TokenKind::Both)
                && let Some(at) = &session.access_token
            {
                tc.revoke(
                    &*http,
                    &endpoint,
                    at.secret(),
                    Some(TokenTypeHint::AccessToken),
                )
                .await?;
            }
            Ok(())
        };
        self.public_call(r).await
    }

    /// Asks the provider about `session`'s access token (RFC 7662), with a DPoP proof when it
    /// is bound; a bound token's answer names its key in `cnf.jkt`.
    pub async fn introspect(&self, session: &Session) -> Result<Introspection, Error> {
        let r = async {
            self.check_session(session)?;
            let at = session
                .access_token
                .as_ref()
                .ok_or(Error::Config("the session has no access token"))?;
            let meta = self.discovery().await?;
            let endpoint = self.endpoint(
                None,
                meta.introspection_endpoint(),
                "introspection_endpoint",
            )?;
            let tc = self.token_client(&meta)?;
            let http = self.http_with(session.dpop_key.as_ref());
            Ok(tc
                .introspect(
                    &*http,
                    &endpoint,
                    at.secret(),
                    Some(TokenTypeHint::AccessToken),
                )
                .await?)
        };
        self.public_call(r).await
    }
}
