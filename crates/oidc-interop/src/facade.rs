//! The matrix through the facade (`oidc_desktop::OidcDesktop`), with the scripted user and
//! with headless Chromium.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use oidc_desktop::core::{GrantType, Prompt, RefreshToken, ResponseMode, ResponseType};
use oidc_desktop::{
    ClientAuthMethod, DeviceCodePrompt, Error, Events, OidcDesktop, OidcDesktopBuilder, ParMode,
    RecordingEvents, Session, TokenKind,
};

use crate::agent::{Agent, Mode, Outcome};
use crate::chromium::wait_report;
use crate::{Check, Env, Matrix, ensure};

/// The scope of every browser sign-in that wants a refresh token.
const FULL_SCOPE: &str = "openid profile email offline_access";
const SECRET: &str = "desktop-secret-password";

pub(crate) fn builder(env: &Env, client_id: &str) -> OidcDesktopBuilder {
    // offline_access survives only with prompt=consent (OIDC Core §11).
    base(env, client_id).prompt(Prompt::Consent)
}

/// The client without a `prompt`, for the cases that ask for no refresh token.
fn base(env: &Env, client_id: &str) -> OidcDesktopBuilder {
    OidcDesktop::builder(&env.issuer)
        .client_id(client_id)
        .scope(FULL_SCOPE)
        // The provider advertises PAR, so `Auto` would push every request; the PAR row
        // turns it on, the others test the plain front channel.
        .par(ParMode::Never)
        .timeout(Duration::from_secs(30))
}

/// A refresh with a refresh token alone (no session of its own): `Ok` is the refreshed
/// session.
async fn refresh_with(client: &OidcDesktop, rt: &RefreshToken) -> Result<Session, Error> {
    let mut s = client.session_from_refresh_token(rt.clone(), None);
    client.refresh(&mut s).await.map(|()| s)
}

fn agent(env: &Env, mode: Mode) -> Result<Agent, String> {
    Agent::new(&env.issuer, "alice", mode)
}

pub(crate) fn fail(e: &Error) -> String {
    let provider = e
        .provider_error()
        .map(|p| {
            format!(
                " provider error {} ({})",
                p.error,
                p.error_description.unwrap_or_default()
            )
        })
        .unwrap_or_default();
    format!("{} [{} code {}]{provider}", e, e.kind(), e.code())
}

/// The error of an operation that must fail.
fn refused<T>(r: Result<T, Error>, success_means: &str) -> Result<Error, String> {
    match r {
        Ok(_) => Err(success_means.to_owned()),
        Err(e) => Ok(e),
    }
}

/// The `alg` of a compact JWS.
fn jws_alg(token: &str) -> String {
    token
        .split('.')
        .next()
        .and_then(|h| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(h)
                .ok()
        })
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v["alg"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn sub(s: &Session) -> String {
    s.claims()
        .map(|c| c.subject().to_owned())
        .unwrap_or_default()
}

async fn agent_trace(a: &Agent) -> Outcome {
    a.finished(Duration::from_secs(5)).await.unwrap_or_default()
}

/// Authorization code + PKCE through the scripted user; checks the common ground.
async fn code_flow(
    env: &Env,
    client_id: &str,
    alg: &str,
    auth: Option<ClientAuthMethod>,
) -> Result<(Session, String), String> {
    let a = agent(env, Mode::Approve)?;
    let mut b = builder(env, client_id)
        .browser(Arc::new(a.clone()))
        .fetch_userinfo(true);
    if let Some(auth) = auth {
        b = b.client_secret(SECRET).client_auth(auth);
    }
    let client = b.build().map_err(|e| fail(&e))?;
    let s = client.authenticate().await.map_err(|e| fail(&e))?;
    let trace = agent_trace(&a).await;
    let first = trace.trace.first().cloned().unwrap_or_default();
    ensure!(
        first.contains("code_challenge_method=S256") && first.contains("code_challenge="),
        "no PKCE S256 challenge in the authorization request: {first}"
    );
    ensure!(
        trace.went_to("/interaction/") && trace.body.contains("signed in"),
        "the user did not pass the provider's login and consent pages to our success page"
    );
    ensure!(sub(&s) == "alice", "sub {:?}", sub(&s));
    let id = s.id_token().ok_or("no id_token")?;
    let got = jws_alg(id.secret());
    ensure!(got == alg, "ID token alg {got}, want {alg}");
    ensure!(
        s.get_query_param("iss") == Some(env.issuer.as_str()),
        "RFC 9207 iss {:?}",
        s.get_query_param("iss")
    );
    ensure!(s.refresh_token().is_some(), "no refresh token");
    let u = s.userinfo().ok_or("no userinfo")?;
    ensure!(
        u.claims().email.as_deref() == Some("alice@example.com"),
        "userinfo email {:?}",
        u.claims().email
    );
    let detail = format!(
        "sub=alice, ID token {alg} verified, iss param checked, PKCE S256, refresh token, userinfo email {}",
        u.claims().email.clone().unwrap_or_default()
    );
    Ok((s, detail))
}

/// Hybrid and implicit with form_post.
async fn front_channel(env: &Env, rt: &str, grant: GrantType) -> Check {
    let a = agent(env, Mode::Approve)?;
    let rtype = ResponseType::parse(rt).map_err(|e| format!("{rt}: {e}"))?;
    let client = base(env, "desktop-public")
        .scope("openid profile email")
        .browser(Arc::new(a.clone()))
        .grant_type(grant)
        .response_type(rtype)
        .response_mode(ResponseMode::FormPost)
        .build()
        .map_err(|e| fail(&e))?;
    let s = client.authenticate().await.map_err(|e| fail(&e))?;
    let trace = agent_trace(&a).await;
    ensure!(
        trace.trace.last().is_some_and(|t| t.starts_with("POST ")),
        "the response did not arrive by form_post: {:?}",
        trace.trace.last()
    );
    let front_id = s
        .get_query_param("id_token")
        .ok_or("no front-channel id_token")?;
    ensure!(!front_id.is_empty(), "empty id_token");
    ensure!(
        s.get_query_param("iss").is_none(),
        "the provider sent iss with an id_token (it should not, README caveat 4)"
    );
    ensure!(sub(&s) == "alice", "sub {:?}", sub(&s));
    let mut d = vec![format!(
        "form_post POST to loopback, front-channel id_token (sub alice) validated, no iss param"
    )];
    if rt.contains("code") {
        ensure!(
            s.get_query_param("code").is_some(),
            "no code in the response"
        );
        d.push("c_hash checked, code exchanged, back-channel ID token matches".to_owned());
    }
    if rt.ends_with(" token") {
        let at = s
            .get_query_param("access_token")
            .ok_or("no front-channel access_token")?;
        ensure!(!at.is_empty(), "empty access_token");
        let u = client
            .request_user_info(s.access_token().ok_or("no access token")?, "alice")
            .await
            .map_err(|e| fail(&e))?;
        ensure!(u.sub() == Some("alice"), "userinfo sub");
        d.push("at_hash checked, access token works at userinfo".to_owned());
    }
    Ok(d.join("; "))
}

#[derive(Debug)]
struct DeviceUser {
    agent: Agent,
}

impl Events for DeviceUser {
    fn on_device_code(&self, prompt: &DeviceCodePrompt) {
        let url = prompt.verification_uri_complete.clone().unwrap_or_else(|| {
            format!("{}?user_code={}", prompt.verification_uri, prompt.user_code)
        });
        let a = self.agent.clone();
        if let Ok(h) = tokio::runtime::Handle::try_current() {
            h.spawn(async move {
                a.navigate(&url).await;
            });
        }
    }
}

/// The auth URL a fresh sign-in would start with (to look at which page the provider shows).
fn probe_auth_url(env: &Env) -> String {
    // S256 of the RFC 7636 appendix B verifier.
    format!(
        "{}/auth?client_id=desktop-public&response_type=code&scope=openid&state=probe&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcallback&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
        env.issuer
    )
}

fn page_kind(o: &Outcome) -> &'static str {
    if o.body.contains("name=\"login\"") {
        "login"
    } else if o.body.contains("value=\"consent\"") {
        "consent"
    } else {
        "other"
    }
}

async fn chromium_row(env: &Env, kind: &str) -> Check {
    let Some(ch) = &env.chromium else {
        return Err(env.chromium_missing.clone().unwrap_or_default());
    };
    let result = env.work.join(format!("browser-{kind}.json"));
    let _ = std::fs::remove_file(&result);
    let (shot, action) = match kind {
        "deny" => (env.work.join("failure.png"), "deny"),
        "code" => (env.work.join("success.png"), "approve"),
        _ => (env.work.join(format!("success-{kind}.png")), "approve"),
    };
    let b = if kind == "form_post" {
        let rt = ResponseType::parse("code id_token").map_err(|e| e.to_string())?;
        base(env, "desktop-public")
            .scope("openid profile email")
            .grant_type(GrantType::Hybrid)
            .response_type(rt)
            .response_mode(ResponseMode::FormPost)
    } else {
        builder(env, "desktop-public")
    };
    let client = b
        .browser_command(ch.command(&result, Some(&shot), action))
        .fetch_userinfo(true)
        .build()
        .map_err(|e| fail(&e))?;
    let r = client.authenticate().await;
    let report = wait_report(&result, Duration::from_secs(30)).await?;
    ensure!(
        report.ok,
        "browser: {} (steps {:?})",
        report.error.clone().unwrap_or_default(),
        report.steps
    );
    ensure!(shot.is_file(), "no screenshot {}", shot.display());
    let steps = report.steps.join(" → ");
    let blocked = if report.blocked.is_empty() {
        String::new()
    } else {
        format!(
            "; blocked non-loopback requests to {}",
            report.blocked.join(", ")
        )
    };
    let text = report.text.replace('\n', " / ");
    let landed = format!(
        "{} (title \"{}\")",
        report.app_requests.join(", "),
        report.title
    );
    if kind == "deny" {
        let e = refused(r, "signed in although the user cancelled")?;
        ensure!(
            e.provider_error()
                .is_some_and(|p| p.error == "access_denied")
                && e.code() == 940,
            "want access_denied / 940, got {}",
            fail(&e)
        );
        ensure!(
            report.text.contains("Sign-in did not complete")
                && report.text.contains("access_denied"),
            "the failure page says {text:?}"
        );
        return Ok(format!(
            "{steps}; {landed}; facade error access_denied code {}; page text \"{text}\"; {}{blocked}",
            e.code(),
            shot.display()
        ));
    }
    let s = r.map_err(|e| fail(&e))?;
    ensure!(sub(&s) == "alice", "sub {:?}", sub(&s));
    ensure!(
        report.text.contains("You are signed in"),
        "the success page says {text:?}"
    );
    if kind == "form_post" {
        ensure!(
            s.get_query_param("id_token").is_some() && s.get_query_param("code").is_some(),
            "no code + id_token in the form_post response"
        );
        ensure!(
            report.app_requests.iter().any(|r| r.starts_with("POST ")),
            "Chromium did not POST the response to the loopback: {:?}",
            report.app_requests
        );
    }
    Ok(format!(
        "{steps}; {landed}; signed in as alice; page text \"{text}\"; {}{blocked}",
        shot.display()
    ))
}

/// Every facade row.
pub(crate) async fn rows(env: &Env, m: &mut Matrix, ci: bool) {
    for (id, client, alg, what) in [
        (
            "code-rs256",
            "desktop-public",
            "RS256",
            "authorization code + PKCE, public client, RS256 ID token, userinfo",
        ),
        (
            "code-es256",
            "desktop-public-es256",
            "ES256",
            "authorization code + PKCE, public client, ES256 ID token",
        ),
        (
            "code-eddsa",
            "desktop-public-eddsa",
            "EdDSA",
            "authorization code + PKCE, public client, EdDSA (Ed25519) ID token",
        ),
    ] {
        m.row(id, "facade", what, async {
            code_flow(env, client, alg, None).await.map(|(_, d)| d)
        })
        .await;
    }
    m.row(
        "confidential-basic",
        "facade",
        "confidential client, client_secret_basic",
        async {
            code_flow(
                env,
                "desktop-secret",
                "RS256",
                Some(ClientAuthMethod::ClientSecretBasic),
            )
            .await
            .map(|(_, d)| format!("desktop-secret with HTTP Basic; {d}"))
        },
    )
    .await;
    m.row(
        "confidential-post",
        "facade",
        "confidential client, client_secret_post",
        async {
            code_flow(
                env,
                "desktop-secret",
                "RS256",
                Some(ClientAuthMethod::ClientSecretPost),
            )
            .await
            .map(|(_, d)| format!("desktop-secret with the secret in the body; {d}"))
        },
    )
    .await;
    m.row(
        "confidential-wrong-secret",
        "facade",
        "a wrong client secret is refused at the token endpoint",
        async {
            let a = agent(env, Mode::Approve)?;
            let client = builder(env, "desktop-secret")
                .client_secret("wrong")
                .client_auth(ClientAuthMethod::ClientSecretBasic)
                .browser(Arc::new(a))
                .build()
                .map_err(|e| fail(&e))?;
            match client.authenticate().await {
                Ok(_) => Err("signed in with a wrong secret".to_owned()),
                Err(e) => {
                    ensure!(
                        e.provider_error()
                            .is_some_and(|p| p.error == "invalid_client"),
                        "want invalid_client, got {}",
                        fail(&e)
                    );
                    Ok(format!(
                        "invalid_client surfaced ({}, code {})",
                        e.kind(),
                        e.code()
                    ))
                }
            }
        },
    )
    .await;

    // Refresh with rotation, then the replay that the provider punishes.
    let mut consumed: Option<(RefreshToken, Session)> = None;
    m.row(
        "refresh-rotation",
        "facade",
        "refresh token rotates on every use; the session keeps only the newest",
        async {
            let (mut s, _) = code_flow(env, "desktop-public", "RS256", None).await?;
            let client = builder(env, "desktop-public")
                .fetch_userinfo(true)
                .build()
                .map_err(|e| fail(&e))?;
            let rt0 = s.refresh_token().cloned().ok_or("no refresh token")?;
            let at0 = s.access_token().map(|a| a.secret().to_owned());
            client.refresh(&mut s).await.map_err(|e| fail(&e))?;
            let rt1 = s.refresh_token().cloned().ok_or("no refresh token after refresh")?;
            ensure!(rt1.secret() != rt0.secret(), "the refresh token did not rotate");
            ensure!(
                s.access_token().map(|a| a.secret().to_owned()) != at0,
                "no new access token"
            );
            ensure!(sub(&s) == "alice", "refreshed ID token sub {:?}", sub(&s));
            client.refresh(&mut s).await.map_err(|e| fail(&e))?;
            let rt2 = s.refresh_token().cloned().ok_or("no refresh token after 2nd refresh")?;
            ensure!(rt2.secret() != rt1.secret(), "the second refresh did not rotate");
            let u = client
                .request_user_info(s.access_token().ok_or("no access token")?, "alice")
                .await
                .map_err(|e| fail(&e))?;
            ensure!(u.sub() == Some("alice"), "userinfo with the refreshed token");
            consumed = Some((rt0, s));
            Ok("RT0→RT1→RT2 (each rotated, session holds only the newest), refreshed ID token validated against the original (iss/sub), userinfo with the refreshed access token".to_owned())
        },
    )
    .await;
    m.row(
        "refresh-replay",
        "facade",
        "replaying a consumed refresh token is refused and revokes the grant",
        async {
            let (old, s) = consumed.take().ok_or("needs refresh-rotation")?;
            let client = builder(env, "desktop-public").build().map_err(|e| fail(&e))?;
            let e = refused(refresh_with(&client, &old).await, "the consumed refresh token still worked")?;
            ensure!(
                e.provider_error().is_some_and(|p| p.error == "invalid_grant"),
                "want invalid_grant, got {}",
                fail(&e)
            );
            let newest = s.refresh_token().cloned().ok_or("no newest token")?;
            let e2 = refused(refresh_with(&client, &newest).await, "the newest refresh token survived the replay")?;
            ensure!(
                e2.provider_error().is_some_and(|p| p.error == "invalid_grant"),
                "want invalid_grant for the newest, got {}",
                fail(&e2)
            );
            Ok(format!(
                "old RT → invalid_grant ({}, code {}); then the newest RT is dead too (whole grant revoked)",
                e.kind(),
                e.code()
            ))
        },
    )
    .await;

    m.row(
        "hybrid-code-id_token",
        "facade",
        "hybrid `code id_token`, response_mode=form_post",
        front_channel(env, "code id_token", GrantType::Hybrid),
    )
    .await;
    m.row(
        "hybrid-code-id_token-token",
        "facade",
        "hybrid `code id_token token`, response_mode=form_post",
        front_channel(env, "code id_token token", GrantType::Hybrid),
    )
    .await;
    m.row(
        "implicit-id_token-token",
        "facade",
        "implicit `id_token token`, response_mode=form_post",
        front_channel(env, "id_token token", GrantType::Implicit),
    )
    .await;

    m.row(
        "userinfo",
        "facade",
        "UserInfo: claims of alice; a wrong expected sub is refused",
        async {
            let (s, _) = code_flow(env, "desktop-public", "RS256", None).await?;
            let client = builder(env, "desktop-public").build().map_err(|e| fail(&e))?;
            let at = s.access_token().ok_or("no access token")?;
            let u = client
                .request_user_info(at, "alice")
                .await
                .map_err(|e| fail(&e))?;
            let c = u.claims();
            ensure!(
                c.email.as_deref() == Some("alice@example.com")
                    && c.email_verified == Some(true)
                    && c.name.as_deref() == Some("Alice Example"),
                "claims {:?}",
                u.json()
            );
            let e = refused(client.request_user_info(at, "bob").await, "userinfo for sub alice accepted as bob")?;
            let id_email = s.claims().and_then(|c| c.user().email.clone());
            Ok(format!(
                "email alice@example.com (verified), name Alice Example; ID token email {:?} (claims only at userinfo); expected sub bob → {} ({})",
                id_email,
                e.kind(),
                e.code()
            ))
        },
    )
    .await;

    m.row(
        "device",
        "facade",
        "device authorization grant (RFC 8628), user side scripted",
        async {
            let user = agent(env, Mode::Approve)?;
            let client = base(env, "desktop-public")
                .events(Arc::new(DeviceUser {
                    agent: user.clone(),
                }))
                .timeout(Duration::from_secs(40))
                .build()
                .map_err(|e| fail(&e))?;
            let s = client.authenticate_device().await.map_err(|e| fail(&e))?;
            let o = user.finished(Duration::from_secs(5)).await.unwrap_or_default();
            ensure!(
                o.body.contains("Sign-in Success"),
                "the device page did not end on Sign-in Success: {}",
                o.trace.join(", ")
            );
            ensure!(sub(&s) == "alice", "sub {:?}", sub(&s));
            ensure!(
                s.refresh_token().is_some(),
                "no refresh token (offline_access should work without prompt in the device flow)"
            );
            Ok("user code confirmed, login + consent, \"Sign-in Success\"; polled tokens, ID token validated, refresh token issued without prompt=consent".to_owned())
        },
    )
    .await;

    m.row(
        "logout",
        "facade",
        "RP-initiated logout to a loopback post_logout_redirect_uri",
        async {
            let a = agent(env, Mode::Approve)?;
            let client = builder(env, "desktop-public")
                .browser(Arc::new(a.clone()))
                .build()
                .map_err(|e| fail(&e))?;
            let s = client.authenticate().await.map_err(|e| fail(&e))?;
            let before = page_kind(&a.with_mode(Mode::Look).navigate(&probe_auth_url(env)).await);
            ensure!(before == "consent", "before logout the provider showed {before}, want consent (session alive)");
            client
                .logout(&s)
                .await
                .map_err(|e| fail(&e))?;
            let o = agent_trace(&a).await;
            ensure!(
                o.went_to("/session/end/confirm") && o.url.contains("/logged-out?state="),
                "the logout did not confirm and come back: {}",
                o.trace.join(", ")
            );
            let after = page_kind(&a.with_mode(Mode::Look).navigate(&probe_auth_url(env)).await);
            ensure!(after == "login", "after logout the provider showed {after}, want login");
            Ok("end_session with id_token_hint → confirm form (logout=yes) → 303 to http://127.0.0.1:<port>/logged-out?state=…, state checked; provider session gone (login page shown again)".to_owned())
        },
    )
    .await;

    m.row(
        "revocation",
        "facade",
        "revocation (RFC 7009) of the refresh and access tokens",
        async {
            let (s, _) = code_flow(env, "desktop-public", "RS256", None).await?;
            let client = builder(env, "desktop-public").build().map_err(|e| fail(&e))?;
            let rt = s.refresh_token().cloned().ok_or("no refresh token")?;
            client
                .revoke(&s, TokenKind::Refresh)
                .await
                .map_err(|e| fail(&e))?;
            let e = refused(refresh_with(&client, &rt).await, "the revoked refresh token still worked")?;
            ensure!(
                e.provider_error().is_some_and(|p| p.error == "invalid_grant"),
                "want invalid_grant, got {}",
                fail(&e)
            );
            let at = s.access_token().ok_or("no access token")?;
            client
                .revoke(&s, TokenKind::Access)
                .await
                .map_err(|e| fail(&e))?;
            let e2 = refused(client.request_user_info(at, "alice").await, "the revoked access token still works at userinfo")?;
            Ok(format!(
                "refresh token revoked → refresh gets invalid_grant; access token revoked → userinfo refuses ({})",
                e2.kind()
            ))
        },
    )
    .await;

    m.row(
        "par",
        "facade",
        "Pushed Authorization Request (RFC 9126)",
        async {
            let a = agent(env, Mode::Approve)?;
            let events = Arc::new(RecordingEvents::new());
            let client = builder(env, "desktop-public")
                .browser(Arc::new(a.clone()))
                .events(events.clone())
                .par(ParMode::Always)
                .build()
                .map_err(|e| fail(&e))?;
            let s = client.authenticate().await.map_err(|e| fail(&e))?;
            let o = agent_trace(&a).await;
            let first = o.trace.first().cloned().unwrap_or_default();
            ensure!(
                first.contains("request_uri=urn") && !first.contains("code_challenge"),
                "the browser did not get a request_uri-only URL: {first}"
            );
            ensure!(
                events.events().iter().any(|e| e.contains("pushed")),
                "no 'pushed' log event"
            );
            ensure!(sub(&s) == "alice" && s.refresh_token().is_some(), "sub/refresh token");
            Ok("request pushed to /request (201 request_uri), browser got only client_id + request_uri; signed in as alice".to_owned())
        },
    )
    .await;

    m.row(
        "access-denied",
        "facade",
        "the user cancels at the provider: access_denied surfaced",
        async {
            let a = agent(env, Mode::Deny)?;
            let client = builder(env, "desktop-public")
                .browser(Arc::new(a.clone()))
                .build()
                .map_err(|e| fail(&e))?;
            let e = refused(client.authenticate().await, "signed in although the user cancelled")?;
            ensure!(
                e.provider_error().is_some_and(|p| p.error == "access_denied") && e.code() == 940,
                "want access_denied / 940, got {}",
                fail(&e)
            );
            let o = agent_trace(&a).await;
            ensure!(
                o.body.contains("Sign-in did not complete"),
                "the loopback did not show the failure page"
            );
            Ok(format!(
                "[ Cancel ] → error=access_denied (\"{}\") → Error kind {} code {}; failure page shown",
                e.provider_error().and_then(|p| p.error_description).unwrap_or_default(),
                e.kind(),
                e.code()
            ))
        },
    )
    .await;

    m.row(
        "prompt-none",
        "facade",
        "prompt=none with a live session: interaction_required surfaced as 940",
        async {
            let a = agent(env, Mode::Approve)?;
            // A live provider session first, so the refusal is the native-consent rule.
            builder(env, "desktop-public")
                .browser(Arc::new(a.clone()))
                .build()
                .map_err(|e| fail(&e))?
                .authenticate()
                .await
                .map_err(|e| fail(&e))?;
            // `base`, not `builder`: `prompt` settings add up, and `none` goes alone.
            let client = base(env, "desktop-public")
                .scope("openid")
                .browser(Arc::new(a.clone()))
                .prompt(Prompt::None)
                .build()
                .map_err(|e| fail(&e))?;
            let e = refused(client.authenticate().await, "prompt=none signed in")?;
            let pe = e.provider_error().map(|p| p.error).unwrap_or_default();
            ensure!(
                (pe == "interaction_required" || pe == "login_required") && e.code() == 940,
                "want interaction_required / 940, got {}",
                fail(&e)
            );
            Ok(format!(
                "error={pe} (\"{}\") → code {}, kind {}",
                e.provider_error()
                    .and_then(|p| p.error_description)
                    .unwrap_or_default(),
                e.code(),
                e.kind()
            ))
        },
    )
    .await;

    // The real browser.
    for (id, kind, what) in [
        (
            "chromium-code",
            "code",
            "headless Chromium: code + PKCE, real login and consent forms, success page",
        ),
        (
            "chromium-form_post",
            "form_post",
            "headless Chromium: hybrid `code id_token` via form_post",
        ),
        (
            "chromium-access-denied",
            "deny",
            "headless Chromium: Cancel on the login page, failure page",
        ),
    ] {
        if env.chromium.is_none() && !ci {
            m.skip(
                id,
                "facade+chromium",
                what,
                env.chromium_missing.as_deref().unwrap_or("no browser"),
            );
            continue;
        }
        if env.chromium.is_none() {
            m.fail(
                id,
                "facade+chromium",
                what,
                env.chromium_missing.as_deref().unwrap_or("no browser"),
            );
            continue;
        }
        m.row(id, "facade+chromium", what, chromium_row(env, kind))
            .await;
    }
}
