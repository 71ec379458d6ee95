//! Headless Chromium as the user's browser, for the fragment relay profile: it runs the
//! loopback's relay page script for real.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use oidc_desktop::{BrowserLauncher, LaunchError};

/// Where Chromium is: `$CHROMIUM`, else `/usr/bin/chromium`, else `chromium` /
/// `chromium-browser` on `$PATH`.
pub(crate) fn find() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    let fixed = Path::new("/usr/bin/chromium");
    if fixed.is_file() {
        return Some(fixed.to_owned());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|d| [d.join("chromium"), d.join("chromium-browser")])
        .find(|p| p.is_file())
}

/// Removes a profile directory; Chromium's helper processes may still be writing into it
/// for a moment after the browser process ended, so retry briefly.
fn remove_profile(dir: &Path) {
    for _ in 0..20 {
        if std::fs::remove_dir_all(dir).is_ok() || !dir.exists() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// Removes every profile directory this process created (a last sweep at exit).
pub(crate) fn sweep_profiles() {
    let prefix = format!("oidc-conformance-chromium-{}-", std::process::id());
    if let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(&prefix) {
                remove_profile(&e.path());
            }
        }
    }
}

static NEXT: AtomicU64 = AtomicU64::new(0);

/// `--ip-address-space-overrides` marking the origin of `url` (the provider's authorization
/// endpoint on 127.0.0.1) as public, as a real provider is: Chromium's Local Network Access
/// then judges the provider pages' way to the loopback listener (the `form_post` form, the
/// redirects) as it would in production.
fn public_origin_flag(url: &str) -> Option<String> {
    let u = oidc_desktop::core::url::Url::parse(url).ok()?;
    let host = u.host_str()?;
    let port = u.port_or_known_default()?;
    Some(format!("--ip-address-space-overrides={host}:{port}=public"))
}

/// One headless Chromium per sign-in, with a fresh profile directory; [`Self::cleanup`]
/// kills it (if it is still running) and removes the profile.
pub(crate) struct Chromium {
    exe: PathBuf,
    running: Mutex<Vec<(Child, PathBuf)>>,
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
        for (mut child, dir) in running {
            let _ = child.kill();
            let _ = child.wait();
            remove_profile(&dir);
        }
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
        let dir = std::env::temp_dir().join(format!(
            "oidc-conformance-chromium-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let spawn_error = |source| LaunchError::Spawn {
            program: self.exe.display().to_string(),
            source,
        };
        std::fs::create_dir_all(&dir).map_err(spawn_error)?;
        let mut cmd = Command::new(&self.exe);
        if let Some(flag) = public_origin_flag(url) {
            cmd.arg(flag);
        }
        let child = cmd
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                // Let the relay page's script and the form post it makes finish before the
                // DOM is dumped and the browser exits.
                "--virtual-time-budget=10000",
            ])
            .arg(format!("--user-data-dir={}", dir.display()))
            .arg("--dump-dom")
            .arg(url)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(spawn_error)?;
        if let Ok(mut r) = self.running.lock() {
            r.push((child, dir));
        }
        Ok(())
    }
}
