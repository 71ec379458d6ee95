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

/// The minimum TLS version to accept, limited to the versions rustls offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TlsVersion {
    /// TLS 1.2 and 1.3 (default). rustls never offers TLS 1.0/1.1 or SSL.
    #[default]
    Tls12,
    /// TLS 1.3 only.
    Tls13,
}

/// An exact server certificate to accept, by the
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

/// Details of a server certificate: names, validity, key, fingerprints and usages, as
/// reported for the last exchange and to the `on_ssl_server_authentication` callback.
///
/// Everything is read once from the DER encoding; a field the DER does not hold (or a
/// DER that does not parse) reads as `""` or `0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerCertificate {
    der: Vec<u8>,
    subject: String,
    issuer: String,
    not_before: Option<i64>,
    not_after: Option<i64>,
    details: CertDetails,
}

/// The parsed fields behind the `ssl_server_cert_*` accessors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct CertDetails {
    serial_number: String,
    signature_algorithm: String,
    public_key_algorithm: String,
    public_key_length: u32,
    public_key_der: Vec<u8>,
    version: u8,
    subject_alt_names: String,
    extended_key_usage: String,
    usage_flags: u32,
}

/// The key usage bits of `usage_flags` and their names for `usage`, in X.509 KeyUsage
/// bit order (bit 0, `digitalSignature`, is `0x80`).
const USAGE_FLAGS: [(u32, &str); 9] = [
    (0x80, "Digital Signature"),
    (0x40, "Non-Repudiation"),
    (0x20, "Key Encipherment"),
    (0x10, "Data Encipherment"),
    (0x08, "Key Agreement"),
    (0x04, "Certificate Signing"),
    (0x02, "CRL Signing"),
    (0x01, "Encipher Only"),
    (0x8000, "Decipher Only"),
];

fn signature_algorithm_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "rsassaPss",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.14" => "sha224WithRSAEncryption",
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.1" => "ecdsa-with-SHA224",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.3.101.112" => "Ed25519",
        "1.3.101.113" => "Ed448",
        _ => return None,
    })
}

/// `(name, bits)` of a named elliptic curve.
fn curve(oid: &str) -> Option<(&'static str, u32)> {
    Some(match oid {
        "1.2.840.10045.3.1.7" => ("P-256", 256),
        "1.3.132.0.34" => ("P-384", 384),
        "1.3.132.0.35" => ("P-521", 521),
        "1.3.132.0.10" => ("secp256k1", 256),
        _ => return None,
    })
}

/// The bit length of an RSA modulus, from the DER `RSAPublicKey` of a SubjectPublicKeyInfo.
fn rsa_modulus_bits(key: &[u8]) -> u32 {
    use x509_cert::der::{Reader as _, SliceReader, asn1::UintRef};
    let Ok(mut reader) = SliceReader::new(key) else {
        return 0;
    };
    reader
        .sequence(|r| {
            let n: UintRef<'_> = r.decode()?;
            let _e: UintRef<'_> = r.decode()?;
            Ok(bit_length(n.as_bytes()))
        })
        .unwrap_or(0)
}

/// The bit length of a big-endian unsigned integer without leading zero bytes.
fn bit_length(bytes: &[u8]) -> u32 {
    match bytes.first() {
        None => 0,
        Some(first) => {
            let rest = u32::try_from(bytes.len() - 1).unwrap_or(u32::MAX / 16);
            rest * 8 + (8 - first.leading_zeros())
        }
    }
}

impl CertDetails {
    fn parse(cert: &x509_cert::Certificate) -> Self {
        use x509_cert::der::{Decode as _, Encode as _};
        use x509_cert::ext::pkix::name::GeneralName;
        use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsage, SubjectAltName};

        let tbs = &cert.tbs_certificate;
        let sig_oid = cert.signature_algorithm.oid.to_string();
        let spki = &tbs.subject_public_key_info;
        let key_oid = spki.algorithm.oid.to_string();
        let key_bytes = spki.subject_public_key.raw_bytes();
        let (public_key_algorithm, public_key_length) = match key_oid.as_str() {
            "1.2.840.113549.1.1.1" => ("RSA".to_owned(), rsa_modulus_bits(key_bytes)),
            "1.2.840.113549.1.1.10" => ("RSASSA-PSS".to_owned(), rsa_modulus_bits(key_bytes)),
            "1.2.840.10045.2.1" => {
                let named = spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.decode_as::<x509_cert::der::asn1::ObjectIdentifier>().ok())
                    .map(|o| o.to_string());
                match named.as_deref().and_then(curve) {
                    Some((name, bits)) => (format!("EC {name}"), bits),
                    None => (
                        format!("EC {}", named.unwrap_or_default())
                            .trim_end()
                            .to_owned(),
                        // An uncompressed point is 04 || X || Y.
                        u32::try_from(key_bytes.len().saturating_sub(1) * 4).unwrap_or(0),
                    ),
                }
            }
            "1.3.101.112" => ("Ed25519".to_owned(), 256),
            "1.3.101.113" => ("Ed448".to_owned(), 456),
            "1.3.101.110" => ("X25519".to_owned(), 256),
            "1.3.101.111" => ("X448".to_owned(), 448),
            other => (
                other.to_owned(),
                u32::try_from(key_bytes.len() * 8).unwrap_or(0),
            ),
        };

        let mut sans = Vec::new();
        let mut ekus = Vec::new();
        let mut usage_flags = 0u32;
        for ext in tbs.extensions.iter().flatten() {
            let value = ext.extn_value.as_bytes();
            match ext.extn_id.to_string().as_str() {
                // subjectAltName
                "2.5.29.17" => {
                    let Ok(SubjectAltName(names)) = SubjectAltName::from_der(value) else {
                        continue;
                    };
                    for name in names {
                        match name {
                            GeneralName::DnsName(s)
                            | GeneralName::Rfc822Name(s)
                            | GeneralName::UniformResourceIdentifier(s) => {
                                sans.push(s.to_string());
                            }
                            GeneralName::IpAddress(ip) => {
                                let b = ip.as_bytes();
                                if let Ok(v4) = <[u8; 4]>::try_from(b) {
                                    sans.push(std::net::Ipv4Addr::from(v4).to_string());
                                } else if let Ok(v6) = <[u8; 16]>::try_from(b) {
                                    sans.push(std::net::Ipv6Addr::from(v6).to_string());
                                }
                            }
                            GeneralName::DirectoryName(n) => sans.push(n.to_string()),
                            GeneralName::RegisteredId(oid) => sans.push(oid.to_string()),
                            GeneralName::OtherName(_) | GeneralName::EdiPartyName(_) => {}
                        }
                    }
                }
                // extKeyUsage
                "2.5.29.37" => {
                    if let Ok(ExtendedKeyUsage(oids)) = ExtendedKeyUsage::from_der(value) {
                        ekus.extend(oids.iter().map(ToString::to_string));
                    }
                }
                // keyUsage
                "2.5.29.15" => {
                    if let Ok(KeyUsage(set)) = KeyUsage::from_der(value) {
                        let bits = set.bits();
                        for (i, (flag, _)) in USAGE_FLAGS.iter().enumerate() {
                            if bits & (1 << i) != 0 {
                                usage_flags |= flag;
                            }
                        }
                    }
                }
                _ => {}
            }
        }

        Self {
            serial_number: hex(tbs.serial_number.as_bytes()),
            signature_algorithm: signature_algorithm_name(&sig_oid)
                .map_or(sig_oid.clone(), str::to_owned),
            public_key_algorithm,
            public_key_length,
            public_key_der: spki.to_der().unwrap_or_default(),
            version: match tbs.version {
                x509_cert::Version::V1 => 1,
                x509_cert::Version::V2 => 2,
                x509_cert::Version::V3 => 3,
            },
            subject_alt_names: sans.join(","),
            extended_key_usage: ekus.join(","),
            usage_flags,
        }
    }
}

fn pem_armor(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut s = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        s.push_str(&String::from_utf8_lossy(chunk));
        s.push('\n');
    }
    let _ = writeln!(s, "-----END {label}-----");
    s
}

impl PeerCertificate {
    /// Reads a DER certificate. Subject, issuer, validity and the other details are
    /// empty/`None`/`0` if the DER does not parse (the fingerprints and PEM are still
    /// available).
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
                    details: CertDetails::parse(&cert),
                }
            }
            Err(_) => Self {
                der: der.to_vec(),
                subject: String::new(),
                issuer: String::new(),
                not_before: None,
                not_after: None,
                details: CertDetails::default(),
            },
        }
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The PEM encoding.
    pub fn pem(&self) -> String {
        pem_armor("CERTIFICATE", &self.der)
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

    /// The serial number as lowercase hex, two digits per byte of the DER INTEGER's
    /// content (`serial_number`). A serial whose first byte is `0x80` or more keeps the
    /// `00` byte that DER puts before it, as the certificate encodes it.
    pub fn serial_number(&self) -> &str {
        &self.details.serial_number
    }

    /// The certificate's signature algorithm (`signature_algorithm`): an OpenSSL-style
    /// name such as `sha256WithRSAEncryption`, `ecdsa-with-SHA256` or `Ed25519`, or the
    /// dotted OID when the algorithm is not one of those known here.
    pub fn signature_algorithm(&self) -> &str {
        &self.details.signature_algorithm
    }

    /// The public key algorithm (`public_key_algorithm`): `RSA`, `RSASSA-PSS`,
    /// `EC P-256` / `EC P-384` / `EC P-521` (or `EC <curve OID>`), `Ed25519`, `Ed448`, or
    /// the dotted OID of anything else.
    pub fn public_key_algorithm(&self) -> &str {
        &self.details.public_key_algorithm
    }

    /// The public key length in bits (`public_key_length`): the modulus size for RSA,
    /// the curve size for EC (521 for P-521), 256 for Ed25519, 456 for Ed448.
    pub fn public_key_length(&self) -> u32 {
        self.details.public_key_length
    }

    /// The public key (`public_key`): the DER SubjectPublicKeyInfo as a PEM
    /// `-----BEGIN PUBLIC KEY-----` block (the form OpenSSL and ring read). Empty if the
    /// certificate did not parse.
    pub fn public_key(&self) -> String {
        if self.details.public_key_der.is_empty() {
            String::new()
        } else {
            pem_armor("PUBLIC KEY", &self.details.public_key_der)
        }
    }

    /// The DER SubjectPublicKeyInfo behind [`Self::public_key`].
    pub fn public_key_der(&self) -> &[u8] {
        &self.details.public_key_der
    }

    /// The X.509 version, 1, 2 or 3 (`version`); 0 if the certificate did not parse.
    pub fn version(&self) -> u8 {
        self.details.version
    }

    /// The subject alternative names, comma-separated without spaces, in certificate
    /// order (`subject_alt_names`): DNS names, IP addresses in text form
    /// (`127.0.0.1`, `::1`), e-mail addresses and URIs as written, directory names in
    /// RFC 4514 form. `""` when the certificate has none.
    pub fn subject_alt_names(&self) -> &str {
        &self.details.subject_alt_names
    }

    /// The extended key usages as dotted OIDs, comma-separated without spaces
    /// (`extended_key_usage`), e.g. `1.3.6.1.5.5.7.3.1,1.3.6.1.5.5.7.3.2` for server and
    /// client authentication. `""` when the certificate has no such extension.
    pub fn extended_key_usage(&self) -> &str {
        &self.details.extended_key_usage
    }

    /// The key usage bits (`usage_flags`): `0x80` Digital Signature, `0x40`
    /// Non-Repudiation, `0x20` Key Encipherment, `0x10` Data Encipherment, `0x08` Key
    /// Agreement, `0x04` Certificate Signing, `0x02` CRL Signing, `0x01` Encipher Only,
    /// and `0x8000` Decipher Only (the value Windows uses). 0 when the certificate has no
    /// key usage extension.
    pub fn usage_flags(&self) -> u32 {
        self.details.usage_flags
    }

    /// The text of [`Self::usage_flags`] (`usage`): the names listed there, in that
    /// order, separated by `", "`, e.g. `"Digital Signature, Key Encipherment"`.
    pub fn usage(&self) -> String {
        USAGE_FLAGS
            .iter()
            .filter(|(flag, _)| self.details.usage_flags & flag != 0)
            .map(|(_, name)| *name)
            .collect::<Vec<_>>()
            .join(", ")
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

/// Writes TLS secrets in the NSS key-log format to a file,
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
