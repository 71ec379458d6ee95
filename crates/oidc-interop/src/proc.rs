//! Child processes with a bounded wait, and the real provider's start and stop.

use std::io::Read as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a finished (or killed) child printed.
#[derive(Debug)]
pub(crate) struct Output {
    /// The exit status, `None` when killed at the deadline.
    pub(crate) status: Option<i32>,
    /// stdout, lossy UTF-8.
    pub(crate) stdout: String,
    /// stderr, lossy UTF-8.
    pub(crate) stderr: String,
}

/// Runs `cmd` (stdin closed), killing it after `limit`.
pub(crate) fn run(mut cmd: Command, limit: Duration) -> Result<Output, String> {
    let shown = format!("{cmd:?}");
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {shown}: {e}"))?;
    let mut out = child.stdout.take();
    let mut err = child.stderr.take();
    let t_out = std::thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(o) = out.as_mut() {
            let _ = o.read_to_end(&mut s);
        }
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(e) = err.as_mut() {
            let _ = e.read_to_end(&mut s);
        }
        s
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s.code(),
            Ok(None) if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(format!("waiting for {shown}: {e}")),
        }
    };
    let stdout = String::from_utf8_lossy(&t_out.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&t_err.join().unwrap_or_default()).into_owned();
    Ok(Output {
        status,
        stdout,
        stderr,
    })
}

/// Finds `program` on `PATH`.
pub(crate) fn which(program: &str) -> Option<PathBuf> {
    if program.contains('/') {
        let p = PathBuf::from(program);
        return p.is_file().then_some(p);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(program))
            .find(|p| p.is_file())
    })
}

/// A free TCP port on 127.0.0.1 (bound, read, released).
pub(crate) fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

/// The files of `shared/realop` the provider needs, copied into a writable folder.
const REALOP_FILES: [&str; 5] = [
    "provider.mjs",
    "package.json",
    "package-lock.json",
    "start.sh",
    "stop.sh",
];

/// The real provider, running; stopped (with `stop.sh`) when dropped.
#[derive(Debug)]
pub(crate) struct RealOp {
    dir: PathBuf,
    port: u16,
    /// `http://127.0.0.1:PORT`.
    pub(crate) issuer: String,
    stopped: bool,
}

impl RealOp {
    /// Copies `src` (read-only in CI) into `dir` and starts the provider there with
    /// `OP_INTERACTIONS=dev` and every other knob at its documented default.
    pub(crate) fn start(src: &Path, dir: &Path, port: u16) -> Result<Self, String> {
        Self::start_with(src, dir, port, &[])
    }

    /// [`Self::start`] with more of the provider's settings (`OP_DPOP_NONCE`, …).
    pub(crate) fn start_with(
        src: &Path,
        dir: &Path,
        port: u16,
        settings: &[(&str, &str)],
    ) -> Result<Self, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for f in REALOP_FILES {
            let to = dir.join(f);
            // A previous copy is read-only (copy keeps the mode): replace it.
            let _ = std::fs::remove_file(&to);
            std::fs::copy(src.join(f), &to)
                .map_err(|e| format!("copy {} -> {}: {e}", src.join(f).display(), to.display()))?;
            set_mode(&to, if f.ends_with(".sh") { 0o755 } else { 0o644 })?;
        }
        let mut op = Self {
            dir: dir.to_path_buf(),
            port,
            issuer: format!("http://127.0.0.1:{port}"),
            stopped: true,
        };
        let mut cmd = op.script("start.sh");
        cmd.env("OP_INTERACTIONS", "dev")
            .env("OP_WAIT_SECS", "60")
            .envs(settings.iter().copied());
        let out = run(cmd, Duration::from_secs(600))?;
        op.stopped = false;
        if out.status != Some(0) {
            op.stop();
            return Err(format!(
                "start.sh failed ({:?}):\n{}\n{}",
                out.status,
                out.stdout.trim(),
                out.stderr.trim()
            ));
        }
        Ok(op)
    }

    fn script(&self, name: &str) -> Command {
        let mut cmd = Command::new("bash");
        cmd.arg(self.dir.join(name)).arg(self.port.to_string());
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("OP_") {
                cmd.env_remove(k);
            }
        }
        cmd.env("OP_HOME", &self.dir)
            .env("OP_REFRESH_POLICY", "offline_access")
            .env("OP_CONFORM_ID_TOKEN_CLAIMS", "1")
            .env("OP_NATIVE_ALWAYS_CONSENT", "1");
        cmd
    }

    /// The provider's log (its `[grant.error]` lines say why a request was refused).
    pub(crate) fn log_path(&self) -> PathBuf {
        self.dir.join("run").join(format!("op-{}.log", self.port))
    }

    /// The installed oidc-provider version.
    pub(crate) fn version(&self) -> String {
        std::fs::read_to_string(
            self.dir
                .join("node_modules")
                .join("oidc-provider")
                .join("package.json"),
        )
        .ok()
        .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
        .and_then(|v| v["version"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
    }

    /// Stops the provider (idempotent).
    pub(crate) fn stop(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        match run(self.script("stop.sh"), Duration::from_secs(30)) {
            Ok(o) => eprintln!("interop: {}", o.stdout.trim()),
            Err(e) => eprintln!("interop: stop.sh: {e}"),
        }
    }
}

impl Drop for RealOp {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(unix)]
fn set_mode(p: &Path, mode: u32) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode))
        .map_err(|e| format!("chmod {}: {e}", p.display()))
}

#[cfg(not(unix))]
fn set_mode(_p: &Path, _mode: u32) -> Result<(), String> {
    Ok(())
}
