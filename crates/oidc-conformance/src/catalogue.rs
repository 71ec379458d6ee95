//! The cases of `../shared/conformance/CATALOGUE.md` as data: the provider's misbehaviour,
//! the client, what the relying party must do, and where the flow must stop.

use oidc_desktop::OidcDesktopBuilder;
use oidc_jose::Algorithm;
use oidc_testop::{ClientAuth, Endpoint, Fault, JwksPath, OpConfig};

use crate::profile::{Agent, Variant};
use crate::runner::Run;

/// What the catalogue says the relying party must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Expect {
    /// The session is returned.
    Accept,
    /// The flow stops with this kind and (when the catalogue names one) this code.
    Reject {
        kind: &'static str,
        code: Option<u16>,
    },
}

/// Where a rejected flow must have stopped (checked against the provider's request log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Before any authorization, PAR, token or UserInfo request.
    Discovery,
    /// At the redirect: no token and no UserInfo request.
    FrontChannel,
    /// At an ID token: the front-channel one when the response type carries one (then no
    /// token request), otherwise the token endpoint's (then no UserInfo request).
    IdToken,
    /// At the token endpoint's answer: no UserInfo request.
    Token,
    /// At the UserInfo answer.
    UserInfo,
}

/// The client registered at the provider and configured in the facade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClientKind {
    /// The default public client (`none`), RS256 ID tokens.
    Public,
    /// A public client whose ID tokens are signed with this algorithm.
    PublicAlg(Algorithm),
    /// A confidential client with a secret, this authentication method and ID-token algorithm.
    Confidential(ClientAuth, Algorithm),
    /// A `private_key_jwt` client (ES256 assertion key).
    PrivateKeyJwt,
}

/// What happens around the sign-in under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Script {
    /// One sign-in (or, in the Refresh profile, a clean sign-in then the refresh).
    Single,
    /// A clean sign-in, the provider rotates its keys, then the sign-in (or refresh) under test.
    RotateBetween,
}

/// An extra check: the problems found (empty: fine).
pub(crate) type Check = fn(&Run<'_>) -> Vec<String>;

/// One catalogue case.
pub(crate) struct Case {
    /// The catalogue's case name (with a suffix where one row has several cases).
    pub(crate) id: &'static str,
    /// The older `rp-*` id or RFC, as the catalogue shows it.
    pub(crate) alias: &'static str,
    /// The provider's misbehaviour and what the relying party must do, in words.
    pub(crate) summary: &'static str,
    pub(crate) applies: fn(&Variant) -> bool,
    /// Also run with headless Chromium in the fragment relay profile.
    pub(crate) chromium: bool,
    pub(crate) faults: Vec<Fault>,
    pub(crate) op: fn(&mut OpConfig),
    pub(crate) client: ClientKind,
    pub(crate) tweak: fn(OidcDesktopBuilder) -> OidcDesktopBuilder,
    /// How the access token is presented at UserInfo (the runner checks the request).
    pub(crate) userinfo_style: oidc_token::UserInfoStyle,
    pub(crate) script: Script,
    pub(crate) expect: Expect,
    pub(crate) stage: Stage,
    pub(crate) check: Check,
}

impl Case {
    fn new(
        id: &'static str,
        alias: &'static str,
        summary: &'static str,
        applies: fn(&Variant) -> bool,
    ) -> Self {
        Self {
            id,
            alias,
            summary,
            applies,
            chromium: false,
            faults: Vec::new(),
            op: |_| {},
            client: ClientKind::Public,
            tweak: |b| b,
            userinfo_style: oidc_token::UserInfoStyle::GetWithHeader,
            script: Script::Single,
            expect: Expect::Accept,
            stage: Stage::IdToken,
            check: |_| Vec::new(),
        }
    }

    fn fault(mut self, f: Fault) -> Self {
        self.faults.push(f);
        self
    }

    fn reject(mut self, kind: &'static str, code: Option<u16>, stage: Stage) -> Self {
        self.expect = Expect::Reject { kind, code };
        self.stage = stage;
        self
    }

    fn client(mut self, c: ClientKind) -> Self {
        self.client = c;
        self
    }

    fn op(mut self, f: fn(&mut OpConfig)) -> Self {
        self.op = f;
        self
    }

    fn tweak(mut self, f: fn(OidcDesktopBuilder) -> OidcDesktopBuilder) -> Self {
        self.tweak = f;
        self
    }

    fn userinfo_style(mut self, style: oidc_token::UserInfoStyle) -> Self {
        self.userinfo_style = style;
        self
    }

    fn check(mut self, f: Check) -> Self {
        self.check = f;
        self
    }

    fn script(mut self, s: Script) -> Self {
        self.script = s;
        self
    }

    fn chromium(mut self) -> Self {
        self.chromium = true;
        self
    }

    /// Whether this case runs in `v`.
    pub(crate) fn runs_in(&self, v: &Variant) -> bool {
        (self.applies)(v) && (v.agent == Agent::Scripted || self.chromium)
    }
}

// ----- applicability -----

fn any(_: &Variant) -> bool {
    true
}
fn browser(v: &Variant) -> bool {
    v.browser()
}
fn code(v: &Variant) -> bool {
    v.code()
}
fn with_access_token(v: &Variant) -> bool {
    v.access_token()
}
fn front_id_token_and_access_token(v: &Variant) -> bool {
    v.browser() && v.front_id_token() && v.front_access_token()
}
fn front_id_token_and_code(v: &Variant) -> bool {
    v.browser() && v.front_id_token() && v.code()
}
fn front_id_token(v: &Variant) -> bool {
    v.browser() && v.front_id_token()
}
fn no_front_id_token_browser(v: &Variant) -> bool {
    v.browser() && !v.front_id_token()
}
fn form_post_browser(v: &Variant) -> bool {
    v.browser() && v.form_post()
}
fn not_form_post_browser(v: &Variant) -> bool {
    v.browser() && !v.form_post()
}
fn refresh_only(v: &Variant) -> bool {
    v.refresh()
}
fn discovery_profiles(v: &Variant) -> bool {
    v.profile == "Basic" || v.profile == "Config"
}
/// Unsigned ID tokens from the token endpoint only: code flows without a front-channel ID token.
fn token_endpoint_id_token_only(v: &Variant) -> bool {
    v.code() && !v.front_id_token()
}

// ----- checks -----

fn provider_error(run: &Run<'_>, error: &str, desc: &str, uri: Option<&str>) -> Vec<String> {
    let Err(e) = run.result else {
        return Vec::new();
    };
    match e.provider_error() {
        Some(p)
            if p.error == error
                && p.error_description.as_deref() == Some(desc)
                && p.error_uri.as_deref() == uri =>
        {
            Vec::new()
        }
        other => vec![format!(
            "provider error not surfaced as ({error}, {desc}, {uri:?}): got {other:?}"
        )],
    }
}

fn access_denied(run: &Run<'_>) -> Vec<String> {
    provider_error(
        run,
        "access_denied",
        "The user declined the request",
        Some("https://op.example/errors/access_denied"),
    )
}

fn token_error(run: &Run<'_>) -> Vec<String> {
    provider_error(
        run,
        "invalid_grant",
        "The grant is invalid (injected fault)",
        None,
    )
}

fn token_request_has(
    run: &Run<'_>,
    what: &str,
    ok: fn(&oidc_testop::RecordedRequest) -> bool,
) -> Vec<String> {
    let token = run.requests_to(Endpoint::Token);
    if token.is_empty() {
        return vec!["no token request".to_owned()];
    }
    token
        .iter()
        .filter(|r| !ok(r))
        .map(|r| format!("token request #{} lacks {what}", r.seq))
        .collect()
}

fn assertion_alg(r: &oidc_testop::RecordedRequest) -> Option<String> {
    let jwt = r.param("client_assertion")?;
    let jws = oidc_jose::CompactJws::parse(jwt).ok()?;
    Some(jws.header().alg.as_str().to_owned())
}

fn userinfo_in_body(run: &Run<'_>) -> Vec<String> {
    let ui = run.requests_to(Endpoint::UserInfo);
    let mut out = Vec::new();
    if ui.len() != 1 {
        out.push(format!("{} UserInfo requests, expected 1", ui.len()));
    }
    for r in ui {
        if r.method != "POST" || r.form.iter().all(|(n, _)| n != "access_token") {
            out.push("UserInfo request without access_token in a POST form body".to_owned());
        }
        if r.header("authorization").is_some() {
            out.push("UserInfo request also carries an Authorization header".to_owned());
        }
    }
    out
}

fn userinfo_present(run: &Run<'_>) -> Vec<String> {
    match run.result {
        Ok(s) => match s.userinfo() {
            Some(u) if u.sub().is_some() => Vec::new(),
            _ => vec!["no verified UserInfo in the session".to_owned()],
        },
        Err(_) => Vec::new(),
    }
}

fn scope_claims(run: &Run<'_>) -> Vec<String> {
    let Ok(s) = run.result else {
        return Vec::new();
    };
    let u = s.user();
    let mut out = Vec::new();
    if u.name.as_deref() != Some("Jane Doe") {
        out.push(format!("name (profile scope) missing: {:?}", u.name));
    }
    if u.email.as_deref() != Some("jane@example.com") {
        out.push(format!("email (email scope) missing: {:?}", u.email));
    }
    if u.phone_number.is_none() {
        out.push("phone_number (phone scope) missing".to_owned());
    }
    if u.address.as_ref().and_then(|a| a.locality.as_deref()) != Some("Springfield") {
        out.push("address (address scope) missing".to_owned());
    }
    out
}

fn jwks_from_discovery(run: &Run<'_>) -> Vec<String> {
    let mut out = Vec::new();
    let unknown = run.requests_to(Endpoint::Unknown);
    if !unknown.is_empty() {
        out.push(format!(
            "requests to undiscovered paths: {:?}",
            unknown.iter().map(|r| r.path.clone()).collect::<Vec<_>>()
        ));
    }
    let jwks = run.requests_to(Endpoint::Jwks);
    if jwks.is_empty() {
        out.push("the discovered jwks_uri was never fetched".to_owned());
    }
    if jwks.iter().any(|r| r.path.ends_with("/jwks")) {
        out.push("the JWKS was fetched at the default path, not the random one".to_owned());
    }
    out
}

fn discovery_once(run: &Run<'_>) -> Vec<String> {
    let mut out = Vec::new();
    let n = run.requests_to(Endpoint::Discovery).len();
    if n != 1 {
        out.push(format!("{n} discovery requests, expected 1"));
    }
    let unknown = run.requests_to(Endpoint::Unknown);
    if !unknown.is_empty() {
        out.push(format!(
            "requests to undiscovered paths: {:?}",
            unknown.iter().map(|r| r.path.clone()).collect::<Vec<_>>()
        ));
    }
    out
}

fn one_jwks_refetch(run: &Run<'_>) -> Vec<String> {
    let n = run.requests_to(Endpoint::Jwks).len();
    if n == 1 {
        Vec::new()
    } else {
        vec![format!(
            "{n} JWKS requests after the rotation, expected exactly 1"
        )]
    }
}

fn refresh_grant(run: &Run<'_>) -> Vec<String> {
    let mut out = token_request_has(run, "grant_type=refresh_token", |r| {
        r.param("grant_type") == Some("refresh_token")
    });
    if let Ok(s) = run.result {
        if s.id_token().is_none() {
            out.push("the refreshed ID token was not kept".to_owned());
        }
        if s.claims().is_some_and(|c| c.nonce.is_some()) {
            out.push("the refreshed ID token unexpectedly carries a nonce".to_owned());
        }
    }
    out
}

fn state_refused(run: &Run<'_>) -> Vec<String> {
    use oidc_desktop::loopback::{Error as L, Refusal};
    match run.result {
        Err(oidc_desktop::Error::RedirectTimeout {
            source:
                L::Timeout {
                    last_refusal: Some(Refusal::StateMismatch),
                    ..
                },
            ..
        }) => Vec::new(),
        Err(e) => vec![format!(
            "the loopback did not refuse the response for its state: {e}"
        )],
        Ok(_) => Vec::new(),
    }
}

fn no_iss_in_response(run: &Run<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for r in run.requests_to(Endpoint::Authorization) {
        if let Some(f) = &r.front_channel
            && f.param("iss").is_some()
        {
            out.push("the provider sent `iss` after all (test setup)".to_owned());
        }
    }
    out
}

fn pkce_s256(run: &Run<'_>) -> Vec<String> {
    match run.authorization_param("code_challenge_method") {
        Some("S256") => Vec::new(),
        other => vec![format!("code_challenge_method is {other:?}, expected S256")],
    }
}

fn nonce_sent(run: &Run<'_>) -> Vec<String> {
    if run.authorization_param("nonce").is_some() {
        Vec::new()
    } else {
        vec!["no nonce in the authorization request".to_owned()]
    }
}

fn client_test(run: &Run<'_>) -> Vec<String> {
    match run.result {
        Ok(s) if s.claims().is_some() => Vec::new(),
        Ok(_) => vec!["the session has no validated subject".to_owned()],
        Err(_) => Vec::new(),
    }
}

/// The DPoP proofs of the run's token requests: each verified (signature, typ, htm, its
/// own htu ending in the request's path) and its key's thumbprint.
fn token_proofs(run: &Run<'_>) -> Result<Vec<(u16, String, Option<String>)>, String> {
    let mut out = Vec::new();
    for r in run.requests_to(Endpoint::Token) {
        let Some(proof) = r.header("dpop") else {
            return Err("a token request without a DPoP proof".to_owned());
        };
        let payload: serde_json::Value = oidc_jose::CompactJws::parse(proof)
            .ok()
            .and_then(|j| serde_json::from_slice(j.payload()).ok())
            .ok_or("an unreadable DPoP proof")?;
        let htu = payload["htu"].as_str().unwrap_or_default().to_owned();
        if !htu.ends_with(&r.path) {
            return Err(format!("the proof's htu {htu} is not the token endpoint"));
        }
        let check = oidc_jose::ProofCheck {
            htm: &r.method,
            htu: &htu,
            now: payload["iat"].as_i64().unwrap_or_default(),
            max_age: 60,
            leeway: 60,
            nonce: None,
            access_token: None,
            algorithms: &[Algorithm::ES256],
        };
        let v = oidc_jose::verify_proof(proof, &check).map_err(|e| e.to_string())?;
        out.push((r.status, v.jkt, v.nonce));
    }
    Ok(out)
}

fn dpop_bound(run: &Run<'_>) -> Vec<String> {
    let proofs = match token_proofs(run) {
        Ok(p) => p,
        Err(e) => return vec![e],
    };
    let mut out = Vec::new();
    let Some((_, jkt, _)) = proofs.last() else {
        return vec!["no token request".to_owned()];
    };
    if run.variant.browser() && run.authorization_param("dpop_jkt") != Some(jkt.as_str()) {
        out.push("dpop_jkt of the authorization request is not the proof's key".to_owned());
    }
    if let Ok(s) = run.result {
        if s.dpop_thumbprint() != Some(jkt.as_str()) {
            out.push("the session is not bound to the proof's key".to_owned());
        }
        if s.token_type() != Some("DPoP") {
            out.push(format!("token_type {:?}", s.token_type()));
        }
    }
    for u in run.requests_to(Endpoint::UserInfo) {
        if !u
            .header("authorization")
            .is_some_and(|h| h.starts_with("DPoP "))
            || u.header("dpop").is_none()
        {
            out.push("UserInfo without the DPoP scheme and a proof".to_owned());
        }
    }
    out
}

fn dpop_nonce_retried(run: &Run<'_>) -> Vec<String> {
    let mut out = dpop_bound(run);
    let with_proof: Vec<(u16, Option<String>)> = run
        .log
        .iter()
        .filter_map(|r| {
            let p = r.header("dpop")?;
            let payload: serde_json::Value = oidc_jose::CompactJws::parse(p)
                .ok()
                .and_then(|j| serde_json::from_slice(j.payload()).ok())?;
            Some((r.status, payload["nonce"].as_str().map(str::to_owned)))
        })
        .collect();
    match with_proof.as_slice() {
        // The dance: refused for the missing nonce, then retried with it.
        [(400, None), (_, Some(_)), ..] => {}
        // Or the nonce was remembered from an earlier answer of the same server (the
        // Refresh profile's clean sign-in).
        [(_, Some(_)), ..] if run.variant.refresh() => {}
        other => out.push(format!(
            "expected a proof refused for its missing nonce, then one with the nonce: {other:?}"
        )),
    }
    if with_proof.iter().skip(1).any(|(_, n)| n.is_none()) {
        out.push("a later proof without the remembered nonce".to_owned());
    }
    out
}

const SECRET: &str = "conformance-client-secret-0123456789abcdef";

/// The client secret of the confidential clients.
pub(crate) fn client_secret() -> &'static str {
    SECRET
}

/// Every case, in catalogue order.
#[allow(clippy::too_many_lines, reason = "the catalogue, one entry per case")]
pub(crate) fn cases() -> Vec<Case> {
    use ClientKind::{Confidential, PrivateKeyJwt, PublicAlg};
    use Stage::{Discovery, FrontChannel, IdToken, Token, UserInfo};
    vec![
        Case::new(
            "client-test",
            "rp-response_type-*",
            "no fault; accept; UserInfo with `Authorization: Bearer`",
            any,
        )
        .chromium()
        .check(client_test),
        Case::new("invalid-iss", "rp-id_token-issuer-mismatch", "ID token `iss` altered; reject", any)
            .fault(Fault::IdTokenIssAltered)
            .reject("issuer_mismatch", Some(911), IdToken),
        Case::new("invalid-aud", "rp-id_token-aud", "`aud` altered; reject", any)
            .fault(Fault::IdTokenAudAltered)
            .reject("audience_mismatch", Some(912), IdToken),
        Case::new(
            "invalid-azp",
            "",
            "`azp` names another client (Core 3.1.3.7 step 5; not in the catalogue); reject",
            any,
        )
        .fault(Fault::IdTokenAzpAltered)
        .reject("azp_mismatch", Some(912), IdToken),
        Case::new("missing-aud", "", "no `aud`; reject", any)
            .fault(Fault::IdTokenAudRemoved)
            .reject("missing_claim", Some(913), IdToken),
        Case::new("missing-sub", "rp-id_token-sub", "no `sub`; reject", any)
            .fault(Fault::IdTokenSubRemoved)
            .reject("missing_claim", Some(913), IdToken),
        Case::new("missing-iat", "rp-id_token-iat", "no `iat`; reject", any)
            .fault(Fault::IdTokenIatRemoved)
            .reject("missing_claim", Some(913), IdToken),
        Case::new(
            "kid-absent-single-jwks",
            "",
            "no `kid`, one key per type in the JWKS; accept",
            any,
        )
        .fault(Fault::IdTokenKidAbsent),
        Case::new(
            "kid-absent-multiple-jwks",
            "",
            "no `kid`, several keys of the type; try the candidates, accept",
            browser,
        )
        .fault(Fault::IdTokenKidAbsent)
        .fault(Fault::DecoyKeys),
        Case::new(
            "kid-absent-multiple-jwks-none-verifies",
            "",
            "no `kid`, several keys, none verifies (signature corrupted); reject",
            browser,
        )
        .fault(Fault::IdTokenKidAbsent)
        .fault(Fault::DecoyKeys)
        .fault(Fault::IdTokenSignatureCorrupted)
        .reject("no_matching_key", Some(922), IdToken),
        Case::new("idtoken-sig-rs256", "rp-id_token-sig-rs256", "valid RS256 signature; accept", any)
            .client(PublicAlg(Algorithm::RS256)),
        Case::new("idtoken-sig-es256", "rp-id_token-sig-es256", "valid ES256 signature; accept", any)
            .client(PublicAlg(Algorithm::ES256)),
        Case::new("idtoken-sig-eddsa", "", "valid EdDSA signature; accept", any)
            .client(PublicAlg(Algorithm::EdDSA)),
        Case::new("idtoken-sig-ps256", "", "valid PS256 signature; accept", any)
            .client(PublicAlg(Algorithm::PS256)),
        Case::new(
            "idtoken-sig-hs256",
            "rp-id_token-sig-hs256",
            "valid HS256 signature keyed with the client secret; accept",
            any,
        )
        .client(Confidential(ClientAuth::ClientSecretBasic, Algorithm::HS256)),
        Case::new(
            "idtoken-sig-none",
            "rp-id_token-sig-none",
            "`alg: none`; reject by default",
            any,
        )
        .fault(Fault::IdTokenAlgNone)
        .reject("missing_signature", Some(923), IdToken),
        Case::new(
            "idtoken-sig-none-opt-in",
            "rp-id_token-sig-none",
            "`alg: none` from the token endpoint; accept with `insecure_accept_unsigned_id_tokens`",
            token_endpoint_id_token_only,
        )
        .fault(Fault::IdTokenAlgNone)
        .tweak(|b| b.insecure_accept_unsigned_id_tokens(true)),
        Case::new("invalid-sig-rs256", "rp-id_token-bad-sig-rs256", "RS256 signature corrupted; reject", any)
            .client(PublicAlg(Algorithm::RS256))
            .fault(Fault::IdTokenSignatureCorrupted)
            .reject("bad_signature", Some(920), IdToken),
        Case::new("invalid-sig-es256", "rp-id_token-bad-sig-es256", "ES256 signature corrupted; reject", any)
            .client(PublicAlg(Algorithm::ES256))
            .fault(Fault::IdTokenSignatureCorrupted)
            .reject("bad_signature", Some(920), IdToken),
        Case::new("invalid-sig-hs256", "rp-id_token-bad-sig-hs256", "HS256 signature corrupted; reject", any)
            .client(Confidential(ClientAuth::ClientSecretBasic, Algorithm::HS256))
            .fault(Fault::IdTokenSignatureCorrupted)
            .reject("bad_signature", Some(920), IdToken),
        Case::new("nonce-invalid", "rp-nonce-invalid", "`nonce` altered; reject", any)
            .chromium()
            .fault(Fault::IdTokenNonceAltered)
            .reject("nonce_mismatch", Some(903), IdToken),
        Case::new(
            "nonce-unless-code-flow",
            "rp-nonce-unless-code-flow",
            "nonce sent; ID token without `nonce`; reject",
            browser,
        )
        .fault(Fault::IdTokenNonceRemoved)
        .reject("missing_claim", Some(913), IdToken)
        .check(nonce_sent),
        Case::new("invalid-athash", "", "`at_hash` altered; reject", front_id_token_and_access_token)
            .fault(Fault::IdTokenAtHashAltered)
            .reject("at_hash_mismatch", Some(903), IdToken),
        Case::new("missing-athash", "", "`at_hash` removed; reject", front_id_token_and_access_token)
            .fault(Fault::IdTokenAtHashRemoved)
            .reject("missing_claim", Some(913), IdToken),
        Case::new("invalid-chash", "", "`c_hash` altered; reject", front_id_token_and_code)
            .fault(Fault::IdTokenCHashAltered)
            .reject("c_hash_mismatch", Some(903), IdToken),
        Case::new("missing-chash", "", "`c_hash` removed; reject", front_id_token_and_code)
            .fault(Fault::IdTokenCHashRemoved)
            .reject("missing_claim", Some(913), IdToken),
        Case::new(
            "userinfo-invalid-sub",
            "rp-userinfo-bad-sub-claim",
            "UserInfo `sub` differs; reject the UserInfo response",
            with_access_token,
        )
        .fault(Fault::UserInfoSubMismatch)
        .reject("userinfo_sub_mismatch", Some(903), UserInfo),
        Case::new(
            "userinfo-bearer-body",
            "rp-userinfo-bearer-body",
            "access token sent in the form body when configured",
            with_access_token,
        )
        .userinfo_style(oidc_token::UserInfoStyle::PostWithFormBody)
        .check(userinfo_in_body),
        Case::new("userinfo-signed", "rp-userinfo-sig", "UserInfo is an RS256 JWT; verify, accept", with_access_token)
            .fault(Fault::SignedUserInfo)
            .check(userinfo_present),
        Case::new("client-secret-basic", "", "client_secret_basic works", code)
            .client(Confidential(ClientAuth::ClientSecretBasic, Algorithm::RS256))
            .tweak(|b| b.client_auth(oidc_desktop::ClientAuthMethod::ClientSecretBasic))
            .check(|run| {
                token_request_has(run, "an Authorization: Basic header", |r| {
                    r.header("authorization").is_some_and(|h| h.starts_with("Basic "))
                })
            }),
        Case::new("client-secret-post", "", "client_secret_post works", code)
            .client(Confidential(ClientAuth::ClientSecretPost, Algorithm::RS256))
            .tweak(|b| b.client_auth(oidc_desktop::ClientAuthMethod::ClientSecretPost))
            .check(|run| {
                token_request_has(run, "client_secret in the form", |r| {
                    r.form.iter().any(|(n, _)| n == "client_secret")
                        && r.header("authorization").is_none()
                })
            }),
        Case::new("client-secret-jwt", "", "client_secret_jwt works", code)
            .client(Confidential(ClientAuth::ClientSecretJwt, Algorithm::RS256))
            .tweak(|b| b.client_auth(oidc_desktop::ClientAuthMethod::ClientSecretJwt))
            .check(|run| {
                token_request_has(run, "an HS256 client_assertion", |r| {
                    assertion_alg(r).as_deref() == Some("HS256")
                })
            }),
        Case::new("private-key-jwt", "", "private_key_jwt works", code)
            .client(PrivateKeyJwt)
            .tweak(|b| b.client_auth(oidc_desktop::ClientAuthMethod::PrivateKeyJwt))
            .check(|run| {
                token_request_has(run, "an ES256 client_assertion", |r| {
                    assertion_alg(r).as_deref() == Some("ES256")
                })
            }),
        Case::new(
            "scope-userinfo-claims",
            "rp-scope-userinfo-claims",
            "profile/email/address/phone scopes; user details from the ID token or UserInfo",
            browser,
        )
        .tweak(|b| b.scope("openid profile email address phone"))
        .check(scope_claims),
        Case::new(
            "form-post-error",
            "rp-response_mode-form_post-error",
            "error posted to the loopback; surface error, description, uri",
            form_post_browser,
        )
        .fault(Fault::access_denied())
        .reject("authorization_error", Some(940), FrontChannel)
        .check(access_denied),
        Case::new(
            "discovery-openid-config",
            "rp-discovery-openid-configuration",
            "use only the discovered endpoints",
            discovery_profiles,
        )
        .check(discovery_once),
        Case::new(
            "discovery-jwks-uri-keys",
            "rp-discovery-jwks_uri-keys",
            "JWKS at a random path; use the discovered jwks_uri",
            discovery_profiles,
        )
        .op(|o| o.jwks_path = JwksPath::Random)
        .check(jwks_from_discovery),
        Case::new(
            "discovery-issuer-mismatch",
            "rp-discovery-issuer-not-matching-config",
            "discovery `issuer` differs from the URL; reject before any authorization request",
            discovery_profiles,
        )
        .fault(Fault::DiscoveryIssuerMismatch)
        .reject("invalid_discovery", Some(900), Discovery),
        Case::new(
            "signing-key-rotation",
            "rp-key-rotation-op-sign-key",
            "new keys and kids between logins; refetch the JWKS once, accept",
            any,
        )
        .script(Script::RotateBetween)
        .check(one_jwks_refetch),
        Case::new(
            "signing-key-rotation-just-before-signing",
            "rp-key-rotation-op-sign-key-native",
            "new keys just before each ID token is signed; refetch, accept",
            any,
        )
        .fault(Fault::RotateKeysBeforeSigning),
        Case::new(
            "refresh-token",
            "rp-refresh-token",
            "refresh grant with a new ID token (no nonce); accept",
            refresh_only,
        )
        .check(refresh_grant),
        Case::new(
            "refresh-token-invalid-issuer",
            "",
            "refreshed ID token's `iss` differs from the original; reject",
            refresh_only,
        )
        .fault(Fault::RefreshIssAltered)
        .reject("issuer_mismatch", Some(911), IdToken),
        Case::new(
            "refresh-token-invalid-sub",
            "",
            "refreshed ID token's `sub` differs from the original; reject",
            refresh_only,
        )
        .fault(Fault::RefreshSubAltered)
        .reject("subject_mismatch", Some(903), IdToken),
        Case::new("expired", "", "`exp` an hour in the past; reject", any)
            .fault(Fault::IdTokenExpired)
            .reject("expired", Some(910), IdToken),
        Case::new("not-yet-valid", "", "`nbf` an hour in the future; reject", any)
            .fault(Fault::IdTokenNotYetValid)
            .reject("not_yet_valid", Some(914), IdToken),
        Case::new("issued-in-future", "", "`iat` an hour in the future; reject", any)
            .fault(Fault::IdTokenIatInFuture)
            .reject("invalid_iat", Some(915), IdToken),
        Case::new(
            "alg-confusion",
            "",
            "HS256 token keyed with the RSA public key (client has a secret); reject",
            any,
        )
        .client(Confidential(ClientAuth::ClientSecretBasic, Algorithm::RS256))
        .fault(Fault::IdTokenAlgConfusion)
        .reject("bad_signature", Some(920), IdToken),
        Case::new(
            "alg-confusion-public-client",
            "",
            "HS256 token keyed with the RSA public key, public client (no secret); reject",
            any,
        )
        .fault(Fault::IdTokenAlgConfusion)
        .reject("bad_signature", Some(920), IdToken),
        Case::new("state-mismatch", "", "redirect carries another `state`; reject", browser)
            .fault(Fault::WrongState)
            .tweak(|b| b.timeout(std::time::Duration::from_secs(3)))
            .reject("state_mismatch", Some(940), FrontChannel)
            .check(state_refused),
        Case::new("iss-param-mismatch", "RFC 9207", "authorization response `iss` differs; reject", browser)
            .fault(Fault::IssParameterWrong)
            .reject("issuer_mismatch", Some(911), FrontChannel),
        Case::new(
            "iss-param-missing",
            "RFC 9207",
            "`iss` advertised, response has no `iss` and no ID token; reject",
            no_front_id_token_browser,
        )
        .fault(Fault::IssParameterMissing)
        .reject("issuer_mismatch", Some(911), FrontChannel)
        .check(no_iss_in_response),
        Case::new(
            "iss-param-absent-with-id-token",
            "RFC 9207",
            "`iss` advertised, response carries an ID token but no `iss`; accept after the ID token's `iss` check",
            front_id_token,
        )
        .fault(Fault::IssParameterMissing)
        .check(no_iss_in_response),
        Case::new(
            "access-denied",
            "",
            "`error=access_denied` with description and uri; surface them",
            not_form_post_browser,
        )
        .fault(Fault::access_denied())
        .reject("authorization_error", Some(940), FrontChannel)
        .check(access_denied),
        Case::new(
            "token-endpoint-error",
            "",
            "`invalid_grant` from the token endpoint; surface error and description",
            code,
        )
        .fault(Fault::invalid_grant())
        .reject("token_error", None, Token)
        .check(token_error),
        Case::new(
            "pkce",
            "RFC 7636",
            "S256 challenge sent; the verifier is accepted by the provider",
            |v| v.code() && v.browser(),
        )
        .check(pkce_s256),
        Case::new(
            "dpop-bound",
            "RFC 9449",
            "DPoP required: proofs verified by the provider, code bound by dpop_jkt, DPoP tokens; accept",
            |v| v.code() && !v.front_access_token(),
        )
        .tweak(|b| b.dpop(oidc_desktop::DpopMode::Require))
        .check(dpop_bound),
        Case::new(
            "dpop-nonce",
            "RFC 9449 §8",
            "the provider demands a server nonce (use_dpop_nonce); retry once with it; accept",
            |v| v.code() && !v.front_access_token(),
        )
        .op(|o| o.dpop_nonce = true)
        .tweak(|b| b.dpop(oidc_desktop::DpopMode::Require))
        .check(dpop_nonce_retried),
        Case::new(
            "dpop-bearer-downgrade",
            "RFC 9449 §5",
            "a proof answered with unbound Bearer tokens; reject (the stolen-token protection asked for is missing)",
            |v| v.code() && !v.front_access_token(),
        )
        .fault(Fault::DpopBearerDowngrade)
        .tweak(|b| b.dpop(oidc_desktop::DpopMode::Require))
        .reject("dpop_downgrade", None, Token),
    ]
}
