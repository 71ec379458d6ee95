//! Profiles from the config file: precedence (command line > profile > environment),
//! errors that name the key and its line, the `profiles` listing.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::{TempDir, agent_command};
use oidc_testop::{Endpoint, OpConfig, TestOp};

/// Writes `config.toml` into `dir` and returns its path as a string.
fn config(dir: &Path, text: &str) -> String {
    let p = dir.join("config.toml");
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_owned()
}

/// A profile `work` for `op` that signs in with the scripted agent.
fn work_profile(op: &TestOp) -> String {
    // TOML literal strings keep the agent command's quotes as they are.
    format!(
        "[profiles.work]\nissuer = \"{}\"\nclient_id = \"test-client\"\nscope = \"openid email\"\nbrowser_command = '''{}'''\npar = \"never\"\ntimeout = 20\n\n[profiles.home]\nissuer = \"https://home.example\"\nclient_id = \"home-app\"\n",
        op.issuer(),
        agent_command()
    )
}

fn run_env(args: &[&str], env: &[(&str, &str)]) -> common::Run {
    let tmp = TempDir::new("profiles-run");
    let mut c = common::command(args, tmp.path());
    for (k, v) in env {
        c.env(k, v);
    }
    common::wait(c.spawn().unwrap(), Duration::from_secs(60))
}

fn sent_scope(op: &TestOp) -> String {
    op.requests_to(Endpoint::Authorization)
        .last()
        .unwrap()
        .param("scope")
        .unwrap()
        .to_owned()
}

#[test]
fn the_profile_fills_what_the_command_line_leaves_out() {
    let op = TestOp::start_in_background(OpConfig::default()).unwrap();
    let tmp = TempDir::new("profiles");
    let cfg = config(tmp.path(), &work_profile(&op));
    let v = run_env(&["--config", &cfg, "login", "-p", "work"], &[]).ok();
    assert_eq!(v["id_token_claims"]["aud"], "test-client");
    assert_eq!(sent_scope(&op), "openid email");
    // the command line wins over the profile
    run_env(
        &["--config", &cfg, "login", "-p", "work", "--scope", "openid"],
        &[],
    )
    .ok();
    assert_eq!(sent_scope(&op), "openid");
    // the profile wins over the environment
    let env = [
        ("OIDC_CLIENT_ID", "someone-else"),
        ("OIDC_DESKTOP_PROFILE", "work"),
    ];
    let v = run_env(&["--config", &cfg, "login"], &env).ok();
    assert_eq!(v["id_token_claims"]["aud"], "test-client");
}

#[test]
fn a_secret_from_the_profile_is_not_warned_about() {
    let op = TestOp::start_in_background(OpConfig::default()).unwrap();
    let tmp = TempDir::new("profiles-secret");
    let text = format!(
        "[profiles.p]\nissuer = \"{}\"\nclient_secret = \"s\"\n",
        op.issuer()
    );
    let cfg = config(tmp.path(), &text);
    let r = run_env(&["--config", &cfg, "-p", "p", "discover"], &[]);
    r.ok();
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
}

#[test]
fn mistakes_in_the_config_file_name_the_key_and_line() {
    let tmp = TempDir::new("profiles-bad");
    let cfg = config(
        tmp.path(),
        "[profiles.work]\nissuer = \"https://op.example\"\nclinet_id = \"typo\"\n",
    );
    let e = run_env(&["--config", &cfg, "-p", "work", "discover"], &[]).err(2);
    let m = e["message"].as_str().unwrap();
    assert!(
        m.contains("config.toml:3:") && m.contains("`clinet_id`"),
        "{m}"
    );
    let e = run_env(&["--config", &cfg, "-p", "nope", "discover"], &[]).err(2);
    assert!(
        e["message"].as_str().unwrap().contains("(profiles: work)"),
        "{e}"
    );
    let cfg = config(tmp.path(), "[profiles.work]\nuserinfo = \"yes\"\n");
    let e = run_env(&["--config", &cfg, "-p", "work", "login"], &[]).err(2);
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("config.toml:2: `userinfo`"),
        "{e}"
    );
    let cfg = config(tmp.path(), "[profiles.work]\nissuer = \n");
    let e = run_env(&["--config", &cfg, "-p", "work", "discover"], &[]).err(2);
    assert!(
        e["message"].as_str().unwrap().contains("config.toml:2:"),
        "{e}"
    );
}

#[test]
fn profiles_lists_them() {
    let op = TestOp::start_in_background(OpConfig::default()).unwrap();
    let tmp = TempDir::new("profiles-list");
    let cfg = config(tmp.path(), &work_profile(&op));
    let v = run_env(&["--config", &cfg, "profiles"], &[]).ok();
    let names: Vec<&str> = v["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["home", "work"]);
    assert_eq!(v["profiles"][0]["client_id"], "home-app");
    assert_eq!(v["profiles"][1]["issuer"], op.issuer());
    // the default place is $XDG_CONFIG_HOME/oidc-desktop/config.toml
    let home = TempDir::new("profiles-xdg");
    std::fs::create_dir_all(home.path().join("oidc-desktop")).unwrap();
    std::fs::write(
        home.path().join("oidc-desktop/config.toml"),
        "[profiles.solo]\nissuer = \"https://solo.example\"\n",
    )
    .unwrap();
    let mut c = common::command(&["profiles"], home.path());
    c.env("XDG_CONFIG_HOME", home.path());
    let v = common::wait(c.spawn().unwrap(), Duration::from_secs(30)).ok();
    assert_eq!(v["profiles"][0]["name"], "solo");
}
