//! TLS: the ring provider, the verifier wrapper (pinning, the accept/refuse callback and
//! the dangerous switch), peer certificate details and the key-log file.

use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use crate::Error;

/// The rustls crypto provider this crate uses: *ring*, with its default cipher suites.
pub fn ring_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A minimum TLS version (the seed's `SSLEnabledProtocols`, reduced to what rustls offers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TlsVersion {
    /// TLS 1.2 and 1.3 (default). rustls never offers TLS 1.0/1.1 or SSL.
    #[default]
    Tls12,
    /// TLS 1.3 only.
    Tls13,
}

/// An exact server certificate to accept (the seed's `ssl_accept_server_cert`), by the
/// SHA-256 fingerprint of its DER encoding.
///
/// With a pin set, the server's leaf certificate must match it; a matching certificate is
/// accepted even when it does not chain to a trusted root (a self-signed server), and a
/// certificate that does not match is refused even when it does. The host name is not
/// checked against a pinned certificate; the handshake signature still is, so the server
/// must hold the pinned certificate's private key.
#[derive(Clone, PartialEq, Eq)]
pub struct CertPin([u8; 32]);

impl CertPin {
    /// Pins the certificate with this DER encoding.
    pub fn from_der(der: &[u8]) -> Self {
        Self(sha256(der))
    }

    /// Pins the first certificate of a PEM text.
    pub fn from_pem(pem: &[u8]) -> Result<Self, Error> {
        let certs = parse_pem_certs(pem, "ssl_accept_server_cert")?;
        let first = certs.first().ok_or(Error::InvalidCertificate {
            what: "ssl_accept_server_cert",
        })?;
        Ok(Self::from_der(first))
    }

    /// Pins by a hex SHA-256 fingerprint (64 hex digits; `:` separators and case ignored).
    pub fn from_sha256_hex(hex: &str) -> Result<Self, Error> {
        let digits: Vec<u8> = hex.bytes().filter(|b| *b != b':').collect();
        if digits.len() != 64 {
            return Err(Error::InvalidPin);
        }
        let mut out = [0u8; 32];
        for (i, pair) in digits.chunks(2).enumerate() {
            let s = std::str::from_utf8(pair).map_err(|_| Error::InvalidPin)?;
            out[i] = u8::from_str_radix(s, 16).map_err(|_| Error::InvalidPin)?;
        }
        Ok(Self(out))
    }

    /// The pinned fingerprint, lowercase hex.
    pub fn sha256_hex(&self) -> String {
        hex(&self.0)
    }

    fn matches(&self, der: &[u8]) -> bool {
        // Fingerprints are public; a plain comparison leaks nothing secret.
        sha256(der) == self.0
    }
}

impl std::fmt::Debug for CertPin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CertPin(sha256:{})", self.sha256_hex())
    }
}

/// Details of a server certificate (the seed's `ssl_server_cert_*` and the event
/// parameters of `on_ssl_server_authentication`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerCertificate {
    der: Vec<u8>,
    subject: String,
    issuer: String,
    not_before: Option<i64>,
    not_after: Option<i64>,
}

impl PeerCertificate {
    /// Reads a DER certificate. Subject, issuer and validity are empty/`None` if the DER
    /// does not parse (the fingerprints and PEM are still available).
    pub fn from_der(der: &[u8]) -> Self {
        use x509_cert::der::Decode as _;
        match x509_cert::Certificate::from_der(der) {
            Ok(cert) => {
                let tbs = &cert.tbs_certificate;
                let secs =
                    |t: &x509_cert::time::Time| i64::try_from(t.to_unix_duration().as_secs()).ok();
                Self {
                    der: der.to_vec(),
                    subject: tbs.subject.to_string(),
                    issuer: tbs.issuer.to_string(),
                    not_before: secs(&tbs.validity.not_before),
                    not_after: secs(&tbs.validity.not_after),
                }
            }
            Err(_) => Self {
                der: der.to_vec(),
                subject: String::new(),
                issuer: String::new(),
                not_before: None,
                not_after: None,
            },
        }
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The PEM encoding (the seed's `ssl_server_cert_encoded`).
    pub fn pem(&self) -> String {
        let b64 = base64::engine::general_purpose::STANDARD.encode(&self.der);
        let mut s = String::from("-----BEGIN CERTIFICATE-----\n");
        for chunk in b64.as_bytes().chunks(64) {
            s.push_str(&String::from_utf8_lossy(chunk));
            s.push('\n');
        }
        s.push_str("-----END CERTIFICATE-----\n");
        s
    }

    /// The subject distinguished name (RFC 4514 form, e.g. `CN=op.example,O=Example`).
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The issuer distinguished name.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Start of validity, Unix seconds (`effective_date`).
    pub fn not_before(&self) -> Option<i64> {
        self.not_before
    }

    /// End of validity, Unix seconds (`expiration_date`).
    pub fn not_after(&self) -> Option<i64> {
        self.not_after
    }

    /// SHA-1 fingerprint, lowercase hex (`fingerprint_sha1`).
    pub fn sha1_fingerprint(&self) -> String {
        hex(ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &self.der).as_ref())
    }

    /// SHA-256 fingerprint, lowercase hex (`fingerprint_sha256`).
    pub fn sha256_fingerprint(&self) -> String {
        hex(&sha256(&self.der))
    }
}

/// What the `on_ssl_server_authentication` callback sees.
#[derive(Debug, Clone)]
pub struct ServerAuthentication {
    /// The server's leaf certificate.
    pub certificate: PeerCertificate,
    /// The server name the client connected to.
    pub server_name: String,
    /// `"OK"` when the certificate verified, otherwise why it did not.
    pub status: String,
    /// The recommendation: whether the certificate verified (and matched the pin).
    pub accept: bool,
}

/// The accept/refuse callback: returns whether to continue with this certificate.
pub type ServerAuthCallback = Arc<dyn Fn(&ServerAuthentication) -> bool + Send + Sync>;

/// Wraps the platform (or webpki) verifier with pinning, the callback and the dangerous
/// switch. Handshake signatures are always checked with the provider's algorithms.
pub(crate) struct Verifier {
    pub(crate) inner: Arc<dyn ServerCertVerifier>,
    pub(crate) provider: Arc<CryptoProvider>,
    pub(crate) pin: Option<CertPin>,
    pub(crate) callback: Option<ServerAuthCallback>,
    pub(crate) dangerous_accept_invalid_certs: bool,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("pin", &self.pin)
            .field("callback", &self.callback.is_some())
            .field(
                "dangerous_accept_invalid_certs",
                &self.dangerous_accept_invalid_certs,
            )
            .finish_non_exhaustive()
    }
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verdict: Result<(), rustls::Error> = match &self.pin {
            Some(pin) if pin.matches(end_entity) => Ok(()),
            Some(_) => Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            )),
            None => self
                .inner
                .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
                .map(|_| ()),
        };
        let status = match &verdict {
            Ok(()) => "OK".to_owned(),
            Err(e) if self.pin.is_some() => {
                format!("certificate does not match the pinned certificate ({e})")
            }
            Err(e) => e.to_string(),
        };
        let accept = match &self.callback {
            Some(cb) => cb(&ServerAuthentication {
                certificate: PeerCertificate::from_der(end_entity),
                server_name: server_name.to_str().into_owned(),
                status: status.clone(),
                accept: verdict.is_ok(),
            }),
            None => verdict.is_ok() || self.dangerous_accept_invalid_certs,
        };
        tracing::debug!(server = %server_name.to_str(), %status, accept, "server certificate");
        if accept {
            if verdict.is_err() {
                tracing::warn!(server = %server_name.to_str(), %status, "accepting a server certificate that failed verification");
            }
            Ok(ServerCertVerified::assertion())
        } else {
            Err(verdict.err().unwrap_or(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            )))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Writes TLS secrets in the NSS key-log format to a file (the seed's `SSLKeyLogFile`),
/// for Wireshark. For debugging only.
pub(crate) struct KeyLogFile {
    file: Mutex<std::fs::File>,
}

impl KeyLogFile {
    pub(crate) fn create(path: &std::path::Path) -> Result<Self, Error> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|source| Error::File {
                path: path.display().to_string(),
                source,
            })?;
        Ok(Self {
            file: Mutex::new(file),
        })
    }
}

impl std::fmt::Debug for KeyLogFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyLogFile")
    }
}

impl rustls::KeyLog for KeyLogFile {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        let line = format!("{label} {} {}\n", hex(client_random), hex(secret));
        // A poisoned lock only means another thread panicked mid-write; keep logging.
        let mut file = self
            .file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Err(e) = file.write_all(line.as_bytes()) {
            tracing::warn!(error = %e, "cannot write the TLS key-log file");
        }
    }
}

/// Parses every certificate of a PEM text.
pub(crate) fn parse_pem_certs(
    pem: &[u8],
    what: &'static str,
) -> Result<Vec<CertificateDer<'static>>, Error> {
    use rustls::pki_types::pem::PemObject as _;
    let certs: Vec<_> = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<_, _>>()
        .map_err(|_| Error::InvalidCertificate { what })?;
    if certs.is_empty() {
        return Err(Error::InvalidCertificate { what });
    }
    Ok(certs)
}

fn sha256(data: &[u8]) -> [u8; 32] {
    let d = ring::digest::digest(&ring::digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        // Writing to a String cannot fail.
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_parses_hex_with_colons() {
        let der = b"not really a certificate";
        let pin = CertPin::from_der(der);
        let colons: String = pin
            .sha256_hex()
            .as_bytes()
            .chunks(2)
            .map(|c| String::from_utf8_lossy(c).to_uppercase())
            .collect::<Vec<_>>()
            .join(":");
        assert_eq!(CertPin::from_sha256_hex(&colons).unwrap(), pin);
        assert!(pin.matches(der));
        assert!(matches!(
            CertPin::from_sha256_hex("abcd"),
            Err(Error::InvalidPin)
        ));
        assert!(matches!(
            CertPin::from_sha256_hex(&"zz".repeat(32)),
            Err(Error::InvalidPin)
        ));
    }

    #[test]
    fn garbage_der_gives_fingerprints_but_no_names() {
        let c = PeerCertificate::from_der(b"xyz");
        assert_eq!(c.subject(), "");
        assert_eq!(c.not_after(), None);
        assert_eq!(c.sha1_fingerprint().len(), 40);
        assert_eq!(c.sha256_fingerprint().len(), 64);
        assert!(c.pem().starts_with("-----BEGIN CERTIFICATE-----\neHl6\n"));
    }
}
