//! `cargo xtask conformance [--filter TEXT] [--jobs N] [--out DIR] [--list]`: the
//! relying-party conformance catalogue against `oidc-testop` (crate `oidc-conformance`,
//! documented in `docs/CONFORMANCE.md`).
//!
//! It runs `cargo run -p oidc-conformance -- <args>` in the dev profile and relays the exit
//! status; the run's own closing line `N passed, M failed` stays the last line on stdout.
//! Dev, not release: inside `cargo xtask ci` every dependency is already built in the dev
//! profile by the test step, so only the conformance crate itself compiles (seconds), while
//! a release build would compile the whole dependency tree again with optimisation and thin
//! LTO (minutes on a 2-core runner) to save a few seconds of a run that is I/O-bound.

use std::path::Path;

/// Runs the conformance catalogue; an error when any row fails.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("xtask has no parent directory")?;
    let mut c = crate::cargo();
    c.current_dir(root)
        .args(["run", "-p", "oidc-conformance", "--"])
        .args(args);
    println!("\n=== xtask: conformance (report: target/conformance/report.md)");
    println!("    {c:?}");
    let status = c
        .status()
        .map_err(|e| format!("conformance: could not start cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "conformance failed ({status}); see target/conformance/report.md"
        ))
    }
}
