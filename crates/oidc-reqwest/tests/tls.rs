//! TLS against a local rustls HTTPS server (127.0.0.1) with a CA generated per test.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers panic on setup failure, like the tests themselves"
)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use oidc_core::{HttpClient, HttpErrorKind};
use oidc_reqwest::{CertPin, ReqwestClient, ReqwestClientBuilder, TlsVersion};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

struct Pki {
    ca_pem: String,
    leaf_der: CertificateDer<'static>,
    leaf_key: PrivateKeyDer<'static>,
    client_pem: String,
    client_key_pem: String,
    ca_der: CertificateDer<'static>,
}

fn pki(org: &str) -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, format!("{org} Test CA"));
    ca_params
        .distinguished_name
        .push(DnType::OrganizationName, org);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);

    let leaf_key = KeyPair::generate().unwrap();
    let mut leaf_params =
        CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();

    let client_key = KeyPair::generate().unwrap();
    let mut client_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    client_params
        .distinguished_name
        .push(DnType::CommonName, "desktop-app");
    let client = client_params.signed_by(&client_key, &issuer).unwrap();

    Pki {
        ca_pem: ca.pem(),
        ca_der: ca.der().clone(),
        leaf_der: leaf.der().clone(),
        leaf_key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        client_pem: client.pem(),
        client_key_pem: client_key.serialize_pem(),
    }
}

#[derive(Default)]
struct Seen {
    client_cert: Option<Vec<u8>>,
    alpn_offered: Vec<Vec<u8>>,
}

/// Serves `HTTP/1.1 200 ok` over TLS on 127.0.0.1 for each connection.
async fn https_server(
    pki: &Pki,
    require_client_cert: bool,
    tls13_only: bool,
) -> (u16, Arc<Mutex<Seen>>) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let versions: &[&rustls::SupportedProtocolVersion] = if tls13_only {
        &[&rustls::version::TLS13]
    } else {
        &[&rustls::version::TLS12]
    };
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)
        .unwrap();
    let builder = if require_client_cert {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(pki.ca_der.clone()).unwrap();
        let v =
            rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .unwrap();
        builder.with_client_cert_verifier(v)
    } else {
        builder.with_no_client_auth()
    };
    let config = builder
        .with_single_cert(vec![pki.leaf_der.clone()], pki.leaf_key.clone_key())
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let seen2 = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            let seen = seen2.clone();
            tokio::spawn(async move {
                let lazy =
                    tokio_rustls::LazyConfigAcceptor::new(rustls::server::Acceptor::default(), tcp);
                let Ok(start) = lazy.await else { return };
                seen.lock().unwrap().alpn_offered = start
                    .client_hello()
                    .alpn()
                    .map(|a| a.map(<[u8]>::to_vec).collect())
                    .unwrap_or_default();
                let config = acceptor.config().clone();
                let Ok(mut tls) = start.into_stream(config).await else {
                    return;
                };
                seen.lock().unwrap().client_cert = tls
                    .get_ref()
                    .1
                    .peer_certificates()
                    .and_then(|c| c.first())
                    .map(|c| c.to_vec());
                let mut buf = vec![0u8; 4096];
                let _ = tls.read(&mut buf).await;
                let _ = tls
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                    )
                    .await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (port, seen)
}

fn get(port: u16) -> oidc_core::HttpRequest {
    http::Request::get(format!("https://localhost:{port}/x"))
        .body(Vec::new())
        .unwrap()
}

fn base() -> ReqwestClientBuilder {
    ReqwestClient::builder()
        .timeout(Duration::from_secs(10))
        .keep_alive(false)
}

#[tokio::test]
async fn custom_ca_is_accepted_and_peer_certificate_is_reported() {
    let pki = pki("Acme");
    let (port, seen) = https_server(&pki, false, false).await;
    let client = base()
        .ssl_server_ca_certs(pki.ca_pem.clone())
        .build()
        .unwrap();
    let resp = client.execute(get(port)).await.unwrap();
    assert_eq!(resp.body(), b"ok");
    let ex = client.last_exchange().unwrap();
    let tls = ex.tls.unwrap();
    assert_eq!(tls.protocol_version.as_deref(), Some("TLSv1.2"));
    let cert = tls.peer_certificate.unwrap();
    assert_eq!(cert.der(), pki.leaf_der.as_ref());
    assert_eq!(cert.subject(), "CN=localhost");
    assert!(
        cert.issuer().contains("CN=Acme Test CA") && cert.issuer().contains("O=Acme"),
        "{}",
        cert.issuer()
    );
    let (nb, na) = (cert.not_before().unwrap(), cert.not_after().unwrap());
    assert!(nb < na);
    assert_eq!(
        cert.sha256_fingerprint(),
        CertPin::from_der(&pki.leaf_der).sha256_hex()
    );
    assert_eq!(cert.sha1_fingerprint().len(), 40);
    assert!(cert.pem().starts_with("-----BEGIN CERTIFICATE-----"));
    // h2 and http/1.1 were offered over ALPN by default.
    assert_eq!(
        seen.lock().unwrap().alpn_offered,
        [b"h2".to_vec(), b"http/1.1".to_vec()]
    );

    // Also from a CA file path (missing paths before it are skipped).
    let dir = std::env::temp_dir().join(format!("oidc-reqwest-ca-{port}"));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("ca.pem");
    std::fs::write(&file, &pki.ca_pem).unwrap();
    let from_file = base()
        .ssl_ca_cert_file_paths([dir.join("missing.pem"), file])
        .http2(false)
        .build()
        .unwrap();
    assert_eq!(from_file.execute(get(port)).await.unwrap().status(), 200);
    assert_eq!(seen.lock().unwrap().alpn_offered, [b"http/1.1".to_vec()]);
}

#[tokio::test]
async fn unknown_ca_is_refused() {
    let pki_server = pki("Server");
    let other = pki("Other");
    let (port, _) = https_server(&pki_server, false, false).await;
    for client in [
        base().build().unwrap(),
        base()
            .ssl_server_ca_certs(other.ca_pem.clone())
            .build()
            .unwrap(),
        base()
            .platform_roots(false)
            .ssl_server_ca_certs(other.ca_pem.clone())
            .build()
            .unwrap(),
    ] {
        let err = client.execute(get(port)).await.unwrap_err();
        assert_eq!(err.kind(), HttpErrorKind::Tls, "{err}");
    }
}

#[tokio::test]
async fn pin_is_honoured() {
    let pki = pki("Pinned");
    let (port, _) = https_server(&pki, false, false).await;
    // The pinned certificate is accepted although its CA is not trusted.
    let pinned = base()
        .ssl_accept_server_cert(CertPin::from_der(&pki.leaf_der))
        .build()
        .unwrap();
    assert_eq!(pinned.execute(get(port)).await.unwrap().status(), 200);
    let hex = CertPin::from_der(&pki.leaf_der).sha256_hex();
    let by_hex = base()
        .ssl_accept_server_cert(CertPin::from_sha256_hex(&hex).unwrap())
        .build()
        .unwrap();
    assert_eq!(by_hex.execute(get(port)).await.unwrap().status(), 200);
    // A different pin refuses the server even though its CA is trusted.
    let other = pki_other_leaf();
    let wrong = base()
        .ssl_server_ca_certs(pki.ca_pem.clone())
        .ssl_accept_server_cert(CertPin::from_der(&other))
        .build()
        .unwrap();
    let err = wrong.execute(get(port)).await.unwrap_err();
    assert_eq!(err.kind(), HttpErrorKind::Tls, "{err}");
}

fn pki_other_leaf() -> Vec<u8> {
    pki("Else").leaf_der.to_vec()
}

#[tokio::test]
async fn mtls_client_certificate_is_presented() {
    let pki = pki("Mutual");
    let (port, seen) = https_server(&pki, true, false).await;
    let with_cert = base()
        .ssl_server_ca_certs(pki.ca_pem.clone())
        .ssl_cert(pki.client_pem.clone(), pki.client_key_pem.clone())
        .build()
        .unwrap();
    assert_eq!(with_cert.execute(get(port)).await.unwrap().status(), 200);
    let presented = seen.lock().unwrap().client_cert.clone().unwrap();
    let expected = rustls::pki_types::pem::PemObject::from_pem_slice(pki.client_pem.as_bytes())
        .map(|c: CertificateDer<'static>| c.to_vec())
        .unwrap();
    assert_eq!(presented, expected);
    // Without it the server refuses the handshake.
    let without = base()
        .ssl_server_ca_certs(pki.ca_pem.clone())
        .build()
        .unwrap();
    assert!(without.execute(get(port)).await.is_err());
}

#[tokio::test]
async fn callback_can_accept_a_failed_certificate_or_refuse_a_good_one() {
    let pki = pki("Callback");
    let (port, _) = https_server(&pki, false, false).await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let accepting = base()
        .on_ssl_server_authentication(move |auth| {
            s.lock().unwrap().push((
                auth.status.clone(),
                auth.accept,
                auth.certificate.subject().to_owned(),
                auth.server_name.clone(),
            ));
            true
        })
        .build()
        .unwrap();
    assert_eq!(accepting.execute(get(port)).await.unwrap().status(), 200);
    let (status, accept, subject, server) = seen.lock().unwrap()[0].clone();
    assert!(!accept && status != "OK", "{status}");
    assert_eq!(
        (subject.as_str(), server.as_str()),
        ("CN=localhost", "localhost")
    );

    let refusing = base()
        .ssl_server_ca_certs(pki.ca_pem.clone())
        .on_ssl_server_authentication(|auth| {
            assert_eq!(auth.status, "OK");
            assert!(auth.accept);
            false
        })
        .build()
        .unwrap();
    assert_eq!(
        refusing.execute(get(port)).await.unwrap_err().kind(),
        HttpErrorKind::Tls
    );
}

#[tokio::test]
async fn dangerous_switch_accepts_unknown_ca() {
    let pki = pki("Danger");
    let (port, _) = https_server(&pki, false, false).await;
    let client = base().dangerous_accept_invalid_certs(true).build().unwrap();
    assert_eq!(client.execute(get(port)).await.unwrap().status(), 200);
    let safe = base().build().unwrap();
    assert!(safe.execute(get(port)).await.is_err());
}

#[tokio::test]
async fn min_tls_version_refuses_older_servers_and_key_log_is_written() {
    let pki = pki("Versions");
    let (tls12_port, _) = https_server(&pki, false, false).await;
    let (tls13_port, _) = https_server(&pki, false, true).await;
    let only13 = base()
        .ssl_server_ca_certs(pki.ca_pem.clone())
        .min_tls_version(TlsVersion::Tls13)
        .build()
        .unwrap();
    let err = only13.execute(get(tls12_port)).await.unwrap_err();
    assert_eq!(err.kind(), HttpErrorKind::Tls, "{err:?}");
    let log = std::env::temp_dir().join(format!("oidc-reqwest-keylog-{tls13_port}.txt"));
    let _ = std::fs::remove_file(&log);
    let logging = base()
        .ssl_server_ca_certs(pki.ca_pem.clone())
        .min_tls_version(TlsVersion::Tls13)
        .ssl_key_log_file(&log)
        .build()
        .unwrap();
    assert_eq!(
        logging.execute(get(tls13_port)).await.unwrap().status(),
        200
    );
    let tls = logging.last_exchange().unwrap().tls.unwrap();
    assert_eq!(tls.protocol_version.as_deref(), Some("TLSv1.3"));
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("CLIENT_HANDSHAKE_TRAFFIC_SECRET "), "{text}");
    assert!(text.contains("CLIENT_TRAFFIC_SECRET_0 "), "{text}");
}
