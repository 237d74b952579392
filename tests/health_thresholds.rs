//! Boundary tests for every default threshold: just below, at and just above each entry level,
//! and the hysteresis exit, with the confirmation each default requires.

use mikrobot::health::{Check, HealthConfig, HealthMonitor, Level, Reading, Threshold};

const EPSILON: f64 = 0.01;

/// Feeds `value` as many times as the check's confirmation needs and returns the level.
fn settle(monitor: &mut HealthMonitor, check: Check, value: f64) -> Level {
    let confirm = threshold(check).confirm_samples;
    for i in 0..confirm {
        monitor.observe(check, Reading::Known(value), i64::from(i));
    }
    monitor.level(check)
}

fn threshold(check: Check) -> Threshold {
    let t = HealthConfig::default().thresholds;
    match check {
        Check::Cpu => t.cpu,
        Check::Memory => t.memory,
        Check::Disk => t.disk,
        Check::Connectivity => t.connectivity,
        Check::SignalLatency => t.signal_latency,
        Check::ExecutionSuccess => t.execution_success,
        Check::Compliance => t.compliance,
        Check::DailyLimitUsed => t.daily_limit_used,
    }
}

/// One default: the check, its entry level, its exit level, the level it reaches, and whether
/// the unhealthy side is above.
struct Case {
    check: Check,
    enter: f64,
    exit: f64,
    reached: Level,
    above: bool,
}

const CASES: [Case; 8] = [
    Case {
        check: Check::Cpu,
        enter: 80.0,
        exit: 75.0,
        reached: Level::Warning,
        above: true,
    },
    Case {
        check: Check::Memory,
        enter: 85.0,
        exit: 80.0,
        reached: Level::Warning,
        above: true,
    },
    Case {
        check: Check::Disk,
        enter: 90.0,
        exit: 88.0,
        reached: Level::Critical,
        above: true,
    },
    Case {
        check: Check::Connectivity,
        enter: 99.0,
        exit: 99.5,
        reached: Level::Critical,
        above: false,
    },
    Case {
        check: Check::SignalLatency,
        enter: 100.0,
        exit: 90.0,
        reached: Level::Warning,
        above: true,
    },
    Case {
        check: Check::ExecutionSuccess,
        enter: 95.0,
        exit: 96.0,
        reached: Level::Warning,
        above: false,
    },
    Case {
        check: Check::Compliance,
        enter: 1.0,
        exit: 1.0,
        reached: Level::Critical,
        above: true,
    },
    Case {
        check: Check::DailyLimitUsed,
        enter: 95.0,
        exit: 93.0,
        reached: Level::Warning,
        above: true,
    },
];

/// A value `EPSILON` on the healthy side (`toward_healthy`) or the unhealthy side of `level`.
fn beside(case: &Case, level: f64, toward_healthy: bool) -> f64 {
    if case.above == toward_healthy {
        level - EPSILON
    } else {
        level + EPSILON
    }
}

#[test]
fn defaults_match_the_documented_levels() {
    for case in &CASES {
        let t = threshold(case.check);
        let band = match case.reached {
            Level::Critical => t.critical,
            _ => t.warning,
        }
        .unwrap_or_else(|| panic!("{} has a band", case.check.as_str()));
        assert_eq!(band.enter, case.enter, "{} entry", case.check.as_str());
        assert_eq!(band.exit, case.exit, "{} exit", case.check.as_str());
    }
}

#[test]
fn entry_boundaries_for_every_default() {
    for case in &CASES {
        let name = case.check.as_str();
        let healthy = beside(case, case.enter, true);
        let unhealthy = beside(case, case.enter, false);
        let mut monitor = HealthMonitor::new(HealthConfig::default());
        assert_eq!(
            settle(&mut monitor, case.check, healthy),
            Level::Ok,
            "{name} just inside"
        );
        // "Above" checks reach their level at the level; "below" checks only under it.
        let at = if case.above { case.reached } else { Level::Ok };
        let mut monitor = HealthMonitor::new(HealthConfig::default());
        assert_eq!(
            settle(&mut monitor, case.check, case.enter),
            at,
            "{name} at level"
        );
        let mut monitor = HealthMonitor::new(HealthConfig::default());
        let level = settle(&mut monitor, case.check, unhealthy);
        assert_eq!(level, case.reached, "{name} just past");
    }
}

#[test]
fn hysteresis_exit_for_every_default() {
    for case in &CASES {
        let name = case.check.as_str();
        // "Above" checks hold their level at the exit value; "below" checks leave it there.
        let at_exit = if case.above { case.reached } else { Level::Ok };
        let mut probes = vec![
            ("just inside exit", beside(case, case.exit, true), Level::Ok),
            ("at exit", case.exit, at_exit),
            (
                "just past exit",
                beside(case, case.exit, false),
                case.reached,
            ),
        ];
        if case.exit != case.enter {
            let between = (case.exit + case.enter) / 2.0;
            probes.push(("between exit and entry", between, case.reached));
        }
        for (label, value, expected) in probes {
            let mut monitor = HealthMonitor::new(HealthConfig::default());
            let entered = settle(&mut monitor, case.check, beside(case, case.enter, false));
            assert_eq!(entered, case.reached, "{name} entered");
            let level = settle(&mut monitor, case.check, value);
            assert_eq!(level, expected, "{name} {label} ({value})");
        }
    }
}

#[test]
fn confirmation_soft_then_hard_for_every_default() {
    for case in &CASES {
        let name = case.check.as_str();
        let confirm = threshold(case.check).confirm_samples;
        let unhealthy = beside(case, case.enter, false);
        let mut monitor = HealthMonitor::new(HealthConfig::default());
        for i in 1..confirm {
            let change = monitor.observe(case.check, Reading::Known(unhealthy), i64::from(i));
            assert_eq!(change, None, "{name} sample {i} stays soft");
            assert_eq!(
                monitor.level(case.check),
                Level::Ok,
                "{name} sample {i} level"
            );
            let soft = monitor.report().checks[case.check as usize].soft;
            assert!(soft, "{name} sample {i} is soft");
        }
        let change = monitor
            .observe(case.check, Reading::Known(unhealthy), i64::from(confirm))
            .unwrap_or_else(|| panic!("{name} confirms after {confirm} samples"));
        assert_eq!(change.to, case.reached, "{name} hard level");
        assert!(!change.suppressed, "{name} not flapping");
    }
}

#[test]
fn flapping_metric_is_suppressed() {
    let mut monitor = HealthMonitor::new(HealthConfig::default());
    let mut notified = 0;
    let mut suppressed = 0;
    // Daily limit used confirms at once, so every swing across 95% changes the level.
    for i in 0..40 {
        let value = if i % 2 == 0 { 99.0 } else { 10.0 };
        if let Some(change) = monitor.observe(Check::DailyLimitUsed, Reading::Known(value), i) {
            if change.suppressed {
                suppressed += 1;
            } else {
                notified += 1;
            }
        }
    }
    assert!(notified <= 6, "notified {notified}");
    assert!(suppressed >= 30, "suppressed {suppressed}");
    assert!(monitor.report().checks[Check::DailyLimitUsed as usize].flapping);
    for i in 40..70 {
        monitor.observe(Check::DailyLimitUsed, Reading::Known(10.0), i);
    }
    assert!(!monitor.report().checks[Check::DailyLimitUsed as usize].flapping);
}
