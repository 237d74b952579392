//! The structs shared with C and MQL5, the ABI version and the struct-size check.
//!
//! MQL5 packs structs with no padding, while C pads each field to its alignment. Every struct
//! here therefore orders its fields from 8-byte to 4-byte ones and has a size that is a multiple
//! of 8, so both layouts are the same bytes. The tests below assert that no padding exists.
//! Flags are `int32_t` (0 or 1), because MQL5's one-byte `bool` would break the 8-byte rhythm.
//! Every time is the broker's server time in milliseconds since 1970, the clock MT5 shows
//! (`TimeTradeServer()` times 1000, `DEAL_TIME_MSC`); the library converts it to UTC with the
//! configured server clock, which keeps it right in the Strategy Tester.

use super::boundary::Failure;
pub use super::codes::*;
pub use super::watch_abi::*;
use super::MbStatus;
use std::mem::size_of;

/// Version of the C ABI. It changes whenever an export or a shared struct changes, and a caller
/// built for another version is rejected at open.
pub const MB_ABI_VERSION: u32 = 4;
/// Major version of the crate the header was generated from.
pub const MB_VERSION_MAJOR: u32 = 0;
/// Minor version of the crate the header was generated from.
pub const MB_VERSION_MINOR: u32 = 1;
/// Patch version of the crate the header was generated from.
pub const MB_VERSION_PATCH: u32 = 0;

/// The caller's build: its ABI version and the size of each shared struct.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MbAbi {
    /// [`MB_ABI_VERSION`] as the caller's header defines it.
    pub abi_version: u32,
    /// `sizeof(MbSnapshot)`.
    pub snapshot_size: u32,
    /// `sizeof(MbDeal)`.
    pub deal_size: u32,
    /// `sizeof(MbOrderIntent)`.
    pub order_intent_size: u32,
    /// `sizeof(MbDecision)`.
    pub decision_size: u32,
    /// `sizeof(MbPreTrade)`.
    pub pre_trade_size: u32,
    /// `sizeof(MbRuleReport)`.
    pub rule_report_size: u32,
    /// `sizeof(MbEvent)`.
    pub event_size: u32,
    /// `sizeof(MbSignal)`.
    pub signal_size: u32,
    /// `sizeof(MbLatencySummary)`.
    pub latency_summary_size: u32,
    /// `sizeof(MbOutboxItem)`.
    pub outbox_item_size: u32,
    /// `sizeof(MbHealth)`.
    pub health_size: u32,
    /// `sizeof(MbHealthCheck)`.
    pub health_check_size: u32,
    /// `sizeof(MbVitals)`.
    pub vitals_size: u32,
    /// `sizeof(MbIncident)`.
    pub incident_size: u32,
    /// `sizeof(MbBackupInfo)`.
    pub backup_info_size: u32,
    /// `sizeof(MbMaintenanceStatus)`.
    pub maintenance_status_size: u32,
}

impl MbAbi {
    /// Returns the values this library was built with.
    pub const fn current() -> MbAbi {
        MbAbi {
            abi_version: MB_ABI_VERSION,
            snapshot_size: size_of::<MbSnapshot>() as u32,
            deal_size: size_of::<MbDeal>() as u32,
            order_intent_size: size_of::<MbOrderIntent>() as u32,
            decision_size: size_of::<MbDecision>() as u32,
            pre_trade_size: size_of::<MbPreTrade>() as u32,
            rule_report_size: size_of::<MbRuleReport>() as u32,
            event_size: size_of::<MbEvent>() as u32,
            signal_size: size_of::<MbSignal>() as u32,
            latency_summary_size: size_of::<MbLatencySummary>() as u32,
            outbox_item_size: size_of::<MbOutboxItem>() as u32,
            health_size: size_of::<MbHealth>() as u32,
            health_check_size: size_of::<MbHealthCheck>() as u32,
            vitals_size: size_of::<MbVitals>() as u32,
            incident_size: size_of::<MbIncident>() as u32,
            backup_info_size: size_of::<MbBackupInfo>() as u32,
            maintenance_status_size: size_of::<MbMaintenanceStatus>() as u32,
        }
    }

    /// Compares the caller's build with this library's.
    ///
    /// # Errors
    ///
    /// [`MbStatus::AbiMismatch`] naming the first value that differs.
    pub fn check(&self) -> Result<(), Failure> {
        let current = MbAbi::current();
        if self.abi_version != current.abi_version {
            return Err(crate::ffi_fail!(
                MbStatus::AbiMismatch,
                "the caller was built for ABI version {}, but this mikrobot library has ABI \
                 version {}; install the matching mikrobot.dll and Mikrobot.mqh",
                self.abi_version,
                current.abi_version
            ));
        }
        let sizes = [
            ("MbSnapshot", self.snapshot_size, current.snapshot_size),
            ("MbDeal", self.deal_size, current.deal_size),
            (
                "MbOrderIntent",
                self.order_intent_size,
                current.order_intent_size,
            ),
            ("MbDecision", self.decision_size, current.decision_size),
            ("MbPreTrade", self.pre_trade_size, current.pre_trade_size),
            (
                "MbRuleReport",
                self.rule_report_size,
                current.rule_report_size,
            ),
            ("MbEvent", self.event_size, current.event_size),
            ("MbSignal", self.signal_size, current.signal_size),
            (
                "MbLatencySummary",
                self.latency_summary_size,
                current.latency_summary_size,
            ),
            (
                "MbOutboxItem",
                self.outbox_item_size,
                current.outbox_item_size,
            ),
            ("MbHealth", self.health_size, current.health_size),
            (
                "MbHealthCheck",
                self.health_check_size,
                current.health_check_size,
            ),
            ("MbVitals", self.vitals_size, current.vitals_size),
            ("MbIncident", self.incident_size, current.incident_size),
            (
                "MbBackupInfo",
                self.backup_info_size,
                current.backup_info_size,
            ),
            (
                "MbMaintenanceStatus",
                self.maintenance_status_size,
                current.maintenance_status_size,
            ),
        ];
        for (name, theirs, ours) in sizes {
            if theirs != ours {
                return Err(crate::ffi_fail!(
                    MbStatus::AbiMismatch,
                    "the caller's {name} is {theirs} bytes, but the library's is {ours}; \
                     rebuild the caller against the header of this library"
                ));
            }
        }
        Ok(())
    }
}

/// The account at one moment.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MbSnapshot {
    /// Server time in milliseconds.
    pub time_ms: i64,
    /// Closed balance.
    pub balance: f64,
    /// Balance plus the floating profit and swap of open positions.
    pub equity: f64,
    /// Margin in use.
    pub margin: f64,
    /// Free margin.
    pub free_margin: f64,
    /// 1 when the terminal is connected to the trade server, else 0.
    pub connected: i32,
    /// Open positions on the account.
    pub open_positions: i32,
    /// Pending orders on the account.
    pub pending_orders: i32,
    /// Must be 0; keeps the size a multiple of 8.
    pub reserved: i32,
}

/// One deal of the account history; its symbol and comment are separate text arguments.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MbDeal {
    /// Server time of execution in milliseconds (`DEAL_TIME_MSC`).
    pub time_ms: i64,
    /// Deal ticket.
    pub ticket: u64,
    /// Position the deal belongs to (0 for account operations).
    pub position_id: u64,
    /// Order that produced the deal (0 for account operations).
    pub order: u64,
    /// Expert Advisor magic number.
    pub magic: i64,
    /// Volume in lots.
    pub volume: f64,
    /// Execution price.
    pub price: f64,
    /// Profit in account currency (the amount, for balance-type deals).
    pub profit: f64,
    /// Commission, negative when charged.
    pub commission: f64,
    /// Swap, negative when charged.
    pub swap: f64,
    /// Fee, negative when charged.
    pub fee: f64,
    /// `ENUM_DEAL_TYPE` value, 0 to 17.
    pub deal_type: i32,
    /// `ENUM_DEAL_ENTRY` value, 0 to 3.
    pub entry: i32,
}

/// An order about to be sent; its symbol is a separate text argument.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MbOrderIntent {
    /// Server time of the check in milliseconds.
    pub time_ms: i64,
    /// Requested volume in lots.
    pub volume: f64,
    /// Expected entry price.
    pub entry_price: f64,
    /// Stop-loss price, or 0 when the order has none.
    pub stop_loss: f64,
    /// Minimum price change of the symbol (`SYMBOL_TRADE_TICK_SIZE`).
    pub tick_size: f64,
    /// Account-currency value of one tick for one lot (`SYMBOL_TRADE_TICK_VALUE`).
    pub tick_value: f64,
    /// Round-trip commission per lot, as a positive amount.
    pub commission_per_lot: f64,
    /// 0 for buy, 1 for sell.
    pub side: i32,
    /// Must be 0; keeps the size a multiple of 8.
    pub reserved: i32,
}

/// Whether the account may trade, and why not.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MbDecision {
    /// Server time of the event the decision was taken on, in milliseconds.
    pub time_ms: i64,
    /// `MB_VERDICT_*`: 0 may trade, 1 close all (close positions, delete pending orders,
    /// reject new ones), 2 blocked (reject new orders).
    pub verdict: i32,
    /// `MB_REASON_*` code; 0 when trading is allowed.
    pub reason: i32,
}

/// The result of a pre-trade check.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MbPreTrade {
    /// Largest volume in lots whose stop-out stays within the hard risk cap and keeps equity
    /// above every floor plus the safety buffer; 0 when no volume is allowed. Round it down to
    /// the symbol's volume step.
    pub max_volume: f64,
    /// Volume at the configured risk per trade, also kept inside the floors.
    pub suggested_volume: f64,
    /// Stop-out loss of the requested volume in account currency, commission included; 0 for
    /// an order without a stop.
    pub risk: f64,
    /// 1 when the order may be sent as requested, else 0.
    pub allowed: i32,
    /// `MB_REASON_*` code of the rejection; 0 when allowed.
    pub reason: i32,
}

/// One rule's figures after the latest event, and any latched breach.
///
/// For a loss limit, `floor` is the equity the account must stay above, `value` the equity and
/// `room` their difference (negative past the floor). For a goal (profit target, trading days,
/// best day), `floor` is the figure to reach, `value` the current figure and `room` what is
/// still missing.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MbRuleReport {
    /// The floor or the goal.
    pub floor: f64,
    /// The figure compared with it.
    pub value: f64,
    /// Room left.
    pub room: f64,
    /// Share of the limit used, or progress towards a goal, 0 to 1.
    pub used_share: f64,
    /// Server time of the latched breach in milliseconds, or 0 when there is none.
    pub breach_time_ms: i64,
    /// Equity at the breach, however far past the floor, or 0.
    pub breach_equity: f64,
    /// Floor in force at the breach, or 0.
    pub breach_floor: f64,
    /// Lowest equity seen while the breach was latched, or 0.
    pub breach_min_equity: f64,
    /// `MB_RULE_*` code of the rule.
    pub rule: i32,
    /// `MB_RULE_STATUS_*` code.
    pub status: i32,
    /// 1 when a breach is latched, else 0.
    pub has_breach: i32,
    /// 1 when the latched breach fails the account, 0 when it lifts at the next reset.
    pub breach_hard: i32,
}

/// One event the engine raised, for the EA to log and alert on.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MbEvent {
    /// Server time of the event in milliseconds.
    pub time_ms: i64,
    /// Equity when the event was raised (the week's profit, for an XPWS activation), or 0.
    pub equity: f64,
    /// The floor involved (the day anchor for a day reset, the week-start balance for an XPWS
    /// activation), or 0.
    pub level: f64,
    /// Share of the limit used, for a warning, or 0.
    pub share: f64,
    /// `MB_EVENT_*` kind.
    pub kind: i32,
    /// `MB_PRIORITY_*`: how the EA delivers it.
    pub priority: i32,
    /// `MB_RULE_*` code of the rule involved, or -1.
    pub rule: i32,
    /// `MB_VERDICT_*` of a block, or 0.
    pub verdict: i32,
    /// `MB_REASON_*` code of a block or of the block that lifted, or 0.
    pub reason: i32,
    /// Always 0; keeps the size a multiple of 8.
    pub reserved: i32,
}

/// A trade signal for the executor; its symbol is a separate text argument.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MbSignal {
    /// Identifier chosen by the producer.
    pub id: u64,
    /// Server time in milliseconds of the tick or bar that produced the signal; the latency
    /// window is driven by it.
    pub time_ms: i64,
    /// Creation time in microseconds on the producer's clock (`GetMicrosecondCount()` in
    /// MQL5); the executor measures the signal latency against the same clock.
    pub created_us: i64,
    /// Volume in lots, 0 or more.
    pub volume: f64,
    /// Entry price; 0 for a market order.
    pub price: f64,
    /// Stop-loss price; 0 when none is set.
    pub stop_loss: f64,
    /// Take-profit price; 0 when none is set.
    pub take_profit: f64,
    /// 0 for buy, 1 for sell.
    pub side: i32,
    /// Priority level from 0 (lowest) to the queue's `levels - 1`; higher levels are served
    /// first.
    pub priority: i32,
}

/// Percentiles and totals of one latency stage over one span, in microseconds.
///
/// A percentile is the highest value of the histogram bucket holding the sample of that rank
/// (nearest rank), capped at the exact maximum, so it is at most 0.1 % above the exact value.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MbLatencySummary {
    /// Number of samples.
    pub count: u64,
    /// Median.
    pub p50_us: u64,
    /// 90th percentile.
    pub p90_us: u64,
    /// 99th percentile.
    pub p99_us: u64,
    /// 99.9th percentile.
    pub p999_us: u64,
    /// Largest sample, exact.
    pub max_us: u64,
    /// Arithmetic mean, exact.
    pub mean_us: f64,
    /// Share of samples at or under `target_us`, from 0 to 1; 0 when there are none.
    pub under_target_share: f64,
    /// The stage's target.
    pub target_us: u64,
    /// Samples above the trackable range (about 67 s), counted in the last bucket.
    pub saturated: u64,
    /// Server time in milliseconds the summary was read at; the recent window ends there.
    pub time_ms: i64,
    /// `MB_STAGE_*` code of the stage.
    pub stage: i32,
    /// 1 for the recent window, 0 for every sample since the guard opened.
    pub window: i32,
}

/// One backup in the state directory, as `mb_backup_list` writes it; its id comes from
/// `mb_backup_list_id_*` with the same index.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MbBackupInfo {
    /// Server time the backup was taken at, in milliseconds.
    pub created_ms: i64,
    /// Total size of its files, in bytes.
    pub total_size: u64,
    /// Number of files.
    pub files: u64,
    /// `MB_BACKUP_KIND_*`.
    pub kind: i32,
    /// `MB_BACKUP_REASON_*`: why it was taken.
    pub reason: i32,
}

/// The latest maintenance job of a guard, as `mb_maintenance_poll` writes it.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MbMaintenanceStatus {
    /// Backup: its size. Verify: the bytes hashed. Janitor: the bytes saved.
    pub bytes: u64,
    /// Backup: its files. Verify: the files hashed. Restore: the files put in place.
    /// Janitor: the files compressed.
    pub files: u64,
    /// Janitor: the files deleted.
    pub deleted: u64,
    /// Janitor: the files still locked by another process after every retry.
    pub locked: u64,
    /// Verify: the issues found. Restore: the steps that failed. Janitor: the files that
    /// failed.
    pub issues: u64,
    /// Restore: the steps run.
    pub steps: u64,
    /// `MB_JOB_*` kind, or `MB_JOB_NONE` before the first job.
    pub job: i32,
    /// `MB_JOB_STATE_*`.
    pub state: i32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::align_of;

    #[test]
    fn struct_sizes_are_fixed() {
        let sizes = [
            (size_of::<MbAbi>(), 68),
            (size_of::<MbSnapshot>(), 56),
            (size_of::<MbDeal>(), 96),
            (size_of::<MbOrderIntent>(), 64),
            (size_of::<MbDecision>(), 16),
            (size_of::<MbPreTrade>(), 32),
            (size_of::<MbRuleReport>(), 80),
            (size_of::<MbEvent>(), 56),
            (size_of::<MbSignal>(), 64),
            (size_of::<MbLatencySummary>(), 96),
            (size_of::<MbBackupInfo>(), 32),
            (size_of::<MbMaintenanceStatus>(), 56),
        ];
        for (index, (actual, expected)) in sizes.into_iter().enumerate() {
            assert_eq!(actual, expected, "struct {index}");
        }
    }

    #[test]
    fn structs_have_no_padding() {
        // The sum of the field sizes equals the struct size, so C and packed MQL5 agree.
        assert_eq!(8 + 4 * 8 + 4 * 4, size_of::<MbSnapshot>());
        assert_eq!(5 * 8 + 6 * 8 + 2 * 4, size_of::<MbDeal>());
        assert_eq!(8 + 6 * 8 + 2 * 4, size_of::<MbOrderIntent>());
        assert_eq!(8 + 2 * 4, size_of::<MbDecision>());
        assert_eq!(3 * 8 + 2 * 4, size_of::<MbPreTrade>());
        assert_eq!(8 * 8 + 4 * 4, size_of::<MbRuleReport>());
        assert_eq!(4 * 8 + 6 * 4, size_of::<MbEvent>());
        assert_eq!(7 * 8 + 2 * 4, size_of::<MbSignal>());
        assert_eq!(11 * 8 + 2 * 4, size_of::<MbLatencySummary>());
        assert_eq!(3 * 8 + 2 * 4, size_of::<MbBackupInfo>());
        assert_eq!(6 * 8 + 2 * 4, size_of::<MbMaintenanceStatus>());
        assert_eq!(align_of::<MbAbi>(), 4);
    }

    #[test]
    fn abi_check_names_mismatch() {
        assert_eq!(MbAbi::current().check(), Ok(()));
        let old = MbAbi {
            abi_version: MB_ABI_VERSION + 1,
            ..MbAbi::current()
        };
        assert_eq!(old.check().unwrap_err().status, MbStatus::AbiMismatch);
        let small = MbAbi {
            deal_size: 88,
            ..MbAbi::current()
        };
        assert_eq!(small.check().unwrap_err().status, MbStatus::AbiMismatch);
        assert!(super::super::last_error::with(str::to_owned).contains("MbDeal is 88 bytes"));
    }

    #[test]
    fn version_constants_match_crate() {
        let parts = [MB_VERSION_MAJOR, MB_VERSION_MINOR, MB_VERSION_PATCH];
        let crate_parts = [
            env!("CARGO_PKG_VERSION_MAJOR"),
            env!("CARGO_PKG_VERSION_MINOR"),
            env!("CARGO_PKG_VERSION_PATCH"),
        ];
        for (ours, theirs) in parts.iter().zip(crate_parts) {
            assert_eq!(ours.to_string(), theirs);
        }
    }
}
