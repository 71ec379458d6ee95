//! Opening the authorization URL: the system browser, `$BROWSER`, or a command template.

use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How long a launched browser command is watched for an early failure: a command that
/// exits unsuccessfully within this window is reported at once (a real browser, or a
/// launcher such as `xdg-open`, either keeps running or exits successfully).
pub const EARLY_EXIT_WINDOW: Duration = Duration::from_secs(10);

/// Why a browser could not be launched.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LaunchError {
    /// The command template is empty or has an unterminated quote.
    #[error("the browser command `{0}` cannot be parsed")]
    BadTemplate(String),
    /// The program could not be started.
    #[error("could not start `{program}`: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// No system browser could be opened (no desktop session, no `xdg-open`, …).
    #[error("no system browser could be opened: {0}")]
    NoBrowser(#[source] std::io::Error),
    /// The browser command started but exited unsuccessfully within
    /// [`EARLY_EXIT_WINDOW`]: the page was most likely not opened.
    #[error("the browser command `{program}` exited with {status}")]
    Exited {
        /// The program.
        program: String,
        /// How it ended.
        status: ExitStatus,
    },
}

/// The early fate of a launched browser: resolves with [`LaunchError::Exited`] when the
/// command fails within [`EARLY_EXIT_WINDOW`], never otherwise.
#[derive(Debug)]
pub struct LaunchWatch {
    failed: Option<tokio::sync::oneshot::Receiver<LaunchError>>,
}

impl LaunchWatch {
    /// A launch nothing is known about after it started (the system browser, an agent).
    pub fn unwatched() -> Self {
        Self { failed: None }
    }

    /// Waits for the launched command to fail; pending forever when it does not.
    pub async fn failure(&mut self) -> LaunchError {
        if let Some(rx) = &mut self.failed
            && let Ok(e) = rx.await
        {
            self.failed = None;
            return e;
        }
        self.failed = None;
        std::future::pending().await
    }
}

/// Opens a URL for the user. Implement it to drive a scripted agent, an embedded web view,
/// or anything else.
pub trait BrowserLauncher: Send + Sync {
    /// Opens `url` with `command` (as the `on_launch_browser` event left it: a template with
    /// `{url}`, or `system`). Returns once the browser was started, not when it closes.
    fn launch(&self, url: &str, command: &str) -> Result<(), LaunchError>;

    /// The command shown to `on_launch_browser` before launching.
    fn default_command(&self) -> String {
        "system".to_owned()
    }

    /// Like [`Self::launch`], and also reports a command that fails soon after it started.
    /// The default knows nothing after the start ([`LaunchWatch::unwatched`]).
    fn launch_watched(&self, url: &str, command: &str) -> Result<LaunchWatch, LaunchError> {
        self.launch(url, command).map(|()| LaunchWatch::unwatched())
    }
}

/// The default launcher: `$BROWSER` when set, otherwise the system browser through the
/// `open` crate; a command template when one is configured.
#[derive(Debug, Clone, Default)]
pub struct SystemBrowser {
    template: Option<String>,
}

impl SystemBrowser {
    /// The system browser (or `$BROWSER`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Always run this command template (`{url}` is replaced; without `{url}` the URL is
    /// appended). It runs without a shell; the program inherits the environment; its output
    /// never reaches our stdout.
    pub fn command(template: impl Into<String>) -> Self {
        Self {
            template: Some(template.into()),
        }
    }
}

impl BrowserLauncher for SystemBrowser {
    fn default_command(&self) -> String {
        if let Some(t) = &self.template {
            return t.clone();
        }
        match std::env::var("BROWSER") {
            Ok(b) if !b.trim().is_empty() => b,
            _ => "system".to_owned(),
        }
    }

    fn launch(&self, url: &str, command: &str) -> Result<(), LaunchError> {
        self.launch_watched(url, command).map(drop)
    }

    fn launch_watched(&self, url: &str, command: &str) -> Result<LaunchWatch, LaunchError> {
        if command == "system" {
            return open::that_detached(url)
                .map(|()| LaunchWatch::unwatched())
                .map_err(LaunchError::NoBrowser);
        }
        // Only `$BROWSER` is a ':'-separated list of commands (the first that starts wins);
        // an explicit template is one command, whatever colons its arguments contain
        // (`--op http://…`, `C:\…`).
        let from_env =
            self.template.is_none() && std::env::var("BROWSER").is_ok_and(|b| b == command);
        if !from_env {
            return spawn_template(command, url);
        }
        let mut last = None;
        for one in command.split(':').filter(|c| !c.trim().is_empty()) {
            match spawn_template(one, url) {
                Ok(watch) => return Ok(watch),
                Err(e @ LaunchError::BadTemplate(_)) => return Err(e),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| LaunchError::BadTemplate(command.to_owned())))
    }
}

/// Runs one command template without a shell.
pub fn run_template(template: &str, url: &str) -> Result<(), LaunchError> {
    spawn_template(template, url).map(drop)
}

/// Runs one command template without a shell and watches it for an early failure.
fn spawn_template(template: &str, url: &str) -> Result<LaunchWatch, LaunchError> {
    let mut argv =
        split_command(template).ok_or_else(|| LaunchError::BadTemplate(template.to_owned()))?;
    if argv.is_empty() {
        return Err(LaunchError::BadTemplate(template.to_owned()));
    }
    let had_placeholder = argv.iter().any(|a| a.contains("{url}") || a == "%s");
    for a in &mut argv {
        *a = a.replace("{url}", url);
        if a == "%s" {
            *a = url.to_owned();
        }
    }
    if !had_placeholder {
        argv.push(url.to_owned());
    }
    let program = argv.remove(0);
    let mut child = Command::new(&program)
        .args(&argv)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|source| LaunchError::Spawn {
            program: program.clone(),
            source,
        })?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    // Watch the child for its first seconds, then reap it whenever it exits so it never
    // lingers as a zombie.
    std::thread::spawn(move || {
        let until = Instant::now() + EARLY_EXIT_WINDOW;
        while Instant::now() < until {
            match child.try_wait() {
                Ok(Some(status)) => {
                    if !status.success() {
                        let _ = tx.send(LaunchError::Exited { program, status });
                    }
                    return;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(50)),
                Err(_) => break,
            }
        }
        let _ = child.wait();
    });
    Ok(LaunchWatch { failed: Some(rx) })
}

/// Splits a command line into words: whitespace separates, single and double quotes group,
/// backslash escapes the next character outside single quotes. `None` on an unterminated quote.
pub fn split_command(s: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        ch => cur.push(ch),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => cur.push(chars.next()?),
                        ch => cur.push(ch),
                    }
                }
            }
            '\\' => {
                in_word = true;
                cur.push(chars.next()?);
            }
            c if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitting() {
        assert_eq!(split_command("a b  c").unwrap(), ["a", "b", "c"]);
        assert_eq!(
            split_command(r#"python3 "my agent.py" {url}"#).unwrap(),
            ["python3", "my agent.py", "{url}"]
        );
        assert_eq!(split_command(r"a\ b 'c d' e").unwrap(), ["a b", "c d", "e"]);
        assert_eq!(split_command("''").unwrap(), [""]);
        assert!(split_command("'open").is_none());
        assert!(split_command("\"open").is_none());
        assert!(split_command("").unwrap().is_empty());
    }

    #[test]
    fn template_runs_without_a_shell() {
        let dir = std::env::temp_dir().join(format!("oidc-desktop-launch-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let out = dir.join("url.txt");
        // `sh -c` is what the template itself asks for; the URL arrives as one argument,
        // so `;` and `&` in it are not interpreted.
        let template = format!("sh -c 'printf %s \"$1\" > {}' sh {{url}}", out.display());
        let url = "http://127.0.0.1:1/cb?a=1&b=2;echo pwned";
        run_template(&template, url).unwrap();
        let mut got = String::new();
        for _ in 0..100 {
            got = std::fs::read_to_string(&out).unwrap_or_default();
            if !got.is_empty() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(got, url);
        assert!(matches!(
            run_template("", url),
            Err(LaunchError::BadTemplate(_))
        ));
        assert!(matches!(
            run_template("/nonexistent/browser {url}", url),
            Err(LaunchError::Spawn { .. })
        ));
    }

    #[tokio::test]
    async fn a_command_that_fails_at_once_is_reported_and_one_that_succeeds_is_not() {
        let browser = SystemBrowser::command("false {url}");
        let mut watch = browser
            .launch_watched("http://127.0.0.1:1/", "false {url}")
            .unwrap();
        let e = tokio::time::timeout(Duration::from_secs(5), watch.failure())
            .await
            .expect("the failure is reported within seconds");
        assert!(
            matches!(&e, LaunchError::Exited { program, status } if program == "false" && !status.success()),
            "{e:?}"
        );
        assert!(e.to_string().contains("`false` exited with"), "{e}");

        let mut watch = browser
            .launch_watched("http://127.0.0.1:1/", "true {url}")
            .unwrap();
        assert!(
            tokio::time::timeout(Duration::from_secs(1), watch.failure())
                .await
                .is_err(),
            "a successful exit is no failure"
        );
        // A command still running when the window ends is no failure either.
        let mut watch = browser
            .launch_watched("http://127.0.0.1:1/", "sh -c 'sleep 2' sh {url}")
            .unwrap();
        assert!(
            tokio::time::timeout(Duration::from_millis(1500), watch.failure())
                .await
                .is_err()
        );
    }
}
