//! The outbox: notifications waiting for the EA (or a Rust host) to deliver them.
//!
//! The EA polls one item at a time, delivers it with `Alert`, `SendNotification`, `SendMail` or
//! `WebRequest`, and acknowledges it with the result. A polled item is leased: it is not offered
//! again until the lease runs out, so an EA that dies mid-delivery does not lose it. Pushes are
//! paced to MT5's limits, so a push past them waits instead of being dropped by the terminal.

use super::config::{DeliveryConfig, Rate};
use super::types::{Channel, Priority};
use crate::account::TimeMs;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// One notification for one channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxItem {
    /// Identifier the EA acknowledges with.
    pub id: u64,
    /// The alert, or 0 for a digest of several alerts.
    pub alert_id: u64,
    /// Priority of the alert (the highest one in a digest).
    pub priority: Priority,
    /// How to deliver it.
    pub channel: Channel,
    /// Addresses for email, SMS and webhook; empty for the screen and push, and for email when
    /// the terminal's own mail settings should be used.
    pub recipients: Vec<String>,
    /// Subject line (email) or title.
    pub subject: String,
    /// The text.
    pub text: String,
    /// Time it was queued.
    pub created_ms: TimeMs,
    /// Delivery attempts that failed so far.
    pub attempts: u32,
    /// Earliest time it may be offered.
    pub not_before_ms: TimeMs,
    /// While polled and not yet acknowledged: the time the lease runs out.
    pub leased_until_ms: Option<TimeMs>,
}

/// Result of [`Outbox::acknowledge`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AckOutcome {
    /// Delivered and removed.
    Delivered,
    /// Failed; offered again at the given time.
    RetryAt(TimeMs),
    /// Failed too often and given up (never for CRITICAL items).
    GivenUp,
    /// No item has that id (already acknowledged, or given up).
    UnknownItem,
}

/// Counters for reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxStats {
    /// Items delivered.
    pub delivered: u64,
    /// Failed attempts.
    pub failed_attempts: u64,
    /// Items given up after too many failures or because the outbox was full.
    pub given_up: u64,
}

/// Notifications waiting for delivery. Serde, so undelivered items survive a restart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outbox {
    items: VecDeque<OutboxItem>,
    next_id: u64,
    /// Times pushes were handed out, newest last, for MT5's push limits.
    push_times: VecDeque<TimeMs>,
    stats: OutboxStats,
}

impl Default for Outbox {
    fn default() -> Self {
        Outbox {
            items: VecDeque::new(),
            next_id: 1,
            push_times: VecDeque::new(),
            stats: OutboxStats::default(),
        }
    }
}

/// The fields of a new item, before the outbox gives it an id.
#[derive(Debug, Clone, PartialEq)]
pub struct NewItem {
    /// The alert, or 0 for a digest.
    pub alert_id: u64,
    /// Priority.
    pub priority: Priority,
    /// Channel.
    pub channel: Channel,
    /// Recipients.
    pub recipients: Vec<String>,
    /// Subject.
    pub subject: String,
    /// Text.
    pub text: String,
}

impl Outbox {
    /// Queues an item and returns its id. When the outbox is full, the oldest non-CRITICAL item
    /// is given up to make room; CRITICAL items are never given up.
    pub fn push(&mut self, config: &DeliveryConfig, item: NewItem, now_ms: TimeMs) -> u64 {
        if self.items.len() >= config.capacity {
            let victim = self
                .items
                .iter()
                .position(|queued| queued.priority < Priority::Critical);
            if let Some(index) = victim {
                self.items.remove(index);
                self.stats.given_up += 1;
            }
        }
        let id = self.next_id;
        self.next_id += 1;
        self.items.push_back(OutboxItem {
            id,
            alert_id: item.alert_id,
            priority: item.priority,
            channel: item.channel,
            recipients: item.recipients,
            subject: item.subject,
            text: item.text,
            created_ms: now_ms,
            attempts: 0,
            not_before_ms: now_ms,
            leased_until_ms: None,
        });
        id
    }

    /// Hands out the most urgent item that may be delivered at `now_ms`, on any channel in
    /// `channels`, and leases it. Pushes past MT5's limits wait.
    pub fn poll(
        &mut self,
        config: &DeliveryConfig,
        channels: &[Channel],
        now_ms: TimeMs,
    ) -> Option<OutboxItem> {
        let push_allowed = self.push_allowed(&config.push_limits, now_ms);
        let index = self
            .items
            .iter()
            .enumerate()
            .filter(|(_, item)| channels.contains(&item.channel))
            .filter(|(_, item)| is_due(item, config, now_ms))
            .filter(|(_, item)| item.channel != Channel::Push || push_allowed)
            // The most urgent first, then the oldest.
            .max_by_key(|(i, item)| (item.priority, std::cmp::Reverse(*i)))
            .map(|(i, _)| i)?;
        let item = &mut self.items[index];
        item.leased_until_ms = Some(now_ms + config.lease_ms);
        if item.channel == Channel::Push {
            self.push_times.push_back(now_ms);
        }
        Some(item.clone())
    }

    fn push_allowed(&mut self, limits: &[Rate], now_ms: TimeMs) -> bool {
        // A push handed out after `now_ms` came from a clock that ran ahead and has since been
        // set back. Left in, it would count as recent until the clock caught up with it.
        self.push_times.retain(|time| *time <= now_ms);
        let longest = limits.iter().map(|rate| rate.per_ms).max().unwrap_or(0);
        while self
            .push_times
            .front()
            .is_some_and(|time| *time <= now_ms - longest)
        {
            self.push_times.pop_front();
        }
        limits.iter().all(|rate| {
            let recent = self
                .push_times
                .iter()
                .filter(|time| **time > now_ms - rate.per_ms)
                .count();
            recent < rate.max as usize
        })
    }

    /// Records the result of delivering item `id`.
    pub fn acknowledge(
        &mut self,
        config: &DeliveryConfig,
        id: u64,
        delivered: bool,
        now_ms: TimeMs,
    ) -> AckOutcome {
        let Some(index) = self.items.iter().position(|item| item.id == id) else {
            return AckOutcome::UnknownItem;
        };
        if delivered {
            self.items.remove(index);
            self.stats.delivered += 1;
            return AckOutcome::Delivered;
        }
        self.stats.failed_attempts += 1;
        let item = &mut self.items[index];
        item.attempts += 1;
        item.leased_until_ms = None;
        if item.attempts >= config.max_attempts && item.priority < Priority::Critical {
            self.items.remove(index);
            self.stats.given_up += 1;
            return AckOutcome::GivenUp;
        }
        let shift = item.attempts.saturating_sub(1).min(30);
        let delay = config
            .retry_base_ms
            .saturating_mul(1i64 << shift)
            .min(config.retry_max_ms);
        item.not_before_ms = now_ms + delay;
        AckOutcome::RetryAt(item.not_before_ms)
    }

    /// Items waiting, in queue order.
    pub fn items(&self) -> impl Iterator<Item = &OutboxItem> {
        self.items.iter()
    }

    /// Number of items waiting.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether no item waits.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Delivery counters.
    pub fn stats(&self) -> OutboxStats {
        self.stats
    }
}

/// Whether `item` may be offered at `now_ms`: its retry time has come and it is not leased.
///
/// A lease ending more than `lease_ms` after `now_ms`, or a retry time more than `retry_max_ms`
/// after it, was set at a time ahead of `now_ms`. That happens when a clock ran ahead and was
/// set back, or when the caller passed a wrong time. Honouring it would hide the item until the
/// clock catches up, so the item counts as due instead.
fn is_due(item: &OutboxItem, config: &DeliveryConfig, now_ms: TimeMs) -> bool {
    let retry_due = item.not_before_ms <= now_ms
        || item.not_before_ms.saturating_sub(now_ms) > config.retry_max_ms.max(0);
    let lease_over = item.leased_until_ms.is_none_or(|until| {
        until <= now_ms || until.saturating_sub(now_ms) > config.lease_ms.max(0)
    });
    retry_due && lease_over
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(channel: Channel, priority: Priority) -> NewItem {
        NewItem {
            alert_id: 1,
            priority,
            channel,
            recipients: vec![],
            subject: "s".into(),
            text: "t".into(),
        }
    }

    #[test]
    fn push_is_paced_to_mt5_limits() {
        let config = DeliveryConfig::default();
        let mut outbox = Outbox::default();
        for _ in 0..30 {
            outbox.push(&config, item(Channel::Push, Priority::Critical), 0);
        }
        let mut sent = Vec::new();
        // Poll every 100 ms for two minutes, delivering each item at once.
        for step in 0..1_200 {
            let now = step * 100;
            while let Some(polled) = outbox.poll(&config, &Channel::ALL, now) {
                outbox.acknowledge(&config, polled.id, true, now);
                sent.push(now);
            }
        }
        assert_eq!(sent.len(), 20, "10 a minute over two minutes");
        for window in sent.windows(3) {
            assert!(
                window[2] - window[0] >= 1_000,
                "at most 2 a second: {window:?}"
            );
        }
        for window in sent.windows(11) {
            assert!(window[10] - window[0] >= 60_000, "at most 10 a minute");
        }
        assert_eq!(outbox.len(), 10, "the rest wait, none dropped");
    }

    #[test]
    fn lease_hides_item_until_it_expires() {
        let config = DeliveryConfig::default();
        let mut outbox = Outbox::default();
        outbox.push(&config, item(Channel::Email, Priority::High), 0);
        let first = outbox.poll(&config, &Channel::ALL, 0).expect("item");
        assert_eq!(outbox.poll(&config, &Channel::ALL, 1), None);
        let again = outbox
            .poll(&config, &Channel::ALL, config.lease_ms)
            .expect("offered again after the lease");
        assert_eq!(again.id, first.id);
    }

    #[test]
    fn failure_backs_off_and_critical_never_given_up() {
        let config = DeliveryConfig::default();
        let mut outbox = Outbox::default();
        let critical = outbox.push(&config, item(Channel::Sms, Priority::Critical), 0);
        let high = outbox.push(&config, item(Channel::Sms, Priority::High), 0);
        let mut now = 0;
        for attempt in 1..=config.max_attempts {
            let a = outbox.acknowledge(&config, critical, false, now);
            let b = outbox.acknowledge(&config, high, false, now);
            assert!(
                matches!(a, AckOutcome::RetryAt(_)),
                "attempt {attempt}: {a:?}"
            );
            if attempt < config.max_attempts {
                let AckOutcome::RetryAt(at) = b else {
                    panic!("attempt {attempt}: {b:?}")
                };
                assert!(at > now);
            } else {
                assert_eq!(b, AckOutcome::GivenUp);
            }
            now += 1_000;
        }
        assert_eq!(outbox.len(), 1);
        assert_eq!(outbox.stats().given_up, 1);
    }

    #[test]
    fn most_urgent_item_first() {
        let config = DeliveryConfig::default();
        let mut outbox = Outbox::default();
        outbox.push(&config, item(Channel::Email, Priority::Medium), 0);
        let critical = outbox.push(&config, item(Channel::Email, Priority::Critical), 0);
        let polled = outbox.poll(&config, &Channel::ALL, 0).expect("item");
        assert_eq!(polled.id, critical);
    }

    #[test]
    fn full_outbox_keeps_critical() {
        let config = DeliveryConfig {
            capacity: 2,
            ..DeliveryConfig::default()
        };
        let mut outbox = Outbox::default();
        outbox.push(&config, item(Channel::Email, Priority::Critical), 0);
        outbox.push(&config, item(Channel::Email, Priority::Low), 0);
        outbox.push(&config, item(Channel::Email, Priority::Critical), 0);
        assert!(outbox.items().all(|i| i.priority == Priority::Critical));
    }
}
