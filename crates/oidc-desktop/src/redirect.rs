//! The front channel's return path: the loopback server (one per sign-in, or kept), the
//! browser launch, and the wait for whichever comes first — the redirect, a pasted address
//! that passes the same checks, or a browser command that failed.

use oidc_core::{AuthorizationResponse, RedirectUrl, ResponseMode};
use oidc_loopback::{CallbackParams, LoopbackConfig, LoopbackServer};
use url::Url;

use crate::browser::{BrowserCommand, LaunchError, LaunchWatch};
use crate::config::BrowserFailure;
use crate::events::{LaunchBrowser, LogLevel};
use crate::paste::{Expected, PastedAddresses, check_pasted};
use crate::{Error, OidcDesktop};

/// How the authorization response reached the client.
pub(crate) enum Received {
    /// Through the browser, to the loopback listener.
    Loopback(CallbackParams),
    /// Pasted by the user.
    Pasted(crate::paste::Pasted),
}

impl Received {
    /// The response mode it came in.
    pub(crate) fn mode(&self) -> ResponseMode {
        match self {
            Received::Loopback(c) => c.arrival().response_mode(),
            Received::Pasted(p) => p.mode,
        }
    }

    pub(crate) fn into_response(self) -> AuthorizationResponse {
        match self {
            Received::Loopback(c) => c.into_response(),
            Received::Pasted(p) => p.response,
        }
    }
}

impl OidcDesktop {
    pub(crate) fn loopback_config(&self) -> LoopbackConfig {
        self.inner.loopback.clone()
    }

    /// Starts the loopback web server now and keeps it for the following sign-ins, until
    /// [`Self::stop_web_server`]. Returns the redirect URI every one of them will use, to
    /// register with the provider.
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
    /// Opens `url` (as `on_launch_browser` leaves it); returns the launch's watch and the URL
    /// the browser was given.
    pub(crate) fn launch_browser(&self, url: &Url) -> Result<(LaunchWatch, String), Error> {
        let mut launch = LaunchBrowser {
            url: url.to_string(),
            command: self.inner.browser.default_command(),
        };
        self.inner.events.on_launch_browser(&mut launch);
        // Whatever `on_launch_browser` made of it, only a web address goes to a browser.
        crate::browser::check_launch_url(&launch.url)?;
        if launch.command == BrowserCommand::Nothing {
            self.log(
                LogLevel::Info,
                "the application opens the authorization URL itself",
            );
            return Ok((LaunchWatch::unwatched(), launch.url));
        }
        self.log(
            LogLevel::Info,
            &format!("opening the browser: {}", launch.command),
        );
        let watch = self
            .inner
            .browser
            .launch_watched(&launch.url, &launch.command)?;
        Ok((watch, launch.url))
    }

    /// Waits for the loopback's response, or for a pasted address that passes the checks
    /// a redirect would; a browser command that fails meanwhile is told to the application
    /// and, with [`BrowserFailure::Fail`], ends the wait.
    pub(crate) async fn wait_for_redirect(
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
}
