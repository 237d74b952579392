//! The signal queue and latency tracker as a guard exposes them, and their
//! configuration sections.

use mikrobot::account::{ShortText, Side};
use mikrobot::config::Config;
use mikrobot::guard::Guard;
use mikrobot::latency::Stage;
use mikrobot::queue::{PushError, Signal};

fn signal(id: u64, priority: u8) -> Signal {
    Signal {
        id,
        time_ms: 1_488_344_400_000,
        created_us: 0,
        symbol: ShortText::new("EURUSD").unwrap(),
        side: Side::Buy,
        priority,
        volume: 0.1,
        price: 1.0552,
        stop_loss: 1.0537,
        take_profit: 1.0567,
    }
}

#[test]
fn guard_queues_signals_by_priority() {
    let state = tempfile::tempdir().unwrap();
    let mut guard = Guard::open(Config::default(), state.path()).unwrap();
    guard.push_signal(signal(1, 0)).unwrap();
    guard.signal_queue().push(signal(2, 3)).unwrap();
    let rejected = signal(3, 4);
    assert!(matches!(
        guard.push_signal(rejected),
        Err(PushError::InvalidPriority { priority: 4, .. })
    ));
    assert_eq!(guard.pop_signal().map(|s| s.id), Some(2));
    assert_eq!(guard.pop_signal().map(|s| s.id), Some(1));
    assert_eq!(guard.pop_signal(), None);
}

#[test]
fn guard_reports_latency() {
    let state = tempfile::tempdir().unwrap();
    let guard = Guard::open(Config::default(), state.path()).unwrap();
    let now = 1_488_344_400_000;
    guard.record_latency(Stage::Signal, 40_000, now).unwrap();
    guard.record_latency(Stage::Signal, 120_000, now).unwrap();
    guard.record_latency(Stage::Execution, 80_000, now).unwrap();
    let report = guard.latency_report(now);
    assert_eq!(report.signal.cumulative.count, 2);
    assert_eq!(report.signal.window.under_target_share, 0.5);
    assert_eq!(report.signal.window.max_us, 120_000);
    assert_eq!(report.execution.cumulative.under_target_share, 1.0);
    assert_eq!(report.signal_warning_us, 100_000);
}

#[test]
fn config_sections_parse_and_validate() {
    let text = "schema_version = 1\n[queue]\ncapacity = 64\nlevels = 2\n\
                [latency]\nsignal_target_ms = 20\nwindow_ms = 60000\nwindow_slices = 6\n";
    let config = Config::from_toml_str(text).unwrap();
    assert_eq!(config.queue.capacity, 64);
    assert_eq!(config.queue.levels, 2);
    assert_eq!(config.latency.signal_target_ms, 20);
    assert_eq!(config.latency.execution_target_ms, 100);

    let bad_levels = Config::from_toml_str("schema_version = 1\n[queue]\nlevels = 0\n");
    let message = bad_levels.unwrap_err().to_string();
    assert!(message.contains("[queue]"), "{message}");
    assert!(message.contains("levels 0"), "{message}");

    let bad_window = Config::from_toml_str("schema_version = 1\n[latency]\nwindow_slices = 0\n");
    let message = bad_window.unwrap_err().to_string();
    assert!(message.contains("[latency]"), "{message}");
}
