//! The HTML the scripted agent reads: forms, their fields and buttons, and the abort link of
//! a provider's page. Enough for server-rendered provider pages, no more.

/// A submit button: what clicking it adds to the form's fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Button {
    pub(super) name: Option<String>,
    pub(super) value: Option<String>,
    pub(super) autofocus: bool,
}

/// A form as a user would submit it: where, how, its fields and its buttons.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Form {
    pub(super) id: Option<String>,
    pub(super) action: String,
    pub(super) method_post: bool,
    pub(super) fields: Vec<(String, String)>,
    pub(super) buttons: Vec<Button>,
}

/// Tags of an HTML page, in order: `(lowercase name, raw attribute text)`, closing tags as
/// `/name`. Enough for server-rendered provider pages.
fn tags(page: &str) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    let mut rest = page;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let Some(end) = rest.find('>') else { break };
        let inner = &rest[..end];
        rest = &rest[end + 1..];
        let name_end = inner
            .find(|c: char| c.is_whitespace() || c == '/' && !inner.starts_with('/'))
            .unwrap_or(inner.len());
        let name = inner[..name_end].to_ascii_lowercase();
        if name.starts_with('!') {
            continue;
        }
        out.push((name, &inner[name_end..]));
    }
    out
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find(name) {
        let start = from + i;
        from = start + name.len();
        let before_ok = start == 0 || lower.as_bytes()[start - 1].is_ascii_whitespace();
        if !before_ok {
            continue;
        }
        let after = lower[from..].trim_start();
        if !after.starts_with('=') {
            // A bare attribute (`autofocus`, `required`).
            if after.is_empty()
                || after.starts_with(|c: char| c.is_whitespace() || c == '/' || c.is_alphabetic())
            {
                return Some(String::new());
            }
            continue;
        }
        let vstart = tag.len() - after.len() + 1;
        let v = tag[vstart..].trim_start();
        let value = match v.chars().next() {
            Some(q @ ('"' | '\'')) => v[1..].split(q).next().unwrap_or(""),
            _ => v.split(|c: char| c.is_whitespace()).next().unwrap_or(""),
        };
        return Some(unescape(value));
    }
    None
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&#x2F;", "/")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

pub(super) fn parse_forms(page: &str) -> Vec<Form> {
    let mut forms: Vec<Form> = Vec::new();
    let mut orphans: Vec<(String, Button)> = Vec::new();
    let mut open = false;
    for (name, a) in tags(page) {
        match name.as_str() {
            "form" => {
                forms.push(Form {
                    id: attr(a, "id"),
                    action: attr(a, "action").unwrap_or_default(),
                    method_post: attr(a, "method").is_some_and(|m| m.eq_ignore_ascii_case("post")),
                    ..Form::default()
                });
                open = true;
            }
            "/form" => open = false,
            "input" if open => {
                let t = attr(a, "type")
                    .unwrap_or_else(|| "text".to_owned())
                    .to_ascii_lowercase();
                if let Some(n) = attr(a, "name")
                    && !matches!(t.as_str(), "submit" | "button" | "image" | "reset")
                    && let Some(f) = forms.last_mut()
                {
                    f.fields.push((n, attr(a, "value").unwrap_or_default()));
                }
            }
            "button" => {
                let t = attr(a, "type").unwrap_or_else(|| "submit".to_owned());
                if !t.eq_ignore_ascii_case("submit") {
                    continue;
                }
                let b = Button {
                    name: attr(a, "name"),
                    value: attr(a, "value"),
                    autofocus: attr(a, "autofocus").is_some(),
                };
                if let Some(owner) = attr(a, "form") {
                    orphans.push((owner, b));
                } else if open && let Some(f) = forms.last_mut() {
                    f.buttons.push(b);
                }
            }
            _ => {}
        }
    }
    for (owner, b) in orphans {
        if let Some(f) = forms.iter_mut().find(|f| f.id.as_deref() == Some(&owner)) {
            f.buttons.push(b);
        }
    }
    forms
}

pub(super) fn find_abort_link(page: &str) -> Option<String> {
    tags(page)
        .into_iter()
        .filter(|(n, _)| n == "a")
        .filter_map(|(_, a)| attr(a, "href"))
        .find(|h| h.ends_with("/abort"))
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        reason = "tests: a failed unwrap is a failed test"
    )]

    use super::*;

    #[test]
    fn reads_the_providers_forms() {
        let login = r#"<form autocomplete="off" action="http://127.0.0.1:9/interaction/u1" method="post">
  <input type="hidden" name="prompt" value="login"/>
  <input required type="text" name="login" placeholder="Enter any login" autofocus="on">
  <input required type="password" name="password" placeholder="and password" >
  <button type="submit" class="login login-submit">Sign-in</button>
</form><div class="login-help"><a href="http://127.0.0.1:9/interaction/u1/abort">[ Cancel ]</a></div>"#;
        let f = &parse_forms(login)[0];
        assert!(f.method_post);
        assert_eq!(f.action, "http://127.0.0.1:9/interaction/u1");
        let names: Vec<&str> = f.fields.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["prompt", "login", "password"]);
        assert_eq!(
            find_abort_link(login).as_deref(),
            Some("http://127.0.0.1:9/interaction/u1/abort")
        );

        let logout = r#"<form id="op.logoutForm" method="post" action="/session/end/confirm"><input type="hidden" name="xsrf" value="x1"/></form>
        <button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
        <button type="submit" form="op.logoutForm">No, stay signed in</button>"#;
        let f = &parse_forms(logout)[0];
        assert_eq!(f.fields, [("xsrf".to_owned(), "x1".to_owned())]);
        assert_eq!(f.buttons.len(), 2);
        assert!(f.buttons[0].autofocus);
        assert_eq!(f.buttons[0].name.as_deref(), Some("logout"));

        let device = r#"<form id="op.deviceConfirmForm" method="post" action="http://127.0.0.1:9/device">
<input type="hidden" name="xsrf" value="a&amp;b"/><input type="hidden" name="confirm" value="yes"/></form>
<button autofocus type="submit" form="op.deviceConfirmForm">Continue</button>
<button type="submit" form="op.deviceConfirmForm" value="yes" name="abort">[ Abort ]</button>"#;
        let f = &parse_forms(device)[0];
        assert_eq!(f.fields[0].1, "a&b");
        assert!(f.buttons[0].autofocus && f.buttons[0].name.is_none());
    }

    #[test]
    fn reads_an_auto_submitting_form_and_a_consent_button() {
        let page = r#"<html><body onload="document.forms[0].submit()"><form method="post" action="http://127.0.0.1:5/callback"><input type="hidden" name="code" value="a&amp;b"><input type="hidden" name="state" value="s&quot;1"></form></body></html>"#;
        let f = &parse_forms(page)[0];
        assert_eq!(f.action, "http://127.0.0.1:5/callback");
        assert_eq!(
            f.fields,
            [
                ("code".into(), "a&b".into()),
                ("state".into(), "s\"1".into())
            ]
        );
        assert!(!parse_forms("<form method=get action=x></form>")[0].method_post);
        let login = r#"<form method="post" action="login"><input type="hidden" name="pending" value="p1"><input name="username"><input name="password" type="password"><button type="submit" name="decision" value="allow">Allow</button><button name="decision" value="deny">Deny</button></form>"#;
        let f = &parse_forms(login)[0];
        assert_eq!(f.buttons[0].value.as_deref(), Some("allow"));
        assert!(parse_forms("no form").is_empty());
    }
}
