//! The committed C header matches what cbindgen generates from the sources, and its version
//! macros match the crate version.
//!
//! `MIKROBOT_BLESS=1 cargo test --test header` rewrites `include/mikrobot.h` instead of failing.

use std::path::{Path, PathBuf};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn generate() -> String {
    let dir = crate_dir();
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_src(dir.join("src").join("ffi").join("mod.rs"))
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header");
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).expect("the header is UTF-8")
}

fn header_path() -> PathBuf {
    crate_dir().join("include").join("mikrobot.h")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[test]
fn header_matches_sources() {
    let generated = generate();
    let path = header_path();
    if std::env::var_os("MIKROBOT_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("write include/mikrobot.h");
        return;
    }
    let committed = read(&path);
    if committed != generated {
        let line = committed
            .lines()
            .zip(generated.lines())
            .position(|(old, new)| old != new)
            .map_or(
                committed.lines().count().min(generated.lines().count()),
                |n| n,
            );
        panic!(
            "include/mikrobot.h differs from the sources at line {}; run \
             MIKROBOT_BLESS=1 cargo test --test header and commit the header",
            line + 1
        );
    }
}

#[test]
fn header_version_matches_crate() {
    let header = read(&header_path());
    let parts = [
        ("MB_VERSION_MAJOR", env!("CARGO_PKG_VERSION_MAJOR")),
        ("MB_VERSION_MINOR", env!("CARGO_PKG_VERSION_MINOR")),
        ("MB_VERSION_PATCH", env!("CARGO_PKG_VERSION_PATCH")),
    ];
    for (name, expected) in parts {
        let define = format!("#define {name} {expected}\n");
        assert!(header.contains(&define), "the header lacks {define:?}");
    }
    let abi = format!("#define MB_ABI_VERSION {}\n", mikrobot::ffi::MB_ABI_VERSION);
    assert!(header.contains(&abi), "the header lacks {abi:?}");
}
