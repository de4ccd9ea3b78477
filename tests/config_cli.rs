//! Configuration (`.parity.toml`, `[tool.parity]`, `--config`), command-line
//! selection, user policy directories, inline suppressions, `parity rules`,
//! `parity rule` and `parity init`, end to end through the binary.

use std::collections::BTreeSet;
use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn parity() -> Command {
    let mut c = Command::cargo_bin("parity").unwrap();
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c.env("NO_COLOR", "1");
    c
}

/// Runs `parity check <args> --format json`, checks the exit code, returns the document.
fn check_json(args: &[&str], code: i32) -> Value {
    let out = parity()
        .arg("check")
        .args(args)
        .args(["--format", "json"])
        .assert()
        .code(code)
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).expect("stdout is one JSON document")
}

fn findings(v: &Value) -> &Vec<Value> {
    v["findings"].as_array().unwrap()
}

/// (rule, severity, path, line) of every unsuppressed finding.
fn reported(v: &Value) -> Vec<(String, String, String, u64)> {
    findings(v)
        .iter()
        .filter(|f| f.get("suppressed").is_none())
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
                f["primary"]["path"].as_str().unwrap().to_owned(),
                f["primary"]["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn rules_of(v: &Value) -> Vec<String> {
    reported(v).into_iter().map(|(r, ..)| r).collect()
}

fn suppressed(v: &Value, rule: &str) -> Option<String> {
    findings(v)
        .iter()
        .find(|f| f["rule"] == rule)
        .and_then(|f| f.get("suppressed"))
        .map(|s| s["reason"].as_str().unwrap().to_owned())
}

const DEFAULT_TIMEOUT: &str = "tests/fixtures/compose-gunicorn-default-timeout";

// ---------------------------------------------------------------- selection

#[test]
fn config_select_runs_only_the_selected_family() {
    let v = check_json(&["tests/fixtures/config-select"], 1);
    assert_eq!(rules_of(&v), vec!["PAR-T001"]);
}

#[test]
fn cli_select_replaces_the_config_select() {
    let v = check_json(&["tests/fixtures/config-select", "--select", "PAR-S"], 1);
    assert_eq!(rules_of(&v), vec!["PAR-S004"]);
    let v = check_json(&[DEFAULT_TIMEOUT, "--select", "PAR-S006,PAR-T001"], 1);
    assert_eq!(rules_of(&v), vec!["PAR-S006", "PAR-T001"]);
}

#[test]
fn cli_ignore_by_family_and_by_id() {
    let v = check_json(&[DEFAULT_TIMEOUT, "--ignore", "PAR-T,PAR-N"], 1);
    assert_eq!(rules_of(&v), vec!["PAR-S006"]);
    let v = check_json(&[DEFAULT_TIMEOUT, "--ignore", "PAR-S006,PAR-N003"], 1);
    assert_eq!(rules_of(&v), vec!["PAR-T001"]);
    // The more specific entry wins: select PAR-T001 beats ignore PAR-T.
    let v = check_json(
        &[DEFAULT_TIMEOUT, "--select", "PAR-T001", "--ignore", "PAR-T"],
        1,
    );
    assert_eq!(rules_of(&v), vec!["PAR-T001"]);
}

#[test]
fn an_unknown_rule_in_select_is_a_usage_error_listing_the_ids() {
    parity()
        .args(["check", DEFAULT_TIMEOUT, "--select", "PAR-Q"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no rule id starts with `PAR-Q`"))
        .stderr(predicate::str::contains("PAR-T001"));
    parity()
        .args(["check", DEFAULT_TIMEOUT, "--ignore", "PAR-T02"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("PAR-T02"));
}

#[test]
fn explicit_config_file_replaces_the_root_one() {
    let v = check_json(
        &[
            DEFAULT_TIMEOUT,
            "--config",
            "tests/fixtures/config-select/.parity.toml",
        ],
        1,
    );
    assert_eq!(rules_of(&v), vec!["PAR-T001"]);
    parity()
        .args([
            "check",
            DEFAULT_TIMEOUT,
            "--config",
            "tests/fixtures/no-such-config.toml",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no-such-config.toml"));
}

// ---------------------------------------------------------------- per-rule settings

#[test]
fn config_severity_override() {
    let v = check_json(&["tests/fixtures/config-severity"], 1);
    let t001 = reported(&v)
        .into_iter()
        .find(|(r, ..)| r == "PAR-T001")
        .unwrap();
    assert_eq!(t001.1, "warning");
    // No error left: --fail-on error passes.
    parity()
        .args([
            "check",
            "tests/fixtures/config-severity",
            "--fail-on",
            "error",
        ])
        .assert()
        .code(0);
}

#[test]
fn config_param_override_changes_the_outcome() {
    // gunicorn --timeout=310 behind proxy_read_timeout 300s: fine with the default margin of 1s...
    let v = check_json(
        &["tests/fixtures/compose-gunicorn-cli-timeout-above-proxy"],
        1,
    );
    assert!(!rules_of(&v).contains(&"PAR-T001".to_owned()));
    // ...but not with margin = "15s".
    let v = check_json(&["tests/fixtures/config-params"], 1);
    assert!(rules_of(&v).contains(&"PAR-T001".to_owned()));
    let help = findings(&v)
        .iter()
        .find(|f| f["rule"] == "PAR-T001")
        .unwrap()["help"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(help.contains("at least 15s"), "{help}");
}

#[test]
fn a_param_of_the_wrong_type_is_rejected_with_its_place() {
    parity()
        .args(["check", "tests/fixtures/config-params-type"])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(
            "tests/fixtures/config-params-type/.parity.toml:2:21",
        ))
        .stderr(predicate::str::contains(
            "`margin` of PAR-T001 is a duration",
        ));
}

// ---------------------------------------------------------------- other keys

#[test]
fn config_exclude_keeps_discovery_out_of_a_directory() {
    let v = check_json(&["tests/fixtures/config-exclude"], 1);
    assert_eq!(v["problems"].as_array().unwrap().len(), 0);
    assert_eq!(v["summary"]["files_scanned"], 3);
    // The same tree without the exclude reads the broken legacy file.
    let v = check_json(
        &[
            "tests/fixtures/config-exclude",
            "--config",
            "tests/fixtures/config-exclude/defaults.toml",
        ],
        1,
    );
    assert_eq!(v["problems"][0]["path"], "legacy/nginx.conf");
    assert_eq!(v["problems"][0]["code"], "PAR-E001");
}

#[test]
fn config_fail_on_and_the_flag_wins() {
    // Only a PAR-S004 warning; the config fails on errors only.
    parity()
        .args(["check", "tests/fixtures/config-fail-on"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("PAR-S004"));
    parity()
        .args([
            "check",
            "tests/fixtures/config-fail-on",
            "--fail-on",
            "warning",
        ])
        .assert()
        .code(1);
}

#[test]
fn a_typo_in_the_config_points_at_it_and_suggests_the_key() {
    parity()
        .args(["check", "tests/fixtures/config-typo"])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(
            "tests/fixtures/config-typo/.parity.toml:2:1",
        ))
        .stderr(predicate::str::contains("unknown key `selct`"))
        .stderr(predicate::str::contains("did you mean `select`?"));
    // `parity model` reads the same configuration.
    parity()
        .args(["model", "tests/fixtures/config-typo"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown key `selct`"));
}

#[test]
fn pyproject_tool_parity_is_read() {
    let v = check_json(&["tests/fixtures/config-pyproject"], 0);
    // ignore = ["PAR-S004"], PAR-T001 lowered to info.
    assert_eq!(
        reported(&v),
        vec![(
            "PAR-T001".to_owned(),
            "info".to_owned(),
            "nginx.conf".to_owned(),
            7
        )]
    );
}

// ---------------------------------------------------------------- user policies

#[test]
fn user_policy_directories_are_loaded() {
    let v = check_json(&["tests/fixtures/config-policies"], 1);
    let acme = findings(&v)
        .iter()
        .find(|f| f["rule"] == "ACME-X001")
        .expect("the user policy fires");
    assert_eq!(acme["severity"], "warning");
    assert_eq!(acme["primary"]["path"], "nginx.conf");
    assert_eq!(acme["primary"]["line"], 7);
    assert!(
        acme["message"].as_str().unwrap().contains("after 120s"),
        "{}",
        acme["message"]
    );
    // Selection applies to user rules too.
    let v = check_json(&["tests/fixtures/config-policies", "--select", "ACME"], 1);
    assert_eq!(rules_of(&v), vec!["ACME-X001"]);
}

#[test]
fn a_broken_user_policy_is_rejected_with_a_span_at_the_typo() {
    parity()
        .args(["check", "tests/fixtures/config-policy-broken"])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(
            "tests/fixtures/config-policy-broken/ops/parity-policies/\
             ACME-X001-proxy-read-above-limit.yaml:9:1",
        ))
        .stderr(predicate::str::contains("unknown key `whne`"))
        .stderr(predicate::str::contains("did you mean `when`?"));
}

/// Issue 6's acceptance exercise: a policy written only from
/// docs/policy-language.md and docs/output-formats.md (parameters, one
/// overridden in `.parity.toml`; arithmetic; `min`; duration literals).
#[test]
fn a_user_policy_written_from_the_docs_fires_with_both_spans() {
    let dir = "tests/fixtures/user-policy-from-docs";
    let v = check_json(&[dir, "--select", "ACME"], 1);
    let all = findings(&v);
    assert_eq!(all.len(), 1, "{all:#?}");
    let f = &all[0];
    assert_eq!(f["rule"], "ACME-D001");
    assert_eq!(f["severity"], "warning");
    // Primary: where the fix goes, `20s` of `stop_grace_period: 20s`.
    assert_eq!(f["primary"]["path"], "docker-compose.yml");
    assert_eq!(
        (&f["primary"]["line"], &f["primary"]["column"]),
        (&Value::from(5), &Value::from(24))
    );
    assert_eq!(f["primary"]["end_column"], 26);
    // The other end: nginx's `proxy_read_timeout 100s;`.
    let other = &f["related"][0];
    assert_eq!(other["path"], "nginx/default.conf");
    assert_eq!(
        (&other["line"], &other["column"]),
        (&Value::from(10), &Value::from(9))
    );
    // The configured parameter (90s), not the policy's default (2m), is used:
    // min(100s, 90s) + 5s = 95s > 20s.
    let message = f["message"].as_str().unwrap();
    assert!(message.contains("run for 90s"), "{message}");
    assert!(
        message.contains("set at docker-compose.yml:5:24"),
        "{message}"
    );
    assert!(
        message.contains("set at nginx/default.conf:10:9"),
        "{message}"
    );
    assert!(f["help"].as_str().unwrap().contains("(90s) plus 5s"));

    // With a grace that covers min(read, SLO) + slack, the rule is quiet:
    // 95s is enough, 94s is not.
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(Path::new(dir), tmp.path());
    let compose = tmp.path().join("docker-compose.yml");
    let text = std::fs::read_to_string(&compose).unwrap();
    for (grace, fires) in [("94s", true), ("95s", false), ("1m35s", false)] {
        std::fs::write(
            &compose,
            text.replace(
                "stop_grace_period: 20s",
                &format!("stop_grace_period: {grace}"),
            ),
        )
        .unwrap();
        let v = check_json(
            &[tmp.path().to_str().unwrap(), "--select", "ACME"],
            i32::from(fires),
        );
        assert_eq!(findings(&v).len(), usize::from(fires), "grace {grace}");
    }
}

#[test]
fn the_broken_copy_of_the_docs_policy_is_rejected_at_the_typo() {
    parity()
        .args(["check", "tests/fixtures/user-policy-from-docs-broken"])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(
            "ops/policies/ACME-D001-grace-shorter-than-slowest-request.yaml:15:7",
        ))
        .stderr(predicate::str::contains(
            "unknown field `container.stop_grace_priod`",
        ))
        .stderr(predicate::str::contains(
            "did you mean `container.stop_grace_period`?",
        ));
}

#[test]
fn rules_lists_user_policies_with_configured_parameters() {
    let out = parity()
        .args([
            "rules",
            "tests/fixtures/user-policy-from-docs",
            "--format",
            "json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    let acme = v["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "ACME-D001")
        .expect("the user policy is listed");
    assert_eq!(acme["params"]["slowest_request"], "1m30s");
    assert_eq!(acme["params"]["slack"], "5s");
    assert_eq!(acme["enabled"], true);
    assert!(
        acme["source"]
            .as_str()
            .unwrap()
            .ends_with("ops/policies/ACME-D001-grace-shorter-than-slowest-request.yaml")
    );
    parity()
        .args(["rule", "ACME-D001", "tests/fixtures/user-policy-from-docs"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "# ACME-D001 grace-shorter-than-slowest-request",
        ))
        .stdout(predicate::str::contains(
            "parameter `slowest_request`: 1m30s",
        ));
    // A selection marks rules off instead of hiding them.
    parity()
        .args(["rules", "tests/fixtures/config-select"])
        .assert()
        .success()
        .stdout(predicate::str::contains("off by the configuration"));
}

// ---------------------------------------------------------------- suppressions

const REASON: &str = "reports run up to 5 minutes; gunicorn gets --timeout 330 in production";

#[test]
fn suppression_on_the_primary_line() {
    let v = check_json(&["tests/fixtures/suppress-primary"], 1);
    assert_eq!(suppressed(&v, "PAR-T001").as_deref(), Some(REASON));
    assert_eq!(rules_of(&v), vec!["PAR-S004"]);
    assert_eq!(v["summary"]["suppressed"], 1);
    assert_eq!(v["summary"]["findings"]["error"], 0);
    // Not in human output, not counted for the exit status.
    parity()
        .args([
            "check",
            "tests/fixtures/suppress-primary",
            "--fail-on",
            "error",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("PAR-T001").not())
        .stdout(predicate::str::contains("1 suppressed"));
}

#[test]
fn suppression_on_the_related_end_with_several_ids() {
    // The compose command line is the related end of PAR-T001 and of PAR-S004.
    let v = check_json(&["tests/fixtures/suppress-related"], 0);
    let reason = "batch service behind a queue; requests are retried";
    assert_eq!(suppressed(&v, "PAR-T001").as_deref(), Some(reason));
    assert_eq!(suppressed(&v, "PAR-S004").as_deref(), Some(reason));
    assert!(reported(&v).is_empty());
}

#[test]
fn suppression_on_the_line_above() {
    let v = check_json(&["tests/fixtures/suppress-above"], 1);
    assert_eq!(suppressed(&v, "PAR-T001").as_deref(), Some(REASON));
    assert_eq!(rules_of(&v), vec!["PAR-S004"]);
}

#[test]
fn a_suppression_without_a_reason_suppresses_nothing_and_is_reported() {
    let v = check_json(&["tests/fixtures/suppress-no-reason"], 1);
    assert_eq!(suppressed(&v, "PAR-T001"), None);
    let r = reported(&v);
    assert!(r.contains(&(
        "PAR-T001".to_owned(),
        "error".to_owned(),
        "nginx.conf".to_owned(),
        7
    )));
    assert!(r.contains(&(
        "PAR-E003".to_owned(),
        "info".to_owned(),
        "nginx.conf".to_owned(),
        7
    )));
    let e003 = findings(&v)
        .iter()
        .find(|f| f["rule"] == "PAR-E003")
        .unwrap();
    assert_eq!(e003["primary"]["column"], 31);
    assert!(e003["message"].as_str().unwrap().contains("no reason"));
}

#[test]
fn an_unused_suppression_is_reported_and_a_hash_in_a_string_is_not_a_comment() {
    let v = check_json(&["tests/fixtures/suppress-unused"], 1);
    // `add_header X-Note "# parity: ignore[PAR-T001] ..."` on the primary line is a string.
    assert_eq!(suppressed(&v, "PAR-T001"), None);
    let e002 = findings(&v)
        .iter()
        .find(|f| f["rule"] == "PAR-E002")
        .expect("PAR-E002 reported");
    assert_eq!(e002["name"], "unused-suppression");
    assert_eq!(e002["severity"], "info");
    assert_eq!(e002["primary"]["path"], "Dockerfile");
    assert_eq!(e002["primary"]["line"], 1);
    assert_eq!(e002["primary"]["column"], 1);
    // Exactly one suppression comment was seen.
    assert_eq!(
        findings(&v)
            .iter()
            .filter(|f| f["rule"] == "PAR-E002")
            .count(),
        1
    );
    // A suppression for a rule that did not run is not called unused.
    let v = check_json(&["tests/fixtures/suppress-unused", "--select", "PAR-S"], 1);
    assert_eq!(rules_of(&v), vec!["PAR-S004"]);
    // PAR-E002 can itself be left out.
    let v = check_json(
        &["tests/fixtures/suppress-unused", "--ignore", "PAR-E002"],
        1,
    );
    assert!(!rules_of(&v).contains(&"PAR-E002".to_owned()));
}

#[test]
fn no_inline_ignores_disregards_every_suppression() {
    let v = check_json(
        &["tests/fixtures/suppress-related", "--no-inline-ignores"],
        1,
    );
    assert_eq!(suppressed(&v, "PAR-T001"), None);
    assert_eq!(suppressed(&v, "PAR-S004"), None);
    assert_eq!(rules_of(&v), vec!["PAR-S004", "PAR-T001"]);
    let v = check_json(
        &["tests/fixtures/suppress-unused", "--no-inline-ignores"],
        1,
    );
    assert!(!rules_of(&v).contains(&"PAR-E002".to_owned()));
}

// ---------------------------------------------------------------- rules, rule, init

#[test]
fn rules_lists_every_rule_as_json() {
    let out = parity()
        .args(["rules", "--format", "json"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["schema_version"], 1);
    let rules = v["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let mut expected: Vec<String> = parity::policy::builtin()
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .chain(
            parity::policy::suppress::META_RULES
                .iter()
                .map(|m| m.id.to_owned()),
        )
        .collect();
    expected.sort();
    assert_eq!(ids, expected);
    let t001 = rules.iter().find(|r| r["id"] == "PAR-T001").unwrap();
    assert_eq!(t001["name"], "hard-kill-shorter-than-proxy-read");
    assert_eq!(t001["severity"], "error");
    assert_eq!(t001["docs"], "docs/rules/PAR-T001.md");
    assert_eq!(t001["params"]["margin"], "1s");
    assert!(
        t001["summary"]
            .as_str()
            .unwrap()
            .starts_with("The app server")
    );
    let e002 = rules.iter().find(|r| r["id"] == "PAR-E002").unwrap();
    assert_eq!(e002["name"], "unused-suppression");
    assert_eq!(e002["severity"], "info");
}

#[test]
fn rules_human_is_a_table() {
    parity().arg("rules").assert().code(0).stdout(
        predicate::str::is_match(
            r"(?m)^PAR-T001 +error +hard-kill-shorter-than-proxy-read +The app server",
        )
        .unwrap(),
    );
}

#[test]
fn rule_prints_its_documentation_page() {
    let page = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules/PAR-T001.md"),
    )
    .unwrap();
    parity()
        .args(["rule", "PAR-T001"])
        .assert()
        .code(0)
        .stdout(predicate::eq(page));
    parity()
        .args(["rule", "PAR-T999"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no rule `PAR-T999`"))
        .stderr(predicate::str::contains(
            "the rules are: PAR-E002, PAR-E003, ",
        ))
        .stderr(predicate::str::contains("PAR-S004, "))
        .stderr(predicate::str::contains("PAR-T001"));
}

#[test]
fn embedded_rule_docs_match_the_docs_directory() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules");
    let mut on_disk = BTreeSet::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "md") {
            on_disk.insert(p.file_stem().unwrap().to_string_lossy().into_owned());
        }
    }
    let embedded: BTreeSet<String> = parity::policy::docs::RULE_DOCS
        .iter()
        .map(|(id, _)| (*id).to_owned())
        .collect();
    assert_eq!(embedded, on_disk);
    for (id, text) in parity::policy::docs::RULE_DOCS {
        assert_eq!(
            &std::fs::read_to_string(dir.join(format!("{id}.md"))).unwrap(),
            text
        );
    }
    for m in parity::policy::suppress::META_RULES {
        let page = parity::policy::docs::rule_doc(m.id).expect("a page for every rule");
        assert!(page.starts_with(&format!("# {} {}", m.id, m.name)));
    }
}

#[test]
fn init_writes_a_starter_config_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    parity()
        .args(["init", d])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(".parity.toml"));
    let path = dir.path().join(".parity.toml");
    let written = std::fs::read_to_string(&path).unwrap();
    assert_eq!(written, parity::policy::config::STARTER);
    // The starter is a valid configuration: a check of the directory runs.
    parity().args(["check", d]).assert().code(0);
    // A second init refuses and leaves the file alone.
    std::fs::write(&path, "select = [\"PAR-T\"]\n").unwrap();
    parity()
        .args(["init", d])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already exists"));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "select = [\"PAR-T\"]\n"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
