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
        "policies/shutdown/PAR-S004-compose-stop-grace-below-drain.yaml",
        include_str!("../../policies/shutdown/PAR-S004-compose-stop-grace-below-drain.yaml"),
    ),
    (
        "policies/parsing/PAR-P001-unknown-gunicorn-setting.yaml",
        include_str!("../../policies/parsing/PAR-P001-unknown-gunicorn-setting.yaml"),
    ),
    (
        "policies/parsing/PAR-P002-unknown-uwsgi-option.yaml",
        include_str!("../../policies/parsing/PAR-P002-unknown-uwsgi-option.yaml"),
    ),
    (
        "policies/parsing/PAR-P003-uwsgi-env-in-immediate-option.yaml",
        include_str!("../../policies/parsing/PAR-P003-uwsgi-env-in-immediate-option.yaml"),
    ),
    (
        "policies/shutdown/PAR-S005-uwsgi-sigterm-reload.yaml",
        include_str!("../../policies/shutdown/PAR-S005-uwsgi-sigterm-reload.yaml"),
    ),
    (
        "policies/shutdown/PAR-S006-stop-signal-not-delivered.yaml",
        include_str!("../../policies/shutdown/PAR-S006-stop-signal-not-delivered.yaml"),
    ),
    (
        "policies/shutdown/PAR-S007-fast-shutdown-signal.yaml",
        include_str!("../../policies/shutdown/PAR-S007-fast-shutdown-signal.yaml"),
    ),
    (
        "policies/topology/PAR-N003-static-dns-upstream.yaml",
        include_str!("../../policies/topology/PAR-N003-static-dns-upstream.yaml"),
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
