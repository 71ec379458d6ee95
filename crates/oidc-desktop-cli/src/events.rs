//! Progress on stderr: the URL to open, the device code, a spinner while waiting.

use std::io::{IsTerminal as _, Write as _};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use oidc_desktop::testing::SCRIPTED_AGENT;
use oidc_desktop::{BrowserCommand, DeviceCodePrompt, Events, LaunchBrowser};

/// The tool's [`Events`]: talks to the person at the terminal, on stderr only.
#[derive(Debug, Default)]
pub(crate) struct CliEvents {
    /// Text mode: say what is happening.
    pub(crate) text: bool,
    /// `--no-browser`: do not launch anything, print the URL.
    pub(crate) no_browser: bool,
    /// The address the browser ends on may be pasted on standard input.
    pub(crate) paste: bool,
    /// The provider offers the device grant: mention `--grant device`.
    pub(crate) device_hint: AtomicBool,
    spinner: Mutex<Option<Spinner>>,
}

impl CliEvents {
    /// Events for the given mode.
    pub(crate) fn new(text: bool, no_browser: bool) -> Self {
        Self {
            text,
            no_browser,
            paste: false,
            device_hint: AtomicBool::new(false),
            spinner: Mutex::new(None),
        }
    }

    /// Also explain pasting the address back.
    pub(crate) fn with_paste(mut self) -> Self {
        self.paste = true;
        self
    }

    /// The provider offers the device grant: mention it as the alternative.
    pub(crate) fn offer_device_grant(&self) {
        self.device_hint.store(true, Ordering::Relaxed);
    }

    /// Stops the spinner, if one runs.
    pub(crate) fn done(&self) {
        if let Ok(mut s) = self.spinner.lock()
            && let Some(sp) = s.take()
        {
            sp.stop();
        }
    }

    fn start_spinner(&self, message: &'static str) {
        // While an address may be pasted, the terminal line is the user's: no spinner on it.
        if !self.text || self.paste || !std::io::stderr().is_terminal() {
            return;
        }
        if let Ok(mut s) = self.spinner.lock()
            && s.is_none()
        {
            *s = Some(Spinner::start(message));
        }
    }
}

impl Drop for CliEvents {
    fn drop(&mut self) {
        self.done();
    }
}

impl Events for CliEvents {
    fn on_launch_browser(&self, launch: &mut LaunchBrowser) {
        if self.no_browser {
            launch.command = BrowserCommand::Nothing;
            eprintln!(
                "Open this URL in your browser to sign in:\n\n    {}\n",
                launch.url
            );
            if self.paste {
                eprintln!(
                    "If that browser is on another machine, the sign-in ends on an address that does not load\n(http://127.0.0.1:…). Copy that whole address from the address bar, paste it here and press Enter."
                );
            }
            if self.device_hint.load(Ordering::Relaxed) {
                eprintln!(
                    "Or sign in with a code on any device instead: run the same command with --grant device."
                );
            }
        } else if self.text && launch.command == BrowserCommand::Custom(SCRIPTED_AGENT.to_owned()) {
            eprintln!(
                "The scripted agent plays the browser:\n\n    {}\n",
                launch.url
            );
        } else if self.text {
            eprintln!(
                "Opening your browser… If it does not open, visit:\n\n    {}\n",
                launch.url
            );
        }
        if self.text || self.no_browser {
            eprintln!("Waiting for the browser to come back. Press Ctrl-C to cancel.");
        }
        self.start_spinner("waiting for the sign-in");
    }

    fn on_browser_failed(&self, url: &str, error: &oidc_desktop::LaunchError) {
        self.done();
        eprintln!(
            "The browser did not open the sign-in page ({error}). Open this URL by hand:\n\n    {url}\n"
        );
        eprintln!("Still waiting for the browser to come back. Press Ctrl-C to cancel.");
        self.start_spinner("waiting for the sign-in");
    }

    fn on_signing_in_again(&self, reason: &str) {
        tracing::warn!("the cached session cannot be used: {reason}");
        if self.text {
            eprintln!("The cached session cannot be used ({reason}); signing in again.");
        }
    }

    fn on_paste_refused(&self, reason: &str) {
        self.done();
        eprintln!(
            "That address was not accepted: {reason}. Paste the address again, or finish in the browser."
        );
        self.start_spinner("waiting for the sign-in");
    }

    fn on_device_code(&self, prompt: &DeviceCodePrompt) {
        eprintln!(
            "To sign in, open {} and enter the code {}",
            prompt.verification_uri, prompt.user_code
        );
        if let Some(c) = &prompt.verification_uri_complete {
            eprintln!("(or open {c})");
        }
        eprintln!(
            "The code expires in {} min. Press Ctrl-C to cancel.",
            prompt.expires_in.div_ceil(60)
        );
        self.start_spinner("waiting for the approval");
    }
}

/// A spinner on stderr, in its own thread.
#[derive(Debug)]
struct Spinner {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Spinner {
    fn start(message: &'static str) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("spinner".into())
            .spawn(move || {
                const FRAMES: [char; 4] = ['|', '/', '-', '\\'];
                let mut i = 0usize;
                while !flag.load(Ordering::Relaxed) {
                    let mut err = std::io::stderr().lock();
                    let _ = write!(err, "\r{} {message}…", FRAMES[i % FRAMES.len()]);
                    let _ = err.flush();
                    drop(err);
                    i = i.wrapping_add(1);
                    std::thread::sleep(Duration::from_millis(120));
                }
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "\r\x1b[K");
                let _ = err.flush();
            })
            .ok();
        Self { stop, thread }
    }

    fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
