//! Webhook delivery for Rust hosts: a worker thread that POSTs the outbox's webhook items as JSON,
//! with retries and exponential backoff, and reports each item delivered or failed.
//!
//! The outbox stays with its owner (the guard or an [`AlertEngine`]). The host calls
//! [`WebhookDelivery::pump`] from its own loop with the event time. The pump leases webhook items
//! to the worker and acknowledges the results the worker has finished, so no HTTP request runs on
//! the tick path and the outbox needs no lock. A failed item goes back to the outbox, which offers it again
//! after its own backoff; CRITICAL items are never given up.
//!
//! The client is ureq built without TLS, so only `http://` URLs are delivered.

use super::engine::AlertEngine;
use super::outbox::{AckOutcome, OutboxItem};
use super::types::Channel;
use crate::account::TimeMs;
use crossbeam_channel::{Receiver, Sender};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, VecDeque};
use std::thread::JoinHandle;
use std::time::Duration;

/// Settings of the webhook worker. Every field has a default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookConfig {
    /// HTTP attempts per item before it is reported failed.
    pub attempts: u32,
    /// Wait after the first failed attempt, in milliseconds. It doubles after each further one.
    pub base_delay_ms: u64,
    /// Maximum wait between two attempts, in milliseconds.
    pub max_delay_ms: u64,
    /// Time allowed for one request, connection and response included, in milliseconds.
    pub timeout_ms: u64,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            attempts: 4,
            base_delay_ms: 1_000,
            max_delay_ms: 30_000,
            timeout_ms: 10_000,
        }
    }
}

/// Error for an invalid [`WebhookConfig`] or a worker that cannot start.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// A setting is out of range.
    #[error("webhook setting {field} = {value} is invalid: {fix}")]
    Invalid {
        /// The setting.
        field: &'static str,
        /// Its value.
        value: u64,
        /// The value to set instead.
        fix: &'static str,
    },
    /// The worker thread could not be started.
    #[error("the webhook worker thread could not start: {0}")]
    Spawn(#[from] std::io::Error),
}

impl WebhookConfig {
    /// Checks every setting.
    ///
    /// # Errors
    ///
    /// [`WebhookError::Invalid`] naming the first setting out of range.
    pub fn validate(&self) -> Result<(), WebhookError> {
        let invalid = |field, value, fix| Err(WebhookError::Invalid { field, value, fix });
        if self.attempts == 0 {
            return invalid("attempts", 0, "use at least 1");
        }
        if self.timeout_ms == 0 {
            return invalid("timeout_ms", 0, "use a positive timeout such as 10000");
        }
        if self.max_delay_ms < self.base_delay_ms {
            let fix = "use a max_delay_ms at least as large as base_delay_ms";
            return invalid("max_delay_ms", self.max_delay_ms, fix);
        }
        Ok(())
    }

    /// Returns the wait after failed attempt `attempt` (1 for the first): the base delay doubled
    /// for each earlier failure, at most the maximum delay.
    pub fn delay_after(&self, attempt: u32) -> Duration {
        let shift = attempt.saturating_sub(1).min(32);
        let delay = self.base_delay_ms.saturating_mul(1u64 << shift);
        Duration::from_millis(delay.min(self.max_delay_ms))
    }
}

/// The worker's result for one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookResult {
    /// The outbox item.
    pub item_id: u64,
    /// Whether every recipient URL accepted it.
    pub delivered: bool,
    /// HTTP attempts made.
    pub attempts: u32,
    /// The last failure, when it failed.
    pub error: Option<String>,
}

/// An outbox a [`WebhookDelivery`] takes items from and acknowledges them to.
pub trait WebhookOutbox {
    /// Leases the most urgent deliverable item on `channels`.
    fn poll_item(&mut self, channels: &[Channel], now_ms: TimeMs) -> Option<OutboxItem>;
    /// Records the result of delivering item `id`.
    fn acknowledge_item(&mut self, id: u64, delivered: bool, now_ms: TimeMs) -> AckOutcome;
}

impl WebhookOutbox for AlertEngine {
    fn poll_item(&mut self, channels: &[Channel], now_ms: TimeMs) -> Option<OutboxItem> {
        self.poll_delivery(channels, now_ms)
    }

    fn acknowledge_item(&mut self, id: u64, delivered: bool, now_ms: TimeMs) -> AckOutcome {
        self.acknowledge_delivery(id, delivered, now_ms)
    }
}

/// The items one [`WebhookDelivery::pump`] sent and acknowledged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pumped {
    /// Items handed to the worker.
    pub sent: usize,
    /// Results acknowledged to the outbox, each with the outbox's outcome.
    pub acknowledged: Vec<(WebhookResult, AckOutcome)>,
}

/// The webhook worker thread and the items it has in hand.
#[derive(Debug)]
pub struct WebhookDelivery {
    jobs: Option<Sender<OutboxItem>>,
    results: Receiver<WebhookResult>,
    /// Results taken by [`WebhookDelivery::wait_result`] and not yet acknowledged.
    ready: VecDeque<WebhookResult>,
    in_flight: BTreeSet<u64>,
    worker: Option<JoinHandle<()>>,
}

impl WebhookDelivery {
    /// Starts the worker thread.
    ///
    /// # Errors
    ///
    /// [`WebhookError`] for an invalid configuration or a thread that cannot start.
    pub fn start(config: WebhookConfig) -> Result<WebhookDelivery, WebhookError> {
        config.validate()?;
        let (jobs, inbox) = crossbeam_channel::unbounded::<OutboxItem>();
        let (report, results) = crossbeam_channel::unbounded();
        let worker = std::thread::Builder::new()
            .name("mikrobot-webhook".into())
            .spawn(move || run_worker(&config, &inbox, &report))?;
        Ok(WebhookDelivery {
            jobs: Some(jobs),
            results,
            ready: VecDeque::new(),
            in_flight: BTreeSet::new(),
            worker: Some(worker),
        })
    }

    /// Acknowledges the items the worker has finished, then leases the deliverable webhook
    /// items of `outbox` to the worker. Never waits on the network.
    pub fn pump(&mut self, outbox: &mut impl WebhookOutbox, now_ms: TimeMs) -> Pumped {
        let mut pumped = Pumped::default();
        let finished = self.ready.drain(..).chain(self.results.try_iter());
        for result in finished.collect::<Vec<_>>() {
            self.in_flight.remove(&result.item_id);
            let outcome = outbox.acknowledge_item(result.item_id, result.delivered, now_ms);
            pumped.acknowledged.push((result, outcome));
        }
        let Some(jobs) = &self.jobs else {
            return pumped;
        };
        while let Some(item) = outbox.poll_item(&[Channel::Webhook], now_ms) {
            // NOTE: a lease that ran out while the worker still retries offers the item again.
            // It is already in hand, so it and the items behind it wait for the next pump.
            if !self.in_flight.insert(item.id) {
                break;
            }
            if jobs.send(item).is_err() {
                log::error!("the webhook worker has stopped; webhook items stay in the outbox");
                break;
            }
            pumped.sent += 1;
        }
        pumped
    }

    /// Items handed to the worker and not yet acknowledged.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Waits at most `timeout` until the worker has finished an item, and returns whether one
    /// is ready for the next [`WebhookDelivery::pump`].
    pub fn wait_result(&mut self, timeout: Duration) -> bool {
        if !self.ready.is_empty() {
            return true;
        }
        match self.results.recv_timeout(timeout) {
            Ok(result) => {
                self.ready.push_back(result);
                true
            }
            Err(_) => false,
        }
    }
}

impl Drop for WebhookDelivery {
    fn drop(&mut self) {
        // Closing the job channel ends the worker after the item in hand. Unacknowledged items
        // stay leased in the outbox, which offers them again when the lease runs out.
        self.jobs = None;
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

/// Delivers items until the job channel closes.
fn run_worker(config: &WebhookConfig, jobs: &Receiver<OutboxItem>, report: &Sender<WebhookResult>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_millis(config.timeout_ms)))
        .http_status_as_error(true)
        .user_agent(concat!("mikrobot/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    for item in jobs {
        let result = deliver(&agent, config, &item);
        if report.send(result).is_err() {
            return;
        }
    }
}

/// POSTs `item` to each of its URLs, retrying the ones that failed with exponential backoff.
fn deliver(agent: &ureq::Agent, config: &WebhookConfig, item: &OutboxItem) -> WebhookResult {
    // NOTE: ureq is built without TLS, so only plain http:// URLs can be delivered. The others
    // fail at once instead of being retried.
    let (mut pending, unsupported): (Vec<&str>, Vec<&str>) = item
        .recipients
        .iter()
        .map(String::as_str)
        .partition(|url| url.starts_with("http://"));
    let mut error = unsupported.first().map(|url| {
        log::error!(
            "webhook item {} to {url}: only http:// URLs are supported",
            item.id
        );
        format!("{url}: only http:// URLs are supported; use an http endpoint or a local relay")
    });
    let mut attempts = 0;
    while attempts < config.attempts && !pending.is_empty() {
        if attempts > 0 {
            std::thread::sleep(config.delay_after(attempts));
        }
        attempts += 1;
        pending.retain(|url| match post(agent, url, &item.text) {
            Ok(()) => false,
            Err(message) => {
                log::warn!(
                    "webhook item {} (alert {}) to {url}: attempt {attempts} of {} failed: {message}",
                    item.id,
                    item.alert_id,
                    config.attempts
                );
                error = Some(format!("{url}: {message}"));
                true
            }
        });
    }
    let delivered = pending.is_empty() && unsupported.is_empty() && !item.recipients.is_empty();
    if item.recipients.is_empty() {
        error = Some("the item has no webhook URL".to_owned());
    }
    if delivered {
        log::info!(
            "webhook item {} delivered after {attempts} attempts",
            item.id
        );
    } else {
        log::error!(
            "webhook item {} (alert {}) failed after {attempts} attempts; it stays in the outbox",
            item.id,
            item.alert_id
        );
    }
    WebhookResult {
        item_id: item.id,
        delivered,
        attempts,
        error: if delivered { None } else { error },
    }
}

fn post(agent: &ureq::Agent, url: &str, body: &str) -> Result<(), String> {
    agent
        .post(url)
        .header("Content-Type", "application/json")
        .send(body)
        .map(|_| ())
        .map_err(|error| error.to_string())
}
