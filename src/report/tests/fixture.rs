//! A handmade analysis: two files with multibyte text, findings with related labels in both
//! files, a multi-line label, a suggestion, and a finding in a file whose text is unknown.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::finding::{Finding, Label, Level, Location, Suggestion, fingerprint};
use crate::{Analysis, Stats};

pub(super) const MENU: &str = "\
//! Menü handlers ☕
use cachelint::{reads, writes};

/* größe */ #[reads(\"café:<id>:menü\")]
pub fn get_menu(id: u64) -> String {
    format!(\"menu {id}\")
}

#[writes(\"cafe:<id>:menu\")]
pub fn update_menu(id: u64) {}
";

pub(super) const USERS: &str = "\
use cachelint::{reads, writes};

#[reads(\"user:<id>:profile\")]
pub fn get_profile(id: u64) {}

#[writes(\"user:<id>:*\")]
pub fn update_user(id: u64) {
    update_menu(id);
}
";

/// The location of the first `needle` in `text`, as the analyzer would compute it.
pub(super) fn locate(file: &str, text: &str, needle: &str) -> Location {
    let start = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in {file}"));
    let end = start + needle.len();
    let (line_start, column_start, byte_column_start) = position(text, start);
    let (line_end, column_end, byte_column_end) = position(text, end);
    Location {
        file: file.to_owned(),
        line_start,
        column_start,
        line_end,
        column_end,
        byte_start: start as u32,
        byte_end: end as u32,
        byte_column_start,
        byte_column_end,
    }
}

/// 1-based line, character column and byte column of byte `offset`.
fn position(text: &str, offset: usize) -> (u32, u32, u32) {
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    let line = before.matches('\n').count() + 1;
    let column = before[line_start..].chars().count() + 1;
    (line as u32, column as u32, (offset - line_start + 1) as u32)
}

fn label(location: Location, message: &str) -> Label {
    Label {
        location,
        message: message.to_owned(),
    }
}

/// The analysis every format test renders.
pub(super) fn analysis() -> Analysis {
    let menu = |needle| locate("src/menu.rs", MENU, needle);
    let users = |needle| locate("src/users.rs", USERS, needle);
    let broken = Location {
        file: "src/broken.rs".to_owned(),
        line_start: 2,
        column_start: 5,
        line_end: 2,
        column_end: 6,
        byte_start: 14,
        byte_end: 15,
        byte_column_start: 5,
        byte_column_end: 6,
    };
    let findings = vec![
        Finding {
            rule: "parse_error",
            level: Level::Warning,
            message: "src/broken.rs could not be parsed: expected `;`, found `}`".to_owned(),
            primary: label(broken, "expected `;`"),
            related: Vec::new(),
            notes: vec!["the file was skipped; the rest of the crate was analyzed".to_owned()],
            help: None,
            suggestion: None,
            fingerprint: fingerprint(&["parse_error", "src/broken.rs"]),
        },
        Finding {
            rule: "uncovered_read",
            level: Level::Error,
            message: "read key `café:<id>:menü` in `get_menu` is never invalidated".to_owned(),
            primary: label(menu("\"café:<id>:menü\""), "read here, no ttl"),
            related: vec![
                label(menu("\"cafe:<id>:menu\""), "the closest write, which covers another key"),
                label(users("update_menu(id)"), "reached from `update_user` here"),
            ],
            notes: vec!["100% of reads may be stale: key, ttl, events, none match".to_owned()],
            help: Some("add #[writes(\"café:<id>:menü\")] where menus change, or a ttl".to_owned()),
            suggestion: None,
            fingerprint: fingerprint(&["uncovered_read", "café:<id>:menü", "get_menu", "src/menu.rs"]),
        },
        Finding {
            rule: "dead_invalidation",
            level: Level::Warning,
            message: "write key `cafe:<id>:menu` in `update_menu` invalidates no read key".to_owned(),
            primary: label(menu("\"cafe:<id>:menu\""), "matches no read key"),
            related: vec![label(menu("\"café:<id>:menü\""), "the nearest read key")],
            notes: Vec::new(),
            help: None,
            suggestion: Some(Suggestion {
                location: menu("\"cafe:<id>:menu\""),
                replacement: "\"café:<id>:menü\"".to_owned(),
                message: "did you mean `café:<id>:menü`?".to_owned(),
            }),
            fingerprint: fingerprint(&["dead_invalidation", "cafe:<id>:menu", "update_menu", "src/menu.rs"]),
        },
        Finding {
            rule: "stale_dependent",
            level: Level::Error,
            message: "entry `update_user` invalidates `user:<id>:profile` but not `café:<id>:menü`, which depends on it".to_owned(),
            primary: label(users("update_user"), "this entry"),
            related: vec![
                label(users("\"user:<id>:*\""), "invalidates `user:<id>:profile`"),
                label(users("{\n    update_menu(id);\n}"), "its write path"),
                label(menu("get_menu"), "reads `café:<id>:menü`"),
            ],
            notes: vec!["`café:<id>:menü` depends on `user:<id>:profile`: `get_menu` calls `get_profile`".to_owned()],
            help: Some("also invalidate `café:<id>:menü` on this path".to_owned()),
            suggestion: None,
            fingerprint: fingerprint(&["stale_dependent", "café:<id>:menü", "update_user", "src/users.rs"]),
        },
    ];
    let sources = BTreeMap::from([
        ("src/menu.rs".to_owned(), MENU.to_owned()),
        ("src/users.rs".to_owned(), USERS.to_owned()),
    ]);
    let stats = Stats {
        files: 3,
        functions: 4,
        read_keys: 2,
        write_keys: 2,
        baselined: 0,
        elapsed: Duration::from_millis(40),
        engine: crate::Engine::Syntactic,
    };
    Analysis {
        findings,
        sources,
        stats,
    }
}
