//! Problems in input files (parse errors, unreadable files). They are
//! diagnostics with spans, never panics, and never stop the scan. Leaf module.

use crate::span::{FileId, Span};

/// Code for a file parity recognised but could not parse.
pub const PARSE_ERROR: &str = "PAR-E001";

/// A problem found while reading one input file.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// Stable code, e.g. `PAR-E001`.
    pub code: &'static str,
    pub message: String,
    pub file: FileId,
    /// Where in the file; `None` when the whole file is concerned (unreadable).
    pub span: Option<Span>,
}

impl Problem {
    /// A parse error at `span`.
    pub fn parse(span: Span, message: impl Into<String>) -> Self {
        Self {
            code: PARSE_ERROR,
            message: message.into(),
            file: span.file,
            span: Some(span),
        }
    }

    /// A problem concerning a whole file.
    pub fn file(file: FileId, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            file,
            span: None,
        }
    }
}
