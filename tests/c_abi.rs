//! The C example program, compiled with strict flags against `include/mikrobot.h` and linked to
//! the library this test run built, replays a day with a breach; and runs clean under valgrind.

use std::path::PathBuf;
use std::process::Command;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The directory holding `libmikrobot.so`: the profile directory above this test's `deps/`.
fn library_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let deps = exe.parent().expect("deps directory");
    deps.parent().expect("profile directory").to_owned()
}

/// Builds the shared library, which `cargo test` does not build by itself, into the same
/// target directory; cargo has released its build lock by the time tests run.
fn build_library() {
    let mut command = Command::new(env!("CARGO"));
    command.args(["build", "--lib", "--quiet"]);
    if library_dir().ends_with("release") {
        command.arg("--release");
    }
    let status = command
        .current_dir(crate_dir())
        .status()
        .expect("cargo runs");
    assert!(status.success(), "cargo build --lib failed with {status}");
}

/// Compiles `examples/c/{source}.c` into `out`.
fn build_program(source: &str, out: &std::path::Path) {
    static BUILD: std::sync::Once = std::sync::Once::new();
    BUILD.call_once(build_library);
    let library = library_dir();
    assert!(
        library.join("libmikrobot.so").exists(),
        "{} has no libmikrobot.so; run cargo build first",
        library.display()
    );
    let status = Command::new("gcc")
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-g"])
        .arg("-I")
        .arg(crate_dir().join("include"))
        .arg(crate_dir().join(format!("examples/c/{source}.c")))
        .arg("-L")
        .arg(&library)
        .arg(format!("-Wl,-rpath,{}", library.display()))
        .args(["-lmikrobot", "-o"])
        .arg(out)
        .status()
        .expect("gcc runs");
    assert!(status.success(), "gcc failed with {status}");
}

#[test]
fn c_program_replays_day() {
    let work = tempfile::tempdir().unwrap();
    let program = work.path().join("replay_day");
    build_program("replay_day", &program);
    let output = Command::new(&program)
        .arg(work.path().join("state"))
        .output()
        .expect("replay_day runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "replay_day failed:\n{stderr}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("every check passed"));
}

#[test]
fn c_program_reads_sampler_health() {
    let work = tempfile::tempdir().unwrap();
    let program = work.path().join("health_sampler");
    build_program("health_sampler", &program);
    let output = Command::new(&program)
        .arg(work.path().join("state"))
        .output()
        .expect("health_sampler runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "health_sampler failed:\n{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("every check passed"), "{stdout}");
}

/// Runs under valgrind when it is installed; `MIKROBOT_REQUIRE_VALGRIND=1` (set by CI) makes a
/// missing valgrind a failure.
#[test]
fn c_program_clean_under_valgrind() {
    let found = Command::new("valgrind").arg("--version").output().is_ok();
    if !found {
        assert!(
            std::env::var_os("MIKROBOT_REQUIRE_VALGRIND").is_none(),
            "valgrind is not installed; install it or unset MIKROBOT_REQUIRE_VALGRIND"
        );
        eprintln!("valgrind is not installed: skipping the valgrind run");
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let program = work.path().join("replay_day");
    build_program("replay_day", &program);
    let output = Command::new("valgrind")
        .args([
            "--error-exitcode=99",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite",
            "--show-leak-kinds=definite",
        ])
        .arg(&program)
        .arg(work.path().join("state"))
        .output()
        .expect("valgrind runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "valgrind reported errors:\n{stderr}"
    );
    assert!(stderr.contains("ERROR SUMMARY: 0 errors"), "{stderr}");
}
