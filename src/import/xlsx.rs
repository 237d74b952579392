//! Reads the first worksheet of an xlsx file into a [`Sheet`].
//!
//! The MT5 terminal saves the XML parts of its xlsx reports as UTF-16
//! little-endian with a byte-order mark and no encoding declaration. calamine
//! 0.38 reads only UTF-8 parts and fails on those (`XmlEof("Relationships")`),
//! so every XML part is transcoded to UTF-8 into a new in-memory package first.

use super::error::{ImportError, Place};
use super::sheet::{Row, Sheet, SheetKind};
use calamine::{Data, Reader, Xlsx};
use encoding_rs::{Encoding, UTF_8};
use std::io::{Cursor, Read, Write};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

/// Checks whether the bytes start with a zip signature, as every xlsx file does.
pub fn looks_like_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// Reads the first worksheet of the xlsx package `bytes`.
///
/// # Errors
///
/// An [`ImportError`] when the package is not a complete zip archive, a part is
/// not valid text, or the workbook has no worksheet.
pub fn read_xlsx(source: &str, bytes: &[u8]) -> Result<Sheet, ImportError> {
    let utf8_package = transcode_package(source, bytes)?;
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(utf8_package)).map_err(|error| {
            ImportError::new(
                source,
                Place::File,
                format!("not a readable xlsx workbook ({error}); save the report again from the terminal"),
            )
        })?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| ImportError::new(source, Place::File, "the workbook has no worksheet"))?
        .map_err(|error| {
            ImportError::new(
                source,
                Place::Part("first worksheet".to_owned()),
                format!("the worksheet cannot be read ({error})"),
            )
        })?;
    let (first_row, first_column) = range.start().unwrap_or((0, 0));
    let rows = range
        .rows()
        .enumerate()
        .map(|(index, cells)| {
            let mut texts = vec![String::new(); first_column as usize];
            texts.extend(cells.iter().map(cell_text));
            Row {
                number: first_row as usize + index + 1,
                cells: texts,
            }
        })
        .collect();
    Ok(Sheet {
        source: source.to_owned(),
        kind: SheetKind::Xlsx,
        rows,
    })
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Float(value) => format_float(*value),
        other => other.to_string().trim().to_owned(),
    }
}

/// Formats a cell's float the shortest way that reads back exactly, so 0.1 stays
/// `0.1` and 50.61 stays `50.61`.
fn format_float(value: f64) -> String {
    format!("{value}")
}

/// Copies the zip package with every XML part transcoded to UTF-8.
fn transcode_package(source: &str, bytes: &[u8]) -> Result<Vec<u8>, ImportError> {
    let truncated = |error: zip::result::ZipError| {
        ImportError::new(
            source,
            Place::File,
            format!(
                "not a complete xlsx file: the zip archive cannot be read ({error}); \
                 the file may be truncated, so save or copy the report again"
            ),
        )
    };
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(truncated)?;
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(truncated)?;
        let name = entry.name().map_err(truncated)?.into_owned();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).map_err(|error| {
            ImportError::new(
                source,
                Place::Part(name.clone()),
                format!("the part cannot be read ({error}); the file may be truncated or damaged"),
            )
        })?;
        if entry.is_dir() {
            continue;
        }
        let content = if name.ends_with(".xml") || name.ends_with(".rels") {
            xml_to_utf8(source, &name, &content)?
        } else {
            content
        };
        let written = writer
            .start_file(name.as_str(), options)
            .and_then(|()| writer.write_all(&content).map_err(Into::into));
        written.map_err(|error| {
            ImportError::new(
                source,
                Place::Part(name.clone()),
                format!("the part cannot be copied ({error})"),
            )
        })?;
    }
    let package = writer.finish().map_err(|error| {
        ImportError::new(
            source,
            Place::File,
            format!("the transcoded package cannot be written ({error})"),
        )
    })?;
    Ok(package.into_inner())
}

/// Decodes an XML part by its byte-order mark (UTF-8 without one) and returns it
/// as UTF-8, with any `encoding="UTF-16"` declaration changed to match.
fn xml_to_utf8(source: &str, name: &str, content: &[u8]) -> Result<Vec<u8>, ImportError> {
    let Some((encoding, bom_length)) = Encoding::for_bom(content) else {
        return Ok(content.to_vec());
    };
    if encoding == UTF_8 {
        return Ok(content[bom_length..].to_vec());
    }
    let text = encoding
        .decode_without_bom_handling_and_without_replacement(&content[bom_length..])
        .ok_or_else(|| {
            ImportError::new(
                source,
                Place::Part(name.to_owned()),
                format!(
                    "the part is not valid {}; the file may be damaged",
                    encoding.name()
                ),
            )
        })?;
    let text = replace_declared_encoding(&text);
    Ok(text.into_bytes())
}

fn replace_declared_encoding(text: &str) -> String {
    let Some(end) = text.find("?>") else {
        return text.to_owned();
    };
    let declaration = &text[..end];
    if !declaration.starts_with("<?xml") {
        return text.to_owned();
    }
    let fixed = declaration
        .replace("encoding=\"UTF-16\"", "encoding=\"UTF-8\"")
        .replace("encoding=\"utf-16\"", "encoding=\"UTF-8\"")
        .replace("encoding='UTF-16'", "encoding='UTF-8'");
    format!("{fixed}{}", &text[end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declaration_encoding_becomes_utf8() {
        let text = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><a encoding=\"UTF-16\"/>";
        assert_eq!(
            replace_declared_encoding(text),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a encoding=\"UTF-16\"/>"
        );
    }

    #[test]
    fn utf16_part_is_transcoded() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "<?xml version=\"1.0\"?><x>é</x>".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let utf8 = xml_to_utf8("r.xlsx", "x.xml", &bytes).unwrap();
        assert_eq!(
            String::from_utf8(utf8).unwrap(),
            "<?xml version=\"1.0\"?><x>é</x>"
        );
    }

    #[test]
    fn garbage_is_not_a_complete_xlsx() {
        let error = read_xlsx("r.xlsx", b"PK\x03\x04garbage").unwrap_err();
        assert_eq!(error.place, Place::File);
        assert!(error.message.contains("truncated"), "{}", error.message);
    }
}
