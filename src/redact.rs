//! Keeps configured secrets out of everything plex-mcp writes. Our own code never puts a token in
//! a message, but a backend can echo one back (a title, an error page) and that text is passed
//! on as data: tool results and log lines go through [`Redactor`] first.

use std::{
    borrow::Cow,
    io::Write,
    sync::{Arc, RwLock},
};

/// What a secret is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Shorter values are not treated as secrets: replacing them would mangle ordinary text, and
/// no real token or key is this short.
const MIN_SECRET: usize = 8;

/// The secrets to hide, shared by the tool layer and the log writer; more can be added as they
/// appear (a renewed Trakt token).
#[derive(Clone, Default)]
pub struct Redactor(Arc<RwLock<Vec<String>>>);

impl Redactor {
    pub fn add(&self, secret: &str) {
        let secret = secret.trim();
        if secret.len() < MIN_SECRET {
            return;
        }
        let mut secrets = self.0.write().unwrap_or_else(|e| e.into_inner());
        if !secrets.iter().any(|s| s == secret) {
            secrets.push(secret.to_string());
            // Longest first, so a secret containing another is replaced whole.
            secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// `text` with every secret replaced.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        scrub(&self.0.read().unwrap_or_else(|e| e.into_inner()), text)
    }

    /// Whether a secret appears in `text`, as is or as JSON writes it inside a string.
    pub fn holds_secret(&self, text: &str) -> bool {
        let secrets = self.0.read().unwrap_or_else(|e| e.into_inner());
        let has = |needle: &str| memchr::memmem::find(text.as_bytes(), needle.as_bytes()).is_some();
        secrets.iter().any(|s| {
            has(s)
                || serde_json::to_string(s)
                    .is_ok_and(|q| q.len() != s.len() + 2 && has(&q[1..q.len() - 1]))
        })
    }

    /// Redacts every string inside a JSON value, keys included.
    pub fn redact_json(&self, value: &mut serde_json::Value) {
        let secrets = self.0.read().unwrap_or_else(|e| e.into_inner());
        if !secrets.is_empty() {
            scrub_json(&secrets, value);
        }
    }

    /// A log writer for `tracing_subscriber` that redacts each line before stderr sees it.
    pub fn stderr(&self) -> RedactingStderr {
        RedactingStderr(self.clone())
    }
}

/// `text` with each of `secrets` replaced.
fn scrub<'a>(secrets: &[String], text: &'a str) -> Cow<'a, str> {
    let mut out = Cow::Borrowed(text);
    for secret in secrets {
        if out.contains(secret.as_str()) {
            out = Cow::Owned(out.replace(secret.as_str(), REDACTED));
        }
    }
    out
}

/// One pass over a result under one lock; an object is rebuilt only when a key holds a secret
/// (results of 20,000 rows have 100,000 keys, none of them secret).
fn scrub_json(secrets: &[String], value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) => {
            if let Cow::Owned(clean) = scrub(secrets, s) {
                *s = clean;
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| scrub_json(secrets, v)),
        serde_json::Value::Object(map) => {
            let secret_key = map
                .keys()
                .any(|k| secrets.iter().any(|s| k.contains(s.as_str())));
            if secret_key {
                for (k, mut v) in std::mem::take(map) {
                    scrub_json(secrets, &mut v);
                    map.insert(scrub(secrets, &k).into_owned(), v);
                }
            } else {
                map.values_mut().for_each(|v| scrub_json(secrets, v));
            }
        }
        _ => {}
    }
}

/// Standard error, redacted.
pub struct RedactingStderr(Redactor);

impl Write for RedactingStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        std::io::stderr().write_all(self.0.redact(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Redactor {
    type Writer = RedactingStderr;

    fn make_writer(&'a self) -> Self::Writer {
        self.stderr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_replaced_wherever_they_appear() {
        let r = Redactor::default();
        r.add("tok-Zq8rX2vLm4Wp9Ks7");
        r.add("short");
        r.add("tok-Zq8rX2vLm4Wp9Ks7-and-more");
        assert_eq!(
            r.redact("a tok-Zq8rX2vLm4Wp9Ks7 b tok-Zq8rX2vLm4Wp9Ks7-and-more"),
            "a [redacted] b [redacted]"
        );
        assert_eq!(r.redact("short stays"), "short stays");
        let mut v = serde_json::json!({"title": "x tok-Zq8rX2vLm4Wp9Ks7", "n": [{"tok-Zq8rX2vLm4Wp9Ks7": 1}]});
        r.redact_json(&mut v);
        assert_eq!(
            v,
            serde_json::json!({"title": "x [redacted]", "n": [{"[redacted]": 1}]})
        );
        assert!(matches!(r.redact("nothing here"), Cow::Borrowed(_)));
    }
}
