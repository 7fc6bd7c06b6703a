//! Write paths: calls, events and derived keys. Each `fixtures/calls_*` crate is one shape of
//! call; its top comment says what must fire where. The lists below were written from that
//! intent, before the analyzer ran on them.

use cachelint_analyzer::analyze::{Options, Target, Workspace, analyze};
use cachelint_analyzer::graph::Model;
use cachelint_analyzer::{Analysis, Finding};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

fn run(name: &str) -> (Analysis, Model, Workspace) {
    let target = Target {
        paths: vec![fixture(name)],
        ..Default::default()
    };
    analyze(&target, &Options::default()).expect("the fixture analyzes")
}

/// `file:line:col rule` of each finding, the file relative to the fixture, sorted.
fn findings(name: &str) -> Vec<String> {
    let (analysis, _, _) = run(name);
    let mut out: Vec<String> = analysis.findings.iter().map(|f| short(name, f)).collect();
    out.sort();
    out
}

fn short(name: &str, finding: &Finding) -> String {
    let location = &finding.primary.location;
    let file = location.file.replace('\\', "/");
    let prefix = format!("fixtures/{name}/");
    let file = file
        .find(&prefix)
        .map_or(file.as_str(), |at| &file[at + prefix.len()..]);
    format!(
        "{file}:{}:{} {}",
        location.line_start, location.column_start, finding.rule
    )
}

fn sorted(expected: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    out.sort();
    out
}

/// `caller -> callee` for every call edge, by qualified name.
fn call_edges(model: &Model) -> BTreeSet<String> {
    use petgraph::visit::EdgeRef;
    model
        .graph
        .edge_references()
        .filter(|e| matches!(e.weight(), cachelint_analyzer::graph::Step::Call(_)))
        .map(|e| {
            format!(
                "{} -> {}",
                model.qualified_name(e.source().index()),
                model.qualified_name(e.target().index())
            )
        })
        .collect()
}

fn function(model: &Model, qualified: &str) -> usize {
    (0..model.functions.len())
        .find(|&id| model.qualified_name(id) == qualified)
        .unwrap_or_else(|| panic!("no function `{qualified}`"))
}

#[test]
fn helper_chains() {
    assert_eq!(
        findings("calls_helpers"),
        sorted(&["src/lib.rs:25:8 stale_dependent"])
    );
}

#[test]
fn methods_through_fields() {
    assert_eq!(
        findings("calls_fields"),
        sorted(&[
            "src/lib.rs:45:12 stale_dependent",
            "src/lib.rs:60:12 stale_dependent",
            "src/lib.rs:75:12 stale_dependent",
            "src/lib.rs:91:12 stale_dependent",
            "src/lib.rs:114:12 stale_dependent",
        ])
    );
}

#[test]
fn paths_modules_and_imports() {
    assert_eq!(
        findings("calls_paths"),
        sorted(&[
            "src/handlers.rs:5:8 stale_dependent",
            "src/handlers.rs:9:8 stale_dependent",
            "src/handlers.rs:13:8 stale_dependent",
            "src/handlers.rs:38:16 stale_dependent",
        ])
    );
}

#[test]
fn closures() {
    assert_eq!(
        findings("calls_closures"),
        sorted(&[
            "src/lib.rs:40:8 stale_dependent",
            "src/lib.rs:45:8 stale_dependent",
            "src/lib.rs:49:8 stale_dependent",
            "src/lib.rs:53:8 stale_dependent",
            "src/lib.rs:77:8 stale_dependent",
        ])
    );
}

#[test]
fn async_blocks_spawn_and_join() {
    assert_eq!(
        findings("calls_async"),
        sorted(&[
            "src/lib.rs:62:14 stale_dependent",
            "src/lib.rs:67:8 stale_dependent",
            "src/lib.rs:73:14 stale_dependent",
        ])
    );
}

#[test]
fn macro_arguments() {
    assert_eq!(
        findings("calls_macros"),
        sorted(&[
            "src/lib.rs:44:8 stale_dependent",
            "src/lib.rs:48:8 stale_dependent",
            "src/lib.rs:52:8 stale_dependent",
        ])
    );
}

#[test]
fn events() {
    assert_eq!(
        findings("calls_events"),
        sorted(&[
            "src/lib.rs:32:9 uncovered_read",
            "src/lib.rs:49:8 stale_dependent",
            "src/lib.rs:56:14 orphan_event",
            "src/lib.rs:60:13 orphan_event",
        ])
    );
}

#[test]
fn declared_inferred_and_transitive_dependencies() {
    assert_eq!(
        findings("calls_depends"),
        sorted(&[
            "src/lib.rs:55:8 stale_dependent",
            "src/lib.rs:55:8 stale_dependent",
            "src/lib.rs:58:8 stale_dependent",
            "src/lib.rs:64:8 stale_dependent",
            "src/lib.rs:75:8 stale_dependent",
        ])
    );
}

#[test]
fn foreign_methods_sharing_a_name() {
    assert_eq!(
        findings("calls_foreign"),
        sorted(&[
            "src/lib.rs:77:12 stale_dependent",
            "src/lib.rs:81:12 stale_dependent",
        ])
    );
}

#[test]
fn typed_params_generics_and_trait_objects() {
    assert_eq!(
        findings("calls_types"),
        sorted(&[
            "src/lib.rs:82:8 stale_dependent",
            "src/lib.rs:91:8 stale_dependent",
            "src/lib.rs:103:8 stale_dependent",
            "src/lib.rs:107:8 stale_dependent",
            "src/lib.rs:111:8 stale_dependent",
            "src/lib.rs:124:12 stale_dependent",
            "src/lib.rs:134:12 stale_dependent",
            "src/lib.rs:144:12 stale_dependent",
        ])
    );
}

#[test]
fn let_bindings_and_unwrapping() {
    assert_eq!(
        findings("calls_bindings"),
        sorted(&[
            "src/lib.rs:78:8 stale_dependent",
            "src/lib.rs:83:8 stale_dependent",
            "src/lib.rs:88:8 stale_dependent",
            "src/lib.rs:94:8 stale_dependent",
            "src/lib.rs:98:8 stale_dependent",
        ])
    );
}

#[test]
fn cycles_and_recursion() {
    assert_eq!(
        findings("calls_cycles"),
        sorted(&[
            "src/lib.rs:29:8 stale_dependent",
            "src/lib.rs:36:8 stale_dependent",
            "src/lib.rs:40:8 stale_dependent",
            "src/lib.rs:56:8 stale_dependent",
        ])
    );
}

/// The keys the write path of `function` invalidates.
fn written_by(model: &Model, function: &str) -> BTreeSet<String> {
    let id = self::function(model, function);
    model
        .reach(id, false)
        .iter()
        .flat_map(|(f, _)| model.writes.iter().filter(move |w| w.function == *f))
        .map(|w| w.key.to_string())
        .collect()
}

/// The silent variants are silent because resolution reaches both writes, not because it
/// reaches none.
#[test]
fn silent_variants_reach_both_writes() {
    let cases: &[(&str, &[&str], [&str; 2])] = &[
        (
            "calls_helpers",
            &["remove_member"],
            ["team:<tid>:dashboard", "team:<tid>:members"],
        ),
        (
            "calls_fields",
            &[
                "Direct::rename_all",
                "Shared::rename_all",
                "Locked::rename_all",
                "Nested::rename_all",
                "Wrapper::rename",
                "Shared::rename_all_later",
            ],
            ["user:<id>:profile", "user:<id>:summary"],
        ),
        (
            "calls_paths",
            &[
                "handlers::via_glob",
                "handlers::via_crate_path",
                "handlers::admin::purge_all",
            ],
            ["order:<id>:items", "order:<id>:total"],
        ),
        (
            "calls_closures",
            &["remove_line", "remove_lines"],
            ["cart:<id>:badge", "cart:<id>:lines"],
        ),
        (
            "calls_async",
            &["delete_spawned", "delete_joined", "delete_selected"],
            ["feed:<uid>:digest", "feed:<uid>:posts"],
        ),
        (
            "calls_macros",
            &["delete_in_vec", "delete_in_format_and_assert"],
            ["doc:<id>:text", "doc:<id>:toc"],
        ),
        (
            "calls_events",
            &["rename"],
            ["user:<id>:card", "user:<id>:profile"],
        ),
        (
            "calls_foreign",
            &["Profiles::rename_all"],
            ["user:<id>:header", "user:<id>:profile"],
        ),
        (
            "calls_types",
            &["edit_typed_all", "edit_where"],
            ["post:<id>:body", "post:<id>:preview"],
        ),
        (
            "calls_bindings",
            &["let_typed", "let_expect", "let_chained", "Pool::if_let"],
            ["invoice:<id>:pdf", "invoice:<id>:summary"],
        ),
        (
            "calls_cycles",
            &["sync_a", "sync_b", "walk_all", "step"],
            ["node:<id>:children", "node:<id>:tree"],
        ),
    ];
    for (fixture, functions, keys) in cases {
        let (_, model, _) = run(fixture);
        let expected: BTreeSet<String> = keys.iter().map(|k| k.to_string()).collect();
        for function in *functions {
            let name = format!("{fixture}::{function}");
            assert_eq!(written_by(&model, &name), expected, "{name}");
        }
    }
}

/// Skipping files that cannot matter before parsing them changes no finding here.
#[test]
fn the_file_prefilter_changes_nothing() {
    for fixture in [
        "calls_async",
        "calls_bindings",
        "calls_closures",
        "calls_cycles",
        "calls_depends",
        "calls_events",
        "calls_fields",
        "calls_foreign",
        "calls_helpers",
        "calls_macros",
        "calls_paths",
        "calls_types",
    ] {
        let target = Target {
            paths: vec![self::fixture(fixture)],
            ..Default::default()
        };
        let all = Options {
            all_files: true,
            ..Options::default()
        };
        let (filtered, _, _) = analyze(&target, &Options::default()).unwrap();
        let (everything, _, _) = analyze(&target, &all).unwrap();
        assert_eq!(filtered.findings, everything.findings, "{fixture}");
    }
}

#[test]
fn cycle_entries() {
    let (_, model, _) = run("calls_cycles");
    let entries: BTreeSet<String> = model
        .entries
        .iter()
        .map(|&id| model.display_name(id))
        .collect();
    let expected = [
        "children", "handle", "ping", "pong", "step", "sync_a", "sync_b", "tree", "walk",
        "walk_all",
    ];
    assert_eq!(entries, expected.iter().map(|s| s.to_string()).collect());
}

#[test]
fn resolution_edges() {
    let (_, model, _) = run("calls_paths");
    let expected = [
        "calls_paths::handlers::admin::bulk::purge_items -> calls_paths::store::evict::items",
        "calls_paths::handlers::admin::purge_all -> calls_paths::handlers::via_crate_path",
        "calls_paths::handlers::local_decoy -> calls_paths::handlers::clear_items",
        "calls_paths::handlers::via_crate_path -> calls_paths::store::evict::both",
        "calls_paths::handlers::via_fn_alias -> calls_paths::store::evict::items",
        "calls_paths::handlers::via_glob -> calls_paths::store::Orders::clear_items",
        "calls_paths::handlers::via_glob -> calls_paths::store::Orders::clear_total",
        "calls_paths::handlers::via_module_alias -> calls_paths::store::evict::items",
        "calls_paths::handlers::via_type -> calls_paths::store::Orders::clear",
        "calls_paths::store::Orders::clear -> calls_paths::store::Orders::clear_items",
        "calls_paths::store::evict::both -> calls_paths::store::evict::items",
        "calls_paths::store::evict::both -> calls_paths::store::evict::total",
        "calls_paths::store::evict::items -> calls_paths::store::Orders::clear_items",
        "calls_paths::store::evict::total -> calls_paths::store::Orders::clear_total",
    ];
    let expected: BTreeSet<String> = expected.iter().map(|s| s.to_string()).collect();
    assert_eq!(call_edges(&model), expected);
}

#[test]
fn trait_calls_reach_every_impl() {
    let (_, model, _) = run("calls_types");
    let edges = call_edges(&model);
    for expected in [
        "calls_types::edit_dyn -> calls_types::Store::evict",
        "calls_types::edit_dyn -> <calls_types::Redis as Store>::evict",
        "calls_types::edit_dyn -> <calls_types::Memory as Store>::evict",
        "calls_types::edit_generic -> <calls_types::Memory as Store>::evict",
        "calls_types::edit_where -> <calls_types::Redis as Store>::evict",
        "calls_types::edit_where -> calls_types::clear_preview",
        "calls_types::Dynamic::edit -> <calls_types::Memory as Store>::evict",
        "calls_types::edit_default -> calls_types::Store::evict_all",
        "calls_types::Store::evict_all -> <calls_types::Redis as Store>::evict",
        "calls_types::Service::clear_preview -> calls_types::clear_preview",
        "calls_types::edit_other_trait -> <calls_types::Html as Render>::evict",
    ] {
        assert!(edges.contains(expected), "missing {expected} in {edges:#?}");
    }
    let from_other_trait: Vec<&String> = edges
        .iter()
        .filter(|e| e.starts_with("calls_types::edit_other_trait "))
        .collect();
    assert_eq!(
        from_other_trait,
        [
            "calls_types::edit_other_trait -> <calls_types::Html as Render>::evict",
            "calls_types::edit_other_trait -> calls_types::Render::evict",
        ]
    );
}

#[test]
fn foreign_map_calls_create_no_edge() {
    let (_, model, _) = run("calls_foreign");
    let edges = call_edges(&model);
    let from = |name: &str| -> Vec<&String> {
        let prefix = format!("calls_foreign::Profiles::{name} -> ");
        edges.iter().filter(|e| e.starts_with(&prefix)).collect()
    };
    assert!(from("badge").is_empty(), "{:#?}", from("badge"));
    assert_eq!(
        from("header"),
        ["calls_foreign::Profiles::header -> calls_foreign::Cache::get"]
    );
    assert_eq!(
        from("forget"),
        ["calls_foreign::Profiles::forget -> calls_foreign::Cache::remove"]
    );
    assert!(
        !edges.contains("calls_foreign::Cache::get -> calls_foreign::Cache::get"),
        "`self.map.get` inside `Cache::get` is `HashMap::get`"
    );
    // `m.get(&id)` on the elements of a `[&HashMap]`: the semantic model types the closure's
    // parameter, so it is `HashMap::get`, neither an edge nor left unresolved.
    let badge = function(&model, "calls_foreign::Profiles::badge");
    assert!(
        !edges
            .iter()
            .any(|e| e.starts_with("calls_foreign::Profiles::badge ->")),
        "{edges:?}"
    );
    assert!(model.ambiguous.is_empty());
    let unresolved: Vec<_> = model
        .unresolved
        .iter()
        .filter(|u| u.caller == badge)
        .collect();
    assert!(unresolved.is_empty(), "{unresolved:?}");
}

#[test]
fn shadowing_locals_are_not_functions() {
    let (_, model, _) = run("calls_closures");
    let edges = call_edges(&model);
    assert!(!edges.contains("calls_closures::add_shadowed -> calls_closures::clear_badge"));
    assert!(edges.contains("calls_closures::add_shadowed -> calls_closures::clear_lines"));
    // `attempt()` calls `retry`'s parameter, not a function.
    assert!(
        !edges
            .iter()
            .any(|e| e.starts_with("calls_closures::retry "))
    );
}

#[test]
fn stale_dependent_explains_a_declared_dependency() {
    let (analysis, _, _) = run("calls_helpers");
    let finding = &analysis.findings[0];
    assert_eq!(finding.rule, "stale_dependent");
    assert_eq!(
        finding.message,
        "`add_member` invalidates `team:<tid>:members` but leaves `team:<tid>:dashboard`, \
         which depends on it, stale"
    );
    let labels: Vec<(u32, u32, &str)> = finding
        .related
        .iter()
        .map(|l| {
            (
                l.location.line_start,
                l.location.column_start,
                l.message.as_str(),
            )
        })
        .collect();
    assert_eq!(
        labels,
        [
            (37, 10, "`team:<tid>:members` is invalidated here"),
            (20, 9, "`team:<tid>:dashboard` is read here"),
            (
                20,
                47,
                "`dashboard` declares that `team:<tid>:dashboard` depends on `team:<tid>:members`"
            ),
        ]
    );
    assert_eq!(
        finding.notes,
        [
            "`add_member` reaches the write through `add_member` → `record` → `refresh` → `clear_members`"
        ]
    );
}

#[test]
fn stale_dependent_explains_an_inferred_transitive_dependency() {
    let (analysis, _, _) = run("calls_depends");
    let finding = analysis
        .findings
        .iter()
        .find(|f| f.message.contains("set_price_and_page"))
        .expect("a finding at set_price_and_page");
    assert_eq!(
        finding.message,
        "`set_price_and_page` invalidates `product:<id>:page` but leaves \
         `category:<cid>:listing`, which depends on it, stale"
    );
    let labels: Vec<(u32, u32, &str)> = finding
        .related
        .iter()
        .map(|l| {
            (
                l.location.line_start,
                l.location.column_start,
                l.message.as_str(),
            )
        })
        .collect();
    assert_eq!(
        labels,
        [
            (57, 32, "`product:<id>:page` is invalidated here"),
            (35, 9, "`category:<cid>:listing` is read here"),
            (
                37,
                5,
                "`listing` reads `category:<cid>:listing` and calls `load`, which reaches \
                 `page`, which reads `product:<id>:page`"
            ),
        ]
    );
}

#[test]
fn stale_dependent_on_a_key_nobody_reads() {
    let (analysis, _, _) = run("calls_depends");
    let finding = analysis
        .findings
        .iter()
        .find(|f| f.message.contains("update_shop_row"))
        .expect("a finding at update_shop_row");
    assert_eq!(
        finding.message,
        "`update_shop_row` invalidates `db:shop:<sid>` but leaves `shop:<sid>:front`, which \
         depends on it, stale"
    );
    let messages: Vec<&str> = finding.related.iter().map(|l| l.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "`db:shop:<sid>` is invalidated here",
            "`shop:<sid>:front` is read here",
            "`front` declares that `shop:<sid>:front` depends on `db:shop:<sid>`",
        ]
    );
}

#[test]
fn stale_dependent_through_an_event_names_it() {
    let (analysis, _, _) = run("calls_events");
    let finding = analysis
        .findings
        .iter()
        .find(|f| f.rule == "stale_dependent")
        .expect("a stale_dependent finding");
    assert_eq!(
        finding.notes,
        [
            "`set_avatar` reaches the write through `set_avatar` → event `user.avatar_changed` → \
          `on_avatar_changed` → `evict_profile`"
        ]
    );
    let messages: Vec<&str> = finding.related.iter().map(|l| l.message.as_str()).collect();
    assert!(
        messages.contains(
            &"`set_avatar` publishes `user.avatar_changed`, which runs `on_avatar_changed`"
        ),
        "{messages:#?}"
    );
}

#[test]
fn map_of_helper_chains() {
    let (_, model, _) = run("calls_helpers");
    let expected = "\
# cachelint invalidation map: generated by `cargo cachelint map`; review its diff, do not edit

## mutations: what each entry point invalidates

add_member
  invalidates team:<tid>:members

remove_member
  invalidates team:<tid>:dashboard
  invalidates team:<tid>:members

## read keys: who invalidates each

team:<tid>:dashboard  (read by dashboard)
  invalidated by remove_member

team:<tid>:members  (read by members)
  invalidated by add_member
  invalidated by remove_member
";
    assert_eq!(cachelint_analyzer::map::render(&model), expected);
}

fn cachelint() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-cachelint"));
    command.env("NO_COLOR", "1");
    command
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn map_check_passes_on_the_same_code_and_fails_when_an_edge_is_dropped() {
    let temp = tempfile::tempdir().unwrap();
    let crate_dir = temp.path().join("calls_helpers");
    copy_dir(&fixture("calls_helpers"), &crate_dir);
    let map_file = temp.path().join("cachelint.map");
    let written = cachelint()
        .args(["cachelint", "map", "-o"])
        .arg(&map_file)
        .arg(&crate_dir)
        .output()
        .unwrap();
    assert!(written.status.success(), "{written:?}");

    let same = cachelint()
        .args(["cachelint", "map", "--check"])
        .arg(&map_file)
        .arg(&crate_dir)
        .output()
        .unwrap();
    assert_eq!(same.status.code(), Some(0), "{same:?}");

    // `clear_dashboard` stops invalidating: `remove_member` loses its dashboard edge.
    let lib = crate_dir.join("src/lib.rs");
    let text = std::fs::read_to_string(&lib).unwrap();
    let edited = text.replace(
        "#[writes(\"team:<tid>:dashboard\")]\nfn clear_dashboard",
        "fn clear_dashboard",
    );
    assert_ne!(edited, text);
    std::fs::write(&lib, edited).unwrap();
    let changed = cachelint()
        .args(["cachelint", "map", "--check"])
        .arg(&map_file)
        .arg(&crate_dir)
        .output()
        .unwrap();
    assert_eq!(changed.status.code(), Some(1), "{changed:?}");
    let stdout = String::from_utf8(changed.stdout).unwrap();
    // A unified diff: file headers, `@@ -a,b +c,d @@` hunks, three lines of context.
    let expected = format!(
        "the invalidation map differs from `{map}` (- committed, + current code):
--- {map}
+++ current code
@@ -6,13 +6,12 @@
   invalidates team:<tid>:members
 
 remove_member
-  invalidates team:<tid>:dashboard
   invalidates team:<tid>:members
 
 ## read keys: who invalidates each
 
 team:<tid>:dashboard  (read by dashboard)
-  invalidated by remove_member
+  never invalidated
 
 team:<tid>:members  (read by members)
   invalidated by add_member
if the change is intended, run `cargo cachelint map -o {map}` and commit it
",
        map = map_file.display()
    );
    assert_eq!(stdout, expected);
}

/// A model from inline files: (module path, source).
fn model_of(files: &[(&str, &str)]) -> Model {
    let facts = files
        .iter()
        .enumerate()
        .map(|(id, (module, text))| {
            let module = module.split("::").map(str::to_string).collect();
            cachelint_analyzer::extract::extract_file(id as u32, text, module, ':')
        })
        .collect();
    Model::build(facts, ':', None)
}

#[test]
fn glob_cycles_re_exports_and_import_loops_resolve_and_end() {
    let model = model_of(&[
        (
            "app",
            "pub use crate::inner::Thing;
             pub use crate::a::*;
             use self::loop_x as loop_y;
             use self::loop_y as loop_x;
             pub fn root() { crate::Thing::make(); fa(); loop_x(); super::super::nothing(); }",
        ),
        (
            "app::inner",
            "pub struct Thing; impl Thing { pub fn make() {} }",
        ),
        (
            "app::a",
            "pub use crate::b::*;
             pub fn fa() { fb(); missing(); Missing::call(); }",
        ),
        ("app::b", "pub use crate::a::*; pub fn fb() { fa(); }"),
    ]);
    let edges = call_edges(&model);
    let expected: BTreeSet<String> = [
        "app::a::fa -> app::b::fb",
        "app::b::fb -> app::a::fa",
        "app::root -> app::a::fa",
        "app::root -> app::inner::Thing::make",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(edges, expected);
}
