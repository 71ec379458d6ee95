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
    /// The URL to open is not a web address a browser may be given: only `https`, and `http`
    /// on a loopback address, without whitespace, control characters or shell
    /// metacharacters.
    #[error("refusing to open `{url}` in a browser: {reason}")]
    UnsafeUrl {
        /// The URL (query dropped).
        url: String,
        /// Why.
        reason: &'static str,
    },
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

/// How the authorization URL is opened: what [`Events::on_launch_browser`] is shown and may
/// change before the launch.
///
/// [`Events::on_launch_browser`]: crate::Events::on_launch_browser
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum BrowserCommand {
    /// The system's default browser (`open`, `xdg-open`, `start`, `wslview`, …).
    #[default]
    System,
    /// A command template run without a shell: `{url}` (or `%s`) is replaced by the URL as a
    /// whole argument; without one the URL is appended. `$BROWSER` becomes one of these.
    Template(String),
    /// The launcher's own way, not a command (a scripted agent, an embedded web view); the
    /// text names it for logs and messages.
    Custom(String),
    /// Launch nothing: the application shows or opens the URL itself.
    Nothing,
}

impl std::fmt::Display for BrowserCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BrowserCommand::System => f.write_str("the system browser"),
            BrowserCommand::Template(t) => write!(f, "`{t}`"),
            BrowserCommand::Custom(name) => f.write_str(name),
            BrowserCommand::Nothing => f.write_str("nothing (the application opens the URL)"),
        }
    }
}

/// Opens a URL for the user. Implement it to drive a scripted agent, an embedded web view,
/// or anything else.
pub trait BrowserLauncher: Send + Sync {
    /// Opens `url` with `command` (as the `on_launch_browser` event left it; never
    /// [`BrowserCommand::Nothing`]). Returns once the browser was started, not when it
    /// closes.
    fn launch(&self, url: &str, command: &BrowserCommand) -> Result<(), LaunchError>;

    /// The command shown to `on_launch_browser` before launching.
    fn default_command(&self) -> BrowserCommand {
        BrowserCommand::System
    }

    /// Like [`Self::launch`], and also reports a command that fails soon after it started.
    /// The default knows nothing after the start ([`LaunchWatch::unwatched`]).
    fn launch_watched(
        &self,
        url: &str,
        command: &BrowserCommand,
    ) -> Result<LaunchWatch, LaunchError> {
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
    fn default_command(&self) -> BrowserCommand {
        if let Some(t) = &self.template {
            return BrowserCommand::Template(t.clone());
        }
        match std::env::var("BROWSER") {
            Ok(b) if !b.trim().is_empty() => BrowserCommand::Template(b),
            _ => BrowserCommand::System,
        }
    }

    fn launch(&self, url: &str, command: &BrowserCommand) -> Result<(), LaunchError> {
        self.launch_watched(url, command).map(drop)
    }

    fn launch_watched(
        &self,
        url: &str,
        command: &BrowserCommand,
    ) -> Result<LaunchWatch, LaunchError> {
        let command = match command {
            BrowserCommand::System => {
                return open::that_detached(url)
                    .map(|()| LaunchWatch::unwatched())
                    .map_err(LaunchError::NoBrowser);
            }
            BrowserCommand::Template(t) => t.as_str(),
            BrowserCommand::Custom(name) => {
                return Err(LaunchError::BadTemplate(format!(
                    "{name} (not a command the system browser launcher can run)"
                )));
            }
            BrowserCommand::Nothing => return Ok(LaunchWatch::unwatched()),
        };
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

/// Runs one command template without a shell and watches it for an early failure.
fn spawn_template(template: &str, url: &str) -> Result<LaunchWatch, LaunchError> {
    let mut argv =
        split_command(template).ok_or_else(|| LaunchError::BadTemplate(template.to_owned()))?;
    if argv.is_empty() {
        return Err(LaunchError::BadTemplate(template.to_owned()));
    }
    check_launch_url(url)?;
    // The URL only ever replaces a whole argument: inside a word (`sh -c '… {url} …'`) it
    // would be parsed again by whatever that word is given to.
    if argv.iter().any(|a| a.contains("{url}") && a != "{url}") {
        return Err(LaunchError::BadTemplate(format!(
            "{template} (`{{url}}` must be a whole argument)"
        )));
    }
    let mut had_placeholder = false;
    for a in &mut argv {
        if a == "{url}" || a == "%s" {
            *a = url.to_owned();
            had_placeholder = true;
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

/// Checks a URL before it is handed to a browser: `https`, or `http` on a loopback IP
/// address (the loopback redirect, a local provider); no whitespace, controls or shell
/// metacharacters.
pub(crate) fn check_launch_url(url: &str) -> Result<(), LaunchError> {
    let shown = url.split(['?', '#']).next().unwrap_or_default().to_owned();
    let refuse = |reason| LaunchError::UnsafeUrl {
        url: shown.clone(),
        reason,
    };
    if oidc_core::has_unsafe_url_chars(url) {
        return Err(refuse(
            "it contains whitespace, control characters or shell metacharacters",
        ));
    }
    let parsed = url::Url::parse(url).map_err(|_| refuse("it is not an absolute URL"))?;
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if oidc_core::is_loopback_ip_host(&parsed) => Ok(()),
        "http" => Err(refuse("http only on a loopback address (127.0.0.1, [::1])")),
        _ => Err(refuse(
            "only https (and http on a loopback address) is opened",
        )),
    }
}

/// Splits a command line into words: whitespace separates, single and double quotes group,
/// backslash escapes the next character outside single quotes. `None` on an unterminated quote.
pub(crate) fn split_command(s: &str) -> Option<Vec<String>> {
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

    /// Runs one command template without a shell.
    fn run_template(template: &str, url: &str) -> Result<(), LaunchError> {
        spawn_template(template, url).map(drop)
    }

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
        // so `&` in it is not interpreted.
        let template = format!("sh -c 'printf %s \"$1\" > {}' sh {{url}}", out.display());
        let url = "http://127.0.0.1:1/cb?a=1&b=2";
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

    #[test]
    fn the_url_replaces_only_whole_arguments_and_must_be_a_web_address() {
        let url = "https://op.example/authorize?state=s";
        // inside a word, `{url}` would be parsed again by whatever that word goes to
        for template in ["sh -c 'open {url}'", "browser --app={url}", "x{url}"] {
            assert!(
                matches!(run_template(template, url), Err(LaunchError::BadTemplate(t)) if t.contains("whole argument")),
                "{template}"
            );
        }
        for bad in [
            "http://op.example/authorize",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "https://op.example/a'$(touch /tmp/x)'",
            "https://op.example/a;b",
            "https://op.example/a b",
            "https://op.example/a\nb",
            "http://localhost:8080/cb",
            "not a url",
        ] {
            assert!(
                matches!(
                    run_template("true {url}", bad),
                    Err(LaunchError::UnsafeUrl { .. })
                ),
                "{bad}"
            );
        }
        for good in [
            "https://op.example/authorize?a=1&b=%20",
            "http://127.0.0.1:1234/callback?code=c&state=s",
            "http://[::1]:1234/callback",
        ] {
            check_launch_url(good).unwrap();
        }
    }

    #[tokio::test]
    async fn a_command_that_fails_at_once_is_reported_and_one_that_succeeds_is_not() {
        let browser = SystemBrowser::command("false {url}");
        let mut watch = browser
            .launch_watched(
                "http://127.0.0.1:1/",
                &BrowserCommand::Template("false {url}".into()),
            )
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
            .launch_watched(
                "http://127.0.0.1:1/",
                &BrowserCommand::Template("true {url}".into()),
            )
            .unwrap();
        assert!(
            tokio::time::timeout(Duration::from_secs(1), watch.failure())
                .await
                .is_err(),
            "a successful exit is no failure"
        );
        // A command still running when the window ends is no failure either.
        let mut watch = browser
            .launch_watched(
                "http://127.0.0.1:1/",
                &BrowserCommand::Template("sh -c 'sleep 2' sh {url}".into()),
            )
            .unwrap();
        assert!(
            tokio::time::timeout(Duration::from_millis(1500), watch.failure())
                .await
                .is_err()
        );
    }
}
