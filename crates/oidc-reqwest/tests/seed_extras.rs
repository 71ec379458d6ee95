//! The seed's `ssl_server_cert_*` details, TCP keep-alive, `BytesTransferred` and
//! `SSLCheckCRL` / `SSLCheckOCSP` (127.0.0.1 only, certificates made by rcgen per test).

#![allow(
    clippy::unwrap_used,
    reason = "test helpers panic on setup failure, like the tests themselves"
)]

use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

use oidc_core::{HttpClient, HttpErrorKind, HttpRequest};
use oidc_reqwest::{Error, PeerCertificate, ReqwestClient, ReqwestClientBuilder, RevocationCheck};
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose, PublicKeyData,
    RevokedCertParams, SerialNumber, date_time_ymd,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A 2048-bit RSA key (PKCS#8) for the RSA certificate test: ring cannot generate RSA keys.
const RSA_KEY_PEM: &str = "\
-----BEGIN PRIVATE KEY-----\n\
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQDAxZp7eI/FO0XW\n\
PHDzDYneYkL2iHGURBnOIO6gOro62Wwj9nh9aFTf1cFMBo30nIOOAGyrOYxff6ya\n\
0/8OULY3c0/ps7Sp1UTaKcVZ1IDEkD2f17B8eTTe/+k1QNMt1QoDL3Tqz5er+/A6\n\
d9sGjwxpBLcMVVRp3qB800J7L0ff/M6ioGFGhtwWRcgkMZ8ELmm2PcMd50AiRZc5\n\
hVD6W2og1EKQIKwYl7KA/DRjlivLKfpHI5a4B9cmlqYhiYjKo+TAlkflPproPH6u\n\
Eyl4kb/n16iCYb3cE3aHB84kH6pgXKdvox54AHDbzn5D4BSLvhZidYj2oZUYpKcZ\n\
QYK6AI7dAgMBAAECggEAAVH5IQpY1bghCNATfUlPnehyCUqIQ0SEzA7EA5s+BkQn\n\
Q5x0WSDbSp3QppV5kxN1VTDMjbmlq/Ztt1u8qJubO92mzkoZnSYlmWblf/F+y5nU\n\
n4vJx3h0XmibRMRDuKciW+uPHe07s9pUXATRHluMHAtZDj+8BcOYDsggRu6ydnwQ\n\
2kKAzfbJRHhxSFG+XUsZc0rBKBP0JkFKPS5mGH5LJMlJeB3Z2HVA81siDr2khSCG\n\
2VmtGAwQDeoRkU/qdc1KMSBr1DYLC0LjX5By4kdQ6ouLNtk0bWHvzZu0Nwzg792w\n\
mwJDF0k6YCO/mVApQHJZt2HiGlmm95LdgyEmqQ2EEQKBgQD6mI//KL4cMavmsSty\n\
Faroupda1/HeIjKFVvrSwQxIxEGZ7XpTpiuyacLwG/5B0zGXTGaSb7MuHJiN5tnM\n\
8rKYvN9qtGNXcF6YNbhGrD52V8Cb8WNwPSCfRd32fGjdP55W9SGoC2cLjM3zxVun\n\
J2p0f1In5LCEVdOiIZpa1JXpuQKBgQDE7dFqgB7u5Z8/+yMQfL733xwfXJ2C9mms\n\
kOZau4LcTTZmDWk+IP4pYTqNQ3yT4SD9zy+Y7RPdnvp+G5xgRTcrpXGvS7yadz10\n\
hNCBnGU852EMiGOTiUHTbSw5hK2WbFb/wNTelXvVpsSchU73Q6mR4RXLNye8H2ge\n\
KV84IWUQRQKBgBovVtySpUrM5el1GdUR7oni9W3Ior1TVXQZYpwjD+WKnFA5QE79\n\
ThOWeYgdZLP8HXJxyUYD5fUrh8VMGfYQZhkPo0jDEJ5SX5AIDPlVhjFXegjRcFKK\n\
EJ6T7l2TImH8A8+STbIBfwL1849FUA5nT/hcVXlVrBwn27VVTYuwKvoBAoGAHhWm\n\
1HpWP3Dc701SggZMtlljVnczqPo0EqTgTCQxTa6ODPEnjtJDgdbUtxgERCM0gxHP\n\
17EAQ+8xnWpibWKllwljYMBVQ9PLk61mnSZjYPaIIP4FGFjzsXUQOIlIa56Je/Dd\n\
lFOJ443io3bKJYQ0t5CHX9BBRcAWi+UOIukXI3ECgYA4Fs+ncYLEeBaOWC5odjp2\n\
JCRDkQA8C3zJoF93l14aGAqmLiyfuUjNaEetQSL4hjxnfuUu3O8MafJmps6J4nuI\n\
IdV/jTanV9+12SzsSLsh6QFkCAevGYar3l6EdBK7gwWBrFEtt7DJlfUkZiRiHrVS\n\
gS99eRE9RVhCyP2mXF/nCg==\n\
-----END PRIVATE KEY-----\n\
";

fn get(url: &str) -> HttpRequest {
    http::Request::get(url).body(Vec::new()).unwrap()
}

fn leaf_params(serial: &[u8]) -> CertificateParams {
    let mut p =
        CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
    p.distinguished_name.push(DnType::CommonName, "localhost");
    p.serial_number = Some(SerialNumber::from_slice(serial));
    p
}

#[test]
fn peer_certificate_details_ecdsa_p256() {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut p = leaf_params(&[0x01, 0x23, 0x45, 0x67, 0x89, 0xab]);
    p.subject_alt_names
        .push(rcgen::SanType::IpAddress("::1".parse().unwrap()));
    p.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    p.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyAgreement,
    ];
    let cert = p.self_signed(&key).unwrap();
    let c = PeerCertificate::from_der(cert.der());
    assert_eq!(c.serial_number(), "0123456789ab");
    assert_eq!(c.signature_algorithm(), "ecdsa-with-SHA256");
    assert_eq!(c.public_key_algorithm(), "EC P-256");
    assert_eq!(c.public_key_length(), 256);
    assert_eq!(c.version(), 3);
    assert_eq!(c.subject_alt_names(), "localhost,127.0.0.1,::1");
    assert_eq!(
        c.extended_key_usage(),
        "1.3.6.1.5.5.7.3.1,1.3.6.1.5.5.7.3.2"
    );
    assert_eq!(c.usage_flags(), 0x80 | 0x08);
    assert_eq!(c.usage(), "Digital Signature, Key Agreement");
    assert_eq!(c.public_key_der(), key.subject_public_key_info().as_slice());
    let pem = c.public_key();
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"), "{pem}");
    assert!(pem.ends_with("-----END PUBLIC KEY-----\n"), "{pem}");
    use rustls::pki_types::{SubjectPublicKeyInfoDer, pem::PemObject as _};
    let back = SubjectPublicKeyInfoDer::from_pem_slice(pem.as_bytes()).unwrap();
    assert_eq!(back.as_ref(), key.subject_public_key_info().as_slice());
}

#[test]
fn peer_certificate_details_ed25519_and_all_usage_flags() {
    let key = KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    // A serial with the high bit set keeps DER's leading 00.
    let mut p = leaf_params(&[0x80, 0x01]);
    p.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::CodeSigning,
        ExtendedKeyUsagePurpose::Other(vec![1, 2, 3, 4]),
    ];
    p.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::ContentCommitment,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::DataEncipherment,
        KeyUsagePurpose::KeyAgreement,
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::EncipherOnly,
        KeyUsagePurpose::DecipherOnly,
    ];
    let cert = p.self_signed(&key).unwrap();
    let c = PeerCertificate::from_der(cert.der());
    assert_eq!(c.serial_number(), "008001");
    assert_eq!(c.signature_algorithm(), "Ed25519");
    assert_eq!(c.public_key_algorithm(), "Ed25519");
    assert_eq!(c.public_key_length(), 256);
    assert_eq!(c.extended_key_usage(), "1.3.6.1.5.5.7.3.3,1.2.3.4");
    assert_eq!(c.usage_flags(), 0x80ff);
    assert_eq!(
        c.usage(),
        "Digital Signature, Non-Repudiation, Key Encipherment, Data Encipherment, \
         Key Agreement, Certificate Signing, CRL Signing, Encipher Only, Decipher Only"
    );
}

#[test]
fn peer_certificate_details_rsa_and_no_extensions() {
    let key = KeyPair::from_pem(RSA_KEY_PEM).unwrap();
    let p = leaf_params(&[0x7f]);
    let cert = p.self_signed(&key).unwrap();
    let c = PeerCertificate::from_der(cert.der());
    assert_eq!(c.serial_number(), "7f");
    assert_eq!(c.signature_algorithm(), "sha256WithRSAEncryption");
    assert_eq!(c.public_key_algorithm(), "RSA");
    assert_eq!(c.public_key_length(), 2048);
    assert_eq!(c.subject_alt_names(), "localhost,127.0.0.1");
    // No EKU and no key usage extension: empty text and no flags.
    assert_eq!(c.extended_key_usage(), "");
    assert_eq!(c.usage_flags(), 0);
    assert_eq!(c.usage(), "");

    let garbage = PeerCertificate::from_der(b"not a certificate");
    assert_eq!(garbage.version(), 0);
    assert_eq!(garbage.public_key(), "");
    assert_eq!(garbage.serial_number(), "");
}

/// An HTTP/1.1 server that answers every request on a connection with `response`, keeps
/// the connection open, and reports each client's address.
async fn raw_server(
    response: Vec<u8>,
) -> (
    u16,
    tokio::sync::mpsc::UnboundedReceiver<std::net::SocketAddr>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let response = Arc::new(response);
    tokio::spawn(async move {
        while let Ok((mut tcp, peer)) = listener.accept().await {
            let _ = tx.send(peer);
            let response = response.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let Ok(n) = tcp.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        buf.drain(..end + 4);
                        if tcp.write_all(&response).await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    (port, rx)
}

/// `(timer kind, expiry in clock ticks)` of the TCP socket from `local` to `remote`, from
/// `/proc/net/tcp`: kind 2 is the keep-alive timer.
#[cfg(target_os = "linux")]
fn tcp_timer(local: u16, remote: u16) -> Option<(u8, u64)> {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap();
    let want_local = format!("0100007F:{local:04X}");
    let want_remote = format!("0100007F:{remote:04X}");
    table.lines().skip(1).find_map(|line| {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.get(1) != Some(&want_local.as_str()) || cols.get(2) != Some(&want_remote.as_str()) {
            return None;
        }
        let (kind, when) = cols.get(5)?.split_once(':')?;
        Some((
            u8::from_str_radix(kind, 16).ok()?,
            u64::from_str_radix(when, 16).ok()?,
        ))
    })
}

#[tokio::test]
async fn tcp_keepalive_is_set_on_the_client_socket() {
    let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok".to_vec();
    let (port, mut peers) = raw_server(ok).await;
    let url = format!("http://127.0.0.1:{port}/");

    let builder = ReqwestClient::builder()
        .tcp_keepalive(Some(Duration::from_secs(50)))
        .tcp_keepalive_interval(Duration::from_secs(7));
    assert_eq!(
        builder.tcp_keepalive_settings(),
        (Some(Duration::from_secs(50)), Some(Duration::from_secs(7)))
    );
    let on = builder.build().unwrap();
    assert_eq!(on.execute(get(&url)).await.unwrap().body(), b"ok");
    let peer = peers.recv().await.unwrap();
    // The pooled (idle) connection has its keep-alive timer armed at about 50 s.
    #[cfg(target_os = "linux")]
    {
        let (kind, when) = tcp_timer(peer.port(), port).unwrap();
        assert_eq!(kind, 2, "no keep-alive timer on the client socket");
        // Clock ticks are USER_HZ (100) on Linux.
        assert!(
            (4000..=5000).contains(&when),
            "keep-alive due in {when} ticks"
        );
    }

    let off_builder = ReqwestClient::builder().tcp_keepalive(None);
    assert_eq!(off_builder.tcp_keepalive_settings(), (None, None));
    let off = off_builder.build().unwrap();
    assert_eq!(off.execute(get(&url)).await.unwrap().body(), b"ok");
    let peer = peers.recv().await.unwrap();
    #[cfg(target_os = "linux")]
    {
        let (kind, _) = tcp_timer(peer.port(), port).unwrap();
        assert_eq!(kind, 0, "SO_KEEPALIVE should be off");
    }
    let _ = peer;
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn response(headers: &str, body: &[u8]) -> Vec<u8> {
    let mut r = format!("HTTP/1.1 200 OK\r\n{headers}\r\n").into_bytes();
    r.extend_from_slice(body);
    r
}

#[tokio::test]
async fn bytes_transferred_counts_the_body_as_received() {
    // Content-Length.
    let body = vec![b'x'; 1234];
    let (port, _) = raw_server(response("content-length: 1234\r\n", &body)).await;
    let client = ReqwestClient::new().unwrap();
    let resp = client
        .execute(get(&format!("http://127.0.0.1:{port}/")))
        .await
        .unwrap();
    assert_eq!(resp.body().len(), 1234);
    assert_eq!(client.last_exchange().unwrap().bytes_transferred, 1234);

    // Chunked: the data, not the chunk framing.
    let chunked = b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
    let (port, _) = raw_server(response("transfer-encoding: chunked\r\n", chunked)).await;
    let resp = client
        .execute(get(&format!("http://127.0.0.1:{port}/")))
        .await
        .unwrap();
    assert_eq!(resp.body(), b"hello world");
    assert_eq!(client.last_exchange().unwrap().bytes_transferred, 11);

    // gzip and deflate: the compressed size, while the caller gets the decoded body.
    let plain = "0123456789".repeat(1000).into_bytes();
    for (encoding, packed) in [("gzip", gzip(&plain)), ("deflate", zlib(&plain))] {
        assert!(packed.len() < 200, "{}", packed.len());
        let headers = format!(
            "content-encoding: {encoding}\r\ncontent-length: {}\r\n",
            packed.len()
        );
        let (port, _) = raw_server(response(&headers, &packed)).await;
        let resp = client
            .execute(get(&format!("http://127.0.0.1:{port}/")))
            .await
            .unwrap();
        assert_eq!(resp.body(), &plain, "{encoding}");
        assert!(resp.headers().get("content-encoding").is_none());
        assert!(resp.headers().get("content-length").is_none());
        let ex = client.last_exchange().unwrap();
        assert_eq!(ex.bytes_transferred, packed.len() as u64, "{encoding}");
        assert!(
            ex.sent_headers
                .iter()
                .any(|(n, v)| n == "accept-encoding" && v == "gzip, deflate")
        );
    }

    // gzip inside chunked framing, and the size limit applies to the decoded body.
    let packed = gzip(&plain);
    let mut chunked = Vec::new();
    for piece in packed.chunks(40) {
        chunked.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        chunked.extend_from_slice(piece);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let (port, _) = raw_server(response(
        "content-encoding: gzip\r\ntransfer-encoding: chunked\r\n",
        &chunked,
    ))
    .await;
    let url = format!("http://127.0.0.1:{port}/");
    let resp = client.execute(get(&url)).await.unwrap();
    assert_eq!(resp.body(), &plain);
    assert_eq!(
        client.last_exchange().unwrap().bytes_transferred,
        packed.len() as u64
    );
    let small = ReqwestClient::builder()
        .max_response_size(5000)
        .build()
        .unwrap();
    let err = small.execute(get(&url)).await.unwrap_err();
    assert_eq!(err.kind(), HttpErrorKind::TooLarge);

    // With compression off nothing is decoded and nothing is asked for.
    let raw = ReqwestClient::builder().compression(false).build().unwrap();
    let resp = raw.execute(get(&url)).await.unwrap();
    assert_eq!(resp.body(), &packed);
    let ex = raw.last_exchange().unwrap();
    assert_eq!(ex.bytes_transferred, packed.len() as u64);
    assert!(!ex.sent_headers.iter().any(|(n, _)| n == "accept-encoding"));
}

struct Ca {
    issuer: Issuer<'static, KeyPair>,
    pem: String,
}

fn ca(name: &str) -> Ca {
    let key = KeyPair::generate().unwrap();
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.distinguished_name
        .push(DnType::CommonName, format!("{name} CA"));
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let cert = p.self_signed(&key).unwrap();
    Ca {
        issuer: Issuer::new(p, key),
        pem: cert.pem(),
    }
}

fn crl_pem(ca: &Ca, revoked: &[&[u8]]) -> String {
    CertificateRevocationListParams {
        this_update: date_time_ymd(2024, 1, 1),
        next_update: date_time_ymd(2090, 1, 1),
        crl_number: SerialNumber::from(1u64),
        issuing_distribution_point: None,
        revoked_certs: revoked
            .iter()
            .map(|serial| RevokedCertParams {
                serial_number: SerialNumber::from_slice(serial),
                revocation_time: date_time_ymd(2024, 1, 1),
                reason_code: Some(rcgen::RevocationReason::KeyCompromise),
                invalidity_date: None,
            })
            .collect(),
        key_identifier_method: KeyIdMethod::Sha256,
    }
    .signed_by(&ca.issuer)
    .unwrap()
    .pem()
    .unwrap()
}

/// An HTTPS server on 127.0.0.1 with a leaf certificate of serial `serial` from `ca`.
async fn https_server(ca: &Ca, serial: &[u8]) -> u16 {
    let key = KeyPair::generate().unwrap();
    let leaf = leaf_params(serial).signed_by(&key, &ca.issuer).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![CertificateDer::from(leaf.der().to_vec())],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    )
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
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
    port
}

fn tls_client(ca: &Ca) -> ReqwestClientBuilder {
    ReqwestClient::builder()
        .timeout(Duration::from_secs(10))
        .keep_alive(false)
        .http2(false)
        .ssl_server_ca_certs(ca.pem.clone())
}

#[tokio::test]
async fn crl_refuses_a_revoked_server_certificate() {
    let ca1 = ca("One");
    let serial: &[u8] = &[0x10, 0x20, 0x30];
    let port = https_server(&ca1, serial).await;
    let url = format!("https://localhost:{port}/");

    // Without a CRL the certificate is accepted.
    let plain = tls_client(&ca1).build().unwrap();
    assert_eq!(plain.execute(get(&url)).await.unwrap().body(), b"ok");

    let revoking = crl_pem(&ca1, &[serial]);
    for mode in [RevocationCheck::IfAvailable, RevocationCheck::Required] {
        for platform_roots in [true, false] {
            let client = tls_client(&ca1)
                .platform_roots(platform_roots)
                .ssl_crls([revoking.clone()])
                .ssl_check_crl(mode)
                .build()
                .unwrap();
            let err = client.execute(get(&url)).await.unwrap_err();
            assert_eq!(err.kind(), HttpErrorKind::Tls, "{mode:?}: {err}");
            let mut msg = String::new();
            let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(&err);
            while let Some(e) = cur {
                msg.push_str(&format!("{e:?} "));
                cur = e.source();
            }
            assert!(msg.contains("Revoked"), "{msg}");
        }
    }

    // The CRL given but the check off: accepted (the CRL alone does nothing).
    let off = tls_client(&ca1)
        .ssl_crls([revoking.clone()])
        .build()
        .unwrap();
    assert_eq!(off.execute(get(&url)).await.unwrap().body(), b"ok");

    // A CRL (DER this time) of the same CA that does not list it: accepted.
    let other_serial = crl_pem(&ca1, &[&[0x99]]);
    use rustls::pki_types::{CertificateRevocationListDer, pem::PemObject as _};
    let der = CertificateRevocationListDer::from_pem_slice(other_serial.as_bytes()).unwrap();
    let fine = tls_client(&ca1)
        .ssl_crls([der.to_vec()])
        .ssl_check_crl(RevocationCheck::Required)
        .build()
        .unwrap();
    assert_eq!(fine.execute(get(&url)).await.unwrap().body(), b"ok");

    // Only a CRL of another CA: the status is unknown. Required refuses, IfAvailable
    // accepts.
    let ca2 = ca("Two");
    let foreign = crl_pem(&ca2, &[serial]);
    let required = tls_client(&ca1)
        .ssl_crls([foreign.clone()])
        .ssl_check_crl(RevocationCheck::Required)
        .build()
        .unwrap();
    let err = required.execute(get(&url)).await.unwrap_err();
    assert_eq!(err.kind(), HttpErrorKind::Tls, "{err}");
    let lenient = tls_client(&ca1)
        .ssl_crls([foreign])
        .ssl_check_crl(RevocationCheck::IfAvailable)
        .build()
        .unwrap();
    assert_eq!(lenient.execute(get(&url)).await.unwrap().body(), b"ok");
}

#[test]
fn crl_and_ocsp_misconfiguration_fails_clearly() {
    let err = ReqwestClient::builder()
        .ssl_check_crl(RevocationCheck::Required)
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::NoCrl), "{err}");
    assert_eq!(err.kind(), "no_crl");

    let err = ReqwestClient::builder()
        .ssl_crls(["-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n"])
        .ssl_check_crl(RevocationCheck::IfAvailable)
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::InvalidCrl { index: 0 }), "{err}");

    for mode in [RevocationCheck::IfAvailable, RevocationCheck::Required] {
        let err = ReqwestClient::builder()
            .ssl_check_ocsp(mode)
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::OcspUnsupported), "{err}");
        assert!(err.to_string().contains("not supported"));
    }
    assert!(
        ReqwestClient::builder()
            .ssl_check_ocsp(RevocationCheck::Off)
            .build()
            .is_ok()
    );
}
