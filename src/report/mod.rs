//! Report: renders findings and problems. Knows nothing of sources or policies;
//! reads spans through the [`SourceMap`] only here, at the end of the pipeline.

mod human;
mod json;

use std::io::{self, Write};

use crate::diag::Problem;
use crate::finding::{Finding, Severity};
use crate::source_map::SourceMap;

/// Output format of `parity check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Diagnostics with source snippets for a terminal.
    Human,
    /// Versioned JSON for scripts (docs/output-formats.md).
    Json,
}

/// Everything a renderer needs.
pub struct Report<'a> {
    pub map: &'a SourceMap,
    /// Sorted, deduplicated findings (suppressed ones included, marked).
    pub findings: &'a [Finding],
    pub problems: &'a [Problem],
    pub files_scanned: usize,
    pub tool_version: &'a str,
    /// Render colours (human format only).
    pub color: bool,
}

impl Report<'_> {
    /// Unsuppressed findings of one severity.
    #[must_use]
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.suppressed.is_none() && f.severity == severity)
            .count()
    }

    #[must_use]
    pub fn suppressed(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.suppressed.is_some())
            .count()
    }
}

/// Writes the report in `format`.
///
/// # Errors
/// Only I/O errors of `out`.
pub fn render(format: Format, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Human => human::render(report, out),
        Format::Json => json::render(report, out),
    }
}
