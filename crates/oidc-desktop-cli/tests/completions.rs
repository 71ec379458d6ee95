//! Shell completions and the manual page, generated from the command-line definition.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

use std::process::Command;

use common::{BIN, run};

#[test]
fn bash_completes_the_commands() {
    // The script a user sources, exercised by bash itself.
    let script = format!(
        "source <('{BIN}' completions bash); COMP_WORDS=(oidc-desktop lo); COMP_CWORD=1; \
         COMP_LINE='oidc-desktop lo'; COMP_POINT=${{#COMP_LINE}}; \
         _oidc__desktop oidc-desktop lo oidc-desktop; echo \"${{COMPREPLY[@]}}\""
    );
    let out = Command::new("bash").args(["-c", &script]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "login logout");
}

#[test]
fn every_shell_gets_a_script_naming_the_options() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let r = run(&["completions", shell]);
        assert_eq!(r.status, Some(0), "{shell}: {}", r.stderr);
        for word in ["login", "token", "redirect-port", "profile"] {
            assert!(r.stdout.contains(word), "{shell} lacks {word}");
        }
    }
    assert_eq!(run(&["completions", "tcsh"]).status, Some(2));
}

#[test]
fn the_manual_page_is_roff_with_every_command() {
    let r = run(&["man"]);
    assert_eq!(r.status, Some(0), "{}", r.stderr);
    assert!(
        r.stdout.contains(".TH oidc-desktop 1"),
        "{}",
        &r.stdout[..200.min(r.stdout.len())]
    );
    for command in ["login", "token", "profiles", "completions"] {
        assert!(r.stdout.contains(command), "{command}");
    }
}
