//! `oidc-conformance`: the relying-party conformance run (`cargo xtask conformance`).
//!
//! Every case of `../shared/conformance/CATALOGUE.md` (see `catalogue.rs`) runs in every
//! profile where it applies (`profile.rs`), each against its own `oidc-testop` provider on
//! `127.0.0.1:0`, through the real `oidc-desktop` facade, the real loopback server and the
//! scripted agent (headless Chromium for the fragment relay rows). A row passes when the
//! relying party accepts or rejects as the catalogue says, with the catalogue's error kind
//! and code, and the provider's request log shows the flow stopped where it must.
//!
//! `expectations.json` records intentional divergences (a kind named differently, a known
//! failure) with their reason; a divergence that no longer happens (an unexpected pass)
//! fails the run, as does an entry that matches no row (conformance as data with a
//! ratchet: STYLE.md practice 12).
//!
//! Options: `--filter TEXT` (rows whose case or profile contains TEXT), `--jobs N`
//! (concurrent rows, default 8), `--out DIR` (default `target/conformance`), `--list`.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line report: the table and the summary line are its output"
)]

mod catalogue;
mod chromium;
mod profile;
mod runner;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::Semaphore;

use catalogue::{Case, Expect};
use profile::{VARIANTS, Variant};
use runner::{BrowserChoice, Observed};

const EXPECTATIONS: &str = include_str!("../expectations.json");

/// A row's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Pass,
    /// A known failure recorded in the expectations file (counted as passed).
    XFail,
    Fail,
    Skipped,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::XFail => "XFAIL",
            Status::Fail => "FAIL",
            Status::Skipped => "SKIPPED",
        }
    }
}

/// One entry of `expectations.json`.
#[derive(Debug, Clone)]
struct Expectation {
    case: String,
    /// `*`, or profile labels / label prefixes.
    profiles: Vec<String>,
    /// `Some("fail")`: a known failure. Otherwise a kind divergence.
    outcome: Option<String>,
    kind: Option<String>,
    code: Option<u16>,
    reason: String,
}

impl Expectation {
    fn matches(&self, case: &str, label: &str) -> bool {
        self.case == case
            && self
                .profiles
                .iter()
                .any(|p| p == "*" || label == p || label.starts_with(&format!("{p} ")))
    }
}

fn load_expectations() -> Result<Vec<Expectation>, String> {
    let v: Value =
        serde_json::from_str(EXPECTATIONS).map_err(|e| format!("expectations.json: {e}"))?;
    let list = v["expectations"]
        .as_array()
        .ok_or("expectations.json: no `expectations` array")?;
    let mut out = Vec::new();
    for e in list {
        let s = |k: &str| e[k].as_str().map(str::to_owned);
        let profiles = match &e["profiles"] {
            Value::String(p) => vec![p.clone()],
            Value::Array(a) => a
                .iter()
                .filter_map(|p| p.as_str().map(str::to_owned))
                .collect(),
            _ => vec!["*".to_owned()],
        };
        let x = Expectation {
            case: s("case").ok_or("expectations.json: an entry without `case`")?,
            profiles,
            outcome: s("outcome"),
            kind: s("kind"),
            code: e["code"].as_u64().and_then(|c| u16::try_from(c).ok()),
            reason: s("reason").ok_or("expectations.json: an entry without `reason`")?,
        };
        if x.outcome.is_none() && x.kind.is_none() {
            return Err(format!(
                "expectations.json: entry for {} needs `kind` or `outcome: fail`",
                x.case
            ));
        }
        out.push(x);
    }
    Ok(out)
}

/// One line of the report.
#[derive(Debug, Clone)]
struct Row {
    case: &'static str,
    alias: &'static str,
    profile: String,
    status: Status,
    expected: String,
    observed: String,
    kind: Option<String>,
    code: Option<u16>,
    ms: u128,
    detail: String,
}

fn describe(e: &Expect) -> String {
    match e {
        Expect::Accept => "accept".to_owned(),
        Expect::Reject {
            kind,
            code: Some(c),
        } => format!("{kind} ({c})"),
        Expect::Reject { kind, code: None } => (*kind).to_owned(),
    }
}

fn meets(kind: Option<&str>, code: Option<u16>, obs: &Observed) -> Result<(), String> {
    match kind {
        None if obs.accepted => Ok(()),
        None => Err(format!(
            "rejected: {} ({}): {}",
            obs.kind.as_deref().unwrap_or("-"),
            obs.code.unwrap_or(0),
            obs.error.as_deref().unwrap_or("")
        )),
        Some(_) if obs.accepted => Err("accepted, expected a rejection".to_owned()),
        Some(k) if obs.kind.as_deref() != Some(k) => Err(format!(
            "kind {} ({}), expected {k}: {}",
            obs.kind.as_deref().unwrap_or("-"),
            obs.code.unwrap_or(0),
            obs.error.as_deref().unwrap_or("")
        )),
        Some(k) => match code {
            Some(c) if obs.code != Some(c) => Err(format!(
                "code {}, expected {c} (kind {k})",
                obs.code.unwrap_or(0)
            )),
            _ => Ok(()),
        },
    }
}

fn judge(case: &Case, obs: &Observed, x: Option<&Expectation>) -> (Status, String, String) {
    let (ckind, ccode) = match &case.expect {
        Expect::Accept => (None, None),
        Expect::Reject { kind, code } => (Some(*kind), *code),
    };
    let catalogue = meets(ckind, ccode, obs);
    let problems = obs.problems.join("; ");
    let clean = obs.problems.is_empty();
    match x {
        None => match catalogue {
            Ok(()) if clean => (Status::Pass, describe(&case.expect), String::new()),
            Ok(()) => (Status::Fail, describe(&case.expect), problems),
            Err(e) if clean => (Status::Fail, describe(&case.expect), e),
            Err(e) => (
                Status::Fail,
                describe(&case.expect),
                format!("{e}; {problems}"),
            ),
        },
        Some(x) if x.outcome.as_deref() == Some("fail") => {
            if catalogue.is_ok() && clean {
                (
                    Status::Fail,
                    format!("known failure: {}", describe(&case.expect)),
                    "unexpected pass: remove the entry from expectations.json".to_owned(),
                )
            } else {
                (
                    Status::XFail,
                    format!("known failure: {}", describe(&case.expect)),
                    format!(
                        "expected failure ({}): {}",
                        x.reason,
                        catalogue.err().unwrap_or(problems)
                    ),
                )
            }
        }
        Some(x) => {
            let expected = match x.code {
                Some(c) => format!(
                    "{} ({c}) [catalogue: {}]",
                    x.kind.as_deref().unwrap_or("accept"),
                    describe(&case.expect)
                ),
                None => format!(
                    "{} [catalogue: {}]",
                    x.kind.as_deref().unwrap_or("accept"),
                    describe(&case.expect)
                ),
            };
            if catalogue.is_ok() && x.kind.as_deref() != ckind {
                return (
                    Status::Fail,
                    expected,
                    "unexpected pass: the catalogue's kind is observed now; remove the entry from expectations.json".to_owned(),
                );
            }
            match meets(x.kind.as_deref(), x.code, obs) {
                Ok(()) if clean => (Status::Pass, expected, format!("divergence: {}", x.reason)),
                Ok(()) => (Status::Fail, expected, problems),
                Err(e) => (
                    Status::Fail,
                    expected,
                    if clean { e } else { format!("{e}; {problems}") },
                ),
            }
        }
    }
}

struct Args {
    filter: Option<String>,
    jobs: usize,
    out: PathBuf,
    list: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        filter: None,
        jobs: 8,
        out: std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(
                || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"),
                PathBuf::from,
            )
            .join("conformance"),
        list: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--filter" => a.filter = Some(it.next().ok_or("--filter needs a value")?),
            "--jobs" => {
                a.jobs = it
                    .next()
                    .and_then(|j| j.parse().ok())
                    .filter(|j| *j > 0)
                    .ok_or("--jobs needs a positive number")?;
            }
            "--out" => a.out = PathBuf::from(it.next().ok_or("--out needs a directory")?),
            "--list" => a.list = true,
            "-h" | "--help" => {
                println!("usage: oidc-conformance [--filter TEXT] [--jobs N] [--out DIR] [--list]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(a)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("oidc-conformance: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("oidc-conformance: no runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(args)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("oidc-conformance: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run(args: Args) -> Result<bool, String> {
    let start = Instant::now();
    let expectations = load_expectations()?;
    let cases: Arc<Vec<Case>> = Arc::new(catalogue::cases());
    let mut plan: Vec<(usize, Variant)> = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        for v in VARIANTS {
            if c.runs_in(&v) {
                let selected = args
                    .filter
                    .as_ref()
                    .is_none_or(|f| c.id.contains(f.as_str()) || v.label().contains(f.as_str()));
                if selected {
                    plan.push((i, v));
                }
            }
        }
    }
    if args.list {
        for (i, v) in &plan {
            println!("{}\t{}", cases[*i].id, v.label());
        }
        println!("{} rows", plan.len());
        return Ok(true);
    }

    let (chromium, chromium_missing) = match chromium::find() {
        Ok(exe) => (Some(exe), None),
        Err(why) => (None, Some(why)),
    };
    let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
    let jobs = Arc::new(Semaphore::new(args.jobs));
    let one_browser = Arc::new(Semaphore::new(1));
    let mut set = tokio::task::JoinSet::new();
    for (idx, (ci_case, v)) in plan.iter().copied().enumerate() {
        let cases = Arc::clone(&cases);
        let jobs = Arc::clone(&jobs);
        let one_browser = Arc::clone(&one_browser);
        let chromium = chromium.clone();
        set.spawn(async move {
            let case = &cases[ci_case];
            let mut t = Instant::now();
            let obs = if runner::needs_chromium(&v) {
                match chromium {
                    Some(exe) => {
                        let _b = one_browser.acquire().await;
                        let _j = jobs.acquire().await;
                        t = Instant::now();
                        let c = Arc::new(chromium::Chromium::new(exe));
                        Some(runner::execute(case, &v, BrowserChoice::Chromium(c)).await)
                    }
                    None => None,
                }
            } else {
                let _j = jobs.acquire().await;
                t = Instant::now();
                Some(runner::execute(case, &v, BrowserChoice::Scripted).await)
            };
            (idx, obs, t.elapsed())
        });
    }
    let mut results: Vec<Option<(Option<Observed>, Duration)>> =
        (0..plan.len()).map(|_| None).collect();
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok((idx, obs, d)) => results[idx] = Some((obs, d)),
            Err(e) => return Err(format!("a row's task failed: {e}")),
        }
    }

    chromium::sweep_profiles();
    let mut used = vec![false; expectations.len()];
    let mut rows = Vec::new();
    for ((ci_case, v), res) in plan.iter().zip(results) {
        let case = &cases[*ci_case];
        let label = v.label();
        let (obs, d) = res.unwrap_or((None, Duration::ZERO));
        let row = match obs {
            None => {
                let why = chromium_missing
                    .as_deref()
                    .unwrap_or("headless Chromium not found");
                Row {
                    case: case.id,
                    alias: case.alias,
                    profile: label,
                    status: if ci { Status::Fail } else { Status::Skipped },
                    expected: describe(&case.expect),
                    observed: "-".to_owned(),
                    kind: None,
                    code: None,
                    ms: 0,
                    detail: if ci {
                        format!("{why}; CI is set, so this fails")
                    } else {
                        why.to_owned()
                    },
                }
            }
            Some(obs) => {
                let x = expectations.iter().position(|x| x.matches(case.id, &label));
                if let Some(i) = x {
                    used[i] = true;
                }
                let (status, expected, detail) = judge(case, &obs, x.map(|i| &expectations[i]));
                let observed = if obs.accepted {
                    "accept".to_owned()
                } else {
                    format!(
                        "{} ({})",
                        obs.kind.as_deref().unwrap_or("-"),
                        obs.code.unwrap_or(0)
                    )
                };
                Row {
                    case: case.id,
                    alias: case.alias,
                    profile: label,
                    status,
                    expected,
                    observed,
                    kind: obs.kind,
                    code: obs.code,
                    ms: d.as_millis(),
                    detail,
                }
            }
        };
        rows.push(row);
    }
    if args.filter.is_none() {
        for (x, used) in expectations.iter().zip(&used) {
            if !used {
                rows.push(Row {
                    case: "expectations.json",
                    alias: "",
                    profile: format!("{} / {:?}", x.case, x.profiles),
                    status: Status::Fail,
                    expected: "an entry that matches a row".to_owned(),
                    observed: "matches no row".to_owned(),
                    kind: None,
                    code: None,
                    ms: 0,
                    detail: "stale expectation: remove it".to_owned(),
                });
            }
        }
    }

    let passed = rows
        .iter()
        .filter(|r| matches!(r.status, Status::Pass | Status::XFail))
        .count();
    let failed = rows.iter().filter(|r| r.status == Status::Fail).count();
    let skipped = rows.iter().filter(|r| r.status == Status::Skipped).count();
    let mut summary = format!("{passed} passed, {failed} failed");
    if skipped > 0 {
        let _ = write!(summary, ", {skipped} skipped");
    }
    let wall = start.elapsed();

    let table = render_table(&rows);
    print!("{table}");
    let out = write_reports(
        &args.out,
        &rows,
        &cases,
        &summary,
        wall,
        args.filter.as_deref(),
    )?;
    println!(
        "\nreport: {} and report.json ({:.1} s, {} rows, {} jobs)",
        out.join("report.md").display(),
        wall.as_secs_f64(),
        rows.len(),
        args.jobs
    );
    println!("{summary}");
    Ok(failed == 0)
}

fn render_table(rows: &[Row]) -> String {
    oidc_testkit::table::markdown(
        &[
            "case", "profile", "result", "expected", "observed", "ms", "detail",
        ],
        rows.iter().map(|r| {
            let case = if r.alias.is_empty() {
                r.case.to_owned()
            } else {
                format!("{} [{}]", r.case, r.alias)
            };
            [
                case,
                r.profile.clone(),
                r.status.as_str().to_owned(),
                r.expected.clone(),
                r.observed.clone(),
                r.ms.to_string(),
                r.detail.clone(),
            ]
        }),
    )
}

fn write_reports(
    out: &std::path::Path,
    rows: &[Row],
    cases: &[Case],
    summary: &str,
    wall: Duration,
    filter: Option<&str>,
) -> Result<PathBuf, String> {
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let out = &std::fs::canonicalize(out).unwrap_or_else(|_| out.to_owned());
    let mut md = String::new();
    let _ = writeln!(md, "# Relying-party conformance report\n");
    let _ = writeln!(
        md,
        "Generated by `cargo xtask conformance` (crate `oidc-conformance`) against `oidc-testop`; \
         catalogue: `../shared/conformance/CATALOGUE.md`; profiles and mapping: `docs/CONFORMANCE.md`.\n"
    );
    if let Some(f) = filter {
        let _ = writeln!(md, "Filtered run: `--filter {f}`.\n");
    }
    let _ = writeln!(
        md,
        "Wall time {:.1} s, {} rows.\n",
        wall.as_secs_f64(),
        rows.len()
    );
    let _ = writeln!(md, "## Cases\n");
    let _ = writeln!(md, "| case | catalogue | what |");
    let _ = writeln!(md, "|---|---|---|");
    for c in cases {
        let _ = writeln!(md, "| {} | {} | {} |", c.id, c.alias, c.summary);
    }
    let _ = writeln!(md, "\n## Rows\n");
    md.push_str(&render_table(rows));
    let _ = writeln!(md, "\n{summary}");
    std::fs::write(out.join("report.md"), md).map_err(|e| format!("report.md: {e}"))?;

    let json_rows: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "case": r.case,
                "catalogue_id": r.alias,
                "profile": r.profile,
                "status": r.status.as_str(),
                "expected": r.expected,
                "observed": r.observed,
                "kind": r.kind,
                "code": r.code,
                "duration_ms": r.ms,
                "detail": r.detail,
            })
        })
        .collect();
    let count = |s: Status| rows.iter().filter(|r| r.status == s).count();
    let doc = json!({
        "summary": summary,
        "passed": count(Status::Pass) + count(Status::XFail),
        "expected_failures": count(Status::XFail),
        "failed": count(Status::Fail),
        "skipped": count(Status::Skipped),
        "wall_ms": wall.as_millis(),
        "filter": filter,
        "rows": json_rows,
    });
    let text = serde_json::to_string_pretty(&doc).map_err(|e| format!("report.json: {e}"))?;
    std::fs::write(out.join("report.json"), text).map_err(|e| format!("report.json: {e}"))?;
    Ok(out.clone())
}
