//! mikrobot keeps a prop-firm trading account inside its loss rules.
//!
//! It runs beside an MQL5 Expert Advisor in MetaTrader 5, loaded as `mikrobot.dll`
//! through the C ABI in [`ffi`], or linked directly by Rust programs. The EA feeds
//! it account snapshots and deals, each carrying its own time; the library decides
//! whether the account may trade, and tracks latency, health, alerts, incidents,
//! durable state, backups, logs and maintenance.
//!
//! The modules, from the account model up:
//!
//! - [`account`] and [`time`]: events and clocks.
//! - [`compliance`] and [`xpws`]: the rule engine and the weekly profit mode.
//! - [`stats`], [`import`] and [`replay`]: trading statistics, MT5 and MetriX
//!   importers, and the replay that feeds an import through the engine.
//! - [`queue`] and [`latency`]: the signal queue and latency histograms, and [`bars`],
//!   the one-minute price bars the live-like host replays.
//! - [`health`], [`alerts`] and [`incident`]: health checks, alerting and
//!   emergency response.
//! - [`store`], [`backup`] and [`janitor`]: the journal, backups and log rotation.
//! - [`maintenance`], [`report`] and [`metrics`]: routines, reports and the
//!   Prometheus export.
//! - [`config`]: the configuration document, with its schema version.
//! - [`guard`]: one guarded account, the object behind each C ABI handle.
//! - [`ffi`]: the C ABI.

#![warn(missing_debug_implementations)]

pub mod account;
pub mod alerts;
pub mod backup;
pub mod bars;
pub mod compliance;
pub mod config;
pub mod ffi;
pub mod guard;
pub mod health;
pub mod import;
pub mod incident;
pub mod janitor;
pub mod latency;
pub mod maintenance;
pub mod metrics;
pub mod queue;
pub mod replay;
pub mod report;
pub mod stats;
pub mod store;
pub mod time;
pub mod xpws;
