//! `cargo xtask mutants [--group G]... [--iterate] [--jobs N] [--shard K/N]`: mutation testing
//! with `cargo-mutants` (installed with `cargo install cargo-mutants --locked`).
//!
//! Each group mutates one part of the code and runs the tests that guard it:
//!
//! | group | code | goal |
//! |---|---|---|
//! | `jose` | `oidc-jose` | ≥ 95 % of viable mutants caught |
//! | `core` | `oidc-core` | ≥ 95 % |
//! | `flow` | the facade's sign-in flow modules | ≥ 90 % |
//!
//! Results go to `target/mutants/<group>/mutants.out/` (`missed.txt` lists the survivors).
//! Mutants that cannot change behaviour are excluded in `.cargo/mutants.toml`, each with its
//! reason; every other survivor needs a test. `--iterate` skips mutants an earlier run
//! already caught, so a long run can be resumed. The score printed is
//! `(caught + timeout) / (caught + missed + timeout)`: unviable mutants (those that do not
//! compile) are left out, and a mutant that makes the tests hang (a loop that no longer
//! ends) was noticed, as with other mutation tools; timeouts are listed apart all the same.

use std::fs;
use std::path::Path;
use std::process::Command;

struct Group {
    name: &'static str,
    args: &'static [&'static str],
    goal: f64,
}

/// The facade's flow: authorization request, redirect, exchange, validation, refresh, the
/// silent path, pasted responses and the session.
const FLOW_FILES: &[&str] = &[
    "crates/oidc-desktop/src/authorize.rs",
    "crates/oidc-desktop/src/redirect.rs",
    "crates/oidc-desktop/src/exchange.rs",
    "crates/oidc-desktop/src/validate.rs",
    "crates/oidc-desktop/src/sign_in.rs",
    "crates/oidc-desktop/src/refresh.rs",
    "crates/oidc-desktop/src/acquire.rs",
    "crates/oidc-desktop/src/paste.rs",
    "crates/oidc-desktop/src/session.rs",
];

const GROUPS: &[Group] = &[
    Group {
        name: "jose",
        // The cross-implementation vectors of `tests/` exercise oidc-jose too.
        args: &[
            "--package",
            "oidc-jose",
            "--test-package",
            "oidc-jose",
            "--test-package",
            "oidc-desktop-tests",
        ],
        goal: 95.0,
    },
    Group {
        name: "core",
        args: &["--package", "oidc-core"],
        goal: 95.0,
    },
    Group {
        name: "flow",
        args: &["--package", "oidc-desktop"],
        goal: 90.0,
    },
];

/// Runs the task.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let mut groups: Vec<&Group> = Vec::new();
    let mut extra: Vec<String> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--group" => {
                let name = it.next().ok_or("mutants: --group needs a name")?;
                let g = GROUPS.iter().find(|g| g.name == name).ok_or_else(|| {
                    format!("mutants: no group `{name}` (groups: jose, core, flow)")
                })?;
                groups.push(g);
            }
            "--iterate" => extra.push(a.clone()),
            "--jobs" | "--shard" => {
                let v = it
                    .next()
                    .ok_or_else(|| format!("mutants: {a} needs a value"))?;
                extra.push(a.clone());
                extra.push(v.clone());
            }
            other => return Err(format!("mutants: unknown option `{other}`")),
        }
    }
    if groups.is_empty() {
        groups = GROUPS.iter().collect();
    }
    let installed = Command::new("cargo")
        .args(["mutants", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        return Err(
            "mutants: cargo-mutants is not installed (cargo install cargo-mutants --locked)"
                .to_owned(),
        );
    }
    let root = crate::interop::workspace_root();
    let mut failures = Vec::new();
    let mut table = Vec::new();
    for g in groups {
        let out = root.join("target").join("mutants").join(g.name);
        fs::create_dir_all(&out).map_err(|e| format!("mutants: {}: {e}", out.display()))?;
        let mut c = crate::cargo();
        c.current_dir(&root)
            // Each mutant rebuilds the mutated crate and relinks every test binary above it:
            // incremental builds and no debug info make that several times faster (a few
            // seconds a mutant for `jose` on 2 cores with `--jobs 2`), and nothing here needs
            // a debugger.
            .env("CARGO_INCREMENTAL", "1")
            .env("CARGO_PROFILE_DEV_DEBUG", "0")
            .env("CARGO_PROFILE_TEST_DEBUG", "0")
            .arg("mutants")
            .args(g.args)
            .arg("--output")
            .arg(&out)
            .arg("--no-shuffle")
            // Not the fuzz corpora and other ignored files (they change while fuzzers run).
            .args(["--gitignore", "true"])
            .args(&extra);
        if g.name == "flow" {
            for f in FLOW_FILES {
                c.args(["--file", f]);
            }
        }
        // cargo-mutants exits non-zero when mutants survive: the score below decides.
        let _ = crate::run(&format!("mutants: {}", g.name), c);
        let score = Score::read(&out.join("mutants.out"))?;
        let pct = score.percent();
        table.push(format!(
            "| {} | {} | {} | {} | {} | {:.1} % | {} % |",
            g.name, score.caught, score.missed, score.timeout, score.unviable, pct, g.goal
        ));
        if pct < g.goal {
            failures.push(format!(
                "{}: {pct:.1} % < {} % (survivors: {})",
                g.name,
                g.goal,
                out.join("mutants.out/missed.txt").display()
            ));
        }
    }
    println!("\n| group | caught | missed | timeout | unviable | score | goal |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for row in &table {
        println!("{row}");
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "mutation score below goal: {}",
            failures.join("; ")
        ))
    }
}

struct Score {
    caught: usize,
    missed: usize,
    timeout: usize,
    unviable: usize,
}

impl Score {
    fn read(dir: &Path) -> Result<Self, String> {
        let count = |name: &str| -> Result<usize, String> {
            let path = dir.join(name);
            match fs::read_to_string(&path) {
                Ok(text) => Ok(text.lines().filter(|l| !l.trim().is_empty()).count()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
                Err(e) => Err(format!("mutants: {}: {e}", path.display())),
            }
        };
        if !dir.is_dir() {
            return Err(format!("mutants: no results in {}", dir.display()));
        }
        Ok(Self {
            caught: count("caught.txt")?,
            missed: count("missed.txt")?,
            timeout: count("timeout.txt")?,
            unviable: count("unviable.txt")?,
        })
    }

    fn percent(&self) -> f64 {
        let viable = self.caught + self.missed + self.timeout;
        if viable == 0 {
            return 0.0;
        }
        // Counts of mutants: far below 2^52, exact as f64.
        #[allow(clippy::cast_precision_loss, reason = "counts are small")]
        let (c, v) = ((self.caught + self.timeout) as f64, viable as f64);
        100.0 * c / v
    }
}
