//! Importers for real account histories: the MT5 "Trade History Report" (xlsx as
//! the terminal saves it, or the same sheet saved as CSV) and the FTMO MetriX
//! trading-journal CSV.
//!
//! [`import_file`] detects the format from the content, converts every broker
//! time to UTC with the given [`ServerClock`], keeps symbol names as the broker
//! spells them (suffix included), and returns an [`Import`]. A file that cannot be
//! read gets an [`ImportError`] naming the file, the line or cell, and what was
//! expected there.

mod error;
mod fields;
mod file;
mod metrix;
mod mt5;
mod sheet;
mod xlsx;

pub use error::{column_letters, ImportError, Place};
pub use file::{read_import_file, MAX_IMPORT_BYTES};
pub use mt5::write_csv as write_mt5_csv;

use crate::account::{Deal, Side, Symbol, TimeMs};
use crate::time::ServerClock;
use serde::Serialize;
use std::path::Path;

/// The formats the importers read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// MT5 Trade History Report saved as xlsx.
    Mt5ReportXlsx,
    /// MT5 Trade History Report sheet saved as CSV.
    Mt5ReportCsv,
    /// FTMO MetriX trading-journal CSV.
    MetrixJournal,
}

impl Format {
    /// A short snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Mt5ReportXlsx => "mt5_report_xlsx",
            Format::Mt5ReportCsv => "mt5_report_csv",
            Format::MetrixJournal => "metrix_journal",
        }
    }

    /// A description for readers.
    pub fn describe(self) -> &'static str {
        match self {
            Format::Mt5ReportXlsx => "MT5 Trade History Report (xlsx)",
            Format::Mt5ReportCsv => "MT5 Trade History Report (CSV)",
            Format::MetrixJournal => "FTMO MetriX trading journal (CSV)",
        }
    }
}

/// How broker times in the file are read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// The broker's server clock, which every time in the file is written in.
    pub server_clock: ServerClock,
}

/// The report header: account owner, account, broker and report time.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AccountHeader {
    /// Account holder's name.
    pub name: String,
    /// Account line as MT5 writes it: number, currency, server, type.
    pub account: String,
    /// Broker.
    pub company: String,
    /// When the report was made (UTC), if the file says.
    pub report_time_ms: Option<TimeMs>,
}

/// A position: a closed round trip, or an open position with its market price.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Position {
    /// Position id (MT5: the ticket of the order that opened it).
    pub id: u64,
    /// Symbol, broker suffix kept.
    pub symbol: Symbol,
    /// Direction.
    pub side: Side,
    /// Volume in lots.
    pub volume: f64,
    /// Open time (UTC).
    pub open_time_ms: TimeMs,
    /// Open price.
    pub open_price: f64,
    /// Stop loss, if set.
    pub stop_loss: Option<f64>,
    /// Take profit, if set.
    pub take_profit: Option<f64>,
    /// Close time (UTC), `None` while the position is open.
    pub close_time_ms: Option<TimeMs>,
    /// Close price, or the market price of an open position.
    pub close_price: Option<f64>,
    /// Commission, negative when charged.
    pub commission: f64,
    /// Swap.
    pub swap: f64,
    /// Profit (floating profit for an open position).
    pub profit: f64,
    /// Comment.
    pub comment: String,
}

/// An order row of an MT5 report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Order {
    /// Time the order was placed (UTC).
    pub open_time_ms: TimeMs,
    /// Order ticket.
    pub ticket: u64,
    /// Symbol.
    pub symbol: Symbol,
    /// Order type as MT5 writes it (`buy`, `sell limit`, ...).
    pub order_type: String,
    /// Volume requested.
    pub volume_initial: f64,
    /// Volume filled.
    pub volume_filled: f64,
    /// Order price, `None` for a market order.
    pub price: Option<f64>,
    /// Stop loss, if set.
    pub stop_loss: Option<f64>,
    /// Take profit, if set.
    pub take_profit: Option<f64>,
    /// Time of the final state (UTC).
    pub done_time_ms: TimeMs,
    /// Final state as MT5 writes it (`filled`, `canceled`, ...).
    pub state: String,
    /// Comment.
    pub comment: String,
}

/// A deal and the balance after it, where the file has a balance column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DealRow {
    /// The deal.
    pub deal: Deal,
    /// The account balance after the deal, as the file states it.
    pub balance: Option<f64>,
}

/// The balance block at the end of an MT5 report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct BalanceBlock {
    /// Balance.
    pub balance: Option<f64>,
    /// Credit facility.
    pub credit: Option<f64>,
    /// Floating profit and loss of the open positions.
    pub floating: Option<f64>,
    /// Equity.
    pub equity: Option<f64>,
    /// Free margin.
    pub free_margin: Option<f64>,
    /// Margin in use.
    pub margin: Option<f64>,
    /// Margin level in percent.
    pub margin_level: Option<f64>,
}

/// MT5's own statistics from the Results section of a report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Mt5Results {
    /// Total net profit.
    pub total_net_profit: Option<f64>,
    /// Gross profit.
    pub gross_profit: Option<f64>,
    /// Gross loss (negative).
    pub gross_loss: Option<f64>,
    /// Profit factor.
    pub profit_factor: Option<f64>,
    /// Expected payoff per trade.
    pub expected_payoff: Option<f64>,
    /// Recovery factor.
    pub recovery_factor: Option<f64>,
    /// Sharpe ratio.
    pub sharpe_ratio: Option<f64>,
    /// Balance drawdown absolute.
    pub balance_drawdown_absolute: Option<f64>,
    /// Balance drawdown maximal, in account currency.
    pub balance_drawdown_maximal: Option<f64>,
    /// Balance drawdown maximal, in percent.
    pub balance_drawdown_maximal_pct: Option<f64>,
    /// Balance drawdown relative, in percent.
    pub balance_drawdown_relative_pct: Option<f64>,
    /// Total trades.
    pub total_trades: Option<f64>,
    /// Profit trades.
    pub profit_trades: Option<f64>,
    /// Loss trades.
    pub loss_trades: Option<f64>,
    /// Largest profit trade.
    pub largest_profit: Option<f64>,
    /// Largest loss trade.
    pub largest_loss: Option<f64>,
    /// Every label and value of the section, as written.
    pub entries: Vec<(String, String)>,
}

/// One imported account history.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    /// The file name or path as given.
    pub source: String,
    /// The detected format.
    pub format: Format,
    /// The report header, for MT5 reports.
    pub header: Option<AccountHeader>,
    /// Closed positions, in file order.
    pub positions: Vec<Position>,
    /// Orders, for MT5 reports.
    pub orders: Vec<Order>,
    /// Deals in time order (ties keep file order).
    pub deals: Vec<DealRow>,
    /// Positions still open at the end of the file, with their floating profit.
    pub open_positions: Vec<Position>,
    /// The balance block, for MT5 reports.
    pub balance: Option<BalanceBlock>,
    /// MT5's own statistics, when the file has a Results section.
    pub results: Option<Mt5Results>,
}

impl Import {
    /// The balance before the first trade deal, from the file's balance column:
    /// the stated balance after that deal minus the deal's own balance change.
    /// `None` when the file has no balances (MetriX journals).
    pub fn inferred_initial_balance(&self) -> Option<f64> {
        let row = self
            .deals
            .iter()
            .find(|row| row.deal.deal_type.is_trade())?;
        let balance = row.balance?;
        Some(round_cents(balance - row.deal.balance_change()))
    }

    /// Open times of every position in the file, closed and open.
    pub fn position_open_times(&self) -> impl Iterator<Item = TimeMs> + '_ {
        self.positions
            .iter()
            .chain(self.open_positions.iter())
            .map(|position| position.open_time_ms)
    }
}

/// Rounds an amount to cents, which is how MT5 states balances.
pub fn round_cents(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// Saves the first worksheet of an xlsx report as CSV, the way a spreadsheet
/// program saves a sheet: the same rows and cells, comma separated, numbers
/// written in their shortest exact form.
///
/// # Errors
///
/// An [`ImportError`] when `bytes` is not a readable xlsx package.
pub fn worksheet_to_csv(source: &str, bytes: &[u8]) -> Result<String, ImportError> {
    let sheet = xlsx::read_xlsx(source, bytes)?;
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for row in &sheet.rows {
        writer.write_record(&row.cells).map_err(|error| {
            ImportError::new(
                source,
                Place::Row(row.number),
                format!("cannot write CSV: {error}"),
            )
        })?;
    }
    let bytes = writer.into_inner().map_err(|error| {
        ImportError::new(source, Place::File, format!("cannot write CSV: {error}"))
    })?;
    String::from_utf8(bytes).map_err(|error| {
        ImportError::new(source, Place::File, format!("cannot write CSV: {error}"))
    })
}

/// Reads and imports the file at `path`, detecting its format.
///
/// # Errors
///
/// An [`ImportError`] naming the file when it cannot be read, is not a regular file or is
/// larger than [`MAX_IMPORT_BYTES`], its format is not
/// one of [`Format`], or a section, column or cell is missing or invalid.
pub fn import_file(path: &Path, options: &ImportOptions) -> Result<Import, ImportError> {
    let bytes = read_import_file(path, MAX_IMPORT_BYTES)?;
    import_bytes(&path.display().to_string(), &bytes, options)
}

/// Imports a file's content; `source` names it in messages.
///
/// # Errors
///
/// As [`import_file`], except for reading the file.
pub fn import_bytes(
    source: &str,
    bytes: &[u8],
    options: &ImportOptions,
) -> Result<Import, ImportError> {
    if xlsx::looks_like_zip(bytes) {
        let sheet = xlsx::read_xlsx(source, bytes)?;
        return mt5::parse(&sheet, Format::Mt5ReportXlsx, options);
    }
    if bytes.is_empty() {
        return Err(ImportError::new(source, Place::File, "the file is empty"));
    }
    let text = sheet::decode_text(source, bytes)?;
    let sheet = sheet::read_csv(source, &text)?;
    let first = sheet.rows.first().map(|row| row.first()).unwrap_or("");
    if mt5::is_report_title(first) {
        mt5::parse(&sheet, Format::Mt5ReportCsv, options)
    } else if metrix::is_journal_header(sheet.rows.first()) {
        metrix::parse(&sheet, options)
    } else {
        Err(ImportError::new(
            source,
            Place::Line(1),
            format!(
                "unrecognised format (the first cell is {first:?}); expected an MT5 Trade History \
                 Report (xlsx, or its sheet saved as CSV, starting with \"Trade History Report\") \
                 or an FTMO MetriX trading journal (CSV starting with \"Ticket;Open;Type\")"
            ),
        ))
    }
}
