//! The alert record and its enums.

use crate::account::TimeMs;
use serde::{Deserialize, Serialize};

/// How urgent an alert is, from least to most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(i32)]
pub enum Priority {
    /// Logged only.
    Low = 0,
    /// Batched into a digest; escalates after 1 hour unacknowledged.
    Medium = 1,
    /// Sent at once; escalates after 15 minutes unacknowledged.
    High = 2,
    /// Sent at once and never dropped; escalates after 5 minutes unacknowledged.
    Critical = 3,
}

impl Priority {
    /// Every priority, from least to most urgent.
    pub const ALL: [Priority; 4] = [
        Priority::Low,
        Priority::Medium,
        Priority::High,
        Priority::Critical,
    ];

    /// Upper-case name, as alert texts show it.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "LOW",
            Priority::Medium => "MEDIUM",
            Priority::High => "HIGH",
            Priority::Critical => "CRITICAL",
        }
    }

    /// The priority with the C ABI number `value`.
    pub fn from_i32(value: i32) -> Option<Priority> {
        Priority::ALL.into_iter().find(|p| *p as i32 == value)
    }
}

/// What an alert is about; each category has its own escalation path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(i32)]
pub enum Category {
    /// A prop-firm rule: breach, warning, halt.
    Compliance = 0,
    /// Trading: rejected orders, execution failures, interruptions.
    Trading = 1,
    /// The machine and the library: health checks, persistence, panics.
    System = 2,
    /// The connection to the trade server.
    Connectivity = 3,
    /// Security: unexpected access, tampered files.
    Security = 4,
    /// Maintenance routines and backups.
    Maintenance = 5,
}

impl Category {
    /// Every category.
    pub const ALL: [Category; 6] = [
        Category::Compliance,
        Category::Trading,
        Category::System,
        Category::Connectivity,
        Category::Security,
        Category::Maintenance,
    ];

    /// Snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Compliance => "compliance",
            Category::Trading => "trading",
            Category::System => "system",
            Category::Connectivity => "connectivity",
            Category::Security => "security",
            Category::Maintenance => "maintenance",
        }
    }

    /// The category with the C ABI number `value`.
    pub fn from_i32(value: i32) -> Option<Category> {
        Category::ALL.into_iter().find(|c| *c as i32 == value)
    }
}

/// A way to reach people. Inside MT5 the EA delivers each one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(i32)]
pub enum Channel {
    /// The terminal's `Alert` box for the operator at the screen.
    Screen = 0,
    /// MT5 push notification (`SendNotification`), at most 2 a second and 10 a minute.
    Push = 1,
    /// Email (`SendMail`, or a mail API through `WebRequest`).
    Email = 2,
    /// SMS through a gateway reached with `WebRequest`.
    Sms = 3,
    /// An HTTP POST of the alert as JSON (`WebRequest`, or the Rust host's own delivery).
    Webhook = 4,
}

impl Channel {
    /// Every channel.
    pub const ALL: [Channel; 5] = [
        Channel::Screen,
        Channel::Push,
        Channel::Email,
        Channel::Sms,
        Channel::Webhook,
    ];

    /// Snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Screen => "screen",
            Channel::Push => "push",
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Webhook => "webhook",
        }
    }

    /// Whether items on this channel go to addresses of contacts (email, SMS, webhook) rather
    /// than to the terminal itself (screen, push).
    pub fn has_recipients(self) -> bool {
        matches!(self, Channel::Email | Channel::Sms | Channel::Webhook)
    }
}

/// Where an alert is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(i32)]
pub enum AlertStatus {
    /// Raised and nobody has acknowledged it: it escalates.
    Open = 0,
    /// Someone acknowledged it: it no longer escalates.
    Acknowledged = 1,
    /// Closed.
    Resolved = 2,
}

/// What the caller supplies to raise an alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertSpec {
    /// Deduplication key: one live alert per key, for example `compliance.daily_loss`.
    pub key: String,
    /// How urgent it is.
    pub priority: Priority,
    /// What it is about.
    pub category: Category,
    /// One line for the notification.
    pub message: String,
    /// Details: values, times, rule names.
    pub details: String,
    /// What the person notified should do.
    pub action: String,
}

/// One alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Identifier, unique within this account, never reused.
    pub id: u64,
    /// Deduplication key.
    pub key: String,
    /// How urgent it is.
    pub priority: Priority,
    /// What it is about.
    pub category: Category,
    /// One line for the notification.
    pub message: String,
    /// Details.
    pub details: String,
    /// Recommended action.
    pub action: String,
    /// Roles notified in turn as the alert escalates, from the category's path.
    pub escalation_path: Vec<String>,
    /// Time it was raised.
    pub raised_ms: TimeMs,
    /// Time of the latest occurrence.
    pub last_seen_ms: TimeMs,
    /// Occurrences, counting the first.
    pub occurrences: u32,
    /// Where it is in its life.
    pub status: AlertStatus,
    /// Index in `escalation_path` of the last role notified.
    pub level: u32,
    /// Time of each escalation, one per level reached past the first.
    pub escalations_ms: Vec<TimeMs>,
    /// Time the next escalation is due, while open.
    pub escalate_at_ms: Option<TimeMs>,
    /// Time of the last notification sent for it.
    pub notified_ms: Option<TimeMs>,
    /// Time a deferred notification is due (re-notification waits for the repeat interval).
    pub notify_at_ms: Option<TimeMs>,
    /// Who acknowledged it and when.
    pub acknowledged: Option<(String, TimeMs)>,
    /// When it was resolved.
    pub resolved_ms: Option<TimeMs>,
}

/// What a notification says about its alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// First notification of the alert.
    Raised,
    /// The alert occurred again after the repeat interval.
    Repeated,
    /// Nobody acknowledged it, so the next role in the path is notified.
    Escalated,
    /// It was resolved.
    Resolved,
}

impl NoticeKind {
    /// Snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Raised => "raised",
            NoticeKind::Repeated => "repeated",
            NoticeKind::Escalated => "escalated",
            NoticeKind::Resolved => "resolved",
        }
    }
}

/// One decision to notify, before it is split into outbox items per channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    /// The alert.
    pub alert_id: u64,
    /// Its key.
    pub key: String,
    /// Its priority when notified.
    pub priority: Priority,
    /// Why it is notified.
    pub kind: NoticeKind,
    /// Escalation level: the index of the role notified.
    pub level: u32,
    /// The role notified, if the path has one.
    pub role: Option<String>,
    /// Time of the decision.
    pub time_ms: TimeMs,
}
