//! Exports that read the health checks and the system vitals, list the open incidents, and
//! tick off items of an incident's recovery checklist. A metric that cannot be read is
//! reported as unknown, with its reason and NaN as the value, never as 0.

use super::convert::TextOut;
use super::records::{server_from_utc, utc_from_server};
use super::session::with_guard;
use super::watch_abi::*;
use super::{convert, Failure, MbHandle, MbStatus};
use crate::ffi_fail;
use crate::guard::Guard;
use crate::health::{Level, Reading, Vitals, CHECKS};
use crate::incident::{Incident, IncidentError};
use std::ffi::c_char;

/// Writes the overall health to `health` and each check's level and latest value into
/// `checks`, an array of `capacity` elements; `count` receives `MB_CHECK_COUNT`.
///
/// The checks take in the sampler's vitals at each engine call (a snapshot, a deal or
/// `mb_guard_feed_time`), so call `mb_guard_feed_time` first to read the newest sample.
/// Returns `MB_STATUS_BUFFER_TOO_SMALL` when `capacity` is below the number of checks; the
/// summary and the first `capacity` checks are written. `checks` may be null when `capacity`
/// is 0.
///
/// # Safety
///
/// `health` and `count` are null or writable; `checks` is null or writable for `capacity`
/// elements.
#[no_mangle]
pub unsafe extern "C" fn mb_guard_health(
    handle: MbHandle,
    health: *mut MbHealth,
    checks: *mut MbHealthCheck,
    capacity: u32,
    count: *mut u32,
) -> MbStatus {
    with_guard(handle, "mb_guard_health", |guard| {
        convert::require_out(health, "health")?;
        convert::require_out(count, "count")?;
        if capacity > 0 {
            convert::require_out(checks, "checks")?;
        }
        let watch = guard.watch();
        let monitor = watch.health();
        let vitals = watch.vitals();
        let summary = MbHealth {
            vitals_time_ms: vitals_time(guard, &vitals),
            vitals_samples: vitals.samples,
            overall: level_code(monitor.overall()),
            checks: MB_CHECK_COUNT as i32,
            sampler: i32::from(watch.has_sampler()),
            reserved: 0,
        };
        // SAFETY: the caller passes writable pointers, checked not null above.
        unsafe { convert::write_out(health, summary, "health") }?;
        // SAFETY: as above.
        unsafe { convert::write_out(count, MB_CHECK_COUNT, "count") }?;
        for (index, &check) in CHECKS.iter().enumerate().take(capacity as usize) {
            let state = &monitor.state().checks[index];
            let (value, unknown) = reading_parts(monitor.value(check));
            let out = MbHealthCheck {
                value,
                check: check as i32,
                level: level_code(state.level),
                unknown,
                soft: i32::from(state.is_soft()),
                flapping: i32::from(state.flapping),
                reserved: 0,
            };
            // SAFETY: `index < capacity`, and the caller's array has room for `capacity` elements.
            unsafe { convert::write_element(checks, index, out) };
        }
        if capacity < MB_CHECK_COUNT {
            return Err(ffi_fail!(
                MbStatus::BufferTooSmall,
                "the checks array holds {capacity} elements but there are {MB_CHECK_COUNT} checks"
            ));
        }
        Ok(())
    })
}

/// Writes the latest system vitals the sampler thread published. The read takes no lock and
/// allocates nothing; without a sampler every value is unknown.
///
/// # Safety
///
/// `vitals` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn mb_guard_vitals(handle: MbHandle, vitals: *mut MbVitals) -> MbStatus {
    with_guard(handle, "mb_guard_vitals", |guard| {
        let latest = guard.watch().vitals();
        let (cpu_percent, cpu_unknown) = reading_parts(latest.cpu_percent);
        let (cpu_average_percent, cpu_average_unknown) = reading_parts(latest.cpu_average_percent);
        let (memory_percent, memory_unknown) = reading_parts(latest.memory_percent);
        let (disk_percent, disk_unknown) = reading_parts(latest.disk_percent);
        let (process_memory_bytes, process_memory_unknown) =
            reading_parts(latest.process_memory_bytes);
        let (process_disk_write_bytes_per_s, process_disk_write_unknown) =
            reading_parts(latest.process_disk_write_bytes_per_s);
        let out = MbVitals {
            time_ms: vitals_time(guard, &latest),
            samples: latest.samples,
            cpu_percent,
            cpu_average_percent,
            memory_percent,
            disk_percent,
            process_memory_bytes,
            process_disk_write_bytes_per_s,
            cpu_unknown,
            cpu_average_unknown,
            memory_unknown,
            disk_unknown,
            process_memory_unknown,
            process_disk_write_unknown,
        };
        // SAFETY: the caller passes null or a writable MbVitals.
        unsafe { convert::write_out(vitals, out, "vitals") }
    })
}

/// Writes each open incident into `incidents`, an array of `capacity` elements, oldest first,
/// and their number into `count`.
///
/// Returns `MB_STATUS_BUFFER_TOO_SMALL` when `capacity` is below the number of open incidents;
/// the first `capacity` are written. `incidents` may be null when `capacity` is 0.
///
/// # Safety
///
/// `incidents` is null or writable for `capacity` elements; `count` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn mb_guard_incidents(
    handle: MbHandle,
    incidents: *mut MbIncident,
    capacity: u32,
    count: *mut u32,
) -> MbStatus {
    with_guard(handle, "mb_guard_incidents", |guard| {
        let open = guard.watch().incidents().open_incidents();
        let total = u32::try_from(open.len()).unwrap_or(u32::MAX);
        // SAFETY: the caller passes null or a writable u32.
        unsafe { convert::write_out(count, total, "count") }?;
        if capacity > 0 {
            convert::require_out(incidents, "incidents")?;
        }
        for (index, incident) in open.iter().take(capacity as usize).enumerate() {
            let out = incident_record(guard, incident);
            // SAFETY: `index < capacity`, and the caller's array has room for `capacity` elements.
            unsafe { convert::write_element(incidents, index, out) };
        }
        if capacity < total {
            return Err(ffi_fail!(
                MbStatus::BufferTooSmall,
                "the incidents array holds {capacity} elements but {total} incidents are open"
            ));
        }
        Ok(())
    })
}

/// Writes the one-line summary of incident `incident_id` (open or closed) into `buffer` as
/// UTF-16. Returns `MB_STATUS_INVALID_ARGUMENT` for an id no incident has.
///
/// # Safety
///
/// `buffer` is null or writable for `capacity` units; `needed` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn mb_guard_incident_summary_utf16(
    handle: MbHandle,
    incident_id: u64,
    buffer: *mut u16,
    capacity: u32,
    needed: *mut u32,
) -> MbStatus {
    with_guard(handle, "mb_guard_incident_summary_utf16", |guard| {
        let summary = &find_incident(guard, incident_id)?.summary;
        // SAFETY: forwarded from this export's contract.
        unsafe { TextOut::Utf16(buffer).write(summary, capacity, needed) }
    })
}

/// Writes the summary of an incident as [`mb_guard_incident_summary_utf16`] does, in UTF-8.
///
/// # Safety
///
/// `buffer` is null or writable for `capacity` bytes; `needed` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn mb_guard_incident_summary_utf8(
    handle: MbHandle,
    incident_id: u64,
    buffer: *mut c_char,
    capacity: u32,
    needed: *mut u32,
) -> MbStatus {
    with_guard(handle, "mb_guard_incident_summary_utf8", |guard| {
        let summary = &find_incident(guard, incident_id)?.summary;
        // SAFETY: forwarded from this export's contract.
        unsafe { TextOut::Utf8(buffer).write(summary, capacity, needed) }
    })
}

/// Writes recovery checklist item `index` of incident `incident_id`: its `MB_PHASE_*` into
/// `phase`, the server time it was ticked off into `done_ms` (0 while it is not), and its text
/// into `buffer` as UTF-16.
///
/// Returns `MB_STATUS_INVALID_ARGUMENT` for an unknown incident or an index past the
/// checklist's end (`MbIncident.checklist_items`).
///
/// # Safety
///
/// `phase`, `done_ms` and `needed` are null or writable; `buffer` is null or writable for
/// `capacity` units.
#[no_mangle]
pub unsafe extern "C" fn mb_guard_incident_item_utf16(
    handle: MbHandle,
    incident_id: u64,
    index: u32,
    phase: *mut i32,
    done_ms: *mut i64,
    buffer: *mut u16,
    capacity: u32,
    needed: *mut u32,
) -> MbStatus {
    with_guard(handle, "mb_guard_incident_item_utf16", |guard| {
        let out = TextOut::Utf16(buffer);
        // SAFETY: forwarded from this export's contract.
        unsafe {
            checklist_item(
                guard,
                incident_id,
                index,
                phase,
                done_ms,
                out,
                capacity,
                needed,
            )
        }
    })
}

/// Writes a checklist item as [`mb_guard_incident_item_utf16`] does, with the text in UTF-8.
///
/// # Safety
///
/// `phase`, `done_ms` and `needed` are null or writable; `buffer` is null or writable for
/// `capacity` bytes.
#[no_mangle]
pub unsafe extern "C" fn mb_guard_incident_item_utf8(
    handle: MbHandle,
    incident_id: u64,
    index: u32,
    phase: *mut i32,
    done_ms: *mut i64,
    buffer: *mut c_char,
    capacity: u32,
    needed: *mut u32,
) -> MbStatus {
    with_guard(handle, "mb_guard_incident_item_utf8", |guard| {
        let out = TextOut::Utf8(buffer);
        // SAFETY: forwarded from this export's contract.
        unsafe {
            checklist_item(
                guard,
                incident_id,
                index,
                phase,
                done_ms,
                out,
                capacity,
                needed,
            )
        }
    })
}

/// Ticks off recovery checklist item `index` of the open incident `incident_id` at server time
/// `time_ms` on behalf of `by` (UTF-16), and records it among the incident's actions. Ticking
/// an item again keeps the first tick.
///
/// Returns `MB_STATUS_INVALID_ARGUMENT` for an empty `by`, an incident that is not open, or an
/// index past the checklist's end.
///
/// # Safety
///
/// `by` is null or NUL-terminated UTF-16.
#[no_mangle]
pub unsafe extern "C" fn mb_guard_incident_tick_utf16(
    handle: MbHandle,
    incident_id: u64,
    index: u32,
    by: *const u16,
    time_ms: i64,
) -> MbStatus {
    with_guard(handle, "mb_guard_incident_tick_utf16", |guard| {
        // SAFETY: the caller passes null or a NUL-terminated UTF-16 string.
        let by = unsafe { convert::utf16_in(by, "by") }?;
        tick_item(guard, incident_id, index, &by, time_ms)
    })
}

/// Ticks off a checklist item as [`mb_guard_incident_tick_utf16`] does, with `by` in UTF-8.
///
/// # Safety
///
/// `by` is null or NUL-terminated UTF-8.
#[no_mangle]
pub unsafe extern "C" fn mb_guard_incident_tick_utf8(
    handle: MbHandle,
    incident_id: u64,
    index: u32,
    by: *const c_char,
    time_ms: i64,
) -> MbStatus {
    with_guard(handle, "mb_guard_incident_tick_utf8", |guard| {
        // SAFETY: the caller passes null or a NUL-terminated UTF-8 string.
        let by = unsafe { convert::utf8_in(by, "by") }?;
        tick_item(guard, incident_id, index, by, time_ms)
    })
}

/// Returns the `MB_HEALTH_*` code of a level.
pub(crate) fn level_code(level: Level) -> i32 {
    match level {
        Level::Ok => MB_HEALTH_OK,
        Level::Warning => MB_HEALTH_WARNING,
        Level::Unknown => MB_HEALTH_UNKNOWN,
        Level::Critical => MB_HEALTH_CRITICAL,
    }
}

/// Splits a reading as the C structs carry it: the value and 0, or NaN and the reason code.
pub(crate) fn reading_parts(reading: Reading) -> (f64, i32) {
    match reading {
        Reading::Known(value) => (value, MB_UNKNOWN_NONE),
        Reading::Unknown(reason) => (f64::NAN, reason as i32),
    }
}

/// Returns the sample time in server time, or 0 before the first sample.
fn vitals_time(guard: &Guard, vitals: &Vitals) -> i64 {
    if vitals.samples == 0 {
        return 0;
    }
    server_from_utc(guard.server_clock(), vitals.time_ms)
}

fn incident_record(guard: &Guard, incident: &Incident) -> MbIncident {
    let clock = guard.server_clock();
    let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    let done = incident.checklist.iter().filter(|i| i.done.is_some());
    MbIncident {
        id: incident.id,
        opened_ms: server_from_utc(clock, incident.opened_ms),
        respond_by_ms: server_from_utc(clock, incident.respond_by_ms),
        responded_ms: incident
            .responded
            .as_ref()
            .map_or(0, |(_, at)| server_from_utc(clock, *at)),
        alert_id: incident.alert_id.unwrap_or(0),
        kind: incident.kind as i32,
        status: incident.status as i32,
        deadline_missed: i32::from(incident.deadline_missed),
        preserve_logs: i32::from(incident.preserve_logs),
        checklist_items: count(incident.checklist.len()),
        checklist_done: count(done.count()),
        actions: count(incident.actions.len()),
        reserved: 0,
    }
}

fn find_incident(guard: &Guard, incident_id: u64) -> Result<&Incident, Failure> {
    guard.watch().incidents().get(incident_id).ok_or_else(|| {
        ffi_fail!(
            MbStatus::InvalidArgument,
            "incident {incident_id} does not exist; list the open incidents for their ids"
        )
    })
}

/// Writes one checklist item.
///
/// # Safety
///
/// `phase`, `done_ms` and `needed` are null or writable; `out` is null or writable for
/// `capacity` units.
#[allow(clippy::too_many_arguments)]
unsafe fn checklist_item(
    guard: &Guard,
    incident_id: u64,
    index: u32,
    phase: *mut i32,
    done_ms: *mut i64,
    out: TextOut,
    capacity: u32,
    needed: *mut u32,
) -> Result<(), Failure> {
    convert::require_out(phase, "phase")?;
    convert::require_out(done_ms, "done_ms")?;
    let incident = find_incident(guard, incident_id)?;
    let len = incident.checklist.len();
    let item = incident.checklist.get(index as usize).ok_or_else(|| {
        ffi_fail!(
            MbStatus::InvalidArgument,
            "incident {incident_id} has {len} checklist items, so item {index} does not exist"
        )
    })?;
    let clock = guard.server_clock();
    let done = item
        .done
        .as_ref()
        .map_or(0, |(_, at)| server_from_utc(clock, *at));
    // SAFETY: the caller passes writable pointers, checked not null above.
    unsafe { convert::write_out(phase, item.phase as i32, "phase") }?;
    // SAFETY: as above.
    unsafe { convert::write_out(done_ms, done, "done_ms") }?;
    // SAFETY: forwarded from this function's contract.
    unsafe { out.write(&item.text, capacity, needed) }
}

fn tick_item(
    guard: &mut Guard,
    incident_id: u64,
    index: u32,
    by: &str,
    time_ms: i64,
) -> Result<(), Failure> {
    if by.trim().is_empty() {
        return Err(ffi_fail!(
            MbStatus::InvalidArgument,
            "by is empty; pass the name of the person who ticks off the item"
        ));
    }
    let now = utc_from_server(guard.server_clock(), time_ms, "time_ms")?;
    guard
        .watch_mut()
        .incidents_mut()
        .tick_item(incident_id, index as usize, by, now)
        .map_err(|error: IncidentError| ffi_fail!(MbStatus::InvalidArgument, "{error}"))?;
    guard.save_watch(now);
    Ok(())
}
