//! Every format rendered from one handmade analysis, snapshotted and checked against what its
//! consumer (cargo_metadata, the SARIF schema, GitHub, reviewdog) expects.

mod consumers;
mod fixture;

use std::time::Duration;

use serde_json::Value;

use super::{Format, RenderOptions, render, source_lines};
use crate::Analysis;

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
    // The rules' texts belong to the rules and are checked by the schema test; only their ids
    // are snapshotted here, so editing a rule's docs does not churn this snapshot.
    let mut log: Value = serde_json::from_str(&plain(Format::Sarif)).expect("SARIF is JSON");
    let rules = &mut log["runs"][0]["tool"]["driver"]["rules"];
    let ids: Vec<Value> = rules
        .as_array()
        .into_iter()
        .flatten()
        .map(|rule| rule["id"].clone())
        .collect();
    *rules = Value::Array(ids);
    let text = serde_json::to_string_pretty(&log).expect("a Value serializes");
    insta::assert_snapshot!(text);
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
    consumers::validate_sarif(
        &serde_json::from_str(&render(Format::Sarif)).expect("SARIF is JSON"),
    );
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

#[test]
fn odd_spans_render_without_panicking() {
    let mut analysis = fixture::analysis();
    let text = "fn a() {}\n\tlet tab = \"é\";\r\nlast line without newline";
    analysis
        .sources
        .insert("src/odd.rs".to_owned(), text.to_owned());
    analysis
        .sources
        .insert("src/empty.rs".to_owned(), String::new());
    let template = analysis.findings[1].clone();
    let at = |file: &str, start: usize, end: usize| {
        let mut location = fixture::locate(file, text, "fn a");
        (location.file, location.byte_start, location.byte_end) =
            (file.to_owned(), start as u32, end as u32);
        location
    };
    let cases = [
        at("src/odd.rs", text.len(), text.len()),
        at("src/odd.rs", 0, text.len()),
        at("src/odd.rs", 11, 14),
        at("src/odd.rs", 24, 25),
        at("src/odd.rs", 5, 500),
        at("src/empty.rs", 0, 0),
        at("src/missing.rs", 3, 1),
    ];
    analysis.findings = cases
        .iter()
        .map(|location| {
            let mut finding = template.clone();
            finding.primary.location = location.clone();
            finding.related[0].location = location.clone();
            finding
        })
        .collect();
    for format in [
        Format::Human,
        Format::Json,
        Format::Sarif,
        Format::Rdjsonl,
        Format::Github,
    ] {
        let text = rendered(format, &analysis, &RenderOptions::default());
        assert!(!text.is_empty());
    }
    let human = rendered(Format::Human, &analysis, &RenderOptions::default());
    assert!(
        human.contains(" --> src/odd.rs:2:14\n"),
        "columns count characters, tabs too"
    );
    assert!(human.contains("--> src/missing.rs:1:1\n"), "{human}");
    assert!(human.contains("= note: read here, no ttl\n"), "{human}");
    let sarif: Value = serde_json::from_str(&rendered(
        Format::Sarif,
        &analysis,
        &RenderOptions::default(),
    ))
    .expect("SARIF is JSON");
    consumers::validate_sarif(&sarif);
}

#[test]
fn format_names_match_the_message_format_flag() {
    use clap::ValueEnum;

    let names: Vec<String> = Format::value_variants()
        .iter()
        .filter_map(|format| format.to_possible_value())
        .map(|value| value.get_name().to_owned())
        .collect();
    let spec = [
        "human", "short", "json", "sarif", "github", "gitlab", "rdjsonl",
    ];
    assert_eq!(names, spec);
}
