//! The library's daily log file: installed once per process, written in the
//! background, and skipped by the janitor while it is being written.

use mikrobot::janitor::daily_log::{current_file, file_name};
use mikrobot::janitor::{install_daily_log, run_janitor, DailyLogInstall, LogsConfig};
use std::fs::{File, FileTimes};
use std::time::{Duration, UNIX_EPOCH};

#[test]
fn daily_log_installs_once_and_is_skipped() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("logs");
    let outcome = install_daily_log(&dir, log::LevelFilter::Info).unwrap();
    assert_eq!(outcome, DailyLogInstall::Installed(dir.clone()));

    // A second EA in the same terminal installs again: no panic, same directory.
    let other = root.path().join("other");
    let again = install_daily_log(&other, log::LevelFilter::Debug).unwrap();
    assert_eq!(again, DailyLogInstall::AlreadyInstalled(dir.clone()));
    assert!(!other.exists(), "the second install created a directory");

    log::info!("first line from the test");
    log::warn!("second line from the test");
    log::debug!("below the level, not written");
    log::logger().flush();

    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let path = dir.join(file_name(&today));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("INFO  daily_log: first line from the test"),
        "{text}"
    );
    assert!(
        text.contains("WARN  daily_log: second line from the test"),
        "{text}"
    );
    assert!(!text.contains("below the level"));
    assert_eq!(current_file().as_deref(), Some(path.as_path()));

    // Even with an old modification time, the file being written is left alone.
    File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_times(FileTimes::new().set_modified(UNIX_EPOCH + Duration::from_secs(1_000_000)))
        .unwrap();
    let now_ms = chrono::Utc::now().timestamp_millis();
    let report = run_janitor(root.path(), &LogsConfig::default(), now_ms, &[]);
    assert!(report.skipped_in_use.contains(&path), "{report:?}");
    assert!(path.exists());
    assert!(report.deleted.is_empty());
}
