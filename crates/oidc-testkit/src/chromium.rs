//! Headless Chromium: one finder, one launcher.
//!
//! The binary is `$CHROMIUM` ([`CHROMIUM_ENV`]) when set, else `/usr/bin/chromium`,
//! `/usr/bin/chromium-browser`, `chromium` or `chromium-browser` on `PATH`, or
//! `/usr/bin/google-chrome`. `.ci/run` installs it (`apt-get install -y chromium`); with `CI`
//! set, [`find_for_test`] fails a test that cannot find it instead of skipping.
//!
//! [`Launch`] starts one headless browser with its own throw-away profile; the [`Browser`]
//! it returns is killed, and its profile removed, on drop.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::Error;

/// The one environment variable that names the Chromium binary.
pub const CHROMIUM_ENV: &str = "CHROMIUM";

/// The flags every launch uses: headless, no sandbox (containers and CI run as root), and
/// nothing that reaches the network on Chromium's own behalf.
pub const HEADLESS_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
];

/// How long a page may run its scripts and follow its redirects and form posts before
/// `--dump-dom` dumps it, in (virtual) milliseconds.
pub const VIRTUAL_TIME_BUDGET_MS: u32 = 10_000;

/// The fixed places looked at after `$CHROMIUM`, in order (`PATH` is searched between the
/// first two and the last).
const FIXED: [&str; 2] = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

/// Where Chromium is (see the [module documentation](self) for the order).
///
/// # Errors
///
/// [`Error::ChromiumNotAFile`] when `$CHROMIUM` is set to something that is no file;
/// [`Error::ChromiumNotFound`] when nothing was found.
pub fn find() -> Result<PathBuf, Error> {
    if let Some(p) = std::env::var_os(CHROMIUM_ENV).filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(Error::ChromiumNotAFile(p))
        };
    }
    FIXED
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .or_else(|| crate::proc::which("chromium"))
        .or_else(|| crate::proc::which("chromium-browser"))
        .or_else(|| Some(PathBuf::from("/usr/bin/google-chrome")).filter(|p| p.is_file()))
        .ok_or(Error::ChromiumNotFound)
}

/// [`find`] for a test: the binary, or `None` after saying on stderr why `test` did nothing.
///
/// # Panics
///
/// When Chromium is missing and `CI` is set (see [`crate::in_ci`]): in CI the browser
/// tests never silently pass.
pub fn find_for_test(test: &str) -> Option<PathBuf> {
    match find() {
        Ok(p) => Some(p),
        Err(e) => {
            crate::skip_or_fail(test, &e.to_string());
            None
        }
    }
}

/// `--ip-address-space-overrides` marking `host:port` as a public origin, as a real
/// provider's is: Chromium's Local Network Access then judges that origin's way to the
/// loopback listener (a `form_post` form, a redirect) as it would in production.
pub fn public_origin_flag(host: &str, port: u16) -> String {
    format!("--ip-address-space-overrides={host}:{port}=public")
}

/// [`public_origin_flag`] for the origin of `url`, if it has a host and a port.
pub fn public_origin_flag_for(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    Some(public_origin_flag(
        u.host_str()?,
        u.port_or_known_default()?,
    ))
}

/// The shell words of a headless Chromium command line (single-quoted paths), for a
/// program that takes a browser command template: `HEADLESS_FLAGS`, the profile, `extra`.
/// The caller appends the URL (or its `{url}` placeholder).
pub fn command_line(exe: &Path, profile: &Path, extra: &[&str]) -> String {
    let mut c = format!("'{}'", exe.display());
    for f in HEADLESS_FLAGS {
        c.push(' ');
        c.push_str(f);
    }
    c.push_str(&format!(" --user-data-dir='{}'", profile.display()));
    for f in extra {
        c.push(' ');
        c.push_str(f);
    }
    c
}

static NEXT: AtomicU64 = AtomicU64::new(0);

/// The name prefix of every profile directory this process creates.
fn profile_prefix() -> String {
    format!("oidc-testkit-chromium-{}-", std::process::id())
}

/// A fresh, empty profile directory under the system's temporary directory; removed on
/// drop (retrying briefly: Chromium's helpers may still write into it for a moment after
/// the browser ended).
#[derive(Debug)]
pub struct ProfileDir(PathBuf);

impl ProfileDir {
    /// Creates the directory.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when it cannot be created.
    pub fn new() -> Result<Self, Error> {
        sweep_orphans();
        let dir = std::env::temp_dir().join(format!(
            "{}{}",
            profile_prefix(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
            path: dir.clone(),
            source,
        })?;
        Ok(Self(dir))
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ProfileDir {
    fn drop(&mut self) {
        remove_profile(&self.0);
    }
}

fn remove_profile(dir: &Path) {
    for _ in 0..20 {
        if std::fs::remove_dir_all(dir).is_ok() || !dir.exists() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Removes the profile directories left behind by test processes that have ended: a
/// browser started by a program under test (not by [`Launch`]) may outlive the test and
/// keep writing into its profile past [`ProfileDir`]'s drop. Only where `/proc` tells which
/// processes are alive.
fn sweep_orphans() {
    let proc_fs = Path::new("/proc");
    if !proc_fs.join("self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name
            .to_string_lossy()
            .strip_prefix("oidc-testkit-chromium-")
            .and_then(|rest| rest.split('-').next().map(str::to_owned))
        else {
            continue;
        };
        if pid.parse::<u32>().is_ok() && !proc_fs.join(&pid).exists() {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// Removes every profile directory this process created that is still there (a last sweep
/// before exit, for browsers whose helpers outlived their [`Browser`]).
pub fn sweep_profiles() {
    let prefix = profile_prefix();
    if let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(&prefix) {
                remove_profile(&e.path());
            }
        }
    }
}

/// One headless Chromium to start: [`HEADLESS_FLAGS`], a fresh [`ProfileDir`], the
/// virtual-time budget, any extra flags, the URL.
#[derive(Debug, Clone)]
pub struct Launch {
    exe: PathBuf,
    url: String,
    extra: Vec<String>,
    dump_dom: bool,
    budget_ms: Option<u32>,
}

impl Launch {
    /// Chromium at `exe` opening `url`, with a [`VIRTUAL_TIME_BUDGET_MS`] budget.
    pub fn new(exe: &Path, url: &str) -> Self {
        Self {
            exe: exe.to_owned(),
            url: url.to_owned(),
            extra: Vec::new(),
            dump_dom: false,
            budget_ms: Some(VIRTUAL_TIME_BUDGET_MS),
        }
    }

    /// One more command-line flag.
    #[must_use]
    pub fn arg(mut self, flag: impl Into<String>) -> Self {
        self.extra.push(flag.into());
        self
    }

    /// More command-line flags.
    #[must_use]
    pub fn args<I, S>(mut self, flags: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.extra.extend(flags.into_iter().map(Into::into));
        self
    }

    /// Marks the origin of `url` as public ([`public_origin_flag_for`]).
    #[must_use]
    pub fn public_origin_of(self, url: &str) -> Self {
        match public_origin_flag_for(url) {
            Some(f) => self.arg(f),
            None => self,
        }
    }

    /// `--dump-dom`: the final DOM goes to stdout, which [`Browser::dom`] returns.
    #[must_use]
    pub fn dump_dom(mut self) -> Self {
        self.dump_dom = true;
        self
    }

    /// The virtual-time budget, `None` for none.
    #[must_use]
    pub fn virtual_time_budget(mut self, ms: Option<u32>) -> Self {
        self.budget_ms = ms;
        self
    }

    /// Starts the browser.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the profile directory cannot be made, [`Error::Spawn`] when
    /// Chromium cannot be started.
    pub fn spawn(self) -> Result<Browser, Error> {
        let profile = ProfileDir::new()?;
        let mut cmd = Command::new(&self.exe);
        cmd.args(HEADLESS_FLAGS)
            .arg(format!("--user-data-dir={}", profile.path().display()));
        if let Some(ms) = self.budget_ms {
            cmd.arg(format!("--virtual-time-budget={ms}"));
        }
        cmd.args(&self.extra);
        if self.dump_dom {
            cmd.arg("--dump-dom");
        }
        let child = cmd
            .arg(&self.url)
            .stdin(Stdio::null())
            .stdout(if self.dump_dom {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stderr(Stdio::null())
            .spawn()
            .map_err(|source| Error::Spawn {
                program: self.exe.display().to_string(),
                source,
            })?;
        Ok(Browser {
            child,
            _profile: profile,
        })
    }
}

/// A running headless Chromium; killed, and its profile removed, on drop.
#[derive(Debug)]
pub struct Browser {
    child: Child,
    // Dropped after `child` is killed (see `Drop`).
    _profile: ProfileDir,
}

impl Browser {
    /// Waits at most `limit` for the browser to exit by itself.
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] when it is still running after `limit`; [`Error::Spawn`] when it
    /// cannot be waited for.
    pub fn wait(&mut self, limit: Duration) -> Result<(), Error> {
        let deadline = Instant::now() + limit;
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) => return Ok(()),
                Ok(None) if Instant::now() >= deadline => {
                    return Err(Error::Timeout {
                        what: "Chromium".to_owned(),
                        limit,
                    });
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(50)),
                Err(source) => {
                    return Err(Error::Spawn {
                        program: "chromium".to_owned(),
                        source,
                    });
                }
            }
        }
    }

    /// Waits (at most `limit`) for the browser to exit and returns the DOM it dumped (empty
    /// unless launched with [`Launch::dump_dom`]).
    ///
    /// # Errors
    ///
    /// As [`Self::wait`]; [`Error::Io`] when its output cannot be read.
    pub fn dom(mut self, limit: Duration) -> Result<String, Error> {
        use std::io::Read as _;
        self.wait(limit)?;
        let mut out = String::new();
        if let Some(mut stdout) = self.child.stdout.take() {
            stdout
                .read_to_string(&mut out)
                .map_err(|source| Error::Io {
                    path: PathBuf::from("<chromium stdout>"),
                    source,
                })?;
        }
        Ok(out)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
