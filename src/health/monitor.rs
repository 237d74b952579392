//! The health monitor: one threshold state per check, fed by the sampler's vitals and by what the
//! EA reports, and the overall health as the worst check.

use super::config::HealthConfig;
use super::threshold::{Level, Threshold, ThresholdState};
use super::vitals::{Reading, UnknownReason, Vitals};
use super::window::{ConnectivityWindow, ExecutionWindow};
use crate::account::TimeMs;
use serde::{Deserialize, Serialize};

/// One health check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum Check {
    /// CPU use of the machine.
    Cpu = 0,
    /// Memory use of the machine.
    Memory = 1,
    /// Use of the volume that contains the state directory.
    Disk = 2,
    /// Share of time connected to the trade server.
    Connectivity = 3,
    /// Signal latency.
    SignalLatency = 4,
    /// Share of orders that executed.
    ExecutionSuccess = 5,
    /// Breached compliance rules.
    Compliance = 6,
    /// Share of the daily loss limit used.
    DailyLimitUsed = 7,
}

/// Every check, in report order.
pub const CHECKS: [Check; 8] = [
    Check::Cpu,
    Check::Memory,
    Check::Disk,
    Check::Connectivity,
    Check::SignalLatency,
    Check::ExecutionSuccess,
    Check::Compliance,
    Check::DailyLimitUsed,
];

impl Check {
    /// Snake-case name used in reports, alert keys and the C ABI.
    pub fn as_str(self) -> &'static str {
        match self {
            Check::Cpu => "cpu",
            Check::Memory => "memory",
            Check::Disk => "disk",
            Check::Connectivity => "connectivity",
            Check::SignalLatency => "signal_latency",
            Check::ExecutionSuccess => "execution_success",
            Check::Compliance => "compliance",
            Check::DailyLimitUsed => "daily_limit_used",
        }
    }

    /// Unit of the check's value.
    pub fn unit(self) -> &'static str {
        match self {
            Check::SignalLatency => "ms",
            Check::Compliance => "breaches",
            _ => "%",
        }
    }
}

/// A change of one check's confirmed level.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CheckChange {
    /// The check.
    pub check: Check,
    /// The level before.
    pub from: Level,
    /// The level after.
    pub to: Level,
    /// The value that confirmed it, if known.
    pub value: Option<f64>,
    /// Whether the check is flapping, so the change must not be notified.
    pub suppressed: bool,
    /// Time of the sample.
    pub time_ms: TimeMs,
}

/// One check in a [`HealthReport`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckReport {
    /// The check's name.
    pub check: Check,
    /// The confirmed level.
    pub level: Level,
    /// The latest value, or why it is unknown.
    pub value: Reading,
    /// Unit of the value.
    pub unit: String,
    /// Whether the latest sample disagrees with the level and waits for confirmation.
    pub soft: bool,
    /// Whether flap suppression is active.
    pub flapping: bool,
}

/// The health of every check and the overall level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthReport {
    /// The worst confirmed level of any check.
    pub overall: Level,
    /// Every check.
    pub checks: Vec<CheckReport>,
}

/// Saved state of a [`HealthMonitor`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthState {
    /// Threshold state per check, in [`CHECKS`] order.
    pub checks: [ThresholdState; 8],
    /// Latest value per check.
    pub values: [Reading; 8],
    /// Time connected over the recent window.
    pub connectivity: ConnectivityWindow,
    /// Recent order results.
    pub executions: ExecutionWindow,
    /// Sample count of the last vitals taken in.
    pub vitals_samples: u64,
}

/// The health checks of one guarded account.
#[derive(Debug, Clone)]
pub struct HealthMonitor {
    config: HealthConfig,
    state: HealthState,
}

impl HealthMonitor {
    /// A monitor with every check at [`Level::Ok`] and no value yet.
    pub fn new(config: HealthConfig) -> Self {
        let state = HealthState {
            checks: [ThresholdState::default(); 8],
            values: [Reading::Unknown(UnknownReason::NotSampledYet); 8],
            connectivity: ConnectivityWindow::new(config.connectivity_window_ms),
            executions: ExecutionWindow::new(config.execution_window, config.execution_min_results),
            vitals_samples: 0,
        };
        HealthMonitor { config, state }
    }

    /// A monitor resumed from saved state.
    pub fn from_state(config: HealthConfig, state: HealthState) -> Self {
        HealthMonitor { config, state }
    }

    /// The state to save.
    pub fn state(&self) -> &HealthState {
        &self.state
    }

    /// The configuration.
    pub fn config(&self) -> &HealthConfig {
        &self.config
    }

    fn threshold(&self, check: Check) -> &Threshold {
        let t = &self.config.thresholds;
        match check {
            Check::Cpu => &t.cpu,
            Check::Memory => &t.memory,
            Check::Disk => &t.disk,
            Check::Connectivity => &t.connectivity,
            Check::SignalLatency => &t.signal_latency,
            Check::ExecutionSuccess => &t.execution_success,
            Check::Compliance => &t.compliance,
            Check::DailyLimitUsed => &t.daily_limit_used,
        }
    }

    /// Feeds one value (or the reason it is unknown) into `check`; allocates nothing.
    pub fn observe(
        &mut self,
        check: Check,
        reading: Reading,
        time_ms: TimeMs,
    ) -> Option<CheckChange> {
        let threshold = *self.threshold(check);
        let index = check as usize;
        self.state.values[index] = reading;
        let state = &mut self.state.checks[index];
        let transition = match reading {
            Reading::Known(value) => state.observe(&threshold, value),
            Reading::Unknown(UnknownReason::NotSampledYet) => None,
            Reading::Unknown(_) => state.observe_unknown(&threshold),
        }?;
        Some(CheckChange {
            check,
            from: transition.from,
            to: transition.to,
            value: reading.value(),
            suppressed: transition.suppressed,
            time_ms,
        })
    }

    /// Feeds the sampler's vitals, once per new sample; returns the CPU, memory and disk changes.
    pub fn observe_vitals(&mut self, vitals: &Vitals) -> [Option<CheckChange>; 3] {
        if vitals.samples == self.state.vitals_samples {
            return [None; 3];
        }
        self.state.vitals_samples = vitals.samples;
        let time = vitals.time_ms;
        [
            self.observe(Check::Cpu, vitals.cpu_percent, time),
            self.observe(Check::Memory, vitals.memory_percent, time),
            self.observe(Check::Disk, vitals.disk_percent, time),
        ]
    }

    /// Feeds the connected flag of a snapshot taken at `time_ms`.
    pub fn observe_connection(&mut self, time_ms: TimeMs, connected: bool) -> Option<CheckChange> {
        let share = self.state.connectivity.record(time_ms, connected)?;
        self.observe(Check::Connectivity, Reading::Known(share), time_ms)
    }

    /// Feeds the result of one order: whether it executed.
    pub fn observe_execution(&mut self, time_ms: TimeMs, executed: bool) -> Option<CheckChange> {
        self.state.executions.record(executed);
        let share = self.state.executions.success_percent()?;
        self.observe(Check::ExecutionSuccess, Reading::Known(share), time_ms)
    }

    /// The overall health: the worst confirmed level of any check.
    pub fn overall(&self) -> Level {
        self.state
            .checks
            .iter()
            .map(|state| state.level)
            .max()
            .unwrap_or(Level::Ok)
    }

    /// The confirmed level of `check`.
    pub fn level(&self, check: Check) -> Level {
        self.state.checks[check as usize].level
    }

    /// The latest value of `check`.
    pub fn value(&self, check: Check) -> Reading {
        self.state.values[check as usize]
    }

    /// Every check with its level and value.
    pub fn report(&self) -> HealthReport {
        let checks = CHECKS
            .iter()
            .map(|&check| {
                let state = &self.state.checks[check as usize];
                CheckReport {
                    check,
                    level: state.level,
                    value: self.state.values[check as usize],
                    unit: check.unit().to_owned(),
                    soft: state.is_soft(),
                    flapping: state.flapping,
                }
            })
            .collect();
        HealthReport {
            overall: self.overall(),
            checks,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overall_is_worst_check() {
        let mut monitor = HealthMonitor::new(HealthConfig::default());
        assert_eq!(monitor.overall(), Level::Ok);
        monitor.observe(Check::DailyLimitUsed, Reading::Known(96.0), 1);
        assert_eq!(monitor.overall(), Level::Warning);
        monitor.observe(Check::Compliance, Reading::Known(1.0), 2);
        assert_eq!(monitor.overall(), Level::Critical);
    }

    #[test]
    fn unknown_disk_reports_unknown() {
        let mut monitor = HealthMonitor::new(HealthConfig::default());
        let unknown = Reading::Unknown(UnknownReason::DiskNotFound);
        monitor.observe(Check::Disk, unknown, 1);
        let change = monitor.observe(Check::Disk, unknown, 2).expect("confirmed");
        assert_eq!(change.to, Level::Unknown);
        assert_eq!(monitor.overall(), Level::Unknown);
        assert_eq!(monitor.value(Check::Disk), unknown);
    }

    #[test]
    fn not_sampled_yet_is_no_sample() {
        let mut monitor = HealthMonitor::new(HealthConfig::default());
        assert_eq!(monitor.observe_vitals(&Vitals::EMPTY), [None; 3]);
        let vitals = Vitals {
            samples: 1,
            ..Vitals::EMPTY
        };
        assert_eq!(monitor.observe_vitals(&vitals), [None; 3]);
        assert_eq!(monitor.overall(), Level::Ok);
    }

    #[test]
    fn disconnection_goes_critical() {
        let mut monitor = HealthMonitor::new(HealthConfig::default());
        monitor.observe_connection(0, true);
        monitor.observe_connection(60_000, false);
        let change = monitor
            .observe_connection(120_000, true)
            .expect("50% connected is critical");
        assert_eq!(change.check, Check::Connectivity);
        assert_eq!(change.to, Level::Critical);
    }
}
