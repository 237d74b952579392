//! The compliance engine: a prop firm's loss rules and goals, evaluated on every
//! snapshot and deal, with latched breaches, a pre-trade check and a state that
//! survives a restart.
//!
//! The rule semantics in brief (the README's "Rule semantics" table has them all):
//!
//! - Daily loss: equity must stay at or above `anchor − amount`. The anchor is
//!   the balance at the firm's day reset (FTMO: Europe/Prague midnight), or the
//!   equity, the higher of the two, or the intraday equity peak; cash flows move
//!   it by their amount. On day one the initial capital is the anchor.
//! - Maximum loss: equity must stay at or above a floor that is static or trails
//!   the best end-of-day balance, the closed balance or the equity, and never
//!   falls (only a withdrawal lowers it, by its amount).
//! - A breach latches with its time and real equity. A hard breach never lifts;
//!   a soft one lifts at the next reset. Equity at or below a floor plus the
//!   safety buffer closes everything until the next reset.
//! - Bad input fails closed with [`Verdict::Blocked`] and a [`Reason`].
//!
//! ```
//! use mikrobot::account::Snapshot;
//! use mikrobot::compliance::{Engine, History, Reason, RuleSet, Verdict};
//!
//! let mut engine = Engine::new(RuleSet::ftmo_2step(100_000.0)).unwrap();
//! let start = 1_720_000_000_000;
//! let history = History {
//!     deals: &[],
//!     covered_from_ms: start,
//!     account_start_ms: Some(start),
//!     balance: 100_000.0,
//!     equity: 100_000.0,
//!     open_positions: 0,
//!     time_ms: start,
//! };
//! assert_eq!(engine.load_history(&history).verdict, Verdict::MayTrade);
//! let snapshot = Snapshot {
//!     time_ms: start + 60_000,
//!     balance: 100_000.0,
//!     equity: 94_900.0,
//!     margin: 0.0,
//!     free_margin: 0.0,
//!     connected: true,
//!     open_positions: 1,
//!     pending_orders: 0,
//! };
//! let decision = engine.on_snapshot(&snapshot);
//! assert_eq!(decision.verdict, Verdict::CloseAll);
//! assert_eq!(decision.reason, Reason::DailyLossBreached);
//! ```

mod clock;
pub mod config;
mod engine;
mod evaluate;
mod events;
mod history;
mod pretrade;
mod reason;
mod restore;
mod rules;
mod state;

pub use config::{
    BestDay, BreachKind, ConfigError, DailyAnchor, DailyLoss, LossAmount, MaxLoss, MaxLossMode,
    RiskLimits, RuleSet, Safety,
};
pub use engine::{BlockError, Engine};
pub use events::{EngineEvent, EventRing, EVENT_CAPACITY};
pub use history::History;
pub use pretrade::PreTrade;
pub use reason::{Decision, Reason, ReasonSet, Verdict};
pub use rules::{Breach, RuleKind, RuleReport, RuleStatus};
pub use state::{BufferLock, DayRecord, EngineState, STATE_VERSION};
