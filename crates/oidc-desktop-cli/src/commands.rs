//! The commands.

use std::future::IntoFuture as _;
use std::sync::Arc;
use std::time::Duration;

use oidc_desktop::core::url::Url;
use oidc_desktop::core::{
    AccessToken, ClientSecret, GrantType, IdTokenString, RefreshToken, ResponseType, SystemClock,
};
use oidc_desktop::jose::{
    ExpectedIssuer, IdTokenValidator, JwkSet, SigningKey, SkipChecks, ValidatedClaims,
    ValidationContext,
};
use oidc_desktop::reqwest_transport::{
    Firewall, FirewallType, ProxySettings, ReqwestClientBuilder,
};
use oidc_desktop::token::TokenTypeHint;
use oidc_desktop::{
    Acquisition, BrowserFailure, ClientAuthMethod, Interactive, OidcDesktop, OidcDesktopBuilder,
    PastedAddresses, Session, TokenKind,
};
use serde_json::{Value, json};

use crate::cli::{
    BrowserArgs, CacheArgs, ClientAuthArg, Command, DeviceArgs, DiscoverArgs, GrantArg, LoginArgs,
    LogoutArgs, OutputFormat, ProviderArgs, RedirectHostArg, RefreshArgs, RevokeArgs, TokenHintArg,
    UserinfoArgs, ValidateArgs,
};
use crate::environment::BrowserReach;
use crate::events::CliEvents;
use crate::output::{CliError, Outcome};

/// What every command needs to know about the invocation.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    /// The output format.
    pub(crate) format: OutputFormat,
    /// `--show-secrets`.
    pub(crate) show_secrets: bool,
    /// `--config`.
    pub(crate) config: Option<std::path::PathBuf>,
}

impl Ctx {
    pub(crate) fn text(&self) -> bool {
        self.format == OutputFormat::Text
    }
}

/// Runs one command.
pub(crate) async fn run(command: Command, ctx: &Ctx) -> Result<Outcome, CliError> {
    let makes_session = matches!(
        command,
        Command::Login(_) | Command::Refresh(_) | Command::Device(_)
    );
    #[cfg(feature = "demo")]
    let makes_session = makes_session || matches!(command, Command::Demo(_));
    if ctx.format == OutputFormat::ExecCredential && !makes_session {
        return Err(CliError::usage(
            "--output exec-credential needs a command that signs in (login, refresh, device, demo)",
        ));
    }
    match command {
        #[cfg(feature = "demo")]
        Command::Demo(a) => crate::demo::demo(&a, ctx).await,
        Command::Login(a) => login(&a, ctx).await,
        Command::Refresh(a) => refresh(&a, ctx).await,
        Command::Device(a) => device(&a, ctx).await,
        Command::Validate(a) => validate(&a, ctx).await,
        Command::Userinfo(a) => userinfo(&a, ctx).await,
        Command::Discover(a) => discover(&a, ctx).await,
        Command::Logout(a) => logout(&a, ctx).await,
        Command::Revoke(a) => revoke(&a, ctx).await,
        Command::Agent(a) => crate::agent::run(&a).await,
        Command::Profiles => list_profiles(ctx),
        Command::Token(a) => token(a, ctx).await,
        Command::Status(a) => status(&a),
        Command::Completions(a) => {
            use clap::CommandFactory as _;
            let mut out = Vec::new();
            clap_complete::generate(
                a.shell,
                &mut crate::cli::Cli::command(),
                "oidc-desktop",
                &mut out,
            );
            Ok(Outcome::Raw(
                String::from_utf8_lossy(&out).trim_end().to_owned(),
            ))
        }
        Command::Man => {
            use clap::CommandFactory as _;
            let mut out = Vec::new();
            clap_mangen::Man::new(crate::cli::Cli::command())
                .render(&mut out)
                .map_err(|e| {
                    CliError::other("man", format!("cannot render the manual page: {e}"))
                })?;
            Ok(Outcome::Raw(
                String::from_utf8_lossy(&out).trim_end().to_owned(),
            ))
        }
    }
}

/// `status`: the cached session of an issuer, client, scope and account, described without
/// its secrets and without a request.
fn status(a: &crate::cli::StatusArgs) -> Result<Outcome, CliError> {
    let (Some(issuer), Some(client_id)) = (&a.issuer, &a.client_id) else {
        return Err(CliError::usage(
            "status needs --issuer and --client-id (or a --profile that has them)",
        ));
    };
    let account = a.cache.account.as_deref().or(a.login_hint.as_deref());
    let mut b = OidcDesktop::builder(issuer)
        .client_id(client_id.clone())
        .scope(&a.scope)
        .token_store(crate::cache::open(
            a.cache.token_store,
            a.cache.cache_dir.as_deref(),
        )?);
    if let Some(acc) = account {
        b = b.account(acc);
    }
    let client = build(b)?;
    let now = now_unix();
    let mut v = json!({
        "signed_in": false,
        "issuer": issuer,
        "client_id": client_id,
        "account": account,
        "stored_in": client.session_location(),
    });
    let title = match client.stored_session()? {
        None => "Not signed in (no cached session).".to_owned(),
        Some(s) => {
            let user = s.user();
            let id_exp = s.claims().map(ValidatedClaims::expires_at);
            v["signed_in"] = json!(true);
            v["subject"] = json!(s.claims().map(ValidatedClaims::subject));
            v["email"] = json!(user.email);
            v["name"] = json!(user.name);
            v["scope"] = json!(s.scope());
            v["access_token_expires_at"] = json!(s.expires_at());
            v["access_token_valid"] =
                json!(s.access_token().is_some() && s.expires_at().is_none_or(|e| e > now));
            v["id_token_expires_at"] = json!(id_exp);
            v["refresh_token"] = json!(s.refresh_token().is_some());
            v["refresh_refused"] = json!(s.refresh_refused());
            let who = user
                .email
                .or(user.name)
                .or_else(|| s.claims().map(|c| c.subject().to_owned()));
            format!("Signed in as {}:", who.unwrap_or_default())
        }
    };
    Ok(Outcome::Json { value: v, title })
}

/// `token`: `login` with the cache on, printing only the token.
async fn token(mut a: crate::cli::TokenArgs, ctx: &Ctx) -> Result<Outcome, CliError> {
    a.login.cache.cache = true;
    let outcome = login(&a.login, ctx).await?;
    let Outcome::Session { session, .. } = outcome else {
        return Err(CliError::other("internal", "login produced no session"));
    };
    if let Some([method, url]) = a.dpop_proof.as_deref() {
        let h = session.dpop_headers(method, url, None).map_err(|e| {
            if session.dpop_thumbprint().is_none() {
                CliError::usage("the cached session is not DPoP-bound: sign in with --dpop")
            } else {
                lib_err(e)
            }
        })?;
        return Ok(Outcome::Raw(format!(
            "Authorization: {}\nDPoP: {}",
            h.authorization, h.dpop
        )));
    }
    let value = if a.id_token {
        session.id_token().map(|t| t.secret().to_owned())
    } else {
        session.access_token().map(|t| t.secret().to_owned())
    };
    value.map(Outcome::Raw).ok_or_else(|| {
        let which = if a.id_token {
            "an ID token"
        } else {
            "an access token"
        };
        CliError::other("missing_token", format!("the session has no {which}"))
    })
}

/// `profiles`: the profiles of the config file, with the provider and client of each.
fn list_profiles(ctx: &Ctx) -> Result<Outcome, CliError> {
    let path = ctx
        .config
        .clone()
        .or_else(crate::profiles::default_path)
        .ok_or_else(|| CliError::usage("no config file (set --config FILE)"))?;
    let (file, profiles) = if path.exists() {
        let file = crate::profiles::ConfigFile::load(&path)?;
        let list: Vec<Value> = file
            .profiles
            .iter()
            .map(|(name, entries)| {
                let get = |k: &str| {
                    entries
                        .iter()
                        .find(|e| e.key == k)
                        .and_then(|e| e.value.as_str().map(str::to_owned))
                };
                json!({
                    "name": name,
                    "issuer": get("issuer").or_else(|| get("discovery_url")),
                    "client_id": get("client_id"),
                })
            })
            .collect();
        (path, list)
    } else {
        (path, Vec::new())
    };
    Ok(Outcome::Json {
        value: json!({ "config": file.display().to_string(), "profiles": profiles }),
        title: format!("Profiles in {}:", file.display()),
    })
}

/// Resolves when the user presses Ctrl-C (never, where signals cannot be watched).
async fn ctrl_c() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Runs `fut`; Ctrl-C interrupts the client (the loopback port is freed) and cancels.
pub(crate) async fn interruptible<T>(
    client: &OidcDesktop,
    fut: impl Future<Output = Result<T, oidc_desktop::Error>>,
) -> Result<T, CliError> {
    tokio::select! {
        r = fut => r.map_err(CliError::from),
        () = ctrl_c() => {
            client.interrupt();
            Err(CliError::cancelled())
        }
    }
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn lib_err(e: impl Into<oidc_desktop::Error>) -> CliError {
    CliError::from(e.into())
}

/// The HTTP transport of `p`: CA file, proxy, secret masking in logs.
fn transport(p: &ProviderArgs, ctx: &Ctx) -> Result<ReqwestClientBuilder, CliError> {
    let mut b = ReqwestClientBuilder::new().mask_sensitive_data(!ctx.show_secrets);
    // --timeout also bounds each HTTP exchange (the manual's one `timeout`); 0 means none.
    b = b.timeout(Duration::from_secs(p.timeout));
    if let Some(f) = &p.ca_file {
        let pem = std::fs::read(f)
            .map_err(|e| CliError::usage(format!("cannot read --ca-file {}: {e}", f.display())))?;
        b = b.ssl_server_ca_certs(pem);
    }
    if let Some(proxy) = &p.proxy {
        let u =
            Url::parse(proxy).map_err(|e| CliError::usage(format!("--proxy `{proxy}`: {e}")))?;
        let host = u
            .host_str()
            .ok_or_else(|| CliError::usage(format!("--proxy `{proxy}` has no host")))?
            .to_owned();
        let user = (!u.username().is_empty()).then(|| u.username().to_owned());
        let pass = u.password().unwrap_or_default().to_owned();
        let port = u.port_or_known_default();
        let socks = |kind: FirewallType| {
            let mut f = Firewall::new(kind, host.clone(), port.unwrap_or(1080));
            if let Some(user) = &user {
                f = f.credentials(user.clone(), pass.clone());
            }
            f
        };
        b = match u.scheme() {
            "http" | "https" => {
                let mut s = ProxySettings::new(host.clone(), port.unwrap_or(80));
                if let Some(user) = &user {
                    s = s.basic_auth(user.clone(), pass.clone());
                }
                s.tls_to_proxy = u.scheme() == "https";
                b.proxy(s)
            }
            "socks5" | "socks5h" => b.firewall(socks(FirewallType::Socks5)),
            "socks4" => b.firewall(socks(FirewallType::Socks4)),
            "socks4a" => b.firewall(socks(FirewallType::Socks4a)),
            other => {
                return Err(CliError::usage(format!(
                    "--proxy: unsupported scheme `{other}` (http, https, socks4, socks4a, socks5)"
                )));
            }
        };
    }
    Ok(b)
}

/// A builder for the provider and client of `p`, with every validation setting applied.
fn builder(p: &ProviderArgs, ctx: &Ctx, need_client: bool) -> Result<OidcDesktopBuilder, CliError> {
    let preset = p.provider;
    let mut b = match (
        &p.issuer,
        &p.discovery_url,
        preset.and_then(oidc_desktop::ProviderPreset::default_issuer),
    ) {
        (Some(i), None, _) => OidcDesktop::builder(i),
        (None, Some(d), _) => OidcDesktop::from_discovery_url(d),
        (None, None, Some(i)) => OidcDesktop::builder(i),
        _ => {
            return Err(CliError::usage(match preset {
                Some(p) => format!(
                    "--provider {p} has no issuer of its own (it is per organisation or tenant): pass --issuer URL"
                ),
                None => {
                    "the provider is missing: pass --issuer URL or --discovery-url URL".to_owned()
                }
            }));
        }
    };
    if let Some(preset) = preset {
        b = b.preset(preset);
    }
    if p.allow_http_localhost {
        b = b.allow_http_localhost_issuer();
    }
    let client_id = match &p.client_id {
        Some(c) => c.clone(),
        None if need_client => {
            return Err(CliError::usage(
                "the client is missing: pass --client-id ID",
            ));
        }
        // Discovery needs no client; the facade wants a non-empty id all the same.
        None => "oidc-desktop".to_owned(),
    };
    b = b
        .client_id(client_id)
        .scope(&p.scope)
        .transport(transport(p, ctx)?);
    if let Some(s) = &p.client_secret {
        b = b.client_secret(s.clone());
    }
    let private_key = match &p.private_key {
        Some(path) => {
            let pem = std::fs::read_to_string(path).map_err(|e| {
                CliError::usage(format!("cannot read --private-key {}: {e}", path.display()))
            })?;
            let alg =
                oidc_desktop::jose::Algorithm::parse(&p.private_key_alg).ok_or_else(|| {
                    CliError::usage(format!("unknown --private-key-alg `{}`", p.private_key_alg))
                })?;
            let mut key =
                SigningKey::from_pkcs8_pem(alg, &pem).map_err(|e| lib_err(e).into_usage())?;
            if let Some(kid) = &p.private_key_kid {
                key = key.with_kid(kid.clone());
            }
            Some(Arc::new(key))
        }
        None => None,
    };
    let auth = p.client_auth.map(|a| match a {
        ClientAuthArg::None => ClientAuthMethod::None,
        ClientAuthArg::Basic => ClientAuthMethod::ClientSecretBasic,
        ClientAuthArg::Post => ClientAuthMethod::ClientSecretPost,
        ClientAuthArg::Jwt => ClientAuthMethod::ClientSecretJwt,
        ClientAuthArg::PrivateKeyJwt => ClientAuthMethod::PrivateKeyJwt,
    });
    let timeout = Duration::from_secs(p.timeout);
    let fetch_userinfo = p.userinfo;
    let leeway = p.leeway;
    let expected_issuer = p.expected_issuer.clone();
    let expected_audience = p.expected_audience.clone();
    let skip = p.verification_flags.map(SkipChecks::from_seed_flags);
    if let Some(s) = skip
        && s.insecure_signature
    {
        eprintln!("warning: --verification-flags 0x08 turns off ID token signature checks");
    }
    let par = match p.par {
        crate::cli::ParArg::Auto => oidc_desktop::ParMode::Auto,
        crate::cli::ParArg::WhenRequired => oidc_desktop::ParMode::WhenRequired,
        crate::cli::ParArg::Always => oidc_desktop::ParMode::Always,
        crate::cli::ParArg::Never => oidc_desktop::ParMode::Never,
    };
    let endpoint = |flag: &str, v: &Option<String>| -> Result<Option<Url>, CliError> {
        v.as_deref()
            .map(|u| Url::parse(u).map_err(|e| CliError::usage(format!("--{flag} `{u}`: {e}"))))
            .transpose()
    };
    let authorization_endpoint = endpoint("authorization-endpoint", &p.authorization_endpoint)?;
    let token_endpoint = endpoint("token-endpoint", &p.token_endpoint)?;
    let userinfo_endpoint = endpoint("userinfo-endpoint", &p.userinfo_endpoint)?;
    let revocation_endpoint = endpoint("revocation-endpoint", &p.revocation_endpoint)?;
    let device_endpoint = endpoint(
        "device-authorization-endpoint",
        &p.device_authorization_endpoint,
    )?;
    let end_session_endpoint = endpoint("end-session-endpoint", &p.end_session_endpoint)?;
    b = b
        .allow_hmac_id_tokens(p.allow_hmac_id_tokens)
        .par(par)
        .timeout(timeout)
        .fetch_userinfo(fetch_userinfo)
        .leeway(Duration::from_secs(leeway))
        .set_if(
            authorization_endpoint,
            OidcDesktopBuilder::authorization_endpoint,
        )
        .set_if(token_endpoint, OidcDesktopBuilder::token_endpoint)
        .set_if(userinfo_endpoint, OidcDesktopBuilder::userinfo_endpoint)
        .set_if(revocation_endpoint, OidcDesktopBuilder::revocation_endpoint)
        .set_if(
            device_endpoint,
            OidcDesktopBuilder::device_authorization_endpoint,
        )
        .set_if(
            end_session_endpoint,
            OidcDesktopBuilder::end_session_endpoint,
        )
        .set_if(auth, OidcDesktopBuilder::client_auth)
        .set_if(private_key, OidcDesktopBuilder::private_key)
        .set_if(
            expected_issuer.map(ExpectedIssuer::Exact),
            OidcDesktopBuilder::expected_issuer,
        )
        .set_if(expected_audience, OidcDesktopBuilder::expected_audience)
        .set_if(skip, OidcDesktopBuilder::skip_checks);
    Ok(b)
}

/// Sets what the command line gave, and leaves the client's default otherwise.
trait SetIfGiven: Sized {
    fn set_if<T>(self, value: Option<T>, set: impl FnOnce(Self, T) -> Self) -> Self {
        match value {
            Some(v) => set(self, v),
            None => self,
        }
    }
}

impl SetIfGiven for OidcDesktopBuilder {}

pub(crate) fn build(b: OidcDesktopBuilder) -> Result<OidcDesktop, CliError> {
    b.build().map_err(|e| {
        let err = CliError::from(e);
        if err.kind == "invalid_url" || err.kind == "invalid_browser_redirect" {
            err.into_usage()
        } else {
            err
        }
    })
}

/// What a browser command that fails at once does: in text mode, or when someone can read
/// stderr, say so with the URL and keep waiting; with machine output and nobody at the
/// terminal, fail at once (`browser_launch_failed`) instead of waiting out `--timeout`.
pub(crate) fn browser_failure(ctx: &Ctx) -> BrowserFailure {
    use std::io::IsTerminal as _;
    if ctx.text() || std::io::stderr().is_terminal() {
        BrowserFailure::KeepWaiting
    } else {
        BrowserFailure::Fail
    }
}

/// How the browser is opened.
fn with_browser(
    b: OidcDesktopBuilder,
    args: &BrowserArgs,
    events: Arc<CliEvents>,
    ctx: &Ctx,
) -> OidcDesktopBuilder {
    let ports = args.redirect_port.clone();
    let path = args.redirect_path.clone();
    let host = args.redirect_host;
    let (success, failure) = (args.success_url.clone(), args.failure_url.clone());
    let on_failure = browser_failure(ctx);
    let mut b = b
        .events(events)
        .loopback_ports(ports)
        .loopback_path(path)
        .loopback_ipv6(host == RedirectHostArg::Ipv6)
        .loopback_localhost(host == RedirectHostArg::Localhost)
        .set_if(success, OidcDesktopBuilder::success_url)
        .set_if(failure, OidcDesktopBuilder::failure_url)
        .browser_failure(on_failure);
    if let Some(cmd) = &args.browser_command {
        b = b.browser_command(cmd.clone());
    }
    b
}

pub(crate) fn session_outcome(
    session: Session,
    userinfo: Option<Value>,
    headline: &str,
) -> Outcome {
    let who = session
        .user()
        .email
        .or_else(|| session.user().sub.clone())
        .unwrap_or_default();
    Outcome::Session {
        session: Box::new(session),
        userinfo,
        headline: format!("{headline} {who}").trim_end().to_owned(),
    }
}

/// UserInfo for a session restored from the cache, when `--userinfo` asks for it.
async fn cached_userinfo(
    client: &OidcDesktop,
    s: &Session,
    p: &ProviderArgs,
) -> Result<Option<Value>, CliError> {
    if !p.userinfo || s.userinfo().is_some() {
        return Ok(None);
    }
    let (Some(at), Some(sub)) = (s.access_token(), s.claims().and_then(|c| c.sub.clone())) else {
        return Ok(None);
    };
    let details = interruptible(client, client.request_user_info(at, &sub)).await?;
    Ok(Some(details.json().clone()))
}

/// Lines typed or pasted on standard input, read by a thread of their own; the source ends
/// at the end of input.
fn stdin_lines() -> PastedAddresses {
    use std::io::BufRead as _;
    let (tx, rx) = PastedAddresses::channel(4);
    let reader = std::thread::Builder::new()
        .name("paste".into())
        .spawn(move || {
            for line in std::io::stdin().lock().lines() {
                let Ok(line) = line else { break };
                if tx.blocking_send(line).is_err() {
                    break;
                }
            }
        });
    if let Err(e) = reader {
        tracing::warn!("cannot read pasted addresses from standard input: {e}");
    }
    rx
}

async fn login(a: &LoginArgs, ctx: &Ctx) -> Result<Outcome, CliError> {
    if a.grant == Some(GrantArg::Device) {
        return device_flow(&a.provider, &a.cache, &a.dpop, ctx).await;
    }
    // Where a browser can be reached from here, unless the user said.
    let reach = (a.browser.browser_command.is_none() && !a.browser.no_browser)
        .then(crate::environment::this_browser_reach);
    let remote = match &reach {
        Some(BrowserReach::Remote(why)) => Some(*why),
        _ => None,
    };
    let no_browser = a.browser.no_browser || remote.is_some();
    // Said when a sign-in is about to need the browser, not on every cached run.
    let say_why = move || {
        if let Some(why) = remote {
            eprintln!(
                "Not opening a browser: {why}. (Name one with --browser-command to open it anyway.)"
            );
        }
    };
    let mut events = CliEvents::new(ctx.text(), no_browser);
    if no_browser {
        events = events.with_paste();
    }
    let events = Arc::new(events);
    let rt = match &a.response_type {
        Some(t) => Some(ResponseType::parse(t).map_err(|e| lib_err(e).into_usage())?),
        None => None,
    };
    let grant = match (a.grant, rt) {
        (Some(GrantArg::Code), _) => GrantType::AuthorizationCode,
        (Some(GrantArg::Implicit), _) => GrantType::Implicit,
        (Some(GrantArg::Hybrid), _) => GrantType::Hybrid,
        (Some(GrantArg::Device), _) => GrantType::AuthorizationCode,
        (None, Some(rt)) => rt.grant_type(),
        (None, None) => GrantType::AuthorizationCode,
    };
    let o = crate::params::authz_options(a)?;
    let (no_pkce, no_nonce) = (a.no_pkce, a.no_nonce);
    let mut b = builder(&a.provider, ctx, true)?;
    if let Some(more) = &o.extra_scope {
        b = b.scope(&format!("{} {more}", a.provider.scope));
    }
    let dpop = a.dpop.clone();
    let mut b = apply_dpop(b.grant_type(grant), &dpop)
        .set_if(rt, OidcDesktopBuilder::response_type)
        .set_if(o.response_mode, OidcDesktopBuilder::response_mode)
        .pkce(!no_pkce)
        .nonce(!no_nonce)
        .set_if(o.login_hint, OidcDesktopBuilder::login_hint)
        .set_if(
            o.max_age.map(Duration::from_secs),
            OidcDesktopBuilder::max_age,
        )
        .set_if(o.ui_locales, OidcDesktopBuilder::ui_locales)
        .set_if(o.display, OidcDesktopBuilder::display)
        .set_if(o.acr_values, OidcDesktopBuilder::acr_values)
        .set_if(o.claims, OidcDesktopBuilder::claims)
        .set_if(o.id_token_hint, OidcDesktopBuilder::id_token_hint);
    for p in o.prompt {
        b = b.prompt(p);
    }
    for (k, v) in o.extra {
        b = b.extra_param(k, v);
    }
    let mut b = with_browser(b, &a.browser, events.clone(), ctx);
    if let Some(BrowserReach::Wsl(command)) = &reach {
        tracing::info!("WSL: opening the Windows browser with `{command}`");
        b = b.browser_command(command.clone());
    }
    let b = crate::cache::with_store(b, &a.cache, a.login_hint.as_deref())?;
    let client = build(b)?;
    if a.cache.cache {
        let interactive = if no_browser {
            let events = events.clone();
            Interactive::paste(move |meta| {
                say_why();
                if meta.device_authorization_endpoint().is_some() {
                    events.offer_device_grant();
                }
                stdin_lines()
            })
        } else {
            Interactive::Browser
        };
        return acquire(
            &client,
            interactive,
            a.force_refresh,
            &a.provider,
            &events,
            ctx,
        )
        .await;
    }
    let r = if no_browser {
        say_why();
        if let Ok(meta) = client.discovery().await
            && meta.device_authorization_endpoint().is_some()
        {
            events.offer_device_grant();
        }
        interruptible(&client, client.authenticate_with_paste(stdin_lines())).await
    } else {
        interruptible(&client, client.authenticate()).await
    };
    events.done();
    Ok(session_outcome(r?, None, "Signed in as"))
}

/// `--cache`: the stored session, refreshed or replaced as needed, by the library's one
/// acquisition path (shared with every other process of the user).
async fn acquire(
    client: &OidcDesktop,
    interactive: Interactive,
    force_refresh: bool,
    p: &ProviderArgs,
    events: &CliEvents,
    ctx: &Ctx,
) -> Result<Outcome, CliError> {
    let r = interruptible(
        client,
        client
            .acquire()
            .interactive(interactive)
            .force_refresh(force_refresh)
            // kubectl gets the ID token: it must stay valid too.
            .require_id_token(ctx.format == OutputFormat::ExecCredential)
            .into_future(),
    )
    .await;
    events.done();
    let got = r?;
    let title = match got.how {
        Acquisition::Stored | Acquisition::StoredByAnother => {
            tracing::info!(stored_in = %client.session_location(), "reusing the cached session");
            if ctx.text() {
                eprintln!("Using the cached session ({}).", client.session_location());
            }
            "Signed in (cached) as"
        }
        Acquisition::Refreshed => "Signed in (refreshed) as",
        _ => "Signed in as",
    };
    let ui = match got.how {
        Acquisition::SignedIn => None,
        _ => cached_userinfo(client, &got.session, p).await?,
    };
    Ok(session_outcome(got.session, ui, title))
}

/// The claims of the original ID token given with `refresh --id-token`, the user's own from an
/// earlier sign-in (it may have expired). They only narrow the check of the refreshed token
/// (OpenID Connect Core §12.2: same `iss` and `sub`), which is itself validated in full, so
/// reading them back without a second validation cannot let a wrong token through.
fn original_claims(id_token: &str) -> Result<ValidatedClaims, CliError> {
    oidc_desktop::jose::parse_unverified(id_token)
        .and_then(|(_, c)| ValidatedClaims::restore(c))
        .map_err(lib_err)
}

async fn refresh(a: &RefreshArgs, ctx: &Ctx) -> Result<Outcome, CliError> {
    let dpop = a.dpop.clone();
    let b = apply_dpop(builder(&a.provider, ctx, true)?, &dpop);
    let b = crate::cache::with_store(b, &a.cache, None)?;
    let client = build(b)?;
    let original = a.id_token.as_deref().map(original_claims).transpose()?;
    let session = match (&a.refresh_token, a.cache.cache) {
        (Some(rt), cache) => {
            let mut s = client.session_from_refresh_token(RefreshToken::new(rt.clone()), original);
            interruptible(&client, client.refresh(&mut s)).await?;
            if cache {
                interruptible(&client, client.store_session(&s)).await?;
            }
            s
        }
        (None, true) => {
            if client.stored_session()?.is_none() {
                return Err(CliError::usage(
                    "no cached session to refresh: sign in with `login --cache` first",
                ));
            }
            match original {
                // An explicit original ID token wins over the cached claims.
                Some(o) => {
                    let stored = client.stored_session()?;
                    let rt = stored
                        .as_ref()
                        .and_then(|s| s.refresh_token().cloned())
                        .ok_or_else(|| {
                            CliError::usage("the cached session has no refresh token")
                        })?;
                    let mut s = client.session_from_refresh_token(rt, Some(o));
                    interruptible(&client, client.refresh(&mut s)).await?;
                    interruptible(&client, client.store_session(&s)).await?;
                    s
                }
                None => {
                    let got = interruptible(
                        &client,
                        client
                            .acquire()
                            .force_refresh(true)
                            .interactive(Interactive::Never)
                            .into_future(),
                    )
                    .await?;
                    got.session
                }
            }
        }
        (None, false) => {
            return Err(CliError::usage(
                "pass --refresh-token T (or --cache to use the cached session's)",
            ));
        }
    };
    Ok(session_outcome(session, None, "Refreshed the tokens of"))
}

async fn device(a: &DeviceArgs, ctx: &Ctx) -> Result<Outcome, CliError> {
    device_flow(&a.provider, &a.cache, &a.dpop, ctx).await
}

/// The device authorization grant (`device`, `login --grant device`).
async fn device_flow(
    provider: &ProviderArgs,
    cache_args: &CacheArgs,
    dpop: &crate::cli::DpopArgs,
    ctx: &Ctx,
) -> Result<Outcome, CliError> {
    let events = Arc::new(CliEvents::new(ctx.text(), false));
    let dpop = dpop.clone();
    let b = apply_dpop(builder(provider, ctx, true)?.events(events.clone()), &dpop);
    let client = build(crate::cache::with_store(b, cache_args, None)?)?;
    if cache_args.cache {
        return acquire(&client, Interactive::Device, false, provider, &events, ctx).await;
    }
    let r = interruptible(&client, client.authenticate_device()).await;
    events.done();
    Ok(session_outcome(r?, None, "Signed in (device) as"))
}

/// Every asymmetric algorithm the validator knows; a JWKS file says which keys exist.
const JWKS_FILE_ALGORITHMS: [&str; 10] = [
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
];

async fn validate(a: &ValidateArgs, ctx: &Ctx) -> Result<Outcome, CliError> {
    let claims = match &a.jwks_file {
        Some(f) => {
            let raw = std::fs::read(f).map_err(|e| {
                CliError::usage(format!("cannot read --jwks-file {}: {e}", f.display()))
            })?;
            let keys = JwkSet::from_slice(&raw).map_err(lib_err)?;
            let p = &a.provider;
            let issuer = p
                .expected_issuer
                .clone()
                .or_else(|| p.issuer.clone())
                .ok_or_else(|| {
                    CliError::usage("--jwks-file needs --issuer or --expected-issuer")
                })?;
            let client_id = p
                .client_id
                .clone()
                .or_else(|| p.expected_audience.clone())
                .ok_or_else(|| {
                    CliError::usage("--jwks-file needs --client-id or --expected-audience")
                })?;
            let mut v = IdTokenValidator::new(issuer, client_id)
                .algorithms_from_names(JWKS_FILE_ALGORITHMS)
                .leeway(i64::try_from(p.leeway).unwrap_or(i64::MAX));
            if let Some(aud) = &p.expected_audience {
                v = v.expected_audience(aud.clone());
            }
            if let Some(f) = p.verification_flags {
                v = v.skip_checks(SkipChecks::from_seed_flags(f));
            }
            if let Some(s) = p.client_secret.as_ref().filter(|_| p.allow_hmac_id_tokens) {
                v = v
                    .algorithms_from_names(JWKS_FILE_ALGORITHMS.into_iter().chain(["HS256"]))
                    .client_secret(ClientSecret::new(s.clone()));
            }
            let vctx = ValidationContext {
                nonce: a.nonce.as_deref(),
                ..Default::default()
            };
            v.validate(&a.id_token, &keys, &vctx, &SystemClock)
                .map_err(lib_err)?
                .claims
        }
        None => {
            let client = build(builder(&a.provider, ctx, true)?)?;
            interruptible(
                &client,
                client.validate_id_token(&a.id_token, a.nonce.as_deref()),
            )
            .await?
        }
    };
    Ok(Outcome::Json {
        value: json!({ "id_token_claims": claims.json() }),
        title: "The ID token is valid. Its claims:".to_owned(),
    })
}

async fn userinfo(a: &UserinfoArgs, ctx: &Ctx) -> Result<Outcome, CliError> {
    let client = build(builder(&a.provider, ctx, false)?)?;
    let at = AccessToken::new(a.access_token.clone());
    let expected = match (&a.sub, &a.id_token) {
        (Some(s), _) => Some(s.clone()),
        (None, Some(t)) => Some(original_claims(t)?.subject().to_owned()),
        (None, None) => None,
    };
    let details = match expected {
        Some(sub) => interruptible(&client, client.request_user_info(&at, &sub)).await?,
        None => {
            // No subject to compare with: learn it from the response itself (the facade
            // always checks `sub`, so ask once with an impossible one), then fetch again
            // with every check.
            match client.request_user_info(&at, "").await {
                Ok(d) => d,
                Err(oidc_desktop::Error::Token(
                    oidc_desktop::token::Error::UserInfoSubjectMismatch { found, .. },
                )) => interruptible(&client, client.request_user_info(&at, &found)).await?,
                Err(e) => return Err(e.into()),
            }
        }
    };
    Ok(Outcome::Json {
        value: json!({ "userinfo": details.json().clone() }),
        title: "UserInfo:".to_owned(),
    })
}

async fn discover(a: &DiscoverArgs, ctx: &Ctx) -> Result<Outcome, CliError> {
    let client = build(builder(&a.provider, ctx, false)?)?;
    let meta = interruptible(&client, client.discovery()).await?;
    Ok(Outcome::Json {
        value: meta.json().clone(),
        title: format!("Discovery document of {}:", meta.issuer()),
    })
}

async fn logout(a: &LogoutArgs, ctx: &Ctx) -> Result<Outcome, CliError> {
    let events = Arc::new(CliEvents::new(ctx.text(), a.browser.no_browser));
    let b = builder(&a.provider, ctx, true)?;
    let mut b = b.token_store(crate::cache::open(a.token_store, a.cache_dir.as_deref())?);
    if let Some(acc) = a.account.as_deref().or(a.login_hint.as_deref()) {
        b = b.account(acc);
    }
    let client = build(with_browser(b, &a.browser, events.clone(), ctx))?;
    // An unreadable entry is still removed: signing out must always work.
    let cached = client.stored_session().unwrap_or_else(|e| {
        tracing::warn!("the cached session is unreadable: {e}");
        None
    });
    // The local sign-out happens whatever the provider says.
    let cache_cleared = interruptible(&client, client.forget_session()).await?;
    let mut revoked = Vec::new();
    if a.revoke {
        let Some(s) = &cached else {
            return Err(CliError::usage("--revoke: there is no cached session"));
        };
        // With the session's own key when its tokens are DPoP-bound.
        if s.refresh_token().is_some() {
            interruptible(&client, client.revoke(s, TokenKind::Refresh)).await?;
            revoked.push("refresh_token");
        }
        if s.access_token().is_some() {
            interruptible(&client, client.revoke(s, TokenKind::Access)).await?;
            revoked.push("access_token");
        }
    }
    if a.end_session {
        let hint = a
            .id_token
            .clone()
            .map(IdTokenString::new)
            .or_else(|| cached.as_ref().and_then(|s| s.id_token().cloned()));
        let r = interruptible(&client, client.logout_with_hint(hint.as_ref())).await;
        events.done();
        r?;
    }
    if ctx.text() && !cache_cleared {
        eprintln!("There was no cached session for this issuer, client and scope.");
    }
    Ok(Outcome::Json {
        value: json!({
            "logged_out": true,
            "cache_cleared": cache_cleared,
            "revoked": revoked,
            "end_session": a.end_session,
        }),
        title: "Signed out:".to_owned(),
    })
}

async fn revoke(a: &RevokeArgs, ctx: &Ctx) -> Result<Outcome, CliError> {
    let client = build(builder(&a.provider, ctx, true)?)?;
    let hint = a.token_type_hint.map(|h| match h {
        TokenHintArg::AccessToken => TokenTypeHint::AccessToken,
        TokenHintArg::RefreshToken => TokenTypeHint::RefreshToken,
    });
    interruptible(&client, client.revoke_token(&a.token, hint)).await?;
    Ok(Outcome::Json {
        value: json!({ "revoked": true }),
        title: "The token is revoked.".to_owned(),
    })
}

/// `--dpop`, `--dpop-alg`, `--allow-dpop-downgrade` into the client's settings.
fn apply_dpop(b: OidcDesktopBuilder, a: &crate::cli::DpopArgs) -> OidcDesktopBuilder {
    use crate::cli::DpopAlgArg;
    if !a.dpop {
        return b;
    }
    b.dpop(oidc_desktop::DpopMode::Require)
        .dpop_algorithm(match a.dpop_alg {
            DpopAlgArg::Es256 => oidc_desktop::jose::Algorithm::ES256,
            DpopAlgArg::Es384 => oidc_desktop::jose::Algorithm::ES384,
            DpopAlgArg::Eddsa => oidc_desktop::jose::Algorithm::EdDSA,
        })
        .allow_dpop_downgrade(a.allow_dpop_downgrade)
}
