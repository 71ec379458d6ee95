//! The matrix through the real `oidc-desktop` binary (`--output json`), with
//! `oidc-interop agent` or headless Chromium as its `--browser-command`.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::{Env, Matrix, ensure, proc, quoted};

struct Run {
    status: Option<i32>,
    json: Value,
    stderr: String,
}

fn cli_run(env: &Env, args: &[&str]) -> Result<Run, String> {
    let exe = env.cli.as_ref().ok_or("no oidc-desktop binary")?;
    let mut cmd = Command::new(exe);
    cmd.args(args)
        .args(["--output", "json", "--timeout", "40"])
        .env_remove("BROWSER")
        .env("NO_COLOR", "1");
    for k in [
        "OIDC_ISSUER",
        "OIDC_DISCOVERY_URL",
        "OIDC_CLIENT_ID",
        "OIDC_CLIENT_SECRET",
        "OIDC_REFRESH_TOKEN",
        "OIDC_ACCESS_TOKEN",
        "OIDC_DESKTOP_CACHE_DIR",
    ] {
        cmd.env_remove(k);
    }
    let out = proc::run(cmd, Duration::from_secs(75))?;
    let json = serde_json::from_str(out.stdout.trim()).map_err(|e| {
        format!(
            "stdout is not one JSON object ({e}): {:?}; stderr: {}",
            out.stdout.trim(),
            tail(&out.stderr)
        )
    })?;
    Ok(Run {
        status: out.status,
        json,
        stderr: out.stderr,
    })
}

fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(4)..].join(" / ")
}

fn ok(r: &Run) -> Result<&Value, String> {
    ensure!(
        r.status == Some(0),
        "exit {:?}: {}; stderr: {}",
        r.status,
        r.json,
        tail(&r.stderr)
    );
    Ok(&r.json)
}

fn agent_command(env: &Env, deny: bool, log: &Path) -> String {
    format!(
        "{} agent --op-port {} --login alice {}--log {} {{url}}",
        quoted(&env.self_exe),
        env.issuer.rsplit(':').next().unwrap_or_default(),
        if deny { "--deny " } else { "" },
        quoted(log)
    )
}

fn login_args<'a>(env: &'a Env, client_id: &'a str, browser: &'a str) -> Vec<&'a str> {
    vec![
        "login",
        "--issuer",
        &env.issuer,
        "--client-id",
        client_id,
        "--browser-command",
        browser,
    ]
}

fn claims_sub(v: &Value) -> &str {
    v["id_token_claims"]["sub"].as_str().unwrap_or("")
}

fn jws_alg(v: &Value) -> String {
    use base64::Engine as _;
    v["id_token"]
        .as_str()
        .and_then(|t| t.split('.').next())
        .and_then(|h| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(h)
                .ok()
        })
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .and_then(|h| h["alg"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn error_of(r: &Run) -> (u64, String, String) {
    let e = &r.json["error"];
    (
        e["code"].as_u64().unwrap_or(0),
        e["kind"].as_str().unwrap_or("").to_owned(),
        e["provider_error"].as_str().unwrap_or("").to_owned(),
    )
}

/// Every CLI row.
pub(crate) async fn rows(env: &Env, m: &mut Matrix, ci: bool) {
    const ROWS: [(&str, &str); 8] = [
        (
            "cli-code-chromium",
            "login: code + PKCE, RS256, --userinfo, in headless Chromium",
        ),
        ("cli-code-eddsa", "login: code + PKCE, EdDSA client"),
        (
            "cli-confidential-post",
            "login: confidential client, --client-auth post",
        ),
        (
            "cli-hybrid-form_post",
            "login: --grant hybrid `code id_token token`, form_post",
        ),
        ("cli-refresh", "refresh: rotated refresh token"),
        ("cli-revoke", "revoke the refresh token; refresh then fails"),
        (
            "cli-access-denied",
            "login: the user cancels → exit 1, access_denied, 940",
        ),
        (
            "cli-prompt-none",
            "login --prompt none (fresh browser) → exit 1, login_required or interaction_required, 940",
        ),
    ];
    if env.cli.is_none() {
        for (id, what) in ROWS {
            m.fail(
                id,
                "cli",
                what,
                "the oidc-desktop binary is missing (cargo build -p oidc-desktop-cli)",
            );
        }
        return;
    }
    let logs = env.work.join("agent-logs");
    let _ = std::fs::create_dir_all(&logs);
    let agent_ok = agent_command(env, false, &logs.join("approve.log"));
    let agent_deny = agent_command(env, true, &logs.join("deny.log"));
    let scope = "openid profile email offline_access";

    let (id, what) = ROWS[0];
    match &env.chromium {
        None if !ci => m.skip(
            id,
            "cli+chromium",
            what,
            env.chromium_missing.as_deref().unwrap_or(""),
        ),
        None => m.fail(
            id,
            "cli+chromium",
            what,
            env.chromium_missing.as_deref().unwrap_or(""),
        ),
        Some(ch) => {
            let result = env.work.join("browser-cli.json");
            let shot = env.work.join("success-cli.png");
            let _ = std::fs::remove_file(&result);
            let browser = ch.command(&result, Some(&shot), "approve");
            m.row(id, "cli+chromium", what, async {
                let mut a = login_args(env, "desktop-public", &browser);
                a.extend(["--scope", scope, "--prompt", "consent", "--userinfo"]);
                let r = cli_run(env, &a)?;
                let v = ok(&r)?;
                let report = crate::chromium::wait_report(&result, Duration::from_secs(20)).await?;
                ensure!(report.ok && report.text.contains("You are signed in"), "browser: {:?} {:?}", report.error, report.text);
                ensure!(claims_sub(v) == "alice", "sub {:?}", claims_sub(v));
                ensure!(jws_alg(v) == "RS256", "alg {}", jws_alg(v));
                ensure!(v["refresh_token"].is_string(), "no refresh_token");
                ensure!(v["userinfo"]["email"] == "alice@example.com", "userinfo {}", v["userinfo"]);
                Ok(format!("exit 0; Chromium: {}; JSON: sub alice, RS256, refresh_token, userinfo email alice@example.com", report.steps.join(" → ")))
            })
            .await;
        }
    }

    let mut rt_for_refresh: Option<String> = None;
    let (id, what) = ROWS[1];
    m.row(id, "cli", what, async {
        let mut a = login_args(env, "desktop-public-eddsa", &agent_ok);
        a.extend(["--scope", scope, "--prompt", "consent"]);
        let r = cli_run(env, &a)?;
        let v = ok(&r)?;
        ensure!(claims_sub(v) == "alice", "sub {:?}", claims_sub(v));
        ensure!(jws_alg(v) == "EdDSA", "alg {}", jws_alg(v));
        rt_for_refresh = v["refresh_token"].as_str().map(str::to_owned);
        ensure!(rt_for_refresh.is_some(), "no refresh_token");
        let log = std::fs::read_to_string(logs.join("approve.log")).unwrap_or_default();
        let par = log
            .lines()
            .next()
            .is_some_and(|l| l.contains("request_uri="));
        Ok(format!(
            "exit 0; JSON: sub alice, EdDSA ID token, refresh_token{}",
            if par {
                "; the request went through PAR (the CLI has no PAR switch: ParMode::Auto)"
            } else {
                ""
            }
        ))
    })
    .await;

    let (id, what) = ROWS[2];
    m.row(id, "cli", what, async {
        let mut a = login_args(env, "desktop-secret", &agent_ok);
        a.extend([
            "--client-secret",
            "desktop-secret-password",
            "--client-auth",
            "post",
            "--scope",
            scope,
            "--prompt",
            "consent",
        ]);
        let r = cli_run(env, &a)?;
        let v = ok(&r)?;
        ensure!(claims_sub(v) == "alice", "sub {:?}", claims_sub(v));
        ensure!(v["refresh_token"].is_string(), "no refresh_token");
        Ok("exit 0; JSON: sub alice, refresh_token".to_owned())
    })
    .await;

    let (id, what) = ROWS[3];
    m.row(id, "cli", what, async {
        let mut a = login_args(env, "desktop-public", &agent_ok);
        a.extend([
            "--scope",
            "openid profile email",
            "--grant",
            "hybrid",
            "--response-type",
            "code id_token token",
            "--response-mode",
            "form_post",
        ]);
        let r = cli_run(env, &a)?;
        let v = ok(&r)?;
        ensure!(claims_sub(v) == "alice", "sub {:?}", claims_sub(v));
        ensure!(v["access_token"].is_string(), "no access_token");
        let log = std::fs::read_to_string(logs.join("approve.log")).unwrap_or_default();
        let last_post = log.lines().rfind(|l| l.starts_with("POST ")).unwrap_or("");
        ensure!(
            !last_post.contains(&env.issuer) && last_post.contains("http://127.0.0.1:"),
            "the response was not POSTed to the loopback: {last_post:?}"
        );
        Ok("exit 0; form_post to the loopback; JSON: sub alice, access_token".to_owned())
    })
    .await;

    let mut rotated: Option<(String, String)> = None;
    let (id, what) = ROWS[4];
    m.row(id, "cli", what, async {
        let old = rt_for_refresh.clone().ok_or("needs cli-code-eddsa")?;
        let r = cli_run(
            env,
            &[
                "refresh",
                "--issuer",
                &env.issuer,
                "--client-id",
                "desktop-public-eddsa",
                // `=`: a base64url token may begin with '-' (clap would take it for a flag).
                &format!("--refresh-token={old}"),
            ],
        )?;
        let v = ok(&r)?;
        let new = v["refresh_token"]
            .as_str()
            .ok_or("no refresh_token")?
            .to_owned();
        ensure!(new != old, "the refresh token did not rotate");
        ensure!(v["access_token"].is_string(), "no access_token");
        rotated = Some((old, new));
        Ok("exit 0; new access token, rotated refresh token in the JSON".to_owned())
    })
    .await;

    let (id, what) = ROWS[5];
    m.row(id, "cli", what, async {
        let (_, newest) = rotated.clone().ok_or("needs cli-refresh")?;
        let r = cli_run(
            env,
            &[
                "revoke",
                "--issuer",
                &env.issuer,
                "--client-id",
                "desktop-public-eddsa",
                &format!("--token={newest}"),
                "--token-type-hint",
                "refresh_token",
            ],
        )?;
        ok(&r)?;
        let r = cli_run(
            env,
            &[
                "refresh",
                "--issuer",
                &env.issuer,
                "--client-id",
                "desktop-public-eddsa",
                &format!("--refresh-token={newest}"),
            ],
        )?;
        ensure!(
            r.status == Some(1),
            "refresh after revoke: exit {:?}",
            r.status
        );
        let (code, kind, pe) = error_of(&r);
        ensure!(pe == "invalid_grant", "want invalid_grant, got {}", r.json);
        Ok(format!(
            "revoke exit 0; refresh with it → exit 1, {pe} ({kind}, code {code})"
        ))
    })
    .await;

    let (id, what) = ROWS[6];
    m.row(id, "cli", what, async {
        let a = login_args(env, "desktop-public", &agent_deny);
        let r = cli_run(env, &a)?;
        ensure!(r.status == Some(1), "exit {:?}: {}", r.status, r.json);
        let (code, kind, pe) = error_of(&r);
        ensure!(pe == "access_denied" && code == 940, "got {}", r.json);
        Ok(format!(
            "exit 1; error {{code {code}, kind {kind}, provider_error {pe}}}"
        ))
    })
    .await;

    let (id, what) = ROWS[7];
    m.row(id, "cli", what, async {
        let mut a = login_args(env, "desktop-public", &agent_ok);
        a.extend(["--prompt", "none"]);
        let r = cli_run(env, &a)?;
        ensure!(r.status == Some(1), "exit {:?}: {}", r.status, r.json);
        let (code, kind, pe) = error_of(&r);
        ensure!(
            (pe == "interaction_required" || pe == "login_required") && code == 940,
            "got {}",
            r.json
        );
        Ok(format!(
            "exit 1; error {{code {code}, kind {kind}, provider_error {pe}}}"
        ))
    })
    .await;
}
