//! Token positions → the locations findings carry (lines, Unicode columns, byte offsets).

use crate::facts::{FileId, Pos, SrcSpan};
use crate::finding::Location;
use std::cell::OnceCell;
use std::sync::Arc;

/// A file of the run: its relative path and, while its facts are in use, its text.
#[derive(Debug, Clone)]
pub struct FileText {
    pub rel: String,
    pub text: Arc<str>,
}

/// Converts spans of the run's files to [`Location`]s, indexing each file's lines once.
pub struct Locator<'a> {
    files: &'a [FileText],
    lines: Vec<OnceCell<Vec<usize>>>,
}

impl<'a> Locator<'a> {
    pub fn new(files: &'a [FileText]) -> Self {
        Locator {
            files,
            lines: (0..files.len()).map(|_| OnceCell::new()).collect(),
        }
    }

    /// The relative path of a file.
    pub fn rel(&self, file: FileId) -> &'a str {
        &self.files[file as usize].rel
    }

    /// Where `span` is, in every unit a format needs.
    pub fn location(&self, span: SrcSpan) -> Location {
        let (start_byte, start_col) = self.offset(span.file, span.start);
        let (end_byte, end_col) = self.offset(span.file, span.end);
        let line_start = span.start.line.max(1);
        let line_end = span.end.line.max(line_start);
        Location {
            file: self.rel(span.file).to_string(),
            line_start,
            column_start: span.start.column + 1,
            line_end,
            column_end: span.end.column + 1,
            byte_start: start_byte as u32,
            byte_end: end_byte.max(start_byte) as u32,
            byte_column_start: start_col as u32 + 1,
            byte_column_end: end_col as u32 + 1,
        }
    }

    /// The location of a whole file's first character, for problems with no position.
    pub fn file_start(&self, file: FileId) -> Location {
        let at = Pos { line: 1, column: 0 };
        self.location(SrcSpan {
            file,
            start: at,
            end: at,
        })
    }

    /// Byte offset in the file and byte column in the line of a tokenizer position.
    fn offset(&self, file: FileId, pos: Pos) -> (usize, usize) {
        let text: &str = &self.files[file as usize].text;
        let lines = self.lines[file as usize].get_or_init(|| line_starts(text));
        let line = (pos.line.max(1) as usize - 1).min(lines.len().saturating_sub(1));
        let start = lines.get(line).copied().unwrap_or(0);
        // The tokenizer skips a byte-order mark without counting it as a column.
        let start = if line == 0 && text.starts_with('\u{feff}') {
            3
        } else {
            start
        };
        let rest = text.get(start..).unwrap_or("");
        let column_bytes: usize = rest
            .chars()
            .take_while(|&c| c != '\n')
            .take(pos.column as usize)
            .map(char::len_utf8)
            .sum();
        (
            start + column_bytes,
            column_bytes + start - lines.get(line).copied().unwrap_or(0),
        )
    }
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
        .collect()
}
