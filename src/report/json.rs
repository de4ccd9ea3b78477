//! `--format json`: a versioned, stable shape for scripts (docs/output-formats.md).

use std::io::{self, Write};

use serde_json::{Value, json};

use super::Report;
use crate::finding::{Label, Severity};
use crate::source_map::SourceMap;

pub(super) fn render(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let findings: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let mut v = json!({
                "rule": f.rule,
                "name": f.name,
                "severity": f.severity.as_str(),
                "message": f.message,
                "help": f.help,
                "primary": location(report.map, &f.primary),
                "related": f.related.iter().map(|l| location(report.map, l)).collect::<Vec<_>>(),
                "fingerprint": f.fingerprint(report.map),
            });
            if let Some(docs) = &f.docs {
                v["docs"] = json!(docs);
            }
            if let Some(reason) = &f.suppressed {
                v["suppressed"] = json!({ "reason": reason });
            }
            v
        })
        .collect();
    let problems: Vec<Value> = report
        .problems
        .iter()
        .map(|p| {
            let file = report.map.get(p.file);
            let mut v = json!({ "path": file.path, "code": p.code, "message": p.message });
            if let Some(span) = p.span {
                let r = report.map.region(span);
                v["line"] = json!(r.start.line);
                v["column"] = json!(r.start.column);
                v["end_line"] = json!(r.end.line);
                v["end_column"] = json!(r.end.column);
            } else {
                v["line"] = json!(1);
                v["column"] = json!(1);
            }
            v
        })
        .collect();
    let doc = json!({
        "schema_version": 1,
        "tool": { "name": "parity", "version": report.tool_version },
        "findings": findings,
        "problems": problems,
        "summary": {
            "files_scanned": report.files_scanned,
            "findings": {
                "error": report.count(Severity::Error),
                "warning": report.count(Severity::Warning),
                "info": report.count(Severity::Info),
            },
            "suppressed": report.suppressed(),
            "problems": report.problems.len(),
        },
    });
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

fn location(map: &SourceMap, label: &Label) -> Value {
    let file = map.get(label.span.file);
    let r = map.region(label.span);
    json!({
        "path": file.path,
        "line": r.start.line,
        "column": r.start.column,
        "end_line": r.end.line,
        "end_column": r.end.column,
        "start_byte": label.span.start,
        "end_byte": label.span.end,
        "label": label.text,
    })
}
