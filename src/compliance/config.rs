//! The rule set: FTMO presets, the variants other firms use, and the TOML form.
//!
//! Percentages are written as percent (`5.0` is 5%). A TOML rule set lists the
//! rules the firm has: a rule whose table or key is missing is not applied, while
//! the `risk`, `safety` and `xpws` tables and every key inside a rule's table
//! default to the FTMO values.

use crate::time::FirmClock;
use crate::xpws::XpwsConfig;
use serde::{Deserialize, Serialize};

/// Error for a rule set that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// The TOML text does not parse into a rule set.
    #[error("invalid rule set TOML: {0}")]
    Toml(String),
    /// A number is out of its range.
    #[error("rule set field {field} is {value}, but it must be {expected}")]
    OutOfRange {
        /// Dotted field name, as in the TOML file.
        field: &'static str,
        /// The rejected value.
        value: f64,
        /// The allowed range in words.
        expected: &'static str,
    },
    /// A saved state of a version this build does not read.
    #[error("engine state version {found} is not supported; this build reads version {supported}")]
    StateVersion {
        /// Version in the saved state.
        found: u32,
        /// Version this build writes and reads.
        supported: u32,
    },
    /// A saved state that belongs to another rule set.
    #[error("engine state was saved for initial capital {found}, but the rule set has {expected}")]
    StateMismatch {
        /// Initial capital in the saved state.
        found: f64,
        /// Initial capital of the rule set.
        expected: f64,
    },
}

/// What a loss amount is measured against.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LossAmount {
    /// Percent of the initial capital.
    PercentOfInitial(f64),
    /// Percent of the anchor (the day anchor for the daily limit, the trailing
    /// peak for the maximum loss).
    PercentOfAnchor(f64),
    /// A fixed sum in account currency.
    Fixed(f64),
}

impl LossAmount {
    /// The amount in account currency for `initial` capital and `anchor`.
    pub fn resolve(self, initial: f64, anchor: f64) -> f64 {
        match self {
            LossAmount::PercentOfInitial(percent) => initial * percent / 100.0,
            LossAmount::PercentOfAnchor(percent) => anchor * percent / 100.0,
            LossAmount::Fixed(amount) => amount,
        }
    }

    fn value(self) -> f64 {
        match self {
            LossAmount::PercentOfInitial(v) | LossAmount::PercentOfAnchor(v) => v,
            LossAmount::Fixed(v) => v,
        }
    }
}

/// The reference the daily floor hangs from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DailyAnchor {
    /// Balance at the day reset (FTMO).
    #[default]
    Balance,
    /// Equity at the day reset.
    Equity,
    /// The higher of balance and equity at the day reset.
    Higher,
    /// The highest equity since the day reset, starting from the higher of
    /// balance and equity at the reset.
    EquityPeak,
}

/// What a breach does to the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BreachKind {
    /// The account has failed; the breach never lifts.
    #[default]
    Hard,
    /// Trading pauses until the next day reset.
    Soft,
}

/// The daily loss limit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DailyLoss {
    /// The reference of the floor.
    pub anchor: DailyAnchor,
    /// The amount below the anchor.
    pub amount: LossAmount,
    /// Whether a breach fails the account or pauses it for the day.
    pub breach: BreachKind,
}

impl Default for DailyLoss {
    fn default() -> Self {
        DailyLoss {
            anchor: DailyAnchor::Balance,
            amount: LossAmount::PercentOfInitial(5.0),
            breach: BreachKind::Hard,
        }
    }
}

/// How the maximum loss floor moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaxLossMode {
    /// Fixed at the initial capital minus the amount.
    #[default]
    Static,
    /// Trails the best end-of-day balance (or the initial capital if higher).
    TrailingEndOfDay,
    /// Trails the highest closed balance.
    TrailingBalance,
    /// Trails the highest equity seen.
    TrailingEquity,
}

/// The maximum loss limit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MaxLoss {
    /// How the floor moves.
    pub mode: MaxLossMode,
    /// The amount below the peak (or the initial capital).
    pub amount: LossAmount,
    /// When set, a trailing floor stops rising at the initial capital plus this
    /// offset.
    pub lock_offset: Option<f64>,
    /// Whether a breach fails the account or pauses it for the day.
    pub breach: BreachKind,
}

impl Default for MaxLoss {
    fn default() -> Self {
        MaxLoss {
            mode: MaxLossMode::Static,
            amount: LossAmount::PercentOfInitial(10.0),
            lock_offset: None,
            breach: BreachKind::Hard,
        }
    }
}

/// Pre-trade limits.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RiskLimits {
    /// Risk per trade used to size the suggested volume, percent of balance.
    pub risk_per_trade_percent: f64,
    /// Hard cap on one order's stop-out loss, percent of balance.
    pub max_risk_per_trade_percent: f64,
    /// Most positions open at once.
    pub max_open_positions: u32,
    /// Whether every order must carry a stop loss.
    pub stop_loss_required: bool,
}

impl Default for RiskLimits {
    fn default() -> Self {
        RiskLimits {
            risk_per_trade_percent: 0.55,
            max_risk_per_trade_percent: 2.0,
            max_open_positions: 5,
            stop_loss_required: false,
        }
    }
}

/// Thresholds that turn figures into warnings, buffer locks and stale data.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Safety {
    /// Share of a loss limit's amount used at which the rule warns (0.8 = 80%).
    pub warning_share: f64,
    /// Pre-breach buffer above each loss floor, percent of the initial capital.
    /// Equity at or below floor + buffer closes everything until the next reset,
    /// and the pre-trade check keeps every stop-out above it.
    pub buffer_percent: f64,
    /// Largest age of the latest snapshot, in milliseconds of event time, before
    /// a pre-trade check or a timer call treats the data as stale.
    pub stale_after_ms: i64,
    /// Largest difference between a stored and a rebuilt day anchor that still
    /// counts as agreement, in account currency.
    pub anchor_tolerance: f64,
    /// Largest difference, in milliseconds, between an event time and the engine's clock
    /// (the latest snapshot, timer or history time) that still counts as agreement. A deal
    /// stamped further ahead, a deal of an earlier day stamped further behind, or a snapshot
    /// or timer call further ahead across a day reset blocks trading with `clock_mismatch`
    /// instead of moving the day. It must exceed the host's timer period.
    pub max_ahead_ms: i64,
}

impl Default for Safety {
    fn default() -> Self {
        Safety {
            warning_share: 0.8,
            buffer_percent: 0.5,
            stale_after_ms: 10_000,
            anchor_tolerance: 0.01,
            max_ahead_ms: 60_000,
        }
    }
}

/// The Best Day Rule: the best day's profit at most a share of the total profit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BestDay {
    /// Largest share of the total profit one day may hold, percent.
    pub max_share_percent: f64,
}

impl Default for BestDay {
    fn default() -> Self {
        BestDay {
            max_share_percent: 50.0,
        }
    }
}

/// A prop firm's rules for one account, as configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    /// A short name for reports (`ftmo-2step`).
    #[serde(default = "custom_name")]
    pub name: String,
    /// Initial capital C, in account currency.
    pub initial_capital: f64,
    /// The firm's zone and day reset time.
    #[serde(default)]
    pub clock: FirmClock,
    /// The daily loss limit, if the firm has one.
    #[serde(default)]
    pub daily_loss: Option<DailyLoss>,
    /// The maximum loss limit, if the firm has one.
    #[serde(default)]
    pub max_loss: Option<MaxLoss>,
    /// Profit target in percent of C, on closed balance with all positions flat.
    #[serde(default)]
    pub profit_target_percent: Option<f64>,
    /// Firm days with at least one position opened.
    #[serde(default)]
    pub min_trading_days: Option<u32>,
    /// The Best Day Rule, if the firm has one.
    #[serde(default)]
    pub best_day: Option<BestDay>,
    /// Pre-trade limits.
    #[serde(default)]
    pub risk: RiskLimits,
    /// Warning, buffer and staleness thresholds.
    #[serde(default)]
    pub safety: Safety,
    /// The weekly per-symbol profit mode.
    #[serde(default)]
    pub xpws: XpwsConfig,
}

fn custom_name() -> String {
    "custom".to_owned()
}

impl Default for RuleSet {
    fn default() -> Self {
        RuleSet::ftmo_2step(100_000.0)
    }
}

impl RuleSet {
    /// FTMO 2-Step, Challenge phase: daily loss 5% of C below the day-start balance
    /// (hard), maximum loss 10% of C below C (static, hard), profit target 10%,
    /// at least 4 trading days.
    pub fn ftmo_2step(initial_capital: f64) -> RuleSet {
        RuleSet {
            name: "ftmo-2step".to_owned(),
            initial_capital,
            clock: FirmClock::default(),
            daily_loss: Some(DailyLoss::default()),
            max_loss: Some(MaxLoss::default()),
            profit_target_percent: Some(10.0),
            min_trading_days: Some(4),
            best_day: None,
            risk: RiskLimits::default(),
            safety: Safety::default(),
            xpws: XpwsConfig::default(),
        }
    }

    /// FTMO 1-Step: daily loss 3% of C below the day-start balance, maximum loss
    /// 10% of C below the best end-of-day balance (or C if higher), profit target
    /// 10%, and the Best Day Rule at 50%.
    pub fn ftmo_1step(initial_capital: f64) -> RuleSet {
        RuleSet {
            name: "ftmo-1step".to_owned(),
            daily_loss: Some(DailyLoss {
                amount: LossAmount::PercentOfInitial(3.0),
                ..DailyLoss::default()
            }),
            max_loss: Some(MaxLoss {
                mode: MaxLossMode::TrailingEndOfDay,
                ..MaxLoss::default()
            }),
            min_trading_days: None,
            best_day: Some(BestDay::default()),
            ..RuleSet::ftmo_2step(initial_capital)
        }
    }

    /// A preset by name: `ftmo-2step` or `ftmo-1step`.
    pub fn preset(name: &str, initial_capital: f64) -> Option<RuleSet> {
        match name {
            "ftmo-2step" => Some(RuleSet::ftmo_2step(initial_capital)),
            "ftmo-1step" => Some(RuleSet::ftmo_1step(initial_capital)),
            _ => None,
        }
    }

    /// Parses a rule set from TOML and validates it.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Toml`] when the text does not parse, and the errors of
    /// [`RuleSet::validate`].
    pub fn from_toml_str(text: &str) -> Result<RuleSet, ConfigError> {
        let rules: RuleSet = toml::from_str(text).map_err(|e| ConfigError::Toml(e.to_string()))?;
        rules.validate()?;
        Ok(rules)
    }

    /// Writes the rule set as TOML.
    pub fn to_toml_string(&self) -> String {
        // Every field is a number, string, table or option of those, so the
        // serialiser cannot fail.
        toml::to_string(self).unwrap_or_default()
    }

    /// Sets the initial capital.
    pub fn with_initial_capital(mut self, initial_capital: f64) -> Self {
        self.initial_capital = initial_capital;
        self
    }

    /// Sets the firm clock (zone and reset time).
    pub fn with_clock(mut self, clock: FirmClock) -> Self {
        self.clock = clock;
        self
    }

    /// Sets or removes the daily loss limit.
    pub fn with_daily_loss(mut self, daily_loss: Option<DailyLoss>) -> Self {
        self.daily_loss = daily_loss;
        self
    }

    /// Sets or removes the maximum loss limit.
    pub fn with_max_loss(mut self, max_loss: Option<MaxLoss>) -> Self {
        self.max_loss = max_loss;
        self
    }

    /// Sets or removes the profit target, in percent of C.
    pub fn with_profit_target(mut self, percent: Option<f64>) -> Self {
        self.profit_target_percent = percent;
        self
    }

    /// Sets or removes the minimum number of trading days.
    pub fn with_min_trading_days(mut self, days: Option<u32>) -> Self {
        self.min_trading_days = days;
        self
    }

    /// Sets or removes the Best Day Rule.
    pub fn with_best_day(mut self, best_day: Option<BestDay>) -> Self {
        self.best_day = best_day;
        self
    }

    /// Sets the pre-trade limits.
    pub fn with_risk(mut self, risk: RiskLimits) -> Self {
        self.risk = risk;
        self
    }

    /// Sets the warning, buffer and staleness thresholds.
    pub fn with_safety(mut self, safety: Safety) -> Self {
        self.safety = safety;
        self
    }

    /// Sets the XPWS configuration.
    pub fn with_xpws(mut self, xpws: XpwsConfig) -> Self {
        self.xpws = xpws;
        self
    }

    /// The pre-breach buffer in account currency.
    pub fn buffer_amount(&self) -> f64 {
        self.initial_capital * self.safety.buffer_percent / 100.0
    }

    /// Checks every number against its range.
    ///
    /// # Errors
    ///
    /// [`ConfigError::OutOfRange`] naming the first field that is out of range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        positive("initial_capital", self.initial_capital)?;
        if let Some(daily) = &self.daily_loss {
            positive("daily_loss.amount", daily.amount.value())?;
            percent_below_100("daily_loss.amount", daily.amount)?;
        }
        if let Some(max) = &self.max_loss {
            positive("max_loss.amount", max.amount.value())?;
            percent_below_100("max_loss.amount", max.amount)?;
            if let Some(offset) = max.lock_offset {
                finite("max_loss.lock_offset", offset)?;
            }
        }
        if let Some(target) = self.profit_target_percent {
            positive("profit_target_percent", target)?;
        }
        if let Some(best) = &self.best_day {
            share("best_day.max_share_percent", best.max_share_percent / 100.0)?;
        }
        let risk = &self.risk;
        positive("risk.risk_per_trade_percent", risk.risk_per_trade_percent)?;
        positive(
            "risk.max_risk_per_trade_percent",
            risk.max_risk_per_trade_percent,
        )?;
        if risk.risk_per_trade_percent > risk.max_risk_per_trade_percent {
            return Err(ConfigError::OutOfRange {
                field: "risk.risk_per_trade_percent",
                value: risk.risk_per_trade_percent,
                expected: "at most risk.max_risk_per_trade_percent",
            });
        }
        if risk.max_open_positions == 0 {
            return Err(ConfigError::OutOfRange {
                field: "risk.max_open_positions",
                value: 0.0,
                expected: "at least 1",
            });
        }
        let safety = &self.safety;
        share("safety.warning_share", safety.warning_share)?;
        non_negative("safety.buffer_percent", safety.buffer_percent)?;
        positive("safety.stale_after_ms", safety.stale_after_ms as f64)?;
        non_negative("safety.anchor_tolerance", safety.anchor_tolerance)?;
        positive("safety.max_ahead_ms", safety.max_ahead_ms as f64)?;
        self.xpws.validate()
    }
}

fn finite(field: &'static str, value: f64) -> Result<(), ConfigError> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(ConfigError::OutOfRange {
            field,
            value,
            expected: "a finite number",
        })
    }
}

pub(crate) fn positive(field: &'static str, value: f64) -> Result<(), ConfigError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(ConfigError::OutOfRange {
            field,
            value,
            expected: "a finite number above zero",
        })
    }
}

fn non_negative(field: &'static str, value: f64) -> Result<(), ConfigError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(ConfigError::OutOfRange {
            field,
            value,
            expected: "a finite number, zero or above",
        })
    }
}

fn share(field: &'static str, value: f64) -> Result<(), ConfigError> {
    if value.is_finite() && value > 0.0 && value <= 1.0 {
        Ok(())
    } else {
        Err(ConfigError::OutOfRange {
            field,
            value,
            expected: "above 0 and at most 1 (100%)",
        })
    }
}

fn percent_below_100(field: &'static str, amount: LossAmount) -> Result<(), ConfigError> {
    match amount {
        LossAmount::PercentOfInitial(p) | LossAmount::PercentOfAnchor(p) if p >= 100.0 => {
            Err(ConfigError::OutOfRange {
                field,
                value: p,
                expected: "a percentage below 100",
            })
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ftmo_2step_defaults() {
        let rules = RuleSet::ftmo_2step(100_000.0);
        let daily = rules.daily_loss.unwrap();
        assert_eq!(daily.amount.resolve(100_000.0, 103_000.0), 5_000.0);
        assert_eq!(daily.anchor, DailyAnchor::Balance);
        assert_eq!(rules.max_loss.unwrap().mode, MaxLossMode::Static);
        assert_eq!(rules.buffer_amount(), 500.0);
        assert!(rules.validate().is_ok());
    }

    #[test]
    fn ftmo_1step_trails_end_of_day() {
        let rules = RuleSet::ftmo_1step(100_000.0);
        assert_eq!(rules.max_loss.unwrap().mode, MaxLossMode::TrailingEndOfDay);
        assert_eq!(
            rules.daily_loss.unwrap().amount,
            LossAmount::PercentOfInitial(3.0)
        );
        assert_eq!(rules.best_day.unwrap().max_share_percent, 50.0);
    }

    #[test]
    fn toml_round_trip() {
        let rules = RuleSet::ftmo_1step(25_000.0);
        let text = rules.to_toml_string();
        assert_eq!(RuleSet::from_toml_str(&text).unwrap(), rules);
    }

    #[test]
    fn toml_variants_parse() {
        let text = r#"
            name = "personal"
            initial_capital = 10000.0
            [clock]
            zone = "America/New_York"
            reset = "17:00:00"
            [daily_loss]
            anchor = "equity_peak"
            amount = { fixed = 400.0 }
            breach = "soft"
            [max_loss]
            mode = "trailing_equity"
            amount = { percent_of_initial = 6.0 }
            lock_offset = 100.0
            [risk]
            stop_loss_required = true
        "#;
        let rules = RuleSet::from_toml_str(text).unwrap();
        assert_eq!(rules.clock.zone, chrono_tz::America::New_York);
        let daily = rules.daily_loss.unwrap();
        assert_eq!(daily.anchor, DailyAnchor::EquityPeak);
        assert_eq!(daily.amount, LossAmount::Fixed(400.0));
        assert_eq!(daily.breach, BreachKind::Soft);
        let max = rules.max_loss.unwrap();
        assert_eq!(max.mode, MaxLossMode::TrailingEquity);
        assert_eq!(max.lock_offset, Some(100.0));
        assert_eq!(rules.profit_target_percent, None);
        assert_eq!(rules.min_trading_days, None);
        assert!(rules.risk.stop_loss_required);
        assert_eq!(rules.risk.max_open_positions, 5);
    }

    #[test]
    fn missing_capital_is_rejected() {
        let error = RuleSet::from_toml_str("name = \"x\"").unwrap_err();
        assert!(error.to_string().contains("initial_capital"), "{error}");
    }

    #[test]
    fn toml_rejects_unknown_field() {
        let error = RuleSet::from_toml_str("initial_capital = 1.0\ndaily_limit = 5").unwrap_err();
        assert!(error.to_string().contains("daily_limit"), "{error}");
    }

    #[test]
    fn negative_capital_is_rejected() {
        let error = RuleSet::ftmo_2step(-5.0).validate().unwrap_err();
        assert!(error.to_string().contains("initial_capital"), "{error}");
    }

    #[test]
    fn risk_above_cap_is_rejected() {
        let mut rules = RuleSet::ftmo_2step(100_000.0);
        rules.risk.risk_per_trade_percent = 3.0;
        assert!(rules.validate().is_err());
    }
}
