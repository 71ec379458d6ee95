//! Opening the authorization URL: the system browser, `$BROWSER`, or a command template.

use std::process::{Command, Stdio};

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
        if command == "system" {
            return open::that_detached(url).map_err(LaunchError::NoBrowser);
        }
        // Only `$BROWSER` is a ':'-separated list of commands (the first that starts wins);
        // an explicit template is one command, whatever colons its arguments contain
        // (`--op http://…`, `C:\…`).
        let from_env =
            self.template.is_none() && std::env::var("BROWSER").is_ok_and(|b| b == command);
        if !from_env {
            return run_template(command, url);
        }
        let mut last = None;
        for one in command.split(':').filter(|c| !c.trim().is_empty()) {
            match run_template(one, url) {
                Ok(()) => return Ok(()),
                Err(e @ LaunchError::BadTemplate(_)) => return Err(e),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| LaunchError::BadTemplate(command.to_owned())))
    }
}

/// Runs one command template without a shell.
pub fn run_template(template: &str, url: &str) -> Result<(), LaunchError> {
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
    // Reap the child when it exits so it never lingers as a zombie.
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(())
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
            std::thread::sleep(std::time::Duration::from_millis(20));
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
}
