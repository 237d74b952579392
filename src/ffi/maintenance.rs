//! Exports for backups, restores and the log janitor of a guard's state directory.
//!
//! A backup, a verification, a restore and a janitor run each take from milliseconds to
//! minutes (hashing a large state directory, retrying a locked log file), so none runs
//! inside an export. The `start` exports decide what must be known at once and start the
//! job on its own thread. The backup id is written into the caller's buffer, and a restore
//! blocks trading before it returns (the guard's verdict is `MB_VERDICT_BLOCKED` with
//! `MB_REASON_HALTED` until the job ends). `mb_maintenance_poll` then reports the job
//! running or its result, and `mb_maintenance_report_*` writes the result in text, one
//! line per restore step. One job runs per guard at a time; starting another returns
//! `MB_STATUS_BUSY`. Listing reads only each backup's small manifest file.

use super::abi::{MbBackupInfo, MbMaintenanceStatus};
use super::session::with_guard;
use super::{convert, records, Failure, MbHandle, MbStatus};
use crate::backup::{BackupInfo, BackupKind, BackupReason};
use crate::ffi_fail;
use crate::guard::{Guard, GuardError, JobKind, JobState};
use std::ffi::c_char;

/// `MbBackupInfo.kind` and `mb_backup_start`: configuration, logs and the database.
pub const MB_BACKUP_KIND_SYSTEM: i32 = 0;
/// `MbBackupInfo.kind` and `mb_backup_start`: the database and the performance logs.
pub const MB_BACKUP_KIND_TRADING: i32 = 1;
/// `MbBackupInfo.kind` and `mb_backup_start`: the configuration files.
pub const MB_BACKUP_KIND_CONFIGURATION: i32 = 2;

/// `MbBackupInfo.reason`: its schedule was due.
pub const MB_BACKUP_REASON_SCHEDULED: i32 = 0;
/// `MbBackupInfo.reason`: an operator or the EA requested it.
pub const MB_BACKUP_REASON_MANUAL: i32 = 1;
/// `MbBackupInfo.reason`: a restore took it first, to undo the restore with.
pub const MB_BACKUP_REASON_PRE_RESTORE: i32 = 2;

/// `MbMaintenanceStatus.job`: no job was started on this guard.
pub const MB_JOB_NONE: i32 = 0;
/// `MbMaintenanceStatus.job`: a backup.
pub const MB_JOB_BACKUP: i32 = 1;
/// `MbMaintenanceStatus.job`: a backup verification.
pub const MB_JOB_VERIFY: i32 = 2;
/// `MbMaintenanceStatus.job`: a restore.
pub const MB_JOB_RESTORE: i32 = 3;
/// `MbMaintenanceStatus.job`: a janitor run over the log directories.
pub const MB_JOB_JANITOR: i32 = 4;

/// `MbMaintenanceStatus.state`: no job was started.
pub const MB_JOB_STATE_IDLE: i32 = 0;
/// `MbMaintenanceStatus.state`: the job is still running; poll again later.
pub const MB_JOB_STATE_RUNNING: i32 = 1;
/// `MbMaintenanceStatus.state`: the job finished and did what was requested.
pub const MB_JOB_STATE_SUCCEEDED: i32 = 2;
/// `MbMaintenanceStatus.state`: the job failed; the report names why.
pub const MB_JOB_STATE_FAILED: i32 = 3;

/// Starts a backup of `kind` (`MB_BACKUP_KIND_*`) stamped with the server time `time_ms`,
/// and writes its id into `id` as UTF-8. The backup runs on its own thread; poll for its
/// result.
///
/// Returns `MB_STATUS_BUSY` while another job runs, `MB_STATUS_INVALID_ARGUMENT` for an
/// unknown kind, `MB_STATUS_INVALID_TIME` for a time further ahead of the account's clock than
/// `safety.max_ahead_ms`, and `MB_STATUS_BUFFER_TOO_SMALL` when the id does not fit (the
/// backup then still runs, and `needed` receives the bytes the id takes with its NUL).
///
/// # Safety
///
/// `id` is null or writable for `capacity` bytes; `needed` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn mb_backup_start_utf8(
    handle: MbHandle,
    kind: i32,
    time_ms: i64,
    id: *mut c_char,
    capacity: u32,
    needed: *mut u32,
) -> MbStatus {
    with_guard(handle, "mb_backup_start_utf8", |guard| {
        let started = start_backup(guard, kind, time_ms)?;
        // SAFETY: forwarded from this export's contract.
        unsafe { convert::utf8_out(&started, id, capacity, needed) }
    })
}

/// Starts a backup as [`mb_backup_start_utf8`] does and writes its id as UTF-16 into `id`,
/// which has room for `capacity` units.
///
/// # Safety
///
/// `id` is null or writable for `capacity` units; `needed` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn mb_backup_start_utf16(
    handle: MbHandle,
    kind: i32,
    time_ms: i64,
    id: *mut u16,
    capacity: u32,
    needed: *mut u32,
) -> MbStatus {
    with_guard(handle, "mb_backup_start_utf16", |guard| {
        let started = start_backup(guard, kind, time_ms)?;
        // SAFETY: forwarded from this export's contract.
        unsafe { convert::utf16_out(&started, id, capacity, needed) }
    })
}

/// Starts verifying backup `id` (UTF-8): every file's SHA-256 is recomputed on the job's
/// thread. Returns `MB_STATUS_BUSY` while another job runs and `MB_STATUS_INVALID_ARGUMENT`
/// for an id that is not a plain name.
///
/// # Safety
///
/// `id` is null or NUL-terminated UTF-8.
#[no_mangle]
pub unsafe extern "C" fn mb_backup_verify_utf8(handle: MbHandle, id: *const c_char) -> MbStatus {
    with_guard(handle, "mb_backup_verify_utf8", |guard| {
        // SAFETY: the caller passes null or a NUL-terminated UTF-8 string.
        let id = unsafe { convert::utf8_in(id, "id") }?;
        guard.start_verify(id).map_err(job_failure)
    })
}

/// Starts verifying backup `id` as [`mb_backup_verify_utf8`] does, with a UTF-16 id.
///
/// # Safety
///
/// `id` is null or NUL-terminated UTF-16.
#[no_mangle]
pub unsafe extern "C" fn mb_backup_verify_utf16(handle: MbHandle, id: *const u16) -> MbStatus {
    with_guard(handle, "mb_backup_verify_utf16", |guard| {
        // SAFETY: the caller passes null or a NUL-terminated UTF-16 string.
        let id = unsafe { convert::utf16_in(id, "id") }?;
        guard.start_verify(&id).map_err(job_failure)
    })
}

/// Writes the backups in the state directory, oldest first, into `backups`, an array of
/// `capacity` elements, and their number into `count`. The guard keeps the ids of this list
/// for `mb_backup_list_id_*` until the next list.
///
/// Returns `MB_STATUS_BUFFER_TOO_SMALL` when `capacity` is below the number of backups; the
/// oldest `capacity` are written. `backups` may be null when `capacity` is 0.
///
/// # Safety
///
/// `backups` is null or writable for `capacity` elements; `count` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn mb_backup_list(
    handle: MbHandle,
    backups: *mut MbBackupInfo,
    capacity: u32,
    count: *mut u32,
) -> MbStatus {
    with_guard(handle, "mb_backup_list", |guard| {
        let listed = guard.list_backups().map_err(job_failure)?;
        let total = u32::try_from(listed.len()).unwrap_or(u32::MAX);
        // SAFETY: the caller passes null or a writable u32.
        unsafe { convert::write_out(count, total, "count") }?;
        if capacity > 0 {
            convert::require_out(backups, "backups")?;
        }
        let clock = guard.server_clock();
        for (index, info) in listed.iter().take(capacity as usize).enumerate() {
            let element = backup_info(clock, info);
            // SAFETY: `index < capacity`, and the caller's array holds `capacity` elements.
            unsafe { convert::write_element(backups, index, element) };
        }
        if capacity < total {
            return Err(ffi_fail!(
                MbStatus::BufferTooSmall,
                "the backups array holds {capacity} elements but there are {total} backups"
            ));
        }
        Ok(())
    })
}

/// Writes the id of backup `index` of the latest `mb_backup_list` as UTF-8 into `buffer`.
///
/// Returns `MB_STATUS_INVALID_ARGUMENT` for an index past that list, and
/// `MB_STATUS_BUFFER_TOO_SMALL` with the bytes needed (NUL included) in `needed`.
///
/// # Safety
///
/// `buffer` is null or writable for `capacity` bytes; `needed` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn mb_backup_list_id_utf8(
    handle: MbHandle,
    index: u32,
    buffer: *mut c_char,
    capacity: u32,
    needed: *mut u32,
) -> MbStatus {
    with_guard(handle, "mb_backup_list_id_utf8", |guard| {
        let id = listed_id(guard, index)?;
        // SAFETY: forwarded from this export's contract.
        unsafe { convert::utf8_out(id, buffer, capacity, needed) }
    })
}

/// Writes the id of backup `index` as [`mb_backup_list_id_utf8`] does, in UTF-16.
///
/// # Safety
///
/// `buffer` is null or writable for `capacity` units; `needed` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn mb_backup_list_id_utf16(
    handle: MbHandle,
    index: u32,
    buffer: *mut u16,
    capacity: u32,
    needed: *mut u32,
) -> MbStatus {
    with_guard(handle, "mb_backup_list_id_utf16", |guard| {
        let id = listed_id(guard, index)?;
        // SAFETY: forwarded from this export's contract.
        unsafe { convert::utf16_out(id, buffer, capacity, needed) }
    })
}

/// Starts restoring backup `id` (UTF-8), stamping the pre-restore backup with the server
/// time `time_ms`. Trading is blocked before this returns. The job verifies the backup,
/// takes a pre-restore backup, closes the journal, replaces the files, validates them and
/// reopens the store. The poll that sees the job end installs the restored engine, which
/// stays blocked until the EA loads the deal history again.
///
/// Returns `MB_STATUS_BUSY` while another job runs, `MB_STATUS_INVALID_ARGUMENT` for an
/// id that is not a plain name or names no backup, and `MB_STATUS_INVALID_TIME` for a time
/// further ahead of the account's clock than `safety.max_ahead_ms`.
///
/// # Safety
///
/// `id` is null or NUL-terminated UTF-8.
#[no_mangle]
pub unsafe extern "C" fn mb_backup_restore_utf8(
    handle: MbHandle,
    id: *const c_char,
    time_ms: i64,
) -> MbStatus {
    with_guard(handle, "mb_backup_restore_utf8", |guard| {
        // SAFETY: the caller passes null or a NUL-terminated UTF-8 string.
        let id = unsafe { convert::utf8_in(id, "id") }?;
        start_restore(guard, id, time_ms)
    })
}

/// Starts restoring backup `id` as [`mb_backup_restore_utf8`] does, with a UTF-16 id.
///
/// # Safety
///
/// `id` is null or NUL-terminated UTF-16.
#[no_mangle]
pub unsafe extern "C" fn mb_backup_restore_utf16(
    handle: MbHandle,
    id: *const u16,
    time_ms: i64,
) -> MbStatus {
    with_guard(handle, "mb_backup_restore_utf16", |guard| {
        // SAFETY: the caller passes null or a NUL-terminated UTF-16 string.
        let id = unsafe { convert::utf16_in(id, "id") }?;
        start_restore(guard, &id, time_ms)
    })
}

/// Starts a janitor run over the configured log directories, judging file ages against the
/// server time `time_ms`: files older than `logs.compress_after_days` are gzipped and files
/// older than `logs.delete_after_days` deleted. Returns `MB_STATUS_BUSY` while another job
/// runs, and `MB_STATUS_INVALID_TIME` for a time further ahead of the account's clock than
/// `safety.max_ahead_ms`, which would make every log look old enough to delete.
#[no_mangle]
pub extern "C" fn mb_janitor_start(handle: MbHandle, time_ms: i64) -> MbStatus {
    with_guard(handle, "mb_janitor_start", |guard| {
        let now_ms = records::utc_from_server(guard.server_clock(), time_ms, "time_ms")?;
        guard.start_janitor(now_ms).map_err(job_failure)
    })
}

/// Writes the latest maintenance job and, once it has ended, its result. Never waits; a
/// restore that has ended is installed by this call.
///
/// # Safety
///
/// `status` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn mb_maintenance_poll(
    handle: MbHandle,
    status: *mut MbMaintenanceStatus,
) -> MbStatus {
    with_guard(handle, "mb_maintenance_poll", |guard| {
        convert::require_out(status, "status")?;
        let polled = guard.poll_maintenance();
        let out = MbMaintenanceStatus {
            bytes: polled.bytes,
            files: polled.files,
            deleted: polled.deleted,
            locked: polled.locked,
            issues: polled.issues,
            steps: polled.steps,
            job: polled.kind.map_or(MB_JOB_NONE, job_code),
            state: state_code(polled.state),
        };
        // SAFETY: the caller passes null or a writable MbMaintenanceStatus.
        unsafe { convert::write_out(status, out, "status") }
    })
}

/// Writes the latest job's result in text as UTF-8: the backup id and size, the verify
/// issues, one line per restore step (`step: done|failed (ms): detail`) or the janitor's
/// counts. Empty while the job runs.
///
/// # Safety
///
/// `buffer` is null or writable for `capacity` bytes; `needed` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn mb_maintenance_report_utf8(
    handle: MbHandle,
    buffer: *mut c_char,
    capacity: u32,
    needed: *mut u32,
) -> MbStatus {
    with_guard(handle, "mb_maintenance_report_utf8", |guard| {
        let report = &guard.poll_maintenance().report;
        // SAFETY: forwarded from this export's contract.
        unsafe { convert::utf8_out(report, buffer, capacity, needed) }
    })
}

/// Writes the latest job's result as [`mb_maintenance_report_utf8`] does, in UTF-16.
///
/// # Safety
///
/// `buffer` is null or writable for `capacity` units; `needed` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn mb_maintenance_report_utf16(
    handle: MbHandle,
    buffer: *mut u16,
    capacity: u32,
    needed: *mut u32,
) -> MbStatus {
    with_guard(handle, "mb_maintenance_report_utf16", |guard| {
        let report = &guard.poll_maintenance().report;
        // SAFETY: forwarded from this export's contract.
        unsafe { convert::utf16_out(report, buffer, capacity, needed) }
    })
}

fn listed_id(guard: &Guard, index: u32) -> Result<&str, Failure> {
    guard.listed_backup_id(index as usize).ok_or_else(|| {
        ffi_fail!(
            MbStatus::InvalidArgument,
            "backup index {index} is past the latest backup list; call mb_backup_list first \
             and pass an index below its count"
        )
    })
}

fn start_backup(guard: &mut Guard, kind: i32, time_ms: i64) -> Result<String, Failure> {
    let kind = match kind {
        MB_BACKUP_KIND_SYSTEM => BackupKind::System,
        MB_BACKUP_KIND_TRADING => BackupKind::Trading,
        MB_BACKUP_KIND_CONFIGURATION => BackupKind::Configuration,
        other => {
            return Err(ffi_fail!(
                MbStatus::InvalidArgument,
                "backup kind {other} is invalid: pass MB_BACKUP_KIND_SYSTEM (0), \
                 MB_BACKUP_KIND_TRADING (1) or MB_BACKUP_KIND_CONFIGURATION (2)"
            ))
        }
    };
    let utc_ms = records::utc_from_server(guard.server_clock(), time_ms, "time_ms")?;
    guard.start_backup(kind, utc_ms).map_err(job_failure)
}

fn start_restore(guard: &mut Guard, id: &str, time_ms: i64) -> Result<(), Failure> {
    let utc_ms = records::utc_from_server(guard.server_clock(), time_ms, "time_ms")?;
    guard.start_restore(id, utc_ms).map_err(job_failure)
}

fn job_failure(error: GuardError) -> Failure {
    match error {
        GuardError::MaintenanceBusy { .. } => ffi_fail!(MbStatus::Busy, "{error}"),
        GuardError::TimeAhead { .. } => ffi_fail!(MbStatus::InvalidTime, "{error}"),
        GuardError::BackupNotFound(_) | GuardError::InvalidBackupId(_) => {
            ffi_fail!(MbStatus::InvalidArgument, "{error}")
        }
        _ => ffi_fail!(MbStatus::StateFailed, "{error}"),
    }
}

fn backup_info(clock: crate::time::ServerClock, info: &BackupInfo) -> MbBackupInfo {
    MbBackupInfo {
        created_ms: records::server_from_utc(clock, info.created_ms),
        total_size: info.total_size,
        files: info.files as u64,
        kind: match info.kind {
            BackupKind::System => MB_BACKUP_KIND_SYSTEM,
            BackupKind::Trading => MB_BACKUP_KIND_TRADING,
            BackupKind::Configuration => MB_BACKUP_KIND_CONFIGURATION,
        },
        reason: match info.reason {
            BackupReason::Scheduled => MB_BACKUP_REASON_SCHEDULED,
            BackupReason::Manual => MB_BACKUP_REASON_MANUAL,
            BackupReason::PreRestore => MB_BACKUP_REASON_PRE_RESTORE,
        },
    }
}

fn job_code(kind: JobKind) -> i32 {
    match kind {
        JobKind::Backup => MB_JOB_BACKUP,
        JobKind::Verify => MB_JOB_VERIFY,
        JobKind::Restore => MB_JOB_RESTORE,
        JobKind::Janitor => MB_JOB_JANITOR,
    }
}

fn state_code(state: JobState) -> i32 {
    match state {
        JobState::Idle => MB_JOB_STATE_IDLE,
        JobState::Running => MB_JOB_STATE_RUNNING,
        JobState::Succeeded => MB_JOB_STATE_SUCCEEDED,
        JobState::Failed => MB_JOB_STATE_FAILED,
    }
}
