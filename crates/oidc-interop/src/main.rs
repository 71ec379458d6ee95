//! `oidc-interop`: the interop matrix of `cargo xtask interop`.
//!
//! Starts panva's `oidc-provider` (an OpenID Certified provider, from `shared/realop`) on
//! 127.0.0.1 in a writable work folder, runs every row of the matrix through the facade
//! (`oidc_desktop::OidcDesktop`) and the real `oidc-desktop` binary, with a scripted HTTP
//! user and with headless Chromium filling the provider's real pages, stops the provider,
//! and prints the table and `N passed, M failed` (also to `WORK/report.md`).
//!
//! ```text
//! oidc-interop --realop DIR [--work DIR] [--cli PATH] [--only ID,ID] [--port N]
//! oidc-interop agent --op-port PORT [--deny] [--login NAME] [--log FILE] URL   (a browser command)
//! ```
//!
//! Without Chromium the browser rows fail when `CI` is set and are skipped otherwise; without
//! Node the provider cannot start and the run fails.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line tool: the table goes to stdout, progress to stderr"
)]

mod agent;
mod chromium;
mod cli;
mod dpop;
mod facade;
mod proc;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::chromium::Chromium;

/// Everything a row needs.
#[derive(Debug, Clone)]
pub(crate) struct Env {
    /// The provider's issuer, `http://127.0.0.1:PORT`.
    pub(crate) issuer: String,
    /// The work folder (`target/interop`).
    pub(crate) work: PathBuf,
    /// The real browser, when available.
    pub(crate) chromium: Option<Chromium>,
    /// Why there is no browser.
    pub(crate) chromium_missing: Option<String>,
    /// The `oidc-desktop` binary.
    pub(crate) cli: Option<PathBuf>,
    /// This program (the CLI rows use `oidc-interop agent` as their browser command).
    pub(crate) self_exe: PathBuf,
}

/// One row's verdict.
#[derive(Debug)]
pub(crate) enum Verdict {
    Pass(String),
    Fail(String),
    Skip(String),
}

/// One row of the table.
#[derive(Debug)]
pub(crate) struct Row {
    id: &'static str,
    via: &'static str,
    what: &'static str,
    verdict: Verdict,
    secs: f64,
}

/// A row's result: `Ok(detail)` passes, `Err(why)` fails.
pub(crate) type Check = Result<String, String>;

/// Fails the row with `msg` unless `cond`.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

/// Collects rows.
#[derive(Debug, Default)]
pub(crate) struct Matrix {
    rows: Vec<Row>,
    only: Option<Vec<String>>,
}

const ROW_LIMIT: Duration = Duration::from_secs(90);

impl Matrix {
    /// Whether the row `id` is selected (`--only`).
    pub(crate) fn wants(&self, id: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|o| o.iter().any(|w| id.starts_with(w.as_str())))
    }

    /// Runs one row, bounded by [`ROW_LIMIT`].
    pub(crate) async fn row(
        &mut self,
        id: &'static str,
        via: &'static str,
        what: &'static str,
        check: impl Future<Output = Check>,
    ) {
        if !self.wants(id) {
            return;
        }
        eprintln!("interop: {id} ({via}) ...");
        let start = Instant::now();
        let verdict = match tokio::time::timeout(ROW_LIMIT, check).await {
            Ok(Ok(d)) => Verdict::Pass(d),
            Ok(Err(e)) => Verdict::Fail(e),
            Err(_) => Verdict::Fail(format!("no result within {ROW_LIMIT:?}")),
        };
        let secs = start.elapsed().as_secs_f64();
        match &verdict {
            Verdict::Pass(_) => eprintln!("interop: {id}: PASS ({secs:.1} s)"),
            Verdict::Fail(e) => eprintln!("interop: {id}: FAIL ({secs:.1} s): {e}"),
            Verdict::Skip(_) => {}
        }
        self.rows.push(Row {
            id,
            via,
            what,
            verdict,
            secs,
        });
    }

    /// Records a row that could not run.
    pub(crate) fn skip(
        &mut self,
        id: &'static str,
        via: &'static str,
        what: &'static str,
        why: &str,
    ) {
        if !self.wants(id) {
            return;
        }
        self.rows.push(Row {
            id,
            via,
            what,
            verdict: Verdict::Skip(why.to_owned()),
            secs: 0.0,
        });
    }

    /// Records a row that could not run and must count as failed (CI).
    pub(crate) fn fail(
        &mut self,
        id: &'static str,
        via: &'static str,
        what: &'static str,
        why: &str,
    ) {
        if !self.wants(id) {
            return;
        }
        self.rows.push(Row {
            id,
            via,
            what,
            verdict: Verdict::Fail(why.to_owned()),
            secs: 0.0,
        });
    }
}

#[derive(Debug, Default)]
struct Options {
    realop: Option<PathBuf>,
    work: Option<PathBuf>,
    cli: Option<PathBuf>,
    only: Option<Vec<String>>,
    port: Option<u16>,
}

fn parse_options(args: &[String]) -> Result<Options, String> {
    let mut o = Options::default();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{a} needs a value"))
        };
        match a.as_str() {
            "--realop" => o.realop = Some(PathBuf::from(value()?)),
            "--work" => o.work = Some(PathBuf::from(value()?)),
            "--cli" => o.cli = Some(PathBuf::from(value()?)),
            "--only" => o.only = Some(value()?.split(',').map(str::to_owned).collect()),
            "--port" => o.port = Some(value()?.parse().map_err(|_| "--port N".to_owned())?),
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(o)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("agent") {
        return agent_command(&args[1..]);
    }
    let options = match parse_options(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("oidc-interop: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("oidc-interop: runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(options)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("oidc-interop: {e}");
            println!("0 passed, 1 failed");
            ExitCode::FAILURE
        }
    }
}

async fn run(o: Options) -> Result<bool, String> {
    let started = Instant::now();
    let realop = o.realop.ok_or("--realop DIR (shared/realop) is required")?;
    if !realop.join("start.sh").is_file() {
        return Err(format!("{} has no start.sh", realop.display()));
    }
    let work = o.work.unwrap_or_else(|| PathBuf::from("target/interop"));
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let work = std::fs::canonicalize(&work).map_err(|e| e.to_string())?;
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    if proc::which("node").is_none() || proc::which("npm").is_none() {
        return Err(
            "node and npm are required to run the real provider (apt-get install -y nodejs npm)"
                .to_owned(),
        );
    }
    let port = match o.port {
        Some(p) => p,
        None => proc::free_port()?,
    };
    for f in ["success.png", "failure.png", "report.md"] {
        let _ = std::fs::remove_file(work.join(f));
    }

    eprintln!(
        "interop: starting oidc-provider on 127.0.0.1:{port} (work folder {})",
        work.display()
    );
    let mut op = proc::start_realop(&realop, &work.join("realop"), port, &[])?;
    let (chromium, chromium_missing) = match Chromium::prepare(&work.join("browser"), op.issuer()) {
        Ok(c) => (Some(c), None),
        Err(e) => {
            eprintln!("interop: no real browser: {e}");
            (None, Some(e))
        }
    };
    if ci && let Some(e) = &chromium_missing {
        eprintln!(
            "interop: CI is set and the real browser is missing: the browser rows FAIL ({e})"
        );
    }
    let cli = o.cli.filter(|p| {
        let ok = p.is_file();
        if !ok {
            eprintln!(
                "interop: the oidc-desktop binary {} is missing",
                p.display()
            );
        }
        ok
    });
    let env = Env {
        issuer: op.issuer().to_owned(),
        work: work.clone(),
        chromium,
        chromium_missing,
        cli,
        self_exe: std::env::current_exe().map_err(|e| e.to_string())?,
    };
    let mut m = Matrix {
        only: o.only,
        ..Matrix::default()
    };
    facade::rows(&env, &mut m, ci).await;
    dpop::rows(&env, &mut m, &realop).await;
    cli::rows(&env, &mut m, ci).await;
    let op_version = proc::realop_version(&op);
    let log = op.log_path();
    eprintln!("interop: {}", op.stop());

    let passed = m
        .rows
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Pass(_)))
        .count();
    let failed = m
        .rows
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Fail(_)))
        .count();
    let skipped = m.rows.len() - passed - failed;
    let table = render(&m.rows);
    let mut head = format!(
        "# oidc-desktop interop report\n\nProvider: panva oidc-provider {op_version} (shared/realop, OP_INTERACTIONS=dev, other knobs at their defaults) at {}; its log: `{}`.\n",
        env.issuer,
        log.display()
    );
    match &env.chromium {
        Some(c) => head.push_str(&format!(
            "Browser: {} driven by playwright-core (browser.mjs).\n",
            c.version
        )),
        None => head.push_str(&format!(
            "Browser: none ({}).\n",
            env.chromium_missing.as_deref().unwrap_or("?")
        )),
    }
    head.push_str(&format!(
        "CLI: {}.\n\n",
        env.cli
            .as_ref()
            .map_or("not available".to_owned(), |p| p.display().to_string())
    ));
    let mut closing = String::new();
    if skipped > 0 {
        closing.push_str(&format!("{skipped} rows skipped (see the table)\n"));
    }
    closing.push_str(&format!(
        "wall time {:.1} s\n\n{passed} passed, {failed} failed\n",
        started.elapsed().as_secs_f64()
    ));
    let report = format!("{head}{table}\n{closing}");
    std::fs::write(work.join("report.md"), &report).map_err(|e| format!("report.md: {e}"))?;
    println!("\n{table}");
    print!("{closing}");
    Ok(failed == 0 && passed > 0)
}

fn render(rows: &[Row]) -> String {
    oidc_testkit::table::markdown(
        &["#", "row", "via", "result", "time", "detail"],
        rows.iter().enumerate().map(|(i, r)| {
            let (v, d) = match &r.verdict {
                Verdict::Pass(d) => ("PASS", d.as_str()),
                Verdict::Fail(d) => ("FAIL", d.as_str()),
                Verdict::Skip(d) => ("SKIP", d.as_str()),
            };
            [
                (i + 1).to_string(),
                r.id.to_owned(),
                r.via.to_owned(),
                v.to_owned(),
                format!("{:.1} s", r.secs),
                format!("{}: {d}", r.what),
            ]
        }),
    )
}

/// `oidc-interop agent …`: the scripted user as a browser command (for the CLI rows).
fn agent_command(args: &[String]) -> ExitCode {
    let mut op = None;
    let mut login = "alice".to_owned();
    let mut mode = agent::Mode::Approve;
    let mut log: Option<PathBuf> = None;
    let mut url = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--op" => op = it.next().cloned(),
            // oidc-desktop splits a browser command on ':' ($BROWSER's list separator), so
            // the command line carries the provider's port, not its URL.
            "--op-port" => op = it.next().map(|p| format!("http://127.0.0.1:{p}")),
            "--login" => login = it.next().cloned().unwrap_or_default(),
            "--deny" => mode = agent::Mode::Deny,
            "--log" => log = it.next().map(PathBuf::from),
            u => url = Some(u.to_owned()),
        }
    }
    let (Some(op), Some(url)) = (op, url) else {
        eprintln!(
            "usage: oidc-interop agent --op-port PORT [--deny] [--login NAME] [--log FILE] URL"
        );
        return ExitCode::from(2);
    };
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return ExitCode::FAILURE;
    };
    let outcome = rt.block_on(async {
        let a = agent::Agent::new(&op, &login, mode)?;
        tokio::time::timeout(Duration::from_secs(60), a.navigate(&url))
            .await
            .map_err(|_| "agent timed out".to_owned())
    });
    let (text, code) = match &outcome {
        Ok(o) => (
            format!(
                "{}\nfinal {} {}\n{}\n",
                o.trace.join("\n"),
                o.status.unwrap_or_default(),
                o.url,
                o.error.clone().unwrap_or_default()
            ),
            ExitCode::SUCCESS,
        ),
        Err(e) => (e.clone(), ExitCode::FAILURE),
    };
    if let Some(l) = log {
        let _ = std::fs::write(l, text);
    }
    code
}

/// `path` for a browser command template, quoted.
pub(crate) fn quoted(path: &Path) -> String {
    format!("'{}'", path.display())
}
