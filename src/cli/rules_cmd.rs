//! `parity rules`, `parity rule <ID>` and `parity init`.

use std::io::{self, Write};
use std::path::Path;

use serde_json::json;

use super::ExitStatus;
use crate::policy;
use crate::policy::config::{CONFIG_FILE, STARTER};
use crate::policy::docs::{RuleInfo, rule_doc, rule_list};
use crate::report::Format;

fn finish(written: io::Result<()>, err: &mut dyn Write) -> ExitStatus {
    match written {
        Ok(()) => ExitStatus::Clean,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitStatus::Clean,
        Err(e) => {
            let _ = writeln!(err, "parity: cannot write output: {e}");
            ExitStatus::ToolError
        }
    }
}

fn rules(err: &mut dyn Write) -> Option<Vec<RuleInfo>> {
    match policy::builtin() {
        Ok(pack) => Some(rule_list(&pack)),
        Err(e) => {
            let _ = writeln!(err, "parity: invalid built-in policy: {e}");
            None
        }
    }
}

/// `parity rules`: every rule, in a table or as JSON.
pub(super) fn list(format: Format, out: &mut dyn Write, err: &mut dyn Write) -> ExitStatus {
    let Some(rules) = rules(err) else {
        return ExitStatus::ToolError;
    };
    let written = match format {
        Format::Json => {
            let doc = json!({
                "schema_version": 1,
                "rules": rules.iter().map(|r| json!({
                    "id": r.id,
                    "name": r.name,
                    "severity": r.severity.as_str(),
                    "summary": r.summary,
                    "docs": r.docs,
                    "params": r.params.iter()
                        .map(|(k, v)| (k.clone(), json!(v)))
                        .collect::<serde_json::Map<_, _>>(),
                    "source": r.source,
                })).collect::<Vec<_>>(),
            });
            serde_json::to_writer_pretty(&mut *out, &doc)
                .map_err(io::Error::other)
                .and_then(|()| writeln!(out))
        }
        Format::Human => write_table(&rules, out),
    };
    finish(written, err)
}

fn write_table(rules: &[RuleInfo], out: &mut dyn Write) -> io::Result<()> {
    let name_width = rules.iter().map(|r| r.name.len()).max().unwrap_or(0);
    for r in rules {
        writeln!(
            out,
            "{:<9} {:<7} {:<name_width$}  {}",
            r.id,
            r.severity.as_str(),
            r.name,
            r.summary
        )?;
    }
    writeln!(
        out,
        "\n{} rules. `parity rule <ID>` prints a rule's documentation.",
        rules.len()
    )
}

/// `parity rule <ID>`: the rule's documentation page.
pub(super) fn show(id: &str, out: &mut dyn Write, err: &mut dyn Write) -> ExitStatus {
    let Some(rules) = rules(err) else {
        return ExitStatus::ToolError;
    };
    let wanted = id.trim().to_ascii_uppercase();
    match rule_doc(&wanted) {
        Some(page) => finish(out.write_all(page.as_bytes()), err),
        None => {
            let ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
            let _ = writeln!(
                err,
                "parity: no rule `{id}`; the rules are: {}",
                ids.join(", ")
            );
            ExitStatus::ToolError
        }
    }
}

/// `parity init [DIR]`: writes the starter configuration, never over an existing file.
pub(super) fn init(dir: &Path, out: &mut dyn Write, err: &mut dyn Write) -> ExitStatus {
    let path = dir.join(CONFIG_FILE);
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path);
    let written = file.and_then(|mut f| f.write_all(STARTER.as_bytes()));
    match written {
        Ok(()) => finish(
            writeln!(
                out,
                "wrote {}: every setting is commented out; uncomment what you need",
                path.display()
            ),
            err,
        ),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            let _ = writeln!(
                err,
                "parity: {} already exists; not overwriting it",
                path.display()
            );
            ExitStatus::ToolError
        }
        Err(e) => {
            let _ = writeln!(err, "parity: cannot write {}: {e}", path.display());
            ExitStatus::ToolError
        }
    }
}
