//! The real browser: headless Chromium driven by `browser.mjs` (playwright-core, installed
//! from npm into the work folder at run time), launched as the facade's or the CLI's
//! browser command.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::proc;

/// The pinned driver version (it drives the system's Chromium over CDP; it downloads no
/// browser of its own).
const PLAYWRIGHT_CORE: &str = "1.65.1";
const SCRIPT: &str = include_str!("browser.mjs");

/// A ready-to-launch real browser.
#[derive(Debug, Clone)]
pub(crate) struct Chromium {
    node: PathBuf,
    script: PathBuf,
    /// The Chromium binary.
    pub(crate) exe: PathBuf,
    /// `chromium --version`.
    pub(crate) version: String,
    op: String,
}

/// What `browser.mjs` reported.
#[derive(Debug, Clone, Default)]
pub(crate) struct BrowserReport {
    /// Landed on the application's loopback page.
    pub(crate) ok: bool,
    /// Its title.
    pub(crate) title: String,
    /// Its visible text (`document.body.innerText`).
    pub(crate) text: String,
    /// What the script did.
    pub(crate) steps: Vec<String>,
    /// Navigations to the application's loopback listener, as `METHOD url`.
    pub(crate) app_requests: Vec<String>,
    /// Non-loopback origins the pages asked for (all aborted).
    pub(crate) blocked: Vec<String>,
    /// Why it failed.
    pub(crate) error: Option<String>,
}

impl Chromium {
    /// Finds Chromium (`oidc_testkit::chromium::find`: `$CHROMIUM`, else the usual places)
    /// and Node, installs playwright-core into `dir`, writes the script.
    pub(crate) fn prepare(dir: &Path, op: &str) -> Result<Self, String> {
        let exe = oidc_testkit::chromium::find().map_err(|e| e.to_string())?;
        let node = proc::which("node").ok_or("node not found")?;
        let npm = proc::which("npm").ok_or("npm not found")?;
        let mut v = Command::new(&exe);
        v.arg("--version");
        let version = proc::run(v, Duration::from_secs(20))
            .map(|o| o.stdout.trim().to_owned())
            .unwrap_or_default();
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let installed =
            std::fs::read_to_string(dir.join("node_modules/playwright-core/package.json"))
                .ok()
                .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
                .and_then(|v| v["version"].as_str().map(str::to_owned));
        if installed.as_deref() != Some(PLAYWRIGHT_CORE) {
            let pkg = format!(
                "{{\n  \"name\": \"oidc-interop-browser\",\n  \"private\": true,\n  \"type\": \"module\",\n  \"dependencies\": {{ \"playwright-core\": \"{PLAYWRIGHT_CORE}\" }}\n}}\n"
            );
            std::fs::write(dir.join("package.json"), pkg).map_err(|e| e.to_string())?;
            eprintln!(
                "interop: npm install playwright-core@{PLAYWRIGHT_CORE} in {}",
                dir.display()
            );
            let mut cmd = Command::new(npm);
            cmd.current_dir(dir)
                .args(["install", "--no-audit", "--no-fund", "--loglevel=error"])
                .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
            let out = proc::run(cmd, Duration::from_secs(300))?;
            if out.status != Some(0) {
                return Err(format!(
                    "npm install playwright-core failed: {}",
                    out.stderr.trim()
                ));
            }
        }
        let script = dir.join("browser.mjs");
        std::fs::write(&script, SCRIPT).map_err(|e| format!("{}: {e}", script.display()))?;
        Ok(Self {
            node,
            script,
            exe,
            version,
            op: op.to_owned(),
        })
    }

    /// The browser command template (`{url}` is replaced by the launcher) for one run.
    pub(crate) fn command(&self, result: &Path, screenshot: Option<&Path>, action: &str) -> String {
        let q = |p: &Path| format!("'{}'", p.display());
        let mut c = format!(
            "{} {} --op-port {} --chromium {} --action {action} --login alice --timeout-ms 45000 --result {}",
            q(&self.node),
            q(&self.script),
            self.op.rsplit(':').next().unwrap_or_default(),
            q(&self.exe),
            q(result)
        );
        if let Some(s) = screenshot {
            c.push_str(&format!(" --screenshot {}", q(s)));
        }
        c.push_str(" {url}");
        c
    }
}

/// Waits (bounded) for the script's result file and reads it.
pub(crate) async fn wait_report(result: &Path, limit: Duration) -> Result<BrowserReport, String> {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if let Ok(s) = std::fs::read_to_string(result)
            && let Ok(v) = serde_json::from_str::<serde_json::Value>(&s)
        {
            let strings = |k: &str| -> Vec<String> {
                v[k].as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|x| x.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let text = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
            return Ok(BrowserReport {
                ok: v["ok"].as_bool().unwrap_or(false),
                title: text("title"),
                text: text("text"),
                steps: strings("steps"),
                app_requests: strings("app_requests"),
                blocked: strings("blocked"),
                error: v["error"].as_str().map(str::to_owned),
            });
        }
        if tokio::time::Instant::now() > deadline {
            return Err(format!(
                "the browser script wrote no result to {} within {limit:?}",
                result.display()
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
