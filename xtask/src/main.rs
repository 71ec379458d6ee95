//! `cargo xtask <task>`: the project's automation, in Rust so it runs wherever cargo does.
//!
//! - `ci`: formatting, clippy with `-D warnings`, the public-API listings, every test (doc tests included), the
//!   non-default `josekit` backend, `cargo doc` without warnings, `cargo deny`, then
//!   a fuzzing smoke run, `conformance`, `interop` and `bench --quick`.
//! - `conformance`: the relying-party conformance catalogue (`crates/oidc-conformance`).
//! - `interop`: the matrix against a real provider and a real browser (`crates/oidc-interop`).
//! - `bench`: criterion benchmarks beside the peers (`crates/oidc-bench`).
//! - `api`: each published crate's public API against its reviewed listing in `docs/api`.
//! - `mutants`: mutation testing of `oidc-jose`, `oidc-core` and the facade's flow, with a score.
//! - `fuzz`: coverage-guided fuzzing of the parsers (`fuzz/`); `ci` runs each target briefly.
//!
//! Each step prints what it runs; the first failure stops the run with a non-zero status.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line tool"
)]

use std::process::{Command, ExitCode};
use std::time::Instant;

mod api;
mod bench;
mod conformance;
mod fuzz;
mod interop;
mod mutants;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("conformance") => conformance::run(&args[1..]),
        Some("interop") => interop::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("api") => api::run(&args[1..]),
        Some("mutants") => mutants::run(&args[1..]),
        Some("help") | Some("--help") | Some("-h") | None => {
            println!("usage: cargo xtask <task> [options]");
            println!(
                "  ci            fmt check, clippy -D warnings, tests (+ josekit backend), docs,"
            );
            println!("                cargo deny, conformance, interop, bench --quick");
            println!("  conformance   the relying-party conformance catalogue against oidc-testop");
            println!(
                "  interop       the interop matrix against a real provider and a real browser"
            );
            println!(
                "  bench         criterion benchmarks beside the peers (--quick for a smoke run)"
            );
            println!(
                "  api           compare each published crate's public API with docs/api (--bless)"
            );
            println!(
                "  mutants       cargo-mutants on oidc-jose, oidc-core and the facade's flow (--group G)"
            );
            println!(
                "  fuzz          libFuzzer on every parser (--target T, --time SECS, --parallel N)"
            );
            return ExitCode::SUCCESS;
        }
        Some(other) => Err(format!("unknown task `{other}`; try `cargo xtask help`")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
}

fn run(title: &str, mut cmd: Command) -> Result<(), String> {
    println!("\n=== xtask: {title}");
    println!("    {cmd:?}");
    let start = Instant::now();
    let status = cmd
        .status()
        .map_err(|e| format!("{title}: could not start: {e}"))?;
    println!(
        "=== xtask: {title}: {:?} in {:.1} s",
        status,
        start.elapsed().as_secs_f64()
    );
    if status.success() {
        Ok(())
    } else {
        Err(format!("{title} failed ({status})"))
    }
}

fn ci() -> Result<(), String> {
    let start = Instant::now();
    let mut c = cargo();
    c.args(["fmt", "--all", "--", "--check"]);
    run("rustfmt", c)?;
    let mut c = cargo();
    c.args(["fmt", "--manifest-path", "fuzz/Cargo.toml", "--", "--check"]);
    run("rustfmt (fuzz workspace)", c)?;

    let mut c = cargo();
    c.args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]);
    run("clippy", c)?;

    println!("\n=== xtask: public API (docs/api)");
    api::run(&[])?;

    // The CLI without its embedded test provider (`demo` off) builds and lints clean too.
    let mut c = cargo();
    c.args([
        "clippy",
        "-p",
        "oidc-desktop-cli",
        "--no-default-features",
        "--",
        "-D",
        "warnings",
    ]);
    run("clippy (oidc-desktop-cli without the demo feature)", c)?;

    let mut c = cargo();
    // The peer benchmark crate has no tests; its (heavy) peers are built once, by the
    // bench smoke below, not a second time here.
    c.args([
        "test",
        "--workspace",
        "--exclude",
        "oidc-bench",
        "--no-fail-fast",
    ]);
    run("tests", c)?;

    // The non-default josekit backend (ES512 through OpenSSL) builds and passes too.
    let mut c = cargo();
    c.args([
        "test",
        "-p",
        "oidc-jose",
        "-p",
        "oidc-desktop-tests",
        "--features",
        "oidc-jose/josekit,oidc-desktop-tests/josekit",
    ]);
    run("tests with the josekit backend", c)?;

    let mut c = cargo();
    c.args(["doc", "--workspace", "--no-deps", "--exclude", "oidc-bench"]);
    c.env("RUSTDOCFLAGS", "-D warnings");
    run("docs", c)?;

    let mut c = cargo();
    c.args(["deny", "check", "licenses", "bans", "sources"]);
    run("cargo deny (licenses, bans, sources)", c).map_err(|e| {
        format!("{e}; install it with `cargo install cargo-deny --locked` (.ci/run does)")
    })?;

    println!("\n=== xtask: fuzz (smoke: every target for a few seconds)");
    fuzz::run(&[])?;

    println!("\n=== xtask: conformance");
    conformance::run(&[])?;

    println!("\n=== xtask: interop");
    interop::run(&[])?;

    println!("\n=== xtask: bench --quick (smoke)");
    bench::run(&["--quick".to_owned()])?;

    println!(
        "\nxtask ci: all steps passed in {:.0} s",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
