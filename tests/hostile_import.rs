//! Hostile files through the importers: the bundled sample report truncated at every line,
//! with its delimiters swapped, its dates rewritten, a huge cell, a section removed, and bytes
//! of garbage. Every file either imports or fails with an error that names the file and a
//! place; none panics.

use mikrobot::import::{import_bytes, ImportOptions};

const SAMPLE: &str = include_str!("../examples/host/sample-report.csv");
const NAME: &str = "hostile.csv";

/// Imports `bytes` and checks that it never panics and that an error names the file.
fn import_or_explain(label: &str, bytes: &[u8]) {
    let outcome = std::panic::catch_unwind(|| import_bytes(NAME, bytes, &ImportOptions::default()));
    let result = outcome.unwrap_or_else(|_| panic!("{label}: the importer panicked"));
    if let Err(error) = result {
        let text = error.to_string();
        assert!(text.starts_with(NAME), "{label}: {text}");
        assert!(!error.message.is_empty(), "{label}: {text}");
    }
}

#[test]
fn truncated_at_every_line() {
    let lines: Vec<&str> = SAMPLE.lines().collect();
    for end in 0..lines.len() {
        let text = lines[..end].join("\n");
        import_or_explain(&format!("first {end} lines"), text.as_bytes());
    }
}

#[test]
fn truncated_mid_line() {
    for end in (0..SAMPLE.len()).step_by(97) {
        let mut cut = end;
        while !SAMPLE.is_char_boundary(cut) {
            cut -= 1;
        }
        import_or_explain(&format!("first {cut} bytes"), &SAMPLE.as_bytes()[..cut]);
    }
}

#[test]
fn each_line_removed() {
    let lines: Vec<&str> = SAMPLE.lines().collect();
    for skip in 0..lines.len() {
        let text: Vec<&str> = lines
            .iter()
            .enumerate()
            .filter(|(index, _)| *index != skip)
            .map(|(_, line)| *line)
            .collect();
        import_or_explain(
            &format!("line {} removed", skip + 1),
            text.join("\n").as_bytes(),
        );
    }
}

#[test]
fn delimiters_swapped() {
    for (from, to) in [(',', ';'), (',', '\t'), (',', '|'), (',', ' '), ('.', ',')] {
        let text = SAMPLE.replace(from, &to.to_string());
        import_or_explain(&format!("{from:?} to {to:?}"), text.as_bytes());
    }
}

#[test]
fn dates_in_other_formats() {
    let swaps = [
        ("2025.", "2025-"),
        ("2025.", "25."),
        (":", "."),
        ("2025.02.", "2025.13."),
        ("2025.02.1", "2025.02.3"),
        (" 0", "T0"),
    ];
    for (from, to) in swaps {
        let text = SAMPLE.replacen(from, to, 3);
        import_or_explain(&format!("{from:?} to {to:?} (first 3)"), text.as_bytes());
        let text = SAMPLE.replace(from, to);
        import_or_explain(&format!("{from:?} to {to:?} (all)"), text.as_bytes());
    }
}

#[test]
fn huge_and_strange_cells() {
    let lines: Vec<&str> = SAMPLE.lines().collect();
    let fillers = [
        "9".repeat(400),
        "x".repeat(1 << 16),
        "1e308".to_owned(),
        "-1e309".to_owned(),
        "NaN".to_owned(),
        "inf".to_owned(),
        "\"unterminated".to_owned(),
        "\u{0}".to_owned(),
        "18446744073709551616".to_owned(),
        "-0".to_owned(),
    ];
    // The header block, each section's heading, column header and first rows, and the
    // balance and results blocks (0-based line indexes of the sample).
    let chosen = [
        1, 2, 4, 5, 6, 7, 8, 17, 18, 19, 40, 41, 42, 43, 65, 66, 67, 69, 72, 75,
    ];
    for index in chosen {
        let line = lines[index];
        for filler in &fillers {
            for column in 0..line.split(',').count() {
                let mut cells: Vec<String> = line.split(',').map(str::to_owned).collect();
                cells[column] = filler.clone();
                let mut text: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
                text[index] = cells.join(",");
                let label = format!("line {} column {column} set to {:.20}", index + 1, filler);
                import_or_explain(&label, text.join("\n").as_bytes());
            }
        }
    }
}

#[test]
fn garbage_bytes() {
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    for round in 0..200 {
        let mut bytes = SAMPLE.as_bytes().to_vec();
        for _ in 0..(round % 20 + 1) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let at = (seed as usize) % bytes.len();
            bytes[at] = (seed >> 32) as u8;
        }
        import_or_explain(&format!("garbage round {round}"), &bytes);
    }
    for prefix in [
        &b"\xFF\xFE"[..],
        b"\xFE\xFF",
        b"\xEF\xBB\xBF",
        b"PK\x03\x04",
    ] {
        let mut bytes = prefix.to_vec();
        bytes.extend_from_slice(SAMPLE.as_bytes());
        import_or_explain(&format!("prefix {prefix:x?}"), &bytes);
        import_or_explain(&format!("prefix {prefix:x?} alone"), prefix);
    }
}
