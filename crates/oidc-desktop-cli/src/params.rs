//! The authorization request options of `login`: the typed flags, and `--param K=V` routed
//! to them when K is a standard parameter (docs/CLI.md, "Authorization parameters").

use oidc_desktop::core::{Display, ParameterRole, Prompt, ResponseMode};

use crate::cli::{DisplayArg, LoginArgs, ResponseModeArg};
use crate::output::{CliError, EXIT_USAGE};

/// Every authorization request option of one `login`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct AuthzOptions {
    pub(crate) prompt: Vec<Prompt>,
    pub(crate) login_hint: Option<String>,
    pub(crate) max_age: Option<u64>,
    pub(crate) ui_locales: Option<String>,
    pub(crate) display: Option<Display>,
    pub(crate) acr_values: Option<String>,
    pub(crate) claims: Option<String>,
    pub(crate) id_token_hint: Option<String>,
    pub(crate) response_mode: Option<ResponseMode>,
    /// Scope values added by `--param scope=…` (to those of `--scope`).
    pub(crate) extra_scope: Option<String>,
    /// Parameters without a setting of their own, sent as given.
    pub(crate) extra: Vec<(String, String)>,
}

/// A `--param` naming a parameter the client owns.
fn client_owned(name: &str, why: &str) -> CliError {
    let mut e = CliError::other(
        "reserved_parameter",
        format!("--param {name}: the client sets `{name}` itself ({why}), so it cannot be passed"),
    );
    e.exit = EXIT_USAGE;
    e
}

/// Sets `slot` from `--param name=value`, unless the typed flag already set another value.
fn set<T: PartialEq>(
    slot: &mut Option<T>,
    value: T,
    name: &str,
    flag: &str,
) -> Result<(), CliError> {
    match slot {
        Some(old) if *old != value => Err(CliError::usage(format!(
            "`{name}` is given twice, by {flag} and by --param {name}, with different values"
        ))),
        _ => {
            *slot = Some(value);
            Ok(())
        }
    }
}

fn display(d: DisplayArg) -> Display {
    match d {
        DisplayArg::Page => Display::Page,
        DisplayArg::Popup => Display::Popup,
        DisplayArg::Touch => Display::Touch,
        DisplayArg::Wap => Display::Wap,
    }
}

fn response_mode(m: ResponseModeArg) -> ResponseMode {
    match m {
        ResponseModeArg::Query => ResponseMode::Query,
        ResponseModeArg::Fragment => ResponseMode::Fragment,
        ResponseModeArg::FormPost => ResponseMode::FormPost,
    }
}

fn prompts(v: &str) -> Vec<Prompt> {
    v.split_whitespace().map(Prompt::parse).collect()
}

/// The options of `a`: its typed flags, then each `--param` routed to its setting.
pub(crate) fn authz_options(a: &LoginArgs) -> Result<AuthzOptions, CliError> {
    let mut o = AuthzOptions {
        prompt: a.prompt.as_deref().map(prompts).unwrap_or_default(),
        login_hint: a.login_hint.clone(),
        max_age: a.max_age,
        ui_locales: a.ui_locales.clone(),
        display: a.display.map(display),
        acr_values: a.acr_values.clone(),
        claims: a.claims.clone(),
        id_token_hint: a.id_token_hint.clone(),
        response_mode: a.response_mode.map(response_mode),
        extra_scope: None,
        extra: Vec::new(),
    };
    for (name, value) in &a.params {
        let v = value.clone();
        match ParameterRole::of(name) {
            ParameterRole::ClientOwned { why } => return Err(client_owned(name, why)),
            ParameterRole::Extra => o.extra.push((name.clone(), v)),
            // `ParameterRole` is non-exhaustive: a future typed parameter this tool does
            // not route yet is refused rather than sent twice.
            _ => match name.as_str() {
                "prompt" => {
                    let p = prompts(value);
                    if !o.prompt.is_empty() && o.prompt != p {
                        return Err(CliError::usage(
                            "`prompt` is given twice, by --prompt and by --param prompt, with different values",
                        ));
                    }
                    o.prompt = p;
                }
                "login_hint" => set(&mut o.login_hint, v, name, "--login-hint")?,
                "max_age" => {
                    let secs = value.parse::<u64>().map_err(|_| {
                        CliError::usage(format!("--param max_age={value}: not a number of seconds"))
                    })?;
                    set(&mut o.max_age, secs, name, "--max-age")?;
                }
                "ui_locales" => set(&mut o.ui_locales, v, name, "--ui-locales")?,
                "display" => {
                    let d = Display::parse(value).ok_or_else(|| {
                        CliError::usage(format!(
                            "--param display={value}: not one of page, popup, touch, wap"
                        ))
                    })?;
                    set(&mut o.display, d, name, "--display")?;
                }
                "acr_values" => set(&mut o.acr_values, v, name, "--acr-values")?,
                "claims" => set(&mut o.claims, v, name, "--claims")?,
                "id_token_hint" => set(&mut o.id_token_hint, v, name, "--id-token-hint")?,
                "response_mode" => {
                    let m = ResponseMode::parse(value).ok_or_else(|| {
                        CliError::usage(format!(
                            "--param response_mode={value}: not one of query, fragment, form_post"
                        ))
                    })?;
                    set(&mut o.response_mode, m, name, "--response-mode")?;
                }
                "scope" => {
                    let joined = match o.extra_scope.take() {
                        Some(s) => format!("{s} {value}"),
                        None => value.clone(),
                    };
                    o.extra_scope = Some(joined);
                }
                other => {
                    return Err(CliError::usage(format!(
                        "--param {other}: this parameter has a setting of its own that this tool cannot set yet"
                    )));
                }
            },
        }
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::*;
    use crate::cli::{Cli, Command};

    fn options(args: &[&str]) -> Result<AuthzOptions, CliError> {
        let mut argv = vec!["oidc-desktop", "login"];
        argv.extend_from_slice(args);
        let Command::Login(a) = Cli::try_parse_from(argv).expect("parses").command else {
            panic!("not login");
        };
        authz_options(&a)
    }

    #[test]
    fn standard_parameters_go_to_their_setting() {
        let o = options(&[
            "--param",
            "ui_locales=fr-CA",
            "--param",
            "prompt=none",
            "--param",
            "login_hint=a@b.c",
            "--param",
            "max_age=60",
            "--param",
            "display=popup",
            "--param",
            "acr_values=gold silver",
            "--param",
            "claims={\"id_token\":{}}",
            "--param",
            "id_token_hint=x.y.z",
            "--param",
            "response_mode=form_post",
            "--param",
            "scope=email",
            "--param",
            "access_type=offline",
        ])
        .unwrap();
        assert_eq!(o.ui_locales.as_deref(), Some("fr-CA"));
        assert_eq!(o.prompt, vec![Prompt::None]);
        assert_eq!(o.login_hint.as_deref(), Some("a@b.c"));
        assert_eq!(o.max_age, Some(60));
        assert_eq!(o.display, Some(Display::Popup));
        assert_eq!(o.acr_values.as_deref(), Some("gold silver"));
        assert_eq!(o.claims.as_deref(), Some("{\"id_token\":{}}"));
        assert_eq!(o.id_token_hint.as_deref(), Some("x.y.z"));
        assert_eq!(o.response_mode, Some(ResponseMode::FormPost));
        assert_eq!(o.extra_scope.as_deref(), Some("email"));
        assert_eq!(o.extra, vec![("access_type".into(), "offline".into())]);
    }

    #[test]
    fn typed_flags_and_agreeing_params_combine() {
        let o = options(&[
            "--ui-locales",
            "de",
            "--acr-values",
            "gold",
            "--display",
            "touch",
            "--claims",
            "{}",
            "--id-token-hint",
            "h",
            "--param",
            "ui_locales=de",
        ])
        .unwrap();
        assert_eq!(o.ui_locales.as_deref(), Some("de"));
        assert_eq!(o.acr_values.as_deref(), Some("gold"));
        assert_eq!(o.display, Some(Display::Touch));
        assert_eq!(o.claims.as_deref(), Some("{}"));
        assert_eq!(o.id_token_hint.as_deref(), Some("h"));
    }

    #[test]
    fn conflicts_and_bad_values_are_usage_errors() {
        for args in [
            &["--ui-locales", "de", "--param", "ui_locales=fr"][..],
            &["--prompt", "login", "--param", "prompt=none"],
            &["--param", "max_age=soon"],
            &["--param", "display=tv"],
            &["--param", "response_mode=web_message"],
        ] {
            let e = options(args).unwrap_err();
            assert_eq!((e.kind.as_str(), e.exit), ("usage", EXIT_USAGE), "{args:?}");
        }
    }

    #[test]
    fn client_owned_parameters_are_refused_with_the_reason() {
        for name in [
            "state",
            "nonce",
            "code_challenge",
            "code_challenge_method",
            "client_id",
            "redirect_uri",
            "response_type",
            "request",
            "request_uri",
        ] {
            let e = options(&["--param", &format!("{name}=x")]).unwrap_err();
            assert_eq!(e.kind, "reserved_parameter", "{name}");
            assert_eq!(e.exit, EXIT_USAGE);
            assert!(e.message.contains(&format!("`{name}`")), "{}", e.message);
            assert!(e.message.contains("itself ("), "{}", e.message);
        }
    }
}
