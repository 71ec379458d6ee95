//! The one test kit of the oidc-desktop workspace.
//!
//! Before this crate, every test suite that needed a real browser or the real provider kept
//! its own copy of the code that finds and starts them, each a little different. This crate
//! is that code, once:
//!
//! - [`chromium`]: finds headless Chromium (one variable, [`chromium::CHROMIUM_ENV`], names
//!   the binary) and launches it with a throw-away profile, killed on drop. When the `CI`
//!   environment variable is set, a missing Chromium is a failure, never a skip.
//! - [`realop`]: starts the real OpenID provider (panva's `oidc-provider`, from
//!   `shared/realop` next to the repository) on 127.0.0.1 and stops it on drop.
//! - [`agent`]: a scripted, JavaScript-free, cookie-keeping user agent that plays the
//!   user's browser over plain HTTP.
//! - [`page`]: one fixed HTML page served on 127.0.0.1 for a browser to open.
//! - [`proc`]: child processes with a bounded wait, `PATH` look-ups and free ports.
//! - [`table`]: the Markdown result table of the conformance run and the interop matrix.
//!
//! It depends on no workspace crate but `oidc-core` (for the `HttpClient` seam the agent
//! sends through), so the tests of every crate above the core may use it.
//!
//! # Example
//!
//! ```no_run
//! use oidc_testkit::{chromium, realop::RealOp};
//!
//! // Under CI a missing Chromium panics here; elsewhere the test says it skipped.
//! if let Some(exe) = chromium::find_for_test("my_test") {
//!     let browser = chromium::Launch::new(&exe, "http://127.0.0.1:8080/").dump_dom().spawn()?;
//!     let dom = browser.dom(std::time::Duration::from_secs(60))?;
//!     assert!(dom.contains("</html>"));
//! }
//! let home = std::env::temp_dir().join("my-realop");
//! if let Some(op) = RealOp::builder(&home).setting("OP_ACCESS_TTL", "30").start_for_test("my_test") {
//!     println!("provider at {}", op.issuer());
//! }
//! # Ok::<(), oidc_testkit::Error>(())
//! ```

pub mod agent;
pub mod chromium;
mod error;
pub mod page;
pub mod proc;
pub mod realop;
pub mod table;

pub use error::Error;

/// Whether the `CI` environment variable is set to a non-empty value other than `0` or
/// `false`: then missing prerequisites (Chromium, node, the provider's folder) fail instead
/// of skipping.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// What a test does when a prerequisite is missing: under CI ([`in_ci`]) it panics with
/// `why`; elsewhere it writes a `SKIPPED` line to stderr (past the test harness's output
/// capture) and returns, so the caller returns without asserting anything.
///
/// # Panics
///
/// When [`in_ci`] is true.
pub fn skip_or_fail(test: &str, why: &str) {
    use std::io::Write as _;
    assert!(
        !in_ci(),
        "{test}: {why} (CI is set, so a missing prerequisite is a failure)"
    );
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: {why} (set CI to make this a failure)"
    );
}
