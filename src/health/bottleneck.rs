//! Bottleneck rules with recommendations, and the comparison with the optimisation targets.

use super::config::{BottleneckConfig, Targets};
use super::vitals::Vitals;
use crate::alerts::Priority;
use serde::{Deserialize, Serialize};

/// Measurements the vitals do not contain, reported by the EA, the latency tracker and the store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Performance {
    /// Signal latency, milliseconds (the tracker's recent p50).
    pub signal_latency_ms: Option<f64>,
    /// Execution latency, milliseconds (the tracker's recent p50).
    pub execution_latency_ms: Option<f64>,
    /// Disk write latency of the journal, milliseconds.
    pub io_latency_ms: Option<f64>,
    /// Round trip to the trade server, milliseconds.
    pub network_latency_ms: Option<f64>,
}

/// A resource found to be a bottleneck.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bottleneck {
    /// The resource: `cpu`, `memory`, `io` or `network`.
    pub resource: String,
    /// How urgent it is.
    pub severity: Priority,
    /// The measured value.
    pub value: f64,
    /// The level it passed.
    pub limit: f64,
    /// What the operator should do.
    pub recommendation: String,
}

/// Applies the bottleneck rules to the vitals and the performance measurements.
pub fn find_bottlenecks(
    rules: &BottleneckConfig,
    vitals: &Vitals,
    performance: &Performance,
) -> Vec<Bottleneck> {
    let mut found = Vec::new();
    let mut add = |resource: &str, severity, value, limit, recommendation: &str| {
        found.push(Bottleneck {
            resource: resource.to_owned(),
            severity,
            value,
            limit,
            recommendation: recommendation.to_owned(),
        })
    };
    if let Some(cpu) = vitals.cpu_average_percent.value() {
        if cpu > rules.cpu_high {
            add("cpu", Priority::High, cpu, rules.cpu_high, CPU_ADVICE);
        } else if cpu > rules.cpu_medium {
            add("cpu", Priority::Medium, cpu, rules.cpu_medium, CPU_ADVICE);
        }
    }
    if let Some(memory) = vitals.memory_percent.value() {
        if memory > rules.memory_high {
            add(
                "memory",
                Priority::High,
                memory,
                rules.memory_high,
                MEMORY_ADVICE,
            );
        }
    }
    if let Some(io) = performance.io_latency_ms {
        if io > rules.io_latency_ms {
            add("io", Priority::Medium, io, rules.io_latency_ms, IO_ADVICE);
        }
    }
    if let Some(network) = performance.network_latency_ms {
        if network > rules.network_latency_ms {
            let limit = rules.network_latency_ms;
            add("network", Priority::Medium, network, limit, NETWORK_ADVICE);
        }
    }
    found
}

const CPU_ADVICE: &str = "close unused charts and terminals, lower the EA's timer rate, \
     or move to a VPS with more cores";
const MEMORY_ADVICE: &str = "restart the terminal to release memory, reduce the bars kept \
     in history (Tools > Options > Charts), or add memory";
const IO_ADVICE: &str = "move the state directory to a faster local disk and check that no \
     backup or antivirus scan holds it";
const NETWORK_ADVICE: &str = "choose a VPS closer to the broker's trade server or check the \
     terminal's server ping";

/// One optimisation target and how the measurement compares with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetCheck {
    /// The measurement: `signal_latency_ms`, `execution_latency_ms`, `memory_percent`,
    /// `cpu_percent` or `disk_io_mb_per_s`.
    pub name: String,
    /// The target: the value must stay under it.
    pub target: f64,
    /// The measured value, if known.
    pub actual: Option<f64>,
    /// Whether the measurement is under the target; `None` when it is unknown.
    pub met: Option<bool>,
}

/// Compares the measurements with the optimisation targets.
pub fn compare_targets(
    targets: &Targets,
    vitals: &Vitals,
    performance: &Performance,
) -> Vec<TargetCheck> {
    let disk_mb = vitals
        .process_disk_write_bytes_per_s
        .value()
        .map(|bytes| bytes / 1_000_000.0);
    [
        (
            "signal_latency_ms",
            targets.signal_latency_ms,
            performance.signal_latency_ms,
        ),
        (
            "execution_latency_ms",
            targets.execution_latency_ms,
            performance.execution_latency_ms,
        ),
        (
            "memory_percent",
            targets.memory_percent,
            vitals.memory_percent.value(),
        ),
        (
            "cpu_percent",
            targets.cpu_percent,
            vitals.cpu_average_percent.value(),
        ),
        ("disk_io_mb_per_s", targets.disk_io_mb_per_s, disk_mb),
    ]
    .into_iter()
    .map(|(name, target, actual)| TargetCheck {
        name: name.to_owned(),
        target,
        actual,
        met: actual.map(|value| value < target),
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::vitals::Reading;

    fn vitals(cpu: f64, memory: f64) -> Vitals {
        Vitals {
            cpu_average_percent: Reading::Known(cpu),
            memory_percent: Reading::Known(memory),
            ..Vitals::EMPTY
        }
    }

    #[test]
    fn cpu_rule_boundaries() {
        let rules = BottleneckConfig::default();
        let none = Performance::default();
        assert!(find_bottlenecks(&rules, &vitals(70.0, 10.0), &none).is_empty());
        let medium = find_bottlenecks(&rules, &vitals(70.1, 10.0), &none);
        assert_eq!(medium[0].severity, Priority::Medium);
        let still_medium = find_bottlenecks(&rules, &vitals(80.0, 10.0), &none);
        assert_eq!(still_medium[0].severity, Priority::Medium);
        let high = find_bottlenecks(&rules, &vitals(80.1, 10.0), &none);
        assert_eq!(high[0].severity, Priority::High);
    }

    #[test]
    fn memory_io_network_rules() {
        let rules = BottleneckConfig::default();
        let slow = Performance {
            io_latency_ms: Some(100.1),
            network_latency_ms: Some(50.1),
            ..Performance::default()
        };
        let found = find_bottlenecks(&rules, &vitals(10.0, 80.1), &slow);
        let names: Vec<&str> = found.iter().map(|b| b.resource.as_str()).collect();
        assert_eq!(names, ["memory", "io", "network"]);
        assert_eq!(found[0].severity, Priority::High);
        assert_eq!(found[1].severity, Priority::Medium);
        let at_limit = Performance {
            io_latency_ms: Some(100.0),
            network_latency_ms: Some(50.0),
            ..Performance::default()
        };
        assert!(find_bottlenecks(&rules, &vitals(10.0, 80.0), &at_limit).is_empty());
    }

    #[test]
    fn targets_report_unknown_as_unmet_unknown() {
        let checks = compare_targets(
            &Targets::default(),
            &vitals(59.0, 71.0),
            &Performance::default(),
        );
        assert_eq!(checks[0].met, None);
        assert_eq!(checks[2].met, Some(false));
        assert_eq!(checks[3].met, Some(true));
    }
}
