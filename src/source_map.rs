//! Every file parity reads, with its root-relative path, its text and a lazily
//! built line index. Leaf module (imports only [`crate::span`]).
//!
//! Columns are counted in Unicode scalar values (characters), 1-based; see
//! docs/output-formats.md.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use crate::span::{FileId, Span};

/// A 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

/// One file's text. Text is decoded lossily (invalid UTF-8 becomes U+FFFD)
/// and a leading BOM is dropped, so every span refers to this text.
#[derive(Debug)]
pub struct SourceFile {
    pub id: FileId,
    /// Path relative to the scanned root, with `/` separators.
    pub path: String,
    /// Absolute path on disk (never shown in output).
    pub abs: PathBuf,
    pub text: Arc<str>,
    /// True when the bytes on disk were not valid UTF-8.
    pub lossy: bool,
    line_starts: OnceLock<Vec<u32>>,
}

impl SourceFile {
    fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| {
            let mut starts = vec![0u32];
            for (i, b) in self.text.bytes().enumerate() {
                if b == b'\n' {
                    starts.push(u32::try_from(i + 1).unwrap_or(u32::MAX));
                }
            }
            starts
        })
    }

    /// Line and column of a byte offset (clamped to the text, snapped back to a char boundary).
    #[must_use]
    pub fn line_col(&self, offset: u32) -> LineCol {
        let mut offset = (offset as usize).min(self.text.len());
        while offset > 0 && !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let starts = self.line_starts();
        let line_idx = match starts.binary_search(&u32::try_from(offset).unwrap_or(u32::MAX)) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let line_start = starts[line_idx] as usize;
        let column = self.text[line_start..offset].chars().count() + 1;
        LineCol {
            line: u32::try_from(line_idx + 1).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }

    /// The text of line `line` (1-based) without its line terminator.
    #[must_use]
    pub fn line_text(&self, line: u32) -> &str {
        let starts = self.line_starts();
        let Some(&start) = starts.get(line.saturating_sub(1) as usize) else {
            return "";
        };
        let end = starts
            .get(line as usize)
            .map_or(self.text.len(), |&e| e as usize);
        self.text[start as usize..end].trim_end_matches(['\n', '\r'])
    }

    /// Byte offset of the first character of 1-based `line`, if it exists.
    #[must_use]
    pub fn line_start(&self, line: u32) -> Option<u32> {
        self.line_starts()
            .get(line.saturating_sub(1) as usize)
            .copied()
    }

    #[must_use]
    pub fn line_count(&self) -> u32 {
        u32::try_from(self.line_starts().len()).unwrap_or(u32::MAX)
    }
}

/// Start and inclusive end position of a span, as rendered in output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    pub start: LineCol,
    /// Position of the last character of the span (inclusive). For an empty
    /// span this equals `start`.
    pub end: LineCol,
}

/// All files of one run, indexed by [`FileId`].
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a file from its raw bytes and returns its id.
    pub fn add(&mut self, path: String, abs: PathBuf, bytes: &[u8]) -> FileId {
        let (text, lossy) = match std::str::from_utf8(bytes) {
            Ok(s) => (s.to_owned(), false),
            Err(_) => (String::from_utf8_lossy(bytes).into_owned(), true),
        };
        let text = text
            .strip_prefix('\u{feff}')
            .map_or(text.clone(), str::to_owned);
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(SourceFile {
            id,
            path,
            abs,
            text: Arc::from(text),
            lossy,
            line_starts: OnceLock::new(),
        });
        id
    }

    /// The file with this id.
    ///
    /// # Panics
    /// Only if `id` was not issued by this map, which is a programming error.
    #[must_use]
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    #[must_use]
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    #[must_use]
    pub fn find(&self, path: &str) -> Option<&SourceFile> {
        self.files.iter().find(|f| f.path == path)
    }

    #[must_use]
    pub fn text(&self, span: Span) -> &str {
        let text = &self.get(span.file).text;
        text.get(span.range()).unwrap_or("")
    }

    /// Rendered region of a span.
    #[must_use]
    pub fn region(&self, span: Span) -> Region {
        let file = self.get(span.file);
        let start = file.line_col(span.start);
        let end = if span.end > span.start {
            // Position of the last character: step back one char from the end.
            let mut last = (span.end as usize).min(file.text.len());
            last = last.saturating_sub(1);
            while last > 0 && !file.text.is_char_boundary(last) {
                last -= 1;
            }
            file.line_col(u32::try_from(last).unwrap_or(u32::MAX))
        } else {
            start
        };
        Region { start, end }
    }

    /// `path:line:column` of a span's start.
    #[must_use]
    pub fn location(&self, span: Span) -> String {
        let file = self.get(span.file);
        let lc = file.line_col(span.start);
        format!("{}:{}:{}", file.path, lc.line, lc.column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_and_strips_bom() {
        let mut map = SourceMap::new();
        let id = map.add("a".into(), PathBuf::new(), "\u{feff}ab\nçd x\n".as_bytes());
        let f = map.get(id);
        assert_eq!(&*f.text, "ab\nçd x\n");
        assert_eq!(f.line_col(0), LineCol { line: 1, column: 1 });
        // 'x' is at byte 7 (ç is two bytes) but character column 4.
        assert_eq!(f.line_col(7), LineCol { line: 2, column: 4 });
        assert_eq!(f.line_text(2), "çd x");
        let r = map.region(Span::new(id, 3, 6));
        assert_eq!(r.start, LineCol { line: 2, column: 1 });
        assert_eq!(r.end, LineCol { line: 2, column: 2 });
    }

    #[test]
    fn lossy_decoding_is_flagged() {
        let mut map = SourceMap::new();
        let id = map.add("b".into(), PathBuf::new(), b"a \xff b");
        assert!(map.get(id).lossy);
        assert!(map.get(id).text.contains('\u{fffd}'));
    }
}
