//! Child processes with a bounded wait, `PATH` look-ups and free ports.

use std::io::Read as _;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::Error;

/// What a finished (or killed) child printed.
#[derive(Debug, Clone, Default)]
pub struct Output {
    /// The exit code, `None` when killed at the deadline (or ended by a signal).
    pub status: Option<i32>,
    /// Whether it was killed at the deadline.
    pub timed_out: bool,
    /// stdout, lossy UTF-8.
    pub stdout: String,
    /// stderr, lossy UTF-8.
    pub stderr: String,
}

impl Output {
    /// Exit code 0.
    pub fn success(&self) -> bool {
        self.status == Some(0)
    }
}

/// Runs `cmd` with stdin closed, collecting its output, and kills it after `limit`.
///
/// # Errors
///
/// [`Error::Spawn`] when it cannot be started or waited for.
pub fn run(mut cmd: Command, limit: Duration) -> Result<Output, Error> {
    let shown = format!("{cmd:?}");
    let spawn_error = |source| Error::Spawn {
        program: shown.clone(),
        source,
    };
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(spawn_error)?;
    let reader = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut s = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut s);
            }
            s
        })
    };
    let t_out = reader(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
    );
    let t_err = reader(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
    );
    let start = Instant::now();
    let (status, timed_out) = loop {
        match child.try_wait().map_err(spawn_error)? {
            Some(s) => break (s.code(), false),
            None if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                break (None, true);
            }
            None => std::thread::sleep(Duration::from_millis(50)),
        }
    };
    let stdout = String::from_utf8_lossy(&t_out.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&t_err.join().unwrap_or_default()).into_owned();
    Ok(Output {
        status,
        timed_out,
        stdout,
        stderr,
    })
}

/// Finds `program` on `PATH` (a name with a `/` is taken as a path and must be a file).
pub fn which(program: &str) -> Option<PathBuf> {
    if program.contains('/') {
        let p = PathBuf::from(program);
        return p.is_file().then_some(p);
    }
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// A TCP port on 127.0.0.1 that was free a moment ago (bound, read, released).
///
/// # Errors
///
/// [`Error::Io`] when no port can be bound.
pub fn free_port() -> Result<u16, Error> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|source| Error::Io {
            path: PathBuf::from("127.0.0.1:0"),
            source,
        })
}
