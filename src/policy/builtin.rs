//! The built-in rule pack, embedded at compile time from `policies/`.
//! `tests/rules.rs` checks this list equals the files on disk.

use super::PolicySet;
use super::load::{PolicyError, load_policy};

/// (path relative to the repository, contents) of every built-in policy.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "policies/keepalive/PAR-K001-upstream-keepalive-inert.yaml",
        include_str!("../../policies/keepalive/PAR-K001-upstream-keepalive-inert.yaml"),
    ),
    (
        "policies/keepalive/PAR-K002-proxy-pool-idle-not-below-server-keepalive.yaml",
        include_str!(
            "../../policies/keepalive/PAR-K002-proxy-pool-idle-not-below-server-keepalive.yaml"
        ),
    ),
    (
        "policies/keepalive/PAR-K004-recycle-with-pooled-keepalive.yaml",
        include_str!("../../policies/keepalive/PAR-K004-recycle-with-pooled-keepalive.yaml"),
    ),
    (
        "policies/keepalive/PAR-K005-recycle-without-jitter.yaml",
        include_str!("../../policies/keepalive/PAR-K005-recycle-without-jitter.yaml"),
    ),
    (
        "policies/keepalive/PAR-K006-sync-worker-without-buffering-proxy.yaml",
        include_str!("../../policies/keepalive/PAR-K006-sync-worker-without-buffering-proxy.yaml"),
    ),
    (
        "policies/parsing/PAR-P004-invalid-nginx-time-or-size.yaml",
        include_str!("../../policies/parsing/PAR-P004-invalid-nginx-time-or-size.yaml"),
    ),
    (
        "policies/parsing/PAR-P005-array-directive-shadowing.yaml",
        include_str!("../../policies/parsing/PAR-P005-array-directive-shadowing.yaml"),
    ),
    (
        "policies/retries/PAR-R001-retries-non-idempotent.yaml",
        include_str!("../../policies/retries/PAR-R001-retries-non-idempotent.yaml"),
    ),
    (
        "policies/retries/PAR-R002-timeout-retry-amplification.yaml",
        include_str!("../../policies/retries/PAR-R002-timeout-retry-amplification.yaml"),
    ),
    (
        "policies/retries/PAR-R003-max-fails-flapping.yaml",
        include_str!("../../policies/retries/PAR-R003-max-fails-flapping.yaml"),
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
        "policies/shutdown/PAR-S003-prestop-exec-binary-missing.yaml",
        include_str!("../../policies/shutdown/PAR-S003-prestop-exec-binary-missing.yaml"),
    ),
    (
        "policies/shutdown/PAR-S004-compose-stop-grace-below-drain.yaml",
        include_str!("../../policies/shutdown/PAR-S004-compose-stop-grace-below-drain.yaml"),
    ),
    (
        "policies/timeouts/PAR-T001-hard-kill-shorter-than-proxy-read.yaml",
        include_str!("../../policies/timeouts/PAR-T001-hard-kill-shorter-than-proxy-read.yaml"),
    ),
    (
        "policies/timeouts/PAR-T002-harakiri-shorter-than-proxy-read.yaml",
        include_str!("../../policies/timeouts/PAR-T002-harakiri-shorter-than-proxy-read.yaml"),
    ),
    (
        "policies/timeouts/PAR-T004-ingress-read-timeout-above-hard-kill.yaml",
        include_str!("../../policies/timeouts/PAR-T004-ingress-read-timeout-above-hard-kill.yaml"),
    ),
    (
        "policies/timeouts/PAR-T005-timeout-of-wrong-family.yaml",
        include_str!("../../policies/timeouts/PAR-T005-timeout-of-wrong-family.yaml"),
    ),
    (
        "policies/timeouts/PAR-T008-nonsync-timeout-not-a-request-limit.yaml",
        include_str!("../../policies/timeouts/PAR-T008-nonsync-timeout-not-a-request-limit.yaml"),
    ),
    (
        "policies/timeouts/PAR-T009-connect-timeout-above-os-limit.yaml",
        include_str!("../../policies/timeouts/PAR-T009-connect-timeout-above-os-limit.yaml"),
    ),
    (
        "policies/timeouts/PAR-T010-ingress-annotation-not-integer.yaml",
        include_str!("../../policies/timeouts/PAR-T010-ingress-annotation-not-integer.yaml"),
    ),
    (
        "policies/versions/PAR-V001-nginx-version-sensitive-default.yaml",
        include_str!("../../policies/versions/PAR-V001-nginx-version-sensitive-default.yaml"),
    ),
    (
        "policies/versions/PAR-V002-retired-controller.yaml",
        include_str!("../../policies/versions/PAR-V002-retired-controller.yaml"),
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
        "policies/topology/PAR-N001-app-bound-to-loopback.yaml",
        include_str!("../../policies/topology/PAR-N001-app-bound-to-loopback.yaml"),
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
