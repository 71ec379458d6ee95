//! The server: bind, accept, answer, deliver.

use std::convert::Infallible;
use std::future::pending;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use oidc_core::{AuthorizationResponse, RedirectUrl, State};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinHandle;

use crate::config::{BrowserRedirect, MIN_HEADER_BYTES, validate_path};
use crate::pages::{self, CUSTOM_CSP, Failure, RELAY_MARKER, STATIC_CSP};
use crate::{Error, Limits, LoopbackConfig};

/// After the accepted response was handed to the browser's connection, how long the
/// connection may take to flush it before the parameters are delivered anyway.
const FLUSH_GRACE: Duration = Duration::from_secs(2);

/// Deliveries that may wait in the queue of a reusable server.
const QUEUE: usize = 16;

/// How the authorization response reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Arrival {
    /// In the query of a `GET` (`response_mode=query`, the default of the code flow).
    Query,
    /// In the body of a `POST` made by the provider's page (`response_mode=form_post`).
    FormPost,
    /// In the URL fragment (`response_mode=fragment`, the default of the implicit and hybrid
    /// flows), posted back by the relay page's script.
    Fragment,
}

impl Arrival {
    /// The response mode this arrival is (`response_mode`'s wire value).
    pub fn response_mode(self) -> oidc_core::ResponseMode {
        match self {
            Arrival::Query => oidc_core::ResponseMode::Query,
            Arrival::FormPost => oidc_core::ResponseMode::FormPost,
            Arrival::Fragment => oidc_core::ResponseMode::Fragment,
        }
    }

    /// A stable snake_case name: `query`, `form_post` or `fragment` (the response mode's
    /// wire name).
    pub fn as_str(self) -> &'static str {
        self.response_mode().as_str()
    }
}

/// Why a response that reached the callback path was not delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Refusal {
    /// A `state` is expected but the response has none.
    MissingState,
    /// The response's `state` is not the pending sign-in's (CSRF, a stale tab, a replay).
    StateMismatch,
    /// States are in use but no sign-in is pending any more (reusable mode).
    NoPendingSignIn,
    /// The parameters are malformed (repeated names, too many parameters).
    Malformed,
    /// The request carries no parameters.
    Empty,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Refusal::MissingState => "it carried no state",
            Refusal::StateMismatch => "its state did not match the pending sign-in",
            Refusal::NoPendingSignIn => "no sign-in was pending",
            Refusal::Malformed => "its parameters were malformed",
            Refusal::Empty => "it carried no parameters",
        })
    }
}

/// The authorization response as delivered by [`LoopbackServer::wait`].
#[derive(Debug, Clone)]
pub struct CallbackParams {
    response: AuthorizationResponse,
    arrival: Arrival,
    peer: SocketAddr,
}

impl CallbackParams {
    /// The parsed parameters; check them with
    /// [`AuthorizationResponse::to_result`] and the `check_*` methods of `oidc-core`.
    pub fn response(&self) -> &AuthorizationResponse {
        &self.response
    }

    /// The parsed parameters, by value.
    pub fn into_response(self) -> AuthorizationResponse {
        self.response
    }

    /// How the response arrived.
    pub fn arrival(&self) -> Arrival {
        self.arrival
    }

    /// The loopback socket address of the client (the browser) that brought it.
    pub fn peer(&self) -> SocketAddr {
        self.peer
    }

    /// A parameter by name.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.response.get(name)
    }
}

/// Stops a [`LoopbackServer`] from another task or thread.
///
/// Cancelling is final: the server stops listening, open connections are closed and a
/// pending or later [`LoopbackServer::wait`] returns [`Error::Cancelled`] (unless a response
/// was already delivered to the queue, which is returned first).
#[derive(Clone)]
pub struct CancelHandle {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for CancelHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CancelHandle")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

impl CancelHandle {
    /// Cancels the wait and stops the server. Callable from any thread, also outside a Tokio
    /// runtime; calling it again does nothing.
    pub fn cancel(&self) {
        self.shared.stop(true);
    }

    /// Whether [`Self::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.shared.lock().cancelled
    }
}

struct Inner {
    /// `None` once the server accepts no more responses.
    tx: Option<mpsc::Sender<CallbackParams>>,
    armed: Vec<State>,
    state_required: bool,
    refused: u32,
    last_refusal: Option<Refusal>,
    cancelled: bool,
}

struct Shared {
    path: String,
    authorities: Vec<String>,
    reusable: bool,
    limits: Limits,
    success_html: Arc<str>,
    /// The content security policy of `success_html`.
    success_csp: &'static str,
    failure_template: Option<Arc<str>>,
    success_redirect: Option<BrowserRedirect>,
    failure_redirect: Option<BrowserRedirect>,
    /// The relay page's content security policy, which lets its post be redirected to
    /// `success_redirect` and `failure_redirect`.
    relay_csp: String,
    tls: Option<tokio_rustls::TlsAcceptor>,
    inner: Mutex<Inner>,
    stop_accepting: watch::Sender<bool>,
    shutdown: watch::Sender<bool>,
    connections: AtomicUsize,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave `Inner` half-updated in a way that
        // matters more than refusing service, so a poisoned lock is used as is.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stops accepting responses and connections; with `cancel`, closes every connection too.
    fn stop(&self, cancel: bool) {
        {
            let mut inner = self.lock();
            inner.tx = None;
            if cancel {
                inner.cancelled = true;
            }
        }
        self.stop_accepting.send_replace(true);
        if cancel {
            self.shutdown.send_replace(true);
        }
    }

    fn authority_ok(&self, value: &str) -> bool {
        self.authorities
            .iter()
            .any(|a| a.eq_ignore_ascii_case(value))
    }
}

/// The loopback redirect server: one listening socket on `127.0.0.1` or `[::1]`.
///
/// See the [crate documentation](crate) for the whole flow.
pub struct LoopbackServer {
    shared: Arc<Shared>,
    rx: mpsc::Receiver<CallbackParams>,
    redirect_uri: RedirectUrl,
    local_addr: SocketAddr,
    timeout: Option<Duration>,
    accept_task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for LoopbackServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoopbackServer")
            .field("redirect_uri", &self.redirect_uri.as_str())
            .field("reusable", &self.shared.reusable)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl LoopbackServer {
    /// Binds the listening socket and starts serving.
    ///
    /// When this returns, the socket accepts connections and [`Self::redirect_uri`] is final.
    /// Must be called within a Tokio runtime; the server runs on spawned tasks.
    pub async fn bind(config: LoopbackConfig) -> Result<Self, Error> {
        let LoopbackConfig {
            ip,
            ports,
            localhost,
            path,
            timeout,
            reusable,
            success_html,
            failure_html,
            success_redirect,
            failure_redirect,
            tls,
            limits,
        } = config;
        let ips = crate::bind::candidates(ip);
        if let Some(ip) = ips.iter().find(|ip| !ip.is_loopback()) {
            return Err(Error::NotLoopback { ip: *ip });
        }
        validate_path(&path)?;
        let listener = crate::bind::bind_first(&ips, &ports, TcpListener::bind).await?;
        let local_addr = listener.local_addr().map_err(|source| Error::BindFailed {
            addr: SocketAddr::new(ips[0], 0),
            source,
        })?;

        let scheme = if tls.is_some() { "https" } else { "http" };
        let authority = if localhost {
            format!("localhost:{}", local_addr.port())
        } else {
            local_addr.to_string()
        };
        let redirect_uri =
            RedirectUrl::new(format!("{scheme}://{authority}{path}")).map_err(|_| {
                Error::InvalidPath {
                    path: path.clone(),
                    reason: "it does not form a valid redirect URI",
                }
            })?;
        if redirect_uri.url().path() != path {
            return Err(Error::InvalidPath {
                path,
                reason: "a URL would not keep it byte for byte",
            });
        }
        let mut authorities = vec![local_addr.to_string()];
        if localhost {
            authorities.push(authority.clone());
        }
        let default_port = if tls.is_some() { 443 } else { 80 };
        if local_addr.port() == default_port {
            // Browsers leave the scheme's default port out of `Host`.
            authorities.push(match local_addr {
                SocketAddr::V4(a) => a.ip().to_string(),
                SocketAddr::V6(a) => format!("[{}]", a.ip()),
            });
        }

        let redirect_sources: Vec<String> = [&success_redirect, &failure_redirect]
            .into_iter()
            .flatten()
            .map(|r| pages::redirect_source(&r.url))
            .collect();
        let (tx, rx) = mpsc::channel(QUEUE);
        let shared = Arc::new(Shared {
            relay_csp: pages::relay_csp(&redirect_sources),
            path,
            authorities,
            reusable,
            limits,
            success_csp: if success_html.is_some() {
                CUSTOM_CSP
            } else {
                STATIC_CSP.as_str()
            },
            success_html: success_html.unwrap_or_else(|| Arc::from(pages::default_success())),
            failure_template: failure_html,
            success_redirect,
            failure_redirect,
            tls: tls.map(|t| tokio_rustls::TlsAcceptor::from(t.server_config)),
            inner: Mutex::new(Inner {
                tx: Some(tx),
                armed: Vec::new(),
                state_required: false,
                refused: 0,
                last_refusal: None,
                cancelled: false,
            }),
            stop_accepting: watch::Sender::new(false),
            shutdown: watch::Sender::new(false),
            connections: AtomicUsize::new(0),
        });
        let accept_task = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        Ok(Self {
            shared,
            rx,
            redirect_uri,
            local_addr,
            timeout,
            accept_task: Some(accept_task),
        })
    }

    /// The redirect URI to register and send: the IP literal, the port and the path, e.g.
    /// `http://127.0.0.1:49152/callback` (RFC 8252 §7.3).
    pub fn redirect_uri(&self) -> &RedirectUrl {
        &self.redirect_uri
    }

    /// The bound socket address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Ties the server to a sign-in: from now on only responses whose `state` equals this
    /// value (compared in constant time) are delivered. Others are answered with the failure
    /// page, which then shows none of the response's text, and the wait goes on.
    ///
    /// Call it before opening the browser. In single-use mode a new call replaces the state;
    /// in reusable mode every call adds one pending sign-in, and each state is accepted once.
    /// Without any call every response with parameters is delivered and the caller must
    /// check `state` itself; since any web page the user visits can post a form to the
    /// loopback address, a forged response may then arrive first and end the wait. For the
    /// same reason the failure page of an unchecked error response does not show the
    /// provider's `error` and `error_description`. Call it.
    pub fn expect_state(&self, state: &State) {
        let mut inner = self.shared.lock();
        inner.state_required = true;
        if !self.shared.reusable {
            inner.armed.clear();
        }
        if !inner.armed.iter().any(|s| s == state) {
            inner.armed.push(state.clone());
        }
    }

    /// Withdraws a state given to [`Self::expect_state`] (a sign-in the application gave up
    /// on in reusable mode); its response will be refused.
    pub fn forget_state(&self, state: &State) {
        self.shared.lock().armed.retain(|s| s != state);
    }

    /// A handle that cancels the wait from elsewhere.
    pub fn cancel_handle(&self) -> CancelHandle {
        CancelHandle {
            shared: Arc::clone(&self.shared),
        }
    }

    /// Waits for the next accepted response, at most the configured timeout.
    ///
    /// The browser has been sent its page before this returns. In single-use mode the
    /// listening socket is closed by then too, and later calls return [`Error::Closed`].
    ///
    /// Errors: [`Error::Timeout`] (in single-use mode the server then stops listening),
    /// [`Error::Cancelled`], [`Error::Closed`].
    pub async fn wait(&mut self) -> Result<CallbackParams, Error> {
        let timeout = self.timeout;
        let result = {
            let mut shutdown = self.shared.shutdown.subscribe();
            let deadline = async {
                match timeout {
                    Some(d) => tokio::time::sleep(d).await,
                    None => pending().await,
                }
            };
            tokio::select! {
                biased;
                item = self.rx.recv() => match item {
                    Some(p) => Ok(p),
                    None if self.shared.lock().cancelled => Err(Error::Cancelled),
                    None => Err(Error::Closed),
                },
                _ = shutdown.wait_for(|s| *s) => Err(Error::Cancelled),
                () = deadline => {
                    let (refused, last_refusal) = {
                        let inner = self.shared.lock();
                        (inner.refused, inner.last_refusal)
                    };
                    Err(Error::Timeout {
                        // `deadline` only completes when a timeout is set.
                        after: timeout.unwrap_or_default(),
                        refused,
                        last_refusal,
                    })
                }
            }
        };
        if !self.shared.reusable && !matches!(result, Err(Error::Cancelled)) {
            self.shared.stop(false);
            if let Some(task) = self.accept_task.take() {
                // The loop ends as soon as it sees the stop signal; once joined, the
                // listening socket is closed.
                let _ = task.await;
            }
        }
        result
    }

    /// Returns an accepted response if one is queued, without waiting (for polling from an
    /// event loop). `Ok(None)` means none yet.
    pub fn try_wait(&mut self) -> Result<Option<CallbackParams>, Error> {
        match self.rx.try_recv() {
            Ok(p) => Ok(Some(p)),
            Err(mpsc::error::TryRecvError::Empty) if self.shared.lock().cancelled => {
                Err(Error::Cancelled)
            }
            Err(mpsc::error::TryRecvError::Empty) => Ok(None),
            Err(mpsc::error::TryRecvError::Disconnected) if self.shared.lock().cancelled => {
                Err(Error::Cancelled)
            }
            Err(mpsc::error::TryRecvError::Disconnected) => Err(Error::Closed),
        }
    }

    /// Stops listening and closes every connection. When it
    /// returns, the port is free. Dropping the server does the same without waiting.
    pub async fn shutdown(mut self) {
        self.shared.stop(true);
        if let Some(task) = self.accept_task.take() {
            let _ = task.await;
        }
    }

    /// Whether the server was built in reusable mode.
    pub fn is_reusable(&self) -> bool {
        self.shared.reusable
    }
}

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        self.shared.stop(true);
        if let Some(task) = self.accept_task.take() {
            task.abort();
        }
    }
}

/// Counts a connection for as long as it lives.
struct ConnGuard(Arc<Shared>);

impl ConnGuard {
    fn try_new(shared: &Arc<Shared>) -> Option<Self> {
        let max = shared.limits.max_connections;
        shared
            .connections
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()
            .map(|_| Self(Arc::clone(shared)))
    }
}

impl Drop for ConnGuard {
    fn drop(&mut self) {
        self.0.connections.fetch_sub(1, Ordering::AcqRel);
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut stop = shared.stop_accepting.subscribe();
    loop {
        let accepted = tokio::select! {
            biased;
            _ = stop.wait_for(|s| *s) => break,
            r = listener.accept() => r,
        };
        match accepted {
            Ok((stream, peer)) => {
                // A loopback socket only ever sees loopback peers; checked all the same.
                if !peer.ip().is_loopback() {
                    continue;
                }
                let Some(guard) = ConnGuard::try_new(&shared) else {
                    continue; // over the limit: the stream is dropped, i.e. closed
                };
                let _ = stream.set_nodelay(true);
                tokio::spawn(serve_connection(stream, peer, Arc::clone(&shared), guard));
            }
            // Out of file descriptors and the like: back off instead of spinning.
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

/// One connection's view: where an accepted response waits until the browser has its page.
struct Conn {
    shared: Arc<Shared>,
    peer: SocketAddr,
    claimed: Mutex<Option<(mpsc::OwnedPermit<CallbackParams>, CallbackParams)>>,
    notify: Notify,
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    guard: ConnGuard,
) {
    let _guard = guard;
    let mut shutdown = shared.shutdown.subscribe();
    let limits = shared.limits.clone();
    let conn = Arc::new(Conn {
        shared,
        peer,
        claimed: Mutex::new(None),
        notify: Notify::new(),
    });
    let grace = async {
        conn.notify.notified().await;
        tokio::time::sleep(FLUSH_GRACE).await;
    };
    tokio::select! {
        () = serve_io(stream, Arc::clone(&conn), &limits) => {}
        () = tokio::time::sleep(limits.connection_timeout) => {}
        () = grace => {}
        _ = shutdown.wait_for(|s| *s) => return,
    }
    let claimed = conn
        .claimed
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
    if let Some((permit, params)) = claimed {
        permit.send(params);
    }
}

async fn serve_io(stream: TcpStream, conn: Arc<Conn>, limits: &Limits) {
    match conn.shared.tls.clone() {
        Some(acceptor) => {
            if let Ok(tls) = acceptor.accept(stream).await {
                serve_http(TokioIo::new(tls), conn, limits).await;
            }
        }
        None => serve_http(TokioIo::new(stream), conn, limits).await,
    }
}

async fn serve_http<I>(io: I, conn: Arc<Conn>, limits: &Limits)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let header_bytes = limits.max_header_bytes.max(MIN_HEADER_BYTES);
    let service = service_fn(move |req| {
        let conn = Arc::clone(&conn);
        async move { Ok::<_, Infallible>(handle(req, &conn).await) }
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.connection_timeout)
        .max_buf_size(header_bytes)
        .max_header_size(header_bytes)
        .max_headers(limits.max_headers)
        .keep_alive(false)
        .half_close(true);
    let _ = builder.serve_connection(io, service).await;
}

fn plain(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    common_headers(h);
    r
}

fn common_headers(h: &mut hyper::HeaderMap) {
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CONNECTION, HeaderValue::from_static("close"));
}

/// The policy sent if a page's own cannot be a header value (it always can: the policies are
/// ASCII built from fixed text and serialized URLs). Failing closed, never without a policy.
const FALLBACK_CSP: &str =
    "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// An HTML page. Every page carries a content security policy: [`STATIC_CSP`] or the relay
/// policy for the built-in pages, [`CUSTOM_CSP`] for the application's.
fn html(status: StatusCode, body: String, csp: &str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_str(csp).unwrap_or(HeaderValue::from_static(FALLBACK_CSP)),
    );
    common_headers(h);
    r
}

/// `303 See Other` to an application-chosen URL, for a delivered response only.
fn see_other(to: &BrowserRedirect) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::new()));
    *r.status_mut() = StatusCode::SEE_OTHER;
    let h = r.headers_mut();
    h.insert(header::LOCATION, to.location.clone());
    // The callback URL carries the code: keep it out of the target's `Referer`.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    common_headers(h);
    r
}

impl Conn {
    fn host_ok(&self, req: &Request<Incoming>) -> bool {
        let mut hosts = req.headers().get_all(header::HOST).iter();
        let (Some(host), None) = (hosts.next(), hosts.next()) else {
            return false;
        };
        let Ok(host) = host.to_str() else {
            return false;
        };
        if let Some(authority) = req.uri().authority()
            && !self.shared.authority_ok(authority.as_str())
        {
            return false;
        }
        self.shared.authority_ok(host)
    }

    fn failure(&self, status: StatusCode, f: &Failure<'_>) -> Response<Full<Bytes>> {
        let template = self.shared.failure_template.as_deref();
        let csp = if template.is_some() {
            CUSTOM_CSP
        } else {
            STATIC_CSP.as_str()
        };
        html(status, pages::failure(template, f), csp)
    }

    /// Answers a response that is not delivered. The page says so in this crate's own
    /// words only: nothing of the request (no `error`, no `error_description`, no other
    /// value) reaches it, since any web page can send the browser here with text of its
    /// choosing and the page is shown on the trusted-looking loopback origin. It never
    /// redirects.
    fn refuse(&self, reason: Refusal) -> Response<Full<Bytes>> {
        {
            let mut inner = self.shared.lock();
            inner.refused = inner.refused.saturating_add(1);
            inner.last_refusal = Some(reason);
        }
        let message = match reason {
            Refusal::MissingState | Refusal::StateMismatch | Refusal::NoPendingSignIn => {
                "This sign-in response does not belong to the sign-in the application is waiting for, so it was ignored. If you started a sign-in, return to the application and start it again."
            }
            Refusal::Malformed => {
                "This sign-in response has malformed parameters, so it was ignored."
            }
            Refusal::Empty => "This address carries no sign-in response.",
        };
        self.failure(
            StatusCode::BAD_REQUEST,
            &Failure {
                title: "Sign-in response not accepted",
                message,
                error: None,
                error_description: None,
            },
        )
    }

    /// The answer to a delivered response: the configured redirect, or the success or
    /// failure page. The provider's error text is shown only when the response's `state`
    /// was checked (`state_checked`); without [`LoopbackServer::expect_state`] anyone could
    /// have sent it.
    fn delivered(
        &self,
        response: &AuthorizationResponse,
        state_checked: bool,
    ) -> Response<Full<Bytes>> {
        let shared = &self.shared;
        let Some(e) = response.provider_error() else {
            return match &shared.success_redirect {
                Some(to) => see_other(to),
                None => html(
                    StatusCode::OK,
                    shared.success_html.to_string(),
                    shared.success_csp,
                ),
            };
        };
        if let Some(to) = &shared.failure_redirect {
            return see_other(to);
        }
        let (error, error_description) = if state_checked {
            (Some(e.error.as_str()), e.error_description.as_deref())
        } else {
            (None, None)
        };
        self.failure(
            StatusCode::OK,
            &Failure {
                title: "Sign-in did not complete",
                message: "The provider returned an error instead of signing you in.",
                error,
                error_description,
            },
        )
    }

    /// Decides whether this response is the one, and if so reserves its delivery.
    fn claim(&self, response: AuthorizationResponse, arrival: Arrival) -> Response<Full<Bytes>> {
        let shared = &self.shared;
        let (permit, state_checked) = {
            let mut inner = shared.lock();
            let Some(tx) = inner.tx.clone() else {
                drop(inner);
                return self.failure(
                    StatusCode::GONE,
                    &Failure {
                        title: "Sign-in already finished",
                        message: "The application is no longer waiting for a sign-in response on this address.",
                        error: None,
                        error_description: None,
                    },
                );
            };
            let mut index = None;
            if inner.state_required {
                let refusal = match response.get("state") {
                    None => Some(Refusal::MissingState),
                    Some(got) => {
                        index = inner.armed.iter().position(|s| s.ct_eq_str(got));
                        match index {
                            Some(_) => None,
                            None if inner.armed.is_empty() => Some(Refusal::NoPendingSignIn),
                            None => Some(Refusal::StateMismatch),
                        }
                    }
                };
                if let Some(r) = refusal {
                    drop(inner);
                    return self.refuse(r);
                }
            }
            let Ok(permit) = tx.try_reserve_owned() else {
                drop(inner);
                return plain(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Too many sign-in responses are waiting for the application.\n",
                );
            };
            if let Some(i) = index {
                inner.armed.remove(i);
            }
            if !shared.reusable {
                inner.tx = None;
            }
            (permit, index.is_some())
        };
        if !shared.reusable {
            shared.stop_accepting.send_replace(true);
        }
        let page = self.delivered(&response, state_checked);
        let params = CallbackParams {
            response,
            arrival,
            peer: self.peer,
        };
        *self.claimed.lock().unwrap_or_else(PoisonError::into_inner) = Some((permit, params));
        self.notify.notify_one();
        page
    }
}

async fn handle(req: Request<Incoming>, conn: &Conn) -> Response<Full<Bytes>> {
    let shared = &conn.shared;
    if !conn.host_ok(&req) {
        return plain(
            StatusCode::MISDIRECTED_REQUEST,
            "This server only answers requests for its own loopback address.\n",
        );
    }
    let target_len = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if target_len > shared.limits.max_request_line_bytes {
        return plain(StatusCode::URI_TOO_LONG, "Request target too long.\n");
    }
    if req.uri().path() != shared.path {
        return plain(StatusCode::NOT_FOUND, "Not found.\n");
    }
    let parsed = match *req.method() {
        Method::GET => {
            let query = req.uri().query().unwrap_or("");
            if query.is_empty() {
                return html(
                    StatusCode::OK,
                    pages::relay(&shared.path),
                    &shared.relay_csp,
                );
            }
            (AuthorizationResponse::from_query(query), Arrival::Query)
        }
        Method::POST => {
            let form = req
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(';').next())
                .is_some_and(|v| {
                    v.trim()
                        .eq_ignore_ascii_case("application/x-www-form-urlencoded")
                });
            if !form {
                return plain(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "Expected application/x-www-form-urlencoded.\n",
                );
            }
            let max = shared.limits.max_body_bytes;
            let declared = req
                .headers()
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            if declared.is_some_and(|n| n > max as u64) {
                return plain(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large.\n");
            }
            let body = match Limited::new(req.into_body(), max).collect().await {
                Ok(b) => b.to_bytes(),
                Err(e) if e.is::<http_body_util::LengthLimitError>() => {
                    return plain(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large.\n");
                }
                Err(_) => return plain(StatusCode::BAD_REQUEST, "Unreadable request body.\n"),
            };
            let mut relayed = false;
            let pairs = oidc_core::url::form_urlencoded::parse(&body).filter(|(k, _)| {
                let marker = k == RELAY_MARKER;
                relayed |= marker;
                !marker
            });
            let parsed = AuthorizationResponse::from_pairs(pairs);
            let arrival = if relayed {
                Arrival::Fragment
            } else {
                Arrival::FormPost
            };
            (parsed, arrival)
        }
        _ => {
            let mut r = plain(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed.\n");
            r.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
            return r;
        }
    };
    match parsed {
        (Err(_), _) => conn.refuse(Refusal::Malformed),
        (Ok(r), _) if r.params().is_empty() => conn.refuse(Refusal::Empty),
        (Ok(r), arrival) => conn.claim(r, arrival),
    }
}

#[cfg(fuzzing)]
impl LoopbackServer {
    /// Fuzzing only (`--cfg fuzzing`): serves `request` as the bytes of one connection
    /// from `peer`, exactly as an accepted socket is served, and returns what the server
    /// wrote back. A response it accepts is delivered to [`Self::try_wait`] as usual.
    #[doc(hidden)]
    pub async fn serve_bytes(&self, request: &[u8]) -> Vec<u8> {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let (client, server) = tokio::io::duplex(16 * 1024);
        let conn = Arc::new(Conn {
            shared: Arc::clone(&self.shared),
            peer: self.local_addr,
            claimed: Mutex::new(None),
            notify: Notify::new(),
        });
        let limits = self.shared.limits.clone();
        let (mut read, mut write) = tokio::io::split(client);
        let talk = async move {
            // The server may answer and close before it read everything: not an error here.
            let _ = write.write_all(request).await;
            let _ = write.shutdown().await;
        };
        let listen = async move {
            let mut out = Vec::new();
            let _ = read.read_to_end(&mut out).await;
            out
        };
        let ((), (), out) = tokio::join!(
            serve_http(TokioIo::new(server), Arc::clone(&conn), &limits),
            talk,
            listen
        );
        let claimed = conn
            .claimed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some((permit, params)) = claimed {
            permit.send(params);
        }
        out
    }
}
