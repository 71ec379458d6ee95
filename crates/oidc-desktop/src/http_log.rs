//! `Events::on_log` for every HTTP exchange the client makes: at `Info` the method, URL,
//! status and HTTP version; at `Verbose` also the size, content type and time; at `Debug`
//! also the headers and bodies. Secrets are always masked here (`oidc_core::redact`),
//! whatever the transport's own diagnostics do.

use std::sync::Arc;
use std::time::Instant;

use oidc_core::{HttpClient, HttpFuture, HttpRequest, redact};

use crate::events::{Events, LogLevel, LogType};

/// An [`HttpClient`] that tells `events` about each exchange of `inner`.
pub(crate) struct LoggedHttp {
    inner: Arc<dyn HttpClient>,
    events: Arc<dyn Events>,
    level: LogLevel,
}

impl LoggedHttp {
    /// Wraps `inner`, or returns it as it is when nothing is logged.
    pub(crate) fn wrap(
        inner: Arc<dyn HttpClient>,
        events: Arc<dyn Events>,
        level: LogLevel,
    ) -> Arc<dyn HttpClient> {
        if level == LogLevel::None {
            return inner;
        }
        Arc::new(Self {
            inner,
            events,
            level,
        })
    }

    fn emit(&self, level: LogLevel, log_type: LogType, message: &str) {
        if level <= self.level {
            self.events.on_log(level, message, log_type);
        }
    }
}

fn header_lines(headers: &http::HeaderMap) -> String {
    headers
        .iter()
        .map(|(name, value)| {
            let value = if redact::is_sensitive_header(name.as_str()) {
                redact::MASK.to_owned()
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            };
            format!("{name}: {value}")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn body_text(headers: &http::HeaderMap, body: &[u8]) -> String {
    let content_type = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    redact::body(content_type, &String::from_utf8_lossy(body))
}

impl HttpClient for LoggedHttp {
    fn execute(&self, request: HttpRequest) -> HttpFuture<'_> {
        let method = request.method().clone();
        let url = redact::url(&request.uri().to_string());
        if self.level >= LogLevel::Debug {
            self.emit(
                LogLevel::Debug,
                LogType::RequestHeaders,
                &format!("{method} {url}\n{}", header_lines(request.headers())),
            );
            if !request.body().is_empty() {
                let text = body_text(request.headers(), request.body());
                self.emit(LogLevel::Debug, LogType::RequestBody, &text);
            }
        }
        let started = Instant::now();
        Box::pin(async move {
            let result = self.inner.execute(request).await;
            match &result {
                Ok(response) => {
                    let status = response.status();
                    self.emit(
                        LogLevel::Info,
                        LogType::Info,
                        &format!("{method} {url}: {status} ({:?})", response.version()),
                    );
                    let content_type = response
                        .headers()
                        .get(http::header::CONTENT_TYPE)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("no content type");
                    self.emit(
                        LogLevel::Verbose,
                        LogType::Info,
                        &format!(
                            "{method} {url}: {} bytes of {content_type} in {} ms",
                            response.body().len(),
                            started.elapsed().as_millis()
                        ),
                    );
                    if self.level >= LogLevel::Debug {
                        self.emit(
                            LogLevel::Debug,
                            LogType::ResponseHeaders,
                            &format!("{status}\n{}", header_lines(response.headers())),
                        );
                        if !response.body().is_empty() {
                            let text = body_text(response.headers(), response.body());
                            self.emit(LogLevel::Debug, LogType::ResponseBody, &text);
                        }
                    }
                }
                Err(e) => self.emit(
                    LogLevel::Info,
                    LogType::Info,
                    &format!("{method} {url} failed: {e}"),
                ),
            }
            result
        })
    }
}
