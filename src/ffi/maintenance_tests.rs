//! The maintenance exports end to end and under hostile calls: a backup, its listing,
//! verification and restore through the C ABI, the janitor, forged handles, null
//! pointers, invalid and hostile backup ids, zero capacities and a second job while one
//! runs. Each call must return its documented status and leave the process running.

use super::abi::*;
use super::hostile_tests::{load_deposit_history, open_guard, utf16, DAY, HOUR};
use super::maintenance::*;
use super::session::*;
use super::trading::*;
use super::{MbHandle, MbStatus};
use std::ptr::{null, null_mut};
use std::time::{Duration, Instant};

fn decision(handle: MbHandle) -> MbDecision {
    let mut decision = MbDecision::default();
    // SAFETY: `decision` is writable.
    let status = unsafe { mb_guard_decision(handle, &mut decision) };
    assert_eq!(status, MbStatus::Ok);
    decision
}

fn poll(handle: MbHandle) -> MbMaintenanceStatus {
    let mut status = MbMaintenanceStatus::default();
    // SAFETY: `status` is writable.
    let polled = unsafe { mb_maintenance_poll(handle, &mut status) };
    assert_eq!(polled, MbStatus::Ok);
    status
}

/// Polls until the job is no longer running, for at most a minute.
fn wait_for_job(handle: MbHandle) -> MbMaintenanceStatus {
    let started = Instant::now();
    loop {
        let status = poll(handle);
        if status.state != MB_JOB_STATE_RUNNING {
            return status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the job is still running after a minute"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn report(handle: MbHandle) -> String {
    let mut buffer = vec![0u8; 8_192];
    let mut needed = 0;
    // SAFETY: `buffer` holds 8,192 bytes and `needed` is writable.
    let status = unsafe {
        mb_maintenance_report_utf8(handle, buffer.as_mut_ptr().cast(), 8_192, &mut needed)
    };
    assert_eq!(status, MbStatus::Ok);
    buffer.truncate(needed as usize - 1);
    String::from_utf8(buffer).unwrap()
}

fn start_backup(handle: MbHandle, kind: i32, time_ms: i64) -> (MbStatus, String) {
    let mut id = [0u8; 128];
    let mut needed = 0;
    // SAFETY: `id` holds 128 bytes and `needed` is writable.
    let status = unsafe {
        mb_backup_start_utf8(
            handle,
            kind,
            time_ms,
            id.as_mut_ptr().cast(),
            128,
            &mut needed,
        )
    };
    let text = std::ffi::CStr::from_bytes_until_nul(&id).unwrap();
    (status, text.to_str().unwrap().to_owned())
}

fn list(handle: MbHandle) -> Vec<(MbBackupInfo, String)> {
    let mut backups = [MbBackupInfo::default(); 16];
    let mut count = 0;
    // SAFETY: `backups` holds 16 elements and `count` is writable.
    let status = unsafe { mb_backup_list(handle, backups.as_mut_ptr(), 16, &mut count) };
    assert_eq!(status, MbStatus::Ok);
    (0..count)
        .map(|index| {
            let mut id = [0u8; 128];
            let mut needed = 0;
            // SAFETY: `id` holds 128 bytes and `needed` is writable.
            let status = unsafe {
                mb_backup_list_id_utf8(handle, index, id.as_mut_ptr().cast(), 128, &mut needed)
            };
            assert_eq!(status, MbStatus::Ok);
            let text = std::ffi::CStr::from_bytes_until_nul(&id).unwrap();
            (backups[index as usize], text.to_str().unwrap().to_owned())
        })
        .collect()
}

/// Moves the guard's clock to `time_ms` with a snapshot of an untouched account, as the
/// EA's ticks do before it starts a job.
fn tick(handle: MbHandle, time_ms: i64) {
    feed(handle, time_ms, 100_000.0);
}

fn restore(handle: MbHandle, id: &str, time_ms: i64) -> MbStatus {
    let id = format!("{id}\0");
    // SAFETY: `id` is NUL-terminated.
    unsafe { mb_backup_restore_utf8(handle, id.as_ptr().cast(), time_ms) }
}

fn verify(handle: MbHandle, id: &str) -> MbStatus {
    let id = utf16(id);
    // SAFETY: `id` is NUL-terminated.
    unsafe { mb_backup_verify_utf16(handle, id.as_ptr()) }
}

#[test]
fn backup_list_verify_restore_round_trip() {
    let (handle, state) = open_guard();
    let loaded = load_deposit_history(handle, DAY + 9 * HOUR);
    assert_eq!(loaded.verdict, MB_VERDICT_MAY_TRADE);
    tick(handle, DAY + 10 * HOUR);
    let (status, id) = start_backup(handle, MB_BACKUP_KIND_SYSTEM, DAY + 10 * HOUR);
    assert_eq!(status, MbStatus::Ok);
    assert!(id.starts_with("system-"), "{id}");
    let done = wait_for_job(handle);
    assert_eq!(done.job, MB_JOB_BACKUP);
    assert_eq!(done.state, MB_JOB_STATE_SUCCEEDED, "{}", report(handle));
    assert!(done.files > 0);
    assert!(done.bytes > 0);

    let listed = list(handle);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].1, id);
    assert_eq!(listed[0].0.kind, MB_BACKUP_KIND_SYSTEM);
    assert_eq!(listed[0].0.reason, MB_BACKUP_REASON_MANUAL);
    assert_eq!(listed[0].0.created_ms, DAY + 10 * HOUR);
    assert_eq!(listed[0].0.files, done.files);

    assert_eq!(verify(handle, &id), MbStatus::Ok);
    let verified = wait_for_job(handle);
    assert_eq!(verified.job, MB_JOB_VERIFY);
    assert_eq!(verified.state, MB_JOB_STATE_SUCCEEDED, "{}", report(handle));
    assert_eq!(verified.issues, 0);
    assert_eq!(verified.files, done.files);

    tick(handle, DAY + 11 * HOUR);
    assert_eq!(restore(handle, &id, DAY + 11 * HOUR), MbStatus::Ok);
    let during = decision(handle);
    assert_eq!(
        during.verdict, MB_VERDICT_BLOCKED,
        "trading runs during the restore"
    );
    let restored = wait_for_job(handle);
    let text = report(handle);
    assert_eq!(restored.job, MB_JOB_RESTORE);
    assert_eq!(restored.state, MB_JOB_STATE_SUCCEEDED, "{text}");
    assert_eq!(restored.issues, 0, "{text}");
    assert!(restored.steps >= 8, "{text}");
    assert!(restored.files > 0, "{text}");
    for step in [
        "verify: done",
        "stop_trading: done",
        "replace: done",
        "validate: done",
    ] {
        assert!(text.contains(step), "{step} missing from {text}");
    }
    let after = decision(handle);
    assert_eq!(
        after.verdict, MB_VERDICT_BLOCKED,
        "the restored engine waits for history"
    );
    assert_eq!(after.reason, MB_REASON_NO_HISTORY);
    let reloaded = load_deposit_history(handle, DAY + 12 * HOUR);
    assert_eq!(reloaded.verdict, MB_VERDICT_MAY_TRADE, "{reloaded:?}");
    let kinds: Vec<i32> = list(handle).iter().map(|(info, _)| info.reason).collect();
    assert!(kinds.contains(&MB_BACKUP_REASON_PRE_RESTORE), "{kinds:?}");
    assert_eq!(mb_guard_close(handle), MbStatus::Ok);
    drop(state);
}

#[test]
fn restore_of_damaged_backup_rolls_nothing_in() {
    let (handle, state) = open_guard();
    load_deposit_history(handle, DAY + 9 * HOUR);
    tick(handle, DAY + 10 * HOUR);
    let (_, id) = start_backup(handle, MB_BACKUP_KIND_TRADING, DAY + 10 * HOUR);
    assert_eq!(wait_for_job(handle).state, MB_JOB_STATE_SUCCEEDED);
    let manifest = state.path().join("backups").join(&id).join("manifest.json");
    let mut text = std::fs::read_to_string(&manifest).unwrap();
    text.push(' ');
    std::fs::write(&manifest, text).unwrap();
    assert_eq!(verify(handle, &id), MbStatus::Ok);
    let verified = wait_for_job(handle);
    assert_eq!(verified.state, MB_JOB_STATE_FAILED);
    assert!(verified.issues > 0);
    tick(handle, DAY + 11 * HOUR);
    assert_eq!(restore(handle, &id, DAY + 11 * HOUR), MbStatus::Ok);
    let failed = wait_for_job(handle);
    let text = report(handle);
    assert_eq!(failed.state, MB_JOB_STATE_FAILED, "{text}");
    assert!(text.starts_with("verify: failed"), "{text}");
    assert_eq!(failed.files, 0);
    // The old store is back and the engine still has its history.
    assert_eq!(decision(handle).verdict, MB_VERDICT_MAY_TRADE);
    assert_eq!(mb_guard_close(handle), MbStatus::Ok);
}

#[test]
fn janitor_compresses_and_deletes_old_logs() {
    let (handle, state) = open_guard();
    let logs = state.path().join("mt5_logs");
    std::fs::create_dir_all(&logs).unwrap();
    for day in 0..5 {
        let text = format!("2025-03-0{day} line\n").repeat(1_000);
        std::fs::write(logs.join(format!("2025030{day}.log")), text).unwrap();
    }
    // Ten days after the files were written, every one is old enough to compress.
    let now = crate::janitor::wall_clock_ms() + 10 * 24 * HOUR;
    let server_now = records_server(handle, now);
    assert_eq!(mb_janitor_start(handle, server_now), MbStatus::Ok);
    let done = wait_for_job(handle);
    assert_eq!(done.job, MB_JOB_JANITOR);
    assert_eq!(done.state, MB_JOB_STATE_SUCCEEDED, "{}", report(handle));
    assert_eq!(done.files, 5, "{}", report(handle));
    assert_eq!(done.deleted, 0);
    assert!(done.bytes > 0);
    // Forty days on, the compressed files are deleted.
    assert_eq!(
        mb_janitor_start(handle, server_now + 30 * 24 * HOUR),
        MbStatus::Ok
    );
    let later = wait_for_job(handle);
    assert_eq!(later.deleted, 5, "{}", report(handle));
    assert_eq!(mb_guard_close(handle), MbStatus::Ok);
}

/// Converts a UTC time to the guard's server clock (New York + 7).
fn records_server(_handle: MbHandle, utc_ms: i64) -> i64 {
    super::records::server_from_utc(crate::time::ServerClock::NewYorkPlus7, utc_ms)
}

#[test]
fn second_job_while_one_runs_is_busy() {
    let (handle, _state) = open_guard();
    let (first, _) = start_backup(handle, MB_BACKUP_KIND_SYSTEM, DAY);
    assert_eq!(first, MbStatus::Ok);
    // The backup may already have finished on a fast machine; only a running one is busy.
    let (second, _) = start_backup(handle, MB_BACKUP_KIND_SYSTEM, DAY + 1);
    if poll(handle).state == MB_JOB_STATE_RUNNING || second == MbStatus::Busy {
        assert!(
            matches!(second, MbStatus::Busy | MbStatus::Ok),
            "{second:?}"
        );
    }
    wait_for_job(handle);
    assert_eq!(mb_janitor_start(handle, DAY), MbStatus::Ok);
    let status = restore(handle, "system-x", DAY);
    assert!(
        matches!(status, MbStatus::Busy | MbStatus::InvalidArgument),
        "{status:?}"
    );
    wait_for_job(handle);
    assert_eq!(mb_guard_close(handle), MbStatus::Ok);
}

#[test]
fn hostile_backup_ids_are_rejected() {
    let (handle, state) = open_guard();
    let outside = state.path().parent().unwrap().join("outside-backup");
    std::fs::create_dir_all(&outside).unwrap();
    let ids = [
        "",
        ".",
        "..",
        "../outside-backup",
        "..\\outside-backup",
        "/etc",
        "/tmp",
        "C:\\Windows",
        "C:relative",
        "\\\\server\\share",
        "\\\\?\\C:\\x",
        "a/b",
        "a\\b",
        ".tmp-system-1",
        ".restore-staging",
        "system-none",
        "nul:",
    ];
    for id in ids {
        assert_eq!(
            verify(handle, id),
            MbStatus::InvalidArgument,
            "verify {id:?}"
        );
        assert_eq!(
            restore(handle, id, DAY),
            MbStatus::InvalidArgument,
            "restore {id:?}"
        );
        assert_eq!(
            poll(handle).state,
            MB_JOB_STATE_IDLE,
            "{id:?} started a job"
        );
    }
    assert_eq!(
        decision(handle).reason,
        MB_REASON_NO_HISTORY,
        "a rejected restore blocked"
    );
    std::fs::remove_dir_all(&outside).unwrap();
    assert_eq!(mb_guard_close(handle), MbStatus::Ok);
}

#[test]
fn maintenance_exports_reject_bad_arguments() {
    let (handle, _state) = open_guard();
    let mut needed = 0;
    let mut count = 0;
    let mut id = [0u8; 64];
    // SAFETY: every pointer is null or valid for the capacity passed with it.
    unsafe {
        for kind in [-1, 3, i32::MAX] {
            let status =
                mb_backup_start_utf8(handle, kind, DAY, id.as_mut_ptr().cast(), 64, &mut needed);
            assert_eq!(status, MbStatus::InvalidArgument, "kind {kind}");
        }
        let status =
            mb_backup_start_utf8(handle, 0, i64::MAX, id.as_mut_ptr().cast(), 64, &mut needed);
        assert_eq!(status, MbStatus::InvalidTime);
        assert_eq!(mb_janitor_start(handle, i64::MIN), MbStatus::InvalidTime);
        assert_eq!(
            mb_backup_restore_utf8(handle, c"x".as_ptr(), i64::MAX),
            MbStatus::InvalidTime
        );
        assert_eq!(mb_backup_verify_utf8(handle, null()), MbStatus::NullPointer);
        assert_eq!(
            mb_backup_verify_utf16(handle, null()),
            MbStatus::NullPointer
        );
        assert_eq!(
            mb_backup_restore_utf8(handle, null(), DAY),
            MbStatus::NullPointer
        );
        assert_eq!(
            mb_backup_restore_utf16(handle, null(), DAY),
            MbStatus::NullPointer
        );
        let invalid = [0xC3u8, 0x28, 0];
        assert_eq!(
            mb_backup_verify_utf8(handle, invalid.as_ptr().cast()),
            MbStatus::InvalidUtf8
        );
        let unpaired = [0xD800u16, 0];
        assert_eq!(
            mb_backup_verify_utf16(handle, unpaired.as_ptr()),
            MbStatus::InvalidUtf16
        );
        assert_eq!(
            mb_maintenance_poll(handle, null_mut()),
            MbStatus::NullPointer
        );
        assert_eq!(
            mb_backup_list(handle, null_mut(), 4, &mut count),
            MbStatus::NullPointer
        );
        assert_eq!(
            mb_backup_list(handle, null_mut(), 0, &mut count),
            MbStatus::Ok
        );
        assert_eq!(count, 0);
        assert_eq!(
            mb_backup_list_id_utf8(handle, 0, id.as_mut_ptr().cast(), 64, &mut needed),
            MbStatus::InvalidArgument
        );
        assert_eq!(
            mb_maintenance_report_utf8(handle, null_mut(), 8, &mut needed),
            MbStatus::NullPointer
        );

        // A zero capacity writes no id but starts the backup and reports the size needed.
        let status = mb_backup_start_utf8(handle, 0, DAY, null_mut(), 0, &mut needed);
        assert_eq!(status, MbStatus::BufferTooSmall);
        assert!(needed > 8, "{needed}");
        assert_eq!(wait_for_job(handle).state, MB_JOB_STATE_SUCCEEDED);
        assert_eq!(
            mb_backup_list(handle, null_mut(), 0, &mut count),
            MbStatus::BufferTooSmall
        );
        assert_eq!(count, 1);
        let mut small = [0u16; 4];
        let status = mb_backup_list_id_utf16(handle, 0, small.as_mut_ptr(), 4, &mut needed);
        assert_eq!(status, MbStatus::BufferTooSmall);
        assert_eq!(
            mb_backup_list_id_utf8(handle, 1, id.as_mut_ptr().cast(), 64, &mut needed),
            MbStatus::InvalidArgument
        );
    }
    assert_eq!(mb_guard_close(handle), MbStatus::Ok);
}

#[test]
fn maintenance_exports_reject_forged_handles() {
    let (real, _state) = open_guard();
    assert_eq!(mb_guard_close(real), MbStatus::Ok);
    let mut status = MbMaintenanceStatus::default();
    let mut backups = [MbBackupInfo::default(); 2];
    let (mut count, mut needed) = (0u32, 0u32);
    let mut text = [0u16; 64];
    let mut bytes = [0u8; 64];
    let id = utf16("system-x");
    for handle in [0, 1, real, real | (1 << 63), u64::MAX] {
        // SAFETY: every pointer is valid for its type and capacity.
        let calls = unsafe {
            [
                (
                    "backup_start_utf8",
                    mb_backup_start_utf8(
                        handle,
                        0,
                        DAY,
                        bytes.as_mut_ptr().cast(),
                        64,
                        &mut needed,
                    ),
                ),
                (
                    "backup_start_utf16",
                    mb_backup_start_utf16(handle, 0, DAY, text.as_mut_ptr(), 64, &mut needed),
                ),
                (
                    "backup_verify_utf8",
                    mb_backup_verify_utf8(handle, c"system-x".as_ptr()),
                ),
                (
                    "backup_verify_utf16",
                    mb_backup_verify_utf16(handle, id.as_ptr()),
                ),
                (
                    "backup_list",
                    mb_backup_list(handle, backups.as_mut_ptr(), 2, &mut count),
                ),
                (
                    "backup_list_id_utf8",
                    mb_backup_list_id_utf8(handle, 0, bytes.as_mut_ptr().cast(), 64, &mut needed),
                ),
                (
                    "backup_list_id_utf16",
                    mb_backup_list_id_utf16(handle, 0, text.as_mut_ptr(), 64, &mut needed),
                ),
                (
                    "backup_restore_utf8",
                    mb_backup_restore_utf8(handle, c"system-x".as_ptr(), DAY),
                ),
                (
                    "backup_restore_utf16",
                    mb_backup_restore_utf16(handle, id.as_ptr(), DAY),
                ),
                ("janitor_start", mb_janitor_start(handle, DAY)),
                ("maintenance_poll", mb_maintenance_poll(handle, &mut status)),
                (
                    "maintenance_report_utf8",
                    mb_maintenance_report_utf8(handle, bytes.as_mut_ptr().cast(), 64, &mut needed),
                ),
                (
                    "maintenance_report_utf16",
                    mb_maintenance_report_utf16(handle, text.as_mut_ptr(), 64, &mut needed),
                ),
            ]
        };
        for (name, result) in calls {
            assert_eq!(
                result,
                MbStatus::InvalidHandle,
                "{name} with handle {handle:#x}"
            );
        }
    }
}

fn feed(handle: MbHandle, time_ms: i64, equity: f64) -> MbDecision {
    let mut decision = MbDecision::default();
    let input = super::hostile_tests::snapshot(time_ms, equity);
    // SAFETY: `input` is readable and `decision` writable.
    let status = unsafe { super::account::mb_guard_feed_snapshot(handle, &input, &mut decision) };
    assert_eq!(status, MbStatus::Ok);
    decision
}

/// Takes a backup at 10:00, breaches the daily loss at 10:30, restores the 10:00 backup and
/// reloads the history. The restored state predates the breach, but a hard breach never lifts.
#[test]
fn restore_keeps_breach_latched_after_backup() {
    let (handle, _state) = open_guard();
    load_deposit_history(handle, DAY + 9 * HOUR);
    tick(handle, DAY + 10 * HOUR);
    let (_, id) = start_backup(handle, MB_BACKUP_KIND_SYSTEM, DAY + 10 * HOUR);
    assert_eq!(wait_for_job(handle).state, MB_JOB_STATE_SUCCEEDED);
    let breached = feed(handle, DAY + 10 * HOUR + HOUR / 2, 94_000.0);
    assert_eq!(breached.reason, MB_REASON_DAILY_LOSS_BREACHED);

    tick(handle, DAY + 11 * HOUR);
    assert_eq!(restore(handle, &id, DAY + 11 * HOUR), MbStatus::Ok);
    let restored = wait_for_job(handle);
    assert_eq!(restored.state, MB_JOB_STATE_SUCCEEDED, "{}", report(handle));
    let reloaded = load_deposit_history(handle, DAY + 12 * HOUR);
    assert_ne!(
        reloaded.verdict, MB_VERDICT_MAY_TRADE,
        "the restore lifted the breach: {reloaded:?}"
    );
    assert_eq!(reloaded.reason, MB_REASON_DAILY_LOSS_BREACHED);
    assert_eq!(mb_guard_close(handle), MbStatus::Ok);
}

/// A breach reached while the restore runs is latched by the engine that the restore then
/// replaces; the restored engine must keep it.
#[test]
fn restore_keeps_breach_reached_during_restore() {
    let (handle, _state) = open_guard();
    load_deposit_history(handle, DAY + 9 * HOUR);
    tick(handle, DAY + 10 * HOUR);
    let (_, id) = start_backup(handle, MB_BACKUP_KIND_SYSTEM, DAY + 10 * HOUR);
    assert_eq!(wait_for_job(handle).state, MB_JOB_STATE_SUCCEEDED);
    tick(handle, DAY + 11 * HOUR);
    assert_eq!(restore(handle, &id, DAY + 11 * HOUR), MbStatus::Ok);
    let during = feed(handle, DAY + 11 * HOUR + 1_000, 89_000.0);
    assert_eq!(during.reason, MB_REASON_MAX_LOSS_BREACHED, "{during:?}");
    assert_eq!(wait_for_job(handle).state, MB_JOB_STATE_SUCCEEDED);
    let reloaded = load_deposit_history(handle, DAY + 12 * HOUR);
    assert_eq!(
        reloaded.reason, MB_REASON_MAX_LOSS_BREACHED,
        "the restore lifted the breach: {reloaded:?}"
    );
    assert_eq!(mb_guard_close(handle), MbStatus::Ok);
}

/// Opens a second guard on the state directory at `dir` and returns its handle.
fn reopen_guard(dir: &std::path::Path) -> MbHandle {
    let dir = format!("{}\0", dir.display());
    let mut reopened = 0;
    // SAFETY: every pointer is valid and every text NUL-terminated.
    let status = unsafe {
        mb_guard_open_utf8(
            &super::hostile_tests::abi(),
            super::hostile_tests::CONFIG.as_ptr().cast(),
            dir.as_ptr().cast(),
            &mut reopened,
        )
    };
    assert_eq!(status, MbStatus::Ok);
    reopened
}

/// The breach taken over from the running engine is saved with the restored state, so a
/// guard reopened on the directory before any history load still has it.
#[test]
fn restore_keeps_breach_after_reopen() {
    let (handle, state) = open_guard();
    load_deposit_history(handle, DAY + 9 * HOUR);
    tick(handle, DAY + 10 * HOUR);
    let (_, id) = start_backup(handle, MB_BACKUP_KIND_SYSTEM, DAY + 10 * HOUR);
    assert_eq!(wait_for_job(handle).state, MB_JOB_STATE_SUCCEEDED);
    feed(handle, DAY + 10 * HOUR + HOUR / 2, 94_000.0);
    tick(handle, DAY + 11 * HOUR);
    assert_eq!(restore(handle, &id, DAY + 11 * HOUR), MbStatus::Ok);
    assert_eq!(wait_for_job(handle).state, MB_JOB_STATE_SUCCEEDED);
    assert_eq!(mb_guard_close(handle), MbStatus::Ok);

    let reopened = reopen_guard(state.path());
    let reloaded = load_deposit_history(reopened, DAY + 12 * HOUR);
    assert_eq!(
        reloaded.reason, MB_REASON_DAILY_LOSS_BREACHED,
        "the reopened guard lost the breach: {reloaded:?}"
    );
    assert_eq!(mb_guard_close(reopened), MbStatus::Ok);
}

/// A janitor run, backup or restore stamped a year ahead of the account's clock would delete
/// every log as older than its retention, or stamp a backup that retention then keeps as the
/// newest for a year. Each is rejected with `MB_STATUS_INVALID_TIME` and starts no job.
#[test]
fn maintenance_rejects_time_far_ahead() {
    let (handle, state) = open_guard();
    load_deposit_history(handle, DAY + 9 * HOUR);
    let logs = state.path().join("mt5_logs");
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::write(logs.join("today.log"), "line\n".repeat(1_000)).unwrap();
    let ahead = crate::janitor::wall_clock_ms() + 400 * 24 * HOUR;
    let server_ahead = records_server(handle, ahead);

    assert_eq!(
        mb_janitor_start(handle, server_ahead),
        MbStatus::InvalidTime
    );
    assert_eq!(poll(handle).state, MB_JOB_STATE_IDLE, "the janitor started");
    assert!(
        logs.join("today.log").exists(),
        "the janitor deleted a new log"
    );

    let (status, _) = start_backup(handle, MB_BACKUP_KIND_SYSTEM, server_ahead);
    assert_eq!(status, MbStatus::InvalidTime);
    assert_eq!(poll(handle).state, MB_JOB_STATE_IDLE, "the backup started");

    tick(handle, DAY + 10 * HOUR);
    let (status, id) = start_backup(handle, MB_BACKUP_KIND_SYSTEM, DAY + 10 * HOUR);
    assert_eq!(status, MbStatus::Ok);
    assert_eq!(wait_for_job(handle).state, MB_JOB_STATE_SUCCEEDED);
    assert_eq!(restore(handle, &id, server_ahead), MbStatus::InvalidTime);
    assert_eq!(decision(handle).verdict, MB_VERDICT_MAY_TRADE);
    assert_eq!(mb_guard_close(handle), MbStatus::Ok);
}

/// Closing a guard while its restore runs returns at once, and a guard reopened on the
/// directory afterwards still opens and waits for a history.
#[test]
fn close_during_restore_returns() {
    let (handle, state) = open_guard();
    load_deposit_history(handle, DAY + 9 * HOUR);
    tick(handle, DAY + 10 * HOUR);
    let (_, id) = start_backup(handle, MB_BACKUP_KIND_SYSTEM, DAY + 10 * HOUR);
    assert_eq!(wait_for_job(handle).state, MB_JOB_STATE_SUCCEEDED);
    assert_eq!(restore(handle, &id, DAY + 10 * HOUR), MbStatus::Ok);
    let started = Instant::now();
    assert_eq!(mb_guard_close(handle), MbStatus::Ok);
    assert!(started.elapsed() < Duration::from_secs(5), "close waited");

    // NOTE: no export reports when the detached restore thread has ended, so the test
    // waits two seconds for a restore of a few small files before it reopens.
    std::thread::sleep(Duration::from_secs(2));
    let reopened = reopen_guard(state.path());
    let reloaded = load_deposit_history(reopened, DAY + 12 * HOUR);
    assert_eq!(reloaded.verdict, MB_VERDICT_MAY_TRADE, "{reloaded:?}");
    assert_eq!(mb_guard_close(reopened), MbStatus::Ok);
}
