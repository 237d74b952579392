//! Hostile restores: a backup whose manifest or files would put a file outside
//! the target is rejected before anything is written, inside or outside it.

use mikrobot::backup::{
    create_backup, restore_backup, BackupConfig, BackupKind, BackupReason, Layout, NoGuardRunning,
    RestoreStep, MANIFEST_FILE, SEAL_FILE,
};
use mikrobot::store::{Journal, Record, RecordKind, StoreConfig};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

const T0: i64 = 1_764_806_400_000;

struct Case {
    root: tempfile::TempDir,
    outside: PathBuf,
    layout: Layout,
    backup: PathBuf,
    id: String,
}

fn setup() -> Case {
    let root = tempfile::tempdir().unwrap();
    let state = root.path().join("state");
    let outside = root.path().join("outside");
    std::fs::create_dir_all(&state).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("sentinel.txt"), "untouched").unwrap();
    let mut journal = Journal::open(&state.join("journal.db"), &StoreConfig::default()).unwrap();
    journal
        .append(Record::Event {
            kind: RecordKind::Alert,
            time_ms: T0,
            body: "{}".to_owned(),
        })
        .unwrap();
    journal.close(Duration::from_secs(10)).unwrap();
    std::fs::write(state.join("mikrobot.toml"), "schema_version = 1\n").unwrap();
    std::fs::create_dir_all(state.join("logs")).unwrap();
    std::fs::write(state.join("logs/a.log"), "line\n").unwrap();
    let dirs = ["logs", "mt5_logs", "performance_logs", "error_logs"].map(String::from);
    let layout = Layout::new(
        &state,
        &StoreConfig::default(),
        &BackupConfig::default(),
        &dirs,
    );
    let info = create_backup(&layout, BackupKind::System, BackupReason::Manual, T0).unwrap();
    Case {
        root,
        outside,
        layout,
        backup: info.dir,
        id: info.id,
    }
}

/// Adds an entry to the manifest and reseals it, so only the path rules can reject it.
fn forge(backup: &Path, path: &str, component: &str, contents: &[u8]) {
    let manifest_path = backup.join(MANIFEST_FILE);
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    let files = manifest["files"].as_array_mut().unwrap();
    files.retain(|entry| entry["path"] != path);
    files.push(serde_json::json!({
        "path": path,
        "component": component,
        "size": contents.len(),
        "sha256": hex::encode(Sha256::digest(contents)),
    }));
    let total: u64 = files
        .iter()
        .map(|entry| entry["size"].as_u64().unwrap())
        .sum();
    manifest["total_size"] = total.into();
    // Where the path can be created inside the backup, create it, so the restore
    // gets past verification and only the target checks stand in the way.
    let plain = !path.is_empty()
        && !path.contains(['\\', ':', '\0'])
        && !path.starts_with('/')
        && path
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != "..");
    if plain {
        let file = backup.join("files").join(path);
        if std::fs::create_dir_all(file.parent().unwrap()).is_ok() {
            let _ = std::fs::write(&file, contents);
        }
    }
    let json = serde_json::to_vec_pretty(&manifest).unwrap();
    std::fs::write(&manifest_path, &json).unwrap();
    std::fs::write(
        backup.join(SEAL_FILE),
        format!("{}\n", hex::encode(Sha256::digest(&json))),
    )
    .unwrap();
}

fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(current) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let file_type = entry.file_type().unwrap();
            if file_type.is_dir() {
                stack.push(path.clone());
                out.insert(path, b"<dir>".to_vec());
            } else if file_type.is_symlink() {
                out.insert(
                    path.clone(),
                    format!("<link {:?}>", std::fs::read_link(&path).unwrap()).into_bytes(),
                );
            } else {
                out.insert(path.clone(), std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

/// Runs the restore and checks that it failed before writing anything.
fn assert_rejected(case: &Case, label: &str) {
    let before = snapshot(case.root.path());
    let report = restore_backup(&case.layout, &case.id, &mut NoGuardRunning, T0 + 1);
    assert!(!report.ok(), "{label}: the restore succeeded");
    let failed = report.steps.last().unwrap().step;
    assert!(
        matches!(failed, RestoreStep::Verify | RestoreStep::CheckPaths),
        "{label}: rejected only at {failed:?}"
    );
    assert!(
        report.pre_restore_backup.is_none(),
        "{label}: a pre-restore backup was written"
    );
    assert_eq!(snapshot(case.root.path()), before, "{label}: files changed");
    assert_eq!(
        std::fs::read_to_string(case.outside.join("sentinel.txt")).unwrap(),
        "untouched"
    );
}

const HOSTILE_PATHS: [&str; 34] = [
    "../escape.txt",
    "../../escape.txt",
    "logs/../../escape.txt",
    "logs/../../outside/sentinel.txt",
    "/etc/passwd",
    "/tmp/escape.txt",
    "C:\\Windows\\escape.txt",
    "C:/Windows/escape.txt",
    "C:escape.txt",
    "c:\\escape.txt",
    "\\\\server\\share\\escape.txt",
    "//server/share/escape.txt",
    "\\\\?\\C:\\escape.txt",
    "\\\\.\\PhysicalDrive0",
    "..\\escape.txt",
    "logs\\..\\..\\escape.txt",
    "./../escape.txt",
    "logs/./../../escape.txt",
    "",
    ".",
    "logs/",
    "logs//a.log",
    "logs/a.log\0.txt",
    "logs/.. ",
    "logs/...",
    "logs/CON",
    "logs/nul.txt",
    "logs/COM1.log",
    "logs/a.log:stream",
    "logs/a\u{7}.log",
    "backups/system-20251204T000000000Z/manifest.json",
    "other.txt",
    "~/.ssh/authorized_keys",
    ".restore-staging/logs/a.log",
];

#[test]
fn hostile_manifest_paths_are_rejected() {
    let mut tried = 0;
    for path in HOSTILE_PATHS {
        let case = setup();
        forge(&case.backup, path, "logs", b"hostile");
        assert_rejected(&case, &format!("{path:?}"));
        tried += 1;
    }
    let long = format!("logs/{}", "a".repeat(300));
    let case = setup();
    forge(&case.backup, &long, "logs", b"hostile");
    assert_rejected(&case, "300-byte component");
    tried += 1;
    println!("hostile manifest paths rejected: {tried}");
}

#[test]
fn component_mismatch_is_rejected() {
    let case = setup();
    forge(&case.backup, "mikrobot.toml", "data", b"not a database");
    assert_rejected(&case, "configuration file labelled as data");
    let case = setup();
    forge(
        &case.backup,
        "logs",
        "logs",
        b"a file where the log directory goes",
    );
    assert_rejected(&case, "log directory as a file");
}

#[cfg(unix)]
#[test]
fn links_in_target_or_backup_are_rejected() {
    use std::os::unix::fs::symlink;

    // The target's log directory is a link to a directory outside it.
    let case = setup();
    let logs = case.layout.root.join("logs");
    std::fs::remove_dir_all(&logs).unwrap();
    symlink(&case.outside, &logs).unwrap();
    assert_rejected(&case, "target log directory is a link");

    // The target's configuration file is a link to a file outside it.
    let case = setup();
    let config = case.layout.root.join("mikrobot.toml");
    std::fs::remove_file(&config).unwrap();
    symlink(case.outside.join("sentinel.txt"), &config).unwrap();
    assert_rejected(&case, "target configuration file is a link");

    // The staging directory is a link, so staged files would land outside.
    let case = setup();
    symlink(&case.outside, case.layout.root.join(".restore-staging")).unwrap();
    assert_rejected(&case, "staging directory is a link");

    // The backup holds a link in place of a file.
    let case = setup();
    let file = case.backup.join("files/logs/a.log");
    std::fs::remove_file(&file).unwrap();
    symlink(case.outside.join("sentinel.txt"), &file).unwrap();
    assert_rejected(&case, "backup file is a link");

    // The backup's log directory is a link.
    let case = setup();
    let dir = case.backup.join("files/logs");
    std::fs::remove_dir_all(&dir).unwrap();
    symlink(&case.outside, &dir).unwrap();
    assert_rejected(&case, "backup directory is a link");

    // A parent in the target is a file, so the path cannot be a directory there.
    let case = setup();
    std::fs::remove_dir_all(case.layout.root.join("logs")).unwrap();
    std::fs::write(case.layout.root.join("logs"), "a file").unwrap();
    assert_rejected(&case, "target log directory is a file");
}
