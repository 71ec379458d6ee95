//! `cargo xtask interop [--skip-if-unavailable] [oidc-interop options]`: the interop matrix
//! against a real provider (panva's `oidc-provider`, from `<root>/../shared/realop`) and a
//! real browser (headless Chromium).
//!
//! Builds `oidc-interop` and the `oidc-desktop` binary, then runs
//! `oidc-interop --realop <shared/realop> --work <target>/interop --cli <target>/debug/oidc-desktop`
//! and relays its status. The table and `N passed, M failed` come from `oidc-interop`
//! (also written to `<target>/interop/report.md`, beside the screenshots). Without
//! `../shared` (a user's clone) the task says so and fails, unless `--skip-if-unavailable`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs the task.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let skip_if_unavailable = args.iter().any(|a| a == "--skip-if-unavailable");
    let pass_on: Vec<&String> = args
        .iter()
        .filter(|a| *a != "--skip-if-unavailable")
        .collect();
    let root = workspace_root();
    let realop = root.join("..").join("shared").join("realop");
    if !realop.join("start.sh").is_file() {
        let msg = format!(
            "interop: {} is absent: the real provider ships in the project's shared/ folder beside the \
             repository, which a plain clone does not have",
            realop.display()
        );
        if skip_if_unavailable {
            println!("{msg}; skipped (--skip-if-unavailable)");
            return Ok(());
        }
        return Err(format!("{msg}; pass --skip-if-unavailable to skip"));
    }
    let realop = realop.canonicalize().unwrap_or(realop);
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|t| if t.is_absolute() { t } else { root.join(t) })
        .unwrap_or_else(|| root.join("target"));

    let mut c = crate::cargo();
    c.current_dir(&root)
        .args(["build", "-p", "oidc-interop", "-p", "oidc-desktop-cli"]);
    crate::run("interop: build oidc-interop and the oidc-desktop binary", c)?;

    let exe = |name: &str| {
        target
            .join("debug")
            .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
    };
    let mut c = Command::new(exe("oidc-interop"));
    c.current_dir(&root)
        .arg("--realop")
        .arg(&realop)
        .arg("--work")
        .arg(target.join("interop"))
        .arg("--cli")
        .arg(exe("oidc-desktop"))
        .args(pass_on);
    crate::run("interop: the matrix (real provider, real browser)", c)
}

pub(crate) fn workspace_root() -> PathBuf {
    // xtask lives in <root>/xtask.
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map_or_else(|| manifest.to_path_buf(), Path::to_path_buf)
}
