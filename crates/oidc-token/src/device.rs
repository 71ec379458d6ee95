//! The Device Authorization Grant (RFC 8628): the request, and polling the token endpoint.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use oidc_core::{HttpClient, HttpRequest, HttpResponse, Scope};
use serde_json::{Map, Value};
use url::Url;

use crate::token::{Grant, TokenClient, TokenResponse, send};
use crate::wire::{self, Form};
use crate::{Endpoint, Error, Result};

/// The polling interval when the provider names none (RFC 8628 §3.2).
pub const DEFAULT_INTERVAL_SECS: u64 = 5;
/// How much `slow_down` adds to the interval (RFC 8628 §3.5).
pub const SLOW_DOWN_STEP_SECS: u64 = 5;

/// The `device_code` of RFC 8628: a secret. `Debug` prints `[redacted]`; equality is
/// decided in constant time.
#[derive(Clone)]
pub struct DeviceCode(String);

impl PartialEq for DeviceCode {
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq as _;
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl Eq for DeviceCode {}

impl DeviceCode {
    /// Wraps a device code.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for DeviceCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeviceCode([redacted])")
    }
}

/// A device authorization response (RFC 8628 §3.2): what to show the user.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DeviceAuthorization {
    /// `device_code` (secret, for polling).
    pub device_code: DeviceCode,
    /// `user_code`, to show the user.
    pub user_code: String,
    /// `verification_uri` (Google's `verification_url` is accepted too).
    pub verification_uri: String,
    /// `verification_uri_complete`, with the user code embedded.
    pub verification_uri_complete: Option<String>,
    /// `expires_in`, seconds.
    pub expires_in: u64,
    /// The absolute expiry in Unix seconds.
    pub expires_at: i64,
    /// `interval`, seconds (5 when absent).
    pub interval: u64,
    /// Other members, as sent.
    pub extra: Map<String, Value>,
}

impl TokenClient {
    /// Builds the device authorization request (pure): `scope` plus `extra` parameters
    /// (e.g. `audience`, `login_hint`) and client authentication.
    pub fn build_device_authorization_request(
        &self,
        device_endpoint: &Url,
        scope: Option<&Scope>,
        extra: &[(&str, &str)],
    ) -> Result<HttpRequest> {
        let mut form = Form::new();
        form.push_opt("scope", scope.map(ToString::to_string).as_deref());
        for (n, v) in extra {
            form.push(n, v);
        }
        self.authenticated_post(Endpoint::DeviceAuthorization, device_endpoint, form)
    }

    /// Parses the device authorization response (pure).
    pub fn parse_device_authorization_response(
        &self,
        response: &HttpResponse,
    ) -> Result<DeviceAuthorization> {
        const E: Endpoint = Endpoint::DeviceAuthorization;
        let mut obj = wire::json_object(E, response, self.options.max_response_bytes)?;
        let device_code = DeviceCode::new(wire::take_string(E, &mut obj, "device_code")?);
        let user_code = wire::take_string(E, &mut obj, "user_code")?;
        let verification_uri = match wire::take_opt_string(E, &mut obj, "verification_uri")? {
            Some(u) => u,
            None => wire::take_string(E, &mut obj, "verification_url").map_err(|_| {
                Error::MissingField {
                    endpoint: E,
                    field: "verification_uri",
                }
            })?,
        };
        let verification_uri_complete =
            wire::take_opt_string(E, &mut obj, "verification_uri_complete")?;
        let lenient = self.options.accept_string_expires_in;
        let expires_in = wire::take_opt_seconds(E, &mut obj, "expires_in", lenient)?.ok_or(
            Error::MissingField {
                endpoint: E,
                field: "expires_in",
            },
        )?;
        let interval = wire::take_opt_seconds(E, &mut obj, "interval", lenient)?
            .unwrap_or(DEFAULT_INTERVAL_SECS)
            .max(1);
        Ok(DeviceAuthorization {
            device_code,
            user_code,
            verification_uri,
            verification_uri_complete,
            expires_in,
            expires_at: wire::add_secs(self.clock.now_unix(), expires_in),
            interval,
            extra: obj,
        })
    }

    /// Starts a device authorization (RFC 8628 §3.1).
    pub async fn device_authorization(
        &self,
        http: &dyn HttpClient,
        device_endpoint: &Url,
        scope: Option<&Scope>,
        extra: &[(&str, &str)],
    ) -> Result<DeviceAuthorization> {
        let request = self.build_device_authorization_request(device_endpoint, scope, extra)?;
        let response = send(http, Endpoint::DeviceAuthorization, request).await?;
        self.parse_device_authorization_response(&response)
    }

    /// Classifies one device-code token response (pure).
    pub fn parse_device_poll_response(&self, response: &HttpResponse) -> Result<DevicePoll> {
        match self.parse_token_response(response, None) {
            Ok(t) => Ok(DevicePoll::Tokens(Box::new(t))),
            Err(Error::TokenEndpoint {
                error,
                error_description,
                error_uri,
                ..
            }) if error == "authorization_pending"
                || error == "slow_down"
                || error == "access_denied"
                || error == "expired_token" =>
            {
                match error.as_str() {
                    "authorization_pending" => Ok(DevicePoll::Pending),
                    "slow_down" => Ok(DevicePoll::SlowDown),
                    "access_denied" => Err(Error::DeviceAccessDenied {
                        error_description,
                        error_uri,
                    }),
                    _ => Err(Error::DeviceCodeExpired {
                        error_description,
                        error_uri,
                    }),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Polls the token endpoint until the user finishes, honouring `interval`,
    /// `authorization_pending`, `slow_down` (+5 s each time), `access_denied` and
    /// `expired_token` (RFC 8628 §3.4–3.5).
    ///
    /// Gives up with [`Error::DeviceCodeExpiredLocally`] at the code's `expires_at` (by this
    /// client's clock), with [`Error::DevicePollTimeout`] after `options.max_wait`, and with
    /// [`Error::Cancelled`] as soon as `cancel` completes. Waits go through `sleeper`, so tests
    /// can run the loop without waiting.
    pub async fn poll_device_token(
        &self,
        http: &dyn HttpClient,
        token_endpoint: &Url,
        authorization: &DeviceAuthorization,
        options: &DevicePollOptions,
        sleeper: &dyn Sleeper,
        cancel: impl Future<Output = ()>,
    ) -> Result<TokenResponse> {
        let poll = self.poll_loop(http, token_endpoint, authorization, options, sleeper);
        race(poll, cancel).await.unwrap_or(Err(Error::Cancelled))
    }

    async fn poll_loop(
        &self,
        http: &dyn HttpClient,
        token_endpoint: &Url,
        authorization: &DeviceAuthorization,
        options: &DevicePollOptions,
        sleeper: &dyn Sleeper,
    ) -> Result<TokenResponse> {
        let started = self.clock.now_unix();
        let give_up_at = options
            .max_wait
            .map(|d| wire::add_secs(started, d.as_secs()));
        let mut interval = authorization.interval.max(options.min_interval_secs).max(1);
        let grant = Grant::DeviceCode {
            device_code: &authorization.device_code,
        };
        loop {
            sleeper.sleep(Duration::from_secs(interval)).await;
            let now = self.clock.now_unix();
            if now >= authorization.expires_at {
                return Err(Error::DeviceCodeExpiredLocally);
            }
            if give_up_at.is_some_and(|g| now >= g) {
                return Err(Error::DevicePollTimeout {
                    waited_secs: u64::try_from(now.saturating_sub(started)).unwrap_or(0),
                });
            }
            let request = self.build_token_request(token_endpoint, &grant)?;
            let response = send(http, Endpoint::Token, request).await?;
            match self.parse_device_poll_response(&response)? {
                DevicePoll::Tokens(t) => return Ok(*t),
                DevicePoll::Pending => {
                    tracing::trace!(interval, "device authorization pending");
                }
                DevicePoll::SlowDown => {
                    interval = interval.saturating_add(SLOW_DOWN_STEP_SECS);
                    tracing::debug!(interval, "device flow: slow_down");
                }
            }
        }
    }
}

/// One poll's outcome.
#[derive(Debug)]
#[non_exhaustive]
pub enum DevicePoll {
    /// The user finished: the tokens.
    Tokens(Box<TokenResponse>),
    /// `authorization_pending`: poll again after the interval.
    Pending,
    /// `slow_down`: add 5 seconds to the interval, then poll again.
    SlowDown,
}

/// Limits of the polling loop.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DevicePollOptions {
    /// Give up after this long, even if the device code is still valid.
    pub max_wait: Option<Duration>,
    /// Never poll more often than this (seconds), whatever the provider says.
    pub min_interval_secs: u64,
}

impl DevicePollOptions {
    /// Sets [`DevicePollOptions::max_wait`].
    #[must_use]
    pub fn max_wait(mut self, d: Duration) -> Self {
        self.max_wait = Some(d);
        self
    }
}

/// The future a [`Sleeper`] returns.
pub type SleepFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// Waits between polls. [`TokioSleeper`] really waits; tests inject one that advances a
/// fixed clock instead. Closures `Fn(Duration) -> impl Future<Output = ()>` are sleepers.
pub trait Sleeper: Send + Sync {
    /// Waits `duration`.
    fn sleep(&self, duration: Duration) -> SleepFuture<'_>;
}

impl<F, Fut> Sleeper for F
where
    F: Fn(Duration) -> Fut + Send + Sync,
    Fut: Future<Output = ()> + Send + 'static,
{
    fn sleep(&self, duration: Duration) -> SleepFuture<'_> {
        Box::pin(self(duration))
    }
}

/// Sleeps with `tokio::time::sleep` (needs a Tokio runtime with the timer enabled).
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, duration: Duration) -> SleepFuture<'_> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// Runs `work` until it finishes (`Some`) or `cancel` completes first (`None`).
async fn race<T>(work: impl Future<Output = T>, cancel: impl Future<Output = ()>) -> Option<T> {
    let mut work = std::pin::pin!(work);
    let mut cancel = std::pin::pin!(cancel);
    std::future::poll_fn(move |cx| {
        if cancel.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        work.as_mut().poll(cx).map(Some)
    })
    .await
}
