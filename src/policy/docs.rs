//! The rule documentation pages (`docs/rules/<ID>.md`), embedded at compile
//! time for `parity rule <ID>`, and the rule list of `parity rules`.
//! `tests/config_cli.rs` checks this list equals the files on disk.

use super::Policy;
use super::suppress::META_RULES;
use crate::finding::Severity;
use crate::value::Value;

/// (rule id, page) of every page in `docs/rules/`.
pub const RULE_DOCS: &[(&str, &str)] = &[
    ("PAR-E002", include_str!("../../docs/rules/PAR-E002.md")),
    ("PAR-E003", include_str!("../../docs/rules/PAR-E003.md")),
    ("PAR-K001", include_str!("../../docs/rules/PAR-K001.md")),
    ("PAR-K002", include_str!("../../docs/rules/PAR-K002.md")),
    ("PAR-K004", include_str!("../../docs/rules/PAR-K004.md")),
    ("PAR-K005", include_str!("../../docs/rules/PAR-K005.md")),
    ("PAR-K006", include_str!("../../docs/rules/PAR-K006.md")),
    ("PAR-P004", include_str!("../../docs/rules/PAR-P004.md")),
    ("PAR-P005", include_str!("../../docs/rules/PAR-P005.md")),
    ("PAR-R001", include_str!("../../docs/rules/PAR-R001.md")),
    ("PAR-R002", include_str!("../../docs/rules/PAR-R002.md")),
    ("PAR-R003", include_str!("../../docs/rules/PAR-R003.md")),
    ("PAR-S001", include_str!("../../docs/rules/PAR-S001.md")),
    ("PAR-S002", include_str!("../../docs/rules/PAR-S002.md")),
    ("PAR-N001", include_str!("../../docs/rules/PAR-N001.md")),
    ("PAR-N003", include_str!("../../docs/rules/PAR-N003.md")),
    ("PAR-P001", include_str!("../../docs/rules/PAR-P001.md")),
    ("PAR-P002", include_str!("../../docs/rules/PAR-P002.md")),
    ("PAR-P003", include_str!("../../docs/rules/PAR-P003.md")),
    ("PAR-S003", include_str!("../../docs/rules/PAR-S003.md")),
    ("PAR-S004", include_str!("../../docs/rules/PAR-S004.md")),
    ("PAR-S005", include_str!("../../docs/rules/PAR-S005.md")),
    ("PAR-S006", include_str!("../../docs/rules/PAR-S006.md")),
    ("PAR-S007", include_str!("../../docs/rules/PAR-S007.md")),
    ("PAR-T001", include_str!("../../docs/rules/PAR-T001.md")),
    ("PAR-T002", include_str!("../../docs/rules/PAR-T002.md")),
    ("PAR-T004", include_str!("../../docs/rules/PAR-T004.md")),
    ("PAR-T005", include_str!("../../docs/rules/PAR-T005.md")),
    ("PAR-T008", include_str!("../../docs/rules/PAR-T008.md")),
    ("PAR-T009", include_str!("../../docs/rules/PAR-T009.md")),
    ("PAR-T010", include_str!("../../docs/rules/PAR-T010.md")),
    ("PAR-V001", include_str!("../../docs/rules/PAR-V001.md")),
    ("PAR-V002", include_str!("../../docs/rules/PAR-V002.md")),
];

/// The documentation page of rule `id`.
#[must_use]
pub fn rule_doc(id: &str) -> Option<&'static str> {
    RULE_DOCS
        .iter()
        .find(|(i, _)| *i == id)
        .map(|(_, page)| *page)
}

/// One rule as `parity rules` lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleInfo {
    pub id: String,
    pub name: String,
    pub severity: Severity,
    pub summary: String,
    pub docs: Option<String>,
    /// Parameter name and default, written as in a config file (`1s`, `3`, `true`).
    pub params: Vec<(String, String)>,
    /// `policies/...yaml` for a policy, `parity` for a rule built into parity itself.
    pub source: String,
}

fn param_text(v: &Value) -> String {
    match v {
        Value::Duration(d) => d.compound(),
        Value::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

/// Every rule of `policies` and parity's own rules, sorted by id.
#[must_use]
pub fn rule_list(policies: &[Policy]) -> Vec<RuleInfo> {
    let mut out: Vec<RuleInfo> = policies
        .iter()
        .map(|p| RuleInfo {
            id: p.id.clone(),
            name: p.name.clone(),
            severity: p.severity,
            summary: p.summary.trim().to_owned(),
            docs: p.docs.clone(),
            params: p
                .params
                .iter()
                .map(|(k, v)| (k.clone(), param_text(v)))
                .collect(),
            source: p.source.clone(),
        })
        .chain(META_RULES.iter().map(|m| RuleInfo {
            id: m.id.to_owned(),
            name: m.name.to_owned(),
            severity: m.severity,
            summary: m.summary.to_owned(),
            docs: Some(m.docs.to_owned()),
            params: Vec::new(),
            source: "parity".to_owned(),
        }))
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}
