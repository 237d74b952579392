//! Secret redaction for support bundles: the configuration, and every text that
//! goes into the bundle.
//!
//! A value is secret when its key names one (password, token, secret, API key,
//! credential, ...). URLs keep only their scheme and host, because webhook URLs
//! often carry the token in their path or query. Every secret value found in the
//! configuration is then also replaced wherever it appears in any other text, so a
//! secret that leaked into a log line does not leave in the bundle either.

use regex::Regex;
use std::sync::OnceLock;

/// What a redacted value is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Secret values shorter than this are not searched for in other text, because
/// they would match ordinary words and numbers; their keys are still redacted.
const MIN_SEARCHED_LEN: usize = 4;

/// Whether a configuration key names a secret.
pub fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    let words = [
        "password",
        "passwd",
        "passphrase",
        "pass",
        "pwd",
        "secret",
        "token",
        "apikey",
        "api_key",
        "private_key",
        "privatekey",
        "credential",
        "credentials",
        "auth",
        "authorization",
        "bearer",
        "cookie",
        "session_key",
        "signing_key",
        "access_key",
        "client_secret",
        "pin",
    ];
    let parts: Vec<&str> = key.split(['_', '-', '.']).collect();
    words
        .iter()
        .any(|word| key == *word || key.ends_with(&format!("_{word}")))
        || parts.iter().any(|part| {
            matches!(
                *part,
                "password"
                    | "passwd"
                    | "secret"
                    | "token"
                    | "apikey"
                    | "credential"
                    | "credentials"
            )
        })
}

/// Whether a key holds a URL whose path and query may carry a token.
fn is_url_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["url", "uri", "endpoint", "webhook", "hook"]
        .iter()
        .any(|word| key.contains(word))
}

/// Removes secrets from a configuration and then from any text.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    /// Redacts `document` in place and returns a redactor that knows every secret
    /// value it removed.
    pub fn from_toml(document: &mut toml::Table) -> Redactor {
        let mut redactor = Redactor::default();
        redactor.visit_table(document);
        redactor
            .secrets
            .sort_by_key(|secret| std::cmp::Reverse(secret.len()));
        redactor.secrets.dedup();
        redactor
    }

    /// The number of distinct secret values found.
    pub fn secret_count(&self) -> usize {
        self.secrets.len()
    }

    fn visit_table(&mut self, table: &mut toml::Table) {
        for (key, value) in table.iter_mut() {
            self.visit_value(key, value);
        }
    }

    fn visit_value(&mut self, key: &str, value: &mut toml::Value) {
        match value {
            toml::Value::Table(table) => self.visit_table(table),
            toml::Value::Array(items) => {
                for item in items {
                    self.visit_value(key, item);
                }
            }
            toml::Value::String(text) if is_secret_key(key) => {
                self.remember(text);
                *text = REDACTED.to_owned();
            }
            toml::Value::String(text) if is_url_key(key) => {
                let (kept, hidden) = split_url(text);
                if !hidden.is_empty() {
                    self.remember(text);
                    self.remember(hidden);
                    *text = format!("{kept}{REDACTED}");
                }
            }
            toml::Value::Integer(_) | toml::Value::Float(_) if is_secret_key(key) => {
                self.remember(&value.to_string());
                *value = toml::Value::String(REDACTED.to_owned());
            }
            _ => {}
        }
    }

    fn remember(&mut self, secret: &str) {
        if !secret.is_empty() && secret != REDACTED {
            self.secrets.push(secret.to_owned());
        }
    }

    /// Replaces every known secret value in `text`, then every `key=value` or
    /// `key: value` pair whose key names a secret, and the user information of
    /// every URL.
    pub fn redact_text(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in self.secrets.iter().filter(|s| s.len() >= MIN_SEARCHED_LEN) {
            out = out.replace(secret.as_str(), REDACTED);
        }
        let out = secret_pair_pattern().replace_all(&out, |caps: &regex::Captures<'_>| {
            format!("{}{REDACTED}", &caps[1])
        });
        url_userinfo_pattern()
            .replace_all(&out, |caps: &regex::Captures<'_>| {
                format!("{}{REDACTED}@", &caps[1])
            })
            .into_owned()
    }
}

/// Splits a URL into its scheme and host, and the rest (path, query, fragment).
fn split_url(url: &str) -> (&str, &str) {
    let Some(scheme_end) = url.find("://") else {
        return (url, "");
    };
    let host_start = scheme_end + 3;
    let host_end = url[host_start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |offset| host_start + offset);
    let host = &url[host_start..host_end];
    // Credentials before the host are hidden along with the path.
    if host.contains('@') {
        return (&url[..host_start], &url[host_start..]);
    }
    match &url[host_end..] {
        "" | "/" => (url, ""),
        rest => (&url[..host_end + 1], &rest[1..]),
    }
}

fn secret_pair_pattern() -> &'static Regex {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN.get_or_init(|| {
        Regex::new(
            r#"(?i)(\b[a-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|credential|authorization)[a-z0-9_.-]*["']?\s*[=:]\s*["']?(?:bearer\s+|basic\s+)?)[^\s"'&,;]+"#,
        )
        .expect("the secret pair pattern is valid")
    })
}

fn url_userinfo_pattern() -> &'static Regex {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN.get_or_init(|| {
        Regex::new(r"([a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s:@]+:[^/\s@]+@")
            .expect("the URL user information pattern is valid")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"
schema_version = 1
[alerts.webhook]
url = "https://hooks.example.com/services/T000/B000/abcdefSECRET"
token = "wh-7f3a9c1e5b"
[alerts.email]
smtp_host = "smtp.example.com"
smtp_password = "Sm7p!pass-2025"
[[contacts]]
name = "risk desk"
sms_api_key = "sk_live_998877"
[account]
login = 5001234
password = "Acc0unt#Pw"
pin = 4321
"#;

    #[test]
    fn configuration_secrets_are_redacted() {
        let mut document: toml::Table = toml::from_str(CONFIG).unwrap();
        let redactor = Redactor::from_toml(&mut document);
        let text = toml::to_string(&document).unwrap();
        for secret in [
            "abcdefSECRET",
            "wh-7f3a9c1e5b",
            "Sm7p!pass-2025",
            "sk_live_998877",
            "Acc0unt#Pw",
            "4321",
        ] {
            assert!(!text.contains(secret), "{secret} left in {text}");
        }
        assert!(text.contains("smtp.example.com"));
        assert!(text.contains("https://hooks.example.com/[redacted]"));
        assert!(text.contains("5001234"));
        assert!(text.contains("risk desk"));
        assert_eq!(redactor.secret_count(), 7);
    }

    #[test]
    fn known_secrets_are_removed_from_logs() {
        let mut document: toml::Table = toml::from_str(CONFIG).unwrap();
        let redactor = Redactor::from_toml(&mut document);
        let log = "12:00 posting to https://hooks.example.com/services/T000/B000/abcdefSECRET\n\
                   12:01 login with Acc0unt#Pw failed\n";
        let clean = redactor.redact_text(log);
        assert!(!clean.contains("abcdefSECRET"), "{clean}");
        assert!(!clean.contains("Acc0unt#Pw"), "{clean}");
        assert!(clean.contains("12:01 login with [redacted] failed"));
    }

    #[test]
    fn secret_pairs_and_url_credentials_are_redacted() {
        let redactor = Redactor::default();
        let cases = [
            ("password=hunter22 next", "password=[redacted] next"),
            ("\"api_key\": \"abc123\"", "\"api_key\": \"[redacted]\""),
            (
                "Authorization: Bearer eyJhbGci",
                "Authorization: Bearer [redacted]",
            ),
            (
                "smtp://user:pa55@mail.example.com",
                "smtp://[redacted]@mail.example.com",
            ),
            (
                "https://example.com/path?x=1",
                "https://example.com/path?x=1",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(redactor.redact_text(input), expected, "{input}");
        }
    }

    #[test]
    fn secret_keys_are_recognised() {
        for key in [
            "password",
            "smtp_password",
            "token",
            "webhook_token",
            "api_key",
            "client_secret",
            "pin",
        ] {
            assert!(is_secret_key(key), "{key}");
        }
        for key in [
            "login",
            "smtp_host",
            "name",
            "passes",
            "spin_rate",
            "tokenizer_kind",
        ] {
            assert!(!is_secret_key(key), "{key}");
        }
    }

    #[test]
    fn split_url_keeps_scheme_and_host() {
        assert_eq!(
            split_url("https://h.example/a/b?c"),
            ("https://h.example/", "a/b?c")
        );
        assert_eq!(split_url("https://h.example"), ("https://h.example", ""));
        assert_eq!(
            split_url("https://u:p@h.example/x"),
            ("https://", "u:p@h.example/x")
        );
    }
}
