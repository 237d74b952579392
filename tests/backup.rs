//! Backups: create, verify against each kind of corruption, restore, and reject
//! hostile paths without writing anything.

use mikrobot::backup::{
    create_backup, list_backups, restore_backup, verify_backup, BackupConfig, BackupKind,
    BackupReason, Layout, NoGuardRunning, RestoreHooks, RestoreStep, StepOutcome, VerifyIssue,
    MANIFEST_FILE, SEAL_FILE,
};
use mikrobot::store::{Journal, Record, RecordKind, StoreConfig, StoreReader};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

const T0: i64 = 1_764_806_400_000;

fn log_dirs() -> Vec<String> {
    ["logs", "mt5_logs", "performance_logs", "error_logs"]
        .map(String::from)
        .to_vec()
}

fn layout(root: &Path) -> Layout {
    Layout::new(
        root,
        &StoreConfig::default(),
        &BackupConfig::default(),
        &log_dirs(),
    )
}

fn append_alerts(root: &Path, count: usize, tag: &str) {
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
}

/// A state directory with a journal, a configuration file and log files.
fn fixture(root: &Path) -> Layout {
    append_alerts(root, 50, "first");
    std::fs::write(root.join("mikrobot.toml"), "schema_version = 1\n").unwrap();
    std::fs::create_dir_all(root.join("logs")).unwrap();
    std::fs::write(
        root.join("logs/mikrobot-2025-12-01.log"),
        "started\n".repeat(100),
    )
    .unwrap();
    std::fs::create_dir_all(root.join("performance_logs")).unwrap();
    std::fs::write(root.join("performance_logs/latency.csv"), "ms\n1\n2\n").unwrap();
    layout(root)
}

/// Every file under `root` except the backups, with the SHA-256 of its contents.
fn tree(root: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            let relative = path.strip_prefix(root).unwrap().to_owned();
            if relative.starts_with("backups") {
                continue;
            }
            let file_type = entry.file_type().unwrap();
            if file_type.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap_or_default();
                out.insert(relative, hex::encode(Sha256::digest(bytes)));
            }
        }
    }
    out
}

fn journal_tags(root: &Path) -> (String, u64) {
    let reader = StoreReader::open(&root.join("journal.db"), &StoreConfig::default()).unwrap();
    let state = reader.load_state::<String>("engine").unwrap().unwrap();
    (state.value, reader.count(RecordKind::Alert).unwrap())
}

#[test]
fn system_backup_lists_every_component() {
    let dir = tempfile::tempdir().unwrap();
    let layout = fixture(dir.path());
    let info = create_backup(&layout, BackupKind::System, BackupReason::Manual, T0).unwrap();
    assert_eq!(info.id, "system-20251204T000000000Z");
    assert_eq!(info.files, 4);
    let report = verify_backup(&info.dir).unwrap();
    assert!(report.ok(), "{:?}", report.issues);
    assert_eq!(report.files_checked, 4);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(info.dir.join(MANIFEST_FILE)).unwrap()).unwrap();
    assert_eq!(manifest["kind"], "system");
    assert_eq!(
        manifest["components"],
        serde_json::json!(["config", "logs", "data"])
    );
    let config_hash = hex::encode(Sha256::digest(b"schema_version = 1\n"));
    let config_entry = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["path"] == "mikrobot.toml")
        .unwrap();
    assert_eq!(config_entry["sha256"], config_hash);
    let listed = list_backups(&layout).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, info.id);
}

#[test]
fn kinds_copy_their_own_components() {
    let dir = tempfile::tempdir().unwrap();
    let layout = fixture(dir.path());
    let trading = create_backup(&layout, BackupKind::Trading, BackupReason::Scheduled, T0).unwrap();
    let config = create_backup(
        &layout,
        BackupKind::Configuration,
        BackupReason::Scheduled,
        T0,
    )
    .unwrap();
    assert_eq!(trading.files, 2, "the database and one performance log");
    assert_eq!(config.files, 1, "the configuration file");
    assert!(trading.dir.join("files/journal.db").is_file());
    assert!(trading
        .dir
        .join("files/performance_logs/latency.csv")
        .is_file());
    assert!(config.dir.join("files/mikrobot.toml").is_file());
}

#[test]
fn same_millisecond_backups_get_distinct_ids() {
    let dir = tempfile::tempdir().unwrap();
    let layout = fixture(dir.path());
    let first =
        create_backup(&layout, BackupKind::Configuration, BackupReason::Manual, T0).unwrap();
    let second =
        create_backup(&layout, BackupKind::Configuration, BackupReason::Manual, T0).unwrap();
    assert_ne!(first.id, second.id);
    assert!(verify_backup(&second.dir).unwrap().ok());
}

fn fresh_backup() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let layout = fixture(dir.path());
    let info = create_backup(&layout, BackupKind::System, BackupReason::Manual, T0).unwrap();
    (dir, info.dir)
}

#[test]
fn verify_detects_flipped_bit() {
    let (_dir, backup) = fresh_backup();
    let path = backup.join("files/journal.db");
    let mut bytes = std::fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x10;
    std::fs::write(&path, bytes).unwrap();
    let issues = verify_backup(&backup).unwrap().issues;
    assert_eq!(
        issues,
        vec![VerifyIssue::HashMismatch("journal.db".to_owned())]
    );
}

#[test]
fn verify_detects_truncated_file() {
    let (_dir, backup) = fresh_backup();
    let path = backup.join("files/logs/mikrobot-2025-12-01.log");
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
    let issues = verify_backup(&backup).unwrap().issues;
    assert!(
        matches!(&issues[..], [VerifyIssue::SizeMismatch { path, expected: 800, found: 799 }] if path == "logs/mikrobot-2025-12-01.log"),
        "{issues:?}"
    );
}

#[test]
fn verify_detects_missing_file() {
    let (_dir, backup) = fresh_backup();
    std::fs::remove_file(backup.join("files/mikrobot.toml")).unwrap();
    let issues = verify_backup(&backup).unwrap().issues;
    assert_eq!(
        issues,
        vec![VerifyIssue::Missing("mikrobot.toml".to_owned())]
    );
}

#[test]
fn verify_detects_extra_files() {
    let (_dir, backup) = fresh_backup();
    std::fs::write(backup.join("files/logs/planted.log"), "x").unwrap();
    std::fs::write(backup.join("README"), "x").unwrap();
    let issues = verify_backup(&backup).unwrap().issues;
    assert!(
        issues.contains(&VerifyIssue::Extra("logs/planted.log".to_owned())),
        "{issues:?}"
    );
    assert!(
        issues.contains(&VerifyIssue::Extra("README".to_owned())),
        "{issues:?}"
    );
    assert_eq!(issues.len(), 2);
}

#[test]
fn verify_detects_edited_manifest() {
    let (_dir, backup) = fresh_backup();
    let path = backup.join(MANIFEST_FILE);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("\"manual\"", "\"scheduled\"")).unwrap();
    let issues = verify_backup(&backup).unwrap().issues;
    assert_eq!(issues, vec![VerifyIssue::ManifestEdited]);
}

#[test]
fn verify_detects_zero_length_files() {
    let (_dir, backup) = fresh_backup();
    std::fs::write(backup.join("files/journal.db"), b"").unwrap();
    let issues = verify_backup(&backup).unwrap().issues;
    assert!(
        matches!(&issues[..], [VerifyIssue::SizeMismatch { found: 0, .. }]),
        "{issues:?}"
    );

    let (_dir, backup) = fresh_backup();
    std::fs::write(backup.join(MANIFEST_FILE), b"").unwrap();
    assert_eq!(
        verify_backup(&backup).unwrap().issues,
        vec![VerifyIssue::ManifestEdited]
    );

    let (_dir, backup) = fresh_backup();
    std::fs::write(backup.join(SEAL_FILE), b"").unwrap();
    assert_eq!(
        verify_backup(&backup).unwrap().issues,
        vec![VerifyIssue::ManifestEdited]
    );
}

#[test]
fn verify_detects_missing_seal_and_links() {
    let (_dir, backup) = fresh_backup();
    std::fs::remove_file(backup.join(SEAL_FILE)).unwrap();
    let issues = verify_backup(&backup).unwrap().issues;
    assert!(
        matches!(&issues[..], [VerifyIssue::ManifestMissing(_)]),
        "{issues:?}"
    );

    #[cfg(unix)]
    {
        let (_dir, backup) = fresh_backup();
        let target = backup.join("files/mikrobot.toml");
        std::fs::remove_file(&target).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", &target).unwrap();
        let issues = verify_backup(&backup).unwrap().issues;
        assert_eq!(
            issues,
            vec![VerifyIssue::NotRegular("mikrobot.toml".to_owned())]
        );
    }
}

#[test]
fn restore_brings_back_data_and_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let layout = fixture(root);
    let backup = create_backup(&layout, BackupKind::System, BackupReason::Manual, T0).unwrap();
    let before = tree(root);

    append_alerts(root, 30, "second");
    std::fs::write(root.join("mikrobot.toml"), "schema_version = 2\n").unwrap();
    assert_eq!(journal_tags(root), ("second".to_owned(), 80));

    let report = restore_backup(&layout, &backup.id, &mut NoGuardRunning, T0 + 1_000);
    assert!(report.ok(), "{report:?}");
    assert_eq!(report.restored_files, 4);
    let steps: Vec<RestoreStep> = report.steps.iter().map(|step| step.step).collect();
    assert_eq!(
        steps,
        [
            RestoreStep::Verify,
            RestoreStep::CheckPaths,
            RestoreStep::PreRestoreBackup,
            RestoreStep::StopTrading,
            RestoreStep::Stage,
            RestoreStep::Replace,
            RestoreStep::Validate,
            RestoreStep::RestartTrading,
            RestoreStep::Cleanup,
        ]
    );
    assert!(report
        .steps
        .iter()
        .all(|step| matches!(step.outcome, StepOutcome::Done(_))));
    assert_eq!(journal_tags(root), ("first".to_owned(), 50));
    assert_eq!(
        std::fs::read_to_string(root.join("mikrobot.toml")).unwrap(),
        "schema_version = 1\n"
    );
    // The database copy differs in bytes from the live WAL file, so it is compared
    // by contents above; every other file must be byte-identical.
    let without_db = |mut files: BTreeMap<PathBuf, String>| {
        files.retain(|path, _| !path.to_string_lossy().starts_with("journal.db"));
        files
    };
    assert_eq!(without_db(tree(root)), without_db(before));

    // The pre-restore backup holds the state the restore replaced.
    let pre = report.pre_restore_backup.clone().unwrap();
    let listed = list_backups(&layout).unwrap();
    let pre_info = listed.iter().find(|info| info.id == pre).unwrap();
    assert_eq!(pre_info.reason, BackupReason::PreRestore);
    let again = restore_backup(&layout, &pre, &mut NoGuardRunning, T0 + 2_000);
    assert!(again.ok(), "{again:?}");
    assert_eq!(journal_tags(root), ("second".to_owned(), 80));
}

struct RejectingValidation;

impl RestoreHooks for RejectingValidation {
    fn stop_trading(&mut self) -> Result<String, String> {
        Ok("stopped".to_owned())
    }
    fn validate(&mut self, _root: &Path) -> Result<String, String> {
        Err("day anchor differs from the deals".to_owned())
    }
    fn restart_trading(&mut self) -> Result<String, String> {
        Ok("restarted".to_owned())
    }
}

#[test]
fn failed_validation_rolls_back() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let layout = fixture(root);
    let backup = create_backup(&layout, BackupKind::System, BackupReason::Manual, T0).unwrap();
    append_alerts(root, 30, "second");
    let before = tree(root);
    let report = restore_backup(&layout, &backup.id, &mut RejectingValidation, T0 + 1);
    assert!(!report.ok());
    assert!(report.rolled_back);
    assert!(report.failure.as_deref().unwrap().contains("day anchor"));
    assert_eq!(
        tree(root),
        before,
        "a rolled-back restore changed the state directory"
    );
    assert_eq!(journal_tags(root), ("second".to_owned(), 80));
    let last = report.steps.last().unwrap();
    assert_eq!(last.step, RestoreStep::Cleanup);
}

#[test]
fn corrupt_backup_is_never_restored() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let layout = fixture(root);
    let backup = create_backup(&layout, BackupKind::System, BackupReason::Manual, T0).unwrap();
    append_alerts(root, 1, "second");
    std::fs::write(
        backup.dir.join("files/mikrobot.toml"),
        "schema_version = 9\n",
    )
    .unwrap();
    let before = tree(root);
    let report = restore_backup(&layout, &backup.id, &mut NoGuardRunning, T0 + 1);
    assert!(!report.ok());
    assert_eq!(report.steps.len(), 1);
    assert_eq!(report.steps[0].step, RestoreStep::Verify);
    assert!(report.pre_restore_backup.is_none());
    assert_eq!(tree(root), before);
}
