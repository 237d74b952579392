//! Exports of the alert outbox and the alerts. The EA polls the outbox item by item from its
//! timer, fetches the item's texts, delivers it, acknowledges the delivery, and acknowledges or
//! resolves the alert behind it. Every time is the caller's server time, never the wall clock.

use super::convert::TextOut;
use super::records::{server_from_utc, utc_from_server};
use super::session::with_guard;
use super::watch_abi::*;
use super::{convert, Failure, MbHandle, MbStatus};
use crate::alerts::{AckOutcome, Channel, OutboxItem};
use crate::ffi_fail;
use crate::guard::Guard;
use std::ffi::c_char;

/// Takes the most urgent outbox item that may be delivered at server time `time_ms` and writes
/// it to `item`. `channels` selects the channels the caller delivers, with bit
/// `1 << MB_CHANNEL_*` per channel (`MB_CHANNELS_ALL` for all). The item stays leased to the
/// caller until it is acknowledged or its lease runs out. `written` receives 1 when an item was
/// taken and 0 when none is due.
///
/// Pushes are paced to MT5's limits (2 a second, 10 a minute): a push past them stays queued.
/// Returns `MB_STATUS_INVALID_ARGUMENT` for a mask that is 0 or has bits above
/// `MB_CHANNELS_ALL`.
///
/// # Safety
///
/// `item` and `written` are null or writable.
#[no_mangle]
pub unsafe extern "C" fn mb_guard_outbox_poll(
    handle: MbHandle,
    time_ms: i64,
    channels: u32,
    item: *mut MbOutboxItem,
    written: *mut i32,
) -> MbStatus {
    with_guard(handle, "mb_guard_outbox_poll", |guard| {
        convert::require_out(item, "item")?;
        convert::require_out(written, "written")?;
        let (selected, len) = channel_list(channels)?;
        let clock = guard.server_clock();
        let now = utc_from_server(clock, time_ms, "time_ms")?;
        let polled = guard.poll_delivery(&selected[..len], now);
        let (out, taken) = match polled {
            Some(polled) => (outbox_item(guard, &polled), 1),
            None => (MbOutboxItem::default(), 0),
        };
        // SAFETY: the caller passes writable pointers, checked not null above.
        unsafe { convert::write_out(item, out, "item") }?;
        // SAFETY: as above.
        unsafe { convert::write_out(written, taken, "written") }
    })
}

/// Writes one text part (`MB_OUTBOX_SUBJECT`, `MB_OUTBOX_TEXT` or `MB_OUTBOX_RECIPIENTS`) of
/// the outbox item `item_id` into `buffer` as UTF-16.
///
/// Returns `MB_STATUS_BUFFER_TOO_SMALL` with `needed` set when the text does not fit, so call
/// again with a larger buffer (the item stays leased). Returns `MB_STATUS_INVALID_ARGUMENT` for
/// an unknown part or an item no longer in the outbox.
///
/// # Safety
///
/// `buffer` is null or writable for `capacity` units; `needed` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn mb_guard_outbox_text_utf16(
    handle: MbHandle,
    item_id: u64,
    part: i32,
    buffer: *mut u16,
    capacity: u32,
    needed: *mut u32,
) -> MbStatus {
    with_guard(handle, "mb_guard_outbox_text_utf16", |guard| {
        let out = TextOut::Utf16(buffer);
        // SAFETY: forwarded from this export's contract.
        unsafe { outbox_text(guard, item_id, part, out, capacity, needed) }
    })
}

/// Writes one text part of an outbox item as [`mb_guard_outbox_text_utf16`] does, in UTF-8.
///
/// # Safety
///
/// `buffer` is null or writable for `capacity` bytes; `needed` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn mb_guard_outbox_text_utf8(
    handle: MbHandle,
    item_id: u64,
    part: i32,
    buffer: *mut c_char,
    capacity: u32,
    needed: *mut u32,
) -> MbStatus {
    with_guard(handle, "mb_guard_outbox_text_utf8", |guard| {
        let out = TextOut::Utf8(buffer);
        // SAFETY: forwarded from this export's contract.
        unsafe { outbox_text(guard, item_id, part, out, capacity, needed) }
    })
}

/// Records the result of delivering the outbox item `item_id` at server time `time_ms`:
/// `delivered` is 1 when it was delivered and 0 when the delivery failed.
///
/// `outcome` receives an `MB_DELIVERY_*` code, and `retry_at_ms` the server time the item is
/// offered again after a failure (`MB_DELIVERY_RETRY`), else 0. A failed item is retried with a
/// doubling delay, and a non-CRITICAL one is given up after the configured attempts. Returns
/// `MB_STATUS_INVALID_ARGUMENT` for `delivered` other than 0 or 1.
///
/// # Safety
///
/// `outcome` and `retry_at_ms` are null or writable.
#[no_mangle]
pub unsafe extern "C" fn mb_guard_outbox_ack(
    handle: MbHandle,
    item_id: u64,
    delivered: i32,
    time_ms: i64,
    outcome: *mut i32,
    retry_at_ms: *mut i64,
) -> MbStatus {
    with_guard(handle, "mb_guard_outbox_ack", |guard| {
        convert::require_out(outcome, "outcome")?;
        convert::require_out(retry_at_ms, "retry_at_ms")?;
        let delivered = match delivered {
            0 => false,
            1 => true,
            other => {
                return Err(ffi_fail!(
                    MbStatus::InvalidArgument,
                    "delivered is {other}; pass 1 when the item was delivered, 0 when it failed"
                ))
            }
        };
        let clock = guard.server_clock();
        let now = utc_from_server(clock, time_ms, "time_ms")?;
        let result = guard.acknowledge_delivery(item_id, delivered, now);
        let (code, retry_at) = match result {
            AckOutcome::Delivered => (MB_DELIVERY_DELIVERED, 0),
            AckOutcome::RetryAt(at) => (MB_DELIVERY_RETRY, server_from_utc(clock, at)),
            AckOutcome::GivenUp => {
                log::warn!("outbox item {item_id} given up after its last failed delivery");
                (MB_DELIVERY_GIVEN_UP, 0)
            }
            AckOutcome::UnknownItem => (MB_DELIVERY_UNKNOWN_ITEM, 0),
        };
        // SAFETY: the caller passes writable pointers, checked not null above.
        unsafe { convert::write_out(outcome, code, "outcome") }?;
        // SAFETY: as above.
        unsafe { convert::write_out(retry_at_ms, retry_at, "retry_at_ms") }
    })
}

/// Acknowledges the live alert `alert_id` at server time `time_ms` on behalf of `by` (UTF-16),
/// which stops its escalation. Acknowledging it again changes nothing.
///
/// Returns `MB_STATUS_INVALID_ARGUMENT` for an empty `by` or an alert that is not live.
///
/// # Safety
///
/// `by` is null or NUL-terminated UTF-16.
#[no_mangle]
pub unsafe extern "C" fn mb_guard_alert_acknowledge_utf16(
    handle: MbHandle,
    alert_id: u64,
    by: *const u16,
    time_ms: i64,
) -> MbStatus {
    with_guard(handle, "mb_guard_alert_acknowledge_utf16", |guard| {
        // SAFETY: the caller passes null or a NUL-terminated UTF-16 string.
        let by = unsafe { convert::utf16_in(by, "by") }?;
        acknowledge(guard, alert_id, &by, time_ms)
    })
}

/// Acknowledges a live alert as [`mb_guard_alert_acknowledge_utf16`] does, with `by` in UTF-8.
///
/// # Safety
///
/// `by` is null or NUL-terminated UTF-8.
#[no_mangle]
pub unsafe extern "C" fn mb_guard_alert_acknowledge_utf8(
    handle: MbHandle,
    alert_id: u64,
    by: *const c_char,
    time_ms: i64,
) -> MbStatus {
    with_guard(handle, "mb_guard_alert_acknowledge_utf8", |guard| {
        // SAFETY: the caller passes null or a NUL-terminated UTF-8 string.
        let by = unsafe { convert::utf8_in(by, "by") }?;
        acknowledge(guard, alert_id, by, time_ms)
    })
}

/// Resolves the live alert `alert_id` at server time `time_ms`, which notifies the roles that
/// were notified of it.
///
/// Returns `MB_STATUS_INVALID_ARGUMENT` for an alert that is not live.
#[no_mangle]
pub extern "C" fn mb_guard_alert_resolve(
    handle: MbHandle,
    alert_id: u64,
    time_ms: i64,
) -> MbStatus {
    with_guard(handle, "mb_guard_alert_resolve", |guard| {
        let now = utc_from_server(guard.server_clock(), time_ms, "time_ms")?;
        guard
            .watch_mut()
            .alerts_mut()
            .resolve(alert_id, now)
            .map_err(|error| ffi_fail!(MbStatus::InvalidArgument, "{error}"))?;
        guard.save_watch(now);
        Ok(())
    })
}

/// Lists the channels a mask selects, without allocating: the array and its used length.
fn channel_list(mask: u32) -> Result<([Channel; 5], usize), Failure> {
    if mask == 0 || mask & !MB_CHANNELS_ALL != 0 {
        return Err(ffi_fail!(
            MbStatus::InvalidArgument,
            "channel mask {mask:#x} selects no channel or has bits above {MB_CHANNELS_ALL:#x}; \
             set bit 1 << MB_CHANNEL_* for each channel the caller delivers"
        ));
    }
    let mut selected = Channel::ALL;
    let mut len = 0;
    for channel in Channel::ALL {
        if mask & (1 << channel as u32) != 0 {
            selected[len] = channel;
            len += 1;
        }
    }
    Ok((selected, len))
}

fn outbox_item(guard: &Guard, item: &OutboxItem) -> MbOutboxItem {
    MbOutboxItem {
        id: item.id,
        alert_id: item.alert_id,
        created_ms: server_from_utc(guard.server_clock(), item.created_ms),
        channel: item.channel as i32,
        priority: item.priority as i32,
        attempts: i32::try_from(item.attempts).unwrap_or(i32::MAX),
        recipients: i32::try_from(item.recipients.len()).unwrap_or(i32::MAX),
    }
}

/// Writes one text part of an outbox item.
///
/// # Safety
///
/// `out` is null or writable for `capacity` units; `needed` is null or writable.
unsafe fn outbox_text(
    guard: &Guard,
    item_id: u64,
    part: i32,
    out: TextOut,
    capacity: u32,
    needed: *mut u32,
) -> Result<(), Failure> {
    let outbox = &guard.watch().alerts().state().dispatch.outbox;
    let item = outbox
        .items()
        .find(|item| item.id == item_id)
        .ok_or_else(|| {
            ffi_fail!(
                MbStatus::InvalidArgument,
                "outbox item {item_id} is not in the outbox: it was delivered, given up or never \
             queued; poll the outbox for the next item"
            )
        })?;
    let recipients;
    let text = match part {
        MB_OUTBOX_SUBJECT => item.subject.as_str(),
        MB_OUTBOX_TEXT => item.text.as_str(),
        MB_OUTBOX_RECIPIENTS => {
            recipients = item.recipients.join("\n");
            recipients.as_str()
        }
        other => {
            return Err(ffi_fail!(
                MbStatus::InvalidArgument,
                "text part {other} is unknown; pass MB_OUTBOX_SUBJECT, MB_OUTBOX_TEXT or \
                 MB_OUTBOX_RECIPIENTS"
            ))
        }
    };
    // SAFETY: forwarded from this function's contract.
    unsafe { out.write(text, capacity, needed) }
}

fn acknowledge(guard: &mut Guard, alert_id: u64, by: &str, time_ms: i64) -> Result<(), Failure> {
    if by.trim().is_empty() {
        return Err(ffi_fail!(
            MbStatus::InvalidArgument,
            "by is empty; pass the name of the person who acknowledges the alert"
        ));
    }
    let now = utc_from_server(guard.server_clock(), time_ms, "time_ms")?;
    guard
        .watch_mut()
        .alerts_mut()
        .acknowledge(alert_id, by, now)
        .map_err(|error| ffi_fail!(MbStatus::InvalidArgument, "{error}"))?;
    guard.save_watch(now);
    Ok(())
}
