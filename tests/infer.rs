//! Inference (SPEC §11) on realistic services, in both modes: each service under
//! `fixtures/infer/` as committed (annotated), and the same source with every annotation
//! blanked out (unannotated: every fact inferred from the Redis calls). Both must give the
//! findings `fixtures/infer/expected.toml` lists, and the same invalidation map.

use cachelint_analyzer::analyze::{Options, Target, analyze};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `(annotated, unannotated)` findings of a fixture, from `expected.toml`.
fn expected(name: &str) -> (Vec<String>, Vec<String>) {
    let text = std::fs::read_to_string(root().join("fixtures/infer/expected.toml"))
        .expect("fixtures/infer/expected.toml");
    let table: toml::Table = text.parse().expect("expected.toml parses");
    let entry = table
        .get(name)
        .and_then(|e| e.as_table())
        .unwrap_or_else(|| panic!("no [{name}] in expected.toml"));
    let list = |mode: &str| -> Vec<String> {
        entry[mode]
            .as_array()
            .expect("a list")
            .iter()
            .map(|v| v.as_str().expect("a string").to_owned())
            .collect()
    };
    (list("annotated"), list("unannotated"))
}

/// `src/lib.rs:12:9 rule` per finding, and the invalidation map.
fn run(dir: &Path) -> (Vec<String>, String) {
    let target = Target {
        paths: vec![dir.to_path_buf()],
        ..Target::default()
    };
    let (analysis, model, _) = analyze(&target, &Options::default())
        .unwrap_or_else(|e| panic!("cannot analyze {}: {e}", dir.display()));
    // Paths are relative to the current directory or absolute: what follows the fixture's
    // own folder is what the expectations name.
    let own = format!(
        "{}/",
        dir.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    );
    let findings = analysis
        .findings
        .iter()
        .map(|f| {
            let at = &f.primary.location;
            let file = at
                .file
                .rfind(&own)
                .map_or(at.file.as_str(), |i| &at.file[i + own.len()..]);
            format!("{file}:{}:{} {}", at.line_start, at.column_start, f.rule)
        })
        .collect();
    (findings, cachelint_analyzer::map::render(&model))
}

/// A copy of the fixture with each annotation line and the `use cachelint::…;` line blanked
/// (positions stay), its path dependency on the annotations crate made absolute.
fn strip(name: &str, into: &Path) -> PathBuf {
    let from = root().join("fixtures/infer").join(name);
    let to = into.join(name);
    copy_tree(&from, &to);
    let manifest = to.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).expect("Cargo.toml");
    let macros = root().join("macros");
    let text = text.replace(
        "path = \"../../../macros\"",
        &format!("path = {:?}", macros.display().to_string()),
    );
    std::fs::write(&manifest, text).expect("write Cargo.toml");
    for file in rust_files(&to.join("src")) {
        let text = std::fs::read_to_string(&file).expect("source");
        let mut stripped: Vec<&str> = Vec::new();
        let mut annotations = 0;
        for line in text.lines() {
            let t = line.trim();
            let annotation = ["reads", "writes", "publishes", "subscribes"]
                .iter()
                .any(|a| {
                    t.starts_with(&format!("#[{a}("))
                        || t.starts_with(&format!("#[cachelint::{a}("))
                });
            if annotation || t.starts_with("use cachelint::") {
                annotations += usize::from(annotation);
                stripped.push("");
            } else {
                stripped.push(line);
            }
        }
        std::fs::write(&file, stripped.join("\n") + "\n").expect("write source");
        assert!(
            !text.contains("#[reads(") || annotations > 0,
            "{}: annotations left",
            file.display()
        );
    }
    to
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let name = entry.file_name();
        if name == "target" {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            copy_tree(&path, &to.join(&name));
        } else {
            std::fs::copy(&path, to.join(&name)).expect("copy");
        }
    }
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn both_modes(name: &str) {
    let (annotated, unannotated) = expected(name);
    let dir = root().join("fixtures/infer").join(name);
    let (found, map) = run(&dir);
    assert_eq!(found, annotated, "{name}, annotated");
    let tmp = tempfile::tempdir().expect("tempdir");
    let stripped = strip(name, tmp.path());
    let (found_bare, map_bare) = run(&stripped);
    assert_eq!(found_bare, unannotated, "{name}, unannotated");
    assert_eq!(
        placeholders_erased(&map_bare),
        placeholders_erased(&map),
        "{name}: the invalidation map inferred from the code is the annotated one"
    );
}

/// The map with every placeholder spelled `<_>`: a SCAN glob's `*` is `<any>` when inferred,
/// while the annotation names it.
fn placeholders_erased(map: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in map.chars() {
        match c {
            '<' => {
                inside = true;
                out.push_str("<_>");
            }
            '>' if inside => inside = false,
            _ if inside => {}
            c => out.push(c),
        }
    }
    out
}

#[test]
fn axum_deadpool() {
    both_modes("axum_deadpool");
}

#[test]
fn cache_trait() {
    both_modes("cache_trait");
}

#[test]
fn scan_evict_typo() {
    both_modes("scan_evict_typo");
}

#[test]
fn fill_forms() {
    both_modes("fill_forms");
}

#[test]
fn primary_data() {
    both_modes("primary_data");
}

#[test]
fn fred_client() {
    both_modes("fred_client");
}

#[test]
fn wrapper_layer() {
    both_modes("wrapper_layer");
}

#[test]
fn enum_dispatch_layer() {
    both_modes("enum_dispatch_layer");
}

#[test]
fn sqlx_service() {
    both_modes("sqlx_service");
}

#[test]
fn postgres_service() {
    both_modes("postgres_service");
}

#[test]
fn diesel_service() {
    both_modes("diesel_service");
}

#[test]
fn seaorm_service() {
    both_modes("seaorm_service");
}

/// Every service under `fixtures/infer/` is checked above (`annotate_service` is the
/// `annotate` command's, in tests/cli.rs).
#[test]
fn every_inference_fixture_is_checked() {
    let mut found: Vec<String> = std::fs::read_dir(root().join("fixtures/infer"))
        .expect("fixtures/infer")
        .flatten()
        .filter(|e| e.path().join("Cargo.toml").is_file())
        .filter(|e| e.file_name() != "annotate_service")
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    found.sort();
    let mut checked = vec![
        "axum_deadpool",
        "cache_trait",
        "diesel_service",
        "enum_dispatch_layer",
        "fill_forms",
        "fred_client",
        "postgres_service",
        "primary_data",
        "scan_evict_typo",
        "seaorm_service",
        "sqlx_service",
        "wrapper_layer",
    ];
    checked.sort();
    assert_eq!(found, checked);
}

/// A finding that rests on an inferred fact says which call it was inferred from.
#[test]
fn a_finding_on_an_inferred_key_names_the_call_it_comes_from() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let stripped = strip("wrapper_layer", tmp.path());
    let target = Target {
        paths: vec![stripped],
        ..Target::default()
    };
    let (analysis, _, _) = analyze(&target, &Options::default()).expect("analyzes");
    let [finding] = analysis.findings.as_slice() else {
        panic!("one finding: {:?}", analysis.findings);
    };
    assert!(
        finding.notes.iter().any(|n| n
            .starts_with("`team:<id>` is inferred from `cache.fetch(..)` at ")
            && n.ends_with("src/lib.rs:39:11")),
        "{:?}",
        finding.notes
    );
}
