//! Findings: what the policy stage produces and the report stage renders.
//! Leaf-level module (imports only span/source_map).

use std::fmt;

use serde::Serialize;

use crate::source_map::SourceMap;
use crate::span::Span;

/// Severity of a finding, lowest first so that `>=` means "at least as severe".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One end of a finding: a place in a file and what it is.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub span: Span,
    pub text: String,
}

/// A disagreement found by a rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// Rule id, e.g. `PAR-T001`.
    pub rule: String,
    /// Rule name, e.g. `hard-kill-shorter-than-proxy-read`.
    pub name: String,
    pub severity: Severity,
    pub message: String,
    pub help: String,
    /// Where the fix goes.
    pub primary: Label,
    /// The other end(s) of the disagreement.
    pub related: Vec<Label>,
    /// Link or path to the rule's documentation.
    pub docs: Option<String>,
    /// Set when an inline `# parity: ignore[...]` comment suppresses it; the reason given.
    pub suppressed: Option<String>,
}

impl Finding {
    /// A stable identifier across runs: rule id, the files of both ends and the
    /// source text at each end. Line numbers are left out so that an edit
    /// elsewhere in a file does not change it.
    #[must_use]
    pub fn fingerprint(&self, map: &SourceMap) -> String {
        let mut h = Fnv::new();
        h.write(self.rule.as_bytes());
        for label in std::iter::once(&self.primary).chain(&self.related) {
            h.write(b"\0");
            h.write(map.get(label.span.file).path.as_bytes());
            h.write(b"\0");
            h.write(map.text(label.span).as_bytes());
        }
        format!("{:016x}", h.finish())
    }

    /// Sort key: primary path, position, rule.
    #[must_use]
    pub fn sort_key(&self, map: &SourceMap) -> (String, u32, u32, String) {
        let path = map.get(self.primary.span.file).path.clone();
        (
            path,
            self.primary.span.start,
            self.primary.span.end,
            self.rule.clone(),
        )
    }
}

/// FNV-1a, 64 bit: tiny, stable across platforms and releases (std's hasher is not).
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}
