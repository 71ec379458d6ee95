//! After the redirect: the front-channel checks (`state`, RFC 9207 `iss`, the response
//! type), the front-channel ID token, the code exchange, and the token response's ID
//! token validated before anything of it enters the session.

use oidc_core::{AuthorizationResponse, Nonce};
use oidc_discovery::ProviderMetadata;
use oidc_jose::{HashedValue, ValidatedClaims, ValidationContext};
use oidc_token::TokenResponse;

use crate::authorize::Pending;
use crate::error::MismatchedClaim;
use crate::events::LogLevel;
use crate::{Error, OidcDesktop, Session};

impl OidcDesktop {
    /// Everything after the redirect arrived: the checks of the front channel, the code
    /// exchange, ID token validation, UserInfo.
    pub(crate) async fn finish_authorization(
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
                    max_age: p.max_age,
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
            id_token: success.id_token.clone(),
            claims: front.as_ref().map(|f| f.claims.clone()),
            scope: success.scope.clone(),
            authorization_response: response.params().to_vec(),
            obtained_at: Some(self.inner.clock.now_unix()),
            // No refresh token and no user details yet: the code exchange and UserInfo
            // bring those.
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
                p.max_age,
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

    /// Validates the ID token of a sign-in's token response and moves the tokens into
    /// `session` (refresh answers follow their own rules, in `refresh`).
    pub(crate) async fn absorb_tokens(
        &self,
        meta: &ProviderMetadata,
        session: &mut Session,
        tokens: TokenResponse,
        nonce: Option<&str>,
        front: Option<&ValidatedClaims>,
        max_age: Option<u64>,
    ) -> Result<(), Error> {
        let validated = match &tokens.id_token {
            Some(t) => {
                let ctx = ValidationContext {
                    nonce,
                    access_token: Some(HashedValue {
                        value: tokens.access_token.secret(),
                        required: false,
                    }),
                    max_age,
                    ..Default::default()
                };
                let v = self.validate_with_rotation(meta, t.secret(), &ctx).await?;
                if let Some(f) = front {
                    if f.issuer() != v.claims.issuer() {
                        return Err(Error::IdTokenMismatch(MismatchedClaim::Iss));
                    }
                    if f.subject() != v.claims.subject() {
                        return Err(Error::IdTokenMismatch(MismatchedClaim::Sub));
                    }
                }
                Some(v)
            }
            // A sign-in's token response must carry the ID token, unless a front-channel
            // one (hybrid flow) already identified the user.
            None if front.is_none() => return Err(Error::MissingIdToken),
            None => None,
        };
        let id_token = validated.and_then(|v| Some((tokens.id_token.clone()?, v.claims)));
        session.apply(tokens, id_token, self.inner.clock.now_unix());
        Ok(())
    }
}
