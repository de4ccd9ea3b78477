//! The binary, end to end: exit statuses and output streams.

use assert_cmd::Command;
use predicates::prelude::*;

fn parity() -> Command {
    let mut c = Command::cargo_bin("parity").unwrap();
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c.env("NO_COLOR", "1");
    c
}

#[test]
fn the_broken_example_exits_1_and_names_both_files() {
    parity()
        .args(["check", "examples/django-compose"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("PAR-T001"))
        .stdout(predicate::str::contains("nginx/default.conf:33:9"))
        .stdout(predicate::str::contains("docker-compose.yml"));
}

#[test]
fn the_fixed_example_exits_0_at_fail_on_error() {
    parity()
        .args([
            "check",
            "examples/django-compose-fixed",
            "--fail-on",
            "error",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("PAR-T001").not());
}

#[test]
fn fail_on_thresholds() {
    // The gthread fixture has only a PAR-S004 warning.
    let dir = "tests/fixtures/compose-gthread-worker";
    parity().args(["check", dir]).assert().code(1);
    parity()
        .args(["check", dir, "--fail-on", "warning"])
        .assert()
        .code(1);
    parity()
        .args(["check", dir, "--fail-on", "error"])
        .assert()
        .code(0);
    parity()
        .args(["check", dir, "--fail-on", "none"])
        .assert()
        .code(0);
}

#[test]
fn a_file_problem_fails_the_run_like_an_error() {
    parity()
        .args([
            "check",
            "tests/fixtures/parse-error-does-not-hide-findings",
            "--fail-on",
            "error",
            "--format",
            "json",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("\"PAR-E001\""));
}

#[test]
fn json_output_has_the_documented_shape() {
    let out = parity()
        .args(["check", "examples/django-compose", "--format", "json"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).expect("stdout is one JSON document");
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["tool"]["name"], "parity");
    let f = &v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "PAR-T001")
        .unwrap()
        .clone();
    assert_eq!(f["primary"]["path"], "nginx/default.conf");
    assert_eq!(f["primary"]["line"], 33);
    assert_eq!(f["primary"]["column"], 9);
    assert_eq!(f["primary"]["end_line"], 33);
    assert_eq!(f["primary"]["end_column"], 31);
    assert_eq!(f["related"][0]["path"], "docker-compose.yml");
    for key in ["name", "severity", "message", "help", "fingerprint"] {
        assert!(f[key].is_string(), "{key}");
    }
    assert_eq!(v["summary"]["findings"]["error"], 1);
    assert!(v["summary"]["files_scanned"].as_u64().unwrap() >= 3);
}

#[test]
fn usage_errors_and_unreadable_roots_exit_2() {
    parity()
        .args(["check", "--format", "yaml"])
        .assert()
        .code(2);
    parity().args(["check", "--no-such-flag"]).assert().code(2);
    parity().args(["bogus"]).assert().code(2);
    parity()
        .args(["check", "tests/fixtures/does-not-exist"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does-not-exist"));
}

#[test]
fn help_and_version_exit_0() {
    parity().arg("--help").assert().code(0);
    parity()
        .arg("--version")
        .assert()
        .code(0)
        .stdout(predicate::str::contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn clap_definition_is_consistent() {
    use clap::CommandFactory;
    parity::cli::Cli::command().debug_assert();
}
