//! Alert configuration: escalation times, channels per priority, rate limits, inhibition, the
//! escalation path of each category, and the contacts of each role.

use super::types::{Category, Channel, Priority};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// At most `max` items in any `per_ms` milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rate {
    /// Items allowed in the window.
    pub max: u32,
    /// Window length, milliseconds.
    pub per_ms: i64,
}

impl Rate {
    /// At most `max` items in any `per_ms` milliseconds.
    pub const fn new(max: u32, per_ms: i64) -> Self {
        Rate { max, per_ms }
    }
}

/// The `[alerts]` section of the configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AlertConfig {
    /// Unacknowledged time before a CRITICAL alert escalates, milliseconds.
    pub critical_escalation_ms: i64,
    /// Unacknowledged time before a HIGH alert escalates, milliseconds.
    pub high_escalation_ms: i64,
    /// Unacknowledged time before a MEDIUM alert escalates, milliseconds.
    pub medium_escalation_ms: i64,
    /// Minimum time between two notifications for one key, escalations and resolves apart.
    pub repeat_interval_ms: i64,
    /// Time MEDIUM notifications wait to be sent together as one digest.
    pub medium_batch_ms: i64,
    /// Channels each priority is sent on (LOW has none by default: it is logged only).
    pub channels: BTreeMap<Priority, Vec<Channel>>,
    /// Notification rate limit per channel; CRITICAL notifications pass even past it.
    pub rate_limits: BTreeMap<Channel, Rate>,
    /// Rules that keep an alert quiet while another one is live.
    pub inhibit: Vec<InhibitRule>,
    /// Roles notified in turn for each category.
    pub escalation_paths: BTreeMap<Category, Vec<String>>,
    /// Resolved alerts kept for reports.
    pub history: usize,
    /// Outbox delivery.
    pub delivery: DeliveryConfig,
    /// The webhook worker of a Rust host (`[alerts.webhook]`).
    pub webhook: super::webhook::WebhookConfig,
}

/// While a live alert's key starts with `source`, alerts whose key starts with `target` are
/// recorded but not notified, because the source already explains them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InhibitRule {
    /// Key prefix of the alert that inhibits.
    pub source: String,
    /// Key prefix of the alerts it keeps quiet.
    pub target: String,
}

/// How the outbox paces, leases and retries items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeliveryConfig {
    /// MT5's push limits: each must hold, so pushes past them wait.
    pub push_limits: Vec<Rate>,
    /// Time a polled item stays with the EA before it is offered again, milliseconds.
    pub lease_ms: i64,
    /// First retry delay after a failed delivery, milliseconds; it doubles each attempt.
    pub retry_base_ms: i64,
    /// Longest retry delay, milliseconds.
    pub retry_max_ms: i64,
    /// Attempts before a non-CRITICAL item is given up; CRITICAL items are retried forever.
    pub max_attempts: u32,
    /// Items the outbox holds; past it the oldest non-CRITICAL item is given up.
    pub capacity: usize,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            push_limits: vec![Rate::new(2, 1_000), Rate::new(10, 60_000)],
            lease_ms: 60_000,
            retry_base_ms: 5_000,
            retry_max_ms: 300_000,
            max_attempts: 10,
            capacity: 1_000,
        }
    }
}

const MINUTE: i64 = 60_000;

impl Default for AlertConfig {
    fn default() -> Self {
        use Channel::*;
        let channels = BTreeMap::from([
            (Priority::Low, vec![]),
            (Priority::Medium, vec![Email, Webhook]),
            (Priority::High, vec![Screen, Push, Email, Webhook]),
            (Priority::Critical, vec![Screen, Push, Sms, Email, Webhook]),
        ]);
        let rate_limits = BTreeMap::from([
            (Screen, Rate::new(20, MINUTE)),
            (Push, Rate::new(10, MINUTE)),
            (Email, Rate::new(30, 60 * MINUTE)),
            (Sms, Rate::new(10, 60 * MINUTE)),
            (Webhook, Rate::new(60, MINUTE)),
        ]);
        let path = |roles: &[&str]| roles.iter().map(|r| (*r).to_owned()).collect();
        let escalation_paths = BTreeMap::from([
            (
                Category::Compliance,
                path(&["compliance_officer", "risk_manager", "legal"]),
            ),
            (
                Category::Trading,
                path(&["trading_desk", "risk_manager", "compliance_officer"]),
            ),
            (
                Category::System,
                path(&["technical_lead", "system_admin", "management"]),
            ),
            (
                Category::Connectivity,
                path(&["trading_desk", "technical_lead", "system_admin"]),
            ),
            (
                Category::Security,
                path(&["security_team", "system_admin", "management"]),
            ),
            (
                Category::Maintenance,
                path(&["system_admin", "technical_lead", "management"]),
            ),
        ]);
        AlertConfig {
            critical_escalation_ms: 5 * MINUTE,
            high_escalation_ms: 15 * MINUTE,
            medium_escalation_ms: 60 * MINUTE,
            repeat_interval_ms: 30 * MINUTE,
            medium_batch_ms: 15 * MINUTE,
            channels,
            rate_limits,
            inhibit: vec![InhibitRule {
                source: "compliance.incident.".to_owned(),
                target: "order.rejected".to_owned(),
            }],
            escalation_paths,
            history: 500,
            delivery: DeliveryConfig::default(),
            webhook: super::webhook::WebhookConfig::default(),
        }
    }
}

/// Error returned by [`AlertConfig::validate`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("alerts.{field} = {value} is invalid: {fix}")]
pub struct AlertConfigError {
    /// The field.
    pub field: String,
    /// The rejected value.
    pub value: String,
    /// What to set instead.
    pub fix: &'static str,
}

impl AlertConfig {
    /// Unacknowledged time before an alert of `priority` escalates; `None` for LOW.
    pub fn escalation_ms(&self, priority: Priority) -> Option<i64> {
        match priority {
            Priority::Low => None,
            Priority::Medium => Some(self.medium_escalation_ms),
            Priority::High => Some(self.high_escalation_ms),
            Priority::Critical => Some(self.critical_escalation_ms),
        }
    }

    /// Channels for `priority`.
    pub fn channels_for(&self, priority: Priority) -> &[Channel] {
        self.channels.get(&priority).map_or(&[], Vec::as_slice)
    }

    /// Checks that every interval is positive.
    ///
    /// # Errors
    ///
    /// Returns an [`AlertConfigError`] naming the first invalid field.
    pub fn validate(&self) -> Result<(), AlertConfigError> {
        let durations = [
            ("critical_escalation_ms", self.critical_escalation_ms),
            ("high_escalation_ms", self.high_escalation_ms),
            ("medium_escalation_ms", self.medium_escalation_ms),
            ("repeat_interval_ms", self.repeat_interval_ms),
            ("medium_batch_ms", self.medium_batch_ms),
            ("delivery.lease_ms", self.delivery.lease_ms),
            ("delivery.retry_base_ms", self.delivery.retry_base_ms),
            ("delivery.retry_max_ms", self.delivery.retry_max_ms),
        ];
        for (field, value) in durations {
            if value <= 0 {
                return Err(AlertConfigError {
                    field: field.to_owned(),
                    value: value.to_string(),
                    fix: "set a positive number of milliseconds",
                });
            }
        }
        let rates = self
            .rate_limits
            .iter()
            .map(|(channel, rate)| (format!("rate_limits.{}", channel.as_str()), *rate))
            .chain(
                self.delivery
                    .push_limits
                    .iter()
                    .map(|r| ("delivery.push_limits".into(), *r)),
            );
        for (field, rate) in rates {
            if rate.max == 0 || rate.per_ms <= 0 {
                return Err(AlertConfigError {
                    field,
                    value: format!("{} per {} ms", rate.max, rate.per_ms),
                    fix: "set max and per_ms to positive numbers",
                });
            }
        }
        if self.delivery.capacity == 0 {
            return Err(AlertConfigError {
                field: "delivery.capacity".to_owned(),
                value: "0".to_owned(),
                fix: "set a capacity of at least 1",
            });
        }
        if let Err(super::webhook::WebhookError::Invalid { field, value, fix }) =
            self.webhook.validate()
        {
            return Err(AlertConfigError {
                field: format!("webhook.{field}"),
                value: value.to_string(),
                fix,
            });
        }
        Ok(())
    }
}

/// One person or service reachable in a role.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Contact {
    /// Name shown in reports.
    pub name: String,
    /// Email address.
    pub email: Option<String>,
    /// Phone number for SMS, in international form.
    pub sms: Option<String>,
    /// Webhook URL.
    pub webhook: Option<String>,
}

impl Contact {
    /// The contact's address on `channel`, if it has one.
    pub fn address(&self, channel: Channel) -> Option<&str> {
        match channel {
            Channel::Email => self.email.as_deref(),
            Channel::Sms => self.sms.as_deref(),
            Channel::Webhook => self.webhook.as_deref(),
            Channel::Screen | Channel::Push => None,
        }
    }
}

/// The `[contacts]` section: the people in each role, for example
/// `[[contacts.roles.compliance_officer]]` with `name` and `email`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ContactsConfig {
    /// Contacts by role.
    pub roles: BTreeMap<String, Vec<Contact>>,
}

impl ContactsConfig {
    /// The addresses on `channel` of everyone in `role`.
    pub fn addresses(&self, role: &str, channel: Channel) -> Vec<String> {
        self.roles
            .get(role)
            .into_iter()
            .flatten()
            .filter_map(|contact| contact.address(channel))
            .map(str::to_owned)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate() {
        assert_eq!(AlertConfig::default().validate(), Ok(()));
    }

    #[test]
    fn empty_sections_are_defaults() {
        let alerts: AlertConfig = toml::from_str("").expect("empty alerts section");
        assert_eq!(alerts, AlertConfig::default());
        let contacts: ContactsConfig = toml::from_str("").expect("empty contacts section");
        assert!(contacts.roles.is_empty());
    }

    #[test]
    fn contacts_parse_from_toml() {
        let text = r#"
            [[roles.compliance_officer]]
            name = "Ana"
            email = "ana@example.com"
            sms = "+420600000000"
        "#;
        let contacts: ContactsConfig = toml::from_str(text).expect("contacts parse");
        let emails = contacts.addresses("compliance_officer", Channel::Email);
        assert_eq!(emails, ["ana@example.com"]);
        assert!(contacts.addresses("legal", Channel::Email).is_empty());
    }

    #[test]
    fn zero_interval_is_rejected() {
        let config = AlertConfig {
            critical_escalation_ms: 0,
            ..AlertConfig::default()
        };
        let error = config.validate().expect_err("zero interval");
        assert_eq!(error.field, "critical_escalation_ms");
    }

    #[test]
    fn webhook_section_reads_and_validates() {
        let config: AlertConfig =
            toml::from_str("[webhook]\nattempts = 6\nbase_delay_ms = 200\n").expect("parses");
        assert_eq!(config.webhook.attempts, 6);
        assert_eq!(config.webhook.base_delay_ms, 200);
        assert_eq!(
            config.webhook.max_delay_ms, 30_000,
            "unset fields keep defaults"
        );
        let zero: AlertConfig = toml::from_str("[webhook]\nattempts = 0\n").expect("parses");
        let error = zero.validate().expect_err("zero attempts");
        assert_eq!(error.field, "webhook.attempts");
    }
}
