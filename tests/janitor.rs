//! The log janitor over 60 simulated days, with locked files mixed in.

use flate2::read::GzDecoder;
use mikrobot::janitor::{run_janitor, LogsConfig};
use std::collections::BTreeMap;
use std::fs::{File, FileTimes};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

const DAY_MS: i64 = 86_400_000;
const BASE_MS: i64 = 1_764_547_200_000;

fn config() -> LogsConfig {
    LogsConfig {
        lock_retries: 1,
        retry_delay_ms: 1,
        ..LogsConfig::default()
    }
}

fn set_mtime(path: &Path, time_ms: i64) {
    let time = UNIX_EPOCH + Duration::from_millis(time_ms as u64);
    File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_times(FileTimes::new().set_modified(time))
        .unwrap();
}

fn contents(dir: &str, day: i64) -> Vec<u8> {
    let mut text = String::new();
    for line in 0..(50 + day * 7 % 200) {
        text.push_str(&format!(
            "2025-12-{day:02} {dir} tick {line} equity {}\n",
            100_000 + line * 13 % 977
        ));
    }
    text.into_bytes()
}

fn gunzip(path: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    GzDecoder::new(File::open(path).unwrap())
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn gz_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".gz");
    PathBuf::from(name)
}

#[test]
fn sixty_days_with_locked_files() {
    let root = tempfile::tempdir().unwrap();
    let config = config();
    let mut originals: BTreeMap<PathBuf, (i64, Vec<u8>)> = BTreeMap::new();
    let current = root.path().join("logs/current.log");
    std::fs::create_dir_all(current.parent().unwrap()).unwrap();
    std::fs::write(&current, "being written\n").unwrap();
    set_mtime(&current, BASE_MS - 90 * DAY_MS);
    let mut total_locked = 0;
    let mut total_compressed = 0;
    let mut total_deleted = 0;
    let mut saved = 0;

    for day in 0..60 {
        for dir in &config.dirs {
            let path = root.path().join(dir).join(format!("{dir}-day{day:02}.log"));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            let bytes = contents(dir, day);
            std::fs::write(&path, &bytes).unwrap();
            set_mtime(&path, BASE_MS + day * DAY_MS);
            originals.insert(path, (BASE_MS + day * DAY_MS, bytes));
        }
        let now = BASE_MS + day * DAY_MS + 3_600_000;
        // Lock the files of every fifth day just as they come due for compression,
        // and those of every seventh day as they come due for deletion.
        let mut held = Vec::new();
        for (path, (mtime, _)) in &originals {
            let age_days = (now - mtime) / DAY_MS;
            let file_day = (mtime - BASE_MS) / DAY_MS;
            let lock_now =
                (age_days == 7 && file_day % 5 == 0) || (age_days == 30 && file_day % 7 == 0);
            let target = if path.exists() {
                path.clone()
            } else {
                gz_path(path)
            };
            if lock_now && target.exists() {
                let file = File::open(&target).unwrap();
                file.lock().unwrap();
                held.push((target, file));
            }
        }
        let report = run_janitor(root.path(), &config, now, std::slice::from_ref(&current));
        assert!(report.errors.is_empty(), "day {day}: {:?}", report.errors);
        let held_paths: Vec<PathBuf> = held.iter().map(|(path, _)| path.clone()).collect();
        assert_eq!(
            report.locked.len(),
            held.len(),
            "day {day}: locked files reported"
        );
        for locked in &report.locked {
            assert!(
                held_paths.contains(locked),
                "day {day}: {} reported locked",
                locked.display()
            );
        }
        assert!(
            report.skipped_in_use.contains(&current),
            "day {day}: current file not skipped"
        );
        total_locked += report.locked.len();
        total_compressed += report.compressed.len();
        total_deleted += report.deleted.len();
        saved += report.bytes_saved();
        drop(held);

        // Everything older than 7 days is compressed, unless locked in this run.
        for (path, (mtime, bytes)) in &originals {
            let age = now - mtime;
            let gz = gz_path(path);
            if age > 30 * DAY_MS {
                let locked = held_paths.contains(path) || held_paths.contains(&gz);
                assert!(
                    locked || !path.exists() && !gz.exists(),
                    "day {day}: {} older than 30 days remains",
                    path.display()
                );
            } else if age > 7 * DAY_MS {
                if held_paths.contains(path) {
                    assert!(
                        path.exists(),
                        "day {day}: locked {} was touched",
                        path.display()
                    );
                    continue;
                }
                assert!(
                    !path.exists(),
                    "day {day}: {} not compressed",
                    path.display()
                );
                assert_eq!(
                    &gunzip(&gz),
                    bytes,
                    "day {day}: {} decompresses differently",
                    gz.display()
                );
                let gz_mtime = std::fs::metadata(&gz).unwrap().modified().unwrap();
                assert_eq!(gz_mtime, UNIX_EPOCH + Duration::from_millis(*mtime as u64));
            } else {
                assert!(
                    path.exists(),
                    "day {day}: {} younger than 7 days was touched",
                    path.display()
                );
                assert!(!gz.exists());
            }
        }
    }
    // The run after the last locks leaves nothing older than 30 days.
    let now = BASE_MS + 60 * DAY_MS + 3_600_000;
    let report = run_janitor(root.path(), &config, now, std::slice::from_ref(&current));
    assert!(report.locked.is_empty());
    for (path, (mtime, _)) in &originals {
        if now - mtime > 30 * DAY_MS {
            assert!(
                !path.exists() && !gz_path(path).exists(),
                "{} remains",
                path.display()
            );
        }
    }
    assert_eq!(
        std::fs::read_to_string(&current).unwrap(),
        "being written\n"
    );
    assert!(
        total_locked >= 10,
        "only {total_locked} locked files were exercised"
    );
    println!(
        "janitor over 60 days: {total_compressed} compressed, {total_deleted} deleted, \
         {total_locked} locked skips, {saved} bytes saved"
    );
}

#[test]
fn interrupted_compression_is_finished_or_undone() {
    let root = tempfile::tempdir().unwrap();
    let config = config();
    let dir = root.path().join("logs");
    std::fs::create_dir_all(&dir).unwrap();
    let now = BASE_MS + 60 * DAY_MS;

    // A crash mid-compression left a partial temporary file beside the original.
    let first = dir.join("first.log");
    std::fs::write(&first, contents("logs", 1)).unwrap();
    std::fs::write(dir.join("first.log.gz.tmp"), b"\x1f\x8b partial").unwrap();
    set_mtime(&first, now - 10 * DAY_MS);

    // A crash after the rename left both the original and its complete .gz.
    let second = dir.join("second.log");
    std::fs::write(&second, contents("logs", 2)).unwrap();
    set_mtime(&second, now - 10 * DAY_MS);
    std::fs::copy(&second, dir.join("second.copy")).unwrap();
    mikrobot::janitor::gzip_file(&dir.join("second.copy"), 6).unwrap();
    std::fs::rename(dir.join("second.copy.gz"), dir.join("second.log.gz")).unwrap();

    let report = run_janitor(root.path(), &config, now, &[]);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.leftovers_removed, 1);
    assert!(!dir.join("first.log.gz.tmp").exists());
    assert_eq!(gunzip(&dir.join("first.log.gz")), contents("logs", 1));
    assert!(!first.exists());
    assert_eq!(gunzip(&dir.join("second.log.gz")), contents("logs", 2));
    assert!(!second.exists());
}

#[test]
fn config_defaults_and_validation() {
    let config: LogsConfig = toml::from_str("").unwrap();
    assert_eq!(config, LogsConfig::default());
    assert_eq!(
        config.dirs,
        ["logs", "mt5_logs", "performance_logs", "error_logs"]
    );
    config.validate().unwrap();
    let bad = LogsConfig {
        compress_after_days: 30,
        ..LogsConfig::default()
    };
    assert!(bad.validate().unwrap_err().contains("compress_after_days"));
    let bad = LogsConfig {
        dirs: vec!["../elsewhere".to_owned()],
        ..LogsConfig::default()
    };
    assert!(bad.validate().unwrap_err().contains("../elsewhere"));
    let bad = LogsConfig {
        level: "loud".to_owned(),
        ..LogsConfig::default()
    };
    assert!(bad.validate().unwrap_err().contains("logs.level"));
}
