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
        let start = self.offset(span.file, span.start);
        let end = self.offset(span.file, span.end);
        let line_start = span.start.line.max(1);
        let line_end = span.end.line.max(line_start);
        Location {
            file: self.rel(span.file).to_string(),
            line_start,
            column_start: start.column + 1,
            line_end,
            column_end: end.column + 1,
            byte_start: start.byte as u32,
            byte_end: end.byte.max(start.byte) as u32,
            byte_column_start: start.byte_column as u32 + 1,
            byte_column_end: end.byte_column as u32 + 1,
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

    /// A tokenizer position in the file's text.
    ///
    /// The tokenizer counts a byte-order mark as the first character of line 1; rustc does
    /// not count it in columns but does in byte offsets (they are offsets in the file as
    /// stored). Columns here follow rustc, and byte columns count from the same place.
    fn offset(&self, file: FileId, pos: Pos) -> Offset {
        let text: &str = &self.files[file as usize].text;
        let lines = self.lines[file as usize].get_or_init(|| line_starts(text));
        let line = (pos.line.max(1) as usize - 1).min(lines.len().saturating_sub(1));
        let start = lines.get(line).copied().unwrap_or(0);
        let rest = text.get(start..).unwrap_or("");
        let mut column = 0;
        let mut byte_column = 0;
        for c in rest
            .chars()
            .take_while(|&c| c != '\n')
            .take(pos.column as usize)
        {
            column += 1;
            byte_column += c.len_utf8();
        }
        let offset = Offset {
            byte: start + byte_column,
            column,
            byte_column,
        };
        if line == 0 && column > 0 && text.starts_with(BOM) {
            return Offset {
                column: offset.column - 1,
                byte_column: offset.byte_column - BOM.len_utf8(),
                ..offset
            };
        }
        offset
    }
}

const BOM: char = '\u{feff}';

/// A position as findings carry it (0-based here).
struct Offset {
    /// From the start of the file.
    byte: usize,
    /// In Unicode scalar values from the start of the line (after a byte-order mark).
    column: u32,
    /// In bytes from the start of the line (after a byte-order mark).
    byte_column: usize,
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
        .collect()
}
