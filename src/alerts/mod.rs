//! Alerts: priorities, deduplication, acknowledgement, escalation, batching, rate limits,
//! inhibition, and the outbox that the EA polls.
//!
//! [`AlertEngine`] decides what to send and when, from the event times it is given: CRITICAL
//! and HIGH notifications go out at once, MEDIUM ones wait for a digest, LOW ones are logged
//! only. An alert nobody acknowledges escalates to the next role of its category's path. The
//! whole state is serde ([`AlertState`]), so a restart neither pages twice nor forgets a timer.
//!
//! ```
//! use mikrobot::alerts::{AlertConfig, AlertEngine, AlertSpec, Category, Channel, ContactsConfig, Priority};
//!
//! let mut engine = AlertEngine::new(AlertConfig::default(), ContactsConfig::default());
//! let spec = AlertSpec {
//!     key: "compliance.daily_loss".into(),
//!     priority: Priority::Critical,
//!     category: Category::Compliance,
//!     message: "daily loss limit breached".into(),
//!     details: "equity 94 900 below floor 95 000".into(),
//!     action: "check that every position is closed".into(),
//! };
//! let id = engine.raise(spec, 0).id();
//! let item = engine.poll_delivery(&Channel::ALL, 0).expect("a CRITICAL alert is sent at once");
//! engine.acknowledge_delivery(item.id, true, 10);
//! engine.tick(5 * 60_000);
//! assert_eq!(engine.get(id).map(|a| a.level), Some(1), "escalated after 5 minutes");
//! ```

mod config;
mod engine;
mod notify;
mod outbox;
mod types;
mod webhook;

pub use config::{
    AlertConfig, AlertConfigError, Contact, ContactsConfig, DeliveryConfig, InhibitRule, Rate,
};
pub use engine::{AlertEngine, AlertState, NotLive, Raised};
pub use notify::{BatchLine, Dispatcher};
pub use outbox::{AckOutcome, NewItem, Outbox, OutboxItem, OutboxStats};
pub use types::{Alert, AlertSpec, AlertStatus, Category, Channel, Notice, NoticeKind, Priority};
pub use webhook::{
    Pumped, WebhookConfig, WebhookDelivery, WebhookError, WebhookOutbox, WebhookResult,
};
