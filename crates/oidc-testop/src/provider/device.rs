//! The device authorization grant (RFC 8628).

use super::*;

impl Provider {
    pub(super) fn device_authorization(&mut self, req: &Incoming) -> Reply {
        let client = match self.authenticate(req, Endpoint::DeviceAuthorization) {
            Ok(c) => c,
            Err(r) => return r,
        };
        let device_code = random_token(32);
        let code = user_code();
        let expires_in = self.device_code_lifetime;
        self.devices.push(Device {
            device_code: device_code.clone(),
            user_code: code.clone(),
            client_id: client.client_id,
            scope: find(&req.form, "scope").unwrap_or_default().to_owned(),
            expires_at: self.now() + expires_in,
            decision: DeviceDecision::Pending,
        });
        let verification = self.url(Endpoint::DeviceVerification);
        let complete = format!(
            "{verification}?{}",
            form_encode(&[("user_code".into(), code.clone())])
        );
        Reply::json(
            200,
            &json!({
                "device_code": device_code,
                "user_code": code,
                "verification_uri": verification,
                "verification_uri_complete": complete,
                "expires_in": expires_in,
                "interval": 1,
            }),
        )
    }

    pub(crate) fn pending_user_codes(&self) -> Vec<String> {
        self.devices
            .iter()
            .filter(|d| matches!(d.decision, DeviceDecision::Pending))
            .map(|d| d.user_code.clone())
            .collect()
    }

    pub(crate) fn decide_device(
        &mut self,
        user_code: &str,
        approve: bool,
        username: Option<&str>,
    ) -> bool {
        let sub = match username {
            Some(name) => self.users.iter().find(|u| u.username == name),
            None => self.users.first(),
        }
        .map(|u| u.sub.clone());
        let wanted = normalize_user_code(user_code);
        let now = self.now();
        let Some(d) = self.devices.iter_mut().find(|d| {
            normalize_user_code(&d.user_code) == wanted
                && matches!(d.decision, DeviceDecision::Pending)
                && d.expires_at >= now
        }) else {
            return false;
        };
        d.decision = match (approve, sub) {
            (true, Some(sub)) => DeviceDecision::Approved(sub),
            (true, None) => return false,
            (false, _) => DeviceDecision::Denied,
        };
        true
    }

    pub(super) fn device_page(&mut self, req: &Incoming) -> Reply {
        if req.is_post() {
            let f = &req.form;
            let code = find(f, "user_code").unwrap_or_default();
            let approve = find(f, "decision") == Some("allow");
            let ok = self.decide_device(code, approve, find(f, "username"));
            return if ok {
                let what = if approve { "approved" } else { "denied" };
                Reply::html(
                    200,
                    "Device",
                    &format!(
                        "<h1 id=\"result\">Request {what}.</h1><p>You may close this window.</p>"
                    ),
                )
            } else {
                Reply::html(
                    400,
                    "Device",
                    "<h1 id=\"result\">Unknown, expired or decided code, or unknown user.</h1>",
                )
            };
        }
        let code = find(&req.query, "user_code").unwrap_or_default();
        let action = html_escape(&self.url(Endpoint::DeviceVerification));
        Reply::html(
            200,
            "Connect a device",
            &format!(
                "<h1>Connect a device</h1><form method=\"post\" action=\"{action}\">\
                 <label>Code <input name=\"user_code\" value=\"{}\"></label>\
                 <label>User <input name=\"username\"></label>\
                 <button name=\"decision\" value=\"allow\">Allow</button>\
                 <button name=\"decision\" value=\"deny\">Deny</button></form>",
                html_escape(code)
            ),
        )
    }
}
