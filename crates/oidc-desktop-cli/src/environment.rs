//! Where the tool runs, as far as opening a browser goes: a desktop, WSL, a remote session
//! (SSH, a container without a display). Pure functions over an environment lookup, so
//! the rules are unit-tested without changing the test process's environment.

use std::ffi::OsString;

/// How the browser can be reached from here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BrowserReach {
    /// A local desktop: open the system browser (or `$BROWSER`).
    Local,
    /// Windows Subsystem for Linux: open the Windows browser with this command template.
    Wsl(String),
    /// No browser can be opened here (the reason, for the user): print the URL, take the
    /// address back by pasting.
    Remote(&'static str),
}

fn set(env: &dyn Fn(&str) -> Option<OsString>, name: &str) -> bool {
    env(name).is_some_and(|v| !v.is_empty())
}

/// Whether this is WSL: `WSL_DISTRO_NAME` / `WSL_INTEROP`, or a kernel release naming
/// Microsoft (`/proc/sys/kernel/osrelease`).
pub(crate) fn is_wsl(env: &dyn Fn(&str) -> Option<OsString>, kernel_release: Option<&str>) -> bool {
    set(env, "WSL_DISTRO_NAME")
        || set(env, "WSL_INTEROP")
        || kernel_release.is_some_and(|r| r.to_ascii_lowercase().contains("microsoft"))
}

/// How to reach a browser, from the environment (`env`), the kernel release, and whether a
/// program is on `PATH` (`has_program`). `$BROWSER` always counts as a way to open one.
pub(crate) fn browser_reach(
    env: &dyn Fn(&str) -> Option<OsString>,
    kernel_release: Option<&str>,
    has_program: &dyn Fn(&str) -> bool,
) -> BrowserReach {
    if set(env, "BROWSER") {
        return BrowserReach::Local;
    }
    if cfg!(any(target_os = "macos", target_os = "windows")) {
        // A remote shell into a Mac or Windows machine has no browser of the user's either.
        return if set(env, "SSH_CONNECTION") || set(env, "SSH_TTY") {
            BrowserReach::Remote("this is an SSH session")
        } else {
            BrowserReach::Local
        };
    }
    if is_wsl(env, kernel_release) {
        let command = if has_program("wslview") {
            "wslview {url}"
        } else {
            // Hands the URL to Windows' default browser without cmd.exe parsing it
            // (`cmd /c start` would split it at `&`).
            "rundll32.exe url.dll,FileProtocolHandler {url}"
        };
        return BrowserReach::Wsl(command.to_owned());
    }
    if set(env, "SSH_CONNECTION") || set(env, "SSH_TTY") {
        return BrowserReach::Remote("this is an SSH session");
    }
    if !set(env, "DISPLAY") && !set(env, "WAYLAND_DISPLAY") {
        return BrowserReach::Remote(
            "there is no graphical display (DISPLAY and WAYLAND_DISPLAY are unset)",
        );
    }
    BrowserReach::Local
}

/// [`browser_reach`] for this process.
pub(crate) fn this_browser_reach() -> BrowserReach {
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").ok();
    browser_reach(&|name| std::env::var_os(name), kernel.as_deref(), &on_path)
}

/// Whether `program` is an executable file in a directory of `PATH`.
fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
}

#[cfg(all(test, not(any(target_os = "macos", target_os = "windows"))))]
mod tests {
    use super::*;

    fn env_of(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<OsString> {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn ssh_and_headless_sessions_are_remote() {
        let none = |_: &str| false;
        let ssh = env_of(&[
            ("SSH_CONNECTION", "10.0.0.2 5000 10.0.0.1 22"),
            ("DISPLAY", ":0"),
        ]);
        assert_eq!(
            browser_reach(&ssh, None, &none),
            BrowserReach::Remote("this is an SSH session")
        );
        let tty = env_of(&[("SSH_TTY", "/dev/pts/1")]);
        assert!(matches!(
            browser_reach(&tty, None, &none),
            BrowserReach::Remote(_)
        ));
        let headless = env_of(&[]);
        assert!(matches!(
            browser_reach(&headless, None, &none),
            BrowserReach::Remote(r) if r.contains("display")
        ));
        // $BROWSER names a way, whatever else is true
        let named = env_of(&[("SSH_TTY", "/dev/pts/1"), ("BROWSER", "w3m")]);
        assert_eq!(browser_reach(&named, None, &none), BrowserReach::Local);
        let desktop = env_of(&[("WAYLAND_DISPLAY", "wayland-0")]);
        assert_eq!(browser_reach(&desktop, None, &none), BrowserReach::Local);
        // an empty variable is an unset one
        let empty = env_of(&[("SSH_CONNECTION", ""), ("DISPLAY", ":1")]);
        assert_eq!(browser_reach(&empty, None, &none), BrowserReach::Local);
    }

    #[test]
    fn wsl_opens_the_windows_browser() {
        let none = |_: &str| false;
        let wslview = |p: &str| p == "wslview";
        let distro = env_of(&[("WSL_DISTRO_NAME", "Ubuntu")]);
        assert_eq!(
            browser_reach(&distro, None, &wslview),
            BrowserReach::Wsl("wslview {url}".into())
        );
        assert_eq!(
            browser_reach(&distro, None, &none),
            BrowserReach::Wsl("rundll32.exe url.dll,FileProtocolHandler {url}".into())
        );
        let plain = env_of(&[]);
        assert!(matches!(
            browser_reach(&plain, Some("5.15.153.1-microsoft-standard-WSL2"), &none),
            BrowserReach::Wsl(_)
        ));
        assert!(!is_wsl(&plain, Some("6.1.0-28-amd64")));
    }
}
