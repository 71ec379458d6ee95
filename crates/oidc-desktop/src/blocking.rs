//! The same surface without async: for programs that have no runtime.
//!
//! Each call runs on a private current-thread runtime. Do not call these from inside an
//! async runtime (tokio panics on nested `block_on`); use the async [`crate::OidcDesktop`]
//! there.

use std::future::IntoFuture as _;
use std::sync::Arc;

use oidc_core::{AccessToken, IdTokenString, RedirectUrl, RefreshToken};
use oidc_discovery::{ProviderMetadata, SignerKeys};
use oidc_jose::ValidatedClaims;
use oidc_token::{TokenTypeHint, UserDetails};

use crate::{Error, PastedAddresses, Session};

/// The blocking client: wraps an async [`crate::OidcDesktop`].
#[derive(Debug)]
pub struct OidcDesktop {
    client: crate::OidcDesktop,
    rt: tokio::runtime::Runtime,
}

impl OidcDesktop {
    /// Wraps `client` with a private current-thread runtime.
    pub fn new(client: crate::OidcDesktop) -> std::io::Result<Self> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(Self { client, rt })
    }

    /// The async client inside.
    pub fn inner(&self) -> &crate::OidcDesktop {
        &self.client
    }

    /// See [`crate::OidcDesktop::authenticate`].
    pub fn authenticate(&self) -> Result<Session, Error> {
        self.rt.block_on(self.client.authenticate())
    }

    /// See [`crate::OidcDesktop::authenticate_with_paste`]; feed the pasted lines from
    /// another thread through the sender of [`PastedAddresses::channel`]
    /// (`blocking_send`).
    pub fn authenticate_with_paste(&self, pasted: PastedAddresses) -> Result<Session, Error> {
        self.rt
            .block_on(self.client.authenticate_with_paste(pasted))
    }

    /// See [`crate::OidcDesktop::sign_in`]: `configure` sets this sign-in's options, e.g.
    /// `client.sign_in(|s| s.prompt(Prompt::SelectAccount).login_hint("jane@example.com"))`
    /// (`|s| s` for none).
    pub fn sign_in(
        &self,
        configure: impl FnOnce(crate::SignIn<'_>) -> crate::SignIn<'_>,
    ) -> Result<Session, Error> {
        self.rt
            .block_on(configure(self.client.sign_in()).into_future())
    }

    /// See [`crate::OidcDesktop::acquire`]: `configure` sets the options, e.g.
    /// `client.acquire(|a| a.interactive(Interactive::Never))`.
    pub fn acquire(
        &self,
        configure: impl FnOnce(crate::Acquire<'_>) -> crate::Acquire<'_>,
    ) -> Result<crate::Acquired, Error> {
        self.rt
            .block_on(configure(self.client.acquire()).into_future())
    }

    /// See [`crate::OidcDesktop::access_token`].
    pub fn access_token(&self) -> Result<AccessToken, Error> {
        self.rt.block_on(self.client.access_token())
    }

    /// See [`crate::OidcDesktop::userinfo`].
    pub fn userinfo(&self, session: &Session) -> Result<UserDetails, Error> {
        self.rt.block_on(self.client.userinfo(session))
    }

    /// See [`crate::OidcDesktop::revoke`].
    pub fn revoke(&self, session: &Session, which: crate::TokenKind) -> Result<(), Error> {
        self.rt.block_on(self.client.revoke(session, which))
    }

    /// See [`crate::OidcDesktop::introspect`].
    pub fn introspect(&self, session: &Session) -> Result<oidc_token::Introspection, Error> {
        self.rt.block_on(self.client.introspect(session))
    }

    /// See [`crate::OidcDesktop::store_session`].
    pub fn store_session(&self, session: &Session) -> Result<(), Error> {
        self.rt.block_on(self.client.store_session(session))
    }

    /// See [`crate::OidcDesktop::forget_session`].
    pub fn forget_session(&self) -> Result<bool, Error> {
        self.rt.block_on(self.client.forget_session())
    }

    /// See [`crate::OidcDesktop::discovery`].
    pub fn discovery(&self) -> Result<Arc<ProviderMetadata>, Error> {
        self.rt.block_on(self.client.discovery())
    }

    /// See [`crate::OidcDesktop::signer_keys`].
    pub fn signer_keys(&self) -> Result<Arc<SignerKeys>, Error> {
        self.rt.block_on(self.client.signer_keys())
    }

    /// See [`crate::OidcDesktop::refresh`].
    pub fn refresh(&self, session: &mut Session) -> Result<(), Error> {
        self.rt.block_on(self.client.refresh(session))
    }

    /// See [`crate::OidcDesktop::fresh_access_token`].
    pub fn fresh_access_token(&self, session: &mut Session) -> Result<AccessToken, Error> {
        self.rt.block_on(self.client.fresh_access_token(session))
    }

    /// See [`crate::OidcDesktop::authenticate_device`].
    pub fn authenticate_device(&self) -> Result<Session, Error> {
        self.rt.block_on(self.client.authenticate_device())
    }

    /// See [`crate::OidcDesktop::session_from_refresh_token`].
    pub fn session_from_refresh_token(
        &self,
        refresh_token: RefreshToken,
        original_id_token: Option<ValidatedClaims>,
    ) -> Session {
        self.client
            .session_from_refresh_token(refresh_token, original_id_token)
    }

    /// See [`crate::OidcDesktop::validate_id_token`].
    pub fn validate_id_token(
        &self,
        id_token: &str,
        nonce: Option<&str>,
    ) -> Result<ValidatedClaims, Error> {
        self.rt
            .block_on(self.client.validate_id_token(id_token, nonce))
    }

    /// See [`crate::OidcDesktop::request_user_info`].
    pub fn request_user_info(
        &self,
        access_token: &AccessToken,
        expected_sub: &str,
    ) -> Result<UserDetails, Error> {
        self.rt
            .block_on(self.client.request_user_info(access_token, expected_sub))
    }

    /// See [`crate::OidcDesktop::get_discovery_metadata`].
    pub fn get_discovery_metadata(&self, name_or_path: &str) -> Result<Option<String>, Error> {
        self.rt
            .block_on(self.client.get_discovery_metadata(name_or_path))
    }

    /// See [`crate::OidcDesktop::start_web_server`].
    pub fn start_web_server(&self) -> Result<RedirectUrl, Error> {
        self.rt.block_on(self.client.start_web_server())
    }

    /// See [`crate::OidcDesktop::stop_web_server`].
    pub fn stop_web_server(&self) {
        self.rt.block_on(self.client.stop_web_server());
    }

    /// See [`crate::OidcDesktop::logout`].
    pub fn logout(&self, session: &Session) -> Result<(), Error> {
        self.rt.block_on(self.client.logout(session))
    }

    /// See [`crate::OidcDesktop::logout_with_hint`].
    pub fn logout_with_hint(&self, id_token: Option<&IdTokenString>) -> Result<(), Error> {
        self.rt.block_on(self.client.logout_with_hint(id_token))
    }

    /// See [`crate::OidcDesktop::revoke_token`].
    pub fn revoke_token(&self, token: &str, hint: Option<TokenTypeHint>) -> Result<(), Error> {
        self.rt.block_on(self.client.revoke_token(token, hint))
    }

    /// See [`crate::OidcDesktop::interrupt`]; callable from any thread.
    pub fn interrupt(&self) {
        self.client.interrupt();
    }

    /// See [`crate::OidcDesktop::reset`].
    pub fn reset(&self) {
        self.rt.block_on(self.client.reset());
    }
}

#[cfg(test)]
mod tests {
    /// The names of the `pub fn`s (or, with `asynchronous`, the `pub async fn`s) declared in
    /// `source`, in order.
    fn public_fns(source: &str, asynchronous: bool) -> Vec<&str> {
        let prefix = if asynchronous {
            "pub async fn "
        } else {
            "pub fn "
        };
        source
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix(prefix))
            .filter_map(|rest| rest.split(['(', '<']).next())
            .collect()
    }

    /// Tidy rule: every async operation of the client has its blocking twin, so a program
    /// without a runtime is never left without one.
    #[test]
    fn the_blocking_client_has_the_whole_async_surface() {
        let sources = [
            include_str!("client.rs"),
            include_str!("sign_in.rs"),
            include_str!("redirect.rs"),
            include_str!("validate.rs"),
            include_str!("userinfo.rs"),
            include_str!("device.rs"),
            include_str!("sign_out.rs"),
            include_str!("refresh.rs"),
            include_str!("acquire.rs"),
            include_str!("session_ops.rs"),
        ];
        let mut async_ops: Vec<&str> = sources.iter().flat_map(|s| public_fns(s, true)).collect();
        // `sign_in` and `acquire` return a future to configure and await.
        async_ops.extend(["sign_in", "acquire"]);
        let blocking = public_fns(include_str!("blocking.rs"), false);
        assert!(async_ops.len() >= 15, "the parse found {async_ops:?}");
        let missing: Vec<&&str> = async_ops.iter().filter(|n| !blocking.contains(n)).collect();
        assert!(
            missing.is_empty(),
            "blocking::OidcDesktop lacks {missing:?} (async: {async_ops:?})"
        );
        assert!(blocking.contains(&"interrupt"));
    }
}
