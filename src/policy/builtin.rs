//! The built-in rule pack, embedded at compile time from `policies/`.
//! `tests/rules.rs` checks this list equals the files on disk.

use super::PolicySet;
use super::load::{PolicyError, load_policy};

/// (path relative to the repository, contents) of every built-in policy.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "policies/timeouts/PAR-T001-hard-kill-shorter-than-proxy-read.yaml",
        include_str!("../../policies/timeouts/PAR-T001-hard-kill-shorter-than-proxy-read.yaml"),
    ),
    (
        "policies/shutdown/PAR-S001-grace-budget-overflow.yaml",
        include_str!("../../policies/shutdown/PAR-S001-grace-budget-overflow.yaml"),
    ),
    (
        "policies/shutdown/PAR-S002-no-prestop-delay-behind-router.yaml",
        include_str!("../../policies/shutdown/PAR-S002-no-prestop-delay-behind-router.yaml"),
    ),
    (
        "policies/shutdown/PAR-S004-compose-stop-grace-below-drain.yaml",
        include_str!("../../policies/shutdown/PAR-S004-compose-stop-grace-below-drain.yaml"),
    ),
];

/// Loads and type-checks the built-in pack.
///
/// # Errors
/// Only if a built-in policy is invalid, which the test suite rules out.
pub fn builtin() -> Result<PolicySet, Box<PolicyError>> {
    BUILTIN
        .iter()
        .map(|(path, text)| load_policy(path, text))
        .collect()
}
