//! Every format rendered from one handmade analysis, snapshotted and checked against what its
//! consumer (cargo_metadata, the SARIF schema, GitHub, reviewdog) expects.

mod fixture;

use std::time::Duration;

use serde_json::Value;

use super::{Format, RenderOptions, render, source_lines};
use crate::Analysis;
use crate::rules::REGISTRY;

fn rendered(format: Format, analysis: &Analysis, options: &RenderOptions) -> String {
    let mut out = Vec::new();
    render(format, analysis, options, &mut out).expect("rendering into a Vec cannot fail");
    String::from_utf8(out).expect("every format writes UTF-8")
}

fn plain(format: Format) -> String {
    rendered(format, &fixture::analysis(), &RenderOptions::default())
}

#[test]
fn human() {
    insta::assert_snapshot!(plain(Format::Human));
}

#[test]
fn short() {
    insta::assert_snapshot!(plain(Format::Short));
}

#[test]
fn json() {
    insta::assert_snapshot!(plain(Format::Json));
}

#[test]
fn sarif() {
    insta::assert_snapshot!(plain(Format::Sarif));
}

#[test]
fn github() {
    insta::assert_snapshot!(plain(Format::Github));
}

#[test]
fn gitlab() {
    insta::assert_snapshot!(plain(Format::Gitlab));
}

#[test]
fn rdjsonl() {
    insta::assert_snapshot!(plain(Format::Rdjsonl));
}

#[test]
fn human_summary_counts_baseline_and_time() {
    let mut analysis = fixture::analysis();
    analysis
        .findings
        .retain(|finding| finding.rule == "dead_invalidation");
    analysis.stats.baselined = 4;
    analysis.stats.elapsed = Duration::from_millis(1234);
    let options = RenderOptions {
        show_elapsed: true,
        ..RenderOptions::default()
    };
    let text = rendered(Format::Human, &analysis, &options);
    let summary = text.lines().last().unwrap_or_default();
    assert_eq!(
        summary,
        "cachelint: 0 errors, 1 warning (4 hidden by baseline) in 3 files \
         (4 functions, 2 read keys, 2 write keys) in 1.23s"
    );
}

#[test]
fn human_in_color_uses_ansi_and_says_the_same() {
    let options = RenderOptions {
        color: true,
        ..RenderOptions::default()
    };
    let colored = rendered(Format::Human, &fixture::analysis(), &options);
    assert!(colored.contains("\u{1b}["));
    assert!(colored.contains("cachelint::stale_dependent"));
}

#[test]
fn every_format_renders_an_empty_analysis() {
    let empty = Analysis::default();
    let options = RenderOptions::default();
    let render = |format| rendered(format, &empty, &options);
    assert_eq!(render(Format::Short), "");
    assert_eq!(render(Format::Github), "");
    assert_eq!(render(Format::Rdjsonl), "");
    assert_eq!(render(Format::Gitlab), "[]\n");
    assert_eq!(
        render(Format::Json),
        "{\"reason\":\"build-finished\",\"success\":true}\n"
    );
    assert_eq!(
        render(Format::Human),
        "cachelint: 0 errors, 0 warnings in 0 files (0 functions, 0 read keys, 0 write keys)\n"
    );
    validate_sarif(&serde_json::from_str(&render(Format::Sarif)).expect("SARIF is JSON"));
}

#[test]
fn json_parses_as_cargo_messages_and_rustc_diagnostics() {
    use cargo_metadata::Message;
    use cargo_metadata::diagnostic::{Diagnostic, DiagnosticLevel};

    let text = plain(Format::Json);
    let messages: Vec<Message> = Message::parse_stream(text.as_bytes())
        .collect::<Result<_, _>>()
        .expect("reading from a slice cannot fail");
    let analysis = fixture::analysis();
    assert_eq!(messages.len(), analysis.findings.len() + 1);
    for (message, finding) in messages.iter().zip(&analysis.findings) {
        let Message::CompilerMessage(message) = message else {
            panic!("not a compiler message: {message:?}");
        };
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
        assert!(
            diagnostic
                .rendered
                .as_deref()
                .unwrap_or_default()
                .contains(" --> ")
        );
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
}

fn validate_sarif(log: &Value) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/schemas/sarif-schema-2.1.0.json"
    );
    let schema = std::fs::read_to_string(path).expect("the SARIF schema is in ../shared/schemas");
    let schema: Value = serde_json::from_str(&schema).expect("the schema is JSON");
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|error| format!("{} at {}", error, error.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF schema violations:\n{}",
        errors.join("\n")
    );
}

#[test]
fn sarif_is_valid_and_fit_for_github_code_scanning() {
    let log: Value = serde_json::from_str(&plain(Format::Sarif)).expect("SARIF is JSON");
    validate_sarif(&log);
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
    use super::github::{escape_data, escape_property};

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

#[test]
fn source_lines_cover_multi_line_spans_in_characters() {
    let analysis = fixture::analysis();
    let body = &analysis.findings[3].related[1].location;
    let lines = source_lines(&analysis, body);
    let texts: Vec<_> = lines.iter().map(|line| line.text).collect();
    assert_eq!(
        texts,
        ["pub fn update_user(id: u64) {", "    update_menu(id);", "}"]
    );
    let highlights: Vec<_> = lines
        .iter()
        .map(|l| (l.highlight_start, l.highlight_end))
        .collect();
    assert_eq!(highlights, [(29, 30), (1, 21), (1, 2)]);
    let read = &analysis.findings[1].primary.location;
    let line = &source_lines(&analysis, read)[0];
    assert_eq!((line.highlight_start, line.highlight_end), (21, 37));
    assert!(source_lines(&analysis, &analysis.findings[0].primary.location).is_empty());
}

#[test]
fn rendering_is_deterministic() {
    for format in [Format::Human, Format::Json, Format::Sarif, Format::Gitlab] {
        assert_eq!(plain(format), plain(format));
    }
}
