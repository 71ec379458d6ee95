//! Child processes and the real provider, through `oidc_testkit` (errors as text, the way
//! the matrix reports them).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

pub(crate) use oidc_testkit::proc::{Output, which};
use oidc_testkit::realop::{Interactions, RealOp};

/// Runs `cmd` (stdin closed), killing it after `limit`.
pub(crate) fn run(cmd: Command, limit: Duration) -> Result<Output, String> {
    oidc_testkit::proc::run(cmd, limit).map_err(|e| e.to_string())
}

/// A free TCP port on 127.0.0.1 (bound, read, released).
pub(crate) fn free_port() -> Result<u16, String> {
    oidc_testkit::proc::free_port().map_err(|e| e.to_string())
}

/// Copies `src` (read-only in CI) into `dir` and starts the provider there on `port` with
/// `OP_INTERACTIONS=dev` (the real login and consent forms), every other knob at its
/// documented default, and then `settings` (`OP_DPOP_NONCE`, …).
pub(crate) fn start_realop(
    src: &Path,
    dir: &Path,
    port: u16,
    settings: &[(&str, &str)],
) -> Result<RealOp, String> {
    let mut b = RealOp::builder(dir)
        .source(src)
        .port(port)
        .interactions(Interactions::Dev)
        .start_limit(Duration::from_secs(600));
    for (k, v) in settings {
        b = b.setting(k, v);
    }
    b.start().map_err(|e| e.to_string())
}

/// The installed oidc-provider version.
pub(crate) fn realop_version(op: &RealOp) -> String {
    std::fs::read_to_string(
        op.home()
            .join("node_modules")
            .join("oidc-provider")
            .join("package.json"),
    )
    .ok()
    .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
    .and_then(|v| v["version"].as_str().map(str::to_owned))
    .unwrap_or_else(|| "?".to_owned())
}
