//! The command line: every command and flag (the contract of `docs/CLI.md`).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Sign in with any OpenID Connect provider from a terminal or a script (RFC 8252: system
/// browser, loopback redirect on 127.0.0.1, PKCE, fully validated ID token).
#[derive(Debug, Parser)]
#[command(
    name = "oidc-desktop",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Options of every command.
#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// Output format on stdout [default: json when stdout is not a terminal, else text]
    #[arg(long, short = 'o', global = true, value_enum)]
    pub(crate) output: Option<OutputFormat>,
    /// More log output on stderr: -v info, -vv verbose (headers), -vvv debug (bodies);
    /// overrides RUST_LOG
    #[arg(long, short = 'v', global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
    /// Show tokens in text output and secrets in logs instead of masking them
    #[arg(long, global = true)]
    pub(crate) show_secrets: bool,
    /// Take the options of this profile of the config file (the command line's own options
    /// win over the profile's, the profile's over the environment's)
    #[arg(
        long,
        short = 'p',
        global = true,
        env = "OIDC_DESKTOP_PROFILE",
        value_name = "NAME"
    )]
    pub(crate) profile: Option<String>,
    /// The config file [default: $XDG_CONFIG_HOME/oidc-desktop/config.toml or
    /// ~/.config/oidc-desktop/config.toml]
    #[arg(long, global = true, env = "OIDC_DESKTOP_CONFIG", value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
}

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    /// Exactly one JSON object on stdout.
    Json,
    /// A readable summary.
    Text,
    /// A kubectl `ExecCredential` (client.authentication.k8s.io/v1) carrying the ID token.
    ExecCredential,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Start the embedded test provider on 127.0.0.1 and sign in to it (works offline)
    #[cfg(feature = "demo")]
    Demo(DemoArgs),
    /// Sign in through the browser (or reuse / refresh a cached session with --cache)
    Login(LoginArgs),
    /// Exchange a refresh token for fresh tokens
    Refresh(RefreshArgs),
    /// Sign in with the device authorization grant (RFC 8628)
    Device(DeviceArgs),
    /// Validate an ID token (signature and claims)
    Validate(ValidateArgs),
    /// Call the UserInfo endpoint with an access token
    Userinfo(UserinfoArgs),
    /// Print the provider's discovery document
    Discover(DiscoverArgs),
    /// Forget the cached session; optionally revoke its tokens and end the provider session
    Logout(LogoutArgs),
    /// Revoke a token (RFC 7009)
    Revoke(RevokeArgs),
    /// List the profiles of the config file
    Profiles,
    /// Who is signed in (from the token cache, without asking the provider), where the
    /// session is stored and when its tokens expire; no secrets
    Status(StatusArgs),
    /// Print the shell completion script for bash, zsh, fish, elvish or powershell
    Completions(CompletionsArgs),
    /// Print the manual page (roff), e.g. `oidc-desktop man > oidc-desktop.1`
    Man,
    /// Print a valid access token (or ID token) and nothing else: cached, refreshed, or
    /// signed in for as needed (`curl -H "Authorization: Bearer $(oidc-desktop token -p work)"`)
    Token(TokenArgs),
    /// A scripted browser for tests: follows redirects and forms from URL (no JavaScript)
    #[command(hide = true)]
    Agent(AgentArgs),
}

/// Which provider and which client.
#[derive(Debug, Args, Clone)]
pub(crate) struct ProviderArgs {
    /// The issuer identifier (discovery at ISSUER/.well-known/openid-configuration)
    #[arg(long, env = "OIDC_ISSUER", conflicts_with = "discovery_url")]
    pub(crate) issuer: Option<String>,
    /// The metadata URL: the OpenID discovery document (ending in
    /// /.well-known/openid-configuration) or RFC 8414 metadata
    /// (/.well-known/oauth-authorization-server[/path])
    #[arg(long, env = "OIDC_DISCOVERY_URL")]
    pub(crate) discovery_url: Option<String>,
    /// A well-known provider whose quirks to follow (docs/PROVIDERS.md); google, entra and
    /// apple also supply the issuer
    #[arg(long, value_name = "NAME", value_parser = preset_parser())]
    pub(crate) provider: Option<oidc_desktop::ProviderPreset>,
    /// The client id registered at the provider
    #[arg(long, env = "OIDC_CLIENT_ID")]
    pub(crate) client_id: Option<String>,
    /// The client secret (confidential clients); `-` reads it from standard input
    #[arg(
        long,
        env = "OIDC_CLIENT_SECRET",
        hide_env_values = true,
        allow_hyphen_values = true
    )]
    pub(crate) client_secret: Option<String>,
    /// Client authentication at the token endpoint [default: chosen from discovery]
    #[arg(long, value_enum)]
    pub(crate) client_auth: Option<ClientAuthArg>,
    /// PKCS#8 PEM private key for --client-auth private-key-jwt
    #[arg(long, value_name = "PEM")]
    pub(crate) private_key: Option<PathBuf>,
    /// Algorithm of --private-key
    #[arg(long, default_value = "RS256", value_name = "ALG")]
    pub(crate) private_key_alg: String,
    /// `kid` of --private-key
    #[arg(long, value_name = "KID")]
    pub(crate) private_key_kid: Option<String>,
    /// The scope (`openid` is always added)
    #[arg(long, default_value = "openid")]
    pub(crate) scope: String,
    /// Seconds to wait for the browser, the device approval or the provider (0: no limit)
    #[arg(long, default_value_t = 300, value_name = "SECS")]
    pub(crate) timeout: u64,
    /// Also fetch UserInfo (its `sub` must match the ID token's)
    #[arg(long)]
    pub(crate) userinfo: bool,
    /// Trust these PEM CA certificates (in addition to the system's)
    #[arg(long, value_name = "PEM")]
    pub(crate) ca_file: Option<PathBuf>,
    /// Proxy for every request to the provider: http://[user:pass@]host:port, https://…,
    /// socks5://…, socks4://…; `-` reads it from standard input
    #[arg(
        long,
        value_name = "URL",
        env = "OIDC_DESKTOP_PROXY",
        hide_env_values = true
    )]
    pub(crate) proxy: Option<String>,
    /// Accept ID tokens MACed with the client secret (HS256/384/512) when the provider
    /// offers them; a desktop client's secret is not confidential (RFC 8252 §8.5)
    #[arg(long)]
    pub(crate) allow_hmac_id_tokens: bool,
    /// Accept an http://localhost issuer (a name, not a loopback address; prefer
    /// http://127.0.0.1)
    #[arg(long)]
    pub(crate) allow_http_localhost: bool,
    /// Clock-skew leeway for ID token times, seconds
    #[arg(
        long,
        default_value_t = 60,
        value_name = "SECS",
        allow_negative_numbers = false
    )]
    pub(crate) leeway: u64,
    /// The `iss` ID tokens must carry [default: the discovered issuer]
    #[arg(long, value_name = "ISSUER")]
    pub(crate) expected_issuer: Option<String>,
    /// The audience ID tokens must carry [default: the client id]
    #[arg(long, value_name = "AUD")]
    pub(crate) expected_audience: Option<String>,
    /// Pushed Authorization Requests (RFC 9126): auto uses them when the provider requires
    /// or advertises them
    #[arg(long, value_enum, default_value_t = ParArg::Auto)]
    pub(crate) par: ParArg,
    /// Use this authorization endpoint instead of the provider's metadata
    #[arg(long, value_name = "URL")]
    pub(crate) authorization_endpoint: Option<String>,
    /// Use this token endpoint instead of the provider's metadata
    #[arg(long, value_name = "URL")]
    pub(crate) token_endpoint: Option<String>,
    /// Use this UserInfo endpoint instead of the provider's metadata
    #[arg(long, value_name = "URL")]
    pub(crate) userinfo_endpoint: Option<String>,
    /// Use this revocation endpoint (RFC 7009) [default: the OpenID metadata's, else the
    /// RFC 8414 metadata's]
    #[arg(long, value_name = "URL")]
    pub(crate) revocation_endpoint: Option<String>,
    /// Use this device authorization endpoint (RFC 8628) [default: the OpenID metadata's,
    /// else the RFC 8414 metadata's]
    #[arg(long, value_name = "URL")]
    pub(crate) device_authorization_endpoint: Option<String>,
    /// Use this end-session endpoint (RP-initiated logout) instead of the metadata's
    #[arg(long, value_name = "URL")]
    pub(crate) end_session_endpoint: Option<String>,
    /// ID token checks to skip, the OIDCDesktop IdTokenVerificationFlags (0x01 iss, 0x02 aud,
    /// 0x04 exp, 0x08 signature, 0x10 iat, 0x20 nbf, 0x40 nonce). Dangerous.
    #[arg(long, value_name = "FLAGS", value_parser = parse_flags)]
    pub(crate) verification_flags: Option<u32>,
}

/// `--provider`: one of the facade's presets, by name (the names are the possible values).
fn preset_parser() -> impl clap::builder::TypedValueParser<Value = oidc_desktop::ProviderPreset> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(
        oidc_desktop::ProviderPreset::ALL.map(oidc_desktop::ProviderPreset::name),
    )
    .try_map(|name| oidc_desktop::ProviderPreset::from_name(&name).ok_or("unknown preset"))
}

/// `--par`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ParArg {
    /// When the provider requires or advertises PAR.
    Auto,
    /// Only when the provider requires it.
    #[value(name = "when-required")]
    WhenRequired,
    /// Always (fails without a PAR endpoint).
    Always,
    /// Never.
    Never,
}

/// Token endpoint client authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ClientAuthArg {
    /// Public client (`none`).
    None,
    /// `client_secret_basic`.
    #[value(alias = "client_secret_basic")]
    Basic,
    /// `client_secret_post`.
    #[value(alias = "client_secret_post")]
    Post,
    /// `client_secret_jwt` (HS256).
    #[value(alias = "client_secret_jwt")]
    Jwt,
    /// `private_key_jwt` (needs --private-key).
    #[value(alias = "private_key_jwt")]
    PrivateKeyJwt,
}

/// How the browser is reached and where it comes back.
#[derive(Debug, Args, Clone)]
pub(crate) struct BrowserArgs {
    /// Open the URL with this command, run without a shell; `{url}` is replaced (appended
    /// when absent) [default: $BROWSER, else the system browser]
    #[arg(long, value_name = "CMD")]
    pub(crate) browser_command: Option<String>,
    /// Do not open a browser: print the URL on stderr and wait for the redirect, or for the
    /// address the browser ended on pasted on standard input (also the default over SSH and
    /// without a display, unless a browser command is named)
    #[arg(long, conflicts_with = "browser_command")]
    pub(crate) no_browser: bool,
    /// Loopback redirect port (0: any free port); a comma-separated list is tried in order,
    /// for providers that accept only registered ports
    #[arg(
        long,
        value_name = "N[,N…]",
        value_delimiter = ',',
        default_value = "0"
    )]
    pub(crate) redirect_port: Vec<u16>,
    /// The redirect URI's host: 127.0.0.1 ([::1] when IPv4 loopback is unavailable), ::1,
    /// or localhost (only for providers that require it)
    #[arg(long, value_enum, default_value_t = RedirectHostArg::Ipv4)]
    pub(crate) redirect_host: RedirectHostArg,
    /// After a successful sign-in, send the browser to this page (https, or http on
    /// 127.0.0.1 / [::1])
    #[arg(long, value_name = "URL")]
    pub(crate) success_url: Option<String>,
    /// After a sign-in the provider refused, send the browser to this page
    #[arg(long, value_name = "URL")]
    pub(crate) failure_url: Option<String>,
    /// Loopback redirect path
    #[arg(long, default_value = "/callback", value_name = "PATH")]
    pub(crate) redirect_path: String,
}

/// `--redirect-host`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum RedirectHostArg {
    /// `127.0.0.1`, or `[::1]` when IPv4 loopback is unavailable.
    #[value(name = "127.0.0.1")]
    Ipv4,
    /// `[::1]`.
    #[value(name = "::1", alias = "[::1]")]
    Ipv6,
    /// `localhost` (a name: RFC 8252 §8.3 prefers the IP literal).
    Localhost,
}

/// Where sessions are cached.
#[derive(Debug, Args, Clone)]
pub(crate) struct CacheArgs {
    /// Cache the session (refresh token included) in a 0600 file, keyed by issuer, client and
    /// scope; reuse a valid access token or refresh silently next time
    #[arg(long)]
    pub(crate) cache: bool,
    /// The cache directory [default: $XDG_CACHE_HOME/oidc-desktop or ~/.cache/oidc-desktop]
    #[arg(long, env = "OIDC_DESKTOP_CACHE_DIR", value_name = "DIR")]
    pub(crate) cache_dir: Option<PathBuf>,
    /// A label for one of several users of the same issuer and client (work, personal);
    /// each is cached apart [default: the --login-hint, if any]
    #[arg(long, value_name = "LABEL")]
    pub(crate) account: Option<String>,
    /// Where the cached session lives
    #[arg(
        long,
        value_enum,
        env = "OIDC_DESKTOP_TOKEN_STORE",
        default_value = "file",
        value_name = "STORE"
    )]
    pub(crate) token_store: StoreArg,
}

/// DPoP (RFC 9449): sender-constrained tokens.
#[derive(Debug, Args, Clone, Default)]
pub(crate) struct DpopArgs {
    /// Bind the tokens to a key made for this session (DPoP, RFC 9449): a token copied from
    /// the cache is useless without it. The key is stored with the session
    #[arg(long)]
    pub(crate) dpop: bool,
    /// The DPoP proof algorithm
    #[arg(
        long,
        value_enum,
        default_value = "es256",
        requires = "dpop",
        value_name = "ALG"
    )]
    pub(crate) dpop_alg: DpopAlgArg,
    /// Accept unbound Bearer tokens when the provider ignores DPoP (otherwise an error)
    #[arg(long, requires = "dpop")]
    pub(crate) allow_dpop_downgrade: bool,
}

/// `--dpop-alg`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub(crate) enum DpopAlgArg {
    /// ECDSA P-256.
    #[default]
    Es256,
    /// ECDSA P-384.
    Es384,
    /// Ed25519.
    Eddsa,
}

/// `--token-store`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum StoreArg {
    /// A 0600 file per session in the cache directory (0700, yours)
    File,
    /// The OS keyring (Keychain, Credential Manager, Secret Service, kernel keyutils);
    /// falls back to the file, with a warning, when the keyring fails
    Keyring,
    /// Memory only: nothing outlives the process (containers)
    None,
}

/// `demo`.
#[cfg(feature = "demo")]
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Approve with the built-in scripted agent instead of a browser
    #[arg(long)]
    pub(crate) headless: bool,
    /// Open the URL with this command (see `login --browser-command`)
    #[arg(long, value_name = "CMD", conflicts_with_all = ["headless", "no_browser"])]
    pub(crate) browser_command: Option<String>,
    /// Print the URL on stderr and wait
    #[arg(long, conflicts_with = "headless")]
    pub(crate) no_browser: bool,
    /// Seconds to wait for the browser
    #[arg(long, default_value_t = 300, value_name = "SECS")]
    pub(crate) timeout: u64,
}

/// `login`.
#[derive(Debug, Args)]
pub(crate) struct LoginArgs {
    #[command(flatten)]
    pub(crate) provider: ProviderArgs,
    #[command(flatten)]
    pub(crate) browser: BrowserArgs,
    #[command(flatten)]
    pub(crate) cache: CacheArgs,
    #[command(flatten)]
    pub(crate) dpop: DpopArgs,
    /// With --cache: refresh even when the cached access token is still valid (unless
    /// another process refreshed it a moment ago)
    #[arg(long, requires = "cache")]
    pub(crate) force_refresh: bool,
    /// The flow [default: code, or the flow of --response-type]
    #[arg(long, value_enum)]
    pub(crate) grant: Option<GrantArg>,
    /// The response_type, e.g. "code id_token" [default: from --grant]
    #[arg(long, value_name = "TYPE")]
    pub(crate) response_type: Option<String>,
    /// The response_mode [default: query for code, form_post (or fragment) otherwise]
    #[arg(long, value_enum)]
    pub(crate) response_mode: Option<ResponseModeArg>,
    /// Do not send a PKCE challenge
    #[arg(long)]
    pub(crate) no_pkce: bool,
    /// Do not send a nonce (code flow only)
    #[arg(long)]
    pub(crate) no_nonce: bool,
    /// prompt: none, login, consent, select_account, create (space-separated for several)
    #[arg(long)]
    pub(crate) prompt: Option<String>,
    /// login_hint
    #[arg(long)]
    pub(crate) login_hint: Option<String>,
    /// max_age in seconds (auth_time is then required and checked)
    #[arg(long, value_name = "SECS")]
    pub(crate) max_age: Option<u64>,
    /// ui_locales: preferred languages of the provider's pages, e.g. "fr-CA fr en"
    #[arg(long, value_name = "TAGS")]
    pub(crate) ui_locales: Option<String>,
    /// acr_values: requested authentication context classes, in order of preference
    #[arg(long, value_name = "ACRS")]
    pub(crate) acr_values: Option<String>,
    /// display: how the provider shows its pages
    #[arg(long, value_enum)]
    pub(crate) display: Option<DisplayArg>,
    /// claims: the OpenID Connect claims request (a JSON object)
    #[arg(long, value_name = "JSON")]
    pub(crate) claims: Option<String>,
    /// id_token_hint: a previously issued ID token naming the expected user
    #[arg(long, value_name = "JWT", allow_hyphen_values = true)]
    pub(crate) id_token_hint: Option<String>,
    /// An authorization request parameter (repeatable). Standard parameters (prompt,
    /// login_hint, max_age, ui_locales, display, acr_values, claims, id_token_hint, scope,
    /// response_mode) go to their setting; the ones the client owns (state, nonce,
    /// code_challenge*, client_id, redirect_uri, response_type, request, request_uri) are
    /// refused
    #[arg(long = "param", value_name = "K=V", value_parser = parse_param)]
    pub(crate) params: Vec<(String, String)>,
}

/// `--display`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DisplayArg {
    /// A full page.
    Page,
    /// A popup window.
    Popup,
    /// A touch interface.
    Touch,
    /// A feature phone.
    Wap,
}

/// `status`.
#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// The issuer identifier
    #[arg(long, env = "OIDC_ISSUER")]
    pub(crate) issuer: Option<String>,
    /// The client id
    #[arg(long, env = "OIDC_CLIENT_ID")]
    pub(crate) client_id: Option<String>,
    /// The scope the session was cached under
    #[arg(long, default_value = "openid")]
    pub(crate) scope: String,
    /// The login hint the session was signed in with, which names its account when no
    /// --account is given (as for `login`)
    #[arg(long, value_name = "HINT")]
    pub(crate) login_hint: Option<String>,
    #[command(flatten)]
    pub(crate) cache: CacheArgs,
}

/// `completions`.
#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub(crate) shell: clap_complete::Shell,
}

/// `token`: the options of `login` (the cache is always on).
#[derive(Debug, Args)]
pub(crate) struct TokenArgs {
    #[command(flatten)]
    pub(crate) login: LoginArgs,
    /// Print the ID token instead of the access token
    #[arg(long, conflicts_with = "dpop_proof")]
    pub(crate) id_token: bool,
    /// Print the two headers of a request to METHOD URL with the session's DPoP-bound token
    /// (`Authorization: DPoP …` and `DPoP: <proof>`), one per line, for `curl -H`
    #[arg(long, num_args = 2, value_names = ["METHOD", "URL"])]
    pub(crate) dpop_proof: Option<Vec<String>>,
}

/// `--grant`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum GrantArg {
    /// Authorization code (with PKCE).
    Code,
    /// Implicit (tokens through the browser).
    Implicit,
    /// Hybrid (code and ID token through the browser).
    Hybrid,
    /// The device authorization grant (RFC 8628): a code to enter on any device; no
    /// browser on this machine, no loopback.
    Device,
}

/// `--response-mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ResponseModeArg {
    /// In the redirect's query.
    Query,
    /// In the redirect's fragment (relayed by the loopback's page).
    Fragment,
    /// POSTed to the loopback.
    #[value(name = "form_post", alias = "form-post")]
    FormPost,
}

/// `refresh`.
#[derive(Debug, Args)]
pub(crate) struct RefreshArgs {
    #[command(flatten)]
    pub(crate) provider: ProviderArgs,
    #[command(flatten)]
    pub(crate) cache: CacheArgs,
    #[command(flatten)]
    pub(crate) dpop: DpopArgs,
    /// The refresh token [default: the cached session's, with --cache]
    #[arg(
        long,
        env = "OIDC_REFRESH_TOKEN",
        hide_env_values = true,
        allow_hyphen_values = true
    )]
    pub(crate) refresh_token: Option<String>,
    /// The original ID token: a refreshed ID token must keep its iss and sub
    /// [default: the cached session's, with --cache]
    #[arg(long, value_name = "ORIGINAL", allow_hyphen_values = true)]
    pub(crate) id_token: Option<String>,
}

/// `device`.
#[derive(Debug, Args)]
pub(crate) struct DeviceArgs {
    #[command(flatten)]
    pub(crate) provider: ProviderArgs,
    #[command(flatten)]
    pub(crate) cache: CacheArgs,
    #[command(flatten)]
    pub(crate) dpop: DpopArgs,
}

/// `validate`.
#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    #[command(flatten)]
    pub(crate) provider: ProviderArgs,
    /// The ID token; `-` reads it from standard input
    #[arg(
        long,
        env = "OIDC_ID_TOKEN",
        hide_env_values = true,
        allow_hyphen_values = true
    )]
    pub(crate) id_token: String,
    /// The nonce the token must carry
    #[arg(long)]
    pub(crate) nonce: Option<String>,
    /// Verify with this JWKS file instead of the provider's keys (needs --issuer or
    /// --expected-issuer, and --client-id or --expected-audience)
    #[arg(long, value_name = "F")]
    pub(crate) jwks_file: Option<PathBuf>,
}

/// `userinfo`.
#[derive(Debug, Args)]
pub(crate) struct UserinfoArgs {
    #[command(flatten)]
    pub(crate) provider: ProviderArgs,
    /// The access token
    #[arg(
        long,
        env = "OIDC_ACCESS_TOKEN",
        hide_env_values = true,
        allow_hyphen_values = true
    )]
    pub(crate) access_token: String,
    /// The subject the response must name (OpenID Connect Core 5.3.2)
    #[arg(long, conflicts_with = "id_token", allow_hyphen_values = true)]
    pub(crate) sub: Option<String>,
    /// Take the expected subject from this ID token
    #[arg(long, allow_hyphen_values = true)]
    pub(crate) id_token: Option<String>,
}

/// `discover`.
#[derive(Debug, Args)]
pub(crate) struct DiscoverArgs {
    #[command(flatten)]
    pub(crate) provider: ProviderArgs,
}

/// `logout`.
#[derive(Debug, Args)]
pub(crate) struct LogoutArgs {
    #[command(flatten)]
    pub(crate) provider: ProviderArgs,
    #[command(flatten)]
    pub(crate) browser: BrowserArgs,
    /// The cache directory [default: $XDG_CACHE_HOME/oidc-desktop or ~/.cache/oidc-desktop]
    #[arg(long, env = "OIDC_DESKTOP_CACHE_DIR", value_name = "DIR")]
    pub(crate) cache_dir: Option<PathBuf>,
    /// Where the cached session lives (see `login --token-store`)
    #[arg(
        long,
        value_enum,
        env = "OIDC_DESKTOP_TOKEN_STORE",
        default_value = "file",
        value_name = "STORE"
    )]
    pub(crate) token_store: StoreArg,
    /// The account whose cached session to forget (see `login --account`)
    #[arg(long, value_name = "LABEL")]
    pub(crate) account: Option<String>,
    /// The login hint the session was signed in with, which names its account when no
    /// --account is given (as for `login`)
    #[arg(long, value_name = "HINT")]
    pub(crate) login_hint: Option<String>,
    /// Also revoke the cached refresh and access tokens at the provider (RFC 7009)
    #[arg(long)]
    pub(crate) revoke: bool,
    /// Also end the provider's session in the browser (RP-initiated logout)
    #[arg(long)]
    pub(crate) end_session: bool,
    /// id_token_hint for --end-session [default: the cached session's]
    #[arg(long, allow_hyphen_values = true)]
    pub(crate) id_token: Option<String>,
}

/// `revoke`.
#[derive(Debug, Args)]
pub(crate) struct RevokeArgs {
    #[command(flatten)]
    pub(crate) provider: ProviderArgs,
    /// The token to revoke; `-` reads it from standard input
    #[arg(
        long,
        env = "OIDC_TOKEN",
        hide_env_values = true,
        allow_hyphen_values = true
    )]
    pub(crate) token: String,
    /// What the token is
    #[arg(long, value_enum)]
    pub(crate) token_type_hint: Option<TokenHintArg>,
}

/// `--token-type-hint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TokenHintArg {
    /// An access token.
    #[value(name = "access_token", alias = "access-token")]
    AccessToken,
    /// A refresh token.
    #[value(name = "refresh_token", alias = "refresh-token")]
    RefreshToken,
}

/// `agent` (hidden).
#[derive(Debug, Args)]
pub(crate) struct AgentArgs {
    /// The URL to open
    pub(crate) url: String,
    /// Fill a login form (field `username`) with this user
    #[arg(long)]
    pub(crate) user: Option<String>,
    /// … and this password
    #[arg(long, default_value = "")]
    pub(crate) password: String,
    /// Stop at a redirect to an address starting with this, without requesting it (what a
    /// browser on another machine does with the loopback address), and print it
    #[arg(long, value_name = "PREFIX")]
    pub(crate) stop_at: Option<String>,
}

fn parse_param(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("`{s}` is not of the form KEY=VALUE")),
    }
}

fn parse_flags(s: &str) -> Result<u32, String> {
    let t = s.trim();
    let r = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16),
        None => t.parse(),
    };
    r.map_err(|_| format!("`{s}` is not a number (decimal or 0x hex)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory as _;
        Cli::command().debug_assert();
    }

    #[test]
    fn params_and_flags_parse() {
        assert_eq!(
            parse_param("a=b=c").unwrap(),
            ("a".to_owned(), "b=c".to_owned())
        );
        assert!(parse_param("=x").is_err());
        assert!(parse_param("x").is_err());
        assert_eq!(parse_flags("0x48").unwrap(), 0x48);
        assert_eq!(parse_flags("8").unwrap(), 8);
        assert!(parse_flags("0xzz").is_err());
    }
}
