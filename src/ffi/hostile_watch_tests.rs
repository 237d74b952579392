//! Hostile calls through the watch exports (outbox, alerts, health, vitals, incidents): null
//! pointers, zero and short capacities, unknown ids and codes, empty and invalid text, closed
//! and forged handles. Each call must return its documented status and leave the guard usable.

use super::abi::*;
use super::account::*;
use super::alerts::*;
use super::health::*;
use super::hostile_tests::{abi, open_trading, snapshot, utf16, CONFIG, DAY, HOUR};
use super::session::*;
use super::{MbHandle, MbStatus};
use std::ptr::{null, null_mut};
use std::time::{Duration, Instant};

const BREACH: i64 = DAY + 12 * HOUR;

/// Opens a guard from `config` (without its terminator) in a new state directory.
fn open_with(config: &str) -> (MbHandle, tempfile::TempDir) {
    let state = tempfile::tempdir().unwrap();
    let dir = utf16(&state.path().display().to_string());
    let config = utf16(config);
    let mut handle = 0;
    // SAFETY: every pointer is valid and every text NUL-terminated.
    let status = unsafe { mb_guard_open_utf16(&abi(), config.as_ptr(), dir.as_ptr(), &mut handle) };
    assert_eq!(status, MbStatus::Ok);
    (handle, state)
}

/// Opens a trading guard and breaches its daily loss limit, which opens an incident and queues a
/// CRITICAL alert.
fn open_breached() -> (MbHandle, tempfile::TempDir) {
    let (handle, state) = open_trading();
    let mut decision = MbDecision::default();
    for (time, equity) in [(DAY + 9 * HOUR, 1e5), (BREACH, 94_900.0)] {
        // SAFETY: valid pointers.
        let status =
            unsafe { mb_guard_feed_snapshot(handle, &snapshot(time, equity), &mut decision) };
        assert_eq!(status, MbStatus::Ok);
    }
    assert_eq!(decision.verdict, MB_VERDICT_CLOSE_ALL);
    (handle, state)
}

fn poll(handle: MbHandle, time_ms: i64, channels: u32) -> (MbStatus, Option<MbOutboxItem>) {
    let mut item = MbOutboxItem::default();
    let mut written = -1;
    // SAFETY: valid pointers.
    let status =
        unsafe { mb_guard_outbox_poll(handle, time_ms, channels, &mut item, &mut written) };
    (status, (written == 1).then_some(item))
}

fn outbox_text(handle: MbHandle, id: u64, part: i32) -> (MbStatus, String) {
    let mut buffer = [0u16; 2048];
    let mut needed = 0;
    // SAFETY: the buffer has room for 2048 units and `needed` is writable.
    let status = unsafe {
        mb_guard_outbox_text_utf16(handle, id, part, buffer.as_mut_ptr(), 2048, &mut needed)
    };
    let len = buffer.iter().position(|unit| *unit == 0).unwrap_or(0);
    (status, String::from_utf16_lossy(&buffer[..len]))
}

fn ack(handle: MbHandle, id: u64, delivered: i32, time_ms: i64) -> (MbStatus, i32, i64) {
    let (mut outcome, mut retry_at) = (-1, -1);
    // SAFETY: valid pointers.
    let status =
        unsafe { mb_guard_outbox_ack(handle, id, delivered, time_ms, &mut outcome, &mut retry_at) };
    (status, outcome, retry_at)
}

fn open_incidents(handle: MbHandle) -> Vec<MbIncident> {
    let mut incidents = [MbIncident::default(); 8];
    let mut count = 0;
    // SAFETY: the array has room for 8 elements and `count` is writable.
    let status = unsafe { mb_guard_incidents(handle, incidents.as_mut_ptr(), 8, &mut count) };
    assert_eq!(status, MbStatus::Ok);
    incidents[..count as usize].to_vec()
}

#[test]
fn breach_alert_is_delivered_through_outbox() {
    let (handle, _state) = open_breached();
    let (status, item) = poll(handle, BREACH, MB_CHANNELS_ALL);
    assert_eq!(status, MbStatus::Ok);
    let item = item.expect("the breach queues an item");
    assert_eq!(item.priority, MB_PRIORITY_CRITICAL);
    assert_ne!(item.alert_id, 0);
    assert_eq!(item.created_ms, BREACH, "server time in, server time out");
    let (status, text) = outbox_text(handle, item.id, MB_OUTBOX_TEXT);
    assert_eq!(status, MbStatus::Ok);
    assert!(text.contains("daily"), "text {text:?}");
    let (status, _) = outbox_text(handle, item.id, MB_OUTBOX_RECIPIENTS);
    assert_eq!(status, MbStatus::Ok);
    let mut bytes = [0u8; 2048];
    let mut needed = 0;
    // SAFETY: the buffer has room for 2048 bytes and `needed` is writable.
    let status = unsafe {
        mb_guard_outbox_text_utf8(
            handle,
            item.id,
            MB_OUTBOX_SUBJECT,
            bytes.as_mut_ptr().cast(),
            2048,
            &mut needed,
        )
    };
    assert_eq!(status, MbStatus::Ok);
    assert!(needed > 1, "the subject is not empty");

    let (status, again) = poll(handle, BREACH, 1 << item.channel);
    assert_eq!(status, MbStatus::Ok);
    assert_ne!(
        again.map(|i| i.id),
        Some(item.id),
        "a leased item is not offered twice"
    );
    assert_eq!(
        ack(handle, item.id, 1, BREACH + 1000),
        (MbStatus::Ok, MB_DELIVERY_DELIVERED, 0)
    );
    let repeated = ack(handle, item.id, 1, BREACH + 2000);
    assert_eq!(repeated, (MbStatus::Ok, MB_DELIVERY_UNKNOWN_ITEM, 0));
    let (status, _) = outbox_text(handle, item.id, MB_OUTBOX_TEXT);
    assert_eq!(
        status,
        MbStatus::InvalidArgument,
        "a delivered item has no text"
    );

    let by = utf16("operator");
    // SAFETY: `by` is NUL-terminated.
    let acked =
        unsafe { mb_guard_alert_acknowledge_utf16(handle, item.alert_id, by.as_ptr(), BREACH) };
    assert_eq!(acked, MbStatus::Ok);
    assert_eq!(
        mb_guard_alert_resolve(handle, item.alert_id, BREACH + 60_000),
        MbStatus::Ok
    );
    assert_eq!(
        mb_guard_alert_resolve(handle, item.alert_id, BREACH + 61_000),
        MbStatus::InvalidArgument,
        "a resolved alert is not live"
    );
}

#[test]
fn failed_delivery_is_retried_later() {
    let (handle, _state) = open_breached();
    let item = poll(handle, BREACH, MB_CHANNELS_ALL).1.expect("an item");
    let (status, outcome, retry_at) = ack(handle, item.id, 0, BREACH);
    assert_eq!((status, outcome), (MbStatus::Ok, MB_DELIVERY_RETRY));
    assert!(retry_at > BREACH, "retry at {retry_at}");
    let channel = 1 << item.channel;
    let early = poll(handle, retry_at - 1, channel).1.map(|i| i.id);
    assert_ne!(early, Some(item.id), "not offered before the retry time");
    let (_, retried) = poll(handle, retry_at, channel);
    let retried = retried.expect("offered again at the retry time");
    assert_eq!(retried.id, item.id);
    assert_eq!(retried.attempts, 1);
}

#[test]
fn outbox_rejects_hostile_arguments() {
    let (handle, _state) = open_breached();
    assert_eq!(poll(handle, BREACH, 0).0, MbStatus::InvalidArgument);
    assert_eq!(poll(handle, BREACH, 1 << 5).0, MbStatus::InvalidArgument);
    assert_eq!(
        poll(handle, i64::MAX, MB_CHANNELS_ALL).0,
        MbStatus::InvalidTime
    );
    let mut item = MbOutboxItem::default();
    let mut written = 0;
    // SAFETY: null is an allowed value; the other pointers are valid.
    let statuses = unsafe {
        [
            mb_guard_outbox_poll(handle, BREACH, MB_CHANNELS_ALL, null_mut(), &mut written),
            mb_guard_outbox_poll(handle, BREACH, MB_CHANNELS_ALL, &mut item, null_mut()),
        ]
    };
    assert_eq!(statuses, [MbStatus::NullPointer; 2]);
    let item = poll(handle, BREACH, MB_CHANNELS_ALL).1.expect("an item");
    assert_eq!(outbox_text(handle, item.id, 9).0, MbStatus::InvalidArgument);
    assert_eq!(
        outbox_text(handle, 0, MB_OUTBOX_TEXT).0,
        MbStatus::InvalidArgument
    );
    assert_eq!(
        outbox_text(handle, u64::MAX, MB_OUTBOX_TEXT).0,
        MbStatus::InvalidArgument
    );

    let mut needed = 0;
    // SAFETY: a null buffer with capacity 0 is never written.
    let sized = unsafe {
        mb_guard_outbox_text_utf16(handle, item.id, MB_OUTBOX_TEXT, null_mut(), 0, &mut needed)
    };
    assert_eq!(sized, MbStatus::BufferTooSmall);
    assert!(needed > 1);
    let mut short = [0x7Fu16; 4];
    // SAFETY: the buffer has room for 4 units.
    let cut = unsafe {
        mb_guard_outbox_text_utf16(
            handle,
            item.id,
            MB_OUTBOX_TEXT,
            short.as_mut_ptr(),
            4,
            null_mut(),
        )
    };
    assert_eq!(cut, MbStatus::BufferTooSmall);
    assert_eq!(short[3], 0, "a cut text is terminated");
    // SAFETY: a null buffer with a capacity is rejected before any write.
    let null_buffer = unsafe {
        mb_guard_outbox_text_utf8(handle, item.id, MB_OUTBOX_TEXT, null_mut(), 8, &mut needed)
    };
    assert_eq!(null_buffer, MbStatus::NullPointer);
    let (text_status, _) = outbox_text(handle, item.id, MB_OUTBOX_TEXT);
    assert_eq!(
        text_status,
        MbStatus::Ok,
        "the text is still there after a short read"
    );

    assert_eq!(ack(handle, item.id, 2, BREACH).0, MbStatus::InvalidArgument);
    assert_eq!(
        ack(handle, item.id, -1, BREACH).0,
        MbStatus::InvalidArgument
    );
    assert_eq!(ack(handle, item.id, 1, i64::MIN).0, MbStatus::InvalidTime);
    let mut outcome = 0;
    // SAFETY: null is an allowed value; `outcome` is writable.
    let no_retry =
        unsafe { mb_guard_outbox_ack(handle, item.id, 1, BREACH, &mut outcome, null_mut()) };
    assert_eq!(no_retry, MbStatus::NullPointer);
    assert_eq!(
        ack(handle, item.id, 1, BREACH).1,
        MB_DELIVERY_DELIVERED,
        "nothing was lost"
    );
}

#[test]
fn alert_acknowledge_rejects_bad_text() {
    let (handle, _state) = open_breached();
    let item = poll(handle, BREACH, MB_CHANNELS_ALL).1.expect("an item");
    let alert = item.alert_id;
    let empty = utf16("  ");
    let lone_surrogate = [0xD800u16, 0x41, 0];
    let invalid_utf8 = [0x41u8, 0xFF, 0];
    // SAFETY: null is an allowed value; the other texts are NUL-terminated.
    let statuses = unsafe {
        [
            mb_guard_alert_acknowledge_utf16(handle, alert, null(), BREACH),
            mb_guard_alert_acknowledge_utf8(handle, alert, null(), BREACH),
            mb_guard_alert_acknowledge_utf16(handle, alert, empty.as_ptr(), BREACH),
            mb_guard_alert_acknowledge_utf16(handle, alert, lone_surrogate.as_ptr(), BREACH),
            mb_guard_alert_acknowledge_utf8(handle, alert, invalid_utf8.as_ptr().cast(), BREACH),
            mb_guard_alert_acknowledge_utf8(handle, 0, c"operator".as_ptr(), BREACH),
            mb_guard_alert_acknowledge_utf8(handle, alert, c"operator".as_ptr(), i64::MAX),
        ]
    };
    let expected = [
        MbStatus::NullPointer,
        MbStatus::NullPointer,
        MbStatus::InvalidArgument,
        MbStatus::InvalidUtf16,
        MbStatus::InvalidUtf8,
        MbStatus::InvalidArgument,
        MbStatus::InvalidTime,
    ];
    for (index, (status, want)) in statuses.iter().zip(expected).enumerate() {
        assert_eq!(*status, want, "call {index}");
    }
    assert_eq!(
        mb_guard_alert_resolve(handle, u64::MAX, BREACH),
        MbStatus::InvalidArgument
    );
    // SAFETY: the text is NUL-terminated.
    let acked =
        unsafe { mb_guard_alert_acknowledge_utf8(handle, alert, c"operator".as_ptr(), BREACH) };
    assert_eq!(
        acked,
        MbStatus::Ok,
        "the alert is still live after the rejected calls"
    );
}

#[test]
fn health_reports_every_check_and_unknowns() {
    let (handle, _state) = open_with("schema_version = 1\n[health]\nsampler = false\n");
    let mut health = MbHealth::default();
    let mut checks = [MbHealthCheck::default(); 8];
    let mut count = 0;
    // SAFETY: a null array with capacity 0 is never written.
    let sized = unsafe { mb_guard_health(handle, &mut health, null_mut(), 0, &mut count) };
    assert_eq!(sized, MbStatus::BufferTooSmall);
    assert_eq!(count, MB_CHECK_COUNT);
    // SAFETY: the array has room for 8 elements.
    let status =
        unsafe { mb_guard_health(handle, &mut health, checks.as_mut_ptr(), 8, &mut count) };
    assert_eq!(status, MbStatus::Ok);
    assert_eq!(health.sampler, 0);
    assert_eq!(health.vitals_samples, 0);
    assert_eq!(health.checks, MB_CHECK_COUNT as i32);
    for (index, check) in checks.iter().enumerate() {
        assert_eq!(check.check, index as i32);
    }
    let cpu = checks[MB_CHECK_CPU as usize];
    assert!(cpu.value.is_nan(), "an unknown value is NaN, never 0");
    assert_eq!(cpu.unknown, MB_UNKNOWN_NOT_SAMPLED_YET);
    // SAFETY: null is an allowed value; the other pointers are valid.
    let statuses = unsafe {
        [
            mb_guard_health(handle, null_mut(), checks.as_mut_ptr(), 8, &mut count),
            mb_guard_health(handle, &mut health, checks.as_mut_ptr(), 8, null_mut()),
            mb_guard_health(handle, &mut health, null_mut(), 8, &mut count),
            mb_guard_vitals(handle, null_mut()),
        ]
    };
    assert_eq!(statuses, [MbStatus::NullPointer; 4]);
    let mut vitals = MbVitals::default();
    // SAFETY: `vitals` is writable.
    let status = unsafe { mb_guard_vitals(handle, &mut vitals) };
    assert_eq!(status, MbStatus::Ok);
    assert_eq!(vitals.samples, 0);
    assert_eq!(vitals.time_ms, 0);
    assert!(vitals.memory_percent.is_nan());
    assert_eq!(vitals.memory_unknown, MB_UNKNOWN_NOT_SAMPLED_YET);
}

#[test]
fn breach_shows_in_health() {
    let (handle, _state) = open_breached();
    let mut health = MbHealth::default();
    let mut checks = [MbHealthCheck::default(); 8];
    let mut count = 0;
    // SAFETY: the array has room for 8 elements.
    let status =
        unsafe { mb_guard_health(handle, &mut health, checks.as_mut_ptr(), 8, &mut count) };
    assert_eq!(status, MbStatus::Ok);
    assert_eq!(health.overall, MB_HEALTH_CRITICAL);
    let compliance = checks[MB_CHECK_COMPLIANCE as usize];
    assert_eq!(compliance.level, MB_HEALTH_CRITICAL);
    assert_eq!(compliance.value, 1.0, "one rule breached");
    assert_eq!(compliance.unknown, MB_UNKNOWN_NONE);
}

#[test]
fn sampler_vitals_turn_known() {
    let config = "schema_version = 1\n[health]\nsample_interval_ms = 100\n";
    let (handle, _state) = open_with(config);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut vitals = MbVitals::default();
    while vitals.samples < 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        // SAFETY: `vitals` is writable.
        let status = unsafe { mb_guard_vitals(handle, &mut vitals) };
        assert_eq!(status, MbStatus::Ok);
    }
    assert!(vitals.samples >= 3, "samples {}", vitals.samples);
    assert!(vitals.time_ms > 0);
    assert_eq!(
        vitals.cpu_unknown, MB_UNKNOWN_NONE,
        "cpu {}",
        vitals.cpu_percent
    );
    assert!((0.0..=100.0).contains(&vitals.cpu_percent));
    assert_eq!(vitals.memory_unknown, MB_UNKNOWN_NONE);
    assert!(vitals.memory_percent > 0.0);
    assert!(vitals.memory_percent <= 100.0);

    // The checks take the sample in at the next engine call.
    let mut decision = MbDecision::default();
    // SAFETY: `decision` is writable.
    let status = unsafe { mb_guard_feed_time(handle, DAY, &mut decision) };
    assert_eq!(status, MbStatus::Ok);
    let mut health = MbHealth::default();
    let mut checks = [MbHealthCheck::default(); 8];
    let mut count = 0;
    // SAFETY: the array has room for 8 elements.
    let status =
        unsafe { mb_guard_health(handle, &mut health, checks.as_mut_ptr(), 8, &mut count) };
    assert_eq!(status, MbStatus::Ok);
    assert_eq!(health.sampler, 1);
    assert!(health.vitals_samples >= 3);
    for code in [MB_CHECK_CPU, MB_CHECK_MEMORY] {
        let check = checks[code as usize];
        assert_eq!(check.unknown, MB_UNKNOWN_NONE, "check {code}");
        assert!(check.value.is_finite(), "check {code}");
    }
}

#[test]
fn incident_checklist_can_be_ticked() {
    let (handle, _state) = open_breached();
    let incidents = open_incidents(handle);
    assert_eq!(incidents.len(), 1);
    let incident = incidents[0];
    assert_eq!(incident.kind, MB_INCIDENT_COMPLIANCE_VIOLATION);
    assert_eq!(incident.opened_ms, BREACH);
    assert!(incident.respond_by_ms > BREACH);
    assert!(incident.checklist_items > 0);
    assert_eq!(incident.checklist_done, 0);
    assert!(incident.actions > 0, "the automatic actions are recorded");

    let mut summary = [0u8; 512];
    let mut needed = 0;
    // SAFETY: the buffer has room for 512 bytes.
    let status = unsafe {
        mb_guard_incident_summary_utf8(
            handle,
            incident.id,
            summary.as_mut_ptr().cast(),
            512,
            &mut needed,
        )
    };
    assert_eq!(status, MbStatus::Ok);
    assert!(needed > 1);

    let (mut phase, mut done_ms) = (-1, -1);
    let mut text = [0u16; 512];
    // SAFETY: valid pointers; the buffer has room for 512 units.
    let status = unsafe {
        mb_guard_incident_item_utf16(
            handle,
            incident.id,
            0,
            &mut phase,
            &mut done_ms,
            text.as_mut_ptr(),
            512,
            &mut needed,
        )
    };
    assert_eq!(status, MbStatus::Ok);
    assert_eq!(phase, MB_PHASE_ASSESS);
    assert_eq!(done_ms, 0);
    assert!(needed > 1);

    let by = utf16("operator");
    let tick_at = BREACH + 60_000;
    // SAFETY: `by` is NUL-terminated.
    let ticked =
        unsafe { mb_guard_incident_tick_utf16(handle, incident.id, 0, by.as_ptr(), tick_at) };
    assert_eq!(ticked, MbStatus::Ok);
    // SAFETY: valid pointers; the buffer has room for 512 bytes.
    let status = unsafe {
        mb_guard_incident_item_utf8(
            handle,
            incident.id,
            0,
            &mut phase,
            &mut done_ms,
            summary.as_mut_ptr().cast(),
            512,
            &mut needed,
        )
    };
    assert_eq!(status, MbStatus::Ok);
    assert_eq!(done_ms, tick_at);
    assert_eq!(open_incidents(handle)[0].checklist_done, 1);
}

#[test]
fn ticks_and_acks_survive_reopen() {
    let (handle, state) = open_breached();
    let incident = open_incidents(handle)[0];
    let item = poll(handle, BREACH, MB_CHANNELS_ALL).1.expect("an item");
    // SAFETY: the texts are NUL-terminated.
    let statuses = unsafe {
        [
            mb_guard_incident_tick_utf8(handle, incident.id, 0, c"operator".as_ptr(), BREACH),
            mb_guard_alert_acknowledge_utf8(handle, item.alert_id, c"operator".as_ptr(), BREACH),
        ]
    };
    assert_eq!(statuses, [MbStatus::Ok; 2]);
    assert_eq!(ack(handle, item.id, 1, BREACH).1, MB_DELIVERY_DELIVERED);
    assert_eq!(mb_guard_close(handle), MbStatus::Ok);

    let dir = format!("{}\0", state.path().display());
    let mut reopened = 0;
    // SAFETY: every pointer is valid and every text NUL-terminated.
    let status = unsafe {
        mb_guard_open_utf8(
            &abi(),
            CONFIG.as_ptr().cast(),
            dir.as_ptr().cast(),
            &mut reopened,
        )
    };
    assert_eq!(status, MbStatus::Ok);
    let incidents = open_incidents(reopened);
    assert_eq!(incidents.len(), 1, "the incident is restored");
    assert_eq!(incidents[0].checklist_done, 1, "the tick is restored");
    let repeated = ack(reopened, item.id, 1, BREACH + 1000);
    assert_eq!(
        repeated.1, MB_DELIVERY_UNKNOWN_ITEM,
        "a delivered item stays delivered"
    );
    // SAFETY: the text is NUL-terminated.
    let again = unsafe {
        mb_guard_alert_acknowledge_utf8(reopened, item.alert_id, c"operator".as_ptr(), BREACH)
    };
    assert_eq!(again, MbStatus::Ok, "the alert is still live");
    assert_eq!(mb_guard_close(reopened), MbStatus::Ok);
}

#[test]
fn incident_exports_reject_hostile_arguments() {
    let (handle, _state) = open_breached();
    let incident = open_incidents(handle)[0];
    let past_end = incident.checklist_items as u32;
    let (mut phase, mut done_ms, mut needed, mut count) = (0, 0, 0, 0u32);
    let mut text = [0u16; 64];
    let empty = utf16("");
    // SAFETY: null is an allowed value; the other pointers are valid and texts terminated.
    let statuses = unsafe {
        [
            mb_guard_incidents(handle, null_mut(), 0, &mut count),
            mb_guard_incidents(handle, null_mut(), 1, &mut count),
            mb_guard_incidents(handle, null_mut(), 0, null_mut()),
            mb_guard_incident_summary_utf16(handle, 0, text.as_mut_ptr(), 64, &mut needed),
            mb_guard_incident_item_utf16(
                handle,
                incident.id,
                past_end,
                &mut phase,
                &mut done_ms,
                text.as_mut_ptr(),
                64,
                &mut needed,
            ),
            mb_guard_incident_item_utf16(
                handle,
                incident.id,
                u32::MAX,
                &mut phase,
                &mut done_ms,
                text.as_mut_ptr(),
                64,
                &mut needed,
            ),
            mb_guard_incident_item_utf16(
                handle,
                incident.id,
                0,
                null_mut(),
                &mut done_ms,
                text.as_mut_ptr(),
                64,
                &mut needed,
            ),
            mb_guard_incident_item_utf8(
                handle,
                incident.id,
                0,
                &mut phase,
                null_mut(),
                null_mut(),
                0,
                &mut needed,
            ),
            mb_guard_incident_tick_utf8(
                handle,
                incident.id,
                past_end,
                c"operator".as_ptr(),
                BREACH,
            ),
            mb_guard_incident_tick_utf8(handle, u64::MAX, 0, c"operator".as_ptr(), BREACH),
            mb_guard_incident_tick_utf16(handle, incident.id, 0, empty.as_ptr(), BREACH),
            mb_guard_incident_tick_utf16(handle, incident.id, 0, null(), BREACH),
            mb_guard_incident_tick_utf8(handle, incident.id, 0, c"operator".as_ptr(), i64::MIN),
        ]
    };
    let expected = [
        MbStatus::BufferTooSmall,
        MbStatus::NullPointer,
        MbStatus::NullPointer,
        MbStatus::InvalidArgument,
        MbStatus::InvalidArgument,
        MbStatus::InvalidArgument,
        MbStatus::NullPointer,
        MbStatus::NullPointer,
        MbStatus::InvalidArgument,
        MbStatus::InvalidArgument,
        MbStatus::InvalidArgument,
        MbStatus::NullPointer,
        MbStatus::InvalidTime,
    ];
    for (index, (status, want)) in statuses.iter().zip(expected).enumerate() {
        assert_eq!(*status, want, "call {index}");
    }
    assert_eq!(count, 1);
    assert_eq!(
        open_incidents(handle)[0].checklist_done,
        0,
        "no rejected call ticked an item"
    );
}

/// Calls every watch export with valid other arguments and returns each status.
fn call_every_watch_export(handle: MbHandle) -> Vec<(&'static str, MbStatus)> {
    let mut item = MbOutboxItem::default();
    let mut health = MbHealth::default();
    let mut checks = [MbHealthCheck::default(); 8];
    let mut vitals = MbVitals::default();
    let mut incidents = [MbIncident::default(); 4];
    let (mut written, mut outcome, mut retry, mut count, mut needed) = (0, 0, 0i64, 0u32, 0u32);
    let (mut phase, mut done_ms) = (0, 0);
    let mut text = [0u16; 64];
    let mut bytes = [0u8; 64];
    let by = utf16("operator");
    let time = DAY + 9 * HOUR;
    // SAFETY: every pointer below is valid for its type, and every text NUL-terminated.
    unsafe {
        vec![
            (
                "outbox_poll",
                mb_guard_outbox_poll(handle, time, MB_CHANNELS_ALL, &mut item, &mut written),
            ),
            (
                "outbox_text_utf16",
                mb_guard_outbox_text_utf16(
                    handle,
                    1,
                    MB_OUTBOX_TEXT,
                    text.as_mut_ptr(),
                    64,
                    &mut needed,
                ),
            ),
            (
                "outbox_text_utf8",
                mb_guard_outbox_text_utf8(
                    handle,
                    1,
                    MB_OUTBOX_TEXT,
                    bytes.as_mut_ptr().cast(),
                    64,
                    &mut needed,
                ),
            ),
            (
                "outbox_ack",
                mb_guard_outbox_ack(handle, 1, 1, time, &mut outcome, &mut retry),
            ),
            (
                "alert_acknowledge_utf16",
                mb_guard_alert_acknowledge_utf16(handle, 1, by.as_ptr(), time),
            ),
            (
                "alert_acknowledge_utf8",
                mb_guard_alert_acknowledge_utf8(handle, 1, c"operator".as_ptr(), time),
            ),
            ("alert_resolve", mb_guard_alert_resolve(handle, 1, time)),
            (
                "health",
                mb_guard_health(handle, &mut health, checks.as_mut_ptr(), 8, &mut count),
            ),
            ("vitals", mb_guard_vitals(handle, &mut vitals)),
            (
                "incidents",
                mb_guard_incidents(handle, incidents.as_mut_ptr(), 4, &mut count),
            ),
            (
                "incident_summary_utf16",
                mb_guard_incident_summary_utf16(handle, 1, text.as_mut_ptr(), 64, &mut needed),
            ),
            (
                "incident_summary_utf8",
                mb_guard_incident_summary_utf8(
                    handle,
                    1,
                    bytes.as_mut_ptr().cast(),
                    64,
                    &mut needed,
                ),
            ),
            (
                "incident_item_utf16",
                mb_guard_incident_item_utf16(
                    handle,
                    1,
                    0,
                    &mut phase,
                    &mut done_ms,
                    text.as_mut_ptr(),
                    64,
                    &mut needed,
                ),
            ),
            (
                "incident_item_utf8",
                mb_guard_incident_item_utf8(
                    handle,
                    1,
                    0,
                    &mut phase,
                    &mut done_ms,
                    bytes.as_mut_ptr().cast(),
                    64,
                    &mut needed,
                ),
            ),
            (
                "incident_tick_utf16",
                mb_guard_incident_tick_utf16(handle, 1, 0, by.as_ptr(), time),
            ),
            (
                "incident_tick_utf8",
                mb_guard_incident_tick_utf8(handle, 1, 0, c"operator".as_ptr(), time),
            ),
        ]
    }
}

#[test]
fn watch_exports_reject_closed_and_forged_handles() {
    let (real, _state) = open_trading();
    assert_eq!(mb_guard_close(real), MbStatus::Ok);
    for handle in [0, 1, real, real | (1 << 63), u64::MAX] {
        for (name, status) in call_every_watch_export(handle) {
            assert_eq!(
                status,
                MbStatus::InvalidHandle,
                "{name} with handle {handle:#x}"
            );
        }
    }
}

#[test]
fn watch_exports_answer_on_quiet_guard() {
    let (handle, _state) = open_trading();
    for (name, status) in call_every_watch_export(handle) {
        // A quiet guard has no item, alert or incident with id 1, so the id calls reject it.
        let expected = if matches!(
            name,
            "outbox_poll" | "outbox_ack" | "health" | "vitals" | "incidents"
        ) {
            MbStatus::Ok
        } else {
            MbStatus::InvalidArgument
        };
        assert_eq!(status, expected, "{name}");
    }
}

/// Server time at 9999-12-31 23:59:59, far ahead of the breach.
const FAR_AHEAD: i64 = 253_402_300_799_000;

#[test]
fn far_ahead_poll_does_not_strand_item() {
    let (handle, _state) = open_breached();
    let first = poll(handle, FAR_AHEAD, MB_CHANNELS_ALL).1.expect("an item");
    let channel = 1 << first.channel;
    let later = BREACH + 5 * 60_000;
    let (status, again) = poll(handle, later, channel);
    assert_eq!(status, MbStatus::Ok);
    assert_eq!(
        again.map(|item| item.id),
        Some(first.id),
        "a lease taken at a far-ahead time must not hide the item once the clock is back"
    );
}

#[test]
fn far_ahead_failure_does_not_delay_retry() {
    let (handle, _state) = open_breached();
    let item = poll(handle, BREACH, MB_CHANNELS_ALL).1.expect("an item");
    let (status, outcome, _) = ack(handle, item.id, 0, FAR_AHEAD);
    assert_eq!((status, outcome), (MbStatus::Ok, MB_DELIVERY_RETRY));
    let later = BREACH + 10 * 60_000;
    let retried = poll(handle, later, 1 << item.channel).1.map(|i| i.id);
    assert_eq!(
        retried,
        Some(item.id),
        "a retry time far ahead must not hold the item back past the longest retry delay"
    );
}

#[test]
fn far_ahead_push_does_not_stop_pushes() {
    let (handle, _state) = open_breached();
    let push = 1 << MB_CHANNEL_PUSH;
    let first = poll(handle, FAR_AHEAD, push)
        .1
        .expect("the breach queues a push");
    assert_eq!(ack(handle, first.id, 1, FAR_AHEAD).1, MB_DELIVERY_DELIVERED);
    let second = poll(handle, FAR_AHEAD, push).1.expect("a second push");
    assert_eq!(
        ack(handle, second.id, 1, FAR_AHEAD).1,
        MB_DELIVERY_DELIVERED
    );

    let by = utf16("operator");
    let later = BREACH + 60 * 60_000;
    // SAFETY: `by` is NUL-terminated.
    let acked =
        unsafe { mb_guard_alert_acknowledge_utf16(handle, first.alert_id, by.as_ptr(), later) };
    assert_eq!(acked, MbStatus::Ok);
    assert_eq!(
        mb_guard_alert_resolve(handle, first.alert_id, later),
        MbStatus::Ok
    );
    let (status, resolved) = poll(handle, later, push);
    assert_eq!(status, MbStatus::Ok);
    assert!(
        resolved.is_some(),
        "pushes handed out at a far-ahead time must not count against the push limits later"
    );
}
