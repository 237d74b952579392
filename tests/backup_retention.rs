//! Retention against a reference model over generated backup histories, pruning
//! on disk, and the backup schedule.

use mikrobot::backup::{
    create_backup, due_kinds, list_backups, plan_retention, prune_backups, schedule_due,
    BackupConfig, BackupKind, BackupReason, Layout, RetentionInput,
};
use mikrobot::store::StoreConfig;
use proptest::prelude::*;
use std::collections::BTreeSet;

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;
const NOW_MS: i64 = 1_767_225_600_000;

/// The rule written the plain way: a backup goes when it is past its kind's
/// retention and is not the newest verified backup of its kind.
fn model(backups: &[RetentionInput], config: &BackupConfig) -> BTreeSet<String> {
    let mut delete = BTreeSet::new();
    for backup in backups {
        let keep_days = match backup.kind {
            BackupKind::System => config.system_keep_days,
            BackupKind::Trading => config.trading_keep_days,
            BackupKind::Configuration => config.configuration_keep_days,
        };
        let expired = NOW_MS - backup.created_ms > i64::from(keep_days) * DAY_MS;
        let newer_verified_exists = backups.iter().any(|other| {
            other.kind == backup.kind
                && other.verified
                && (other.created_ms, &other.id) > (backup.created_ms, &backup.id)
        });
        let is_newest_verified = backup.verified && !newer_verified_exists;
        if expired && !is_newest_verified {
            delete.insert(backup.id.clone());
        }
    }
    delete
}

fn history() -> impl Strategy<Value = Vec<RetentionInput>> {
    proptest::collection::vec((0usize..3, 0i64..(120 * 24), any::<bool>()), 0..40).prop_map(
        |rows| {
            rows.into_iter()
                .enumerate()
                .map(|(index, (kind, age_hours, verified))| RetentionInput {
                    id: format!("backup-{index:03}"),
                    kind: BackupKind::ALL[kind],
                    created_ms: NOW_MS - age_hours * HOUR_MS,
                    verified,
                })
                .collect()
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4_096))]

    #[test]
    fn retention_matches_the_model(backups in history()) {
        let config = BackupConfig::default();
        let planned: BTreeSet<String> = plan_retention(&backups, &config, NOW_MS).into_iter().collect();
        prop_assert_eq!(&planned, &model(&backups, &config));
        for kind in BackupKind::ALL {
            let newest_verified = backups
                .iter()
                .filter(|b| b.kind == kind && b.verified)
                .max_by(|a, b| (a.created_ms, &a.id).cmp(&(b.created_ms, &b.id)));
            if let Some(newest) = newest_verified {
                prop_assert!(!planned.contains(&newest.id), "deleted the newest verified {:?} backup", kind);
            }
        }
        for backup in &backups {
            let age = NOW_MS - backup.created_ms;
            if age <= config.keep_ms(backup.kind) {
                prop_assert!(!planned.contains(&backup.id), "deleted {} within its retention", backup.id);
            }
        }
    }
}

fn layout(root: &std::path::Path) -> Layout {
    let dirs = ["logs"].map(String::from);
    Layout::new(
        root,
        &StoreConfig::default(),
        &BackupConfig::default(),
        &dirs,
    )
}

#[test]
fn prune_keeps_newest_verified_over_corrupt_newer() {
    let root = tempfile::tempdir().unwrap();
    let layout = layout(root.path());
    std::fs::write(root.path().join("mikrobot.toml"), "a = 1\n").unwrap();
    let mut ids = Vec::new();
    for day in 0..5 {
        let info = create_backup(
            &layout,
            BackupKind::Configuration,
            BackupReason::Scheduled,
            NOW_MS - (200 - day) * DAY_MS,
        )
        .unwrap();
        ids.push(info.id);
    }
    // The newest backup is damaged, so the one before it is the newest verified.
    let newest = list_backups(&layout).unwrap().pop().unwrap();
    std::fs::write(newest.dir.join("files/mikrobot.toml"), "a = 2\n").unwrap();
    std::fs::create_dir_all(layout.backups_path().join(".tmp-configuration-crashed")).unwrap();

    let report = prune_backups(&layout, &BackupConfig::default(), NOW_MS).unwrap();
    assert_eq!(report.failed_verification, vec![ids[4].clone()]);
    assert_eq!(report.protected, vec![ids[3].clone()]);
    let remaining: Vec<String> = list_backups(&layout)
        .unwrap()
        .into_iter()
        .map(|b| b.id)
        .collect();
    assert_eq!(remaining, vec![ids[3].clone()]);
    assert_eq!(report.deleted.len(), 4);
    assert!(report.bytes_freed > 0);
    // A temporary directory from a crash a moment ago may still be in progress.
    assert_eq!(report.temporary_removed, 0);
}

#[test]
fn schedule_follows_intervals_and_changes() {
    let config = BackupConfig::default();
    assert_eq!(
        schedule_due(&config, None, None, false, NOW_MS),
        vec![BackupKind::System, BackupKind::Trading]
    );
    assert_eq!(
        schedule_due(
            &config,
            Some(NOW_MS - DAY_MS + 1),
            Some(NOW_MS - HOUR_MS),
            false,
            NOW_MS
        ),
        vec![BackupKind::Trading]
    );
    assert_eq!(
        schedule_due(
            &config,
            Some(NOW_MS - DAY_MS),
            Some(NOW_MS - 1),
            true,
            NOW_MS
        ),
        vec![BackupKind::System, BackupKind::Configuration]
    );
}

#[test]
fn configuration_backup_is_due_on_change() {
    let root = tempfile::tempdir().unwrap();
    let layout = layout(root.path());
    let config = BackupConfig::default();
    let has_config = |kinds: Vec<BackupKind>| kinds.contains(&BackupKind::Configuration);
    assert!(
        !has_config(due_kinds(&layout, &config, NOW_MS).unwrap()),
        "no configuration file yet"
    );
    std::fs::write(root.path().join("mikrobot.toml"), "a = 1\n").unwrap();
    assert!(has_config(due_kinds(&layout, &config, NOW_MS).unwrap()));
    create_backup(
        &layout,
        BackupKind::Configuration,
        BackupReason::Scheduled,
        NOW_MS,
    )
    .unwrap();
    assert!(!has_config(
        due_kinds(&layout, &config, NOW_MS + 1).unwrap()
    ));
    std::fs::write(root.path().join("mikrobot.toml"), "a = 2\n").unwrap();
    assert!(has_config(due_kinds(&layout, &config, NOW_MS + 2).unwrap()));
}
