//! Findings are data: every output format renders these structs and nothing else.

use serde::Serialize;

/// How severe a finding is. Rules set to `allow` produce no findings at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Reported; does not fail the run.
    Warning,
    /// Reported; the run exits 1.
    Error,
}

impl Level {
    /// `warning` or `error`, as rustc spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// A range of source text. Lines and columns are 1-based; `column_*` count Unicode scalar
/// values as rustc does, `byte_column_*` count UTF-8 bytes (reviewdog), `byte_*` are offsets
/// from the start of the file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    /// Path relative to the workspace root (or the current directory with PATHs), `/`-separated.
    pub file: String,
    pub line_start: u32,
    pub column_start: u32,
    pub line_end: u32,
    pub column_end: u32,
    pub byte_start: u32,
    pub byte_end: u32,
    pub byte_column_start: u32,
    pub byte_column_end: u32,
}

/// A location with the sentence that explains why it matters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Label {
    pub location: Location,
    pub message: String,
}

/// A machine-applicable fix: replace the text at `location` with `replacement`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Suggestion {
    pub location: Location,
    pub replacement: String,
    /// What the fix does (`did you mean `user:<id>:profile`?`).
    pub message: String,
}

/// A text edit: replaces the text at `location` (inserts, when it is empty) with `replacement`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Edit {
    pub location: Location,
    pub replacement: String,
}

/// A change cachelint advises that is no finding: `annotate`'s annotations for one function.
/// Rendered as rustc renders a `help` diagnostic whose suggestion is machine-applicable.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Advice {
    /// What advises it: `annotate` (`cachelint::annotate` in rustc JSON).
    pub code: &'static str,
    pub message: String,
    /// Where the advice applies (a function's name).
    pub primary: Location,
    /// Why (`note: ...`): where each fact comes from.
    pub notes: Vec<String>,
    /// What the edits do: `add this annotation`.
    pub help: String,
    /// The edits, all in the primary location's file, sorted and disjoint; applied together.
    pub edits: Vec<Edit>,
    /// The help on one line, for one-line formats: ``add `#[reads("k")]` ``.
    pub summary: String,
}

/// One problem found in the analyzed code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Finding {
    /// The rule's name, e.g. `uncovered_read` (`cachelint::uncovered_read` in rustc JSON).
    pub rule: &'static str,
    pub level: Level,
    /// One sentence naming the key or event and the function.
    pub message: String,
    /// Where the finding points (SPEC §5 says where for each rule).
    pub primary: Label,
    /// The writes, reads, calls and events that explain it, in the order a reader follows them.
    pub related: Vec<Label>,
    /// Extra facts (`note: ...`), such as the path from an entry to a write.
    pub notes: Vec<String>,
    /// How to fix it (`help: ...`).
    pub help: Option<String>,
    pub suggestion: Option<Suggestion>,
    /// Stable identity across edits elsewhere: rule, key, function path and file, never lines.
    pub fingerprint: String,
}

impl Finding {
    /// The order findings are reported in: by file, position, then rule and message.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (
            &self.primary.location.file,
            self.primary.location.byte_start,
            self.primary.location.byte_end,
            self.rule,
            &self.message,
            &self.fingerprint,
        )
    }
}

/// A stable 64-bit FNV-1a fingerprint of the given parts, as 16 hex digits.
pub fn fingerprint(parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0xff)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}
