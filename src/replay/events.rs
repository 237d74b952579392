//! The time-ordered event stream of an import: the history the EA would load at
//! start-up, then a deal and a snapshot for every deal after it.

use crate::account::{Deal, Snapshot, TimeMs};
use crate::compliance::History;
use crate::import::Import;

/// One event, in the order the EA feeds them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event {
    /// A deal, fed to `Engine::on_deal`.
    Deal(Deal),
    /// An account snapshot, fed to `Engine::on_snapshot`.
    Snapshot(Snapshot),
}

impl Event {
    /// Returns the event's time.
    pub fn time_ms(&self) -> TimeMs {
        match self {
            Event::Deal(deal) => deal.time_ms,
            Event::Snapshot(snapshot) => snapshot.time_ms,
        }
    }
}

/// The way a replay judges equity between deals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evaluation {
    /// The file has no prices between deals, so equity is taken as the closed
    /// balance at every deal. Floating losses of open positions are not seen.
    ClosedBalanceAtDeals,
}

impl Evaluation {
    /// Returns a short snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Evaluation::ClosedBalanceAtDeals => "closed_balance_at_deals",
        }
    }

    /// Returns a sentence for the report.
    pub fn describe(self) -> &'static str {
        match self {
            Evaluation::ClosedBalanceAtDeals => {
                "the file has no prices between deals, so the rules were evaluated on the \
                 closed balance at every deal; floating losses of open positions between deals \
                 are not seen"
            }
        }
    }
}

/// The account opening and the events after it.
#[derive(Debug, Clone, PartialEq)]
pub struct EventStream {
    /// Cash flows before the first trade deal, such as the initial deposit. They
    /// make up the initial balance, so they go into the history, not the events.
    pub opening_deals: Vec<Deal>,
    /// The account opening: the last opening cash flow, or 1 ms before the first
    /// deal when there is none.
    pub start_ms: TimeMs,
    /// The balance at the opening.
    pub initial_balance: f64,
    /// Deals and snapshots after the opening, in time order.
    pub events: Vec<Event>,
    /// The way equity is judged between deals.
    pub evaluation: Evaluation,
}

impl EventStream {
    /// Builds the stream of `import` for an account that opens with
    /// `initial_balance`. Every deal is followed by a snapshot at the deal's time
    /// whose equity is the closed balance. When the file states the equity at the
    /// report time (the MT5 balance block) and that time is after the last deal, a
    /// final snapshot carries it.
    pub fn from_import(import: &Import, initial_balance: f64) -> EventStream {
        let deals: Vec<Deal> = import.deals.iter().map(|row| row.deal).collect();
        let first_trade = deals.iter().position(|deal| !deal.deal_type.is_cash_flow());
        let opening_count = first_trade.unwrap_or(deals.len());
        let opening_deals = deals[..opening_count].to_vec();
        let first_time = deals.first().map(|deal| deal.time_ms).unwrap_or(0);
        let start_ms = match opening_deals.last() {
            Some(last) => last.time_ms,
            None => first_time - 1,
        };
        let open_times = open_intervals(import);
        let mut balance = initial_balance;
        let mut events = Vec::with_capacity((deals.len() - opening_count) * 2 + 1);
        for deal in &deals[opening_count..] {
            balance += deal.balance_change();
            events.push(Event::Deal(*deal));
            events.push(Event::Snapshot(closed_balance_snapshot(
                deal.time_ms,
                balance,
                open_positions_at(&open_times, deal.time_ms),
            )));
        }
        let last_time = events.last().map(Event::time_ms).unwrap_or(start_ms);
        if let Some(snapshot) = final_snapshot(import, balance, last_time, &open_times) {
            events.push(Event::Snapshot(snapshot));
        }
        EventStream {
            opening_deals,
            start_ms,
            initial_balance,
            events,
            evaluation: Evaluation::ClosedBalanceAtDeals,
        }
    }

    /// Returns the history the EA would load at the opening: the opening cash flows, with the
    /// initial balance as balance and equity.
    pub fn history(&self) -> History<'_> {
        History {
            deals: &self.opening_deals,
            covered_from_ms: self.start_ms,
            account_start_ms: Some(self.start_ms),
            balance: self.initial_balance,
            equity: self.initial_balance,
            open_positions: 0,
            time_ms: self.start_ms,
        }
    }

    /// Returns the time of the last event, or the opening when there is none.
    pub fn end_ms(&self) -> TimeMs {
        self.events
            .last()
            .map(Event::time_ms)
            .unwrap_or(self.start_ms)
    }
}

// NOTE: equity is the closed balance because exports carry no prices between
// deals, so a floating loss that recovered before its close is never seen.
fn closed_balance_snapshot(time_ms: TimeMs, balance: f64, open_positions: u32) -> Snapshot {
    Snapshot {
        time_ms,
        balance,
        equity: balance,
        margin: 0.0,
        free_margin: balance,
        connected: true,
        open_positions,
        pending_orders: 0,
    }
}

/// Open and close times of every position in the file, each sorted, so the
/// number open at a time is two binary searches.
#[derive(Debug, Default)]
struct OpenIntervals {
    opens: Vec<TimeMs>,
    closes: Vec<TimeMs>,
}

fn open_intervals(import: &Import) -> OpenIntervals {
    let positions = import.positions.iter().chain(import.open_positions.iter());
    let mut intervals = OpenIntervals::default();
    for position in positions {
        intervals.opens.push(position.open_time_ms);
        if let Some(close) = position.close_time_ms {
            intervals.closes.push(close);
        }
    }
    intervals.opens.sort_unstable();
    intervals.closes.sort_unstable();
    intervals
}

/// Positions open just after `time_ms`: opened at or before it, not closed by then.
fn open_positions_at(intervals: &OpenIntervals, time_ms: TimeMs) -> u32 {
    let opened = intervals.opens.partition_point(|open| *open <= time_ms);
    let closed = intervals.closes.partition_point(|close| *close <= time_ms);
    u32::try_from(opened.saturating_sub(closed)).unwrap_or(u32::MAX)
}

/// Builds a snapshot at the report time with the stated floating profit of the open
/// positions, when the file has one and it is after every deal.
fn final_snapshot(
    import: &Import,
    balance: f64,
    last_time: TimeMs,
    intervals: &OpenIntervals,
) -> Option<Snapshot> {
    let report_time = import.header.as_ref()?.report_time_ms?;
    let block = import.balance?;
    if report_time <= last_time {
        return None;
    }
    let floating = match (block.floating, block.equity, block.balance) {
        (Some(floating), _, _) => floating,
        (None, Some(equity), Some(stated)) => equity - stated,
        _ => return None,
    };
    let mut snapshot = closed_balance_snapshot(
        report_time,
        balance,
        open_positions_at(intervals, report_time),
    );
    snapshot.equity = balance + floating;
    snapshot.margin = block.margin.unwrap_or(0.0);
    snapshot.free_margin = block
        .free_margin
        .unwrap_or(snapshot.equity - snapshot.margin);
    Some(snapshot)
}
