//! The axum server, the test's handle, and panic reporting.

use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::extract::State;
use axum::response::IntoResponse as _;
use oidc_core::IssuerUrl;
use tokio::sync::oneshot;
use url::Url;

use crate::log::RecordedRequest;
use crate::provider::{Incoming, Provider, Reply};
use crate::{Client, Endpoint, Error, Fault, FrontChannelResponse, LoginMode, OpConfig, User};

/// The largest request body read (1 MiB); larger ones are answered 413.
const MAX_BODY: usize = 1 << 20;

pub(crate) struct Shared {
    issuer: String,
    issuer_path: String,
    state: Mutex<Provider>,
    panics: Mutex<Vec<String>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A handler that panicked while holding the lock is already recorded as a panic and
    // reported to the test; the provider's data stays usable for the assertions.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn endpoint_of(&self, path: &str, jwks_path: &str) -> Endpoint {
        if path
            .strip_prefix("/.well-known/oauth-authorization-server")
            .is_some_and(|rest| rest == self.issuer_path)
        {
            return Endpoint::OAuthMetadata;
        }
        let Some(rest) = path.strip_prefix(&self.issuer_path) else {
            return Endpoint::Unknown;
        };
        if rest == jwks_path {
            return Endpoint::Jwks;
        }
        Endpoint::FIXED
            .into_iter()
            .find(|e| e.path() == Some(rest))
            .unwrap_or(Endpoint::Unknown)
    }
}

/// A cheap, cloneable handle to a running provider: its URLs, its faults, its request log.
#[derive(Clone)]
pub struct OpHandle {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for OpHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpHandle")
            .field("issuer", &self.shared.issuer)
            .finish_non_exhaustive()
    }
}

impl OpHandle {
    fn provider(&self) -> MutexGuard<'_, Provider> {
        lock(&self.shared.state)
    }

    /// The issuer identifier, `http://127.0.0.1:<port><issuer_path>`.
    pub fn issuer(&self) -> String {
        self.shared.issuer.clone()
    }

    /// The issuer as an [`IssuerUrl`].
    pub fn issuer_url(&self) -> IssuerUrl {
        // The issuer is `http://127.0.0.1:<port>` plus a path checked at start, which
        // `IssuerUrl` accepts (loopback http); the fallback is never taken.
        IssuerUrl::new(self.issuer()).unwrap_or_else(|_| unreachable!("checked at start"))
    }

    /// The discovery document's URL.
    pub fn discovery_url(&self) -> Url {
        self.issuer_url().discovery_url()
    }

    /// An endpoint's URL (for [`Endpoint::Jwks`], the current JWKS path).
    pub fn url(&self, endpoint: Endpoint) -> Url {
        let path = match endpoint.path() {
            Some(p) => p.to_owned(),
            None if endpoint == Endpoint::Jwks => self.provider().jwks_path.clone(),
            None => "/unknown".to_owned(),
        };
        let text = format!("{}{path}", self.shared.issuer);
        // issuer + "/..." of ASCII path characters is a valid URL; see `issuer_url`.
        Url::parse(&text).unwrap_or_else(|_| unreachable!("checked at start"))
    }

    /// Replaces the active faults.
    pub fn set_faults(&self, faults: impl IntoIterator<Item = Fault>) {
        self.provider().faults = faults.into_iter().collect();
    }

    /// Adds a fault.
    pub fn add_fault(&self, fault: Fault) {
        self.provider().faults.push(fault);
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        self.provider().faults.clear();
    }

    /// The active faults.
    pub fn faults(&self) -> Vec<Fault> {
        self.provider().faults.clone()
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.provider().log.clone()
    }

    /// The requests to one endpoint.
    pub fn requests_to(&self, endpoint: Endpoint) -> Vec<RecordedRequest> {
        self.provider()
            .log
            .iter()
            .filter(|r| r.endpoint == endpoint)
            .cloned()
            .collect()
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        self.provider().log.clear();
    }

    /// The last authorization response sent through the browser (for `form_post`, the
    /// parameters a scripted agent without JavaScript POSTs itself).
    pub fn last_front_channel(&self) -> Option<FrontChannelResponse> {
        self.provider()
            .log
            .iter()
            .rev()
            .find_map(|r| r.front_channel.clone())
    }

    /// Rotates every signing key: new material and new `kid`s; the old keys leave the JWKS
    /// (catalogue `signing-key-rotation`, between logins).
    pub fn rotate_keys(&self) -> Result<(), Error> {
        self.provider().keys.rotate()
    }

    /// The JWKS document as currently served.
    pub fn jwks_json(&self) -> serde_json::Value {
        self.provider().jwks_json()
    }

    /// Registers (or replaces) a client at run time.
    pub fn add_client(&self, client: Client) -> Result<(), Error> {
        crate::provider::check_client(&client)?;
        let mut p = self.provider();
        p.clients.retain(|c| c.client_id != client.client_id);
        p.clients.push(client);
        Ok(())
    }

    /// Adds a user at run time.
    pub fn add_user(&self, user: User) {
        self.provider().users.push(user);
    }

    /// Switches between auto-approval and the login page.
    pub fn set_login_mode(&self, mode: LoginMode) {
        self.provider().login = mode;
    }

    /// The user codes of device authorizations still waiting for the user.
    pub fn pending_user_codes(&self) -> Vec<String> {
        self.provider().pending_user_codes()
    }

    /// Approves a device authorization as the first configured user, as the user would on
    /// the verification page. Returns false for an unknown or already decided code.
    pub fn approve_device(&self, user_code: &str) -> bool {
        self.provider().decide_device(user_code, true, None)
    }

    /// Denies a device authorization. Returns false for an unknown or decided code.
    pub fn deny_device(&self, user_code: &str) -> bool {
        self.provider().decide_device(user_code, false, None)
    }

    /// The messages of handler panics so far.
    pub fn panics(&self) -> Vec<String> {
        lock(&self.shared.panics).clone()
    }

    /// Returns and forgets the recorded handler panics (for a test that provokes one on
    /// purpose; the drop of the [`TestOp`] then stays quiet).
    pub fn take_panics(&self) -> Vec<String> {
        std::mem::take(&mut *lock(&self.shared.panics))
    }

    /// Panics (in the calling test) if any handler has panicked.
    pub fn assert_healthy(&self) {
        let panics = self.panics();
        assert!(
            panics.is_empty(),
            "the test OpenID Provider's handlers panicked: {panics:?}"
        );
    }
}

/// A running test provider. Dropping it stops the server and, if a handler panicked,
/// panics in the dropping thread (so the test that caused the panic fails).
///
/// Dereferences to its [`OpHandle`].
pub struct TestOp {
    handle: OpHandle,
    shutdown: Option<oneshot::Sender<()>>,
}

impl std::fmt::Debug for TestOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestOp")
            .field("issuer", &self.handle.shared.issuer)
            .finish_non_exhaustive()
    }
}

impl std::ops::Deref for TestOp {
    type Target = OpHandle;
    fn deref(&self) -> &OpHandle {
        &self.handle
    }
}

impl Drop for TestOp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if !std::thread::panicking() {
            self.handle.assert_healthy();
        }
    }
}

async fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    stop: oneshot::Receiver<()>,
) {
    tokio::select! {
        result = axum::serve(listener, router).into_future() => {
            if let Err(e) = result {
                tracing::error!(error = %e, "the test provider stopped serving");
            }
        }
        _ = stop => {}
    }
}

fn prepare(addr: SocketAddr, config: OpConfig) -> Result<(OpHandle, axum::Router), Error> {
    let path = config.issuer_path.trim_end_matches('/').to_owned();
    if !path.is_empty()
        && (!path.starts_with('/')
            || !path
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/-._~".contains(&b)))
    {
        return Err(Error::InvalidConfig(
            "issuer_path must start with `/` and use only unreserved characters",
        ));
    }
    let issuer = format!("http://{addr}{path}");
    if IssuerUrl::new(issuer.as_str()).is_err() {
        return Err(Error::InvalidConfig("the issuer is not a valid issuer URL"));
    }
    let provider = Provider::new(issuer.clone(), config)?;
    let shared = Arc::new(Shared {
        issuer,
        issuer_path: path,
        state: Mutex::new(provider),
        panics: Mutex::new(Vec::new()),
    });
    let router = axum::Router::new()
        .fallback(handle)
        .with_state(Arc::clone(&shared));
    Ok((OpHandle { shared }, router))
}

impl TestOp {
    /// Binds `127.0.0.1:<config.port>` and serves on the current tokio runtime until the
    /// returned value drops. A test that drives the provider with a *blocking* client on
    /// the same thread needs [`Self::start_in_background`] instead.
    pub async fn start(config: OpConfig) -> Result<Self, Error> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await?;
        let (handle, router) = prepare(listener.local_addr()?, config)?;
        let (tx, rx) = oneshot::channel();
        tokio::spawn(serve(listener, router, rx));
        tracing::debug!(issuer = %handle.shared.issuer, "test provider started");
        Ok(Self {
            handle,
            shutdown: Some(tx),
        })
    }

    /// Like [`Self::start`], on a runtime of its own in a background thread: for
    /// synchronous tests and blocking clients.
    pub fn start_in_background(config: OpConfig) -> Result<Self, Error> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<OpHandle, Error>>();
        let (tx, rx) = oneshot::channel();
        std::thread::Builder::new()
            .name("oidc-testop".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e.into()));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let bound = async {
                        let listener =
                            tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await?;
                        let (handle, router) = prepare(listener.local_addr()?, config)?;
                        Ok::<_, Error>((listener, handle, router))
                    };
                    match bound.await {
                        Ok((listener, handle, router)) => {
                            let _ = ready_tx.send(Ok(handle));
                            serve(listener, router, rx).await;
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                        }
                    }
                });
            })?;
        let handle = ready_rx.recv().map_err(|_| {
            Error::Io(std::io::Error::other(
                "the provider thread ended before binding",
            ))
        })??;
        Ok(Self {
            handle,
            shutdown: Some(tx),
        })
    }

    /// A handle that outlives borrow scopes (clone it into tasks).
    pub fn handle(&self) -> OpHandle {
        self.handle.clone()
    }

    /// Serves until Ctrl-C (for the standalone binary).
    pub async fn run_until_ctrl_c(self) -> Result<(), Error> {
        tokio::signal::ctrl_c().await?;
        Ok(())
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    req: axum::extract::Request,
) -> axum::response::Response {
    let (parts, body) = req.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return Reply::text(413, "request body too large").into_axum();
    };
    let incoming = Incoming::new(&parts, &body);
    let (endpoint, seq, delay, pad) = {
        let mut p = lock(&shared.state);
        let endpoint = shared.endpoint_of(&incoming.path, &p.jwks_path);
        let seq = p.record(&incoming, endpoint);
        let (delay, pad) = p.transport_faults(endpoint);
        (endpoint, seq, delay, pad)
    };
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
        let mut p = lock(&shared.state);
        p.handle(&incoming, endpoint)
    }));
    let mut reply = match result {
        Ok(reply) => reply,
        Err(payload) => {
            let msg = format!(
                "{} {}: {}",
                incoming.method,
                incoming.path,
                panic_message(payload.as_ref())
            );
            lock(&shared.panics).push(msg);
            Reply::text(500, "the test provider's handler panicked")
        }
    };
    lock(&shared.state).finish_record(seq, &reply);
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    if let Some(bytes) = pad
        && reply.body.len() < bytes
    {
        reply.body.resize(bytes, b' ');
    }
    reply.into_axum()
}

impl Reply {
    fn into_axum(self) -> axum::response::Response {
        let status = http::StatusCode::from_u16(self.status)
            .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, self.body).into_response();
        for (name, value) in self.headers {
            if let Ok(v) = http::HeaderValue::from_str(&value) {
                response.headers_mut().insert(name, v);
            }
        }
        response
    }
}
