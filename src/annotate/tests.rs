//! Placing annotations and the `use` in a file's text: [`plan_file`] on hand-written files.

use super::*;

fn reads(key: &str, ttl: Option<u64>) -> Annotation {
    Annotation {
        kind: Kind::Reads,
        key: key.to_owned(),
        ttl: ttl.map(Duration::from_secs),
        allow: None,
    }
}

fn writes(key: &str) -> Annotation {
    Annotation {
        kind: Kind::Writes,
        key: key.to_owned(),
        ttl: None,
        allow: None,
    }
}

/// The position of the first `fn NAME` name in `text`, as the tokenizer gives it.
fn at(text: &str, name: &str) -> (u32, u32) {
    let needle = format!("fn {name}");
    let offset = text.find(&needle).expect("the function") + 3;
    let before = &text[..offset];
    let line = before.matches('\n').count() as u32 + 1;
    let column = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .chars()
        .count() as u32;
    (line, column)
}

/// Plans `functions` (name, annotations) in `text`; the fixed text and the unplaced ones.
fn fix(text: &str, functions: &[(&str, Vec<Annotation>)]) -> (String, Vec<String>) {
    let wanted = functions
        .iter()
        .map(|(name, annotations)| {
            let (line, column) = at(text, name);
            Wanted {
                display: (*name).to_owned(),
                name: (*name).to_owned(),
                line,
                column,
                needed: Needed {
                    annotations: annotations.clone(),
                    notes: Vec::new(),
                },
            }
        })
        .collect();
    let (plan, unplaced) = plan_file(
        "src/lib.rs",
        Path::new("src/lib.rs"),
        text.to_owned(),
        wanted,
    );
    let fixed = plan.fixed();
    // The advice's edits, applied as rustfix applies them (identical ones once), give the
    // same text.
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    for advice in plan.advice(true) {
        for edit in advice.edits {
            let edit = (
                edit.location.byte_start as usize,
                edit.location.byte_end as usize,
                edit.replacement,
            );
            if !edits.contains(&edit) {
                edits.push(edit);
            }
        }
    }
    let mut applied = text.to_owned();
    edits.sort_by_key(|(start, _, text)| (*start, text.starts_with('#')));
    for (start, end, replacement) in edits.into_iter().rev() {
        applied.replace_range(start..end, &replacement);
    }
    assert_eq!(applied, fixed, "the advice's edits give what --fix writes");
    if unplaced.is_empty() {
        syn::parse_file(&fixed).unwrap_or_else(|e| panic!("{e}:\n{fixed}"));
    }
    (fixed, unplaced)
}

#[test]
fn attributes_go_after_doc_comments_and_attributes_and_the_use_after_the_uses() {
    let text = "//! A service.\n\nuse std::fmt;\nuse std::io;\n\n/// Reads.\n#[inline]\npub async fn get(id: u64) {}\n";
    let (fixed, unplaced) = fix(
        text,
        &[(
            "get",
            vec![reads("user:<id>", Some(60)), writes("user:<id>:x")],
        )],
    );
    assert!(unplaced.is_empty());
    assert_eq!(
        fixed,
        "//! A service.\n\nuse std::fmt;\nuse std::io;\nuse cachelint::{reads, writes};\n\n/// Reads.\n#[inline]\n#[reads(\"user:<id>\", ttl = \"1m\")]\n#[writes(\"user:<id>:x\")]\npub async fn get(id: u64) {}\n"
    );
}

#[test]
fn only_the_names_used_are_imported() {
    let text = "use std::fmt;\n\nfn drop_it() {}\n";
    let (fixed, _) = fix(text, &[("drop_it", vec![writes("k")])]);
    assert_eq!(
        fixed,
        "use std::fmt;\nuse cachelint::writes;\n\n#[writes(\"k\")]\nfn drop_it() {}\n"
    );
}

#[test]
fn without_uses_the_use_follows_the_inner_attributes() {
    let text = "//! Docs.\n#![allow(dead_code)]\n\nmod keys;\n\nfn get() {}\n";
    let (fixed, _) = fix(text, &[("get", vec![reads("k", None)])]);
    assert_eq!(
        fixed,
        "//! Docs.\n#![allow(dead_code)]\n\nuse cachelint::reads;\n\nmod keys;\n\n#[reads(\"k\")]\nfn get() {}\n"
    );
}

#[test]
fn with_nothing_above_the_use_goes_before_the_first_item_after_comments() {
    let text = "// Copyright.\n\nfn get() {}\n";
    let (fixed, _) = fix(text, &[("get", vec![reads("k", None)])]);
    assert_eq!(
        fixed,
        "// Copyright.\n\nuse cachelint::reads;\n\n#[reads(\"k\")]\nfn get() {}\n"
    );
    let (fixed, _) = fix("fn get() {}", &[("get", vec![reads("k", None)])]);
    assert_eq!(
        fixed,
        "use cachelint::reads;\n\n#[reads(\"k\")]\nfn get() {}"
    );
}

#[test]
fn an_existing_cachelint_use_is_joined() {
    let text = "use cachelint::reads;\n\nfn get() {}\nfn put() {}\n";
    let (fixed, _) = fix(
        text,
        &[("get", vec![reads("k", None)]), ("put", vec![writes("k")])],
    );
    assert_eq!(
        fixed,
        "use cachelint::{reads, writes};\n\n#[reads(\"k\")]\nfn get() {}\n#[writes(\"k\")]\nfn put() {}\n"
    );
    for (before, after) in [
        (
            "use cachelint::{publishes};",
            "use cachelint::{publishes, writes};",
        ),
        (
            "use cachelint::{publishes,};",
            "use cachelint::{publishes, writes,};",
        ),
        ("use ::cachelint::{};", "use ::cachelint::{writes};"),
        ("use cachelint::*;", "use cachelint::*;"),
        (
            "use cachelint::{writes, reads};",
            "use cachelint::{writes, reads};",
        ),
    ] {
        let text = format!("{before}\n\nfn put() {{}}\n");
        let (fixed, _) = fix(&text, &[("put", vec![writes("k")])]);
        assert_eq!(
            fixed,
            format!("{after}\n\n#[writes(\"k\")]\nfn put() {{}}\n")
        );
    }
}

#[test]
fn functions_in_inline_modules_spell_the_path_and_need_no_use() {
    let text = "use std::fmt;\n\npub mod admin {\n    pub fn purge() {}\n\n    mod deeper {\n        fn wipe() {}\n    }\n}\n";
    let (fixed, _) = fix(
        text,
        &[("purge", vec![writes("a")]), ("wipe", vec![writes("b")])],
    );
    assert_eq!(
        fixed,
        "use std::fmt;\n\npub mod admin {\n    #[cachelint::writes(\"a\")]\n    pub fn purge() {}\n\n    mod deeper {\n        #[cachelint::writes(\"b\")]\n        fn wipe() {}\n    }\n}\n"
    );
}

#[test]
fn methods_and_nested_functions_keep_their_indentation() {
    let text = "struct S;\n\nimpl S {\n\t/// Doc.\n\tpub(crate) async unsafe fn get(&self) {\n\t\tfn inner() {}\n\t}\n}\n";
    let (fixed, _) = fix(
        text,
        &[
            ("get", vec![reads("k", None)]),
            ("inner", vec![writes("k")]),
        ],
    );
    assert_eq!(
        fixed,
        "use cachelint::{reads, writes};\n\nstruct S;\n\nimpl S {\n\t/// Doc.\n\t#[reads(\"k\")]\n\tpub(crate) async unsafe fn get(&self) {\n\t\t#[writes(\"k\")]\n\t\tfn inner() {}\n\t}\n}\n"
    );
}

#[test]
fn a_header_over_several_lines_is_annotated_above_its_first() {
    let text = "pub\n    extern \"C\"\n    fn get() {}\n";
    let (fixed, _) = fix(text, &[("get", vec![reads("k", None)])]);
    assert_eq!(
        fixed,
        "use cachelint::reads;\n\n#[reads(\"k\")]\npub\n    extern \"C\"\n    fn get() {}\n"
    );
}

#[test]
fn a_header_after_other_code_on_its_line_gets_the_attribute_inline() {
    let text = "use std::fmt;\nfn a() {} /* c */ pub fn b() {}\n";
    let (fixed, _) = fix(text, &[("b", vec![writes("k")])]);
    assert_eq!(
        fixed,
        "use std::fmt;\nuse cachelint::writes;\nfn a() {} /* c */ #[writes(\"k\")] pub fn b() {}\n"
    );
}

#[test]
fn line_endings_and_a_byte_order_mark_are_kept() {
    let text = "use std::fmt;\r\n\r\nfn get() {}\r\n";
    let (fixed, _) = fix(text, &[("get", vec![reads("k", Some(90))])]);
    assert_eq!(
        fixed,
        "use std::fmt;\r\nuse cachelint::reads;\r\n\r\n#[reads(\"k\", ttl = \"90s\")]\r\nfn get() {}\r\n"
    );
    let text = "\u{feff}fn get() {}\n";
    let (fixed, _) = fix(text, &[("get", vec![reads("k", None)])]);
    assert_eq!(
        fixed,
        "\u{feff}use cachelint::reads;\n\n#[reads(\"k\")]\nfn get() {}\n"
    );
}

#[test]
fn precise_capturing_is_no_use_item() {
    let text = "use std::fmt;\n\nfn a<'x>() -> impl Sized + use<'x> {}\n\nfn get() {}\n";
    let (fixed, _) = fix(text, &[("get", vec![reads("k", None)])]);
    assert_eq!(
        fixed,
        "use std::fmt;\nuse cachelint::reads;\n\nfn a<'x>() -> impl Sized + use<'x> {}\n\n#[reads(\"k\")]\nfn get() {}\n"
    );
}

#[test]
fn a_function_not_written_in_the_file_is_reported_not_edited() {
    let text = "macro_rules! make { () => { fn made() {} } }\nmake!();\n";
    let wanted = vec![Wanted {
        display: "made".to_owned(),
        name: "made".to_owned(),
        line: 2,
        column: 0,
        needed: Needed {
            annotations: vec![writes("k")],
            notes: Vec::new(),
        },
    }];
    let (plan, unplaced) = plan_file(
        "src/lib.rs",
        Path::new("src/lib.rs"),
        text.to_owned(),
        wanted,
    );
    assert!(plan.functions.is_empty());
    assert_eq!(plan.import, None);
    assert_eq!(plan.fixed(), text);
    assert_eq!(unplaced.len(), 1);
    assert!(
        unplaced[0].contains("`made` (src/lib.rs:2:1)"),
        "{unplaced:?}"
    );
    assert!(unplaced[0].contains("`#[writes(\"k\")]`"), "{unplaced:?}");
}

#[test]
fn odd_input_never_panics() {
    let wanted = |line, column| {
        vec![Wanted {
            display: "f".to_owned(),
            name: "f".to_owned(),
            line,
            column,
            needed: Needed {
                annotations: vec![reads("k", None)],
                notes: Vec::new(),
            },
        }]
    };
    for text in [
        "",
        "fn f() { \"unterminated }",
        "fn f",
        "\u{feff}",
        "é fn f() {}",
        "fn\nf() {}",
        "use cachelint::{;",
        "#!",
    ] {
        for (line, column) in [
            (0, 0),
            (1, 0),
            (1, 3),
            (2, 0),
            (1, 99),
            (u32::MAX, u32::MAX),
        ] {
            let (plan, _) = plan_file(
                "a.rs",
                Path::new("a.rs"),
                text.to_owned(),
                wanted(line, column),
            );
            let _ = plan.fixed();
            let _ = plan.advice(true);
            let _ = plan.advice(false);
        }
    }
}

#[test]
fn the_attribute_spells_the_ttl_as_annotations_do() {
    assert_eq!(
        reads("user:<id>:profile", Some(600)).attribute(false),
        "#[reads(\"user:<id>:profile\", ttl = \"10m\")]"
    );
    assert_eq!(
        writes("team:<t>:*").attribute(true),
        "#[cachelint::writes(\"team:<t>:*\")]"
    );
    let flush = Annotation {
        allow: Some("broad_invalidation"),
        ..writes("*")
    };
    assert_eq!(
        flush.attribute(false),
        "#[writes(\"*\", allow(broad_invalidation))]"
    );
}

#[test]
fn the_use_never_lands_in_a_comment() {
    let text = "use std::fmt; // formatting
use std::io; /* a\n b */

fn get() {}
";
    let (fixed, _) = fix(text, &[("get", vec![reads("k", None)])]);
    assert_eq!(
        fixed,
        "use std::fmt; // formatting\nuse std::io;\nuse cachelint::reads; /* a\n b */\n\n#[reads(\"k\")]\nfn get() {}\n"
    );
}
