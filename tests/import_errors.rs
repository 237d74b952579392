//! Import of the MT5 report as xlsx and as CSV, and the errors for bad files:
//! each names the file and the place, and none panics.

mod common;

use mikrobot::import::{import_bytes, import_file, worksheet_to_csv, ImportOptions, Place};
use mikrobot::replay::sample::sample_report_csv;

fn sample_xlsx() -> Vec<u8> {
    common::xlsx::build(&common::xlsx::rows_of_csv(&sample_report_csv()))
}

#[test]
fn utf16_xlsx_matches_csv() {
    let options = ImportOptions::default();
    let from_csv = import_bytes("sample.csv", sample_report_csv().as_bytes(), &options).unwrap();
    let from_xlsx = import_bytes("sample.xlsx", &sample_xlsx(), &options).unwrap();
    assert_eq!(from_xlsx.deals, from_csv.deals);
    assert_eq!(from_xlsx.positions, from_csv.positions);
    assert_eq!(from_xlsx.open_positions, from_csv.open_positions);
    assert_eq!(from_xlsx.orders, from_csv.orders);
    assert_eq!(from_xlsx.balance, from_csv.balance);
    // Numeric cells read back as numbers (11913, not 11913.00), so only the
    // parsed figures are compared.
    let figures = |import: &mikrobot::import::Import| {
        let mut results = import.results.clone().unwrap();
        results.entries.clear();
        results
    };
    assert_eq!(figures(&from_xlsx), figures(&from_csv));
}

#[test]
fn xlsx_saved_as_csv_imports_the_same() {
    let options = ImportOptions::default();
    let xlsx = sample_xlsx();
    let csv = worksheet_to_csv("sample.xlsx", &xlsx).unwrap();
    let from_csv = import_bytes("sample.csv", csv.as_bytes(), &options).unwrap();
    let from_xlsx = import_bytes("sample.xlsx", &xlsx, &options).unwrap();
    assert_eq!(from_csv.deals, from_xlsx.deals);
}

#[test]
fn truncated_xlsx_is_an_error() {
    let xlsx = sample_xlsx();
    for cut in [xlsx.len() / 2, xlsx.len() - 10, 100] {
        let error = import_bytes("cut.xlsx", &xlsx[..cut], &ImportOptions::default()).unwrap_err();
        assert_eq!(error.source_name, "cut.xlsx");
        assert!(error.message.contains("truncated"), "cut {cut}: {error}");
    }
}

#[test]
fn xlsx_non_numeric_cell_names_cell() {
    let mut rows = common::xlsx::rows_of_csv(&sample_report_csv());
    let deals = rows.iter().position(|row| row[0] == "Deals").unwrap();
    // The third deal row, column L (Profit).
    rows[deals + 4][11] = "twelve".to_owned();
    let xlsx = common::xlsx::build(&rows);
    let error = import_bytes("bad.xlsx", &xlsx, &ImportOptions::default()).unwrap_err();
    let row = deals + 5;
    assert_eq!(error.place, Place::Cell { row, column: 11 });
    assert_eq!(
        error.to_string(),
        format!("bad.xlsx: cell L{row}: expected a number in column Profit, found \"twelve\"")
    );
}

#[test]
fn csv_missing_column_is_named() {
    let text = sample_report_csv().replace("Profit,Balance,Comment", "Profit,Comment,");
    let error = import_bytes("short.csv", text.as_bytes(), &ImportOptions::default()).unwrap_err();
    assert!(matches!(error.place, Place::Line(_)), "{:?}", error.place);
    assert!(error.message.contains("\"Balance\""), "{error}");
}

#[test]
fn missing_file_is_named() {
    let error = import_file(
        std::path::Path::new("/nonexistent/report.xlsx"),
        &ImportOptions::default(),
    )
    .unwrap_err();
    assert_eq!(error.source_name, "/nonexistent/report.xlsx");
    assert!(error.message.contains("cannot read"), "{error}");
}

#[test]
fn empty_and_binary_files_are_errors() {
    let options = ImportOptions::default();
    assert!(import_bytes("empty.csv", b"", &options).is_err());
    assert!(import_bytes("binary.csv", &[0xFF, 0x00, 0xC3, 0x28], &options).is_err());
}

#[test]
#[ignore = "reads ../shared/data"]
fn hfm_truncated_xlsx_is_an_error() {
    let bytes = std::fs::read(common::shared_data("mt5-report-hfm-demo.xlsx")).unwrap();
    let error = import_bytes(
        "hfm.xlsx",
        &bytes[..bytes.len() / 2],
        &ImportOptions::default(),
    )
    .unwrap_err();
    assert_eq!(error.source_name, "hfm.xlsx");
    assert!(error.message.contains("truncated"), "{error}");
}

#[test]
#[ignore = "reads ../shared/data"]
fn hfm_csv_matches_xlsx() {
    let options = ImportOptions::default();
    let bytes = std::fs::read(common::shared_data("mt5-report-hfm-demo.xlsx")).unwrap();
    let from_xlsx = import_bytes("hfm.xlsx", &bytes, &options).unwrap();
    let csv = worksheet_to_csv("hfm.xlsx", &bytes).unwrap();
    let from_csv = import_bytes("hfm.csv", csv.as_bytes(), &options).unwrap();
    assert_eq!(from_csv.deals, from_xlsx.deals);
    assert_eq!(from_csv.positions, from_xlsx.positions);
    assert_eq!(from_csv.results, from_xlsx.results);
    let semicolons = csv.replace(',', ";");
    let from_semicolons = import_bytes("hfm.csv", semicolons.as_bytes(), &options).unwrap();
    assert_eq!(from_semicolons.deals, from_xlsx.deals);
}

#[cfg(unix)]
#[test]
fn device_is_not_a_regular_file() {
    let error =
        mikrobot::import::read_import_file(std::path::Path::new("/dev/zero"), 1024).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("/dev/zero"), "{message}");
    assert!(
        message.contains("not a regular file but a character device"),
        "{message}"
    );
}

#[cfg(unix)]
#[test]
fn fifo_without_writer_fails_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("report.csv");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let started = std::time::Instant::now();
    let error = mikrobot::import::read_import_file(&fifo, 1024).unwrap_err();
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let message = error.to_string();
    assert!(
        message.contains("not a regular file but a FIFO"),
        "{message}"
    );
}

#[test]
fn file_over_cap_names_cap() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.csv");
    // A sparse file: its length is set, no data is written.
    std::fs::File::create(&path).unwrap().set_len(4097).unwrap();
    let error = mikrobot::import::read_import_file(&path, 4096).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("huge.csv"), "{message}");
    assert!(
        message.contains("4097 bytes, over the import limit of 4096 bytes"),
        "{message}"
    );
    let read = mikrobot::import::read_import_file(&path, 4097).unwrap();
    assert_eq!(read.len(), 4097);
}
