//! The `oidc-desktop` command-line tool: sign in with any OpenID Connect provider from a
//! terminal or a script, the RFC 8252 way (system browser, loopback redirect on 127.0.0.1,
//! PKCE, fully validated ID token), on top of the [`oidc_desktop`] facade.
//!
//! The command line, its output formats, exit statuses and error codes are a contract,
//! documented in `docs/CLI.md`:
//!
//! - `--output json` (the default when stdout is not a terminal) prints exactly one JSON
//!   object on stdout: the session (`access_token`, `token_type`, `expires_at`,
//!   `refresh_token`, `id_token`, `scope`, `id_token_claims`, `userinfo`) or
//!   `{"error":{"code":…,"kind":…,"message":…}}`;
//! - `--output text` (the default on a terminal) prints a summary, tokens masked unless
//!   `--show-secrets`;
//! - `--output exec-credential` prints a kubectl `ExecCredential` carrying the ID token.
//!
//! Exit status: 0 success, 1 the operation failed or was refused, 2 usage error,
//! 130 cancelled with Ctrl-C.
//!
//! The binary is a one-line `main` calling [`main_entry`].

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line tool: stdout carries the result, stderr the progress"
)]

mod agent;
mod cache;
mod cli;
mod commands;
#[cfg(feature = "demo")]
mod demo;
mod environment;
mod events;
mod logging;
mod output;
mod params;
mod profiles;
mod secrets;

use std::ffi::OsString;
use std::io::IsTerminal as _;
use std::process::ExitCode;

use clap::{CommandFactory as _, FromArgMatches as _};

use crate::cli::{Cli, OutputFormat};
use crate::output::CliError;

/// Runs the tool with the process's arguments and returns its exit status.
pub fn main_entry() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let hinted = output_hint(&args);
    let matches = match Cli::command().try_get_matches_from(&args) {
        Ok(m) => m,
        Err(e) => return usage_exit(&e, hinted),
    };
    // A profile adds its options to the command line, under the user's own.
    let (matches, from_profile) = match with_profile(&args, matches) {
        Ok(Ok(m)) => m,
        Ok(Err(e)) => return usage_exit(&e, hinted),
        Err(err) => {
            output::print_error(&err, hinted);
            return ExitCode::from(err.exit);
        }
    };
    let mut cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => return usage_exit(&e, hinted),
    };
    // `token` prints the token alone; everything else (errors included) goes to stderr.
    let format = if matches!(
        cli.command,
        cli::Command::Token(_) | cli::Command::Completions(_) | cli::Command::Man
    ) {
        OutputFormat::Text
    } else {
        cli.global.output.unwrap_or_else(default_format)
    };
    if let Err(err) = secrets::resolve(&mut cli, &matches, &from_profile) {
        output::print_error(&err, format);
        return ExitCode::from(err.exit);
    }
    logging::init(cli.global.verbose);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let err = CliError::other("runtime", format!("cannot start the async runtime: {e}"));
            output::print_error(&err, format);
            return ExitCode::from(err.exit);
        }
    };
    let ctx = commands::Ctx {
        format,
        show_secrets: cli.global.show_secrets,
        config: cli.global.config.clone(),
    };
    let result = runtime.block_on(commands::run(cli.command, &ctx));
    cache::warn_if_fell_back();
    let code = match result {
        Ok(outcome) => match output::print_outcome(&outcome, &ctx) {
            Ok(()) => 0,
            Err(err) => {
                output::print_error(&err, format);
                err.exit
            }
        },
        Err(err) => {
            output::print_error(&err, format);
            err.exit
        }
    };
    // Do not wait for tasks the runtime may still hold (a browser child's reaper, a
    // keep-alive connection): the result is out.
    runtime.shutdown_background();
    ExitCode::from(code)
}

/// The command line with the selected profile's options added (and the ids they set), or
/// the user's own when no profile is selected.
#[allow(
    clippy::type_complexity,
    reason = "two error layers: the profile's (ours) and clap's re-parse"
)]
fn with_profile(
    args: &[OsString],
    matches: clap::ArgMatches,
) -> Result<Result<(clap::ArgMatches, Vec<String>), clap::Error>, CliError> {
    let Some(name) = matches.get_one::<String>("profile").cloned() else {
        return Ok(Ok((matches, Vec::new())));
    };
    // The hidden agent is a browser stand-in, often launched by this very tool with the
    // user's environment (OIDC_DESKTOP_PROFILE included): profiles are not for it.
    let Some((sub, sub_matches)) = matches
        .subcommand()
        .filter(|(sub, _)| !matches!(*sub, "agent" | "profiles" | "completions" | "man"))
    else {
        return Ok(Ok((matches, Vec::new())));
    };
    let path = matches
        .get_one::<std::path::PathBuf>("config")
        .cloned()
        .or_else(profiles::default_path)
        .ok_or_else(|| CliError::usage("--profile: no config file (set --config FILE)"))?;
    let file = profiles::ConfigFile::load(&path)?;
    let entries = file.profile(&name)?;
    let (words, ids) =
        profiles::injected_args(entries, &Cli::command(), sub, sub_matches, &file.path)?;
    if words.is_empty() {
        return Ok(Ok((matches, ids)));
    }
    let all = with_words(args, words);
    Ok(Cli::command().try_get_matches_from(&all).map(|m| (m, ids)))
}

/// `args` with `words` inserted before a `--` (or at the end).
fn with_words(args: &[OsString], words: Vec<OsString>) -> Vec<OsString> {
    let mut all: Vec<OsString> = args.to_vec();
    let at = all.iter().position(|a| a == "--").unwrap_or(all.len());
    all.splice(at..at, words);
    all
}

/// Entry points for the fuzz targets (`fuzz/`), compiled only with `--cfg fuzzing`.
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing {
    use std::ffi::OsString;
    use std::path::Path;

    use clap::CommandFactory as _;

    use crate::cli::Cli;
    use crate::profiles::ConfigFile;

    /// Reads `text` as the config file and applies each of its profiles to `command` the
    /// way `--profile NAME` does: the words it adds, then clap's parse of the result.
    /// `Err` is the message the user would see.
    pub fn apply_profiles(text: &str, command: &str) -> Result<Vec<Vec<OsString>>, String> {
        let path = Path::new("fuzz.toml");
        let file = ConfigFile::parse(path, text).map_err(|e| e.message)?;
        let mut out = Vec::new();
        for name in file.profiles.keys() {
            let args: Vec<OsString> = ["oidc-desktop", "--profile", name.as_str(), command]
                .into_iter()
                .map(OsString::from)
                .collect();
            let matches = Cli::command()
                .try_get_matches_from(&args)
                .map_err(|e| e.to_string())?;
            let Some((sub, sub_matches)) = matches.subcommand() else {
                return Err(format!("no subcommand in {args:?}"));
            };
            let entries = file.profile(name).map_err(|e| e.message)?;
            let (words, _) =
                crate::profiles::injected_args(entries, &Cli::command(), sub, sub_matches, path)
                    .map_err(|e| {
                        assert!(e.message.starts_with("fuzz.toml:"), "{}", e.message);
                        e.message
                    })?;
            let all = super::with_words(&args, words);
            Cli::command()
                .try_get_matches_from(&all)
                .map_err(|e| e.to_string())?;
            out.push(all);
        }
        Ok(out)
    }
}

fn default_format() -> OutputFormat {
    if std::io::stdout().is_terminal() {
        OutputFormat::Text
    } else {
        OutputFormat::Json
    }
}

/// The output format the arguments ask for, read before clap parses them (so that clap's
/// own usage errors can be reported in the same format).
fn output_hint(args: &[OsString]) -> OutputFormat {
    let mut format = None;
    let mut iter = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(a) = iter.next() {
        if a == "--" {
            break;
        }
        let value = if a == "--output" || a == "-o" {
            iter.next().map(std::borrow::Cow::into_owned)
        } else if let Some(v) = a.strip_prefix("--output=") {
            Some(v.to_owned())
        } else {
            a.strip_prefix("-o")
                .filter(|v| !v.is_empty())
                .map(|v| v.trim_start_matches('=').to_owned())
        };
        match value.as_deref() {
            Some("json") => format = Some(OutputFormat::Json),
            Some("text") => format = Some(OutputFormat::Text),
            Some("exec-credential") => format = Some(OutputFormat::ExecCredential),
            _ => {}
        }
    }
    format.unwrap_or_else(default_format)
}

fn usage_exit(e: &clap::Error, format: OutputFormat) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) && e.exit_code() == 0
    {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    // clap's own message always goes to stderr; in JSON modes stdout still gets its one object.
    let _ = e.print();
    let rendered = e.render().to_string();
    let message = rendered
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("invalid command line")
        .trim_start_matches("error: ")
        .to_owned();
    let err = CliError::usage(message);
    if format != OutputFormat::Text {
        output::print_error_json(&err);
    }
    ExitCode::from(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hint(args: &[&str]) -> OutputFormat {
        let v: Vec<OsString> = args.iter().map(OsString::from).collect();
        output_hint(&v)
    }

    #[test]
    fn the_output_hint_reads_every_spelling() {
        assert_eq!(
            hint(&["x", "login", "--output", "text"]),
            OutputFormat::Text
        );
        assert_eq!(hint(&["x", "--output=json", "login"]), OutputFormat::Json);
        assert_eq!(
            hint(&["x", "-o", "exec-credential"]),
            OutputFormat::ExecCredential
        );
        assert_eq!(hint(&["x", "-otext"]), OutputFormat::Text);
        assert_eq!(
            hint(&["x", "--", "-o", "text", "--output", "json"]),
            default_format()
        );
    }
}
