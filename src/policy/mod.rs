//! Policy: parity's rules are data. A policy file (YAML) names the subject it
//! applies to, a condition in the expression language ([`expr`]), which value
//! is primary (where the fix goes), labels for each end, and message and help
//! templates. The built-in pack lives in `policies/` and is embedded in the
//! binary ([`builtin`]).

mod builtin;
pub mod config;
pub mod docs;
pub mod expr;
mod fields;
mod load;
mod run;
mod stop;
pub mod suppress;

use std::collections::BTreeMap;

pub use builtin::{BUILTIN, builtin};
pub use fields::{Subject, field_names, field_names_in, list_names};
pub use load::{PolicyError, load_policy};
pub use run::evaluate;

use crate::finding::Severity;
use crate::value::Value;

/// A loaded, type-checked policy.
#[derive(Debug, Clone)]
pub struct Policy {
    pub id: String,
    pub name: String,
    pub severity: Severity,
    pub summary: String,
    pub applies_to: Subject,
    /// Named parameters with their default values (config may override them).
    pub params: BTreeMap<String, Value>,
    /// For string parameters that take one of a fixed set of words: the words.
    pub param_choices: BTreeMap<String, Vec<String>>,
    pub when: expr::Expr,
    /// The condition as written (shown by `parity rule` for user policies).
    pub when_text: String,
    /// `for_each`: a list of the subject (e.g. `app.unknown_settings`); the
    /// policy is evaluated once per item, with the item's fields as `item.*`.
    pub for_each: Option<String>,
    /// `downgrade_when`: when true, the finding is one severity lower
    /// (error -> warning -> info).
    pub downgrade_when: Option<expr::Expr>,
    /// The field whose location is where the fix goes.
    pub primary: String,
    /// Field path -> label template for that end.
    pub labels: Vec<(String, expr::Template)>,
    pub message: expr::Template,
    pub help: expr::Template,
    pub docs: Option<String>,
    /// Where the policy was loaded from (`policies/timeouts/PAR-T001.yaml` or a user path).
    pub source: String,
}

/// The policies of a run.
pub type PolicySet = Vec<Policy>;
