//! `"rust-analyzer.check.command": "cachelint"`: every flag set rust-analyzer passes is
//! accepted and changes nothing, and the stream reads as rust-analyzer reads it
//! (`cargo_metadata::Message`, rustc `Diagnostic`s, the package each message belongs to).

use cachelint_analyzer::rules::REGISTRY;
use cargo_metadata::diagnostic::{Diagnostic, DiagnosticLevel};
use cargo_metadata::{Message, MetadataCommand};
use serde_json::Value;

use super::{
    SERVICE_MANIFEST, code, fixtures_workspace, package_root, ran, run, slice, stderr, stdout,
};

/// What rust-analyzer runs: `cargo cachelint` + scope + `--message-format` + manifest +
/// `--keep-going` + its cargo options + the user's extra arguments.
const BASE: &[&str] = &[
    "--workspace",
    "--message-format=json",
    "--manifest-path",
    SERVICE_MANIFEST,
    "--keep-going",
    "--all-targets",
];

#[test]
fn every_rust_analyzer_flag_set_gives_the_plain_runs_findings() {
    let plain = run(&["--message-format=json", "--manifest-path", SERVICE_MANIFEST]);
    let expected = ran(&plain);
    assert_eq!(code(&plain), 1);
    let package_id = MetadataCommand::new()
        .manifest_path(package_root().join(SERVICE_MANIFEST))
        .no_deps()
        .exec()
        .expect("cargo metadata")
        .packages[0]
        .id
        .repr
        .clone();
    let variants: Vec<Vec<&str>> = vec![
        vec![],
        // `check.allTargets` without `cfg(test)`.
        vec!["--lib", "--bins", "--examples"],
        vec!["--lib", "--bins", "--tests", "--examples", "--benches"],
        vec!["--target", "x86_64-unknown-linux-gnu"],
        vec![
            "--target",
            "x86_64-unknown-linux-gnu",
            "--target",
            "aarch64-apple-darwin",
        ],
        vec!["--features", "a,b"],
        // rust-analyzer joins `check.features` with spaces.
        vec!["--features", "a b"],
        vec!["--all-features"],
        vec!["--no-default-features", "--features", "a"],
        vec!["--target-dir", "/tmp/x"],
        vec!["--target-dir", "target/rust-analyzer"],
        // VS Code asks for ANSI colors in `rendered`; the user's extra args may repeat flags.
        vec!["--message-format=json-diagnostic-rendered-ansi"],
        vec!["--all-targets", "--message-format", "json"],
        // `check.workspace = false`: one package, by package id, and one target.
        vec!["-p", &package_id],
        vec!["-p", &package_id, "--bin", "service"],
        vec!["-p", "example-service", "--example", "demo"],
        vec!["-p", "example-service@0.0.0", "--test", "it"],
        vec!["-p", "example-service", "--bench", "hot"],
        vec!["--locked", "--offline", "--frozen", "-j", "2", "--release"],
    ];
    for extra in variants {
        let mut args = BASE.to_vec();
        args.extend(&extra);
        let output = run(&args);
        assert_eq!(code(&output), 1, "{extra:?}: {}", stderr(&output));
        // `json-diagnostic-rendered-ansi` colors `rendered`, and changes nothing else.
        let colored = extra.contains(&"--message-format=json-diagnostic-rendered-ansi");
        assert_eq!(
            stdout(&output).contains("\\u001b["),
            colored,
            "{extra:?}: colors in `rendered` only when asked for"
        );
        let text = without_ansi(&stdout(&output));
        assert_eq!(text, expected, "{extra:?} changed the findings");
    }
}

/// A JSON stream with the ANSI style sequences of its strings (`\u001b[…m`) removed.
fn without_ansi(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let mut rest = json;
    while let Some(at) = rest.find("\\u001b[") {
        out.push_str(&rest[..at]);
        let after = &rest[at + "\\u001b[".len()..];
        let end = after.find('m').map_or(after.len(), |m| m + 1);
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn the_stream_reads_as_rust_analyzer_reads_it() {
    let mut args = BASE.to_vec();
    args.push("--message-format=json-diagnostic-rendered-ansi");
    let text = ran(&run(&args));
    let root = package_root().join("examples/service");
    let metadata = MetadataCommand::new()
        .manifest_path(root.join("Cargo.toml"))
        .no_deps()
        .exec()
        .expect("cargo metadata");
    let package = &metadata.packages[0];
    let messages: Vec<Message> = Message::parse_stream(text.as_bytes())
        .collect::<Result<_, _>>()
        .expect("reading from a slice cannot fail");
    assert_eq!(messages.len(), text.lines().count());
    let Some(Message::BuildFinished(finished)) = messages.last() else {
        panic!("the stream must end with build-finished:\n{text}");
    };
    assert!(!finished.success, "deny-level findings fail the build");
    let mut rules = Vec::new();
    for (message, line) in messages.iter().zip(text.lines()).take(messages.len() - 1) {
        let Message::CompilerMessage(message) = message else {
            panic!("only compiler messages before build-finished: {line}");
        };
        // The real package, as `cargo check` would name it.
        let value: Value = serde_json::from_str(line).expect("a JSON line");
        assert_eq!(message.package_id, package.id);
        assert_eq!(value["manifest_path"], package.manifest_path.as_str());
        assert_eq!(message.target.name, "example_service");
        assert_eq!(message.target.kind, [cargo_metadata::TargetKind::Lib]);
        assert_eq!(message.target.src_path, root.join("src/lib.rs"));
        assert_eq!(message.target.edition, cargo_metadata::Edition::E2021);
        // rust-analyzer deserializes `message` as a rustc diagnostic.
        let diagnostic: Diagnostic =
            serde_json::from_value(value["message"].clone()).expect("a rustc diagnostic");
        let code = diagnostic.code.as_ref().expect("a code").code.clone();
        let rule = code
            .strip_prefix("cachelint::")
            .unwrap_or_else(|| panic!("code `{code}` is not cachelint::RULE"));
        assert!(REGISTRY.iter().any(|r| r.name == rule), "{rule}");
        assert!(matches!(
            diagnostic.level,
            DiagnosticLevel::Error | DiagnosticLevel::Warning
        ));
        let primary = diagnostic.spans.iter().filter(|s| s.is_primary).count();
        assert_eq!(primary, 1, "exactly one primary span: {line}");
        assert!(
            diagnostic.spans[0].is_primary,
            "the primary span comes first"
        );
        check_spans(&root, &diagnostic);
        for child in &diagnostic.children {
            check_spans(&root, child);
        }
        // VS Code asked for ANSI colors: `rendered` is the colored `human` diagnostic.
        let rendered = diagnostic.rendered.as_deref().unwrap_or_default();
        assert!(rendered.contains('\u{1b}'), "{rendered}");
        let plain = serde_json::to_string(rendered).expect("a string");
        let plain: String = serde_json::from_str(&without_ansi(&plain)).expect("a string");
        assert!(plain.starts_with(&format!("{}[{code}]", diagnostic.level_str())));
        assert!(
            plain.contains(&format!(
                "= help: for further information run `cargo cachelint explain {rule}`"
            )),
            "{plain}"
        );
        rules.push((rule.to_owned(), diagnostic));
    }
    let names: Vec<&str> = rules.iter().map(|(rule, _)| rule.as_str()).collect();
    assert_eq!(
        names,
        [
            "uncovered_read",
            "version_skew",
            "mistyped_invalidation",
            "stale_dependent"
        ]
    );
    // The "did you mean" is a quick fix: a help child whose span carries the replacement.
    let (_, dead) = &rules[2];
    let fixes: Vec<_> = dead
        .children
        .iter()
        .flat_map(|child| &child.spans)
        .filter(|span| span.suggested_replacement.is_some())
        .collect();
    assert_eq!(fixes.len(), 1, "{dead:?}");
    assert_eq!(
        fixes[0].suggested_replacement.as_deref(),
        Some("\"team:<tid>:members\"")
    );
    assert_eq!(fixes[0].file_name, dead.spans[0].file_name);
    assert_eq!(
        slice(
            &root,
            &fixes[0].file_name,
            fixes[0].byte_start.into(),
            fixes[0].byte_end.into()
        ),
        "\"team:<tid>:membrs\""
    );
}

/// Every span is relative to the workspace root (rust-analyzer joins it to the root), has its
/// source lines, and its offsets, lines, columns and text agree with the file.
fn check_spans(root: &std::path::Path, diagnostic: &Diagnostic) {
    for span in &diagnostic.spans {
        let file = &span.file_name;
        assert!(!file.starts_with('/') && !file.contains('\\'), "{file}");
        assert!(
            root.join(file).is_file(),
            "{file} is not under the workspace root"
        );
        assert!(!span.text.is_empty(), "a span without text in {file}");
        let covered = slice(root, file, span.byte_start.into(), span.byte_end.into());
        let source = std::fs::read_to_string(root.join(file)).expect("readable");
        let line = source.lines().nth(span.line_start - 1).expect("the line");
        assert_eq!(span.text[0].text, line);
        let highlighted: String = line
            .chars()
            .skip(span.column_start - 1)
            .take(span.column_end - span.column_start)
            .collect();
        assert_eq!(highlighted, covered, "{file}:{}", span.line_start);
        assert_eq!(
            (span.text[0].highlight_start, span.text[0].highlight_end),
            (span.column_start, span.column_end)
        );
    }
}

/// rustc's spelling of a diagnostic's level.
trait LevelStr {
    fn level_str(&self) -> &'static str;
}

impl LevelStr for Diagnostic {
    fn level_str(&self) -> &'static str {
        match self.level {
            DiagnosticLevel::Error => "error",
            DiagnosticLevel::Warning => "warning",
            _ => "other",
        }
    }
}

#[test]
fn each_message_names_the_package_that_holds_its_file() {
    let workspace = fixtures_workspace().join("Cargo.toml");
    let manifest = workspace.to_str().expect("a UTF-8 path");
    let metadata = MetadataCommand::new()
        .manifest_path(manifest)
        .no_deps()
        .exec()
        .expect("cargo metadata");
    let root = metadata.workspace_root.as_std_path();
    let owner = |file: &str| {
        metadata
            .workspace_packages()
            .into_iter()
            .find(|p| {
                let dir = p.manifest_path.parent().expect("a directory");
                root.join(file).starts_with(dir.as_std_path())
            })
            .unwrap_or_else(|| panic!("no package holds {file}"))
    };
    let text = ran(&run(&[
        "--workspace",
        "--message-format=json",
        "--manifest-path",
        manifest,
    ]));
    let mut seen = std::collections::BTreeSet::new();
    for line in text.lines() {
        let Ok(Message::CompilerMessage(message)) = serde_json::from_str(line) else {
            continue;
        };
        let value: Value = serde_json::from_str(line).expect("a JSON line");
        let file = &message.message.spans[0].file_name;
        let package = owner(file);
        assert_eq!(message.package_id, package.id, "{file}");
        assert_eq!(
            value["manifest_path"],
            package.manifest_path.as_str(),
            "{file}"
        );
        let lib = package
            .targets
            .iter()
            .find(|t| t.kind.contains(&cargo_metadata::TargetKind::Lib))
            .expect("a lib");
        assert_eq!(message.target.name, lib.name);
        assert_eq!(message.target.src_path, lib.src_path);
        seen.insert(package.name.to_string());
    }
    assert!(seen.len() > 10, "findings from many packages: {seen:?}");

    // Checking one package, as rust-analyzer does with `check.workspace = false`.
    // (In one workspace keys are shared: a sibling's write can cover another fixture's read,
    // so an entry-based finding is the one sure to stay.)
    let package = owner("stale_dependent_fires/src/lib.rs");
    assert!(seen.contains("stale_dependent_fires"), "{seen:?}");
    let one = ran(&run(&[
        "-p",
        &package.id.repr,
        "--message-format=json",
        "--manifest-path",
        manifest,
        "--keep-going",
    ]));
    let messages: Vec<Message> = Message::parse_stream(one.as_bytes())
        .collect::<Result<_, _>>()
        .expect("a stream");
    assert!(messages.len() > 1);
    for message in &messages[..messages.len() - 1] {
        let Message::CompilerMessage(message) = message else {
            panic!("{message:?}");
        };
        assert_eq!(message.package_id, package.id);
        assert!(
            message.message.spans[0]
                .file_name
                .starts_with("stale_dependent_fires/")
        );
    }
}

#[test]
fn an_unknown_package_spec_exits_2_with_one_line() {
    let output = run(&[
        "-p",
        "path+file:///nowhere#example-service@0.0.0",
        "--message-format=json",
        "--manifest-path",
        SERVICE_MANIFEST,
    ]);
    assert_eq!(code(&output), 2);
    assert!(stdout(&output).is_empty());
    let err = stderr(&output);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("did not match any packages; the workspace members are `example-service`"),
        "{err}"
    );
}

/// `--message-format json` on PATHs: a finding in a package's directory is filed under that
/// real package, as `cargo check` would file it; one in no package claims none (rustc's own
/// JSON line, which rust-analyzer reads as a diagnostic of no package).
#[test]
fn json_on_paths_names_the_real_package_or_none() {
    let text = ran(&run(&["--message-format=json", "examples/service"]));
    let metadata = MetadataCommand::new()
        .manifest_path(package_root().join(SERVICE_MANIFEST))
        .no_deps()
        .exec()
        .expect("cargo metadata");
    let package = &metadata.packages[0];
    let messages: Vec<Message> = Message::parse_stream(text.as_bytes())
        .collect::<Result<_, _>>()
        .expect("a stream");
    assert_eq!(messages.len(), 5, "{text}");
    for (message, line) in messages[..4].iter().zip(text.lines()) {
        let Message::CompilerMessage(message) = message else {
            panic!("{message:?}");
        };
        assert_eq!(message.package_id, package.id);
        let value: Value = serde_json::from_str(line).expect("a JSON line");
        assert_eq!(value["manifest_path"], package.manifest_path.as_str());
        assert_eq!(message.target.name, "example_service");
        // Paths stay relative to where the run started.
        assert!(
            message.message.spans[0]
                .file_name
                .starts_with("examples/service/src/")
        );
    }

    let temp = tempfile::tempdir().expect("a temporary directory");
    let source = package_root().join("fixtures/dead_invalidation_fires/src/lib.rs");
    std::fs::copy(source, temp.path().join("lib.rs")).expect("copied");
    let loose = ran(&run(&[
        "--message-format=json",
        temp.path().to_str().expect("UTF-8"),
    ]));
    assert!(!loose.contains("package_id"), "{loose}");
    let messages: Vec<Message> = Message::parse_stream(loose.as_bytes())
        .collect::<Result<_, _>>()
        .expect("a stream");
    // The fixture's five findings, then build-finished.
    assert_eq!(messages.len(), 6, "{loose}");
    assert!(matches!(messages.last(), Some(Message::BuildFinished(_))));
    for line in loose.lines().take(5) {
        let diagnostic: Diagnostic = serde_json::from_str(line).expect("a rustc diagnostic");
        assert_eq!(
            diagnostic.code.expect("a code").code,
            "cachelint::dead_invalidation"
        );
    }
}
