//! The rules the engine reports on, their status and their breaches.

use crate::account::TimeMs;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A rule of the rule set.
///
/// The numbers are part of the C ABI and never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(i32)]
pub enum RuleKind {
    /// Equity above the day anchor minus the daily amount.
    DailyLoss = 0,
    /// Equity above the (possibly trailing) maximum loss floor.
    MaxLoss = 1,
    /// Closed balance at the target with all positions flat.
    ProfitTarget = 2,
    /// Enough firm days on which a position was opened.
    MinTradingDays = 3,
    /// The best day's profit at most a share of the total profit.
    BestDay = 4,
}

impl RuleKind {
    /// Every rule, in numeric order.
    pub const ALL: [RuleKind; 5] = [
        RuleKind::DailyLoss,
        RuleKind::MaxLoss,
        RuleKind::ProfitTarget,
        RuleKind::MinTradingDays,
        RuleKind::BestDay,
    ];

    /// The snake_case name used in reports and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::DailyLoss => "daily_loss",
            RuleKind::MaxLoss => "max_loss",
            RuleKind::ProfitTarget => "profit_target",
            RuleKind::MinTradingDays => "min_trading_days",
            RuleKind::BestDay => "best_day",
        }
    }

    /// Whether the rule is a loss limit (it can be breached) rather than a goal
    /// (it is met or not met yet).
    pub fn is_loss_limit(self) -> bool {
        matches!(self, RuleKind::DailyLoss | RuleKind::MaxLoss)
    }
}

impl fmt::Display for RuleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a rule stands.
///
/// Loss limits are `Ok`, `Warning` or `Breached`; goals are `NotMet` or `Met`.
/// The numbers are part of the C ABI and never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(i32)]
pub enum RuleStatus {
    /// Inside the limit, with less than the warning share of the room used.
    Ok = 0,
    /// Inside the limit, with at least the warning share of the room used.
    Warning = 1,
    /// The limit was crossed; latched until the rule lifts it.
    Breached = 2,
    /// A goal that is not reached (yet).
    NotMet = 3,
    /// A goal that is reached.
    Met = 4,
}

impl RuleStatus {
    /// The snake_case name used in reports and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleStatus::Ok => "ok",
            RuleStatus::Warning => "warning",
            RuleStatus::Breached => "breached",
            RuleStatus::NotMet => "not_met",
            RuleStatus::Met => "met",
        }
    }
}

impl fmt::Display for RuleStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The moment a loss limit was crossed, with the real figures (never clamped to
/// the floor).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Breach {
    /// Time of the first event below the floor.
    pub time_ms: TimeMs,
    /// Equity of that event, however far past the floor it was.
    pub equity: f64,
    /// The floor in force at that moment.
    pub floor: f64,
    /// Lowest equity seen while the breach was latched.
    pub min_equity: f64,
    /// Time of that lowest equity.
    pub min_time_ms: TimeMs,
    /// Whether the breach fails the account (hard) or lifts at the next reset (soft).
    pub hard: bool,
}

impl Breach {
    /// Starts a breach record at the first event below `floor`.
    pub fn new(time_ms: TimeMs, equity: f64, floor: f64, hard: bool) -> Breach {
        Breach {
            time_ms,
            equity,
            floor,
            min_equity: equity,
            min_time_ms: time_ms,
            hard,
        }
    }

    /// Records a later equity, keeping the lowest.
    pub fn observe(&mut self, time_ms: TimeMs, equity: f64) {
        if equity < self.min_equity {
            self.min_equity = equity;
            self.min_time_ms = time_ms;
        }
    }
}

/// One rule's figures after the latest event.
///
/// For loss limits, `floor` is the equity the account must stay above, `value`
/// the equity, `room` equity minus floor (negative past the floor), and
/// `used_share` the share of the limit's amount used. For goals, `floor` is the
/// figure to reach (target balance, number of days, or the largest allowed best
/// day), `value` the current figure, `room` what is left to reach it, and
/// `used_share` the progress.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RuleReport {
    /// The rule.
    pub rule: RuleKind,
    /// The floor or the goal.
    pub floor: f64,
    /// The figure compared with it.
    pub value: f64,
    /// Room left.
    pub room: f64,
    /// Share of the room used, or progress towards a goal.
    pub used_share: f64,
    /// Where the rule stands.
    pub status: RuleStatus,
    /// The latched breach, if any.
    pub breach: Option<Breach>,
}

impl RuleReport {
    /// An empty report for `rule` before any figure is known.
    pub fn empty(rule: RuleKind) -> RuleReport {
        RuleReport {
            rule,
            floor: 0.0,
            value: 0.0,
            room: 0.0,
            used_share: 0.0,
            status: if rule.is_loss_limit() {
                RuleStatus::Ok
            } else {
                RuleStatus::NotMet
            },
            breach: None,
        }
    }
}
