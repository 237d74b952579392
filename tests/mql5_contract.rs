//! `mql5/Include/Mikrobot/Mikrobot.mqh` agrees with `include/mikrobot.h`.
//!
//! Every function of the `#import` block has the header's name, return type and parameters
//! (names, order, and the MQL5 type each C type maps to). Every MQL5 struct has the header's
//! fields in order with MQL5's type sizes, and its packed size equals C's padded size and the
//! library's. Every `#define` has the header's value.

use std::collections::BTreeMap;
use std::path::PathBuf;

fn read(path: &str) -> String {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|error| panic!("{}: {error}", full.display()))
}

/// Removes `//` and `/* */` comments.
fn strip_comments(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("//") {
            rest = after.find('\n').map_or("", |end| &after[end..]);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.find("*/").map_or("", |end| &after[end + 2..]);
        } else {
            let next = rest.chars().next().unwrap();
            out.push(next);
            rest = &rest[next.len_utf8()..];
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Function {
    ret: String,
    params: Vec<(String, String)>,
}

/// Parses `ret name(type name, ...)` declarations separated by `;`.
fn functions(text: &str) -> BTreeMap<String, Function> {
    let mut out = BTreeMap::new();
    for statement in text.split(';') {
        let statement = statement.split_whitespace().collect::<Vec<_>>().join(" ");
        let Some(open) = statement.find('(') else {
            continue;
        };
        let head: Vec<&str> = statement[..open].split_whitespace().collect();
        let (Some(name), Some(ret)) = (head.last(), head.len().checked_sub(1)) else {
            continue;
        };
        let ret = head[..ret].join(" ");
        let inner = statement[open + 1..].trim_end_matches(')');
        let params = inner
            .split(',')
            .map(str::trim)
            .filter(|param| !param.is_empty() && *param != "void")
            .map(split_param)
            .collect();
        out.insert(name.to_string(), Function { ret, params });
    }
    out
}

/// Splits `const T *name`, `T &name[]` and the like into a normalised type and a name.
fn split_param(param: &str) -> (String, String) {
    let spaced = param
        .replace('*', " * ")
        .replace('&', " & ")
        .replace("[]", " [] ");
    let mut words: Vec<&str> = spaced.split_whitespace().collect();
    let array = words.last() == Some(&"[]");
    if array {
        words.pop();
    }
    let name = words.pop().unwrap_or_default().to_string();
    let mut kind = words.join(" ");
    if array {
        kind.push_str(" []");
    }
    (kind, name)
}

/// Reads the header without comments, preprocessor lines and the `MIKROBOT_TEST_PANIC` block.
fn header_text() -> String {
    let mut kept = String::new();
    let mut skip = false;
    for line in strip_comments(&read("include/mikrobot.h")).lines() {
        if line.starts_with("#if defined(MIKROBOT_TEST_PANIC)") {
            skip = true;
        } else if skip && line.starts_with("#endif") {
            skip = false;
        } else if !skip && !line.trim_start().starts_with('#') && !line.contains("extern \"C\"") {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    kept
}

fn mqh_text() -> String {
    strip_comments(&read("mql5/Include/Mikrobot/Mikrobot.mqh"))
}

fn import_block() -> String {
    let text = mqh_text();
    let start = text
        .find("#import \"mikrobot.dll\"")
        .expect("the .mqh has the #import block");
    let body = &text[start + "#import \"mikrobot.dll\"".len()..];
    let end = body.find("#import").expect("the #import block is closed");
    assert!(
        !body[end + 7..].contains("#import"),
        "the .mqh has more than one #import block"
    );
    body[..end].to_string()
}

/// Maps a C parameter type to its MQL5 type; `next` is the parameter after it, because a
/// pointer followed by `capacity` is an array.
fn mql5_param(c_type: &str, next: Option<&(String, String)>) -> String {
    let followed_by_capacity = next.is_some_and(|(_, name)| name == "capacity");
    let scalar = |name: &str| match name {
        "int32_t" | "MbStatus" => "int".to_string(),
        "uint32_t" => "uint".to_string(),
        "int64_t" => "long".to_string(),
        "uint64_t" | "MbHandle" => "ulong".to_string(),
        "uint16_t" => "ushort".to_string(),
        other => other.to_string(),
    };
    match c_type.strip_suffix(" *") {
        Some("const uint16_t") => "const string".to_string(),
        Some(inner) if followed_by_capacity => format!("{} & []", scalar(inner)),
        Some(inner) => match inner.strip_prefix("const ") {
            Some(base) => format!("const {} &", scalar(base)),
            None => format!("{} &", scalar(inner)),
        },
        None => scalar(c_type),
    }
}

#[test]
fn import_block_matches_header() {
    let header = functions(&header_text());
    let imports = functions(&import_block());
    assert!(
        !imports.is_empty(),
        "no functions parsed from the #import block"
    );
    for (name, imported) in &imports {
        let declared = header
            .get(name)
            .unwrap_or_else(|| panic!("{name} is imported but not in the header"));
        let ret = mql5_param(&declared.ret, None);
        assert_eq!(imported.ret, ret, "return type of {name}");
        let expected: Vec<(String, String)> = declared
            .params
            .iter()
            .enumerate()
            .map(|(i, (kind, param))| (mql5_param(kind, declared.params.get(i + 1)), param.clone()))
            .collect();
        assert_eq!(imported.params, expected, "parameters of {name}");
    }
    for name in header.keys() {
        if !name.ends_with("_utf8") {
            assert!(
                imports.contains_key(name),
                "{name} is in the header but not imported"
            );
        }
    }
}

/// Parses struct fields: `(type, name)` in order, by struct name.
fn structs(text: &str, c_style: bool) -> BTreeMap<String, Vec<(String, String)>> {
    let mut out = BTreeMap::new();
    let opener = if c_style {
        "typedef struct {"
    } else {
        "struct "
    };
    let mut rest = text;
    while let Some(start) = rest.find(opener) {
        let after = &rest[start + opener.len()..];
        let open = after.find('{').map_or(0, |i| i + 1);
        let close = after.find('}').expect("struct is closed");
        let body = &after[if c_style { 0 } else { open }..close];
        let tail = &after[close + 1..];
        let name = if c_style {
            tail.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_string()
        } else {
            after[..open.saturating_sub(1)].trim().to_string()
        };
        let fields = body
            .split(';')
            .map(str::trim)
            .filter(|field| !field.is_empty())
            .map(split_param)
            .collect();
        out.insert(name, fields);
        rest = tail;
    }
    out
}

fn c_size(kind: &str) -> usize {
    match kind {
        "int32_t" | "uint32_t" => 4,
        "int64_t" | "uint64_t" | "double" => 8,
        other => panic!("no C size for {other}"),
    }
}

fn mql5_size(kind: &str) -> usize {
    match kind {
        "int" | "uint" => 4,
        "long" | "ulong" | "double" | "datetime" => 8,
        other => panic!("no MQL5 size for {other}"),
    }
}

/// C's size: each field at its natural alignment, the whole rounded to the largest.
fn c_struct_size(fields: &[(String, String)]) -> usize {
    let mut offset = 0usize;
    let mut align = 1usize;
    for (kind, _) in fields {
        let size = c_size(kind);
        offset = offset.div_ceil(size) * size + size;
        align = align.max(size);
    }
    offset.div_ceil(align) * align
}

#[test]
fn structs_match_header() {
    let header = structs(&header_text(), true);
    let mql5 = structs(&mqh_text(), false);
    let library = mikrobot::ffi::MbAbi::current();
    let library_sizes = BTreeMap::from([
        ("MbAbi", std::mem::size_of::<mikrobot::ffi::MbAbi>() as u32),
        ("MbSnapshot", library.snapshot_size),
        ("MbDeal", library.deal_size),
        ("MbOrderIntent", library.order_intent_size),
        ("MbDecision", library.decision_size),
        ("MbPreTrade", library.pre_trade_size),
        ("MbRuleReport", library.rule_report_size),
        ("MbEvent", library.event_size),
        ("MbSignal", library.signal_size),
        ("MbLatencySummary", library.latency_summary_size),
        ("MbOutboxItem", library.outbox_item_size),
        ("MbHealth", library.health_size),
        ("MbHealthCheck", library.health_check_size),
        ("MbVitals", library.vitals_size),
        ("MbIncident", library.incident_size),
        ("MbBackupInfo", library.backup_info_size),
        ("MbMaintenanceStatus", library.maintenance_status_size),
    ]);
    assert_eq!(
        header.keys().collect::<Vec<_>>(),
        mql5.keys().collect::<Vec<_>>(),
        "struct names"
    );
    for (name, c_fields) in &header {
        let fields = &mql5[name];
        let c_names: Vec<&String> = c_fields.iter().map(|(_, field)| field).collect();
        let names: Vec<&String> = fields.iter().map(|(_, field)| field).collect();
        assert_eq!(names, c_names, "fields of {name}");
        for ((kind, field), (c_kind, _)) in fields.iter().zip(c_fields) {
            assert_eq!(mql5_size(kind), c_size(c_kind), "size of {name}.{field}");
            let expected = mql5_param(c_kind, None);
            assert_eq!(kind, &expected, "type of {name}.{field}");
        }
        let packed: usize = fields.iter().map(|(kind, _)| mql5_size(kind)).sum();
        assert_eq!(
            packed,
            c_struct_size(c_fields),
            "{name}: MQL5 packed size vs C size"
        );
        assert_eq!(
            packed as u32,
            library_sizes[name.as_str()],
            "{name}: library size"
        );
    }
}

/// `#define NAME VALUE` lines, and `NAME = VALUE` enum entries of the header.
fn defines(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in text.lines().map(str::trim) {
        let words: Vec<&str> = if let Some(rest) = line.strip_prefix("#define ") {
            rest.split_whitespace().collect()
        } else {
            line.trim_end_matches(',').split(" = ").collect()
        };
        if let [name, value] = words[..] {
            if name.starts_with("MB_") {
                out.insert(name.to_string(), value.to_string());
            }
        }
    }
    out
}

#[test]
fn defines_match_header() {
    let header = defines(&strip_comments(&read("include/mikrobot.h")));
    let mql5 = defines(&mqh_text());
    assert!(
        mql5.len() > 40,
        "only {} defines parsed from the .mqh",
        mql5.len()
    );
    for (name, value) in &mql5 {
        assert_eq!(header.get(name), Some(value), "{name}");
    }
}

#[test]
fn mql5_lines_fit_and_inputs_have_labels() {
    for path in [
        "mql5/Include/Mikrobot/Mikrobot.mqh",
        "mql5/Experts/MikrobotGuard.mq5",
    ] {
        for (number, line) in read(path).lines().enumerate() {
            let width = line.chars().count();
            assert!(
                width <= 100,
                "{path}:{} is {width} characters wide",
                number + 1
            );
            if line.starts_with("input ") && !line.starts_with("input group") {
                assert!(
                    line.contains("//"),
                    "{path}:{} has no label comment",
                    number + 1
                );
            }
        }
    }
}
