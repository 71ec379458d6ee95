//! Events: what the application hears while a sign-in runs (the `on_*` callbacks).

use std::sync::Mutex;

use crate::BrowserCommand;

/// Log levels of the OIDCDesktop manual (`LogLevel`): 0 none, 1 info, 2 verbose, 3 debug.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum LogLevel {
    /// 0: nothing is logged.
    None = 0,
    /// 1: URLs, statuses, the steps of the flow (default).
    Info = 1,
    /// 2: also request and response headers.
    Verbose = 2,
    /// 3: also bodies (secrets masked unless masking is turned off).
    Debug = 3,
}

impl LogLevel {
    /// From the manual's number (values above 3 mean debug).
    pub fn from_number(n: u8) -> Self {
        match n {
            0 => LogLevel::None,
            1 => LogLevel::Info,
            2 => LogLevel::Verbose,
            _ => LogLevel::Debug,
        }
    }
}

/// What a log line is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LogType {
    /// A step of the flow, or one HTTP exchange (method, URL, status, version).
    Info,
    /// The headers of a request the library sent (sensitive ones masked).
    RequestHeaders,
    /// The headers of a response it received (cookies masked).
    ResponseHeaders,
    /// The body of a request (secrets masked).
    RequestBody,
    /// The body of a response (tokens masked).
    ResponseBody,
}

impl LogType {
    /// The name: `Info`, `RequestHeaders`, `ResponseHeaders`, `RequestBody`, `ResponseBody`.
    pub fn as_str(self) -> &'static str {
        match self {
            LogType::Info => "Info",
            LogType::RequestHeaders => "RequestHeaders",
            LogType::ResponseHeaders => "ResponseHeaders",
            LogType::RequestBody => "RequestBody",
            LogType::ResponseBody => "ResponseBody",
        }
    }
}

impl std::fmt::Display for LogType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The parameters of `on_launch_browser`: the app may change the URL or the command
/// ([`BrowserCommand::Nothing`]: the app opens the URL itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchBrowser {
    /// The authorization URL the user must visit.
    pub url: String,
    /// How it will be opened.
    pub command: BrowserCommand,
}

/// What the device flow asks the user to do (RFC 8628 §3.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCodePrompt {
    /// The code the user types.
    pub user_code: String,
    /// Where the user types it.
    pub verification_uri: String,
    /// A URI that already carries the code, when the provider gives one.
    pub verification_uri_complete: Option<String>,
    /// Seconds until the code expires.
    pub expires_in: u64,
}

/// Receives the events of a sign-in. Every method has a no-op default; log lines also go to
/// `tracing` whatever this trait does.
pub trait Events: Send + Sync {
    /// Before the browser is launched (`on_launch_browser`).
    fn on_launch_browser(&self, launch: &mut LaunchBrowser) {
        let _ = launch;
    }

    /// One log line (`on_log`): its level, the message and what it is about. At
    /// [`LogLevel::Info`] a line per step and per HTTP exchange; [`LogLevel::Verbose`] adds
    /// sizes and timings; [`LogLevel::Debug`] adds the headers and bodies, secrets masked.
    fn on_log(&self, level: LogLevel, message: &str, log_type: LogType) {
        let _ = (level, message, log_type);
    }

    /// An HTTP redirect from a provider endpoint (`on_redirect`); return false to refuse it.
    /// Redirects are only followed when the transport's redirect policy allows them.
    fn on_redirect(&self, location: &str) -> bool {
        let _ = location;
        true
    }

    /// An error is about to be returned (`on_error`): its numeric error code and the
    /// message.
    fn on_error(&self, code: u16, description: &str) {
        let _ = (code, description);
    }

    /// The server presented its certificate (`on_ssl_server_authentication`). `accept` is
    /// the verifier's verdict (certificate chain, host name, pin); return what should happen:
    /// the default keeps the verdict. Called for each new TLS connection of the default
    /// transport (the one the facade builds when no `http_client` is given).
    fn on_ssl_server_authentication(
        &self,
        subject: &str,
        issuer: &str,
        status: &str,
        accept: bool,
    ) -> bool {
        let _ = (subject, issuer, status);
        accept
    }

    /// TLS progress messages (`on_ssl_status`).
    fn on_ssl_status(&self, message: &str) {
        let _ = message;
    }

    /// The device flow needs the user to enter a code.
    fn on_device_code(&self, prompt: &DeviceCodePrompt) {
        let _ = prompt;
    }

    /// The browser command failed soon after its start (`error` says how), so the page at
    /// `url` is probably not open. With [`BrowserFailure::KeepWaiting`](crate::BrowserFailure)
    /// the sign-in goes on waiting: show the URL so the user can open it by hand.
    fn on_browser_failed(&self, url: &str, error: &crate::LaunchError) {
        let _ = (url, error);
    }

    /// A pasted address (see [`OidcDesktop::authenticate_with_paste`](crate::OidcDesktop::authenticate_with_paste))
    /// failed the checks a redirect goes through; `reason` is one line for the user. The
    /// sign-in keeps waiting for another line or the redirect.
    fn on_paste_refused(&self, reason: &str) {
        let _ = reason;
    }

    /// [`OidcDesktop::acquire`](crate::OidcDesktop::acquire) could not use the stored
    /// session (`reason`: none stored, expired without a refresh token, refresh token refused)
    /// and is about to sign the user in interactively.
    fn on_signing_in_again(&self, reason: &str) {
        let _ = reason;
    }
}

/// The default: no-op events (logs still go to `tracing`).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoEvents;

impl Events for NoEvents {}

/// Records every event, in order; for tests and diagnostics.
#[derive(Debug, Default)]
pub struct RecordingEvents {
    events: Mutex<Vec<String>>,
    /// When set, `on_launch_browser` replaces the command with this value.
    pub replace_command: Option<BrowserCommand>,
}

impl RecordingEvents {
    /// A new recorder.
    pub fn new() -> Self {
        Self::default()
    }

    /// The events so far, each as `name: detail`.
    pub fn events(&self) -> Vec<String> {
        self.events.lock().map(|e| e.clone()).unwrap_or_default()
    }

    fn push(&self, s: String) {
        if let Ok(mut e) = self.events.lock() {
            e.push(s);
        }
    }
}

impl Events for RecordingEvents {
    fn on_launch_browser(&self, launch: &mut LaunchBrowser) {
        self.push(format!("launch_browser: {}", launch.command));
        if let Some(c) = &self.replace_command {
            launch.command = c.clone();
        }
    }
    fn on_log(&self, level: LogLevel, message: &str, log_type: LogType) {
        self.push(format!("log({}, {log_type}): {message}", level as u8));
    }
    fn on_redirect(&self, location: &str) -> bool {
        self.push(format!("redirect: {location}"));
        true
    }
    fn on_error(&self, code: u16, description: &str) {
        self.push(format!("error: {code} {description}"));
    }
    fn on_ssl_status(&self, message: &str) {
        self.push(format!("ssl_status: {message}"));
    }
    fn on_device_code(&self, prompt: &DeviceCodePrompt) {
        self.push(format!(
            "device_code: {} at {}",
            prompt.user_code, prompt.verification_uri
        ));
    }
    fn on_browser_failed(&self, url: &str, error: &crate::LaunchError) {
        self.push(format!("browser_failed: {error} ({url})"));
    }
    fn on_paste_refused(&self, reason: &str) {
        self.push(format!("paste_refused: {reason}"));
    }
}
