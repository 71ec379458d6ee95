//! The profiles of the catalogue, unrolled into the variants a case runs in.

use oidc_core::ResponseMode;

/// How the sign-in under test is driven.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    /// `OidcDesktop::builder(issuer)`, a browser sign-in.
    Browser,
    /// `OidcDesktop::from_discovery_url(..)`: the provider is learned only from discovery
    /// (issuer with a path, JWKS at a random path).
    Config,
    /// A clean sign-in, then the refresh grant under test.
    Refresh,
}

/// Who plays the user's browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Agent {
    /// `oidc_desktop::testing::HttpAgent`.
    Scripted,
    /// Headless Chromium.
    Chromium,
}

/// One column of the report: a profile with its response type and mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Variant {
    /// The catalogue's profile name.
    pub(crate) profile: &'static str,
    /// The response type.
    pub(crate) rt: &'static str,
    /// The response mode.
    pub(crate) mode: ResponseMode,
    pub(crate) flow: Flow,
    pub(crate) agent: Agent,
}

impl Variant {
    const fn new(
        profile: &'static str,
        rt: &'static str,
        mode: ResponseMode,
        flow: Flow,
        agent: Agent,
    ) -> Self {
        Self {
            profile,
            rt,
            mode,
            flow,
            agent,
        }
    }

    /// `Hybrid code id_token/fragment`, `Basic`, ...
    pub(crate) fn label(&self) -> String {
        let mode = self.mode.as_str();
        match self.profile {
            "Basic" | "Config" | "Refresh" => self.profile.to_owned(),
            "Form Post" => format!("Form Post {}", self.rt),
            _ => format!("{} {}/{mode}", self.profile, self.rt),
        }
    }

    fn parts(&self) -> impl Iterator<Item = &'static str> {
        self.rt.split(' ')
    }

    /// A code is requested (so the token endpoint is called).
    pub(crate) fn code(&self) -> bool {
        self.parts().any(|p| p == "code")
    }

    /// An ID token travels in the front channel.
    pub(crate) fn front_id_token(&self) -> bool {
        self.parts().any(|p| p == "id_token")
    }

    /// An access token travels in the front channel.
    pub(crate) fn front_access_token(&self) -> bool {
        self.parts().any(|p| p == "token")
    }

    /// An access token is obtained at all (so UserInfo can be called).
    pub(crate) fn access_token(&self) -> bool {
        self.code() || self.front_access_token()
    }

    pub(crate) fn form_post(&self) -> bool {
        self.mode == FormPost
    }

    pub(crate) fn refresh(&self) -> bool {
        self.flow == Refresh
    }

    /// A browser (front-channel) flow: everything but the Refresh profile.
    pub(crate) fn browser(&self) -> bool {
        self.flow != Refresh
    }

    /// The authorization response carries neither an ID token nor tokens.
    pub(crate) fn code_only(&self) -> bool {
        self.rt == "code"
    }
}

use Agent::{Chromium, Scripted};
use Flow::{Browser, Config, Refresh};
use ResponseMode::{FormPost, Fragment, Query};

/// Every variant, in report order.
pub(crate) const VARIANTS: [Variant; 16] = [
    Variant::new("Basic", "code", Query, Browser, Scripted),
    Variant::new("Implicit", "id_token", FormPost, Browser, Scripted),
    Variant::new("Implicit", "id_token", Fragment, Browser, Scripted),
    Variant::new("Implicit", "id_token token", FormPost, Browser, Scripted),
    Variant::new("Implicit", "id_token token", Fragment, Browser, Scripted),
    Variant::new("Hybrid", "code id_token", FormPost, Browser, Scripted),
    Variant::new("Hybrid", "code id_token", Fragment, Browser, Scripted),
    Variant::new("Hybrid", "code token", FormPost, Browser, Scripted),
    Variant::new("Hybrid", "code token", Fragment, Browser, Scripted),
    Variant::new("Hybrid", "code id_token token", FormPost, Browser, Scripted),
    Variant::new("Hybrid", "code id_token token", Fragment, Browser, Scripted),
    Variant::new("Config", "code", Query, Config, Scripted),
    Variant::new("Form Post", "code", FormPost, Browser, Scripted),
    Variant::new("Refresh", "code", Query, Refresh, Scripted),
    Variant::new(
        "Chromium relay",
        "code id_token",
        Fragment,
        Browser,
        Chromium,
    ),
    Variant::new(
        "Chromium relay",
        "id_token token",
        Fragment,
        Browser,
        Chromium,
    ),
];
