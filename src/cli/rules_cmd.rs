//! `parity rules`, `parity rule <ID>` and `parity init`.

use std::io::{self, Write};
use std::path::Path;

use serde_json::json;

use super::{ExitStatus, RunOptions};
use crate::policy;
use crate::policy::config::{CONFIG_FILE, STARTER};
use crate::policy::docs::{RuleInfo, rule_doc, rule_list};
use crate::policy::suppress::META_RULES;
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

/// The rules a `check` with these options would know: the built-in pack and
/// the user policies, with the configuration's severities and parameters, and
/// whether its selection runs each one.
fn configured_rules(options: &RunOptions, err: &mut dyn Write) -> Option<Vec<(RuleInfo, bool)>> {
    let mut pack = match policy::builtin() {
        Ok(pack) => pack,
        Err(e) => {
            let _ = writeln!(err, "parity: invalid built-in policy: {e}");
            return None;
        }
    };
    pack.extend(options.extra_policies.iter().cloned());
    // Overrides apply to every rule; the selection only marks rules as off,
    // since a listing that hid them would not tell how to turn them on.
    let mut overrides = options.config.clone();
    overrides.select = None;
    overrides.ignore = None;
    let meta: Vec<&str> = META_RULES.iter().map(|m| m.id).collect();
    if let Err(e) = overrides.apply(&mut pack, &meta) {
        let _ = write!(err, "{}", super::render_diagnostic(e.as_ref()));
        return None;
    }
    Some(
        rule_list(&pack)
            .into_iter()
            .map(|r| {
                let on = options.config.is_enabled(&r.id);
                (r, on)
            })
            .collect(),
    )
}

/// `parity rules`: every rule, in a table or as JSON.
pub(super) fn list(
    options: &RunOptions,
    format: Format,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> ExitStatus {
    let Some(rules) = configured_rules(options, err) else {
        return ExitStatus::ToolError;
    };
    let written = match format {
        Format::Json => {
            let doc = json!({
                "schema_version": 1,
                "rules": rules.iter().map(|(r, on)| json!({
                    "id": r.id,
                    "name": r.name,
                    "severity": r.severity.as_str(),
                    "summary": r.summary,
                    "docs": r.docs,
                    "params": r.params.iter()
                        .map(|(k, v)| (k.clone(), json!(v)))
                        .collect::<serde_json::Map<_, _>>(),
                    "source": r.source,
                    "enabled": on,
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

fn write_table(rules: &[(RuleInfo, bool)], out: &mut dyn Write) -> io::Result<()> {
    let id_width = rules.iter().map(|(r, _)| r.id.len()).max().unwrap_or(0);
    let name_width = rules.iter().map(|(r, _)| r.name.len()).max().unwrap_or(0);
    for (r, on) in rules {
        // Disabled rules show `off` where the severity would be.
        let severity = if *on { r.severity.as_str() } else { "off" };
        writeln!(
            out,
            "{:<id_width$} {:<7} {:<name_width$}  {}",
            r.id, severity, r.name, r.summary
        )?;
    }
    let user = rules
        .iter()
        .filter(|(r, _)| r.source != "parity" && !r.source.starts_with("policies/"))
        .count();
    let off = rules.iter().filter(|(_, on)| !on).count();
    write!(out, "\n{} rules", rules.len())?;
    if user > 0 {
        write!(out, " ({user} from your policy directories)")?;
    }
    if off > 0 {
        write!(out, ", {off} off by the configuration")?;
    }
    writeln!(out, ". `parity rule <ID>` prints a rule's documentation.")
}

/// `parity rule <ID>`: the rule's documentation page. A user policy has no
/// page in parity; its own fields make one.
pub(super) fn show(
    options: &RunOptions,
    id: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> ExitStatus {
    let Some(rules) = configured_rules(options, err) else {
        return ExitStatus::ToolError;
    };
    let wanted = id.trim().to_ascii_uppercase();
    if let Some(page) = rule_doc(&wanted) {
        return finish(out.write_all(page.as_bytes()), err);
    }
    if let Some(p) = options
        .extra_policies
        .iter()
        .find(|p| p.id.eq_ignore_ascii_case(&wanted))
    {
        let info = rules.iter().find(|(r, _)| r.id == p.id).map(|(r, _)| r);
        return finish(write_user_policy(p, info, out), err);
    }
    let ids: Vec<&str> = rules.iter().map(|(r, _)| r.id.as_str()).collect();
    let _ = writeln!(
        err,
        "parity: no rule `{id}`; the rules are: {}",
        ids.join(", ")
    );
    ExitStatus::ToolError
}

fn write_user_policy(
    p: &policy::Policy,
    info: Option<&RuleInfo>,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(out, "# {} {}\n", p.id, p.name)?;
    writeln!(out, "{}\n", p.summary.trim())?;
    writeln!(out, "- severity: {}", p.severity.as_str())?;
    writeln!(out, "- applies to: {}", p.applies_to.as_str())?;
    writeln!(out, "- defined in: {}", p.source)?;
    if let Some(info) = info {
        for (k, v) in &info.params {
            writeln!(out, "- parameter `{k}`: {v}")?;
        }
    }
    writeln!(out, "\nCondition:\n\n    {}", p.when_text.trim())?;
    if let Some(docs) = &p.docs {
        writeln!(out, "\nDocumentation: {docs}")?;
    }
    Ok(())
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
