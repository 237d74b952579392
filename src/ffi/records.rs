//! Conversions between the C structs and the crate's types, with the checks a C caller's
//! values need: enum numbers in range, flags 0 or 1, counts not negative, and server times
//! converted to UTC with the configured server clock.

use super::abi::{
    MbDeal, MbDecision, MbEvent, MbOrderIntent, MbPreTrade, MbRuleReport, MbSnapshot,
};
use super::{Failure, MbStatus};
use crate::account::{Deal, DealEntry, DealType, OrderIntent, ShortText, Side, Snapshot, TimeMs};
use crate::compliance::{Decision, EngineEvent, PreTrade, RuleReport};
use crate::ffi_fail;
use crate::time::ServerClock;
use chrono::DateTime;

/// Converts a server time in milliseconds to UTC.
///
/// # Errors
///
/// [`MbStatus::InvalidTime`] for a time out of chrono's range or inside a daylight-saving gap.
pub fn utc_from_server(clock: ServerClock, server_ms: i64, name: &str) -> Result<TimeMs, Failure> {
    let wall = DateTime::from_timestamp_millis(server_ms)
        .map(|time| time.naive_utc())
        .ok_or_else(|| {
            ffi_fail!(
                MbStatus::InvalidTime,
                "{name} {server_ms} ms is out of range"
            )
        })?;
    clock
        .to_utc_ms(wall)
        .map_err(|error| ffi_fail!(MbStatus::InvalidTime, "{name}: {error}"))
}

/// Converts a UTC time to server time in milliseconds; a time out of range stays as it is.
pub fn server_from_utc(clock: ServerClock, utc_ms: TimeMs) -> i64 {
    clock
        .to_local(utc_ms)
        .map_or(utc_ms, |wall| wall.and_utc().timestamp_millis())
}

/// Converts a snapshot.
///
/// # Errors
///
/// [`MbStatus::InvalidArgument`] for a flag other than 0 or 1, a negative count or a
/// non-zero reserved field, and [`MbStatus::InvalidTime`].
pub fn snapshot(clock: ServerClock, input: &MbSnapshot) -> Result<Snapshot, Failure> {
    reserved(input.reserved, "snapshot")?;
    Ok(Snapshot {
        time_ms: utc_from_server(clock, input.time_ms, "snapshot time_ms")?,
        balance: input.balance,
        equity: input.equity,
        margin: input.margin,
        free_margin: input.free_margin,
        connected: flag(input.connected, "snapshot connected")?,
        open_positions: count(input.open_positions, "snapshot open_positions")?,
        pending_orders: count(input.pending_orders, "snapshot pending_orders")?,
    })
}

/// Whether every number of the snapshot is finite.
pub fn snapshot_is_finite(input: &MbSnapshot) -> bool {
    [input.balance, input.equity, input.margin, input.free_margin]
        .iter()
        .all(|value| value.is_finite())
}

/// Converts a deal; `symbol` and `comment` were decoded from their text arguments.
///
/// # Errors
///
/// [`MbStatus::InvalidArgument`] for an unknown deal type or entry, and
/// [`MbStatus::InvalidTime`].
pub fn deal(
    clock: ServerClock,
    input: &MbDeal,
    symbol: ShortText,
    comment: ShortText,
) -> Result<Deal, Failure> {
    let deal_type = DealType::from_mt5(input.deal_type).ok_or_else(|| {
        ffi_fail!(
            MbStatus::InvalidArgument,
            "deal {} has deal_type {}, but ENUM_DEAL_TYPE runs from 0 to 17",
            input.ticket,
            input.deal_type
        )
    })?;
    let entry = DealEntry::from_mt5(input.entry).ok_or_else(|| {
        ffi_fail!(
            MbStatus::InvalidArgument,
            "deal {} has entry {}, but ENUM_DEAL_ENTRY runs from 0 to 3",
            input.ticket,
            input.entry
        )
    })?;
    Ok(Deal {
        time_ms: utc_from_server(clock, input.time_ms, "deal time_ms")?,
        ticket: input.ticket,
        position_id: input.position_id,
        order: input.order,
        symbol,
        deal_type,
        entry,
        volume: input.volume,
        price: input.price,
        profit: input.profit,
        commission: input.commission,
        swap: input.swap,
        fee: input.fee,
        magic: input.magic,
        comment,
    })
}

/// Whether every number of the deal is finite.
pub fn deal_is_finite(input: &MbDeal) -> bool {
    let amounts = [
        input.volume,
        input.price,
        input.profit,
        input.commission,
        input.swap,
        input.fee,
    ];
    amounts.iter().all(|value| value.is_finite())
}

/// Converts an order intent; `symbol` was decoded from its text argument.
///
/// # Errors
///
/// [`MbStatus::InvalidArgument`] for a side other than 0 or 1 or a non-zero reserved field,
/// and [`MbStatus::InvalidTime`].
pub fn order_intent(
    clock: ServerClock,
    input: &MbOrderIntent,
    symbol: ShortText,
) -> Result<OrderIntent, Failure> {
    let side = side(input.side, "order side")?;
    reserved(input.reserved, "order intent")?;
    Ok(OrderIntent {
        time_ms: utc_from_server(clock, input.time_ms, "order time_ms")?,
        symbol,
        side,
        volume: input.volume,
        entry_price: input.entry_price,
        stop_loss: input.stop_loss,
        tick_size: input.tick_size,
        tick_value: input.tick_value,
        commission_per_lot: input.commission_per_lot,
    })
}

/// Converts a side code: 0 for buy, 1 for sell.
///
/// # Errors
///
/// [`MbStatus::InvalidArgument`] naming `name` for any other value.
pub fn side(value: i32, name: &str) -> Result<Side, Failure> {
    match value {
        0 => Ok(Side::Buy),
        1 => Ok(Side::Sell),
        other => Err(ffi_fail!(
            MbStatus::InvalidArgument,
            "{name} is {other}, but it must be 0 (buy) or 1 (sell)"
        )),
    }
}

/// Whether every number of the order intent is finite.
pub fn order_intent_is_finite(input: &MbOrderIntent) -> bool {
    let numbers = [
        input.volume,
        input.entry_price,
        input.stop_loss,
        input.tick_size,
        input.tick_value,
        input.commission_per_lot,
    ];
    numbers.iter().all(|value| value.is_finite())
}

/// Converts a decision, with its time in server time.
pub fn decision(clock: ServerClock, decision: Decision) -> MbDecision {
    MbDecision {
        time_ms: server_from_utc(clock, decision.time_ms),
        verdict: decision.verdict as i32,
        reason: decision.reason as i32,
    }
}

/// Converts a pre-trade answer.
pub fn pre_trade(check: PreTrade) -> MbPreTrade {
    MbPreTrade {
        max_volume: check.max_volume,
        suggested_volume: check.suggested_volume,
        risk: check.risk,
        allowed: i32::from(check.allowed),
        reason: check.reason as i32,
    }
}

/// Converts a rule report, with its breach time in server time.
pub fn rule_report(clock: ServerClock, report: &RuleReport) -> MbRuleReport {
    let breach = report.breach;
    MbRuleReport {
        floor: report.floor,
        value: report.value,
        room: report.room,
        used_share: report.used_share,
        breach_time_ms: breach.map_or(0, |b| server_from_utc(clock, b.time_ms)),
        breach_equity: breach.map_or(0.0, |b| b.equity),
        breach_floor: breach.map_or(0.0, |b| b.floor),
        breach_min_equity: breach.map_or(0.0, |b| b.min_equity),
        rule: report.rule as i32,
        status: report.status as i32,
        has_breach: i32::from(breach.is_some()),
        breach_hard: i32::from(breach.is_some_and(|b| b.hard)),
    }
}

/// Converts an engine event, with its time in server time.
pub fn event(clock: ServerClock, event: &EngineEvent) -> MbEvent {
    use super::abi::*;
    let mut out = MbEvent {
        time_ms: server_from_utc(clock, event.time_ms()),
        rule: -1,
        ..MbEvent::default()
    };
    match *event {
        EngineEvent::Breached { rule, breach } => {
            (out.kind, out.priority, out.rule) =
                (MB_EVENT_BREACHED, MB_PRIORITY_CRITICAL, rule as i32);
            (out.equity, out.level) = (breach.equity, breach.floor);
        }
        EngineEvent::Warning {
            rule,
            equity,
            floor,
            used_share,
            ..
        } => {
            (out.kind, out.priority, out.rule) = (MB_EVENT_WARNING, MB_PRIORITY_HIGH, rule as i32);
            (out.equity, out.level, out.share) = (equity, floor, used_share);
        }
        EngineEvent::BufferEntered {
            rule,
            equity,
            floor,
            ..
        } => {
            (out.kind, out.priority, out.rule) =
                (MB_EVENT_BUFFER_ENTERED, MB_PRIORITY_HIGH, rule as i32);
            (out.equity, out.level) = (equity, floor);
        }
        EngineEvent::Lifted { rule, .. } => {
            (out.kind, out.priority, out.rule) = (MB_EVENT_LIFTED, MB_PRIORITY_MEDIUM, rule as i32);
        }
        EngineEvent::Blocked {
            verdict, reason, ..
        } => {
            (out.kind, out.priority) = (MB_EVENT_BLOCKED, MB_PRIORITY_HIGH);
            (out.verdict, out.reason) = (verdict as i32, reason as i32);
        }
        EngineEvent::Unblocked { previous, .. } => {
            (out.kind, out.priority, out.reason) =
                (MB_EVENT_UNBLOCKED, MB_PRIORITY_MEDIUM, previous as i32);
        }
        EngineEvent::DayReset { anchor, .. } => {
            (out.kind, out.priority, out.level) = (MB_EVENT_DAY_RESET, MB_PRIORITY_LOW, anchor);
        }
        EngineEvent::GoalMet { rule, .. } => {
            (out.kind, out.priority, out.rule) =
                (MB_EVENT_GOAL_MET, MB_PRIORITY_MEDIUM, rule as i32);
        }
        EngineEvent::XpwsActivated(activation) => {
            (out.kind, out.priority) = (MB_EVENT_XPWS_ACTIVATED, MB_PRIORITY_MEDIUM);
            (out.equity, out.level) = (activation.week_profit, activation.week_start_balance);
        }
    }
    out
}

fn flag(value: i32, name: &str) -> Result<bool, Failure> {
    match value {
        0 => Ok(false),
        1 => Ok(true),
        other => Err(ffi_fail!(
            MbStatus::InvalidArgument,
            "{name} is {other}, but it must be 0 or 1"
        )),
    }
}

/// Converts a count that must not be negative.
///
/// # Errors
///
/// [`MbStatus::InvalidArgument`] for a negative value.
pub fn count(value: i32, name: &str) -> Result<u32, Failure> {
    u32::try_from(value).map_err(|_| {
        ffi_fail!(
            MbStatus::InvalidArgument,
            "{name} is {value}, but it cannot be negative"
        )
    })
}

fn reserved(value: i32, name: &str) -> Result<(), Failure> {
    if value == 0 {
        Ok(())
    } else {
        Err(ffi_fail!(
            MbStatus::InvalidArgument,
            "{name} reserved field is {value}, but it must be 0; zero the struct before filling it"
        ))
    }
}
