//! The watch over one guarded account: health checks, alerts and incidents, fed after every
//! engine call so that a breach opens its incident and latches the halt in the same call.

use super::book::{IncidentBook, IncidentState};
use super::config::{IncidentConfig, IncidentKind};
use super::react::{react_to_event, react_to_health};
use super::response::{declare, Declared, Responders};
use crate::account::{Snapshot, TimeMs};
use crate::alerts::{AlertConfig, AlertEngine, AlertSpec, AlertState, ContactsConfig, Priority};
use crate::compliance::{Engine, EngineEvent, EventRing, RuleKind, RuleStatus};
use crate::health::{
    Check, HealthConfig, HealthMonitor, HealthState, Performance, PublishedVitals, Reading,
    Sampler, Vitals,
};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// The configuration sections the watch reads.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WatchConfig {
    /// Health checks and the sampler.
    pub health: HealthConfig,
    /// Alert timing, channels and limits.
    pub alerts: AlertConfig,
    /// Contacts per role.
    pub contacts: ContactsConfig,
    /// Incident policies and the checklist.
    pub incidents: IncidentConfig,
}

/// Version of the saved [`WatchState`] layout this build writes.
pub const WATCH_STATE_VERSION: u32 = 1;

/// Saved state of a [`Watch`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WatchState {
    /// Layout version; a state saved before the field existed reads as 0.
    #[serde(default)]
    pub version: u32,
    /// The alerts, their timers and the outbox.
    pub alerts: AlertState,
    /// The incidents.
    pub incidents: IncidentState,
    /// The health checks.
    pub health: HealthState,
}

/// The state of a [`Watch`] borrowed for saving, serialized exactly as [`WatchState`].
#[derive(Debug, Serialize)]
pub struct WatchStateRef<'a> {
    version: u32,
    alerts: &'a AlertState,
    incidents: &'a IncidentState,
    health: &'a HealthState,
}

/// Health, alerts and incidents of one guarded account.
#[derive(Debug)]
pub struct Watch {
    config: WatchConfig,
    health: HealthMonitor,
    alerts: AlertEngine,
    incidents: IncidentBook,
    sampler: Option<Sampler>,
    vitals: Option<Arc<PublishedVitals>>,
    last_snapshot: Option<Snapshot>,
    performance: Performance,
    /// The engine's events after the watch reacted to them, for the host to take.
    forwarded: EventRing,
}

impl Watch {
    /// A watch with no alerts or incidents. When `sampler` is set, it starts the vitals sampler
    /// for the volume that contains `state_dir`; a sampler that cannot start leaves the vitals
    /// unknown and is logged.
    pub fn new(config: WatchConfig, state_dir: &Path, sampler: bool) -> Watch {
        let sampler = if sampler {
            let interval = Duration::from_millis(config.health.sample_interval_ms);
            let averaged = config.health.cpu_average_samples;
            match Sampler::start(state_dir, interval, averaged) {
                Ok(sampler) => Some(sampler),
                Err(error) => {
                    log::error!("health sampler failed to start: {error}");
                    None
                }
            }
        } else {
            None
        };
        Watch {
            health: HealthMonitor::new(config.health.clone()),
            alerts: AlertEngine::new(config.alerts.clone(), config.contacts.clone()),
            incidents: IncidentBook::new(config.incidents.clone()),
            vitals: sampler.as_ref().map(Sampler::published),
            sampler,
            last_snapshot: None,
            performance: Performance::default(),
            forwarded: EventRing::default(),
            config,
        }
    }

    /// Replaces the alerts, incidents and health checks with saved state.
    pub fn restore(&mut self, state: WatchState) {
        let config = &self.config;
        self.alerts =
            AlertEngine::from_state(config.alerts.clone(), config.contacts.clone(), state.alerts);
        self.incidents = IncidentBook::from_state(config.incidents.clone(), state.incidents);
        self.health = HealthMonitor::from_state(config.health.clone(), state.health);
    }

    /// The state to save.
    pub fn state(&self) -> WatchState {
        WatchState {
            version: WATCH_STATE_VERSION,
            alerts: self.alerts.state().clone(),
            incidents: self.incidents.state().clone(),
            health: self.health.state().clone(),
        }
    }

    /// The state to save, borrowed instead of cloned.
    pub fn saved_state(&self) -> WatchStateRef<'_> {
        WatchStateRef {
            version: WATCH_STATE_VERSION,
            alerts: self.alerts.state(),
            incidents: self.incidents.state(),
            health: self.health.state(),
        }
    }

    /// Reacts to a snapshot the engine has just taken: connectivity, the compliance checks, the
    /// engine's events and the timers.
    pub fn after_snapshot(&mut self, engine: &mut Engine, snapshot: &Snapshot) -> Option<Declared> {
        self.last_snapshot = Some(*snapshot);
        if let Some(change) = self
            .health
            .observe_connection(snapshot.time_ms, snapshot.connected)
        {
            react_to_health(&mut self.alerts, &change);
        }
        self.after_engine(engine, snapshot.time_ms)
    }

    /// Reacts to any engine call made at `time_ms`: drains the engine's events (a breach opens
    /// its incident and latches the halt here), updates the compliance checks and runs the
    /// timers. Returns the last incident declared.
    pub fn after_engine(&mut self, engine: &mut Engine, time_ms: TimeMs) -> Option<Declared> {
        let mut declared = None;
        while let Some(event) = engine.pop_event() {
            let parts = Responders {
                engine: &mut *engine,
                alerts: &mut self.alerts,
                book: &mut self.incidents,
            };
            declared = react_to_event(parts, &event, self.last_snapshot.as_ref()).or(declared);
            self.forwarded.push(event);
        }
        self.observe_compliance(engine, time_ms);
        self.tick(time_ms);
        declared
    }

    fn observe_compliance(&mut self, engine: &Engine, time_ms: TimeMs) {
        let breached = engine
            .rules()
            .iter()
            .filter(|report| report.status == RuleStatus::Breached)
            .count();
        let changes = [
            self.health
                .observe(Check::Compliance, Reading::Known(breached as f64), time_ms),
            engine.report(RuleKind::DailyLoss).and_then(|daily| {
                let used = Reading::Known(daily.used_share * 100.0);
                self.health.observe(Check::DailyLimitUsed, used, time_ms)
            }),
        ];
        for change in changes.iter().flatten() {
            react_to_health(&mut self.alerts, change);
        }
    }

    /// Runs the timers due at `time_ms`: new vitals, alert escalations and digests, and the
    /// response deadlines of open incidents.
    pub fn tick(&mut self, time_ms: TimeMs) {
        if let Some(vitals) = &self.vitals {
            let vitals = vitals.read();
            for change in self.health.observe_vitals(&vitals).iter().flatten() {
                react_to_health(&mut self.alerts, change);
            }
        }
        for id in self.incidents.overdue(time_ms) {
            self.escalate_overdue(id, time_ms);
        }
        self.alerts.tick(time_ms);
    }

    fn escalate_overdue(&mut self, id: u64, time_ms: TimeMs) {
        let Some(incident) = self.incidents.get(id) else {
            return;
        };
        let path: Vec<String> = incident.chain.iter().skip(1).cloned().collect();
        let spec = AlertSpec {
            key: format!(
                "{}.incident.{id}.overdue",
                incident.kind.category().as_str()
            ),
            priority: Priority::Critical,
            category: incident.kind.category(),
            message: format!(
                "incident {id} ({}) has no response: {}",
                incident.kind.as_str(),
                incident.summary
            ),
            details: format!(
                "respond by {}",
                crate::time::rfc3339(incident.respond_by_ms)
            ),
            action: "respond to the incident now; the first contact did not".into(),
        };
        self.alerts.raise_with_path(spec, path, time_ms);
    }

    /// Opens an incident of `kind` and runs its automatic actions now.
    pub fn declare(
        &mut self,
        engine: &mut Engine,
        kind: IncidentKind,
        summary: &str,
        details: &str,
        time_ms: TimeMs,
    ) -> Declared {
        let parts = Responders {
            engine,
            alerts: &mut self.alerts,
            book: &mut self.incidents,
        };
        let declared = declare(
            parts,
            kind,
            summary,
            details,
            self.last_snapshot.as_ref(),
            time_ms,
        );
        self.alerts.tick(time_ms);
        declared
    }

    /// Records whether an order executed.
    pub fn record_execution(&mut self, time_ms: TimeMs, executed: bool) {
        if let Some(change) = self.health.observe_execution(time_ms, executed) {
            react_to_health(&mut self.alerts, &change);
        }
    }

    /// Records the current signal latency, milliseconds (the latency tracker's recent p50).
    pub fn record_signal_latency(&mut self, time_ms: TimeMs, latency_ms: f64) {
        self.performance.signal_latency_ms = Some(latency_ms);
        let reading = Reading::Known(latency_ms);
        if let Some(change) = self.health.observe(Check::SignalLatency, reading, time_ms) {
            react_to_health(&mut self.alerts, &change);
        }
    }

    /// Sets the measurements the bottleneck rules and the targets use.
    pub fn set_performance(&mut self, performance: Performance) {
        self.performance = performance;
    }

    /// The measurements the bottleneck rules and the targets use.
    pub fn performance(&self) -> Performance {
        self.performance
    }

    /// The latest vitals, read without a lock; all unknown without a sampler.
    pub fn vitals(&self) -> Vitals {
        self.vitals.as_ref().map_or(Vitals::EMPTY, |v| v.read())
    }

    /// The health checks.
    pub fn health(&self) -> &HealthMonitor {
        &self.health
    }

    /// The alerts.
    pub fn alerts(&self) -> &AlertEngine {
        &self.alerts
    }

    /// The alerts, for acknowledging, resolving and delivery.
    pub fn alerts_mut(&mut self) -> &mut AlertEngine {
        &mut self.alerts
    }

    /// The incidents.
    pub fn incidents(&self) -> &IncidentBook {
        &self.incidents
    }

    /// The incidents, for responding, recording and ticking the checklist.
    pub fn incidents_mut(&mut self) -> &mut IncidentBook {
        &mut self.incidents
    }

    /// Takes the oldest engine event the watch has reacted to.
    pub fn pop_event(&mut self) -> Option<EngineEvent> {
        self.forwarded.pop()
    }

    /// Whether the vitals sampler runs.
    pub fn has_sampler(&self) -> bool {
        self.sampler.is_some()
    }
}
