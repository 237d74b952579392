//! Fault injection on the state write path: an I/O error, a full disk, a short
//! write or a failed fsync at every step of a commit. After each fault the store
//! holds the old state or the new one, the failure is reported, and every
//! acknowledged record is on disk.

use mikrobot::account::{Deal, DealEntry, DealType, ShortText};
use mikrobot::store::fault::{self, FaultKind, VFS_NAME};
use mikrobot::store::{Journal, Record, StoreConfig, StoreReader};
use parking_lot::Mutex;
use std::path::Path;
use std::time::{Duration, Instant};

/// The fault plan is process-wide, so the tests in this file take turns.
static SERIAL: Mutex<()> = Mutex::new(());

/// Steps skipped between two tried ones on the slow backup and restore paths:
/// `MIKROBOT_FAULT_STRIDE` (1 tries every step; the CI durability step sets it),
/// 4 by default.
fn stride() -> u64 {
    std::env::var("MIKROBOT_FAULT_STRIDE")
        .ok()
        .and_then(|value| value.parse().ok())
        .filter(|&value| value >= 1)
        .unwrap_or(4)
}

fn faulty_config() -> StoreConfig {
    StoreConfig {
        vfs: Some(VFS_NAME.to_owned()),
        retry_delay_ms: 20,
        ..StoreConfig::default()
    }
}

fn deal(ticket: u64) -> Deal {
    Deal {
        time_ms: 1_700_000_000_000 + ticket as i64,
        ticket,
        position_id: ticket,
        order: ticket,
        symbol: ShortText::new("EURUSD").unwrap(),
        deal_type: DealType::Buy,
        entry: DealEntry::In,
        volume: 0.1,
        price: 1.08,
        profit: 0.0,
        commission: -0.7,
        swap: 0.0,
        fee: 0.0,
        magic: 1,
        comment: ShortText::truncated("fault test"),
    }
}

/// Checks what is on disk against what the journal has acknowledged.
fn check_on_disk(path: &Path, acked: u64, old_state: u64, new_state: u64) {
    let reader = StoreReader::open(path, &StoreConfig::default()).unwrap();
    reader.integrity_check().unwrap();
    let rows = reader.records_after(0, 1_000).unwrap();
    let journaled: Vec<u64> = rows.iter().map(|row| row.seq).collect();
    for seq in 1..=acked {
        if seq != old_state && seq != new_state {
            assert!(
                journaled.contains(&seq),
                "acknowledged record {seq} is missing"
            );
        }
    }
    let state = reader.load_state::<Vec<u64>>("engine").unwrap().unwrap();
    assert!(
        state.seq == old_state || state.seq == new_state,
        "state {} is neither the old {old_state} nor the new {new_state}",
        state.seq
    );
    if acked >= new_state {
        assert_eq!(
            state.seq, new_state,
            "the new state was acknowledged but not stored"
        );
    }
    let expected = if state.seq == old_state {
        vec![1]
    } else {
        vec![1, 2]
    };
    assert_eq!(state.value, expected);
}

#[test]
fn commit_survives_a_fault_at_every_step() {
    let _serial = SERIAL.lock();
    let mut cases = 0;
    let mut failed = 0;
    for kind in FaultKind::ALL {
        for after in 0.. {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("journal.db");
            let mut journal = Journal::open(&path, &faulty_config()).unwrap();
            for ticket in 0..10 {
                journal.append(Record::Deal(deal(ticket))).unwrap();
            }
            let old_state = journal.save_state("engine", 1, &vec![1u64]).unwrap();
            assert!(journal.wait_acked(old_state, Duration::from_secs(5)));

            fault::arm(dir.path(), kind, after);
            for ticket in 10..20 {
                journal.append(Record::Deal(deal(ticket))).unwrap();
            }
            let new_state = journal.save_state("engine", 2, &vec![1u64, 2]).unwrap();
            let deadline = Instant::now() + Duration::from_secs(5);
            while !journal.is_failing() && journal.acked_seq() < new_state {
                assert!(
                    Instant::now() < deadline,
                    "the writer neither committed nor failed"
                );
                std::thread::sleep(Duration::from_millis(1));
            }
            let failing = journal.is_failing();
            let acked = journal.acked_seq();
            check_on_disk(&path, acked, old_state, new_state);
            let outcome = fault::disarm();
            if failing {
                failed += 1;
                assert!(outcome.fired, "the writer failed without an injected fault");
                assert!(acked < new_state, "a failed commit was acknowledged");
                let status = journal.status();
                assert!(status.failed_commits >= 1);
                assert!(
                    status.last_error.is_some(),
                    "the failure carries no message"
                );
            }
            // Once the fault has passed, the retried commit goes through.
            assert!(
                journal.wait_acked(new_state, Duration::from_secs(5)),
                "the writer did not recover after {kind:?} at step {after}: {:?}",
                journal.status()
            );
            assert!(!journal.is_failing());
            journal.close(Duration::from_secs(5)).unwrap();
            check_on_disk(&path, new_state, old_state, new_state);
            cases += 1;
            if !outcome.fired {
                break;
            }
        }
    }
    println!("commit fault cases: {cases}, commits reported failed: {failed}");
    assert!(
        failed >= FaultKind::ALL.len() * 2,
        "too few commits failed: {failed} of {cases}"
    );
}

mod backup_and_logs {
    use super::{stride, SERIAL};
    use flate2::read::GzDecoder;
    use mikrobot::backup::{
        create_backup, list_backups, restore_backup, verify_backup, BackupConfig, BackupKind,
        BackupReason, Layout, NoGuardRunning,
    };
    use mikrobot::janitor::{run_janitor, LogsConfig};
    use mikrobot::store::fault::{self, FaultKind, VFS_NAME};
    use mikrobot::store::{Journal, Record, RecordKind, StoreConfig, StoreReader};
    use std::fs::{File, FileTimes};
    use std::io::Read;
    use std::path::Path;
    use std::time::{Duration, UNIX_EPOCH};

    const T0: i64 = 1_764_806_400_000;

    fn store_config() -> StoreConfig {
        StoreConfig {
            vfs: Some(VFS_NAME.to_owned()),
            ..StoreConfig::default()
        }
    }

    fn write_state(root: &Path, count: usize, tag: &str) {
        let mut journal = Journal::open(&root.join("journal.db"), &StoreConfig::default()).unwrap();
        for index in 0..count {
            journal
                .append(Record::Event {
                    kind: RecordKind::Alert,
                    time_ms: T0 + index as i64,
                    body: format!(r#"{{"tag":"{tag}","n":{index}}}"#),
                })
                .unwrap();
        }
        journal.save_state("engine", T0, &tag).unwrap();
        journal.close(Duration::from_secs(10)).unwrap();
        std::fs::write(root.join("mikrobot.toml"), format!("tag = \"{tag}\"\n")).unwrap();
    }

    fn fixture(root: &Path) -> Layout {
        write_state(root, 40, "old");
        std::fs::create_dir_all(root.join("logs")).unwrap();
        std::fs::write(root.join("logs/a.log"), "line\n".repeat(500)).unwrap();
        let dirs = ["logs"].map(String::from);
        Layout::new(root, &store_config(), &BackupConfig::default(), &dirs)
    }

    /// The tag of the journal's state and of the configuration file, which must agree.
    fn state_tag(root: &Path) -> String {
        let reader = StoreReader::open(&root.join("journal.db"), &StoreConfig::default()).unwrap();
        reader.integrity_check().unwrap();
        let state = reader
            .load_state::<String>("engine")
            .unwrap()
            .unwrap()
            .value;
        let config = std::fs::read_to_string(root.join("mikrobot.toml")).unwrap();
        assert_eq!(
            config,
            format!("tag = \"{state}\"\n"),
            "configuration and data disagree"
        );
        state
    }

    #[test]
    fn backup_survives_a_fault_at_every_step() {
        let _serial = SERIAL.lock();
        let mut cases = 0;
        let mut failed = 0;
        for kind in FaultKind::ALL {
            for after in (0..).step_by(stride() as usize) {
                let dir = tempfile::tempdir().unwrap();
                let layout = fixture(dir.path());
                fault::arm(dir.path(), kind, after);
                let result = create_backup(&layout, BackupKind::System, BackupReason::Manual, T0);
                let outcome = fault::disarm();
                // Whatever a listing shows must be a complete, verified backup.
                let listed = list_backups(&layout).unwrap();
                for backup in &listed {
                    let report = verify_backup(&backup.dir).unwrap();
                    assert!(
                        report.ok(),
                        "{kind:?} at step {after}: listed backup is broken: {}",
                        report.summary()
                    );
                }
                match result {
                    Ok(info) => {
                        assert_eq!(listed.len(), 1);
                        assert_eq!(listed[0].id, info.id);
                    }
                    Err(error) => {
                        failed += 1;
                        assert!(outcome.fired, "backup failed without a fault: {error}");
                        assert!(!error.to_string().is_empty());
                    }
                }
                cases += 1;
                if !outcome.fired {
                    break;
                }
            }
        }
        println!("backup fault cases: {cases}, backups reported failed: {failed}");
        assert!(
            failed as u64 >= 40 / stride(),
            "too few backup steps failed: {failed}"
        );
    }

    #[test]
    fn restore_survives_a_fault_at_every_step() {
        let _serial = SERIAL.lock();
        let mut cases = 0;
        let mut rolled_back = 0;
        for kind in FaultKind::ALL {
            for after in (0..).step_by(stride() as usize) {
                let dir = tempfile::tempdir().unwrap();
                let root = dir.path();
                let layout = fixture(root);
                let backup =
                    create_backup(&layout, BackupKind::System, BackupReason::Manual, T0).unwrap();
                write_state(root, 60, "new");
                fault::arm(root, kind, after);
                let report = restore_backup(&layout, &backup.id, &mut NoGuardRunning, T0 + 1);
                let outcome = fault::disarm();
                let tag = state_tag(root);
                if report.ok() {
                    assert_eq!(
                        tag, "old",
                        "{kind:?} at step {after}: a restore reported done but not applied"
                    );
                } else {
                    assert!(outcome.fired, "restore failed without a fault: {report:?}");
                    assert!(report.failure.is_some());
                    // Before the replacement or after a rollback the new state stands;
                    // a failed cleanup after validation leaves the restored one.
                    let cleanup_only = report.steps.iter().all(|step| {
                        matches!(step.outcome, mikrobot::backup::StepOutcome::Done(_))
                            || step.step == mikrobot::backup::RestoreStep::Cleanup
                    });
                    let expected = if cleanup_only { "old" } else { "new" };
                    assert_eq!(tag, expected, "{kind:?} at step {after}: {report:?}");
                    if report.rolled_back {
                        rolled_back += 1;
                    }
                }
                cases += 1;
                if !outcome.fired {
                    break;
                }
            }
        }
        println!("restore fault cases: {cases}, rolled back: {rolled_back}");
        assert!(
            rolled_back >= 2,
            "too few faults reached the replacement: {rolled_back}"
        );
    }

    fn gunzip(path: &Path) -> Vec<u8> {
        let mut out = Vec::new();
        GzDecoder::new(File::open(path).unwrap())
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn janitor_loses_no_log_under_faults() {
        let _serial = SERIAL.lock();
        let config = LogsConfig {
            lock_retries: 0,
            ..LogsConfig::default()
        };
        let now = T0 + 40 * 86_400_000;
        let mut cases = 0;
        for kind in FaultKind::ALL {
            for after in 0.. {
                let dir = tempfile::tempdir().unwrap();
                let logs = dir.path().join("logs");
                std::fs::create_dir_all(&logs).unwrap();
                let mut files = Vec::new();
                for (index, age_days) in [10i64, 12, 35].into_iter().enumerate() {
                    let path = logs.join(format!("day{index}.log"));
                    let bytes = format!("log {index}\n").repeat(2_000).into_bytes();
                    std::fs::write(&path, &bytes).unwrap();
                    let time =
                        UNIX_EPOCH + Duration::from_millis((now - age_days * 86_400_000) as u64);
                    File::options()
                        .write(true)
                        .open(&path)
                        .unwrap()
                        .set_times(FileTimes::new().set_modified(time))
                        .unwrap();
                    files.push((path, bytes, age_days));
                }
                fault::arm(dir.path(), kind, after);
                let report = run_janitor(dir.path(), &config, now, &[]);
                let outcome = fault::disarm();
                if !report.errors.is_empty() {
                    assert!(
                        outcome.fired,
                        "janitor failed without a fault: {:?}",
                        report.errors
                    );
                }
                for (path, bytes, age_days) in &files {
                    let gz = path.with_extension("log.gz");
                    if *age_days > 30 {
                        continue;
                    }
                    let original_ok = path.exists() && std::fs::read(path).unwrap() == *bytes;
                    let gz_ok = gz.exists() && gunzip(&gz) == *bytes;
                    assert!(
                        original_ok || gz_ok,
                        "{kind:?} at step {after}: {} lost",
                        path.display()
                    );
                    if report.compressed.contains(path) {
                        assert!(gz_ok && !path.exists(), "reported compressed but not done");
                    }
                }
                // The next run without faults finishes the job.
                let report = run_janitor(dir.path(), &config, now, &[]);
                assert!(report.errors.is_empty(), "{:?}", report.errors);
                for (path, bytes, age_days) in &files {
                    let gz = path.with_extension("log.gz");
                    assert!(!path.exists());
                    if *age_days <= 30 {
                        assert_eq!(gunzip(&gz), *bytes);
                    }
                }
                cases += 1;
                if !outcome.fired {
                    break;
                }
            }
        }
        println!("janitor fault cases: {cases}");
    }
}
