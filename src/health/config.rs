//! Health configuration: the check thresholds, the sampler rate, the bottleneck rules and the
//! optimisation targets, each with the documented default so an empty section is valid.

use super::threshold::{Band, Direction, Threshold, ThresholdError};
use serde::{Deserialize, Serialize};

/// The `[health]` section of the configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HealthConfig {
    /// Whether the guard starts the vitals sampler thread.
    pub sampler: bool,
    /// Milliseconds between two samples of the system vitals.
    pub sample_interval_ms: u64,
    /// Samples in the CPU average that the bottleneck rules use.
    pub cpu_average_samples: u32,
    /// Milliseconds of history behind the connectivity share.
    pub connectivity_window_ms: i64,
    /// Order results behind the execution success rate.
    pub execution_window: u32,
    /// Order results needed before the success rate is judged.
    pub execution_min_results: u32,
    /// The check thresholds.
    pub thresholds: HealthThresholds,
    /// The bottleneck rules.
    pub bottlenecks: BottleneckConfig,
    /// The optimisation targets that reports compare against.
    pub targets: Targets,
}

impl Default for HealthConfig {
    fn default() -> Self {
        HealthConfig {
            sampler: true,
            sample_interval_ms: 5_000,
            cpu_average_samples: 12,
            connectivity_window_ms: 3_600_000,
            execution_window: 100,
            execution_min_results: 10,
            thresholds: HealthThresholds::default(),
            bottlenecks: BottleneckConfig::default(),
            targets: Targets::default(),
        }
    }
}

impl HealthConfig {
    /// Checks every threshold and interval.
    ///
    /// # Errors
    ///
    /// Returns a [`ThresholdError`] naming the first check whose levels are inconsistent.
    pub fn validate(&self) -> Result<(), ThresholdError> {
        for (name, threshold) in self.thresholds.named() {
            threshold.validate(name)?;
        }
        let out_of_range = |field, value: u64, range| ThresholdError::OutOfRange {
            name: "health".to_owned(),
            field,
            value: value.min(u64::from(u32::MAX)) as u32,
            range,
        };
        if !(100..=3_600_000).contains(&self.sample_interval_ms) {
            let ms = self.sample_interval_ms;
            return Err(out_of_range("sample_interval_ms", ms, "100 to 3600000"));
        }
        if self.cpu_average_samples == 0 || self.execution_window == 0 {
            return Err(out_of_range(
                "cpu_average_samples or execution_window",
                0,
                "1 or more",
            ));
        }
        if self.connectivity_window_ms <= 0 {
            return Err(out_of_range("connectivity_window_ms", 0, "1 or more"));
        }
        Ok(())
    }
}

/// The threshold of each health check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HealthThresholds {
    /// CPU use of the machine, percent: warning at 80.
    pub cpu: Threshold,
    /// Memory use of the machine, percent: warning at 85.
    pub memory: Threshold,
    /// Use of the volume that contains the state directory, percent: critical at 90.
    pub disk: Threshold,
    /// Share of time connected to the trade server over the window, percent: critical below 99.
    pub connectivity: Threshold,
    /// Signal latency, milliseconds: warning at 100.
    pub signal_latency: Threshold,
    /// Share of orders that executed, percent: warning below 95.
    pub execution_success: Threshold,
    /// Number of breached compliance rules: critical at any breach.
    pub compliance: Threshold,
    /// Share of the daily loss limit used, percent: warning at 95.
    pub daily_limit_used: Threshold,
}

impl Default for HealthThresholds {
    fn default() -> Self {
        use Direction::{Above, Below};
        HealthThresholds {
            cpu: Threshold::warning(Above, Band::new(80.0, 75.0), 3),
            memory: Threshold::warning(Above, Band::new(85.0, 80.0), 3),
            disk: Threshold::critical(Above, Band::new(90.0, 88.0), 2),
            connectivity: Threshold::critical(Below, Band::new(99.0, 99.5), 1),
            signal_latency: Threshold::warning(Above, Band::new(100.0, 90.0), 3),
            execution_success: Threshold::warning(Below, Band::new(95.0, 96.0), 1),
            compliance: Threshold::critical(Above, Band::new(1.0, 1.0), 1),
            daily_limit_used: Threshold::warning(Above, Band::new(95.0, 93.0), 1),
        }
    }
}

impl HealthThresholds {
    /// Each threshold with the name its check reports.
    pub fn named(&self) -> [(&'static str, &Threshold); 8] {
        [
            ("cpu", &self.cpu),
            ("memory", &self.memory),
            ("disk", &self.disk),
            ("connectivity", &self.connectivity),
            ("signal_latency", &self.signal_latency),
            ("execution_success", &self.execution_success),
            ("compliance", &self.compliance),
            ("daily_limit_used", &self.daily_limit_used),
        ]
    }
}

/// Levels of the bottleneck rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BottleneckConfig {
    /// CPU average, percent, above which CPU is a MEDIUM bottleneck.
    pub cpu_medium: f64,
    /// CPU average, percent, above which CPU is a HIGH bottleneck.
    pub cpu_high: f64,
    /// Memory use, percent, above which memory is a HIGH bottleneck.
    pub memory_high: f64,
    /// Disk I/O latency, milliseconds, above which I/O is a MEDIUM bottleneck.
    pub io_latency_ms: f64,
    /// Network latency, milliseconds, above which the network is a MEDIUM bottleneck.
    pub network_latency_ms: f64,
}

impl Default for BottleneckConfig {
    fn default() -> Self {
        BottleneckConfig {
            cpu_medium: 70.0,
            cpu_high: 80.0,
            memory_high: 80.0,
            io_latency_ms: 100.0,
            network_latency_ms: 50.0,
        }
    }
}

/// The optimisation targets that reports compare the measured values against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Targets {
    /// Signal latency, milliseconds.
    pub signal_latency_ms: f64,
    /// Execution latency, milliseconds.
    pub execution_latency_ms: f64,
    /// Memory use, percent.
    pub memory_percent: f64,
    /// CPU use, percent.
    pub cpu_percent: f64,
    /// Sustained disk I/O of this process, megabytes a second.
    pub disk_io_mb_per_s: f64,
}

impl Default for Targets {
    fn default() -> Self {
        Targets {
            signal_latency_ms: 50.0,
            execution_latency_ms: 100.0,
            memory_percent: 70.0,
            cpu_percent: 60.0,
            disk_io_mb_per_s: 10.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate() {
        assert_eq!(HealthConfig::default().validate(), Ok(()));
    }

    #[test]
    fn empty_section_is_default() {
        let config: HealthConfig = toml::from_str("").expect("empty section parses");
        assert_eq!(config, HealthConfig::default());
    }

    #[test]
    fn partial_threshold_parses() {
        let text =
            "[thresholds.cpu]\ndirection = \"above\"\nwarning = { enter = 70.0, exit = 65.0 }\n";
        let config: HealthConfig = toml::from_str(text).expect("partial threshold parses");
        assert_eq!(config.thresholds.cpu.warning, Some(Band::new(70.0, 65.0)));
        assert_eq!(config.thresholds.cpu.confirm_samples, 3);
        assert_eq!(config.thresholds.memory, HealthThresholds::default().memory);
    }
}
