//! Profiles: named sets of options in a TOML file (`[profiles.NAME]`, keys are the long
//! option names with `_` for `-`), applied under the command line's own options and over
//! the environment's (docs/CLI.md, "Profiles").

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::ArgMatches;
use clap::parser::ValueSource;
use toml::{Spanned, Value};

use crate::output::CliError;

/// The config file as written.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    profiles: BTreeMap<String, BTreeMap<Spanned<String>, Value>>,
}

/// One option of a profile, with the line it stands on.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) key: String,
    pub(crate) line: usize,
    pub(crate) value: Value,
}

/// A loaded config file.
#[derive(Debug)]
pub(crate) struct ConfigFile {
    pub(crate) path: PathBuf,
    pub(crate) profiles: BTreeMap<String, Vec<Entry>>,
}

/// `$XDG_CONFIG_HOME/oidc-desktop/config.toml`, else `~/.config/oidc-desktop/config.toml`.
pub(crate) fn default_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".config"))
        })?;
    Some(base.join("oidc-desktop").join("config.toml"))
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).map_or(1, |before| {
        before.bytes().filter(|b| *b == b'\n').count() + 1
    })
}

impl ConfigFile {
    /// Reads and parses `path`; a syntax error or an unknown table names its line.
    pub(crate) fn load(path: &Path) -> Result<Self, CliError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            CliError::usage(format!(
                "cannot read the config file {}: {e}",
                path.display()
            ))
        })?;
        Self::parse(path, &text)
    }

    pub(crate) fn parse(path: &Path, text: &str) -> Result<Self, CliError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(0, |s| line_of(text, s.start));
            CliError::usage(format!(
                "{}:{line}: {}",
                path.display(),
                e.message().trim_end()
            ))
        })?;
        let profiles = raw
            .profiles
            .into_iter()
            .map(|(name, entries)| {
                let entries = entries
                    .into_iter()
                    .map(|(key, value)| Entry {
                        line: line_of(text, key.span().start),
                        key: key.into_inner(),
                        value,
                    })
                    .collect();
                (name, entries)
            })
            .collect();
        Ok(Self {
            path: path.to_owned(),
            profiles,
        })
    }

    /// The entries of profile `name`.
    pub(crate) fn profile(&self, name: &str) -> Result<&[Entry], CliError> {
        self.profiles.get(name).map(Vec::as_slice).ok_or_else(|| {
            let known: Vec<&str> = self.profiles.keys().map(String::as_str).collect();
            CliError::usage(format!(
                "no profile `{name}` in {} (profiles: {})",
                self.path.display(),
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            ))
        })
    }
}

/// The command-line words for one profile entry, for the option `flag`; `takes_value`
/// says whether the option takes a value (else it is a switch).
fn words(
    entry: &Entry,
    flag: &str,
    takes_value: bool,
    path: &Path,
) -> Result<Vec<String>, CliError> {
    let bad = |what: &str| {
        CliError::usage(format!(
            "{}:{}: `{}` {what}",
            path.display(),
            entry.line,
            entry.key
        ))
    };
    let scalar = |v: &Value| -> Result<String, CliError> {
        match v {
            Value::String(s) => Ok(s.clone()),
            Value::Integer(i) => Ok(i.to_string()),
            _ => Err(bad("takes a string or a number here")),
        }
    };
    match (&entry.value, takes_value) {
        (Value::Boolean(true), false) => Ok(vec![flag.to_owned()]),
        (Value::Boolean(false), false) => Ok(Vec::new()),
        (_, false) => Err(bad("is a switch: write `true` or `false`")),
        (Value::Array(items), true) => items
            .iter()
            .map(|v| scalar(v).map(|s| format!("{flag}={s}")))
            .collect(),
        (v, true) => Ok(vec![format!("{flag}={}", scalar(v)?)]),
    }
}

/// The words profile `entries` add to the command line of subcommand `sub` (whose
/// arguments `sub_matches` came from the user): every entry whose option the user did not
/// give. A key that is no option of any command is an error naming its line; one that
/// belongs to other commands only is skipped. Returns the words and the ids they set.
pub(crate) fn injected_args(
    entries: &[Entry],
    cli: &clap::Command,
    sub: &str,
    sub_matches: &ArgMatches,
    path: &Path,
) -> Result<(Vec<OsString>, Vec<String>), CliError> {
    let Some(command) = cli.find_subcommand(sub) else {
        return Ok((Vec::new(), Vec::new()));
    };
    let mut words_out = Vec::new();
    let mut ids = Vec::new();
    for entry in entries {
        let long = entry.key.replace('_', "-");
        let find = |c: &clap::Command| {
            c.get_arguments()
                .find(|a| a.get_long() == Some(long.as_str()))
                .cloned()
        };
        let Some(arg) = find(command) else {
            let elsewhere = cli.get_subcommands().any(|c| find(c).is_some())
                || cli
                    .get_arguments()
                    .any(|a| a.get_long() == Some(long.as_str()));
            if elsewhere {
                continue;
            }
            return Err(CliError::usage(format!(
                "{}:{}: unknown key `{}` in [profiles]: there is no --{long} option",
                path.display(),
                entry.line,
                entry.key
            )));
        };
        let id = arg.get_id().as_str().to_owned();
        if sub_matches.value_source(&id) == Some(ValueSource::CommandLine) {
            continue; // the command line wins
        }
        let takes_value = arg.get_action().takes_values();
        words_out.extend(
            words(entry, &format!("--{long}"), takes_value, path)?
                .into_iter()
                .map(OsString::from),
        );
        ids.push(id);
    }
    Ok((words_out, ids))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_their_lines_and_errors_name_them() {
        let text = "# mine\n[profiles.work]\nissuer = \"https://op.example\"\nredirect_port = [8000, 18000]\n\n[profiles.home]\nclient_id = \"c\"\n";
        let f = ConfigFile::parse(Path::new("c.toml"), text)
            .unwrap_or_else(|e| panic!("{}", e.message));
        let work = f
            .profile("work")
            .unwrap_or_else(|e| panic!("{}", e.message));
        let lines: Vec<(&str, usize)> = work.iter().map(|e| (e.key.as_str(), e.line)).collect();
        assert_eq!(lines, [("issuer", 3), ("redirect_port", 4)]);
        let e = f.profile("nope").unwrap_err();
        assert!(e.message.contains("home, work"), "{}", e.message);
        let e = ConfigFile::parse(Path::new("c.toml"), "[profiles.x]\nissuer = \n").unwrap_err();
        assert!(e.message.starts_with("c.toml:2:"), "{}", e.message);
        let e = ConfigFile::parse(Path::new("c.toml"), "\n[profile.x]\n").unwrap_err();
        assert!(
            e.message.starts_with("c.toml:2:") && e.message.contains("profile"),
            "{}",
            e.message
        );
    }

    #[test]
    fn values_become_command_line_words() {
        let entry = |key: &str, value: Value| Entry {
            key: key.into(),
            line: 7,
            value,
        };
        let p = Path::new("c.toml");
        assert_eq!(
            words(
                &entry("scope", Value::String("openid email".into())),
                "--scope",
                true,
                p
            )
            .unwrap_or_default(),
            ["--scope=openid email"]
        );
        assert_eq!(
            words(&entry("timeout", Value::Integer(30)), "--timeout", true, p).unwrap_or_default(),
            ["--timeout=30"]
        );
        assert_eq!(
            words(
                &entry(
                    "param",
                    Value::Array(vec![
                        Value::String("a=1".into()),
                        Value::String("b=2".into())
                    ])
                ),
                "--param",
                true,
                p
            )
            .unwrap_or_default(),
            ["--param=a=1", "--param=b=2"]
        );
        assert_eq!(
            words(
                &entry("userinfo", Value::Boolean(true)),
                "--userinfo",
                false,
                p
            )
            .unwrap_or_default(),
            ["--userinfo"]
        );
        assert!(
            words(
                &entry("userinfo", Value::Boolean(false)),
                "--userinfo",
                false,
                p
            )
            .unwrap_or_default()
            .is_empty()
        );
        let e = words(
            &entry("userinfo", Value::String("yes".into())),
            "--userinfo",
            false,
            p,
        )
        .unwrap_err();
        assert!(
            e.message.starts_with("c.toml:7: `userinfo`"),
            "{}",
            e.message
        );
        let e = words(&entry("scope", Value::Float(1.5)), "--scope", true, p).unwrap_err();
        assert!(e.message.contains("string or a number"), "{}", e.message);
    }
}
