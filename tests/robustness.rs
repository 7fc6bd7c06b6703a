//! Robustness (SPEC §10): hostile input never panics, hangs or aborts and the rest of the run
//! goes on; positions are exact on CRLF, BOM and multi-byte lines; bad invocations fail with
//! one clear line and write nothing; output is deterministic; and property tests throw
//! arbitrary text and tokens at extraction and the annotation parser.
//!
//! Every input is generated into a temporary directory. The binary is run as a subprocess,
//! so a stack overflow (which aborts the process, it does not panic) fails the test.

use cachelint_analyzer::analyze::{self, Options, Target};
use cachelint_analyzer::locate::{FileText, Locator};
use cachelint_core::AnnotationKind;
use cachelint_core::key::KeyPattern;
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestRunner};
use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long one run may take before it counts as a hang (a debug build, a loaded machine:
/// the 25 MB file takes about a minute and a half with `--all-files`).
const HANG: Duration = Duration::from_secs(900);

/// Runs `cargo-cachelint ARGS` in `dir`, colors off, rayon's default thread count. A run
/// that does not finish within [`HANG`] is killed and fails the test.
fn cachelint_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-cachelint"));
    command
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CARGO_TERM_COLOR")
        .env_remove("RAYON_NUM_THREADS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("the binary runs");
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("piped")));
    let err = drain(Box::new(child.stderr.take().expect("piped")));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waits") {
            break status;
        }
        if started.elapsed() > HANG {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "`cargo-cachelint {}` hung (killed after {HANG:?})",
                args.join(" ")
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().expect("stdout read"),
        stderr: err.join().expect("stderr read"),
    }
}

fn cachelint(dir: &Path, args: &[&str]) -> Output {
    cachelint_in(dir, args, &[])
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The run finished (exit 0 or 1) without a panic or a stack overflow.
fn assert_survived(output: &Output, what: &str) {
    let err = stderr(output);
    assert!(
        !err.contains("panicked") && !err.contains("overflow") && !err.contains("RUST_BACKTRACE"),
        "{what}: {err}"
    );
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{what}: exit {:?}\n{err}",
        output.status
    );
}

/// The lines of a `short` run that name `file` (`file:line:col: level[rule]: message`).
fn lines_about<'a>(short: &'a str, file: &str) -> Vec<&'a str> {
    let prefix = format!("{file}:");
    short.lines().filter(|l| l.starts_with(&prefix)).collect()
}

fn write(dir: &Path, rel: &str, bytes: impl AsRef<[u8]>) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("create the directory");
    std::fs::write(path, bytes).expect("write the file");
}

/// A small deterministic generator for "random" bytes.
fn pseudo_random_bytes(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect()
}

const NESTING: usize = 20_000;

/// One annotated function `name` reading `name:<id>`: its finding proves the file was read.
fn annotated(name: &str) -> String {
    format!("#[reads(\"{name}:<id>\")]\npub fn {name}() {{}}\n")
}

/// Builds the hostile tree: every kind of file §10 names, next to ordinary annotated files.
/// Returns what each file must produce in `short` output: `(file, expected line fragments)`,
/// an empty list meaning "no finding".
fn hostile_tree(root: &Path, outside: &Path) -> Vec<(&'static str, Vec<String>)> {
    let mut expect: Vec<(&'static str, Vec<String>)> = Vec::new();
    let uncovered = |line: u32, col: u32, key: &str| {
        format!(":{line}:{col}: error[uncovered_read]: `{key}:<id>` read by")
    };
    write(root, "src/lib.rs", annotated("sibling"));
    expect.push(("src/lib.rs", vec![uncovered(1, 9, "sibling")]));
    write(root, "src/zzz_last.rs", annotated("last"));
    expect.push(("src/zzz_last.rs", vec![uncovered(1, 9, "last")]));

    write(root, "src/empty.rs", "");
    expect.push(("src/empty.rs", vec![]));

    write(root, "src/bom.rs", format!("\u{feff}{}", annotated("bom")));
    expect.push(("src/bom.rs", vec![uncovered(1, 9, "bom")]));

    let crlf = format!("// crlf\r\n{}", annotated("crlf").replace('\n', "\r\n"));
    write(root, "src/crlf.rs", crlf);
    expect.push(("src/crlf.rs", vec![uncovered(2, 9, "crlf")]));

    let mut latin1 = b"// caf\xe9\n".to_vec();
    latin1.extend(annotated("latin").as_bytes());
    write(root, "src/latin1.rs", latin1);
    let not_utf8 = ":1:7: warning[parse_error]: `src/latin1.rs` is not valid UTF-8 (byte 6)";
    expect.push(("src/latin1.rs", vec![not_utf8.to_string()]));

    let deep = ": warning[parse_error]: nested more than 1024 levels deep";
    // The same annotated read above code nested far past the walkers' bound, three ways.
    let deep_bodies = [
        (
            "parens",
            "src/parens.rs",
            format!(
                "pub fn parens_body() {{ let x = {}1{}; }}",
                "(".repeat(NESTING),
                ")".repeat(NESTING)
            ),
        ),
        (
            "blocks",
            "src/blocks.rs",
            format!(
                "pub fn blocks_body() {}{}",
                "{".repeat(NESTING),
                "}".repeat(NESTING)
            ),
        ),
        (
            "modules",
            "src/modules.rs",
            format!("{}{}", "mod m { ".repeat(NESTING), "}".repeat(NESTING)),
        ),
    ];
    for (name, rel, body) in deep_bodies {
        write(root, rel, format!("{}{body}\n", annotated(name)));
        expect.push((rel, vec![uncovered(1, 9, name), deep.into()]));
    }

    // A directory named like a file, holding an annotated file.
    write(root, "src/dir.rs/inner.rs", annotated("inner"));
    expect.push(("src/dir.rs/inner.rs", vec![uncovered(1, 9, "inner")]));

    // Binary: NULs and control bytes that are valid UTF-8, and bytes that are not.
    let mut binary: Vec<u8> = (0u8..128).cycle().take(4096).collect();
    binary.extend(annotated("binary").as_bytes());
    write(root, "src/binary_utf8.rs", binary);
    let unparsable = ": warning[parse_error]: cannot parse this file";
    expect.push(("src/binary_utf8.rs", vec![unparsable.to_string()]));
    let mut random = pseudo_random_bytes(4096, 0x5eed);
    random.extend(b"\0\0#[reads(\"random\")] fn random() {}");
    write(root, "src/binary_random.rs", random);
    let random_not_utf8 = ": warning[parse_error]: `src/binary_random.rs` is not valid UTF-8";
    expect.push(("src/binary_random.rs", vec![random_not_utf8.to_string()]));

    #[cfg(unix)]
    unix_hostiles(root, outside, &mut expect);
    expect
}

#[cfg(unix)]
fn unix_hostiles(root: &Path, outside: &Path, expect: &mut Vec<(&'static str, Vec<String>)>) {
    use std::os::unix::fs::{PermissionsExt, symlink};
    let cannot_read = |what: &str| format!(":1:1: warning[parse_error]: cannot read `{what}");
    // A directory symlink to its parent: a loop.
    symlink("..", root.join("src/loop")).expect("symlink");
    expect.push((
        "src/loop",
        vec![format!("{}: symlink loop", cannot_read("src/loop`"))],
    ));
    symlink("nowhere.rs", root.join("src/dangling.rs")).expect("symlink");
    expect.push(("src/dangling.rs", vec![cannot_read("src/dangling.rs`")]));
    // A file name that is a symlink to a directory: walked as the directory.
    write(root, "elsewhere/linked.rs", annotated("linked"));
    symlink("../elsewhere", root.join("src/link.rs")).expect("symlink");
    let linked = ":1:9: error[uncovered_read]: `linked:<id>` read by".to_string();
    expect.push(("src/link.rs/linked.rs", vec![linked]));
    // Links out of the analyzed tree are reported, not followed: on an untrusted pull
    // request they could point anywhere the CI user can read.
    write(outside, "secret.rs", annotated("secret"));
    symlink(outside, root.join("src/escape")).expect("symlink");
    symlink(outside.join("secret.rs"), root.join("src/escape.rs")).expect("symlink");
    let escapes = ", outside the analyzed tree: not followed".to_string();
    let escape_dir = cannot_read("src/escape`: symlink to `");
    expect.push(("src/escape", vec![escape_dir, escapes.clone()]));
    let escape_file = cannot_read("src/escape.rs`: symlink to `");
    expect.push(("src/escape.rs", vec![escape_file, escapes]));
    // Unreadable: mode 000 stops everyone but root, so the file is either analyzed or
    // reported, whoever runs the tests.
    write(root, "src/mode000.rs", annotated("mode"));
    let path = root.join("src/mode000.rs");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    expect.push(("src/mode000.rs", vec![]));
    // Unreadable even by root: a FIFO (reading it would block forever) and a file whose
    // read fails with EIO.
    let fifo = root.join("src/fifo.rs");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        let message = format!("{}: not a regular file", cannot_read("src/fifo.rs`"));
        expect.push(("src/fifo.rs", vec![message]));
    }
    if Path::new("/proc/self/mem").exists() {
        symlink("/proc/self/mem", root.join("src/mem.rs")).expect("symlink");
        expect.push(("src/mem.rs", vec![cannot_read("src/mem.rs`")]));
    }
}

#[test]
fn hostile_files_are_reported_and_the_rest_is_analyzed() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let outside = tempfile::tempdir().expect("a second temporary directory");
    let expect = hostile_tree(dir.path(), outside.path());
    for all_files in [false, true] {
        let mut args = vec!["check", "--message-format", "short", "."];
        if all_files {
            args.push("--all-files");
        }
        let output = cachelint(dir.path(), &args);
        assert_survived(&output, &format!("{args:?}"));
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        let text = stdout(&output);
        assert!(
            !text.contains("secret:<id>"),
            "a link out of the tree was followed"
        );
        for (file, fragments) in &expect {
            let lines = lines_about(&text, file);
            if *file == "src/mode000.rs" {
                let analyzed = lines.iter().any(|l| l.contains("`mode:<id>`"));
                let reported = lines.iter().any(|l| l.contains("Permission denied"));
                assert!(analyzed || reported, "{file}: {lines:?}\n{text}");
                continue;
            }
            if fragments.is_empty() {
                assert!(lines.is_empty(), "{file} {args:?}: {lines:?}");
            }
            for fragment in fragments {
                assert!(
                    lines.iter().any(|l| l.contains(fragment.as_str())),
                    "{file} {args:?}: no line with {fragment:?} in\n{text}"
                );
            }
        }
    }
}

#[test]
fn deeply_nested_code_of_every_shape_is_survived() {
    let n = NESTING;
    let shapes: Vec<(&str, String)> = vec![
        (
            "calls",
            format!("fn f() {{ {}x{}; }}", "g(".repeat(n), ")".repeat(n)),
        ),
        (
            "macros",
            format!("fn f() {{ {}x{}; }}", "m!(".repeat(n), ")".repeat(n)),
        ),
        (
            "wrappers",
            format!("fn f() {{ {}x{}; }}", "Arc::new(".repeat(n), ")".repeat(n)),
        ),
        ("closures", format!("fn f() {{ {}1; }}", "|| ".repeat(n))),
        (
            "method_chain",
            format!("fn f() {{ x{}; }}", ".a()".repeat(n)),
        ),
        (
            "let_chain",
            format!("fn f() {{ let y = x{}; y.b(); }}", ".a()?".repeat(n)),
        ),
        (
            "field_chain",
            format!("fn f() {{ x{}.m(); }}", ".a".repeat(n)),
        ),
        ("index", format!("fn f() {{ x{}; }}", "[0]".repeat(n))),
        ("unary", format!("fn f() {{ {}1; }}", "-".repeat(n))),
        (
            "references",
            format!("fn f() {{ {}x.m(); }}", "&".repeat(n)),
        ),
        ("sum", format!("fn f() {{ 1{}; }}", " + 1".repeat(n))),
        (
            "comparisons",
            format!("fn f() {{ a{}; }}", " < b".repeat(n)),
        ),
        ("turbofish", format!("fn f() {{ {}; }}", "a::<b".repeat(n))),
        (
            "qualified",
            format!("fn f() {{ {}T{}::f(); }}", "<".repeat(n), ">".repeat(n)),
        ),
        (
            "else_if",
            format!("fn f() {{ {}{{}} }}", "if a {} else ".repeat(n)),
        ),
        (
            "nested_fns",
            format!("{}{}", "fn f() { ".repeat(n), "}".repeat(n)),
        ),
        (
            "fn_mods",
            format!("{}{}", "fn f() { mod m { ".repeat(n), "} }".repeat(n)),
        ),
        (
            "param_generics",
            format!("fn f(x: {}u8{}) {{}}", "Vec<".repeat(n), ">".repeat(n)),
        ),
        (
            "param_parens",
            format!("fn f(x: {}u8{}) {{}}", "(".repeat(n), ")".repeat(n)),
        ),
        ("param_refs", format!("fn f(x: {}u8) {{}}", "&".repeat(n))),
        (
            "return_type",
            format!("fn f() -> {}u8{} {{}}", "Option<".repeat(n), ">".repeat(n)),
        ),
        (
            "let_type",
            format!(
                "fn f() {{ let x: {}u8{} = y; }}",
                "A<".repeat(n),
                ">".repeat(n)
            ),
        ),
        (
            "impl_header",
            format!(
                "impl {}u8{} {{ fn f() {{}} }}",
                "A<".repeat(n),
                ">".repeat(n)
            ),
        ),
        (
            "struct_field",
            format!("struct S {{ a: {}u8{} }}", "A<".repeat(n), ">".repeat(n)),
        ),
        (
            "type_alias",
            format!("type T = {}u8{};", "A<".repeat(n), ">".repeat(n)),
        ),
        (
            "use_tree",
            format!("use {}b{};", "a::{".repeat(n), "}".repeat(n)),
        ),
        (
            "const_value",
            format!("const K: &str = {}\"k\"{};", "(".repeat(n), ")".repeat(n)),
        ),
        (
            "attribute",
            format!("#[reads({}{})] fn f() {{}}", "(".repeat(n), ")".repeat(n)),
        ),
        (
            "depends_on",
            format!(
                "#[reads(\"k\", depends_on = {}{})] fn f() {{}}",
                "[".repeat(n),
                "]".repeat(n)
            ),
        ),
        (
            "block_comment",
            format!("{}{}", "/*".repeat(n), "*/".repeat(n)),
        ),
    ];
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (name, code) in &shapes {
        // Each file's own annotated function comes first: it must still be reported.
        write(dir.path(), &format!("{name}.rs"), annotated(name) + code);
    }
    for all_files in [false, true] {
        let mut args = vec!["check", "--message-format", "short", "."];
        if all_files {
            args.push("--all-files");
        }
        let output = cachelint(dir.path(), &args);
        assert_survived(&output, &format!("{args:?}"));
        let text = stdout(&output);
        for (name, _) in &shapes {
            let found = format!("{name}.rs:1:9: error[uncovered_read]: `{name}:<id>`");
            assert!(text.contains(&found), "{name} {args:?}:\n{text}");
        }
    }
}

#[test]
fn a_25_mb_file_is_analyzed_to_the_end() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut text = annotated("first");
    let mut i = 0;
    while text.len() < 25_000_000 {
        text.push_str(&format!("pub fn f{i}(x: u32) -> u32 {{ g(x) + {i} }}\n"));
        i += 1;
    }
    let last_line = text.lines().count() + 1;
    text.push_str(&annotated("last"));
    write(dir.path(), "big.rs", text);
    for all_files in [false, true] {
        let mut args = vec!["check", "--message-format", "short", "big.rs"];
        if all_files {
            args.push("--all-files");
        }
        let output = cachelint(dir.path(), &args);
        assert_survived(&output, &format!("{args:?}"));
        let lines: Vec<String> = stdout(&output).lines().map(str::to_owned).collect();
        assert_eq!(
            lines
                .iter()
                .map(|l| l.split(": error").next().unwrap_or_default())
                .collect::<Vec<_>>(),
            ["big.rs:1:9".to_string(), format!("big.rs:{last_line}:9")],
            "{args:?}"
        );
    }
}

/// Findings' locations from the library, for files written into a fresh directory.
fn locations(files: &[(&str, &[u8])]) -> Vec<(String, cachelint_analyzer::Location)> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (name, bytes) in files {
        write(dir.path(), name, bytes);
    }
    let target = Target {
        paths: vec![dir.path().to_path_buf()],
        ..Target::default()
    };
    let (analysis, _, _) = analyze::analyze(&target, &Options::default()).expect("analyzes");
    analysis
        .findings
        .iter()
        .map(|f| (f.rule.to_string(), f.primary.location.clone()))
        .collect()
}

/// `(line, column, byte_start, byte_end, byte_column_start)` of the finding in `file`.
fn position_in(found: &[(String, cachelint_analyzer::Location)], file: &str) -> [u32; 5] {
    let (_, at) = found
        .iter()
        .find(|(_, at)| at.file.ends_with(&format!("/{file}")))
        .unwrap_or_else(|| panic!("no finding in {file}: {found:#?}"));
    [
        at.line_start,
        at.column_start,
        at.byte_start,
        at.byte_end,
        at.byte_column_start,
    ]
}

#[test]
fn positions_count_like_rustc_on_crlf_bom_and_multibyte_lines() {
    let found = locations(&[
        // `"bom:<id>"` starts after the 3-byte mark and 8 characters: column 9, byte 11.
        (
            "bom.rs",
            "\u{feff}#[reads(\"bom:<id>\")] pub fn bom() {}\n".as_bytes(),
        ),
        // On line 3 of a CRLF file (it starts at byte 16), after `é` (2 bytes).
        (
            "crlf.rs",
            "// one\r\n// two\r\n/* é */ #[reads(\"crlf:<id>\")]\r\npub fn crlf() {}\r\n"
                .as_bytes(),
        ),
        // `é🦀中文` are 4 characters and 2 + 4 + 3 + 3 = 12 bytes.
        (
            "multibyte.rs",
            "// x\n/* é🦀中文 */ #[reads(\"mb:<id>\")] pub fn mb() {}\n".as_bytes(),
        ),
        // A BOM and the key on line 1 of a CRLF file.
        (
            "bom_crlf.rs",
            "\u{feff}/*é*/#[reads(\"bc:<id>\")]\r\npub fn bc() {}\r\n".as_bytes(),
        ),
    ]);
    assert_eq!(position_in(&found, "bom.rs"), [1, 9, 11, 21, 9]);
    assert_eq!(
        position_in(&found, "crlf.rs"),
        [3, 17, 16 + 17, 16 + 17 + 11, 18]
    );
    assert_eq!(
        position_in(&found, "multibyte.rs"),
        [2, 20, 5 + 27, 5 + 27 + 9, 28]
    );
    assert_eq!(
        position_in(&found, "bom_crlf.rs"),
        [1, 14, 3 + 14, 3 + 14 + 9, 15]
    );
}

#[test]
fn positions_in_json_output_match_the_bytes() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let text = "\u{feff}// é🦀\r\n/* 中文 */ #[reads(\"pos:<id>\")]\r\npub fn pos() {}\r\n";
    write(dir.path(), "src/pos.rs", text);
    let output = cachelint(dir.path(), &["check", "--message-format", "json", "."]);
    assert_survived(&output, "json");
    let out = stdout(&output);
    // The directory is no cargo package: the finding is rustc's own JSON line.
    let diagnostic: serde_json::Value = out
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON lines"))
        .find(|v| v["$message_type"] == "diagnostic")
        .expect("one finding");
    let span = &diagnostic["spans"][0];
    let start = text.find("\"pos").expect("the key");
    assert_eq!(span["file_name"], "src/pos.rs");
    assert_eq!(span["line_start"], 2);
    assert_eq!(span["column_start"], 18, "1-based, in characters");
    assert_eq!(
        span["byte_start"], start,
        "an offset in the file, BOM included"
    );
    assert_eq!(span["byte_end"], start + "\"pos:<id>\"".len());
    assert_eq!(&text[start..start + 10], "\"pos:<id>\"");
}

#[test]
fn a_position_past_a_bom_never_indexes_outside_the_text() {
    // Positions as the tokenizer gives them, some beyond their line: clamped, never a panic.
    let files = [FileText {
        rel: "a.rs".into(),
        text: Arc::from("\u{feff}é\r\n🦀"),
    }];
    let locator = Locator::new(&files);
    for line in 0..4 {
        for column in 0..6 {
            let at = cachelint_analyzer::facts::Pos { line, column };
            let span = cachelint_analyzer::facts::SrcSpan {
                file: 0,
                start: at,
                end: at,
            };
            let location = locator.location(span);
            assert!(location.byte_start as usize <= files[0].text.len());
            assert!(files[0].text.is_char_boundary(location.byte_start as usize));
        }
    }
}

/// The one line of stderr, which must start with `error: ` and mention `needle`.
fn assert_fails_with(output: &Output, needle: &str) {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert_eq!(stdout(output), "", "nothing on stdout");
    let first = err.lines().next().unwrap_or_default();
    assert!(first.starts_with("error: "), "{err}");
    assert!(first.contains(needle), "`{needle}` not in: {err}");
}

/// The same, and nothing else on stderr.
fn assert_one_line(output: &Output, needle: &str) {
    assert_fails_with(output, needle);
    let err = stderr(output);
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
}

#[test]
fn bad_invocations_exit_2_with_a_clear_reason() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let root = dir.path();
    write(root, "src/lib.rs", annotated("k"));
    for command in ["check", "map", "graph"] {
        let output = cachelint(root, &[command, "no/such/path"]);
        assert_one_line(&output, "path `no/such/path` does not exist");
    }
    // clap's own errors: the reason on the first line (clap may add a usage hint below).
    let cases: [(&[&str], &str); 4] = [
        (&["check", "--message-format", "xml", "."], "xml"),
        (&["check", "--color", "sometimes", "."], "sometimes"),
        (&["graph", "--format", "xml", "."], "xml"),
        (&["check", "--no-such-flag"], "--no-such-flag"),
    ];
    for (args, needle) in cases {
        assert_fails_with(&cachelint(root, args), needle);
    }
    let output = cachelint(root, &["check", "-D", "nope", "."]);
    assert_one_line(&output, "-D nope: unknown rule");
    let output = cachelint(root, &["check", "-W", "uncoverd_read", "."]);
    assert_one_line(&output, "did you mean `uncovered_read`?");
}

#[test]
fn config_errors_name_the_file_line_and_column() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let root = dir.path();
    write(root, "src/lib.rs", annotated("k"));
    let cases: [(&[u8], &str); 6] = [
        (
            b"max_staleness = \"1s\"\nseperator = \":\"\n",
            "cachelint.toml:2:1: unknown key `seperator` (did you mean `separator`?)",
        ),
        (b"[lints\nx = 1\n", "cachelint.toml:1:7: "),
        (
            b"max_staleness = 5\n",
            "cachelint.toml:1:17: `max_staleness` must be a string",
        ),
        (
            b"[lints]\nuncoverd_read = \"deny\"\n",
            "cachelint.toml:2:1: unknown rule",
        ),
        (
            b"[lints]\nuncovered_read = \"loud\"\n",
            "cachelint.toml:2:18: ",
        ),
        (
            b"separator = \":\"\n# caf\xe9\n",
            "cachelint.toml:2:6: not valid UTF-8",
        ),
    ];
    for (config, needle) in cases {
        write(root, "cachelint.toml", config);
        assert_one_line(&cachelint(root, &["check", "."]), needle);
    }
    std::fs::remove_file(root.join("cachelint.toml")).expect("remove");
    std::fs::create_dir(root.join("cachelint.toml")).expect("a directory in its place");
    assert_one_line(
        &cachelint(root, &["check", "."]),
        "cachelint.toml: cannot read",
    );
    let output = cachelint(root, &["check", "--config-file", "missing.toml", "src"]);
    assert_one_line(&output, "missing.toml: cannot read");
}

/// Every entry of `dir`, recursively, as relative paths.
fn listing(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| {
            e.path()
                .strip_prefix(dir)
                .unwrap_or(e.path())
                .display()
                .to_string()
        })
        .collect();
    out.sort();
    out
}

#[test]
fn failed_writes_leave_nothing_behind() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let root = dir.path();
    write(root, "src/lib.rs", annotated("k"));
    std::fs::create_dir(root.join("a_directory")).expect("a directory");
    let before = listing(root);
    let cases: [&[&str]; 4] = [
        &[
            "check",
            "--write-baseline",
            "missing/dir/baseline.json",
            "src",
        ],
        &["check", "--write-baseline", "a_directory", "src"],
        &["map", "-o", "missing/dir/map.txt", "src"],
        &["map", "-o", "a_directory", "src"],
    ];
    for args in cases {
        let output = cachelint(root, args);
        assert_one_line(&output, "cannot write");
        assert_eq!(listing(root), before, "{args:?} left files behind");
    }
    // A run that cannot happen (bad config) leaves an existing baseline as it was.
    write(root, "baseline.json", "{\"version\":1,\"findings\":[]}\n");
    write(root, "cachelint.toml", "nope = 1\n");
    let output = cachelint(root, &["check", "--write-baseline", "baseline.json", "src"]);
    assert_one_line(&output, "unknown key `nope`");
    let kept = std::fs::read_to_string(root.join("baseline.json")).expect("still there");
    assert_eq!(kept, "{\"version\":1,\"findings\":[]}\n");
}

/// A tree of many files: reads and writes across files, events, short dependency chains, a
/// parse error, a key constant, calls between files.
fn many_files(root: &Path, count: usize) {
    write(
        root,
        "src/keys.rs",
        "pub const SHARED: &str = \"shared:<id>\";\n",
    );
    write(root, "src/broken.rs", "pub fn broken( {\n");
    for i in 0..count {
        // Chains of five keys: a dependency cycle over every file would make each write
        // leave every other key stale, a finding per pair.
        let next = if (i + 1) % 5 == 0 { i + 1 - 5 } else { i + 1 };
        let depends = if (i + 1) % 5 == 0 {
            String::new()
        } else {
            format!(", depends_on = [\"item{next}:<id>\"]")
        };
        let code = format!(
            "use crate::keys;\n\
             #[reads(\"item{i}:<id>\"{depends})]\n\
             pub fn read_{i}() {{ crate::m{next}::helper_{next}(); }}\n\
             #[writes(\"item{i}:<id>\")]\n\
             #[publishes(\"changed{i}\")]\n\
             pub fn write_{i}() {{ helper_{i}(); }}\n\
             #[subscribes(\"changed{next}\")]\n\
             #[writes(\"item{next}:<id>\", \"ghost{i}:<id>\")]\n\
             pub fn on_change_{i}() {{}}\n\
             #[reads(keys::SHARED, ttl = \"{i}s\")]\n\
             pub fn shared_{i}() {{}}\n\
             pub fn helper_{i}() {{ read_{i}(); }}\n",
        );
        write(root, &format!("src/m{i}.rs"), code);
    }
}

#[test]
fn output_is_byte_identical_across_runs_and_thread_counts() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    many_files(dir.path(), 200);
    let service = Path::new(env!("CARGO_MANIFEST_DIR"));
    let runs: [(&Path, &str); 2] = [(service, "examples/service"), (dir.path(), ".")];
    for (cwd, target) in runs {
        for format in ["short", "json", "sarif"] {
            let outputs: Vec<Vec<u8>> = ["1", "2", "1", "2"]
                .iter()
                .map(|threads| {
                    let args = ["check", "--message-format", format, target];
                    let output = cachelint_in(cwd, &args, &[("RAYON_NUM_THREADS", threads)]);
                    assert_survived(&output, format);
                    output.stdout
                })
                .collect();
            assert!(
                outputs[0].len() > 100,
                "{format} on {target}: too little output"
            );
            for output in &outputs[1..] {
                assert!(
                    *output == outputs[0],
                    "{format} on {target} differs between runs"
                );
            }
        }
        // Paths are relative and `/`-separated.
        let output = cachelint(cwd, &["check", "--message-format", "json", target]);
        for line in stdout(&output).lines() {
            let value: serde_json::Value = serde_json::from_str(line).expect("JSON");
            // A compiler message, or rustc's own line for a file in no package.
            let diagnostic = match value.get("reason") {
                Some(_) => &value["message"],
                None => &value,
            };
            for span in diagnostic["spans"].as_array().into_iter().flatten() {
                let name = span["file_name"].as_str().expect("a file name");
                assert!(!name.starts_with('/') && !name.contains('\\'), "{name}");
                assert!(!name.starts_with("./"), "{name}");
            }
        }
    }
}

/// Rust-looking fragments for token soups.
const SOUP: &[&str] = &[
    "fn",
    "f",
    "g",
    "x",
    "self",
    "Self",
    "impl",
    "trait",
    "mod",
    "struct",
    "enum",
    "use",
    "let",
    "const",
    "static",
    "pub",
    "async",
    "move",
    "match",
    "if",
    "else",
    "return",
    "where",
    "dyn",
    "crate",
    "super",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "<",
    ">",
    "::",
    ":",
    ";",
    ",",
    ".",
    "?",
    "&",
    "*",
    "-",
    "!",
    "=",
    "->",
    "=>",
    "|",
    "||",
    "#",
    "#!",
    "'a",
    "'",
    "\"",
    "\"k:<id>\"",
    "\"user:<id>:profile\"",
    "\"a::b\"",
    "\"*\"",
    "\"<\"",
    "#[reads(\"k:<id>\")]",
    "#[writes(\"k:<id>\")]",
    "#[reads(K)]",
    "#[publishes(\"e\")]",
    "#[subscribes(\"e\")]",
    "#[reads(\"k\", ttl = \"1s\", depends_on = [\"j\"], allow(uncovered_read))]",
    "reads",
    "writes",
    "ttl",
    "=",
    "depends_on",
    "allow",
    "1",
    "0x1f",
    "1.5e3",
    "b'x'",
    "r#\"raw\"#",
    "r#fn",
    "é",
    "🦀",
    "\u{feff}",
    "\r\n",
    "\n",
    "\t",
    "/*",
    "*/",
    "//",
    "/// doc",
    "\0",
    "Arc::new(",
    "x.y.z()",
    "<T as Tr>::f()",
    "macro_rules! m { () => {} }",
];

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            prop::sample::select(SOUP),
            prop::sample::select(vec!["", " ", "\n"]),
        ),
        0..80,
    )
    .prop_map(|parts| parts.into_iter().map(|(a, b)| format!("{a}{b}")).collect())
}

/// Runs a property test on a thread with the stack extraction is given in a run.
fn on_big_stack(test: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(256 * 1024 * 1024)
        .spawn(test)
        .expect("a thread")
        .join()
        .expect("the property holds");
}

/// Extraction of `text` never panics; every literal key it accepts round-trips; every span
/// it reports locates inside the text.
fn check_extraction(text: &str) -> Result<(), TestCaseError> {
    let module = vec!["crate".to_string(), "m".to_string()];
    let facts = cachelint_analyzer::extract::extract_file(0, text, module, ':');
    proc_macro2::extra::invalidate_current_thread_spans();
    let files = [FileText {
        rel: "m.rs".into(),
        text: Arc::from(text),
    }];
    let locator = Locator::new(&files);
    let mut spans = Vec::new();
    for function in &facts.functions {
        spans.push(function.name_span);
        for annotation in &function.annotations {
            spans.push(annotation.span);
            let keyed = matches!(
                annotation.kind,
                AnnotationKind::Reads | AnnotationKind::Writes
            );
            for key in annotation.keys.iter().chain(&annotation.depends_on) {
                spans.push(key.span);
                if let (true, cachelint_analyzer::facts::KeySource::Literal(literal)) =
                    (keyed, &key.source)
                {
                    let parsed = KeyPattern::parse(literal, ':');
                    prop_assert!(parsed.is_ok(), "accepted but invalid: {literal:?}");
                    let parsed = parsed.expect("checked");
                    prop_assert_eq!(parsed.to_string(), literal.as_str());
                }
            }
        }
        spans.extend(function.calls.iter().map(|c| c.span));
    }
    spans.extend(facts.problems.iter().map(|p| p.span));
    for span in spans {
        let at = locator.location(span);
        prop_assert!(at.byte_start <= at.byte_end && at.byte_end as usize <= text.len());
        prop_assert!(text.is_char_boundary(at.byte_start as usize));
        prop_assert!(at.line_start >= 1 && at.column_start >= 1);
    }
    Ok(())
}

#[test]
fn extraction_never_panics_on_arbitrary_text() {
    on_big_stack(|| {
        let mut runner = TestRunner::new(ProptestConfig::with_cases(512));
        let strategy = prop_oneof![any::<String>(), soup()];
        runner
            .run(&strategy, |text| check_extraction(&text))
            .expect("extraction survives arbitrary text");
    });
}

/// Annotation arguments: soups of tokens that often look like the real thing.
const ARGUMENT_SOUP: &[&str] = &[
    "\"k:<id>\"",
    "\"user:<id>:profile\"",
    "\"a:*\"",
    "\"*\"",
    "\"\"",
    "\"a b\"",
    "\"<>\"",
    "\"a:<id\"",
    "\"x::y\"",
    "\"e.v\"",
    "K",
    "keys::K",
    "crate::K",
    "::K",
    ",",
    ",,",
    "=",
    "ttl",
    "\"1s\"",
    "\"90m\"",
    "\"1x\"",
    "\"-1s\"",
    "depends_on",
    "[",
    "]",
    "[\"j:<id>\"]",
    "allow",
    "(",
    ")",
    "uncovered_read",
    "nope",
    "{",
    "}",
    "1",
    "-",
    "#",
    "b\"k\"",
    "'c'",
    "r\"k\"",
    "\"\\u{1F980}\"",
    "\"é\"",
    "🦀",
    "ttl = \"1s\"",
    "allow(uncovered_read)",
];

#[test]
fn annotation_arguments_never_panic() {
    on_big_stack(|| {
        let mut runner = TestRunner::new(ProptestConfig::with_cases(1024));
        let strategy = (
            prop::collection::vec(prop::sample::select(ARGUMENT_SOUP), 0..16),
            prop_oneof![Just(':'), Just('.'), Just('/')],
        );
        runner
            .run(&strategy, |(parts, sep)| {
                let Ok(tokens) = proc_macro2::TokenStream::from_str(&parts.join(" ")) else {
                    return Ok(());
                };
                for kind in [
                    AnnotationKind::Reads,
                    AnnotationKind::Writes,
                    AnnotationKind::Publishes,
                    AnnotationKind::Subscribes,
                ] {
                    let (annotation, errors) =
                        cachelint_core::parse_annotation(kind, tokens.clone(), sep);
                    let _ = errors.iter().map(ToString::to_string).count();
                    if kind.takes_events() {
                        continue;
                    }
                    let keys = annotation.keys.iter().chain(&annotation.depends_on);
                    for key in keys {
                        if let cachelint_core::KeyArgValue::Literal(text) = &key.value {
                            let parsed = KeyPattern::parse(text, sep);
                            prop_assert!(parsed.is_ok(), "accepted but invalid: {text:?}");
                            let round = parsed.expect("checked").to_string();
                            prop_assert_eq!(round, text.as_str());
                        }
                    }
                }
                Ok(())
            })
            .expect("the annotation parser survives arbitrary tokens");
        proc_macro2::extra::invalidate_current_thread_spans();
    });
}
