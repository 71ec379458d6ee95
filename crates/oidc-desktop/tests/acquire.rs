//! The one silent-acquisition path (`OidcDesktop::acquire`) against the project's test
//! provider, which rotates refresh tokens and revokes the whole grant when a rotated one is
//! replayed: many tasks, several clients, several processes and a killed lock holder share
//! one session without ever losing it.
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use oidc_core::{Clock as _, FixedClock};
use oidc_desktop::testing::HttpAgent;
use oidc_desktop::{
    Acquisition, Error, FileStore, Interactive, OidcDesktop, OidcDesktopBuilder, Session,
    TokenStore,
};
use oidc_testop::{Endpoint, Fault, OpConfig, TestOp};

const CHILD_ISSUER: &str = "OIDC_ACQUIRE_TEST_ISSUER";
const CHILD_DIR: &str = "OIDC_ACQUIRE_TEST_DIR";
const CHILD_LOCK: &str = "OIDC_ACQUIRE_TEST_LOCK";

/// A provider whose access tokens live `secs` seconds.
async fn op(secs: u64) -> TestOp {
    let mut c = OpConfig::default();
    c.access_token_lifetime = Duration::from_secs(secs);
    TestOp::start(c).await.unwrap()
}

/// A token directory inside a temporary one (the store creates it 0700; the temporary
/// directory itself may be open to others, which the store would refuse).
struct Dir(std::path::PathBuf);

impl Dir {
    fn path(&self) -> &std::path::Path {
        &self.0
    }
}

fn builder(issuer: &str, dir: &std::path::Path) -> OidcDesktopBuilder {
    OidcDesktop::builder(issuer)
        .client_id("test-client")
        .scope("openid profile email")
        .token_store(Arc::new(FileStore::new(dir)))
        .timeout(Duration::from_secs(20))
}

/// Signs in through the scripted agent and stores the session.
async fn signed_in(op: &TestOp, dir: &std::path::Path) -> (OidcDesktop, Session) {
    let agent = HttpAgent::new();
    let c = builder(&op.issuer(), dir)
        .browser(Arc::new(agent))
        .build()
        .unwrap();
    let got = c.acquire().await.unwrap();
    assert_eq!(got.how, Acquisition::SignedIn);
    (c, got.session)
}

/// Waits (bounded) until `s`'s access token has expired.
async fn until_expired(s: &Session) {
    let exp = s.expires_at().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while now() < exp {
        assert!(
            Instant::now() < deadline,
            "the token did not expire in time"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn now() -> i64 {
    use oidc_core::Clock as _;
    oidc_core::SystemClock.now_unix()
}

/// One silent acquisition per client, all at once.
async fn concurrently(clients: Vec<OidcDesktop>) -> Vec<oidc_desktop::Acquired> {
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|c| tokio::spawn(async move { c.acquire().interactive(Interactive::Never).await }))
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap().unwrap());
    }
    out
}

fn token_of(s: &Session) -> String {
    s.access_token().unwrap().secret().to_owned()
}

fn grants(op: &TestOp, grant: &str) -> usize {
    op.handle()
        .requests_to(Endpoint::Token)
        .iter()
        .filter(|r| r.param("grant_type") == Some(grant))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_tasks_of_one_client_refresh_once() {
    let op = op(2).await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = Dir(tmp.path().join("tokens"));
    let (c, first) = signed_in(&op, dir.path()).await;
    until_expired(&first).await;
    op.handle().clear_requests();
    let got = concurrently(vec![c.clone(); 16]).await;
    let tokens: Vec<String> = got.iter().map(|g| token_of(&g.session)).collect();
    let how: Vec<Acquisition> = got.iter().map(|g| g.how).collect();
    assert_eq!(grants(&op, "refresh_token"), 1, "one refresh for 16 tasks");
    assert!(tokens.iter().all(|t| *t == tokens[0]), "one token for all");
    assert_ne!(tokens[0], first.access_token().unwrap().secret());
    assert_eq!(
        how.iter().filter(|h| **h == Acquisition::Refreshed).count(),
        1
    );
    // The refreshed session was stored, rotated refresh token included.
    let stored = c.stored_session().unwrap().unwrap();
    assert_eq!(stored.access_token().unwrap().secret(), tokens[0]);
    assert_ne!(stored.refresh_token(), first.refresh_token());
    assert!(stored.is_from_store());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_sharing_a_directory_refresh_once() {
    let op = op(2).await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = Dir(tmp.path().join("tokens"));
    let (_, first) = signed_in(&op, dir.path()).await;
    until_expired(&first).await;
    op.handle().clear_requests();
    let a = builder(&op.issuer(), dir.path()).build().unwrap();
    let b = builder(&op.issuer(), dir.path()).build().unwrap();
    let clients = (0..8).map(|i| if i % 2 == 0 { a.clone() } else { b.clone() });
    let tokens: Vec<String> = concurrently(clients.collect())
        .await
        .iter()
        .map(|g| token_of(&g.session))
        .collect();
    assert_eq!(grants(&op, "refresh_token"), 1);
    assert!(tokens.iter().all(|t| *t == tokens[0]));
}

/// The child half of the multi-process tests: run only when the parent sets the variables.
#[tokio::test]
async fn child_process_acquires() {
    let (Ok(issuer), Ok(dir)) = (std::env::var(CHILD_ISSUER), std::env::var(CHILD_DIR)) else {
        eprintln!("(runs only as the child of two_processes_refresh_once)");
        return;
    };
    let c = builder(&issuer, std::path::Path::new(&dir))
        .build()
        .unwrap();
    let got = c.acquire().interactive(Interactive::Never).await.unwrap();
    println!(
        "TOKEN={} HOW={:?}",
        got.session.access_token().unwrap().secret(),
        got.how
    );
}

/// The child that takes an entry's lock and holds it until killed.
#[tokio::test]
async fn child_process_holds_the_lock() {
    let Ok(lock) = std::env::var(CHILD_LOCK) else {
        eprintln!("(runs only as the child of a_killed_lock_holder_wedges_nobody)");
        return;
    };
    let _held = oidc_store::EntryLock::acquire(std::path::Path::new(&lock), Duration::from_secs(5))
        .await
        .unwrap();
    println!("LOCKED");
    use std::io::Write as _;
    std::io::stdout().flush().unwrap();
    tokio::time::sleep(Duration::from_secs(120)).await;
}

fn child(test: &str) -> Command {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", test, "--nocapture", "--test-threads", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_refresh_once() {
    let op = op(2).await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = Dir(tmp.path().join("tokens"));
    let (_, first) = signed_in(&op, dir.path()).await;
    until_expired(&first).await;
    op.handle().clear_requests();
    let children: Vec<_> = (0..4)
        .map(|_| {
            child("child_process_acquires")
                .env(CHILD_ISSUER, op.issuer())
                .env(CHILD_DIR, dir.path())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<_> = tokio::task::spawn_blocking(move || {
        children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    let mut tokens = Vec::new();
    let mut refreshed = 0;
    for o in &outputs {
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success(),
            "{out}\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
        // The test harness may print its own words before ours on the line.
        let at = out.find("TOKEN=").unwrap();
        let line = out[at..].lines().next().unwrap();
        let mut parts = line.split(' ');
        tokens.push(parts.next().unwrap().to_owned());
        refreshed += usize::from(parts.next() == Some("HOW=Refreshed"));
    }
    assert_eq!(
        grants(&op, "refresh_token"),
        1,
        "one refresh for four processes"
    );
    assert_eq!(refreshed, 1);
    assert!(tokens.iter().all(|t| *t == tokens[0]), "{tokens:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_lock_holder_wedges_nobody() {
    let op = op(2).await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = Dir(tmp.path().join("tokens"));
    let (c, first) = signed_in(&op, dir.path()).await;
    let (_, key_lock) = entry_files(dir.path());
    let mut holder = child("child_process_holds_the_lock")
        .env(CHILD_LOCK, &key_lock)
        .spawn()
        .unwrap();
    let mut stdout = holder.stdout.take().unwrap();
    let locked = tokio::task::spawn_blocking(move || {
        use std::io::Read as _;
        let mut seen = String::new();
        let mut buf = [0u8; 256];
        while !seen.contains("LOCKED") {
            let n = stdout.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            seen.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
        seen.contains("LOCKED")
    });
    assert!(
        tokio::time::timeout(Duration::from_secs(30), locked)
            .await
            .unwrap()
            .unwrap()
    );
    // Held: a short wait times out.
    let e = oidc_store::EntryLock::acquire(&key_lock, Duration::from_millis(200))
        .await
        .unwrap_err();
    assert!(matches!(e, oidc_store::Error::LockTimeout { .. }), "{e}");
    // SIGKILL: no chance to clean up; the operating system releases the lock.
    holder.kill().unwrap();
    holder.wait().unwrap();
    until_expired(&first).await;
    let started = Instant::now();
    let got = c.acquire().interactive(Interactive::Never).await.unwrap();
    assert_eq!(got.how, Acquisition::Refreshed);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_refused_refresh_token_is_recorded_dead_and_never_replayed() {
    let op = op(2).await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = Dir(tmp.path().join("tokens"));
    let (c, first) = signed_in(&op, dir.path()).await;
    // The provider forgets the grant (an administrator revoked it).
    c.revoke_token(
        first.refresh_token().unwrap().secret(),
        Some(oidc_desktop::token::TokenTypeHint::RefreshToken),
    )
    .await
    .unwrap();
    until_expired(&first).await;
    op.handle().clear_requests();
    let e = c
        .acquire()
        .interactive(Interactive::Never)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InteractionRequired { .. }), "{e}");
    assert_eq!(e.kind(), "interaction_required");
    assert!(e.to_string().contains("invalid_grant"), "{e}");
    let stored = c.stored_session().unwrap().unwrap();
    assert!(stored.refresh_token().is_none());
    assert!(stored.refresh_refused().unwrap().contains("invalid_grant"));
    // The next caller does not replay it.
    let e = c
        .acquire()
        .interactive(Interactive::Never)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("refused earlier"), "{e}");
    assert_eq!(grants(&op, "refresh_token"), 1);
    // With interaction allowed, a fresh sign-in replaces the dead entry.
    let c2 = builder(&op.issuer(), dir.path())
        .browser(Arc::new(HttpAgent::new()))
        .build()
        .unwrap();
    let got = c2.acquire().await.unwrap();
    assert_eq!(got.how, Acquisition::SignedIn);
    assert!(
        c2.stored_session()
            .unwrap()
            .unwrap()
            .refresh_token()
            .is_some()
    );
}

#[tokio::test]
async fn a_moved_auth_time_keeps_the_rotated_tokens() {
    let op = op(60).await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = Dir(tmp.path().join("tokens"));
    let (c, first) = signed_in(&op, dir.path()).await;
    op.handle().add_fault(Fault::RefreshAuthTimeMoved);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let got = c
        .acquire()
        .force_refresh(true)
        .interactive(Interactive::Never)
        .await
        .unwrap();
    assert_eq!(got.how, Acquisition::Refreshed);
    assert_ne!(got.session.refresh_token(), first.refresh_token());
    assert_ne!(
        got.session.claims().unwrap().auth_time,
        first.claims().unwrap().auth_time,
        "the provider moved auth_time"
    );
    // The rotated token was kept: the next refresh works.
    let again = c
        .acquire()
        .force_refresh(true)
        .interactive(Interactive::Never)
        .await
        .unwrap();
    assert_eq!(again.how, Acquisition::Refreshed);
}

#[tokio::test]
async fn an_answer_for_another_subject_is_refused_and_recorded_dead() {
    let op = op(60).await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = Dir(tmp.path().join("tokens"));
    let (c, _) = signed_in(&op, dir.path()).await;
    op.handle().add_fault(Fault::RefreshSubAltered);
    let e = c
        .acquire()
        .force_refresh(true)
        .interactive(Interactive::Never)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InteractionRequired { .. }), "{e}");
    assert!(e.to_string().contains("sub"), "{e}");
    let stored = c.stored_session().unwrap().unwrap();
    assert!(
        stored.refresh_token().is_none(),
        "the retired token is not kept"
    );
    assert!(stored.refresh_refused().is_some());
}

/// A provider with these token lifetimes, and a client on a clock the test moves.
async fn timed(
    access: u64,
    id: u64,
) -> (
    TestOp,
    Arc<FixedClock>,
    impl Fn(&std::path::Path) -> OidcDesktop,
) {
    let mut cfg = OpConfig::default();
    cfg.access_token_lifetime = Duration::from_secs(access);
    cfg.id_token_lifetime = Duration::from_secs(id);
    let op = TestOp::start(cfg).await.unwrap();
    let clock = Arc::new(FixedClock::new(now()));
    let (issuer, c) = (op.issuer(), clock.clone());
    let make = move |dir: &std::path::Path| {
        builder(&issuer, dir)
            .clock(c.clone())
            .browser(Arc::new(HttpAgent::new()))
            .build()
            .unwrap()
    };
    (op, clock, make)
}

async fn how(c: &OidcDesktop, id_token: bool) -> Acquisition {
    c.acquire()
        .interactive(Interactive::Never)
        .require_id_token(id_token)
        .await
        .unwrap()
        .how
}

#[tokio::test]
async fn a_stored_access_token_is_reused_until_the_margin() {
    // 120 s tokens: the 60 s margin shrinks to a quarter of the lifetime, 30 s.
    let (_op, clock, make) = timed(120, 600).await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = Dir(tmp.path().join("tokens"));
    let c = make(dir.path());
    let t0 = clock.now_unix();
    assert_eq!(c.acquire().await.unwrap().how, Acquisition::SignedIn);
    let exp = c.stored_session().unwrap().unwrap().expires_at().unwrap();
    assert_eq!(exp, t0 + 120);
    assert_eq!(how(&c, false).await, Acquisition::Stored);
    assert_eq!(how(&c, true).await, Acquisition::Stored);
    clock.set(exp - 31);
    assert_eq!(how(&c, false).await, Acquisition::Stored, "31 s left");
    clock.set(exp - 30);
    assert_eq!(how(&c, false).await, Acquisition::Refreshed, "30 s left");
    assert_eq!(how(&c, false).await, Acquisition::Stored, "the new token");
}

#[tokio::test]
async fn a_required_id_token_is_refreshed_at_its_own_margin() {
    // The ID token lives 200 s (margin 50 s), the access token an hour.
    let (_op, clock, make) = timed(3600, 200).await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = Dir(tmp.path().join("tokens"));
    let c = make(dir.path());
    assert_eq!(c.acquire().await.unwrap().how, Acquisition::SignedIn);
    let claims = c.stored_session().unwrap().unwrap();
    let id_exp = claims.claims().unwrap().expires_at();
    clock.set(id_exp - 51);
    assert_eq!(how(&c, true).await, Acquisition::Stored, "51 s left");
    clock.set(id_exp - 50);
    assert_eq!(
        how(&c, false).await,
        Acquisition::Stored,
        "the access token is fine"
    );
    assert_eq!(
        how(&c, true).await,
        Acquisition::Refreshed,
        "50 s left of the ID token"
    );
}

/// The entry file of the one session stored in `dir`, and its lock file.
fn entry_files(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let find = |ext: &str| {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == ext))
            .unwrap()
    };
    (find("json"), find("lock"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiters_take_what_another_process_stored_even_when_forced() {
    // The ID token has expired, the access token has not: a caller that does not need the
    // ID token takes a session another process stored while it waited, even when it asked
    // for a refresh.
    let (op, clock, make) = timed(3600, 200).await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = Dir(tmp.path().join("tokens"));
    let c = make(dir.path());
    assert_eq!(c.acquire().await.unwrap().how, Acquisition::SignedIn);
    let first = c.stored_session().unwrap().unwrap();
    clock.set(first.claims().unwrap().expires_at() + 10);
    op.handle().clear_requests();
    let (entry, lock) = entry_files(dir.path());
    // This test is the other process: it holds the entry's lock while the callers start.
    let held = oidc_store::EntryLock::acquire(&lock, Duration::from_secs(5))
        .await
        .unwrap();
    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move {
                c.acquire()
                    .interactive(Interactive::Never)
                    .force_refresh(true)
                    .await
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Only the access token differs from what the callers read (same `obtained_at`).
    let mut json: serde_json::Value = serde_json::from_str(&first.to_json()).unwrap();
    json["access_token"] = "stored-by-another-process".into();
    FileStore::new(dir.path())
        .save(
            entry.file_stem().unwrap().to_str().unwrap(),
            &json.to_string(),
        )
        .unwrap();
    drop(held);
    for w in waiters {
        let got = tokio::time::timeout(Duration::from_secs(30), w)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(got.how, Acquisition::StoredByAnother);
        assert_eq!(token_of(&got.session), "stored-by-another-process");
    }
    assert_eq!(grants(&op, "refresh_token"), 0, "nobody refreshed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_usable_session_never_waits_for_the_lock() {
    let op = op(60).await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = Dir(tmp.path().join("tokens"));
    let (c, s) = signed_in(&op, dir.path()).await;
    let (_, lock) = entry_files(dir.path());
    let _held = oidc_store::EntryLock::acquire(&lock, Duration::from_secs(5))
        .await
        .unwrap();
    let got = tokio::time::timeout(Duration::from_secs(5), c.acquire())
        .await
        .expect("a warm acquisition waited for the lock")
        .unwrap();
    assert_eq!(got.how, Acquisition::Stored);
    assert_eq!(token_of(&got.session), token_of(&s));
}

#[tokio::test]
async fn a_failed_refresh_that_is_not_a_refusal_keeps_the_refresh_token() {
    let op = op(2).await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = Dir(tmp.path().join("tokens"));
    let (c, first) = signed_in(&op, dir.path()).await;
    until_expired(&first).await;
    op.handle().add_fault(Fault::EndpointError {
        endpoint: Endpoint::Token,
        grant_type: Some("refresh_token".into()),
        status: 503,
        error: "temporarily_unavailable".into(),
        description: None,
        uri: None,
    });
    let e = c
        .acquire()
        .interactive(Interactive::Never)
        .await
        .unwrap_err();
    assert_ne!(e.kind(), "interaction_required", "{e}");
    let stored = c.stored_session().unwrap().unwrap();
    assert_eq!(stored.refresh_token(), first.refresh_token());
    assert_eq!(stored.refresh_refused(), None);
    op.handle().clear_faults();
    op.handle().clear_requests();
    let got = c.acquire().interactive(Interactive::Never).await.unwrap();
    assert_eq!(got.how, Acquisition::Refreshed);
    // No UserInfo was asked for: this client does not fetch it.
    assert!(op.handle().requests_to(Endpoint::UserInfo).is_empty());
}

#[tokio::test]
async fn an_id_token_that_expires_as_it_is_issued_is_never_reused() {
    // exp == iat, and the provider's clock 30 s ahead of this client's (within the
    // validator's leeway, so the token is accepted once): no quarter-of-nothing margin.
    let (_op, clock, make) = timed(3600, 0).await;
    clock.set(now() - 30);
    let tmp = tempfile::tempdir().unwrap();
    let dir = Dir(tmp.path().join("tokens"));
    let c = make(dir.path());
    assert_eq!(c.acquire().await.unwrap().how, Acquisition::SignedIn);
    let claims = c.stored_session().unwrap().unwrap();
    let claims = claims.claims().unwrap();
    assert_eq!(claims.expires_at(), claims.issued_at());
    assert_eq!(how(&c, false).await, Acquisition::Stored);
    assert_eq!(how(&c, true).await, Acquisition::Refreshed);
}

#[tokio::test]
async fn known_user_details_are_not_fetched_again_on_refresh() {
    let op = op(2).await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = Dir(tmp.path().join("tokens"));
    let c = builder(&op.issuer(), dir.path())
        .fetch_userinfo(true)
        .browser(Arc::new(HttpAgent::new()))
        .build()
        .unwrap();
    let first = c.acquire().await.unwrap().session;
    assert!(first.userinfo().is_some());
    until_expired(&first).await;
    op.handle().clear_requests();
    let got = c.acquire().interactive(Interactive::Never).await.unwrap();
    assert_eq!(got.how, Acquisition::Refreshed);
    assert!(got.session.userinfo().is_some(), "kept from the sign-in");
    assert!(op.handle().requests_to(Endpoint::UserInfo).is_empty());
}

#[test]
fn interactive_modes_print_their_names() {
    let shown: Vec<String> = [
        Interactive::Never,
        Interactive::Browser,
        Interactive::paste(|_| unreachable!("never made")),
        Interactive::Device,
    ]
    .iter()
    .map(|i| format!("{i:?}"))
    .collect();
    assert_eq!(shown, ["Never", "Browser", "Paste", "Device"]);
}

#[tokio::test]
async fn an_entry_of_another_issuer_or_client_is_not_this_clients_session() {
    let op = op(60).await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = Dir(tmp.path().join("tokens"));
    let (c, s) = signed_in(&op, dir.path()).await;
    assert_eq!(c.stored_session().unwrap().unwrap().to_json(), s.to_json());
    for (member, value) in [("issuer", "https://elsewhere.test"), ("client_id", "other")] {
        let mut json: serde_json::Value = serde_json::from_str(&s.to_json()).unwrap();
        json[member] = value.into();
        let foreign = Session::from_json(&json.to_string()).unwrap();
        c.store_session(&foreign).await.unwrap();
        assert!(c.stored_session().unwrap().is_none(), "{member} differs");
    }
    assert!(
        c.session_location()
            .starts_with(&*dir.path().to_string_lossy()),
        "{}",
        c.session_location()
    );
    // Forgetting reports whether there was an entry.
    c.store_session(&s).await.unwrap();
    assert!(c.stored_session().unwrap().is_some());
    assert!(c.forget_session().await.unwrap(), "an entry was there");
    assert!(c.stored_session().unwrap().is_none());
    assert!(!c.forget_session().await.unwrap(), "nothing left to forget");
}

#[tokio::test]
async fn a_corrupt_entry_ends_in_a_fresh_sign_in() {
    let op = op(60).await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = Dir(tmp.path().join("tokens"));
    let (c, _) = signed_in(&op, dir.path()).await;
    let (entry, _) = entry_files(dir.path());
    // Truncated mid-write by something other than this library.
    let text = std::fs::read_to_string(&entry).unwrap();
    FileStore::new(dir.path())
        .save(
            entry.file_stem().unwrap().to_str().unwrap(),
            &text[..text.len() / 2],
        )
        .unwrap();
    let e = c
        .acquire()
        .interactive(Interactive::Never)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "interaction_required", "{e}");
    let c2 = builder(&op.issuer(), dir.path())
        .browser(Arc::new(HttpAgent::new()))
        .build()
        .unwrap();
    assert_eq!(c2.acquire().await.unwrap().how, Acquisition::SignedIn);
    assert!(c2.stored_session().unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_without_a_session_open_one_browser() {
    let op = op(60).await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = Dir(tmp.path().join("tokens"));
    let agent = HttpAgent::new();
    let c = builder(&op.issuer(), dir.path())
        .browser(Arc::new(agent))
        .build()
        .unwrap();
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.acquire().await })
        })
        .collect();
    let mut signed_in = 0;
    for t in tasks {
        signed_in += usize::from(t.await.unwrap().unwrap().how == Acquisition::SignedIn);
    }
    assert_eq!(signed_in, 1);
    assert_eq!(
        op.handle()
            .requests_to(Endpoint::Authorization)
            .len()
            .max(op.handle().requests_to(Endpoint::PushedAuthorization).len()),
        1
    );
}

/// A store whose writes fail from the `n`th on, like a disk that filled up.
#[derive(Debug)]
struct FillingDisk {
    inner: FileStore,
    writes_left: std::sync::atomic::AtomicUsize,
}

impl TokenStore for FillingDisk {
    fn load(&self, key: &str) -> Result<Option<String>, oidc_store::Error> {
        self.inner.load(key)
    }
    fn save(&self, key: &str, value: &str) -> Result<(), oidc_store::Error> {
        use std::sync::atomic::Ordering;
        if self.writes_left.load(Ordering::SeqCst) == 0 {
            return Err(oidc_store::Error::Io {
                action: "cannot write",
                path: self.inner.dir().to_owned(),
                source: std::io::Error::from_raw_os_error(28),
            });
        }
        self.writes_left.fetch_sub(1, Ordering::SeqCst);
        self.inner.save(key, value)
    }
    fn remove(&self, key: &str) -> Result<bool, oidc_store::Error> {
        self.inner.remove(key)
    }
    fn lock_path(&self, key: &str) -> Option<std::path::PathBuf> {
        self.inner.lock_path(key)
    }
    fn location(&self, key: &str) -> String {
        self.inner.location(key)
    }
}

#[tokio::test]
async fn a_full_disk_after_a_refresh_is_a_clear_error_and_no_stale_entry() {
    let op = op(60).await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = Dir(tmp.path().join("tokens"));
    let store = Arc::new(FillingDisk {
        inner: FileStore::new(dir.path()),
        writes_left: 1.into(),
    });
    let c = OidcDesktop::builder(&op.issuer())
        .client_id("test-client")
        .scope("openid profile email")
        .token_store(store)
        .browser(Arc::new(HttpAgent::new()))
        .build()
        .unwrap();
    assert_eq!(c.acquire().await.unwrap().how, Acquisition::SignedIn);
    let e = c
        .acquire()
        .force_refresh(true)
        .interactive(Interactive::Never)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "token_store", "{e}");
    // The entry held the refresh token the provider just retired: it is gone, so the next
    // run signs in afresh instead of failing on a replay.
    assert!(c.stored_session().unwrap().is_none());
}
