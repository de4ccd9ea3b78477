//! Human output: one miette diagnostic per finding, the primary end (where the
//! fix goes) with its snippet, and the other end as a related diagnostic with
//! its own file, since a miette diagnostic carries one source.

use std::fmt;
use std::io::{self, Write};

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode,
};

use super::Report;
use crate::finding::{Label, Severity};
use crate::source_map::SourceMap;
use crate::span::Span;

/// Width the graphical handler wraps at; fixed so output is reproducible.
const WIDTH: usize = 100;

pub(super) fn render(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let theme = if report.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(WIDTH)
        .with_links(false);
    for f in report.findings.iter().filter(|f| f.suppressed.is_none()) {
        let related = f
            .related
            .iter()
            .map(|l| {
                let loc = report.map.location(l.span);
                Rendered::at(
                    report.map,
                    l,
                    format!("other end at {loc}"),
                    Some(Severity::Info),
                )
            })
            .collect();
        let mut diag = Rendered::at(report.map, &f.primary, f.message.clone(), Some(f.severity));
        diag.code = Some(format!("{} {}", f.rule, f.name));
        diag.help = Some(match &f.docs {
            Some(docs) => format!("{}\n(see {docs})", f.help),
            None => f.help.clone(),
        });
        diag.label = Some(f.primary.text.clone());
        diag.related = related;
        write_diag(&handler, &diag, out)?;
    }
    for p in report.problems {
        let file = report.map.get(p.file);
        let span = p.span.unwrap_or(Span::new(p.file, 0, 0));
        let label = Label {
            span,
            text: p.message.clone(),
        };
        let mut diag = Rendered::at(
            report.map,
            &label,
            format!("{}: {}", file.path, p.message),
            Some(Severity::Error),
        );
        diag.code = Some(p.code.to_owned());
        write_diag(&handler, &diag, out)?;
    }
    let (e, w, i) = (
        report.count(Severity::Error),
        report.count(Severity::Warning),
        report.count(Severity::Info),
    );
    let mut summary = format!(
        "parity: {e} error{}, {w} warning{}, {i} info in {} file{}",
        plural(e),
        plural(w),
        report.files_scanned,
        plural(report.files_scanned)
    );
    if !report.problems.is_empty() {
        summary.push_str(&format!(
            "; {} file problem{}",
            report.problems.len(),
            plural(report.problems.len())
        ));
    }
    if report.suppressed() > 0 {
        summary.push_str(&format!("; {} suppressed", report.suppressed()));
    }
    writeln!(out, "{summary}")
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn write_diag(
    handler: &GraphicalReportHandler,
    diag: &Rendered,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut s = String::new();
    handler
        .render_report(&mut s, diag)
        .map_err(|_| io::Error::other("formatting a diagnostic failed"))?;
    out.write_all(s.as_bytes())?;
    out.write_all(b"\n")
}

/// A diagnostic built at run time from a finding.
#[derive(Debug)]
struct Rendered {
    message: String,
    code: Option<String>,
    severity: Option<Severity>,
    help: Option<String>,
    source: NamedSource<String>,
    offset: usize,
    len: usize,
    label: Option<String>,
    related: Vec<Rendered>,
}

impl Rendered {
    fn at(map: &SourceMap, label: &Label, message: String, severity: Option<Severity>) -> Self {
        let file = map.get(label.span.file);
        let text_len = file.text.len();
        // Clamp: miette drops or mis-renders labels that reach past the end.
        let offset = (label.span.start as usize).min(text_len);
        let len = label.span.len().min(text_len - offset);
        Self {
            message,
            code: None,
            severity,
            help: None,
            source: NamedSource::new(file.path.clone(), file.text.to_string()),
            offset,
            len,
            label: Some(label.text.clone()),
            related: Vec::new(),
        }
    }
}

impl fmt::Display for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Rendered {}

impl Diagnostic for Rendered {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        self.severity.map(|s| match s {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(LabeledSpan::new(
            self.label.clone(),
            self.offset,
            self.len,
        ))))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(self.related.iter().map(|r| r as &dyn Diagnostic)))
        }
    }
}
