use super::*;
use crate::import::{import_bytes, ImportOptions, Place};
use crate::time::ServerClock;

/// A small report sheet in the terminal's layout, written by hand as Excel
/// would save it as CSV.
const REPORT: &str = "\
Trade History Report,,,,,,,,,,,,,,
Name:,,,Test Trader,,,,,,,,,,,
Account:,,,1234 (USD),,,,,,,,,,,
Company:,,,Test Broker,,,,,,,,,,,
Date:,,,2025.05.15 18:14,,,,,,,,,,,
Positions,,,,,,,,,,,,,,
Time,Position,Symbol,Type,Volume,Price,S / L,T / P,Time,Price,Commission,Swap,Profit,,
2025.04.15 17:11:31,11,EURUSD.Z,buy,0.1,1.12895,1.11918,,2025.04.16 22:25:20,1.14086,-0.70,0.00,119.10,,
Orders,,,,,,,,,,,,,,
Open Time,Order,Symbol,Type,Volume,Price,S / L,T / P,Time,State,,Comment,,,
2025.04.15 17:11:30,11,EURUSD.Z,buy,0.1 / 0.1,market,,,2025.04.15 17:11:31,filled,,,,,
Deals,,,,,,,,,,,,,,
Time,Deal,Symbol,Type,Direction,Volume,Price,Order,Commission,Fee,Swap,Profit,Balance,Comment,
2025.04.15 10:00:00,1,,balance,,,,,0,0,0,1 000.00,1 000.00,Deposit,
2025.04.15 17:11:31,2,EURUSD.Z,buy,in,0.1,1.12895,11,-0.35,0.00,0.00,0.00,999.65,,
2025.04.16 22:25:20,3,EURUSD.Z,sell,out,0.1,1.14086,12,-0.35,0.00,0.00,119.10,\"1,118.40\",[tp 1.14086],
,,,,,,,,-0.70,0.00,0.00,\"1,119.10\",\"1,118.40\",,
Open Positions,,,,,,,,,,,,,,
Time,Position,Symbol,Type,Volume,Price,S / L,T / P,Market Price,Swap,,Profit,Comment,,
,,,,,,,,,,0.00,0.00,,,
Balance:,,,1118.40,,,Free Margin:,,,1118.40,,,,,
Credit Facility:,,,0.00,,,Margin:,,,0.00,,,,,
Floating P/L:,,,0.00,,,Margin Level:,,,0.00,,,,,
Equity:,,,1118.40,,,,,,,,,,,
,,,,,,,,,,,,,,
Results,,,,,,,,,,,,,,
Total Net Profit:,,,118.40,Gross Profit:,,,118.40,Gross Loss:,,,0.00,,,
Balance Drawdown Maximal:,,,0.35 (0.04%),Total Trades:,,,1,,,,,,,
";

fn import(text: &str) -> Result<Import, ImportError> {
    import_bytes("report.csv", text.as_bytes(), &ImportOptions::default())
}

#[test]
fn csv_report_sections() {
    let import = import(REPORT).unwrap();
    assert_eq!(import.format, Format::Mt5ReportCsv);
    assert_eq!(import.positions.len(), 1);
    assert_eq!(import.orders.len(), 1);
    assert_eq!(import.orders[0].price, None);
    assert_eq!(import.deals.len(), 3);
    assert!(import.open_positions.is_empty());
    assert_eq!(import.deals[0].deal.profit, 1000.0);
    assert_eq!(import.deals[2].balance, Some(1118.40));
    assert_eq!(import.deals[2].deal.position_id, 11);
    assert_eq!(import.inferred_initial_balance(), Some(1000.0));
    let header = import.header.unwrap();
    assert_eq!(header.company, "Test Broker");
    let results = import.results.unwrap();
    assert_eq!(results.total_net_profit, Some(118.40));
    assert_eq!(results.balance_drawdown_maximal, Some(0.35));
    assert_eq!(results.balance_drawdown_maximal_pct, Some(0.04));
    assert_eq!(results.total_trades, Some(1.0));
    assert_eq!(import.balance.unwrap().equity, Some(1118.40));
}

#[test]
fn semicolon_csv_with_decimal_commas() {
    let text = REPORT
        .lines()
        .map(|line| {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(line.as_bytes());
            let record = reader.records().next().unwrap().unwrap();
            let cells: Vec<String> = record
                .iter()
                .map(|cell| match crate::import::sheet::parse_number(cell) {
                    Some(_) if cell.contains('.') && !cell.contains(' ') => {
                        cell.replace(',', "").replace('.', ",")
                    }
                    _ => cell.to_owned(),
                })
                .collect();
            cells.join(";")
        })
        .collect::<Vec<_>>()
        .join("\r\n");
    let import = import(&text).unwrap();
    assert_eq!(import.deals[2].deal.profit, 119.10);
    assert_eq!(import.deals[2].balance, Some(1118.40));
}

#[test]
fn writer_round_trips() {
    let original = import(REPORT).unwrap();
    let written = write_csv(&original, ServerClock::default());
    let again = import(&written).unwrap();
    assert_eq!(again.positions, original.positions);
    assert_eq!(again.orders, original.orders);
    assert_eq!(again.deals, original.deals);
    assert_eq!(again.open_positions, original.open_positions);
    assert_eq!(again.balance, original.balance);
    assert_eq!(again.header, original.header);
    assert_eq!(
        again.results.as_ref().map(|r| &r.entries),
        original.results.as_ref().map(|r| &r.entries)
    );
}

#[test]
fn missing_column_is_named() {
    let text = REPORT.replace(
        "Commission,Fee,Swap,Profit,Balance,Comment",
        "Commission,Fee,Swap,Profit,Comment,",
    );
    let error = import(&text).unwrap_err();
    assert_eq!(error.place, Place::Line(13));
    assert!(
        error.message.contains("no \"Balance\" column"),
        "{}",
        error.message
    );
    assert!(error
        .to_string()
        .starts_with("report.csv: line 13: the Deals header"));
}

#[test]
fn non_numeric_cell_is_named() {
    let text = REPORT.replace("-0.35,0.00,0.00,119.10", "-0.35,0.00,0.00,lots");
    let error = import(&text).unwrap_err();
    assert_eq!(
        error.place,
        Place::Field {
            line: 16,
            column: 11
        }
    );
    assert_eq!(
        error.to_string(),
        "report.csv: line 16, column 12: expected a number in column Profit, found \"lots\""
    );
}

#[test]
fn bad_time_is_named() {
    let text = REPORT.replace("2025.04.16 22:25:20,3,", "2025.04.16 25:99,3,");
    let error = import(&text).unwrap_err();
    assert_eq!(
        error.place,
        Place::Field {
            line: 16,
            column: 0
        }
    );
    assert!(
        error.message.contains("expected a time"),
        "{}",
        error.message
    );
}

#[test]
fn unknown_deal_type_is_named() {
    let text = REPORT.replace(",balance,", ",gift,");
    let error = import(&text).unwrap_err();
    assert_eq!(
        error.place,
        Place::Field {
            line: 14,
            column: 3
        }
    );
}

#[test]
fn report_without_deals_is_rejected() {
    let end = REPORT.find("Deals,").unwrap();
    let error = import(&REPORT[..end]).unwrap_err();
    assert!(
        error.message.contains("no Deals section"),
        "{}",
        error.message
    );
}

#[test]
fn unknown_format_is_rejected() {
    let error = import("hello,world\n1,2\n").unwrap_err();
    assert!(
        error.message.contains("unrecognised format"),
        "{}",
        error.message
    );
}

#[test]
fn deal_type_names_round_trip() {
    for deal_type in crate::account::DealType::ALL {
        let text = sections::deal_type_text(deal_type);
        assert_eq!(sections::parse_deal_type(text), Some(deal_type), "{text}");
    }
}
