//! Call shapes of real service code (`fixtures/precision/<case>`), each a cargo workspace of
//! its own, analyzed through the semantic engine. `NN-*` and `rN-*` come from the shared cases;
//! `tN-*` are ours (renamed dependencies, constants evaluated across crates, function values). The line of every expected finding's primary
//! span carries `// expect: RULE` (`// expect: RULE, RULE` for two); every other line must
//! have none.

use cachelint_analyzer::Engine;
use cachelint_analyzer::analyze::{Options, Target, analyze};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/precision")
}

/// `(file relative to the case, line, rule)` of every `// expect:` comment.
fn expected(case: &Path) -> BTreeSet<(String, u32, String)> {
    let mut out = BTreeSet::new();
    for entry in walk(case) {
        let text = std::fs::read_to_string(&entry).unwrap();
        let rel = entry
            .strip_prefix(case)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        for (i, line) in text.lines().enumerate() {
            if let Some((_, rules)) = line.split_once("// expect:") {
                for rule in rules.split(',') {
                    out.insert((rel.clone(), i as u32 + 1, rule.trim().to_owned()));
                }
            }
        }
    }
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "target") {
                files.extend(walk(&path));
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

fn check(name: &str) {
    let case = root().join(name);
    let target = Target {
        paths: vec![case.clone()],
        ..Target::default()
    };
    let (analysis, _, ws) = analyze(&target, &Options::default())
        .unwrap_or_else(|e| panic!("cannot analyze {name}: {e}"));
    assert_eq!(
        analysis.stats.engine,
        Engine::Semantic,
        "{name} must be analyzed by the semantic engine"
    );
    let case_rel = cachelint_analyzer::discover::relative(&ws.root, &case);
    let prefix = format!("{case_rel}/");
    let found: BTreeSet<(String, u32, String)> = analysis
        .findings
        .iter()
        .map(|f| {
            let at = &f.primary.location;
            let file = at.file.strip_prefix(&prefix).unwrap_or(&at.file).to_owned();
            (
                file,
                at.line_start,
                f.rule.trim_start_matches("cachelint::").to_owned(),
            )
        })
        .collect();
    let want = expected(&case);
    let messages: Vec<String> = analysis
        .findings
        .iter()
        .map(|f| {
            format!(
                "{}:{} {}: {}",
                f.primary.location.file, f.primary.location.line_start, f.rule, f.message
            )
        })
        .collect();
    assert_eq!(found, want, "{name}: findings\n{}", messages.join("\n"));
}

macro_rules! cases {
    ($($test:ident => $dir:literal,)*) => {
        $(
            #[test]
            fn $test() {
                check($dir);
            }
        )*

        #[test]
        fn every_case_has_a_test() {
            let mut dirs: Vec<String> = std::fs::read_dir(root())
                .unwrap()
                .filter_map(|e| e.ok())
                .filter(|e| e.path().is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            dirs.sort();
            let mut listed = vec![$($dir.to_owned()),*];
            listed.sort();
            assert_eq!(dirs, listed);
        }
    };
}

cases! {
    deref_wrapper => "03-deref-wrapper",
    fn_as_value => "05-fn-as-value",
    block_shadow => "12-block-shadow",
    iter_closures => "15-iter-closures",
    binding_shadows_fn => "22-binding-shadows-fn",
    cfg_test_caller => "24-cfg-test-caller",
    const_keys => "39-const-keys",
    workspace_lib_name => "71-workspace-lib-name",
    axum_router => "80-axum-router",
    axum_extractors => "81-axum-extractors",
    annotated_trait_decl => "84-annotated-trait-decl",
    partial_dependent => "89-partial-dependent",
    generic_alias_field => "95-generic-alias-field",
    help_edits_shared_helper => "97-help-edits-shared-helper",
    result_alias => "r2-result-alias",
    macro_constructor => "r3-macro-constructor",
    renamed_dependency => "t1-renamed-dependency",
    const_eval => "t2-const-eval",
    fn_values => "t3-fn-values",
}
