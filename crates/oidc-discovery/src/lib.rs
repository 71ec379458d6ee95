//! OpenID Provider metadata and signing keys for `oidc-desktop`.
//!
//! - [`ProviderMetadata`]: every member of OpenID Connect Discovery 1.0 §3 and RFC 8414
//!   (plus logout, device flow, PAR, RFC 9207, DPoP), the raw JSON kept verbatim, lists
//!   as `Vec<String>` with the spec defaults when absent; any member, nested ones too, by
//!   [`get_metadata`](ProviderMetadata::get_metadata) (`"name"` or `"/json/a/b"`).
//! - Sans-IO: [`discovery_request`] / [`parse_discovery_response`] (the issuer must equal
//!   the expected issuer exactly, Discovery §4.3, or the document is refused with code
//!   900) and [`jwks_request`] / [`parse_jwks_response`].
//! - [`Provider`]: a `Send + Sync`, cheaply cloned handle caching both documents with
//!   HTTP caching semantics, single-flight fetches and rate-limited key refetch on an
//!   unknown `kid` ([`Provider::keys_for_kid`]).
//!
//! Named workaround: [`Quirks::microsoft_multi_tenant_issuer`] for Entra's `{tenantid}`.
//!
//! # Example
//!
//! The HTTP client here is a closure serving canned documents; in an application it is
//! `oidc_reqwest::ReqwestClient`.
//!
//! ```
//! use oidc_core::{HttpError, HttpRequest, HttpResponse, IssuerUrl};
//! use oidc_discovery::Provider;
//!
//! let http = |req: HttpRequest| async move {
//!     let body = match req.uri().path() {
//!         "/.well-known/openid-configuration" => r#"{
//!             "issuer": "https://op.example",
//!             "authorization_endpoint": "https://op.example/authorize",
//!             "token_endpoint": "https://op.example/token",
//!             "jwks_uri": "https://op.example/jwks",
//!             "response_types_supported": ["code"],
//!             "subject_types_supported": ["public"],
//!             "id_token_signing_alg_values_supported": ["RS256"],
//!             "code_challenge_methods_supported": ["S256"],
//!             "mtls_endpoint_aliases": {"token_endpoint": "https://mtls.op.example/token"}
//!         }"#,
//!         "/jwks" => r#"{"keys":[]}"#,
//!         _ => return Ok(http::Response::builder().status(404).body(Vec::new()).unwrap()),
//!     };
//!     Ok::<_, HttpError>(HttpResponse::new(body.as_bytes().to_vec()))
//! };
//!
//! # tokio_test_block_on(async {
//! let provider = Provider::new(IssuerUrl::new("https://op.example")?, http);
//! let md = provider.metadata().await?;
//! assert_eq!(
//!     md.token_endpoint().map(url::Url::as_str),
//!     Some("https://op.example/token")
//! );
//! assert!(md.supports_pkce_s256());
//! assert_eq!(md.grant_types_supported(), ["authorization_code", "implicit"]); // spec default
//! assert_eq!(
//!     md.get_metadata("/json/mtls_endpoint_aliases/token_endpoint").as_deref(),
//!     Some("https://mtls.op.example/token"),
//! );
//! let keys = provider.keys().await?;
//! assert!(keys.set().is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
//! #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod checks;
mod error;
mod jwks;
mod metadata;
mod oauth;
mod provider;

pub use checks::{MAX_DOCUMENT_SIZE, check_endpoint_url};
pub use error::{Document, Error};
pub use jwks::{SignerKeys, jwks_request, parse_jwks_response};
pub use metadata::{
    ProviderMetadata, Quirks, discovery_request, parse_discovery_response,
    parse_discovery_response_with,
};
pub use oauth::{
    OAUTH_ENDPOINT_MEMBERS, OAuthMetadata, oauth_metadata_request, parse_oauth_metadata_response,
};
pub use provider::{CachePolicy, MetadataSource, Provider, ProviderBuilder};
