//! Trading statistics over closed trades, computed the way MT5's Trade History
//! Report computes its Results section.
//!
//! A trade is a closing deal (entry `out`, `in/out` or `out by`), as in MT5's
//! "Total Trades". Its result is the deal's profit + commission + swap + fee, plus
//! the commission and fee of the deals that opened its position, charged to the
//! position's first close. Cash flows (deposits, withdrawals, credit, bonuses,
//! corrections) are never a trade and never profit: they move the balance curve
//! and its peak by the same amount, so they are never a drawdown either.
//!
//! Sharpe ratio, as MT5 reports it: each trade's return is its result divided by
//! the balance just before its closing deal. The ratio is the mean of those
//! returns over their population standard deviation (divided by n, not n − 1),
//! with no risk-free rate and no annualisation. On the MT5 report of an HFM demo
//! account (9 trades, 2025-04-16 to 2025-05-08) this gives 0.150038, MT5's own
//! figure to six decimals; the sample standard deviation gives 0.141457, and
//! returns on the initial balance or on plain amounts give negative ratios.

use crate::account::{Deal, DealEntry, Symbol, TimeMs};
use crate::time::FirmClock;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One closed trade.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClosedTrade {
    /// Time of the closing deal (UTC).
    pub time_ms: TimeMs,
    /// Symbol.
    pub symbol: Symbol,
    /// Position the trade closed.
    pub position_id: u64,
    /// Result: profit, commission, swap and fee, including the opening deals' costs.
    pub result: f64,
    /// Account balance just before the closing deal.
    pub balance_before: f64,
}

/// Statistics over the closed trades of a history.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Statistics {
    /// Number of closed trades.
    pub trades: usize,
    /// Trades with a positive result.
    pub wins: usize,
    /// Trades with a negative result.
    pub losses: usize,
    /// Wins as a percentage of all trades.
    pub win_rate: f64,
    /// Sum of the positive results.
    pub gross_profit: f64,
    /// Sum of the negative results (negative or zero).
    pub gross_loss: f64,
    /// Gross profit plus gross loss.
    pub net_profit: f64,
    /// Gross profit over the absolute gross loss; `None` without any loss.
    pub profit_factor: Option<f64>,
    /// Net profit per trade.
    pub expected_payoff: f64,
    /// Largest positive result (0 without a win).
    pub largest_win: f64,
    /// Largest negative result (0 without a loss).
    pub largest_loss: f64,
    /// Largest fall of the balance from a previous peak, in account currency
    /// (MT5's "Balance Drawdown Maximal").
    pub max_balance_drawdown: f64,
    /// That fall as a percentage of the peak it fell from.
    pub max_balance_drawdown_pct: f64,
    /// Largest fall as a percentage of its peak (MT5's "Balance Drawdown
    /// Relative"); usually the same fall as the maximal one.
    pub relative_balance_drawdown_pct: f64,
    /// How far the balance fell below the initial balance (MT5's "Balance
    /// Drawdown Absolute").
    pub absolute_balance_drawdown: f64,
    /// Net profit over the maximal balance drawdown; `None` without a drawdown.
    pub recovery_factor: Option<f64>,
    /// Mean over population standard deviation of the per-trade returns.
    pub sharpe_ratio: f64,
    /// Balance after the last deal.
    pub final_balance: f64,
    /// Sum of every cash flow.
    pub cash_flow_total: f64,
}

/// Lists the closed trades of time-ordered `deals`, starting from `initial_balance`.
pub fn closed_trades(deals: &[Deal], initial_balance: f64) -> Vec<ClosedTrade> {
    let mut opening_costs: HashMap<u64, f64> = HashMap::new();
    let mut balance = initial_balance;
    let mut trades = Vec::new();
    for deal in deals {
        if deal.deal_type.is_trade() {
            if deal.entry == DealEntry::In {
                *opening_costs.entry(deal.position_id).or_default() += deal.commission + deal.fee;
            } else {
                let costs = opening_costs.remove(&deal.position_id).unwrap_or(0.0);
                let result = deal.realised() + costs;
                trades.push(ClosedTrade {
                    time_ms: deal.time_ms,
                    symbol: deal.symbol,
                    position_id: deal.position_id,
                    result,
                    balance_before: balance,
                });
            }
        }
        balance += deal.balance_change();
    }
    trades
}

/// Computes the statistics of time-ordered `deals` from `initial_balance`.
pub fn compute(deals: &[Deal], initial_balance: f64) -> Statistics {
    let trades = closed_trades(deals, initial_balance);
    let mut stats = Statistics {
        trades: trades.len(),
        ..Statistics::default()
    };
    for trade in &trades {
        if trade.result > 0.0 {
            stats.wins += 1;
            stats.gross_profit += trade.result;
            stats.largest_win = stats.largest_win.max(trade.result);
        } else if trade.result < 0.0 {
            stats.losses += 1;
            stats.gross_loss += trade.result;
            stats.largest_loss = stats.largest_loss.min(trade.result);
        }
    }
    stats.net_profit = stats.gross_profit + stats.gross_loss;
    if stats.trades > 0 {
        stats.win_rate = stats.wins as f64 * 100.0 / stats.trades as f64;
        stats.expected_payoff = stats.net_profit / stats.trades as f64;
    }
    stats.profit_factor = (stats.gross_loss < 0.0).then(|| stats.gross_profit / -stats.gross_loss);
    let drawdown = balance_drawdown(deals, initial_balance);
    stats.max_balance_drawdown = drawdown.maximal;
    stats.max_balance_drawdown_pct = drawdown.maximal_pct;
    stats.relative_balance_drawdown_pct = drawdown.relative_pct;
    stats.absolute_balance_drawdown = drawdown.absolute;
    stats.final_balance = drawdown.final_balance;
    stats.cash_flow_total = deals.iter().map(Deal::cash_flow).sum();
    stats.recovery_factor = (drawdown.maximal > 0.0).then(|| stats.net_profit / drawdown.maximal);
    stats.sharpe_ratio = sharpe_ratio(&trades);
    stats
}

/// Mean over population standard deviation of each trade's result relative to
/// the balance before it; 0 for fewer than two trades or no variation.
pub fn sharpe_ratio(trades: &[ClosedTrade]) -> f64 {
    let returns: Vec<f64> = trades
        .iter()
        .filter(|trade| trade.balance_before > 0.0)
        .map(|trade| trade.result / trade.balance_before)
        .collect();
    if returns.len() < 2 {
        return 0.0;
    }
    let count = returns.len() as f64;
    let mean = returns.iter().sum::<f64>() / count;
    let variance = returns.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / count;
    let deviation = variance.sqrt();
    if deviation > 0.0 {
        mean / deviation
    } else {
        0.0
    }
}

#[derive(Debug, Default)]
struct Drawdown {
    maximal: f64,
    maximal_pct: f64,
    relative_pct: f64,
    absolute: f64,
    final_balance: f64,
}

/// Walks the balance curve. A cash flow moves the balance and the running peak
/// together, so a withdrawal is no drawdown and a deposit no recovery.
fn balance_drawdown(deals: &[Deal], initial_balance: f64) -> Drawdown {
    let mut result = Drawdown::default();
    let mut balance = initial_balance;
    let mut peak = initial_balance;
    let mut trading_balance = initial_balance;
    let mut lowest_trading_balance = initial_balance;
    for deal in deals {
        let cash_flow = deal.cash_flow();
        if cash_flow != 0.0 {
            balance += cash_flow;
            peak += cash_flow;
            continue;
        }
        balance += deal.balance_change();
        trading_balance += deal.balance_change();
        lowest_trading_balance = lowest_trading_balance.min(trading_balance);
        if balance > peak {
            peak = balance;
            continue;
        }
        let fall = peak - balance;
        let fall_pct = if peak > 0.0 { fall * 100.0 / peak } else { 0.0 };
        if fall > result.maximal {
            result.maximal = fall;
            result.maximal_pct = fall_pct;
        }
        result.relative_pct = result.relative_pct.max(fall_pct);
    }
    result.absolute = (initial_balance - lowest_trading_balance).max(0.0);
    result.final_balance = balance;
    result
}

/// Collects the firm days on which at least one position was opened.
pub fn trading_days(
    open_times: impl IntoIterator<Item = TimeMs>,
    clock: &FirmClock,
) -> BTreeSet<NaiveDate> {
    open_times
        .into_iter()
        .filter_map(|time_ms| clock.day_of(time_ms).ok())
        .collect()
}

/// Sums closed-trade results per firm day of the closing deal.
pub fn daily_results(trades: &[ClosedTrade], clock: &FirmClock) -> BTreeMap<NaiveDate, f64> {
    let mut days = BTreeMap::new();
    for trade in trades {
        if let Ok(day) = clock.day_of(trade.time_ms) {
            *days.entry(day).or_insert(0.0) += trade.result;
        }
    }
    days
}

/// The day with the maximum closed result, and its share of the total.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BestDay {
    /// The firm day.
    pub date: NaiveDate,
    /// That day's closed result.
    pub profit: f64,
    /// The day's profit as a percentage of the total closed result; `None` when
    /// the total is not positive.
    pub share_pct: Option<f64>,
}

/// Finds the best day of `trades`, or `None` without a profitable day.
pub fn best_day(trades: &[ClosedTrade], clock: &FirmClock) -> Option<BestDay> {
    let days = daily_results(trades, clock);
    let total: f64 = days.values().sum();
    let (date, profit) = days
        .into_iter()
        .filter(|(_, profit)| *profit > 0.0)
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    Some(BestDay {
        date,
        profit,
        share_pct: (total > 0.0).then(|| profit * 100.0 / total),
    })
}

#[cfg(test)]
mod tests;
