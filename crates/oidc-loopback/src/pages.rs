//! The HTML the browser sees: success, failure and the fragment relay page.
//!
//! Every built-in page is self-contained (no external resource, no web font) and is served
//! with a content security policy that allows only its own inline style and, for the relay
//! page, its own inline script (by SHA-256 hash). Application-supplied pages get
//! [`CUSTOM_CSP`]: inline styles and `data:` images and fonts, never a script.

use std::sync::LazyLock;

use base64::Engine as _;
use oidc_core::url::{Host, Url};

/// The hidden form field the relay page adds so that the server can tell a relayed fragment
/// from a provider's `form_post`. It is removed before the parameters are parsed.
pub(crate) const RELAY_MARKER: &str = "oidc_loopback_relay";

const STYLE: &str = "\
:root{color-scheme:light dark;--bg:#f4f6fb;--card:#fff;--fg:#1d2433;--muted:#5b6477;--ok:#1a7f4b;--bad:#b42318}\
@media (prefers-color-scheme:dark){:root{--bg:#11151c;--card:#1b212c;--fg:#e8ecf3;--muted:#a3adbf;--ok:#4cc38a;--bad:#ff7b72}}\
*{box-sizing:border-box}\
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif}\
main{background:var(--card);max-width:30rem;margin:1.5rem;padding:2.25rem 2rem;border-radius:14px;box-shadow:0 10px 30px rgba(0,0,0,.08);text-align:center}\
.icon{width:56px;height:56px;border-radius:50%;margin:0 auto 1rem;display:flex;align-items:center;justify-content:center;font-size:30px;font-weight:700;color:#fff}\
.ok{background:var(--ok)}.bad{background:var(--bad)}.wait{background:var(--muted)}\
h1{font-size:1.35rem;margin:0 0 .5rem}\
p{margin:.4rem 0;color:var(--muted)}\
code{display:inline-block;margin-top:.6rem;padding:.2rem .5rem;border-radius:6px;background:var(--bg);color:var(--fg);font:.95rem ui-monospace,monospace;word-break:break-word}\
.detail{margin-top:.75rem;color:var(--fg);word-break:break-word}";

const RELAY_SCRIPT: &str = "(function(){\
var h=location.hash.slice(1),f=document.getElementById('f');\
if(!h){document.getElementById('t').textContent='No sign-in response';\
document.getElementById('m').textContent='This address carries no sign-in response. Return to the application and start the sign-in again.';return;}\
try{history.replaceState(null,'',location.pathname);}catch(e){}\
var add=function(n,v){var i=document.createElement('input');i.type='hidden';i.name=n;i.value=v;f.appendChild(i);};\
add('oidc_loopback_relay','1');\
new URLSearchParams(h).forEach(function(v,n){add(n,v);});\
f.submit();})();";

fn sha256_source(text: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest.as_ref())
    )
}

/// The content security policy of the built-in success and failure pages.
pub(crate) static STATIC_CSP: LazyLock<String> = LazyLock::new(|| {
    format!(
        "default-src 'none'; style-src {}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        sha256_source(STYLE)
    )
});

/// The content security policy of application-supplied success and failure pages
/// ([`LoopbackConfig::success_html`](crate::LoopbackConfig::success_html),
/// [`LoopbackConfig::failure_html`](crate::LoopbackConfig::failure_html), whose rustdoc
/// repeats it): self-contained pages with inline styles and `data:` images and fonts, no
/// script of any kind, no forms, no framing. Their source is unknown to this crate, so
/// styles cannot be allowed by hash; `'unsafe-inline'` for styles is harmless here because
/// the only variable text in them (the failure placeholders) is HTML-escaped.
pub(crate) const CUSTOM_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The content security policy of the relay page: its style, its script, posting to itself.
///
/// `redirect_sources` are the CSP sources of the configured
/// [`success_redirect`](crate::LoopbackConfig::success_redirect) and
/// [`failure_redirect`](crate::LoopbackConfig::failure_redirect) (see [`redirect_source`]):
/// browsers apply `form-action` to the redirects that follow a form submission too, so
/// the `303` answering the relay's post would be blocked under `form-action 'self'` alone.
pub(crate) fn relay_csp(redirect_sources: &[String]) -> String {
    let mut form_action = "'self'".to_owned();
    for source in redirect_sources {
        if !form_action.split(' ').any(|s| s == source) {
            form_action.push(' ');
            form_action.push_str(source);
        }
    }
    format!(
        "default-src 'none'; style-src {}; script-src {}; base-uri 'none'; form-action {form_action}; frame-ancestors 'none'",
        sha256_source(STYLE),
        sha256_source(RELAY_SCRIPT)
    )
}

/// The CSP source expression that lets a form submission be redirected to `url`: its origin
/// (`https://app.example`, `http://127.0.0.1:8080`). CSP host sources cannot name an IPv6
/// literal (Chromium ignores `http://[::1]:8080`), so for such a host it is the scheme
/// (`http:`); the relay page builds its one form itself, so that is no opening for injected
/// forms.
pub(crate) fn redirect_source(url: &Url) -> String {
    match url.host() {
        Some(Host::Ipv6(_)) => format!("{}:", url.scheme()),
        _ => url.origin().ascii_serialization(),
    }
}

/// Escapes text for HTML element content and quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(title: &str, icon_class: &str, icon: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<meta name=\"referrer\" content=\"no-referrer\">\
<title>{title}</title><style>{STYLE}</style></head>\
<body><main><div class=\"icon {icon_class}\" aria-hidden=\"true\">{icon}</div>{body}</main></body></html>\n"
    )
}

/// The default page after an accepted successful response.
pub(crate) fn default_success() -> String {
    page(
        "Signed in",
        "ok",
        "&#10003;",
        "<h1>You are signed in</h1>\
<p>The application has received the sign-in response.</p>\
<p>You can close this tab and return to the application.</p>",
    )
}

/// What a failure page says.
pub(crate) struct Failure<'a> {
    pub(crate) title: &'a str,
    pub(crate) message: &'a str,
    pub(crate) error: Option<&'a str>,
    pub(crate) error_description: Option<&'a str>,
}

/// The failure page: the default one, or the application's template with its placeholders
/// replaced by escaped text.
pub(crate) fn failure(template: Option<&str>, f: &Failure<'_>) -> String {
    if let Some(t) = template {
        return t
            .replace("{{title}}", &escape(f.title))
            .replace("{{message}}", &escape(f.message))
            .replace("{{error}}", &escape(f.error.unwrap_or("")))
            .replace(
                "{{error_description}}",
                &escape(f.error_description.unwrap_or("")),
            );
    }
    let mut body = format!("<h1>{}</h1><p>{}</p>", escape(f.title), escape(f.message));
    if let Some(e) = f.error {
        body.push_str(&format!("<code>{}</code>", escape(e)));
    }
    if let Some(d) = f.error_description {
        body.push_str(&format!("<p class=\"detail\">{}</p>", escape(d)));
    }
    body.push_str("<p>You can close this tab and return to the application.</p>");
    page(&escape(f.title), "bad", "!", &body)
}

/// The relay page for responses in the URL fragment, which never reaches the server: its
/// script posts the fragment back to `action` as a form, so it arrives like `form_post`.
pub(crate) fn relay(action: &str) -> String {
    page(
        "Completing sign-in",
        "wait",
        "&#8230;",
        &format!(
            "<h1 id=\"t\">Completing sign-in&#8230;</h1>\
<p id=\"m\">Passing the sign-in response to the application.</p>\
<noscript><p class=\"detail\">JavaScript is turned off, so this page cannot pass the sign-in \
response to the application. Allow JavaScript for this page and reload it, or return to the \
application and sign in again.</p></noscript>\
<form id=\"f\" method=\"post\" action=\"{}\" enctype=\"application/x-www-form-urlencoded\"></form>\
<script>{RELAY_SCRIPT}</script>",
            escape(action)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(
            escape("<script>alert('x')</script>&\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"
        );
    }

    #[test]
    fn failure_page_escapes_provider_text() {
        let f = Failure {
            title: "Sign-in failed",
            message: "The provider refused.",
            error: Some("access_denied<b>"),
            error_description: Some("<img src=x onerror=alert(1)>"),
        };
        let html = failure(None, &f);
        assert!(html.contains("access_denied&lt;b&gt;"));
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(!html.contains("<img"));
        let custom = failure(
            Some("<p>{{error}}|{{error_description}}|{{message}}</p>"),
            &f,
        );
        assert_eq!(
            custom,
            "<p>access_denied&lt;b&gt;|&lt;img src=x onerror=alert(1)&gt;|The provider refused.</p>"
        );
    }

    #[test]
    fn relay_page_is_self_contained() {
        let html = relay("/callback");
        assert!(html.contains(RELAY_SCRIPT));
        assert!(html.contains("<noscript>"));
        assert!(html.contains("action=\"/callback\""));
        assert!(html.contains(RELAY_MARKER));
        assert!(!html.contains("http://") && !html.contains("https://") && !html.contains("src="));
        let relay_csp = relay_csp(&[]);
        assert!(relay_csp.contains("script-src 'sha256-"));
        assert!(relay_csp.contains("form-action 'self';"));
        assert!(!STATIC_CSP.contains("script-src"));
        assert!(
            !CUSTOM_CSP.contains("script-src") && CUSTOM_CSP.starts_with("default-src 'none';")
        );
        assert!(default_success().contains("close this tab"));
    }

    #[test]
    fn relay_csp_lets_the_post_be_redirected_to_the_configured_targets() {
        let sources: Vec<String> = [
            "https://app.example/signed-in?x=1",
            "https://app.example:443/failed",
            "http://127.0.0.1:8080/done",
            "http://[::1]:8080/done",
        ]
        .iter()
        .map(|u| redirect_source(&Url::parse(u).expect("test URL")))
        .collect();
        assert_eq!(
            sources,
            [
                "https://app.example",
                "https://app.example",
                "http://127.0.0.1:8080",
                "http:"
            ]
        );
        let csp = relay_csp(&sources);
        assert!(
            csp.contains("; form-action 'self' https://app.example http://127.0.0.1:8080 http:;"),
            "{csp}"
        );
    }
}
