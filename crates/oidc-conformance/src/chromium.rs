//! Headless Chromium as the user's browser, for the fragment relay profile: it runs the
//! loopback's relay page script for real. Finding and launching it is
//! `oidc_testkit::chromium`; this module makes it the facade's browser.

use std::path::PathBuf;
use std::sync::Mutex;

use oidc_desktop::{BrowserLauncher, LaunchError};
use oidc_testkit::chromium::{self as kit, Browser, Launch};

pub(crate) use kit::sweep_profiles;

/// Where Chromium is (`$CHROMIUM`, else the usual places; see `oidc_testkit::chromium`),
/// or why it was not found.
pub(crate) fn find() -> Result<PathBuf, String> {
    kit::find().map_err(|e| e.to_string())
}

/// One headless Chromium per sign-in, each with a fresh profile directory; dropping this
/// (or [`Self::cleanup`]) kills them and removes the profiles.
pub(crate) struct Chromium {
    exe: PathBuf,
    running: Mutex<Vec<Browser>>,
}

impl Chromium {
    pub(crate) fn new(exe: PathBuf) -> Self {
        Self {
            exe,
            running: Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn cleanup(&self) {
        let running = match self.running.lock() {
            Ok(mut r) => std::mem::take(&mut *r),
            Err(p) => std::mem::take(&mut *p.into_inner()),
        };
        drop(running);
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        self.cleanup();
    }
}

impl BrowserLauncher for Chromium {
    fn default_command(&self) -> oidc_desktop::BrowserCommand {
        oidc_desktop::BrowserCommand::Custom("headless-chromium".to_owned())
    }

    fn launch(
        &self,
        url: &str,
        _command: &oidc_desktop::BrowserCommand,
    ) -> Result<(), LaunchError> {
        // The provider's origin counts as public, as a real provider's does, so Local
        // Network Access judges its pages' way to the loopback listener as in production;
        // the virtual-time budget lets the relay page's script and its form post finish
        // before the DOM is dumped (to nowhere) and the browser exits.
        let browser = Launch::new(&self.exe, url)
            .public_origin_of(url)
            .arg("--dump-dom")
            .spawn()
            .map_err(|e| LaunchError::Spawn {
                program: self.exe.display().to_string(),
                source: std::io::Error::other(e),
            })?;
        if let Ok(mut r) = self.running.lock() {
            r.push(browser);
        }
        Ok(())
    }
}
