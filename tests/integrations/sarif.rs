//! `--message-format sarif` for GitHub code scanning: valid against the SARIF 2.1.0 schema,
//! every rule described, URIs relative to `%SRCROOT%`, regions that cover the right text,
//! stable fingerprints and related locations.

use std::collections::BTreeSet;
use std::path::Path;

use cachelint_analyzer::rules::REGISTRY;
use serde_json::Value;

use super::{SERVICE_MANIFEST, package_root, ran, run, slice};

fn schema_violations(log: &Value) -> Vec<String> {
    let path = package_root().join("tests/assets/sarif-schema-2.1.0.json");
    let schema = std::fs::read_to_string(path).expect("the SARIF schema is in tests/assets");
    let schema: Value = serde_json::from_str(&schema).expect("the schema is JSON");
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles");
    validator
        .iter_errors(log)
        .map(|error| format!("{error} at {}", error.instance_path))
        .collect()
}

#[test]
fn sarif_for_the_example_service_is_valid_and_complete() {
    // As in CI: from the workspace root, and on a PATH from the repository root.
    check(
        &["--manifest-path", SERVICE_MANIFEST],
        &package_root().join("examples/service"),
    );
    check(&["examples/service"], package_root());
}

fn check(target: &[&str], root: &Path) {
    let mut args = vec!["--message-format", "sarif"];
    args.extend(target);
    let log: Value = serde_json::from_str(&ran(&run(&args))).expect("SARIF is JSON");
    let violations = schema_violations(&log);
    assert!(violations.is_empty(), "{}", violations.join("\n"));
    // The validator is not vacuous: it rejects what the schema forbids.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    assert_eq!(schema_violations(&broken).len(), 1);

    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    let registry: Vec<&str> = REGISTRY.iter().map(|r| r.name).collect();
    assert_eq!(ids, registry, "every rule, in the registry's order");
    for (rule, info) in rules.iter().zip(REGISTRY) {
        for field in ["shortDescription", "fullDescription", "help"] {
            let text = rule[field]["text"].as_str().unwrap_or_default();
            assert!(!text.trim().is_empty(), "{} has no {field}", info.name);
        }
        let level = rule["defaultConfiguration"]["level"].as_str();
        assert!(matches!(level, Some("error" | "warning")), "{level:?}");
    }
    let base = &run["originalUriBaseIds"]["%SRCROOT%"]["uri"];
    let expected_base = format!("file://{}/", root.canonicalize().expect("a root").display());
    assert_eq!(
        base.as_str(),
        Some(expected_base.replace(' ', "%20").as_str())
    );

    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 4);
    let mut fingerprints = BTreeSet::new();
    for result in results {
        let index = result["ruleIndex"].as_u64().expect("a ruleIndex") as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert!(matches!(
            result["level"].as_str(),
            Some("error" | "warning")
        ));
        assert!(
            !result["message"]["text"]
                .as_str()
                .unwrap_or_default()
                .is_empty()
        );
        let fingerprint = result["partialFingerprints"]["cachelint/v1"]
            .as_str()
            .expect("a partial fingerprint");
        assert!(fingerprint.len() == 16 && fingerprint.chars().all(|c| c.is_ascii_hexdigit()));
        assert!(
            fingerprints.insert(fingerprint.to_owned()),
            "fingerprints are unique"
        );
        let locations = result["locations"].as_array().expect("locations");
        assert_eq!(locations.len(), 1);
        check_location(root, &locations[0]["physicalLocation"]);
        let related = result["relatedLocations"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let ids: BTreeSet<u64> = related.iter().filter_map(|r| r["id"].as_u64()).collect();
        assert_eq!(ids.len(), related.len(), "related location ids are unique");
        for location in &related {
            assert!(
                !location["message"]["text"]
                    .as_str()
                    .unwrap_or_default()
                    .is_empty()
            );
            check_location(root, &location["physicalLocation"]);
        }
    }
    let related = |i: usize| {
        results[i]["relatedLocations"]
            .as_array()
            .map_or(0, Vec::len)
    };
    assert_eq!(
        (related(0), related(1), related(2), related(3)),
        (0, 1, 1, 3)
    );
    let fix = &results[2]["fixes"][0]["artifactChanges"][0];
    assert_eq!(results[2]["ruleId"], "mistyped_invalidation");
    assert_eq!(
        fix["replacements"][0]["insertedContent"]["text"],
        "\"team:<tid>:members\""
    );
    check_artifact(root, &fix["artifactLocation"]);
}

/// A relative URI under `%SRCROOT%`, and a region whose lines, columns, offsets and snippet
/// all describe the same text of that file.
fn check_location(root: &Path, physical: &Value) {
    let file = check_artifact(root, &physical["artifactLocation"]);
    let region = &physical["region"];
    let number = |key: &str| {
        region[key]
            .as_u64()
            .unwrap_or_else(|| panic!("{key}: {region}"))
    };
    let (line, column) = (number("startLine"), number("startColumn"));
    assert!(line >= 1 && column >= 1);
    assert_eq!(
        number("endLine"),
        line,
        "every cachelint span is on one line"
    );
    let (offset, length) = (number("byteOffset"), number("byteLength"));
    let covered = slice(root, &file, offset, offset + length);
    assert_eq!(region["snippet"]["text"], covered.as_str());
    let source = std::fs::read_to_string(root.join(&file)).expect("readable");
    let text: String = source
        .lines()
        .nth(line as usize - 1)
        .expect("the line")
        .chars()
        .skip(column as usize - 1)
        .take((number("endColumn") - column) as usize)
        .collect();
    assert_eq!(text, covered, "{file}:{line}:{column}");
}

fn check_artifact(root: &Path, artifact: &Value) -> String {
    let uri = artifact["uri"].as_str().expect("a uri");
    assert_eq!(artifact["uriBaseId"], "%SRCROOT%");
    assert!(
        !uri.contains("://") && !uri.starts_with('/') && !uri.contains('\\') && !uri.contains(".."),
        "{uri} is not relative"
    );
    assert!(
        root.join(uri).is_file(),
        "{uri} is not under {}",
        root.display()
    );
    uri.to_owned()
}

/// GitHub's documented fields (see `src/report/sarif.rs`): the tool's `informationUri` and
/// `semanticVersion`; each rule's `name`, `helpUri` and `help.markdown`; each result's
/// `primaryLocationLineHash`, and its related locations linked from the message text.
#[test]
fn sarif_has_the_fields_github_code_scanning_documents() {
    let log: Value = serde_json::from_str(&ran(&run(&[
        "--message-format",
        "sarif",
        "--manifest-path",
        SERVICE_MANIFEST,
    ])))
    .expect("SARIF is JSON");
    let driver = &log["runs"][0]["tool"]["driver"];
    let information = driver["informationUri"].as_str().expect("informationUri");
    assert!(information.starts_with("https://"), "{information}");
    assert_eq!(driver["semanticVersion"], env!("CARGO_PKG_VERSION"));
    let rules = driver["rules"].as_array().expect("rules");
    for (rule, info) in rules.iter().zip(REGISTRY) {
        let name = rule["name"].as_str().expect("a name");
        assert_eq!(name.to_lowercase(), info.name.replace('_', ""), "{name}");
        assert!(name.starts_with(|c: char| c.is_ascii_uppercase()), "{name}");
        let help_uri = rule["helpUri"].as_str().expect("a helpUri");
        assert!(
            help_uri.starts_with(information)
                && help_uri.ends_with(&format!("/src/rules/docs/{}.md", info.name)),
            "{help_uri}"
        );
        assert!(
            package_root()
                .join(format!("src/rules/docs/{}.md", info.name))
                .is_file()
        );
        assert_eq!(rule["help"]["markdown"], info.docs, "{}", info.name);
        for field in ["shortDescription", "fullDescription"] {
            let text = rule[field]["text"].as_str().unwrap_or_default();
            assert!(text.chars().count() <= 1024, "{}: {field}", info.name);
        }
    }
    for result in log["runs"][0]["results"].as_array().expect("results") {
        let ours = result["partialFingerprints"]["cachelint/v1"]
            .as_str()
            .expect("cachelint/v1");
        assert_eq!(
            result["partialFingerprints"]["primaryLocationLineHash"],
            format!("{ours}:1")
        );
        let text = result["message"]["text"].as_str().expect("a message");
        for related in result["relatedLocations"].as_array().into_iter().flatten() {
            let id = related["id"].as_u64().expect("an id");
            let label = related["message"]["text"].as_str().expect("a label");
            let label = label.replace('[', "\\[").replace(']', "\\]");
            assert!(text.contains(&format!("[{label}]({id})")), "{text}");
        }
    }
}

/// GitHub matches alerts across runs by `primaryLocationLineHash`: lines added above the
/// findings move them, and change neither that nor cachelint's own fingerprint.
#[test]
fn sarif_fingerprints_do_not_depend_on_lines() {
    let (_keep, dir) = super::service_copy();
    let manifest = dir.join("Cargo.toml");
    let manifest = manifest.to_str().expect("UTF-8");
    let fingerprints = || -> Vec<(String, String, u64)> {
        let log: Value = serde_json::from_str(&ran(&run(&[
            "--message-format",
            "sarif",
            "--manifest-path",
            manifest,
        ])))
        .expect("SARIF is JSON");
        log["runs"][0]["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| {
                let region = &r["locations"][0]["physicalLocation"]["region"];
                (
                    r["partialFingerprints"]["primaryLocationLineHash"]
                        .as_str()
                        .expect("a hash")
                        .to_owned(),
                    r["partialFingerprints"]["cachelint/v1"]
                        .as_str()
                        .expect("ours")
                        .to_owned(),
                    region["startLine"].as_u64().expect("a line"),
                )
            })
            .collect()
    };
    let before = fingerprints();
    for file in ["src/users.rs", "src/teams.rs", "src/orders.rs"] {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path).expect("readable");
        std::fs::write(&path, format!("// moved\n// down\n\n{text}")).expect("written");
    }
    let after = fingerprints();
    assert_eq!(before.len(), 4);
    let hashes = |all: &[(String, String, u64)]| -> Vec<(String, String)> {
        all.iter().map(|(a, b, _)| (a.clone(), b.clone())).collect()
    };
    assert_eq!(hashes(&before), hashes(&after));
    for ((_, _, old), (_, _, new)) in before.iter().zip(&after) {
        assert_eq!(old + 3, *new, "the findings moved down");
    }
}
