//! XPWS, the weekly per-symbol profit mode.
//!
//! For each symbol the engine sums the realised result (profit, commission, swap
//! and fee) of its trade deals in the current firm week, which starts at the
//! Monday day reset in the firm zone. When that sum reaches
//! [`XpwsConfig::activation_percent`] of the account balance at the start of the
//! week, the symbol is in XPWS mode until the week ends: the EA sets the take
//! profit at [`XpwsConfig::xpws_reward_ratio`] times the risk distance instead of
//! [`XpwsConfig::normal_reward_ratio`], and moves the stop to break-even once the
//! trade reaches [`XpwsConfig::break_even_at_ratio`] times the risk.
//!
//! Extra profit is defined as the realised result of the symbol's trade deals
//! executed while the symbol was in XPWS mode (the deal that activates the mode
//! is not part of it). It is what the account earned in XPWS mode, computed from
//! deals alone; it is not a comparison with what 1:1 targets would have made,
//! because the deal history does not hold the risk distance of each trade.

use crate::account::{Deal, Symbol, TimeMs};
use crate::compliance::ConfigError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Symbols the state holds without allocating; more are added with one allocation
/// each time the capacity doubles.
const SYMBOL_CAPACITY: usize = 64;
/// Activations the state holds without allocating.
const ACTIVATION_CAPACITY: usize = 256;

/// XPWS thresholds and reward ratios.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct XpwsConfig {
    /// Whether XPWS is tracked at all.
    pub enabled: bool,
    /// Weekly closed profit of a symbol, percent of the week-start balance, at
    /// which the symbol enters XPWS mode.
    pub activation_percent: f64,
    /// Take profit in multiples of the risk distance in normal mode.
    pub normal_reward_ratio: f64,
    /// Take profit in multiples of the risk distance in XPWS mode.
    pub xpws_reward_ratio: f64,
    /// Multiple of the risk distance at which the stop moves to break-even in XPWS mode.
    pub break_even_at_ratio: f64,
}

impl Default for XpwsConfig {
    fn default() -> Self {
        XpwsConfig {
            enabled: true,
            activation_percent: 10.0,
            normal_reward_ratio: 1.0,
            xpws_reward_ratio: 2.0,
            break_even_at_ratio: 1.0,
        }
    }
}

impl XpwsConfig {
    /// Checks every number against its range.
    ///
    /// # Errors
    ///
    /// [`ConfigError::OutOfRange`] naming the first field out of range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        use crate::compliance::config::positive;
        positive("xpws.activation_percent", self.activation_percent)?;
        positive("xpws.normal_reward_ratio", self.normal_reward_ratio)?;
        positive("xpws.xpws_reward_ratio", self.xpws_reward_ratio)?;
        positive("xpws.break_even_at_ratio", self.break_even_at_ratio)
    }
}

/// A symbol's mode for the rest of the week.
///
/// The numbers are part of the C ABI and never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(i32)]
pub enum XpwsMode {
    /// Take profit at the normal ratio.
    Normal = 0,
    /// Take profit at the XPWS ratio, stop to break-even at the break-even ratio.
    Active = 1,
}

/// The moment a symbol entered XPWS mode.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct XpwsActivation {
    /// The symbol.
    pub symbol: Symbol,
    /// Monday of the firm week.
    pub week_start: NaiveDate,
    /// Time of the deal that took the week's profit over the threshold.
    pub time_ms: TimeMs,
    /// The symbol's closed profit in the week at that moment.
    pub week_profit: f64,
    /// Balance at the start of the week.
    pub week_start_balance: f64,
}

/// One symbol's figures in the current week.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SymbolWeek {
    /// The symbol.
    pub symbol: Symbol,
    /// Realised result of the symbol's trade deals this week.
    pub week_profit: f64,
    /// When the symbol entered XPWS mode this week.
    pub active_since_ms: Option<TimeMs>,
    /// Realised result of the symbol's deals executed in XPWS mode this week.
    pub extra_profit: f64,
}

impl SymbolWeek {
    /// The symbol's mode.
    pub fn mode(&self) -> XpwsMode {
        if self.active_since_ms.is_some() {
            XpwsMode::Active
        } else {
            XpwsMode::Normal
        }
    }
}

/// XPWS figures: the current week per symbol and every activation so far.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct XpwsState {
    /// Monday of the current firm week, once known.
    pub week_start: Option<NaiveDate>,
    /// Balance at the start of the current week; `None` when no history covers it,
    /// in which case no symbol can activate this week.
    pub week_start_balance: Option<f64>,
    /// Figures of each symbol traded this week.
    pub symbols: Vec<SymbolWeek>,
    /// Every activation, oldest first.
    pub activations: Vec<XpwsActivation>,
    /// Extra profit summed over every week.
    pub extra_profit_total: f64,
}

impl Default for XpwsState {
    fn default() -> Self {
        XpwsState {
            week_start: None,
            week_start_balance: None,
            symbols: Vec::with_capacity(SYMBOL_CAPACITY),
            activations: Vec::with_capacity(ACTIVATION_CAPACITY),
            extra_profit_total: 0.0,
        }
    }
}

impl XpwsState {
    /// Reserves room so that the tick path does not allocate for the usual
    /// number of symbols and activations (after a restore, for instance).
    pub fn reserve(&mut self) {
        self.symbols
            .reserve(SYMBOL_CAPACITY.saturating_sub(self.symbols.len()));
        self.activations
            .reserve(ACTIVATION_CAPACITY.saturating_sub(self.activations.len()));
    }

    /// Starts a new week with `balance` as its start balance (or unknown).
    pub fn start_week(&mut self, week_start: NaiveDate, balance: Option<f64>) {
        self.week_start = Some(week_start);
        self.week_start_balance = balance.filter(|b| b.is_finite() && *b > 0.0);
        self.symbols.clear();
    }

    /// The mode of `symbol` this week.
    pub fn mode(&self, symbol: &Symbol) -> XpwsMode {
        self.symbols
            .iter()
            .find(|week| week.symbol == *symbol)
            .map_or(XpwsMode::Normal, SymbolWeek::mode)
    }

    /// Take profit in multiples of the risk distance for `symbol`.
    pub fn reward_ratio(&self, symbol: &Symbol, config: &XpwsConfig) -> f64 {
        match self.mode(symbol) {
            XpwsMode::Normal => config.normal_reward_ratio,
            XpwsMode::Active => config.xpws_reward_ratio,
        }
    }

    /// Adds a trade deal of the current week, and returns the activation it
    /// causes, if any. Cash flows and other account operations are ignored.
    pub fn on_deal(&mut self, deal: &Deal, config: &XpwsConfig) -> Option<XpwsActivation> {
        if !config.enabled || !deal.deal_type.is_trade() || deal.symbol.is_empty() {
            return None;
        }
        let week_start = self.week_start?;
        let realised = deal.realised();
        let index = match self.symbols.iter().position(|w| w.symbol == deal.symbol) {
            Some(index) => index,
            None => {
                self.symbols.push(SymbolWeek {
                    symbol: deal.symbol,
                    week_profit: 0.0,
                    active_since_ms: None,
                    extra_profit: 0.0,
                });
                self.symbols.len() - 1
            }
        };
        let week = &mut self.symbols[index];
        week.week_profit += realised;
        if week.active_since_ms.is_some() {
            week.extra_profit += realised;
            self.extra_profit_total += realised;
            return None;
        }
        let balance = self.week_start_balance?;
        if week.week_profit * 100.0 < config.activation_percent * balance {
            return None;
        }
        week.active_since_ms = Some(deal.time_ms);
        let activation = XpwsActivation {
            symbol: deal.symbol,
            week_start,
            time_ms: deal.time_ms,
            week_profit: week.week_profit,
            week_start_balance: balance,
        };
        self.activations.push(activation);
        Some(activation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::{DealEntry, DealType, ShortText};

    fn deal(symbol: &str, profit: f64, time_ms: TimeMs) -> Deal {
        Deal {
            time_ms,
            ticket: time_ms as u64,
            position_id: 1,
            order: 1,
            symbol: ShortText::new(symbol).unwrap(),
            deal_type: DealType::Sell,
            entry: DealEntry::Out,
            volume: 0.1,
            price: 1.1,
            profit,
            commission: 0.0,
            swap: 0.0,
            fee: 0.0,
            magic: 0,
            comment: ShortText::EMPTY,
        }
    }

    fn monday() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 4, 14).unwrap()
    }

    #[test]
    fn activates_at_ten_percent() {
        let config = XpwsConfig::default();
        let mut state = XpwsState::default();
        state.start_week(monday(), Some(1_000.0));
        assert!(state.on_deal(&deal("EURUSD", 60.0, 1), &config).is_none());
        let activation = state.on_deal(&deal("EURUSD", 40.0, 2), &config).unwrap();
        assert_eq!(activation.time_ms, 2);
        assert_eq!(activation.week_profit, 100.0);
        let symbol = ShortText::new("EURUSD").unwrap();
        assert_eq!(state.mode(&symbol), XpwsMode::Active);
        assert_eq!(state.reward_ratio(&symbol, &config), 2.0);
    }

    #[test]
    fn extra_profit_counts_deals_after_activation() {
        let config = XpwsConfig::default();
        let mut state = XpwsState::default();
        state.start_week(monday(), Some(1_000.0));
        state.on_deal(&deal("EURUSD", 150.0, 1), &config);
        state.on_deal(&deal("EURUSD", 30.0, 2), &config);
        state.on_deal(&deal("EURUSD", -10.0, 3), &config);
        assert_eq!(state.symbols[0].extra_profit, 20.0);
        assert_eq!(state.extra_profit_total, 20.0);
    }

    #[test]
    fn symbols_are_independent() {
        let config = XpwsConfig::default();
        let mut state = XpwsState::default();
        state.start_week(monday(), Some(1_000.0));
        state.on_deal(&deal("EURUSD", 150.0, 1), &config);
        state.on_deal(&deal("GBPUSD", 50.0, 2), &config);
        let gbp = ShortText::new("GBPUSD").unwrap();
        assert_eq!(state.mode(&gbp), XpwsMode::Normal);
    }

    #[test]
    fn new_week_resets_mode() {
        let config = XpwsConfig::default();
        let mut state = XpwsState::default();
        state.start_week(monday(), Some(1_000.0));
        state.on_deal(&deal("EURUSD", 150.0, 1), &config);
        state.start_week(monday() + chrono::Duration::days(7), Some(1_150.0));
        let eur = ShortText::new("EURUSD").unwrap();
        assert_eq!(state.mode(&eur), XpwsMode::Normal);
        assert_eq!(state.activations.len(), 1);
    }

    #[test]
    fn unknown_week_start_never_activates() {
        let config = XpwsConfig::default();
        let mut state = XpwsState::default();
        state.start_week(monday(), None);
        assert!(state.on_deal(&deal("EURUSD", 1e9, 1), &config).is_none());
    }
}
