//! The numeric error codes of the OIDCDesktop manual ("OIDCDesktop Errors").

/// A numeric error code of the OIDCDesktop error table.
///
/// Every error of every crate maps to one of these through its `code()` method, so an
/// application ported from the OIDCDesktop component keeps its error handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ErrorCode {
    /// 900: invalid discovery document.
    InvalidDiscovery,
    /// 901: the ID token could not be parsed.
    InvalidIdToken,
    /// 902: the supplied response type was not recognized.
    InvalidResponseType,
    /// 903: ID token verification failed (nonce, hashes, subject and other checks).
    VerificationFailed,
    /// 910: the ID token has expired.
    Expired,
    /// 911: the issuer does not match the expected issuer.
    IssuerMismatch,
    /// 912: the audience does not match the expected audience.
    AudienceMismatch,
    /// 913: a required claim is missing.
    MissingClaim,
    /// 914: the ID token is meant for future use (`nbf`).
    NotYetValid,
    /// 915: the ID token has an invalid issued-at time.
    InvalidIssuedAt,
    /// 920: the signature could not be validated.
    BadSignature,
    /// 921: no valid signer certificate (key) was found.
    NoSignerKey,
    /// 922: no signer key matches the ID token's headers.
    NoMatchingKey,
    /// 923: the signature is missing (unsigned token).
    MissingSignature,
    /// 940: the authorization response carried an error, timed out or failed processing.
    AuthorizationError,
}

impl ErrorCode {
    /// Every code, in table order.
    pub const ALL: [ErrorCode; 15] = [
        ErrorCode::InvalidDiscovery,
        ErrorCode::InvalidIdToken,
        ErrorCode::InvalidResponseType,
        ErrorCode::VerificationFailed,
        ErrorCode::Expired,
        ErrorCode::IssuerMismatch,
        ErrorCode::AudienceMismatch,
        ErrorCode::MissingClaim,
        ErrorCode::NotYetValid,
        ErrorCode::InvalidIssuedAt,
        ErrorCode::BadSignature,
        ErrorCode::NoSignerKey,
        ErrorCode::NoMatchingKey,
        ErrorCode::MissingSignature,
        ErrorCode::AuthorizationError,
    ];

    /// The number of the table (900–940).
    pub fn as_u16(self) -> u16 {
        match self {
            ErrorCode::InvalidDiscovery => 900,
            ErrorCode::InvalidIdToken => 901,
            ErrorCode::InvalidResponseType => 902,
            ErrorCode::VerificationFailed => 903,
            ErrorCode::Expired => 910,
            ErrorCode::IssuerMismatch => 911,
            ErrorCode::AudienceMismatch => 912,
            ErrorCode::MissingClaim => 913,
            ErrorCode::NotYetValid => 914,
            ErrorCode::InvalidIssuedAt => 915,
            ErrorCode::BadSignature => 920,
            ErrorCode::NoSignerKey => 921,
            ErrorCode::NoMatchingKey => 922,
            ErrorCode::MissingSignature => 923,
            ErrorCode::AuthorizationError => 940,
        }
    }

    /// The code for a number of the table, if it is one.
    pub fn from_u16(code: u16) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_u16() == code)
    }

    /// The manual's description of the code.
    pub fn description(self) -> &'static str {
        match self {
            ErrorCode::InvalidDiscovery => {
                "Invalid discovery document. The data is not a properly formatted discovery document."
            }
            ErrorCode::InvalidIdToken => "Invalid ID Token. The ID Token could not be parsed.",
            ErrorCode::InvalidResponseType => {
                "Invalid ResponseType specified. The supplied ResponseType was unrecognized."
            }
            ErrorCode::VerificationFailed => "ID Token verification failed.",
            ErrorCode::Expired => "ID Token verification failed. ID Token has expired.",
            ErrorCode::IssuerMismatch => {
                "ID Token verification failed. ID Token issuer does not match expected issuer."
            }
            ErrorCode::AudienceMismatch => {
                "ID Token verification failed. ID Token audience does not match the expected audience."
            }
            ErrorCode::MissingClaim => {
                "ID Token verification failed. ID Token is missing a required claim."
            }
            ErrorCode::NotYetValid => {
                "ID Token verification failed. ID Token is meant for future use."
            }
            ErrorCode::InvalidIssuedAt => {
                "ID Token verification failed. ID Token has an invalid issued time."
            }
            ErrorCode::BadSignature => {
                "ID Token verification failed. Could not validate signature."
            }
            ErrorCode::NoSignerKey => {
                "ID Token verification failed. Could not find a valid Signer Certificate."
            }
            ErrorCode::NoMatchingKey => {
                "ID Token verification failed. Could not find a Signer Certificate that matches ID Token Headers."
            }
            ErrorCode::MissingSignature => {
                "ID Token verification failed. Could not find signature."
            }
            ErrorCode::AuthorizationError => {
                "Authorization response processing error, or the authorization response timed out."
            }
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.as_u16())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_the_manual() {
        let numbers: Vec<u16> = ErrorCode::ALL.iter().map(|c| c.as_u16()).collect();
        assert_eq!(
            numbers,
            [
                900, 901, 902, 903, 910, 911, 912, 913, 914, 915, 920, 921, 922, 923, 940
            ]
        );
        for c in ErrorCode::ALL {
            assert_eq!(ErrorCode::from_u16(c.as_u16()), Some(c));
            assert!(!c.description().is_empty());
        }
        assert_eq!(ErrorCode::from_u16(904), None);
    }
}
