//! A real full disk: the journal and a backup on a 2 MiB tmpfs mounted for the
//! test. Where mounting is not permitted the test prints why and passes.

use mikrobot::backup::{
    create_backup, list_backups, verify_backup, BackupConfig, BackupKind, BackupReason, Layout,
};
use mikrobot::store::{AppendError, Journal, Record, RecordKind, StoreConfig, StoreReader};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

struct Mount(std::path::PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

fn mount_small_tmpfs(dir: &Path) -> Result<Mount, String> {
    if !cfg!(target_os = "linux") {
        return Err("tmpfs mounts need Linux".to_owned());
    }
    let output = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=2m", "tmpfs"])
        .arg(dir)
        .output()
        .map_err(|error| format!("cannot run mount: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "mount refused: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(Mount(dir.to_owned()))
}

#[test]
fn full_disk_fails_safely() {
    let outer = tempfile::tempdir().unwrap();
    let dir = outer.path().join("small");
    std::fs::create_dir_all(&dir).unwrap();
    let _mount = match mount_small_tmpfs(&dir) {
        Ok(mount) => mount,
        Err(reason) => {
            println!("skipping the real disk-full test: {reason}");
            return;
        }
    };
    let path = dir.join("journal.db");
    let config = StoreConfig {
        retry_delay_ms: 20,
        flush_timeout_ms: 300,
        ..StoreConfig::default()
    };
    let mut journal = Journal::open(&path, &config).unwrap();
    let body = format!(r#"{{"padding":"{}"}}"#, "x".repeat(4_000));
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut appended = 0u64;
    while !journal.is_failing() {
        assert!(Instant::now() < deadline, "2 MiB never filled up");
        match journal.append(Record::Event {
            kind: RecordKind::Alert,
            time_ms: appended as i64,
            body: body.clone(),
        }) {
            Ok(seq) => {
                appended += 1;
                // Commit in small batches, so the disk fills between commits.
                if appended.is_multiple_of(20) {
                    journal.wait_acked(seq, Duration::from_secs(2));
                }
            }
            Err(AppendError::QueueFull { .. }) => std::thread::sleep(Duration::from_millis(1)),
            Err(error) => panic!("unexpected append error: {error}"),
        }
    }
    let status = journal.status();
    let message = status.last_error.clone().unwrap();
    assert!(
        message.contains("full"),
        "the failure does not say the disk is full: {message}"
    );
    let acked = journal.acked_seq();
    assert!(acked > 0, "nothing was acknowledged before the disk filled");
    assert!(
        acked < journal.last_seq(),
        "every record was acknowledged on a full disk"
    );
    assert!(
        journal.close(Duration::from_millis(300)).is_err(),
        "close reported everything saved"
    );

    let reader = StoreReader::open(&path, &StoreConfig::default()).unwrap();
    reader.integrity_check().unwrap();
    let stored = reader.count(RecordKind::Alert).unwrap();
    assert!(
        stored >= acked,
        "{stored} records stored, but {acked} were acknowledged"
    );
    println!("real disk full: {appended} appended, {acked} acknowledged, {stored} stored; error: {message}");

    // A backup onto the full disk fails and leaves nothing listed.
    let dirs = ["logs"].map(String::from);
    let layout = Layout::new(
        &dir,
        &StoreConfig::default(),
        &BackupConfig::default(),
        &dirs,
    );
    let result = create_backup(&layout, BackupKind::Trading, BackupReason::Manual, 1);
    assert!(result.is_err(), "a backup onto a full disk succeeded");
    for backup in list_backups(&layout).unwrap() {
        assert!(verify_backup(&backup.dir).unwrap().ok());
    }
}
