//! What each format's consumer needs: cargo_metadata parses the json stream, the SARIF log
//! validates against the schema and suits GitHub, workflow commands escape, reviewdog counts
//! bytes.

use serde_json::Value;

use super::fixture;
use super::{plain, rendered};
use crate::report::{Format, RenderOptions};
use crate::rules::REGISTRY;

#[test]
fn json_parses_as_cargo_messages_and_rustc_diagnostics() {
    use cargo_metadata::Message;
    use cargo_metadata::diagnostic::{Diagnostic, DiagnosticLevel};

    let package = crate::package::PackageInfo {
        id: "path+file:///work/svc#0.1.0".to_owned(),
        manifest_path: "/work/svc/Cargo.toml".to_owned(),
        dir: String::new(),
        target_name: "svc".to_owned(),
        target_kind: "lib".to_owned(),
        src_path: "/work/svc/src/lib.rs".to_owned(),
        edition: "2021".to_owned(),
    };
    let options = RenderOptions {
        packages: vec![package],
        ..RenderOptions::default()
    };
    let analysis = fixture::analysis();
    let text = rendered(Format::Json, &analysis, &options);
    let messages: Vec<Message> = Message::parse_stream(text.as_bytes())
        .collect::<Result<_, _>>()
        .expect("reading from a slice cannot fail");
    assert_eq!(messages.len(), analysis.findings.len() + 1);
    for (message, finding) in messages.iter().zip(&analysis.findings) {
        let Message::CompilerMessage(message) = message else {
            panic!("not a compiler message: {message:?}");
        };
        assert_eq!(message.package_id.repr, "path+file:///work/svc#0.1.0");
        let diagnostic = &message.message;
        let code = diagnostic.code.as_ref().map(|code| code.code.as_str());
        assert_eq!(code, Some(format!("cachelint::{}", finding.rule).as_str()));
        assert_eq!(diagnostic.spans.len(), finding.related.len() + 1);
        let primary: Vec<_> = diagnostic
            .spans
            .iter()
            .filter(|span| span.is_primary)
            .collect();
        assert_eq!(primary.len(), 1);
        assert_eq!(primary[0].file_name, finding.primary.location.file);
        assert_eq!(primary[0].byte_start, finding.primary.location.byte_start);
        // The whole diagnosis, as `human` renders it (the parse_error's file text is unknown:
        // its position alone, without a snippet).
        let rendered = diagnostic.rendered.as_deref().unwrap_or_default();
        assert!(rendered.contains("--> "), "{rendered}");
        assert!(
            rendered.contains(&format!("explain {}`", finding.rule)),
            "{rendered}"
        );
        if let Some(help) = &finding.help {
            assert!(rendered.contains(&format!("= help: {help}")), "{rendered}");
        }
        if let Some(fix) = &finding.suggestion {
            assert!(
                rendered.contains(&format!("help: {}", fix.message)),
                "{rendered}"
            );
            assert!(
                rendered.contains(&format!("+ #[writes({})]", fix.replacement)),
                "{rendered}"
            );
        }
    }
    let Some(Message::BuildFinished(finished)) = messages.last() else {
        panic!("the stream does not end with build-finished");
    };
    assert!(!finished.success);

    for line in text.lines().take(analysis.findings.len()) {
        let value: Value = serde_json::from_str(line).expect("each line is JSON");
        let diagnostic: Diagnostic =
            serde_json::from_value(value["message"].clone()).expect("a rustc diagnostic");
        assert!(matches!(
            diagnostic.level,
            DiagnosticLevel::Error | DiagnosticLevel::Warning
        ));
    }
    let suggestion = text.lines().nth(2).expect("the dead_invalidation line");
    let value: Value = serde_json::from_str(suggestion).expect("JSON");
    let fix = &value["message"]["children"][0]["spans"][0];
    assert_eq!(fix["suggested_replacement"], "\"café:<id>:menü\"");
    assert_eq!(fix["suggestion_applicability"], "MaybeIncorrect");

    // In no package: rustc's own diagnostic lines, claiming no package; cargo_metadata reads
    // them as text, rust-analyzer as diagnostics of no package.
    let bare = plain(Format::Json);
    let messages: Vec<Message> = Message::parse_stream(bare.as_bytes())
        .collect::<Result<_, _>>()
        .expect("reading from a slice cannot fail");
    assert_eq!(messages.len(), analysis.findings.len() + 1);
    for (message, line) in messages
        .iter()
        .zip(bare.lines())
        .take(analysis.findings.len())
    {
        assert!(matches!(message, Message::TextLine(_)), "{message:?}");
        let diagnostic: Diagnostic = serde_json::from_str(line).expect("a rustc diagnostic");
        assert!(diagnostic.code.is_some());
    }
    assert!(!bare.contains("package_id"), "{bare}");
}

pub(super) fn validate_sarif(log: &Value) {
    let errors = sarif_schema_violations(log);
    assert!(
        errors.is_empty(),
        "SARIF schema violations:\n{}",
        errors.join("\n")
    );
}

fn sarif_schema_violations(log: &Value) -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/assets/sarif-schema-2.1.0.json"
    );
    let schema = std::fs::read_to_string(path).expect("the SARIF schema is in tests/assets");
    let schema: Value = serde_json::from_str(&schema).expect("the schema is JSON");
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles");
    validator
        .iter_errors(log)
        .map(|error| format!("{} at {}", error, error.instance_path))
        .collect()
}

#[test]
fn sarif_is_valid_and_fit_for_github_code_scanning() {
    let log: Value = serde_json::from_str(&plain(Format::Sarif)).expect("SARIF is JSON");
    validate_sarif(&log);
    // The validator does reject what the schema forbids.
    let mut broken = log.clone();
    let region = &mut broken["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"];
    region["startLine"] = 0.into();
    broken["runs"][0]["columnKind"] = "bytes".into();
    assert_eq!(sarif_schema_violations(&broken).len(), 2);
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), REGISTRY.len());
    for rule in rules {
        for field in ["shortDescription", "fullDescription", "help"] {
            let text = rule[field]["text"].as_str().unwrap_or_default();
            assert!(
                !text.trim().is_empty(),
                "{} has an empty {field}",
                rule["id"]
            );
        }
    }
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), fixture::analysis().findings.len());
    for result in results {
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert!(
            !result["message"]["text"]
                .as_str()
                .unwrap_or_default()
                .is_empty()
        );
        assert!(
            !result["partialFingerprints"]["cachelint/v1"]
                .as_str()
                .unwrap_or_default()
                .is_empty()
        );
        let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str();
        let uri = uri.expect("a uri");
        assert!(uri.starts_with("src/") && !uri.contains('\\'), "{uri}");
    }
    let read = &results[1]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (&read["startColumn"], &read["endColumn"]),
        (&21.into(), &37.into())
    );
    assert_eq!(read["snippet"]["text"], "\"café:<id>:menü\"");
}

#[test]
fn sarif_records_the_workspace_root_as_a_file_uri() {
    let options = RenderOptions {
        workspace_root: Some("/work/my service".into()),
        ..RenderOptions::default()
    };
    let log: Value = serde_json::from_str(&rendered(Format::Sarif, &fixture::analysis(), &options))
        .expect("SARIF is JSON");
    validate_sarif(&log);
    let root = &log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"];
    assert_eq!(root, "file:///work/my%20service/");
}

#[test]
fn github_escapes_data_and_properties() {
    use crate::report::github::{escape_data, escape_property};

    assert_eq!(
        escape_data("100% done\r\nnext: a, b"),
        "100%25 done%0D%0Anext: a, b"
    );
    assert_eq!(escape_property("src/a,b.rs:1%\n"), "src/a%2Cb.rs%3A1%25%0A");
    let text = plain(Format::Github);
    let uncovered = text.lines().nth(1).expect("the uncovered_read line");
    assert!(uncovered.starts_with(
        "::error file=src/menu.rs,line=4,col=21,endLine=4,endColumn=37,\
         title=cachelint%3A%3Auncovered_read::read key"
    ));
    assert!(uncovered.contains("%0Anote: 100%25 of reads may be stale: key, ttl"));
    assert_eq!(text.lines().count(), 4, "one line per finding");
}

#[test]
fn rdjsonl_counts_columns_in_utf8_bytes() {
    let text = plain(Format::Rdjsonl);
    let uncovered: Value = serde_json::from_str(text.lines().nth(1).expect("line")).expect("JSON");
    let range = &uncovered["location"]["range"];
    // `/* größe */ #[reads(` is 20 characters and 22 bytes; the literal 16 characters, 18 bytes.
    assert_eq!(
        range["start"],
        serde_json::json!({ "line": 4, "column": 23 })
    );
    assert_eq!(range["end"], serde_json::json!({ "line": 4, "column": 41 }));
    assert_eq!(uncovered["severity"], "ERROR");
    assert_eq!(uncovered["code"]["value"], "uncovered_read");
    let dead: Value = serde_json::from_str(text.lines().nth(2).expect("line")).expect("JSON");
    assert_eq!(dead["suggestions"][0]["text"], "\"café:<id>:menü\"");
}
