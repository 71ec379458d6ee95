//! The cached provider handle.

use std::sync::Arc;
use std::time::Duration;

use oidc_core::{Clock, HttpClient, HttpResponse, IssuerUrl, SystemClock};
use tokio::sync::Mutex;

use crate::jwks::{SignerKeys, jwks_request, parse_jwks_response};
use crate::metadata::{ProviderMetadata, Quirks, discovery_request, parse_discovery_response_with};
use crate::oauth::{OAuthMetadata, oauth_metadata_request, parse_oauth_metadata_response};
use crate::{Document, Error};

/// How long documents are cached and how often keys may be refetched.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CachePolicy {
    /// The shortest time a document is kept, whatever `Cache-Control` says (also used
    /// for `no-cache` / `no-store`). Default 60 s.
    pub min_ttl: Duration,
    /// The longest time a document is kept. Default 24 h.
    pub max_ttl: Duration,
    /// The time a document is kept when the response has no `max-age`. Default 1 h.
    pub default_ttl: Duration,
    /// The shortest interval between two JWKS refetches triggered by an unknown `kid`
    /// (OpenID Connect Core §10.1.1 rotation). Default 60 s.
    pub unknown_kid_refetch_interval: Duration,
}

impl Default for CachePolicy {
    fn default() -> Self {
        Self {
            min_ttl: Duration::from_secs(60),
            max_ttl: Duration::from_secs(24 * 3600),
            default_ttl: Duration::from_secs(3600),
            unknown_kid_refetch_interval: Duration::from_secs(60),
        }
    }
}

impl CachePolicy {
    fn ttl(&self, response: &HttpResponse) -> i64 {
        let mut ttl = self.default_ttl;
        for value in response.headers().get_all(http::header::CACHE_CONTROL) {
            let Ok(text) = value.to_str() else { continue };
            for directive in text.split(',') {
                let d = directive.trim().to_ascii_lowercase();
                if d == "no-cache" || d == "no-store" {
                    ttl = Duration::ZERO;
                } else if let Some(secs) = d.strip_prefix("max-age=")
                    && let Ok(secs) = secs.trim_matches('"').parse::<u64>()
                {
                    ttl = Duration::from_secs(secs);
                }
            }
        }
        let ttl = ttl.clamp(self.min_ttl, self.max_ttl.max(self.min_ttl));
        i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX)
    }
}

#[derive(Debug)]
struct Cached<T> {
    value: Arc<T>,
    expires_at: i64,
    etag: Option<String>,
}

#[derive(Debug, Default)]
struct JwksState {
    cached: Option<Cached<SignerKeys>>,
    last_kid_refetch: Option<i64>,
}

struct Inner {
    issuer: IssuerUrl,
    http: Arc<dyn HttpClient>,
    clock: Arc<dyn Clock>,
    quirks: Quirks,
    policy: CachePolicy,
    jwks_uri_override: Option<url::Url>,
    source: MetadataSource,
    metadata: Mutex<Option<Cached<ProviderMetadata>>>,
    oauth: Mutex<Option<Cached<OAuthMetadata>>>,
    jwks: Mutex<JwksState>,
}

/// Where [`Provider::metadata`] reads the provider's metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum MetadataSource {
    /// The OpenID discovery document, `<issuer>/.well-known/openid-configuration`.
    #[default]
    OpenIdDiscovery,
    /// The OAuth 2.0 authorization server metadata (RFC 8414) at
    /// [`IssuerUrl::oauth_metadata_url`], for providers whose OpenID metadata lives there;
    /// it must hold what an OpenID sign-in needs (`authorization_endpoint`, `jwks_uri`).
    OAuthMetadata,
}

/// A provider's metadata and keys, fetched on demand and cached in memory with HTTP
/// caching semantics (`Cache-Control: max-age`, `ETag` / `If-None-Match`, bounded by a
/// [`CachePolicy`]).
///
/// `Send + Sync` and cheap to clone (clones share the cache). Concurrent callers never
/// cause two fetches of the same document: the first fetches, the others wait for it and
/// read its result (single flight).
#[derive(Clone)]
pub struct Provider {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("issuer", &self.inner.issuer.as_str())
            .field("policy", &self.inner.policy)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Provider`].
#[must_use]
pub struct ProviderBuilder {
    issuer: IssuerUrl,
    http: Arc<dyn HttpClient>,
    clock: Arc<dyn Clock>,
    quirks: Quirks,
    policy: CachePolicy,
    jwks_uri_override: Option<url::Url>,
    source: MetadataSource,
    metadata: Option<ProviderMetadata>,
    keys: Option<SignerKeys>,
}

impl std::fmt::Debug for ProviderBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderBuilder")
            .field("issuer", &self.issuer.as_str())
            .finish_non_exhaustive()
    }
}

impl ProviderBuilder {
    /// The clock for cache expiry (default the system clock; tests pin it).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Provider workarounds.
    pub fn quirks(mut self, quirks: Quirks) -> Self {
        self.quirks = quirks;
        self
    }

    /// Cache bounds and the unknown-`kid` refetch interval.
    pub fn cache_policy(mut self, policy: CachePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Fetch keys from this URL instead of the metadata's `jwks_uri`.
    pub fn jwks_uri_override(mut self, url: url::Url) -> Self {
        self.jwks_uri_override = Some(url);
        self
    }

    /// Where the metadata is read (default: the OpenID discovery document).
    pub fn metadata_source(mut self, source: MetadataSource) -> Self {
        self.source = source;
        self
    }

    /// Starts with a previously saved discovery document (see
    /// [`ProviderMetadata::load`]); it is considered fresh for `min_ttl`.
    pub fn cached_metadata(mut self, metadata: ProviderMetadata) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// Starts with a previously saved JWKS (see [`SignerKeys::load`]); it is considered
    /// fresh for `min_ttl`.
    pub fn cached_keys(mut self, keys: SignerKeys) -> Self {
        self.keys = Some(keys);
        self
    }

    /// Builds the handle. Nothing is fetched yet.
    pub fn build(self) -> Provider {
        let now = self.clock.now_unix();
        let fresh_until =
            now.saturating_add(i64::try_from(self.policy.min_ttl.as_secs()).unwrap_or(i64::MAX));
        let seed = |value| Cached {
            value: Arc::new(value),
            expires_at: fresh_until,
            etag: None,
        };
        Provider {
            inner: Arc::new(Inner {
                metadata: Mutex::new(self.metadata.map(seed)),
                oauth: Mutex::new(None),
                jwks: Mutex::new(JwksState {
                    cached: self.keys.map(|k| Cached {
                        value: Arc::new(k),
                        expires_at: fresh_until,
                        etag: None,
                    }),
                    last_kid_refetch: None,
                }),
                issuer: self.issuer,
                http: self.http,
                clock: self.clock,
                quirks: self.quirks,
                policy: self.policy,
                jwks_uri_override: self.jwks_uri_override,
                source: self.source,
            }),
        }
    }
}

impl Provider {
    /// A builder for the provider at `issuer`, fetching through `http`.
    pub fn builder(issuer: IssuerUrl, http: impl HttpClient + 'static) -> ProviderBuilder {
        ProviderBuilder {
            issuer,
            http: Arc::new(http),
            clock: Arc::new(SystemClock),
            quirks: Quirks::default(),
            policy: CachePolicy::default(),
            jwks_uri_override: None,
            source: MetadataSource::default(),
            metadata: None,
            keys: None,
        }
    }

    /// A provider with the default policy.
    pub fn new(issuer: IssuerUrl, http: impl HttpClient + 'static) -> Self {
        Self::builder(issuer, http).build()
    }

    /// The expected issuer.
    pub fn issuer(&self) -> &IssuerUrl {
        &self.inner.issuer
    }

    /// The metadata, from the cache when fresh, otherwise fetched (conditionally, when an
    /// `ETag` is known).
    pub async fn metadata(&self) -> Result<Arc<ProviderMetadata>, Error> {
        let mut slot = self.inner.metadata.lock().await;
        let now = self.inner.clock.now_unix();
        if let Some(c) = slot.as_ref()
            && now < c.expires_at
        {
            return Ok(c.value.clone());
        }
        tracing::debug!(issuer = %self.inner.issuer, "fetching the discovery document");
        let request = match self.inner.source {
            MetadataSource::OpenIdDiscovery => discovery_request(&self.inner.issuer),
            MetadataSource::OAuthMetadata => oauth_metadata_request(&self.inner.issuer),
        };
        self.refresh_cached(request, &mut slot, Document::Discovery, |response| {
            parse_discovery_response_with(&self.inner.issuer, response, &self.inner.quirks)
        })
        .await
    }

    /// The OAuth 2.0 authorization server metadata (RFC 8414), cached like the discovery
    /// document: where some providers publish endpoints (revocation, introspection, device
    /// authorization) that their OpenID discovery document leaves out. Its `issuer` must
    /// equal this provider's issuer exactly.
    pub async fn oauth_metadata(&self) -> Result<Arc<OAuthMetadata>, Error> {
        let mut slot = self.inner.oauth.lock().await;
        let now = self.inner.clock.now_unix();
        if let Some(c) = slot.as_ref()
            && now < c.expires_at
        {
            return Ok(c.value.clone());
        }
        tracing::debug!(issuer = %self.inner.issuer, "fetching the OAuth authorization server metadata");
        let request = oauth_metadata_request(&self.inner.issuer);
        self.refresh_cached(request, &mut slot, Document::OAuthMetadata, |response| {
            parse_oauth_metadata_response(&self.inner.issuer, &response)
        })
        .await
    }

    /// One conditional fetch of a cached document: `If-None-Match` when an `ETag` is known;
    /// a 304 keeps the cached value for another TTL, anything else is parsed and replaces it.
    async fn refresh_cached<T>(
        &self,
        mut request: oidc_core::HttpRequest,
        slot: &mut Option<Cached<T>>,
        what: Document,
        parse: impl FnOnce(HttpResponse) -> Result<T, Error>,
    ) -> Result<Arc<T>, Error> {
        add_if_none_match(&mut request, slot.as_ref().and_then(|c| c.etag.as_deref()));
        let response = self
            .inner
            .http
            .execute(request)
            .await
            .map_err(|source| Error::Transport { what, source })?;
        let ttl = self.inner.policy.ttl(&response);
        let etag = etag(&response);
        let now = self.inner.clock.now_unix();
        if response.status() == http::StatusCode::NOT_MODIFIED
            && let Some(c) = slot.as_mut()
        {
            c.expires_at = now.saturating_add(ttl);
            if etag.is_some() {
                c.etag = etag;
            }
            return Ok(c.value.clone());
        }
        let value = Arc::new(parse(response)?);
        *slot = Some(Cached {
            value: value.clone(),
            expires_at: now.saturating_add(ttl),
            etag,
        });
        Ok(value)
    }

    async fn jwks_url(&self) -> Result<url::Url, Error> {
        if let Some(u) = &self.inner.jwks_uri_override {
            return Ok(u.clone());
        }
        let md = self.metadata().await?;
        Ok(md.jwks_uri().clone())
    }

    /// The signing keys, from the cache when fresh, otherwise fetched.
    pub async fn keys(&self) -> Result<Arc<SignerKeys>, Error> {
        let url = self.jwks_url().await?;
        let mut state = self.inner.jwks.lock().await;
        let now = self.inner.clock.now_unix();
        if let Some(c) = state.cached.as_ref()
            && now < c.expires_at
        {
            return Ok(c.value.clone());
        }
        self.fetch_keys(&url, &mut state).await
    }

    /// The keys to verify a token whose header names `kid`.
    ///
    /// When the cached set lacks `kid`, the JWKS is refetched once (key rotation), but
    /// at most once per [`CachePolicy::unknown_kid_refetch_interval`]: a flood of tokens
    /// with made-up `kid`s cannot make the provider hammer the JWKS endpoint. The result
    /// may still lack `kid`; the validator then reports that no key matches.
    pub async fn keys_for_kid(&self, kid: &str) -> Result<Arc<SignerKeys>, Error> {
        let url = self.jwks_url().await?;
        let mut state = self.inner.jwks.lock().await;
        let now = self.inner.clock.now_unix();
        let fresh = state.cached.as_ref().filter(|c| now < c.expires_at);
        if let Some(c) = fresh
            && c.value.contains_kid(kid)
        {
            return Ok(c.value.clone());
        }
        if fresh.is_none() {
            let keys = self.fetch_keys(&url, &mut state).await?;
            if keys.contains_kid(kid) {
                return Ok(keys);
            }
        }
        let interval = i64::try_from(self.inner.policy.unknown_kid_refetch_interval.as_secs())
            .unwrap_or(i64::MAX);
        let allowed = state
            .last_kid_refetch
            .is_none_or(|t| now.saturating_sub(t) >= interval);
        if !allowed {
            tracing::debug!(kid, "unknown kid; JWKS refetch rate-limited");
            // `fresh` or the fetch above filled the cache.
            return match state.cached.as_ref() {
                Some(c) => Ok(c.value.clone()),
                None => self.fetch_keys(&url, &mut state).await,
            };
        }
        tracing::info!(kid, "unknown kid; refetching the JWKS (key rotation)");
        state.last_kid_refetch = Some(now);
        self.fetch_keys(&url, &mut state).await
    }

    async fn fetch_keys(
        &self,
        url: &url::Url,
        state: &mut JwksState,
    ) -> Result<Arc<SignerKeys>, Error> {
        tracing::debug!(url = %url, "fetching the JWKS");
        self.refresh_cached(
            jwks_request(url),
            &mut state.cached,
            Document::Jwks,
            parse_jwks_response,
        )
        .await
    }

    /// Forgets the cached metadata and keys (the next call fetches).
    pub async fn invalidate(&self) {
        *self.inner.metadata.lock().await = None;
        *self.inner.oauth.lock().await = None;
        self.inner.jwks.lock().await.cached = None;
    }
}

fn add_if_none_match(request: &mut oidc_core::HttpRequest, etag: Option<&str>) {
    if let Some(tag) = etag
        && let Ok(v) = http::HeaderValue::from_str(tag)
    {
        request.headers_mut().insert(http::header::IF_NONE_MATCH, v);
    }
}

fn etag(response: &HttpResponse) -> Option<String> {
    response
        .headers()
        .get(http::header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(cc: &str) -> HttpResponse {
        http::Response::builder()
            .header("cache-control", cc)
            .body(Vec::new())
            .unwrap()
    }

    #[test]
    fn ttl_follows_max_age_within_bounds() {
        let p = CachePolicy::default();
        assert_eq!(p.ttl(&resp("public, max-age=600")), 600);
        assert_eq!(p.ttl(&resp("max-age=5")), 60);
        assert_eq!(p.ttl(&resp("max-age=999999999")), 86_400);
        assert_eq!(p.ttl(&resp("no-store")), 60);
        assert_eq!(p.ttl(&resp("max-age=garbage")), 3_600);
        assert_eq!(p.ttl(&HttpResponse::new(Vec::new())), 3_600);
    }

    #[test]
    fn provider_is_send_sync_clone() {
        fn check<T: Send + Sync + Clone + 'static>() {}
        check::<Provider>();
    }
}
