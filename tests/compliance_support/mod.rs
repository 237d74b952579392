//! Builders shared by the compliance tests: Prague and server times, snapshots,
//! deals, histories and engines started on day one.
#![allow(dead_code)]

use chrono::{NaiveDateTime, TimeZone};
use mikrobot::account::{
    Deal, DealEntry, DealType, OrderIntent, ShortText, Side, Snapshot, TimeMs,
};
use mikrobot::compliance::{Engine, EngineEvent, History, RuleKind, RuleReport, RuleSet};
use mikrobot::time::ServerClock;

/// UTC milliseconds of a Europe/Prague wall time `YYYY-MM-DD HH:MM[:SS]`.
pub fn prague(text: &str) -> TimeMs {
    zone_time(chrono_tz::Europe::Prague, text)
}

/// UTC milliseconds of a wall time in `zone`.
pub fn zone_time(zone: chrono_tz::Tz, text: &str) -> TimeMs {
    let local = parse(text);
    zone.from_local_datetime(&local)
        .earliest()
        .expect("wall time exists")
        .timestamp_millis()
}

/// UTC milliseconds of an MT5 server wall time on a New York + 7 h clock.
pub fn server(text: &str) -> TimeMs {
    ServerClock::NewYorkPlus7.to_utc_ms(parse(text)).unwrap()
}

fn parse(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M"))
        .expect("time as YYYY-MM-DD HH:MM[:SS]")
}

/// A connected snapshot.
pub fn snapshot(time_ms: TimeMs, balance: f64, equity: f64, open_positions: u32) -> Snapshot {
    Snapshot {
        time_ms,
        balance,
        equity,
        margin: 0.0,
        free_margin: equity,
        connected: true,
        open_positions,
        pending_orders: 0,
    }
}

fn deal(ticket: u64, time_ms: TimeMs, deal_type: DealType, entry: DealEntry, profit: f64) -> Deal {
    Deal {
        time_ms,
        ticket,
        position_id: if deal_type.is_trade() { ticket } else { 0 },
        order: ticket,
        symbol: if deal_type.is_trade() {
            ShortText::new("EURUSD").unwrap()
        } else {
            ShortText::EMPTY
        },
        deal_type,
        entry,
        volume: if deal_type.is_trade() { 1.0 } else { 0.0 },
        price: 1.1,
        profit,
        commission: 0.0,
        swap: 0.0,
        fee: 0.0,
        magic: 0,
        comment: ShortText::EMPTY,
    }
}

/// A deal that opens a position on EURUSD, with no result.
pub fn open(ticket: u64, time_ms: TimeMs) -> Deal {
    deal(ticket, time_ms, DealType::Buy, DealEntry::In, 0.0)
}

/// A deal that closes a EURUSD position with `profit`.
pub fn close(ticket: u64, time_ms: TimeMs, profit: f64) -> Deal {
    deal(ticket, time_ms, DealType::Sell, DealEntry::Out, profit)
}

/// A closing deal on `symbol`.
pub fn close_on(ticket: u64, time_ms: TimeMs, symbol: &str, profit: f64) -> Deal {
    Deal {
        symbol: ShortText::new(symbol).unwrap(),
        ..close(ticket, time_ms, profit)
    }
}

/// A deposit (positive) or withdrawal (negative).
pub fn cash(ticket: u64, time_ms: TimeMs, amount: f64) -> Deal {
    deal(ticket, time_ms, DealType::Balance, DealEntry::In, amount)
}

/// A history of `deals` complete from `covered_from_ms`.
pub fn history(
    deals: &[Deal],
    covered_from_ms: TimeMs,
    balance: f64,
    equity: f64,
    time_ms: TimeMs,
) -> History<'_> {
    History {
        deals,
        covered_from_ms,
        account_start_ms: None,
        balance,
        equity,
        open_positions: 0,
        time_ms,
    }
}

/// Clock tolerance for tests that feed a few events a day. The EA's timer moves the clock
/// every second, but these tests jump straight from one event to the next, up to 15 hours
/// apart, so they widen `safety.max_ahead_ms` to a day. The clock tests use the default.
pub const SPARSE_CLOCK_MS: i64 = 86_400_000;

/// `rules` with the clock tolerance of [`SPARSE_CLOCK_MS`].
pub fn sparse(mut rules: RuleSet) -> RuleSet {
    rules.safety.max_ahead_ms = SPARSE_CLOCK_MS;
    rules
}

/// An engine for an account that opens at `start` with the initial capital, with the clock
/// tolerance of [`SPARSE_CLOCK_MS`].
pub fn started(rules: RuleSet, start: TimeMs) -> Engine {
    started_with(sparse(rules), start)
}

/// An engine for an account that opens at `start` with the initial capital, with `rules`
/// as given.
pub fn started_with(rules: RuleSet, start: TimeMs) -> Engine {
    let capital = rules.initial_capital;
    let mut engine = Engine::new(rules).unwrap();
    let history = History {
        deals: &[],
        covered_from_ms: start,
        account_start_ms: Some(start),
        balance: capital,
        equity: capital,
        open_positions: 0,
        time_ms: start,
    };
    let decision = engine.load_history(&history);
    assert!(decision.may_trade_now(), "{decision:?}");
    engine
}

/// Moves the engine's clock to `time_ms` with timer calls at most `safety.max_ahead_ms` apart,
/// as the EA's timer does between ticks, so that no call jumps ahead of the clock.
pub fn clock_to(engine: &mut Engine, time_ms: TimeMs) {
    let step = engine.rule_set().safety.max_ahead_ms;
    let mut now = engine.clock_ms().unwrap_or(time_ms);
    while now < time_ms {
        now = now.saturating_add(step).min(time_ms);
        engine.on_time(now);
    }
}

/// The report of `rule`.
pub fn report(engine: &Engine, rule: RuleKind) -> RuleReport {
    *engine.report(rule).expect("rule is configured")
}

/// Every waiting event.
pub fn drain(engine: &mut Engine) -> Vec<EngineEvent> {
    std::iter::from_fn(|| engine.pop_event()).collect()
}

/// A EURUSD order intent with a stop `stop_pips` away; one pip is worth 10 per lot.
pub fn order(time_ms: TimeMs, volume: f64, stop_pips: f64) -> OrderIntent {
    OrderIntent {
        time_ms,
        symbol: ShortText::new("EURUSD").unwrap(),
        side: Side::Buy,
        volume,
        entry_price: 1.1,
        stop_loss: 1.1 - stop_pips * 0.0001,
        tick_size: 0.00001,
        tick_value: 1.0,
        commission_per_lot: 0.0,
    }
}

/// Whether two amounts agree to a cent.
pub fn near(a: f64, b: f64) -> bool {
    (a - b).abs() < 0.005
}
