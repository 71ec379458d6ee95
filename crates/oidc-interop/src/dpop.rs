//! DPoP (RFC 9449) against the real provider: its `desktop-public-dpop` client only gets
//! DPoP-bound tokens, and with `OP_DPOP_NONCE=1` it demands server nonces.

use std::sync::Arc;

use oidc_desktop::{DpopMode, OidcDesktop, Session, TokenKind};

use crate::agent::Mode;
use crate::facade::{builder, fail};
use crate::{Check, Env, Matrix, ensure};

const CLIENT: &str = "desktop-public-dpop";

/// A DPoP client of `issuer`, signing in through the scripted user.
fn client(env: &Env, issuer: &str, mode: DpopMode) -> Result<OidcDesktop, String> {
    let a = crate::agent::Agent::new(issuer, "alice", Mode::Approve)?;
    let env = Env {
        issuer: issuer.to_owned(),
        ..env.clone()
    };
    builder(&env, CLIENT)
        .browser(Arc::new(a))
        .dpop(mode)
        .build()
        .map_err(|e| fail(&e))
}

/// Sign-in, introspection, UserInfo, refresh and revocation, all bound to one key.
async fn whole_life(env: &Env, issuer: &str) -> Check {
    let c = client(env, issuer, DpopMode::Require)?;
    let s: Session = c.authenticate().await.map_err(|e| fail(&e))?;
    let jkt = s
        .dpop_thumbprint()
        .ok_or("the session is not DPoP-bound")?
        .to_owned();
    ensure!(
        s.token_type() == Some("DPoP"),
        "token_type {:?}",
        s.token_type()
    );
    let info = c.introspect(&s).await.map_err(|e| fail(&e))?;
    let cnf = info
        .member("/cnf/jkt")
        .and_then(|v| v.as_str())
        .map(str::to_owned);
    ensure!(
        info.active && cnf.as_deref() == Some(jkt.as_str()),
        "introspection: active {} cnf.jkt {cnf:?}, our key {jkt}",
        info.active
    );
    let u = c.userinfo(&s).await.map_err(|e| fail(&e))?;
    ensure!(u.sub() == Some("alice"), "userinfo sub {:?}", u.sub());
    // The same access token without the key: the provider refuses it.
    let bearer = OidcDesktop::builder(issuer)
        .client_id(CLIENT)
        .build()
        .map_err(|e| fail(&e))?;
    let stolen = bearer
        .request_user_info(s.access_token().ok_or("no access token")?, "alice")
        .await;
    ensure!(
        stolen.is_err(),
        "the provider's UserInfo accepted the DPoP-bound token as a bearer token"
    );
    let mut r = s.clone();
    c.refresh(&mut r).await.map_err(|e| fail(&e))?;
    ensure!(
        r.dpop_thumbprint() == Some(jkt.as_str()) && r.token_type() == Some("DPoP"),
        "the refreshed tokens are not bound to the same key"
    );
    ensure!(r.access_token() != s.access_token(), "no new access token");
    c.userinfo(&r).await.map_err(|e| fail(&e))?;
    c.revoke(&r, TokenKind::Both).await.map_err(|e| fail(&e))?;
    let after = c.introspect(&r).await.map_err(|e| fail(&e))?;
    ensure!(!after.active, "the revoked access token is still active");
    Ok(format!(
        "DPoP-bound sign-in (jkt {jkt}), introspection cnf.jkt equal, UserInfo with proof, the same token as Bearer refused, refresh bound to the same key, revocation with proof"
    ))
}

pub(crate) async fn rows(env: &Env, m: &mut Matrix, realop: &std::path::Path) {
    m.row(
        "dpop",
        "facade",
        "DPoP-bound tokens (RFC 9449): sign-in, introspection cnf.jkt, UserInfo, Bearer refused, refresh, revocation",
        whole_life(env, &env.issuer),
    )
    .await;
    m.row(
        "dpop-required",
        "facade",
        "a client registered for DPoP-bound tokens is refused without proofs",
        async {
            let c = client(env, &env.issuer, DpopMode::Off)?;
            let Err(e) = c.authenticate().await else {
                return Err("signed in without DPoP".to_owned());
            };
            let p = e.provider_error().ok_or_else(|| fail(&e))?;
            ensure!(p.error == "invalid_grant", "{}", fail(&e));
            Ok(format!(
                "refused: {} ({})",
                p.error,
                p.error_description.unwrap_or_default()
            ))
        },
    )
    .await;
    if !m.wants("dpop-nonce") {
        return;
    }
    // A second provider that demands server nonces (RFC 9449 §8, §9).
    let started = crate::proc::free_port().and_then(|port| {
        crate::proc::start_realop(
            realop,
            &env.work.join("realop"),
            port,
            &[("OP_DPOP_NONCE", "1")],
        )
    });
    match started {
        Ok(mut op) => {
            let issuer = op.issuer().to_owned();
            m.row(
                "dpop-nonce",
                "facade",
                "DPoP with server nonces (OP_DPOP_NONCE=1): use_dpop_nonce answered and retried",
                async {
                    whole_life(env, &issuer)
                        .await
                        .map(|d| format!("with nonces: {d}"))
                },
            )
            .await;
            eprintln!("interop: {}", op.stop());
        }
        Err(e) => {
            m.row("dpop-nonce", "facade", "DPoP with server nonces", async {
                Err::<String, _>(format!("the second provider did not start: {e}"))
            })
            .await;
        }
    }
}
