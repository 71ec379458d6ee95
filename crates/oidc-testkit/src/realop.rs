//! The real OpenID provider: panva's certified `oidc-provider`, from `shared/realop` next
//! to the repository (or `$OIDC_REALOP_DIR`), started on 127.0.0.1.
//!
//! The provider's folder may be read-only (CI lays `shared/` out so), so its files are
//! copied into a writable home folder and `start.sh` runs from there with `OP_HOME` set:
//! it installs the pinned node dependencies (`npm ci`) into that home on first use, starts
//! node detached and waits (bounded, `OP_WAIT_SECS`) until discovery answers. The kit then
//! checks once more, bounded, that the port accepts connections. [`RealOp`] stops the
//! provider (with `stop.sh`) on drop.
//!
//! Every `OP_*` variable of the caller's environment is removed; the settings are the
//! documented defaults of the provider's README plus what the [`RealOpBuilder`] says
//! (`OP_ACCESS_TTL`, `OP_COUNT_LOG`, `OP_DPOP_NONCE`, …, through
//! [`RealOpBuilder::setting`]).

use std::ffi::OsString;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::Error;
use crate::proc;

/// The variable that names the provider's folder when it is not `../shared/realop`
/// relative to the repository.
pub const REALOP_DIR_ENV: &str = "OIDC_REALOP_DIR";

/// The files of the provider's folder that it runs from.
const FILES: [&str; 5] = [
    "provider.mjs",
    "package.json",
    "package-lock.json",
    "start.sh",
    "stop.sh",
];

/// The provider's folder: `$OIDC_REALOP_DIR`, else `shared/realop` beside the repository.
pub fn default_source() -> PathBuf {
    match std::env::var_os(REALOP_DIR_ENV).filter(|d| !d.is_empty()) {
        Some(d) => PathBuf::from(d),
        // This crate is `<repo>/crates/oidc-testkit`, the folder `<repo>/../shared/realop`.
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/realop"),
    }
}

/// How the provider's login and consent pages behave (`OP_INTERACTIONS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Interactions {
    /// `auto`: `alice` is logged in and consent granted through plain 303 redirects.
    #[default]
    Auto,
    /// `dev`: the stock login and consent forms.
    Dev,
}

/// What to start; see [`RealOp::builder`].
#[derive(Debug, Clone)]
pub struct RealOpBuilder {
    source: PathBuf,
    home: PathBuf,
    port: Option<u16>,
    interactions: Interactions,
    settings: Vec<(String, OsString)>,
    count_log: Option<PathBuf>,
    limit: Duration,
}

impl RealOpBuilder {
    /// The provider's folder (default: [`default_source`]).
    #[must_use]
    pub fn source(mut self, dir: impl Into<PathBuf>) -> Self {
        self.source = dir.into();
        self
    }

    /// The port on 127.0.0.1 (default: a free one).
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// `OP_INTERACTIONS` (default [`Interactions::Auto`]).
    #[must_use]
    pub fn interactions(mut self, i: Interactions) -> Self {
        self.interactions = i;
        self
    }

    /// One of the provider's settings (`OP_ACCESS_TTL`, `OP_DPOP_NONCE`,
    /// `OP_REFRESH_POLICY`, …); later ones win.
    #[must_use]
    pub fn setting(mut self, name: &str, value: impl Into<OsString>) -> Self {
        self.settings.push((name.to_owned(), value.into()));
        self
    }

    /// `OP_COUNT_LOG`: the provider appends `<grant_type> <status>` there for each token
    /// request; [`RealOp::token_requests`] counts them.
    #[must_use]
    pub fn count_log(mut self, file: impl Into<PathBuf>) -> Self {
        self.count_log = Some(file.into());
        self
    }

    /// How long `start.sh` may take, `npm ci` on first use included (default 420 s).
    #[must_use]
    pub fn start_limit(mut self, limit: Duration) -> Self {
        self.limit = limit;
        self
    }

    /// Whether the prerequisites are there: the folder's `start.sh`, `node` and `npm`.
    ///
    /// # Errors
    ///
    /// [`Error::RealOpMissing`] or [`Error::MissingProgram`].
    pub fn check(&self) -> Result<(), Error> {
        if !self.source.join("start.sh").is_file() {
            return Err(Error::RealOpMissing(self.source.clone()));
        }
        for program in ["node", "npm"] {
            if proc::which(program).is_none() {
                return Err(Error::MissingProgram(program));
            }
        }
        Ok(())
    }

    /// Copies the provider into the home folder and starts it.
    ///
    /// # Errors
    ///
    /// As [`Self::check`]; [`Error::Io`] when copying fails; [`Error::RealOpStart`] (with
    /// the script's output) when the provider does not come up.
    pub fn start(self) -> Result<RealOp, Error> {
        self.check()?;
        std::fs::create_dir_all(&self.home).map_err(|source| Error::Io {
            path: self.home.clone(),
            source,
        })?;
        for f in FILES {
            copy_file(&self.source.join(f), &self.home.join(f), f.ends_with(".sh"))?;
        }
        let port = match self.port {
            Some(p) => p,
            None => proc::free_port()?,
        };
        let mut op = RealOp {
            home: self.home,
            port,
            issuer: format!("http://127.0.0.1:{port}"),
            count_log: self.count_log,
            stopped: false,
        };
        let mut cmd = op.script("start.sh");
        cmd.env(
            "OP_INTERACTIONS",
            match self.interactions {
                Interactions::Auto => "auto",
                Interactions::Dev => "dev",
            },
        )
        .env("OP_WAIT_SECS", "60");
        if let Some(log) = &op.count_log {
            cmd.env("OP_COUNT_LOG", log);
        }
        cmd.envs(self.settings.iter().map(|(k, v)| (k, v)));
        let out = proc::run(cmd, self.limit)?;
        if !out.success() {
            op.stop();
            return Err(Error::RealOpStart(format!(
                "start.sh {} ({:?}):\n{}\n{}",
                if out.timed_out { "timed out" } else { "failed" },
                out.status,
                out.stdout.trim(),
                out.stderr.trim()
            )));
        }
        // start.sh waited for discovery; make sure the port answers (bounded).
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err() {
            if Instant::now() > deadline {
                op.stop();
                return Err(Error::RealOpStart(format!(
                    "nothing answers on {addr} although start.sh succeeded"
                )));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(op)
    }

    /// [`Self::start`] for a test: `None` after saying why on stderr when a prerequisite
    /// ([`Self::check`]) is missing outside CI.
    ///
    /// # Panics
    ///
    /// When a prerequisite is missing and `CI` is set, and whenever the provider fails to
    /// start although its prerequisites are there.
    pub fn start_for_test(self, test: &str) -> Option<RealOp> {
        if let Err(e) = self.check() {
            crate::skip_or_fail(test, &e.to_string());
            return None;
        }
        match self.start() {
            Ok(op) => Some(op),
            Err(e) => panic!("{test}: {e}"),
        }
    }
}

fn copy_file(from: &Path, to: &Path, executable: bool) -> Result<(), Error> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| Error::Io { path, source }
    };
    // A previous copy may be read-only (copy keeps the mode): replace it.
    let _ = std::fs::remove_file(to);
    std::fs::copy(from, to).map_err(io(from))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = if executable { 0o755 } else { 0o644 };
        std::fs::set_permissions(to, std::fs::Permissions::from_mode(mode)).map_err(io(to))?;
    }
    #[cfg(not(unix))]
    let _ = executable;
    Ok(())
}

/// The real provider, running on 127.0.0.1; stopped when dropped.
#[derive(Debug)]
pub struct RealOp {
    home: PathBuf,
    port: u16,
    issuer: String,
    count_log: Option<PathBuf>,
    stopped: bool,
}

impl RealOp {
    /// What to start, with `home` as the writable folder (its `node_modules` is kept
    /// between runs, so a stable folder saves the `npm ci`).
    pub fn builder(home: impl Into<PathBuf>) -> RealOpBuilder {
        RealOpBuilder {
            source: default_source(),
            home: home.into(),
            port: None,
            interactions: Interactions::default(),
            settings: Vec::new(),
            count_log: None,
            limit: Duration::from_secs(420),
        }
    }

    /// `http://127.0.0.1:PORT` (no trailing slash, as the provider compares it).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The home folder (`node_modules`, keys, `run/`).
    pub fn home(&self) -> &Path {
        &self.home
    }

    /// The provider's log (its `[grant.error]` lines say why a request was refused).
    pub fn log_path(&self) -> PathBuf {
        self.home.join("run").join(format!("op-{}.log", self.port))
    }

    /// How many token requests of `grant` the provider answered with `status` (0 without
    /// [`RealOpBuilder::count_log`]).
    pub fn token_requests(&self, grant: &str, status: u16) -> usize {
        let want = format!("{grant} {status}");
        self.count_log
            .as_deref()
            .and_then(|f| std::fs::read_to_string(f).ok())
            .unwrap_or_default()
            .lines()
            .filter(|l| l.trim() == want)
            .count()
    }

    fn script(&self, name: &str) -> Command {
        let mut cmd = Command::new("bash");
        cmd.arg(self.home.join(name)).arg(self.port.to_string());
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("OP_") {
                cmd.env_remove(k);
            }
        }
        cmd.env("OP_HOME", &self.home)
            .env("OP_REFRESH_POLICY", "offline_access")
            .env("OP_CONFORM_ID_TOKEN_CLAIMS", "1")
            .env("OP_NATIVE_ALWAYS_CONSENT", "1");
        cmd
    }

    /// Stops the provider (idempotent); returns what `stop.sh` said.
    pub fn stop(&mut self) -> String {
        if self.stopped {
            return String::new();
        }
        self.stopped = true;
        match proc::run(self.script("stop.sh"), Duration::from_secs(30)) {
            Ok(o) => format!("{}{}", o.stdout.trim(), o.stderr.trim()),
            Err(e) => format!("stop.sh: {e}"),
        }
    }
}

impl Drop for RealOp {
    fn drop(&mut self) {
        self.stop();
    }
}
