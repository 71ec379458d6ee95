//! Runs one case in one variant: a fresh provider, the real facade, the real loopback, and
//! the scripted agent (or headless Chromium); then reads the provider's request log.

use std::sync::Arc;
use std::time::Duration;

use oidc_core::{PkceVerifier, ResponseMode, ResponseType};
use oidc_desktop::testing::HttpAgent;
use oidc_desktop::{BrowserLauncher, OidcDesktop, Session};
use oidc_jose::{Algorithm, SigningKey};
use oidc_testop::{Client, Endpoint, JwksPath, OpConfig, RecordedRequest, TestOp};
use oidc_token::UserInfoStyle;

use crate::catalogue::{Case, ClientKind, Expect, Script, Stage, client_secret};
use crate::chromium::Chromium;
use crate::profile::{Agent, Flow, Variant};

/// The facade's timeout for one sign-in (the state-mismatch case shortens it).
pub(crate) const FACADE_TIMEOUT: Duration = Duration::from_secs(15);
/// The hard bound on one row, setup included.
const ROW_TIMEOUT: Duration = Duration::from_secs(45);
const REDIRECT: &str = "http://127.0.0.1/callback";

/// What a check sees.
pub(crate) struct Run<'a> {
    pub(crate) variant: &'a Variant,
    pub(crate) result: &'a Result<Session, oidc_desktop::Error>,
    /// The requests of the phase under test.
    pub(crate) log: &'a [RecordedRequest],
    pub(crate) userinfo_style: UserInfoStyle,
}

impl Run<'_> {
    pub(crate) fn requests_to(&self, e: Endpoint) -> Vec<&RecordedRequest> {
        self.log.iter().filter(|r| r.endpoint == e).collect()
    }

    /// A parameter of the authorization request: from the PAR body when the request was
    /// pushed, else from the authorization URL.
    pub(crate) fn authorization_param(&self, name: &str) -> Option<&str> {
        self.log
            .iter()
            .find(|r| r.endpoint == Endpoint::PushedAuthorization)
            .and_then(|r| r.param(name))
            .or_else(|| {
                self.log
                    .iter()
                    .find(|r| r.endpoint == Endpoint::Authorization)
                    .and_then(|r| r.param(name))
            })
    }
}

/// What one run observed.
#[derive(Debug, Default)]
pub(crate) struct Observed {
    /// The session was returned.
    pub(crate) accepted: bool,
    pub(crate) kind: Option<String>,
    pub(crate) code: Option<u16>,
    pub(crate) error: Option<String>,
    /// Failed checks of the request log and of the session.
    pub(crate) problems: Vec<String>,
}

/// Who opens the authorization URL.
pub(crate) enum BrowserChoice {
    Scripted,
    Chromium(Arc<Chromium>),
}

/// Runs `case` in `v`. `Err` is a harness failure (the provider did not start, the clean
/// sign-in before a refresh failed, the row timed out).
pub(crate) async fn execute(case: &Case, v: &Variant, browser: BrowserChoice) -> Observed {
    let chromium = match &browser {
        BrowserChoice::Chromium(c) => Some(Arc::clone(c)),
        BrowserChoice::Scripted => None,
    };
    let out = match tokio::time::timeout(ROW_TIMEOUT, execute_inner(case, v, browser)).await {
        Ok(Ok(o)) => o,
        Ok(Err(e)) => Observed {
            problems: vec![format!("harness: {e}")],
            ..Observed::default()
        },
        Err(_) => Observed {
            problems: vec![format!("harness: the row took longer than {ROW_TIMEOUT:?}")],
            ..Observed::default()
        },
    };
    if let Some(c) = chromium {
        c.cleanup();
    }
    out
}

async fn execute_inner(
    case: &Case,
    v: &Variant,
    browser: BrowserChoice,
) -> Result<Observed, String> {
    let mut cfg = OpConfig::default();
    if v.flow == Flow::Config {
        cfg.issuer_path = "/config-profile".to_owned();
        cfg.jwks_path = JwksPath::Random;
    }
    (case.op)(&mut cfg);
    let mut secret = None;
    let mut key = None;
    let client_id = match case.client {
        ClientKind::Public => "test-client".to_owned(),
        ClientKind::PublicAlg(alg) => {
            cfg.clients
                .push(Client::public("alg-client", REDIRECT).id_token_alg(alg));
            "alg-client".to_owned()
        }
        ClientKind::Confidential(auth, alg) => {
            cfg.clients.push(
                Client::confidential("conf-client", client_secret(), auth, REDIRECT)
                    .id_token_alg(alg),
            );
            secret = Some(client_secret());
            "conf-client".to_owned()
        }
        ClientKind::PrivateKeyJwt => {
            let k = SigningKey::generate_ec(Algorithm::ES256)
                .map_err(|e| format!("client key: {e}"))?
                .with_kid("conformance-client-key");
            let jwk = k.public_jwk_json().ok_or("client key has no public JWK")?;
            let jwks = serde_json::json!({ "keys": [jwk] }).to_string();
            cfg.clients
                .push(Client::private_key_jwt("pkjwt-client", jwks, REDIRECT));
            key = Some(Arc::new(k));
            "pkjwt-client".to_owned()
        }
    };
    let op = TestOp::start(cfg)
        .await
        .map_err(|e| format!("the test provider did not start: {e}"))?;
    let h = op.handle();

    let launcher: Arc<dyn BrowserLauncher> = match browser {
        BrowserChoice::Scripted => Arc::new(HttpAgent::new()),
        BrowserChoice::Chromium(c) => c,
    };
    let builder = match v.flow {
        Flow::Config => OidcDesktop::from_discovery_url(h.discovery_url().as_str()),
        Flow::Browser | Flow::Refresh => OidcDesktop::builder(&h.issuer()),
    };
    let style = case.userinfo_style;
    let rt = v.rt;
    let mode = v.mode;
    let code_query = v.code_only() && mode == ResponseMode::Query;
    let mut builder = builder
        .client_id(client_id)
        .browser(launcher)
        .timeout(FACADE_TIMEOUT)
        .fetch_userinfo(true)
        .scope("openid profile email")
        .userinfo_style(style);
    if !code_query && let Ok(t) = ResponseType::parse(rt) {
        builder = builder
            .grant_type(t.grant_type())
            .response_type(t)
            .response_mode(mode);
    }
    if let Some(s) = secret {
        // The catalogue's HS256 cases are for a client that accepts HMAC ID tokens keyed
        // with its secret (the RP certification profile); the alg-confusion cases are then
        // the harder test.
        builder = builder.client_secret(s).allow_hmac_id_tokens(true);
    }
    if let Some(k) = key {
        builder = builder.private_key(k);
    }
    let client = (case.tweak)(builder)
        .build()
        .map_err(|e| format!("the facade did not build: {e}"))?;

    let clean_first = v.flow == Flow::Refresh || case.script == Script::RotateBetween;
    let first = if clean_first {
        let s = client.authenticate().await.map_err(|e| {
            format!(
                "the clean sign-in before the step under test failed: {e} ({})",
                e.kind()
            )
        })?;
        if case.script == Script::RotateBetween {
            h.rotate_keys().map_err(|e| format!("key rotation: {e}"))?;
        }
        Some(s)
    } else {
        None
    };
    h.set_faults(case.faults.iter().cloned());
    h.clear_requests();
    let result = match (&first, v.flow) {
        (Some(s), Flow::Refresh) => {
            if s.refresh_token().is_none() {
                return Err("the clean sign-in returned no refresh token".into());
            }
            // The session itself: its original claims and, when bound, its DPoP key.
            let mut refreshed = s.clone();
            client.refresh(&mut refreshed).await.map(|()| refreshed)
        }
        _ => client.authenticate().await,
    };
    let log = h.requests();
    let panics = h.take_panics();
    drop(op);

    let run = Run {
        variant: v,
        result: &result,
        log: &log,
        userinfo_style: style,
    };
    let mut problems: Vec<String> = panics
        .into_iter()
        .map(|p| format!("provider handler panicked: {p}"))
        .collect();
    problems.extend(generic_checks(case, &run));
    problems.extend((case.check)(&run));
    Ok(match &result {
        Ok(_) => Observed {
            accepted: true,
            problems,
            ..Observed::default()
        },
        Err(e) => Observed {
            accepted: false,
            kind: Some(e.kind().to_owned()),
            code: Some(e.code()),
            error: Some(e.to_string()),
            problems,
        },
    })
}

/// The request-log rules every case shares.
fn generic_checks(case: &Case, run: &Run<'_>) -> Vec<String> {
    let v = run.variant;
    let n = |e| run.requests_to(e).len();
    let mut out = Vec::new();
    if v.refresh() && n(Endpoint::Authorization) > 0 {
        out.push("an authorization request during a refresh".to_owned());
    }
    match (&case.expect, run.result) {
        (Expect::Reject { .. }, Err(_)) => {
            let no = |out: &mut Vec<String>, e: Endpoint, why: &str| {
                if n(e) > 0 {
                    out.push(format!("{} {e:?} request(s) {why}", n(e)));
                }
            };
            match case.stage {
                Stage::Discovery => {
                    for e in [
                        Endpoint::Authorization,
                        Endpoint::PushedAuthorization,
                        Endpoint::Token,
                        Endpoint::UserInfo,
                    ] {
                        no(&mut out, e, "after a discovery rejection");
                    }
                }
                Stage::FrontChannel => {
                    no(&mut out, Endpoint::Token, "after a front-channel rejection");
                    no(
                        &mut out,
                        Endpoint::UserInfo,
                        "after a front-channel rejection",
                    );
                }
                Stage::IdToken => {
                    if v.browser() && v.front_id_token() {
                        no(
                            &mut out,
                            Endpoint::Token,
                            "after a bad front-channel ID token",
                        );
                    } else if n(Endpoint::Token) == 0 {
                        out.push("no token request before the ID-token rejection".to_owned());
                    }
                    no(&mut out, Endpoint::UserInfo, "after a bad ID token");
                }
                Stage::Token => {
                    if n(Endpoint::Token) == 0 {
                        out.push("no token request".to_owned());
                    }
                    no(&mut out, Endpoint::UserInfo, "after a token endpoint error");
                }
                Stage::UserInfo => {
                    if n(Endpoint::UserInfo) != 1 {
                        out.push(format!(
                            "{} UserInfo requests, expected 1",
                            n(Endpoint::UserInfo)
                        ));
                    }
                }
            }
        }
        (Expect::Accept, Ok(s)) => {
            if s.claims().is_none() {
                out.push("the session has no validated ID token subject".to_owned());
            }
            if v.browser() {
                if run.authorization_param("state").is_none() {
                    out.push("no state in the authorization request".to_owned());
                }
                if v.front_id_token() && run.authorization_param("nonce").is_none() {
                    out.push("no nonce in an implicit/hybrid authorization request".to_owned());
                }
                if v.code() {
                    out.extend(pkce(run));
                }
            } else {
                let grants: Vec<_> = run
                    .requests_to(Endpoint::Token)
                    .iter()
                    .map(|r| r.param("grant_type").unwrap_or("").to_owned())
                    .collect();
                if grants != ["refresh_token"] {
                    out.push(format!(
                        "token requests {grants:?}, expected one refresh_token grant"
                    ));
                }
            }
            let ui = run.requests_to(Endpoint::UserInfo);
            if s.access_token().is_some() {
                if ui.len() != 1 {
                    out.push(format!("{} UserInfo requests, expected 1", ui.len()));
                }
                // A DPoP-bound token goes in the header with its own scheme (RFC 9449 §7.1).
                let scheme = if s.dpop_thumbprint().is_some() {
                    "DPoP "
                } else {
                    "Bearer "
                };
                if run.userinfo_style != UserInfoStyle::PostWithFormBody || scheme == "DPoP " {
                    for r in ui {
                        if !r
                            .header("authorization")
                            .is_some_and(|a| a.starts_with(scheme))
                        {
                            out.push(format!(
                                "UserInfo request without `Authorization: {}`",
                                scheme.trim_end()
                            ));
                        }
                    }
                }
            } else if !ui.is_empty() {
                out.push("a UserInfo request without an access token".to_owned());
            }
        }
        _ => {}
    }
    out
}

/// PKCE: an S256 challenge was sent and the verifier presented at the token endpoint matches.
fn pkce(run: &Run<'_>) -> Vec<String> {
    let challenge = run.authorization_param("code_challenge");
    let method = run.authorization_param("code_challenge_method");
    let token = run.requests_to(Endpoint::Token);
    let Some(exchange) = token
        .iter()
        .find(|r| r.param("grant_type") == Some("authorization_code"))
    else {
        return vec!["no authorization_code exchange".to_owned()];
    };
    let verifier = exchange.param("code_verifier");
    match (challenge, method, verifier) {
        (Some(c), Some("S256"), Some(v)) => match PkceVerifier::parse(v) {
            Ok(p) if p.challenge().challenge == c => Vec::new(),
            _ => vec!["the code_verifier does not match the S256 code_challenge".to_owned()],
        },
        _ => vec![format!(
            "PKCE incomplete: challenge {:?}, method {method:?}, verifier presented {}",
            challenge.is_some(),
            verifier.is_some()
        )],
    }
}

/// Whether `v` needs Chromium.
pub(crate) fn needs_chromium(v: &Variant) -> bool {
    v.agent == Agent::Chromium
}
