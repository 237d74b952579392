//! Alerts in the shape of Alertmanager's webhook payload (version 4), so the
//! receivers a desk already runs for Alertmanager (chat bridges, paging tools)
//! accept mikrobot's webhooks unchanged.

use crate::account::TimeMs;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Alertmanager's `endsAt` for an alert that has not ended.
const NOT_ENDED: &str = "0001-01-01T00:00:00Z";

/// One alert as the webhook describes it, before it is put in Alertmanager's shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookAlert {
    /// The alert's id.
    pub id: String,
    /// When it was raised (UTC ms).
    pub time_ms: TimeMs,
    /// When it was resolved (UTC ms), if it was.
    pub resolved_ms: Option<TimeMs>,
    /// `critical`, `high`, `medium` or `low`.
    pub priority: String,
    /// The category, such as `compliance` or `system`.
    pub category: String,
    /// One-line message.
    pub message: String,
    /// Details.
    pub details: String,
    /// Recommended action.
    pub action: String,
    /// The escalation path, first contact first.
    pub escalation: Vec<String>,
    /// The account label.
    pub account: String,
}

/// One entry of the payload's `alerts` array.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertmanagerAlert {
    /// `firing` or `resolved`.
    pub status: String,
    /// `alertname` (the category), `severity` (the priority), `account`, `alert_id`.
    pub labels: BTreeMap<String, String>,
    /// `summary` (the message), `description` (the details), `action`, `escalation`.
    pub annotations: BTreeMap<String, String>,
    /// RFC 3339 time the alert was raised.
    pub starts_at: String,
    /// RFC 3339 time it was resolved, or `0001-01-01T00:00:00Z` while it fires.
    pub ends_at: String,
    /// Empty: there is no expression browser behind these alerts.
    #[serde(rename = "generatorURL")]
    pub generator_url: String,
    /// First 16 hex digits of the SHA-256 of the sorted labels.
    pub fingerprint: String,
}

/// The webhook body, Alertmanager's version 4 shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertmanagerPayload {
    /// Always `4`.
    pub version: String,
    /// Identifies the group: the common labels, rendered.
    pub group_key: String,
    /// Alerts left out of `alerts`; always 0.
    pub truncated_alerts: u32,
    /// `firing` when any alert fires, otherwise `resolved`.
    pub status: String,
    /// Always `mikrobot`.
    pub receiver: String,
    /// Labels the alerts were grouped by: `account`.
    pub group_labels: BTreeMap<String, String>,
    /// Labels every alert shares.
    pub common_labels: BTreeMap<String, String>,
    /// Annotations every alert shares.
    pub common_annotations: BTreeMap<String, String>,
    /// Empty: no Alertmanager web page exists for these alerts.
    #[serde(rename = "externalURL")]
    pub external_url: String,
    /// The alerts.
    pub alerts: Vec<AlertmanagerAlert>,
}

impl AlertmanagerAlert {
    /// Converts one alert.
    pub fn from_alert(alert: &WebhookAlert) -> Self {
        let labels = BTreeMap::from([
            ("alertname".to_owned(), alert.category.clone()),
            ("severity".to_owned(), alert.priority.clone()),
            ("account".to_owned(), alert.account.clone()),
            ("alert_id".to_owned(), alert.id.clone()),
        ]);
        let annotations = BTreeMap::from([
            ("summary".to_owned(), alert.message.clone()),
            ("description".to_owned(), alert.details.clone()),
            ("action".to_owned(), alert.action.clone()),
            ("escalation".to_owned(), alert.escalation.join(" > ")),
        ]);
        let mut digest = Sha256::new();
        for (name, value) in &labels {
            digest.update(name.as_bytes());
            digest.update([0xff]);
            digest.update(value.as_bytes());
            digest.update([0xff]);
        }
        AlertmanagerAlert {
            status: if alert.resolved_ms.is_some() {
                "resolved"
            } else {
                "firing"
            }
            .to_owned(),
            labels,
            annotations,
            starts_at: crate::time::rfc3339(alert.time_ms),
            ends_at: alert
                .resolved_ms
                .map_or_else(|| NOT_ENDED.to_owned(), crate::time::rfc3339),
            generator_url: String::new(),
            fingerprint: hex::encode(&digest.finalize()[..8]),
        }
    }
}

impl AlertmanagerPayload {
    /// Groups `alerts` into one payload.
    pub fn from_alerts(alerts: &[WebhookAlert]) -> Self {
        let alerts: Vec<AlertmanagerAlert> =
            alerts.iter().map(AlertmanagerAlert::from_alert).collect();
        let common_labels = common(alerts.iter().map(|alert| &alert.labels));
        let common_annotations = common(alerts.iter().map(|alert| &alert.annotations));
        let group_labels: BTreeMap<String, String> = common_labels
            .iter()
            .filter(|(name, _)| *name == "account")
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        let group_key = format!(
            "{{}}:{{{}}}",
            group_labels
                .iter()
                .map(|(name, value)| format!("{name}={value:?}"))
                .collect::<Vec<_>>()
                .join(",")
        );
        let firing = alerts.iter().any(|alert| alert.status == "firing");
        AlertmanagerPayload {
            version: "4".to_owned(),
            group_key,
            truncated_alerts: 0,
            status: if firing { "firing" } else { "resolved" }.to_owned(),
            receiver: "mikrobot".to_owned(),
            group_labels,
            common_labels,
            common_annotations,
            external_url: String::new(),
            alerts,
        }
    }

    /// A payload with one firing alert, for the documentation.
    pub fn example() -> Self {
        Self::from_alerts(&[WebhookAlert {
            id: "a-20250506-0001".to_owned(),
            time_ms: 1_746_535_856_000,
            resolved_ms: None,
            priority: "critical".to_owned(),
            category: "compliance".to_owned(),
            message: "daily loss limit breached: equity 94,870.00 below floor 95,000.00".to_owned(),
            details: "rule daily_loss, anchor 100,000.00 at 2025-05-05T22:00:00Z".to_owned(),
            action: "trading is halted; review the open positions and the day's deals".to_owned(),
            escalation: vec!["compliance officer".to_owned(), "risk manager".to_owned()],
            account: "5001234".to_owned(),
        }])
    }
}

/// The entries every map has with the same value.
fn common<'a>(
    mut maps: impl Iterator<Item = &'a BTreeMap<String, String>>,
) -> BTreeMap<String, String> {
    let Some(first) = maps.next() else {
        return BTreeMap::new();
    };
    let mut shared = first.clone();
    for map in maps {
        shared.retain(|name, value| map.get(name) == Some(value));
    }
    shared
}

/// The fields of the payload, one line each, for `mikrobot alerts webhook-format`.
pub const FIELDS: &[(&str, &str)] = &[
    ("version", "always \"4\", Alertmanager's webhook version"),
    (
        "groupKey",
        "the group's labels, rendered as Alertmanager does",
    ),
    ("truncatedAlerts", "alerts left out of the array; always 0"),
    (
        "status",
        "\"firing\" while any alert fires, otherwise \"resolved\"",
    ),
    ("receiver", "always \"mikrobot\""),
    ("groupLabels", "the labels alerts are grouped by: account"),
    ("commonLabels", "labels every alert in the payload shares"),
    (
        "commonAnnotations",
        "annotations every alert in the payload shares",
    ),
    (
        "externalURL",
        "empty; no Alertmanager page exists for these alerts",
    ),
    ("alerts", "the alerts, each with the fields below"),
    ("alerts[].status", "\"firing\" or \"resolved\""),
    (
        "alerts[].labels.alertname",
        "the alert's category, such as compliance or system",
    ),
    ("alerts[].labels.severity", "critical, high, medium or low"),
    ("alerts[].labels.account", "the account the alert is about"),
    (
        "alerts[].labels.alert_id",
        "the alert's id, stable across re-notifications",
    ),
    ("alerts[].annotations.summary", "the one-line message"),
    ("alerts[].annotations.description", "the details"),
    ("alerts[].annotations.action", "the recommended action"),
    (
        "alerts[].annotations.escalation",
        "the escalation path, contacts joined by \" > \"",
    ),
    ("alerts[].startsAt", "RFC 3339 time the alert was raised"),
    (
        "alerts[].endsAt",
        "RFC 3339 time it was resolved, 0001-01-01T00:00:00Z while it fires",
    ),
    ("alerts[].generatorURL", "empty"),
    (
        "alerts[].fingerprint",
        "first 16 hex digits of the SHA-256 of the sorted labels",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_has_alertmanager_keys() {
        let value = serde_json::to_value(AlertmanagerPayload::example()).unwrap();
        for key in [
            "version",
            "groupKey",
            "truncatedAlerts",
            "status",
            "receiver",
            "groupLabels",
            "commonLabels",
            "commonAnnotations",
            "externalURL",
            "alerts",
        ] {
            assert!(value.get(key).is_some(), "{key} missing");
        }
        let alert = &value["alerts"][0];
        for key in [
            "status",
            "labels",
            "annotations",
            "startsAt",
            "endsAt",
            "generatorURL",
            "fingerprint",
        ] {
            assert!(alert.get(key).is_some(), "alerts[].{key} missing");
        }
        assert_eq!(alert["startsAt"], "2025-05-06T12:50:56Z");
        assert_eq!(alert["endsAt"], NOT_ENDED);
        assert_eq!(value["groupKey"], "{}:{account=\"5001234\"}");
    }

    #[test]
    fn resolved_alerts_make_resolved_payload() {
        let mut alert = AlertmanagerPayload::example().alerts[0].clone();
        alert.status = "resolved".to_owned();
        let mut source = WebhookAlert {
            id: "x".into(),
            time_ms: 0,
            resolved_ms: Some(60_000),
            priority: "low".into(),
            category: "system".into(),
            message: String::new(),
            details: String::new(),
            action: String::new(),
            escalation: Vec::new(),
            account: "1".into(),
        };
        let payload = AlertmanagerPayload::from_alerts(std::slice::from_ref(&source));
        assert_eq!(payload.status, "resolved");
        assert_eq!(payload.alerts[0].ends_at, "1970-01-01T00:01:00Z");
        source.resolved_ms = None;
        let fired = AlertmanagerPayload::from_alerts(&[source]);
        assert_eq!(fired.alerts[0].fingerprint, payload.alerts[0].fingerprint);
    }

    #[test]
    fn every_field_is_documented() {
        let value = serde_json::to_value(AlertmanagerPayload::example()).unwrap();
        let documented: Vec<&str> = FIELDS.iter().map(|(name, _)| *name).collect();
        for key in value.as_object().unwrap().keys() {
            assert!(documented.contains(&key.as_str()), "{key} undocumented");
        }
        for key in value["alerts"][0].as_object().unwrap().keys() {
            let prefix = format!("alerts[].{key}");
            assert!(
                documented.iter().any(|name| name.starts_with(&prefix)),
                "{prefix} undocumented"
            );
        }
    }
}
