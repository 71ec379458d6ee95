//! Secrets given on the command line: `-` reads the value from standard input, and a value
//! typed as an argument earns a warning, since arguments are visible to every local user
//! (`ps`, `/proc/<pid>/cmdline`) and stay in the shell's history (docs/CLI.md, "Secrets").

use std::io::Read as _;

use clap::ArgMatches;
use clap::parser::ValueSource;

use crate::cli::{Cli, Command};
use crate::output::CliError;

/// Where a secret option's value lives.
enum Slot<'a> {
    /// An optional option.
    Opt(&'a mut Option<String>),
    /// A required one.
    Req(&'a mut String),
}

impl Slot<'_> {
    fn get(&self) -> Option<&str> {
        match self {
            Slot::Opt(v) => v.as_deref(),
            Slot::Req(v) => Some(v.as_str()),
        }
    }

    fn set(&mut self, value: String) {
        match self {
            Slot::Opt(v) => **v = Some(value),
            Slot::Req(v) => **v = value,
        }
    }
}

impl<'a> From<&'a mut Option<String>> for Slot<'a> {
    fn from(v: &'a mut Option<String>) -> Self {
        Slot::Opt(v)
    }
}

impl<'a> From<&'a mut String> for Slot<'a> {
    fn from(v: &'a mut String) -> Self {
        Slot::Req(v)
    }
}

/// One secret-bearing option of a command: its clap id, its flag, where else it may come
/// from, and the value slot.
struct Secret<'a> {
    id: &'static str,
    flag: &'static str,
    instead: &'static str,
    value: Slot<'a>,
}

/// A `--proxy` URL with credentials is a secret too.
fn proxy_has_credentials(url: &str) -> bool {
    oidc_desktop::core::url::Url::parse(url)
        .is_ok_and(|u| !u.username().is_empty() || u.password().is_some())
}

/// The secret-bearing options every command with a provider has.
fn provider_secrets(p: &mut crate::cli::ProviderArgs) -> Vec<Secret<'_>> {
    let mut v = vec![Secret {
        id: "client_secret",
        flag: "--client-secret",
        instead: "OIDC_CLIENT_SECRET, or `--client-secret -` to read it from standard input",
        value: (&mut p.client_secret).into(),
    }];
    if p.proxy
        .as_deref()
        .is_some_and(|u| u == "-" || proxy_has_credentials(u))
    {
        v.push(Secret {
            id: "proxy",
            flag: "--proxy (with user:password)",
            instead: "OIDC_DESKTOP_PROXY, or `--proxy -` to read it from standard input",
            value: (&mut p.proxy).into(),
        });
    }
    v
}

/// The secret-bearing options of `login` (and `token`, which takes the same).
fn login_secrets(a: &mut crate::cli::LoginArgs) -> Vec<Secret<'_>> {
    let mut v = provider_secrets(&mut a.provider);
    v.push(Secret {
        id: "id_token_hint",
        flag: "--id-token-hint",
        instead: "`--id-token-hint -` to read it from standard input",
        value: (&mut a.id_token_hint).into(),
    });
    v
}

/// The secret-bearing options of `command`.
fn secrets_of(command: &mut Command) -> Vec<Secret<'_>> {
    match command {
        Command::Token(t) => login_secrets(&mut t.login),
        Command::Login(a) => login_secrets(a),
        Command::Refresh(a) => {
            let mut v = provider_secrets(&mut a.provider);
            v.push(Secret {
                id: "refresh_token",
                flag: "--refresh-token",
                instead: "OIDC_REFRESH_TOKEN, or `--refresh-token -` to read it from standard input",
                value: (&mut a.refresh_token).into(),
            });
            v.push(Secret {
                id: "id_token",
                flag: "--id-token",
                instead: "`--id-token -` to read it from standard input",
                value: (&mut a.id_token).into(),
            });
            v
        }
        Command::Device(a) => provider_secrets(&mut a.provider),
        Command::Discover(a) => provider_secrets(&mut a.provider),
        Command::Validate(a) => {
            let mut v = provider_secrets(&mut a.provider);
            v.push(Secret {
                id: "id_token",
                flag: "--id-token",
                instead: "OIDC_ID_TOKEN, or `--id-token -` to read it from standard input",
                value: (&mut a.id_token).into(),
            });
            v
        }
        Command::Userinfo(a) => {
            let mut v = provider_secrets(&mut a.provider);
            v.push(Secret {
                id: "access_token",
                flag: "--access-token",
                instead: "OIDC_ACCESS_TOKEN, or `--access-token -` to read it from standard input",
                value: (&mut a.access_token).into(),
            });
            v.push(Secret {
                id: "id_token",
                flag: "--id-token",
                instead: "`--id-token -` to read it from standard input",
                value: (&mut a.id_token).into(),
            });
            v
        }
        Command::Logout(a) => {
            let mut v = provider_secrets(&mut a.provider);
            v.push(Secret {
                id: "id_token",
                flag: "--id-token",
                instead: "`--id-token -` to read it from standard input",
                value: (&mut a.id_token).into(),
            });
            v
        }
        Command::Revoke(a) => {
            let mut v = provider_secrets(&mut a.provider);
            v.push(Secret {
                id: "token",
                flag: "--token",
                instead: "OIDC_TOKEN, or `--token -` to read it from standard input",
                value: (&mut a.token).into(),
            });
            v
        }
        #[cfg(feature = "demo")]
        Command::Demo(_) => Vec::new(),
        Command::Agent(_)
        | Command::Profiles
        | Command::Status(_)
        | Command::Completions(_)
        | Command::Man => Vec::new(),
    }
}

/// Reads standard input to its end: the secret, without its trailing line break.
fn read_stdin(flag: &str) -> Result<String, CliError> {
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .map_err(|e| CliError::usage(format!("{flag} -: cannot read standard input: {e}")))?;
    let value = s.trim_end_matches(['\n', '\r']).to_owned();
    if value.is_empty() {
        return Err(CliError::usage(format!(
            "{flag} -: standard input is empty"
        )));
    }
    Ok(value)
}

/// Replaces `-` values by standard input (one option at most may use it) and warns, on
/// stderr, about each secret typed as an argument.
pub(crate) fn resolve(
    cli: &mut Cli,
    matches: &ArgMatches,
    from_profile: &[String],
) -> Result<(), CliError> {
    let Some((_, sub)) = matches.subcommand() else {
        return Ok(());
    };
    let mut from_stdin: Option<&'static str> = None;
    for mut s in secrets_of(&mut cli.command) {
        let Some(value) = s.value.get() else {
            continue;
        };
        if value == "-" {
            if let Some(first) = from_stdin {
                return Err(CliError::usage(format!(
                    "{first} and {} both read standard input; only one secret can come from there",
                    s.flag
                )));
            }
            from_stdin = Some(s.flag);
            s.value.set(read_stdin(s.flag)?);
        } else if sub.value_source(s.id) == Some(ValueSource::CommandLine)
            && !from_profile.iter().any(|id| id == s.id)
        {
            eprintln!(
                "warning: {} on the command line is visible to other local users (ps, /proc) and is kept in the shell's history; use {} instead",
                s.flag, s.instead
            );
        }
    }
    Ok(())
}
