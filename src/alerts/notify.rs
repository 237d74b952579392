//! Turning notices into outbox items: channels per priority, recipients per role, the rate limit
//! per channel, and the MEDIUM digest.

use super::config::{AlertConfig, ContactsConfig};
use super::outbox::{NewItem, Outbox};
use super::types::{Alert, Channel, Notice, NoticeKind, Priority};
use crate::account::TimeMs;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};

/// MT5's `SendNotification` rejects texts longer than 255 characters.
const PUSH_TEXT_MAX: usize = 255;

/// One MEDIUM notice waiting for the digest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchLine {
    /// The alert.
    pub alert_id: u64,
    /// Its priority.
    pub priority: Priority,
    /// Recipients per channel.
    pub recipients: BTreeMap<Channel, Vec<String>>,
    /// The line in the digest.
    pub line: String,
}

/// Rate limits, the MEDIUM batch and the outbox.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Dispatcher {
    /// Times of recent items per channel, for the rate limit.
    pub sent: BTreeMap<Channel, VecDeque<TimeMs>>,
    /// Items held back by the rate limit per channel, in total.
    pub held_back: BTreeMap<Channel, u64>,
    /// Items held back per channel since the last item that went through.
    pub held_since_last: BTreeMap<Channel, u64>,
    /// Items skipped because the role has no address on a channel that needs one.
    pub unaddressed: u64,
    /// MEDIUM notices waiting for the digest.
    pub batch: Vec<BatchLine>,
    /// When the digest is due.
    pub batch_due_ms: Option<TimeMs>,
    /// Items waiting for delivery.
    pub outbox: Outbox,
}

/// The JSON body of a webhook item.
#[derive(Debug, Serialize)]
struct WebhookBody<'a> {
    alert_id: u64,
    key: &'a str,
    priority: &'a str,
    category: &'a str,
    kind: &'a str,
    level: u32,
    role: Option<&'a str>,
    message: &'a str,
    details: &'a str,
    action: &'a str,
    time: String,
}

impl Dispatcher {
    /// Items held back by the rate limit on `channel` in total.
    pub fn held_back(&self, channel: Channel) -> u64 {
        self.held_back.get(&channel).copied().unwrap_or(0)
    }

    /// Queues the items for one notice, or adds it to the MEDIUM digest.
    pub fn dispatch(
        &mut self,
        config: &AlertConfig,
        contacts: &ContactsConfig,
        alert: &Alert,
        notice: &Notice,
    ) {
        let channels = config.channels_for(notice.priority);
        if channels.is_empty() {
            return;
        }
        let roles: Vec<&str> = match notice.kind {
            // A resolve goes to everyone who was told about the alert.
            NoticeKind::Resolved => alert
                .escalation_path
                .iter()
                .take(alert.level as usize + 1)
                .map(String::as_str)
                .collect(),
            _ => notice.role.as_deref().into_iter().collect(),
        };
        let recipients: BTreeMap<Channel, Vec<String>> = channels
            .iter()
            .map(|&channel| {
                let addresses = roles
                    .iter()
                    .flat_map(|role| contacts.addresses(role, channel))
                    .collect();
                (channel, addresses)
            })
            .collect();
        if notice.priority == Priority::Medium {
            self.batch.push(BatchLine {
                alert_id: alert.id,
                priority: notice.priority,
                recipients,
                line: format!(
                    "{} {}: {}",
                    kind_label(notice.kind),
                    alert.key,
                    alert.message
                ),
            });
            self.batch_due_ms
                .get_or_insert(notice.time_ms + config.medium_batch_ms);
            return;
        }
        let subject = format!(
            "[{}] {}{}",
            notice.priority.as_str(),
            kind_prefix(notice.kind),
            alert.message
        );
        for (channel, recipients) in recipients {
            let text = render(channel, alert, notice);
            let item = NewItem {
                alert_id: alert.id,
                priority: notice.priority,
                channel,
                recipients,
                subject: subject.clone(),
                text,
            };
            self.send(config, item, notice.time_ms);
        }
    }

    /// Sends the MEDIUM digest when it is due, or now when `force` is set.
    pub fn flush_batch(&mut self, config: &AlertConfig, now_ms: TimeMs, force: bool) {
        let due = self.batch_due_ms.is_some_and(|due| due <= now_ms);
        if self.batch.is_empty() || !(due || force) {
            return;
        }
        let batch = std::mem::take(&mut self.batch);
        self.batch_due_ms = None;
        let channels: Vec<Channel> = config.channels_for(Priority::Medium).to_vec();
        for channel in channels {
            let lines: Vec<&BatchLine> = batch
                .iter()
                .filter(|line| line.recipients.contains_key(&channel))
                .collect();
            if lines.is_empty() {
                continue;
            }
            let mut recipients: Vec<String> = lines
                .iter()
                .flat_map(|line| line.recipients[&channel].iter().cloned())
                .collect();
            recipients.sort();
            recipients.dedup();
            let priority = lines.iter().map(|line| line.priority).max();
            let text: Vec<&str> = lines.iter().map(|line| line.line.as_str()).collect();
            let item = NewItem {
                alert_id: 0,
                priority: priority.unwrap_or(Priority::Medium),
                channel,
                recipients,
                subject: format!("[MEDIUM] {} alerts", lines.len()),
                text: text.join("\n"),
            };
            self.send(config, item, now_ms);
        }
    }

    /// Applies the channel's rate limit and queues the item. A CRITICAL item always passes.
    fn send(&mut self, config: &AlertConfig, mut item: NewItem, now_ms: TimeMs) {
        let channel = item.channel;
        if channel.has_recipients() && channel != Channel::Email && item.recipients.is_empty() {
            // Email without recipients uses the terminal's own mail settings; SMS and webhooks
            // need an address.
            self.unaddressed += 1;
            return;
        }
        let sent = self.sent.entry(channel).or_default();
        if let Some(rate) = config.rate_limits.get(&channel) {
            while sent
                .front()
                .is_some_and(|time| *time <= now_ms - rate.per_ms)
            {
                sent.pop_front();
            }
            if sent.len() >= rate.max as usize && item.priority < Priority::Critical {
                *self.held_back.entry(channel).or_default() += 1;
                *self.held_since_last.entry(channel).or_default() += 1;
                log::warn!(
                    "rate limit on {} held back a {} notification",
                    channel.as_str(),
                    item.priority.as_str()
                );
                return;
            }
        }
        sent.push_back(now_ms);
        let held = self.held_since_last.remove(&channel).unwrap_or(0);
        if held > 0 && channel != Channel::Webhook {
            item.text = format!(
                "({held} earlier notifications held back by the rate limit)\n{}",
                item.text
            );
        }
        if channel == Channel::Push {
            item.text = truncate_chars(&item.text, PUSH_TEXT_MAX);
        }
        self.outbox.push(&config.delivery, item, now_ms);
    }
}

fn kind_label(kind: NoticeKind) -> &'static str {
    match kind {
        NoticeKind::Raised => "RAISED",
        NoticeKind::Repeated => "AGAIN",
        NoticeKind::Escalated => "ESCALATED",
        NoticeKind::Resolved => "RESOLVED",
    }
}

fn kind_prefix(kind: NoticeKind) -> &'static str {
    match kind {
        NoticeKind::Raised => "",
        NoticeKind::Repeated => "Again: ",
        NoticeKind::Escalated => "Escalated: ",
        NoticeKind::Resolved => "Resolved: ",
    }
}

fn render(channel: Channel, alert: &Alert, notice: &Notice) -> String {
    let time = crate::time::rfc3339(notice.time_ms);
    match channel {
        Channel::Webhook => {
            let body = WebhookBody {
                alert_id: alert.id,
                key: &alert.key,
                priority: notice.priority.as_str(),
                category: alert.category.as_str(),
                kind: notice.kind.as_str(),
                level: notice.level,
                role: notice.role.as_deref(),
                message: &alert.message,
                details: &alert.details,
                action: &alert.action,
                time,
            };
            serde_json::to_string(&body).unwrap_or_default()
        }
        Channel::Screen | Channel::Push => format!(
            "{} {}{} Action: {}",
            notice.priority.as_str(),
            kind_prefix(notice.kind),
            alert.message,
            alert.action
        ),
        Channel::Email | Channel::Sms => format!(
            "{}{}\n{}\nAction: {}\nAlert {} ({}), level {}{}, {}",
            kind_prefix(notice.kind),
            alert.message,
            alert.details,
            alert.action,
            alert.id,
            alert.key,
            notice.level,
            notice
                .role
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default(),
            time
        ),
    }
}

fn truncate_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => text[..end].to_owned(),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_keeps_short_text() {
        assert_eq!(truncate_chars("abc", 5), "abc");
        assert_eq!(truncate_chars("abcdef", 3), "abc");
        assert_eq!(truncate_chars("ééé", 2), "éé");
    }
}
