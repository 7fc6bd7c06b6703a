//! CI, review gate and IDE, end to end: the real binary on the real fixtures and the example
//! service, read the way each consumer reads it (rust-analyzer through `cargo_metadata`,
//! GitHub code scanning through the SARIF schema, GitHub Actions, GitLab Code Quality,
//! reviewdog), plus baselines and the README's set-up snippets.

#[path = "integrations/baseline.rs"]
mod baseline;
#[path = "integrations/formats.rs"]
mod formats;
#[path = "integrations/readme.rs"]
mod readme;
#[path = "integrations/rust_analyzer.rs"]
mod rust_analyzer;
#[path = "integrations/same_findings.rs"]
mod same_findings;
#[path = "integrations/sarif.rs"]
mod sarif;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The example service's manifest, relative to the package root (where every run starts).
const SERVICE_MANIFEST: &str = "examples/service/Cargo.toml";

/// The analyzer's package root, where the tests run the binary from.
fn package_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `cargo-cachelint ARGS` in `dir` with colors off, the way cargo invokes it.
fn run_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-cachelint"));
    command
        .arg("cachelint")
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CARGO_TERM_COLOR")
        .env_remove("RAYON_NUM_THREADS")
        .env_remove("CACHELINT_TIMINGS");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("the binary runs")
}

/// Runs `cargo-cachelint ARGS` from the package root.
fn run(args: &[&str]) -> Output {
    run_in(package_root(), args, &[])
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited, not killed")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

/// The output of a run that must have worked (exit 0 or 1).
fn ran(output: &Output) -> String {
    assert!(
        matches!(code(output), 0 | 1),
        "exit {}: {}",
        code(output),
        stderr(output)
    );
    stdout(output)
}

/// Where a finding points, as every format can say it: rule, file, 1-based line and column
/// (columns in characters; `byte_column` in UTF-8 bytes, as reviewdog counts).
#[derive(Debug, Clone, PartialEq, Eq)]
struct At {
    rule: String,
    file: String,
    line: u64,
    column: u64,
}

/// The 1-based UTF-8 byte column of 1-based character `column` on `line` of `root/file`.
fn byte_column(root: &Path, at: &At) -> u64 {
    let text = std::fs::read_to_string(root.join(&at.file)).expect("the file is readable");
    let line = text
        .lines()
        .nth(at.line as usize - 1)
        .expect("the line exists");
    let offset = line
        .char_indices()
        .nth(at.column as usize - 1)
        .map_or(line.len(), |(byte, _)| byte);
    offset as u64 + 1
}

/// The text between two byte offsets of `root/file`.
fn slice(root: &Path, file: &str, start: u64, end: u64) -> String {
    let bytes = std::fs::read(root.join(file)).expect("the file is readable");
    String::from_utf8(bytes[start as usize..end as usize].to_vec()).expect("a UTF-8 slice")
}

/// The example service copied into a fresh directory, its path dependency pointing back at
/// the real macros crate, so a test can edit it.
fn service_copy() -> (tempfile::TempDir, PathBuf) {
    let temp = tempfile::tempdir().expect("a temporary directory");
    let dir = temp.path().join("service");
    copy_dir(&package_root().join("examples/service"), &dir);
    let manifest = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).expect("Cargo.toml");
    let macros = package_root().join("macros").display().to_string();
    let text = text.replace("\"../../macros\"", &format!("{macros:?}"));
    std::fs::write(&manifest, text).expect("Cargo.toml written");
    (temp, dir)
}

/// A workspace of many packages: every fixture meant to be valid Rust (each its own workspace
/// in the repository) copied as a member of one workspace under the test target directory,
/// with no dependencies (the analyzer never builds, so the annotations crate is not needed).
/// Built once per test binary; returns its root.
fn fixtures_workspace() -> &'static Path {
    static ROOT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    ROOT.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fixtures-workspace");
        let _ = std::fs::remove_dir_all(&root);
        let fixtures = package_root().join("fixtures");
        let mut members: Vec<String> = std::fs::read_dir(&fixtures)
            .expect("fixtures/")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| fixtures.join(name).join("Cargo.toml").is_file())
            .filter(|name| !["invalid_key_fires", "parse_error_fires"].contains(&name.as_str()))
            .collect();
        members.sort();
        for name in &members {
            copy_dir(
                &fixtures.join(name).join("src"),
                &root.join(name).join("src"),
            );
            std::fs::write(
                root.join(name).join("Cargo.toml"),
                format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
            )
            .expect("a manifest");
        }
        let list: Vec<String> = members.iter().map(|m| format!("{m:?}")).collect();
        std::fs::write(
            root.join("Cargo.toml"),
            format!(
                "[workspace]\nmembers = [{}]\nresolver = \"2\"\n",
                list.join(", ")
            ),
        )
        .expect("the workspace manifest");
        root
    })
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a directory");
    for entry in std::fs::read_dir(from).expect("a readable directory") {
        let entry = entry.expect("an entry");
        let target = to.join(entry.file_name());
        if entry.file_name() == "target" {
            continue;
        }
        if entry.file_type().expect("a file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("a copy");
        }
    }
}
