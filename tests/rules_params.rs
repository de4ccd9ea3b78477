//! Rule behaviour beyond the fail/pass fixtures of `tests/rules.rs`: the
//! `direction` parameter, version-dependent outcomes with and without
//! PAR-V001, `downgrade_when`, and checks on choice parameters.

use std::path::{Path, PathBuf};

use parity::cli::{Analysis, RunOptions, analyze};
use parity::finding::Severity;
use parity::policy::config::Config;
use parity::policy::load_policy;
use parity::sources::nginx::NginxVersion;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

fn run(rel: &str, only: &[&str], toml: &str, version: Option<NginxVersion>) -> Analysis {
    let config = Config::from_parity_toml(".parity.toml", toml).expect("valid config");
    let options = RunOptions {
        only_rules: Some(only.iter().map(|s| (*s).to_owned()).collect()),
        config,
        nginx_version: version,
        ..RunOptions::default()
    };
    analyze(&[fixture(rel)], &options).expect("the scan runs")
}

fn of<'a>(a: &'a Analysis, rule: &str) -> Vec<&'a parity::finding::Finding> {
    a.findings.iter().filter(|f| f.rule == rule).collect()
}

#[test]
fn t001_app_first_reverses_the_condition() {
    let app_first = "[rules.PAR-T001]\nparams = { direction = \"app_first\" }\n";
    // 30s kill vs 120s read: proxy_first fires; app_first is satisfied.
    let a = run("rules/PAR-T001/fail", &["PAR-T001"], "", None);
    assert_eq!(of(&a, "PAR-T001").len(), 1);
    let a = run("rules/PAR-T001/fail", &["PAR-T001"], app_first, None);
    assert!(of(&a, "PAR-T001").is_empty());
    // 125s kill vs 120s read: the opposite.
    let a = run("rules/PAR-T001/pass", &["PAR-T001"], app_first, None);
    let f = of(&a, "PAR-T001");
    assert_eq!(f.len(), 1);
    assert!(
        f[0].message.contains("the proxy answers 504 after 120s"),
        "{}",
        f[0].message
    );
    assert!(
        f[0].help
            .starts_with("Make the app stop first: lower gunicorn's timeout below 120s"),
        "{}",
        f[0].help
    );
}

#[test]
fn t002_app_first_too() {
    let toml = "[rules.PAR-T002]\nparams = { direction = \"app_first\", margin = \"5s\" }\n";
    let a = run("rules/PAR-T002/pass", &["PAR-T002"], toml, None);
    assert_eq!(of(&a, "PAR-T002").len(), 1);
    let a = run("rules/PAR-T002/fail", &["PAR-T002"], toml, None);
    assert!(of(&a, "PAR-T002").is_empty());
}

#[test]
fn an_unknown_nginx_version_without_v001_is_undecided_and_says_how_to_decide() {
    let a = run("rules/PAR-V001/fail", &["PAR-K002"], "", None);
    let f = of(&a, "PAR-K002");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Info);
    assert!(
        f[0].message.starts_with("could not decide"),
        "{}",
        f[0].message
    );
    assert!(
        f[0].message.contains("upstream.keepalive is one of 0, 32"),
        "{}",
        f[0].message
    );
    assert!(f[0].help.contains("changed in 1.29.7"), "{}", f[0].help);
}

#[test]
fn with_v001_the_split_is_reported_once_with_both_sides() {
    let a = run("rules/PAR-V001/fail", &["PAR-K002", "PAR-V001"], "", None);
    assert!(of(&a, "PAR-K002").is_empty());
    let v = of(&a, "PAR-V001");
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].severity, Severity::Info);
    assert!(v[0].message.contains("PAR-K002"));
    assert!(
        v[0].message
            .contains("upstream.keepalive is 0 before 1.29.7 and 32 since")
    );
    assert!(
        v[0].message
            .contains("on nginx >= 1.29.7, nginx keeps idle connections")
    );
    // The app server's end stays visible.
    assert!(
        v[0].related
            .iter()
            .any(|l| l.text.contains("gunicorn closes"))
    );
}

#[test]
fn a_known_nginx_version_decides() {
    let new = Some(NginxVersion::Known(1, 30, 0));
    let a = run("rules/PAR-V001/fail", &["PAR-K002", "PAR-V001"], "", new);
    assert!(of(&a, "PAR-V001").is_empty());
    let k = of(&a, "PAR-K002");
    assert_eq!(k.len(), 1);
    assert_eq!(k[0].severity, Severity::Error);
    let old = Some(NginxVersion::Known(1, 28, 0));
    let a = run("rules/PAR-V001/fail", &["PAR-K002", "PAR-V001"], "", old);
    assert!(
        a.findings
            .iter()
            .all(|f| f.rule != "PAR-K002" && f.rule != "PAR-V001")
    );
}

#[test]
fn sides_are_not_mixed() {
    // K001 reads three version-dependent defaults: before 1.29.7 nothing is
    // pooled, since then HTTP/1.1 without Connection: close is spoken. No
    // mix of the two (keepalive 32 with HTTP/1.0) is a possible nginx.
    let a = run("rules/PAR-V001/fail", &["PAR-K001", "PAR-V001"], "", None);
    assert!(a.findings.is_empty(), "{:?}", a.findings);
}

#[test]
fn downgrade_when_lowers_a_single_worker_to_info() {
    let a = run("rules-extra/k005-single-worker", &["PAR-K005"], "", None);
    let f = of(&a, "PAR-K005");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Info);
    assert!(f[0].message.contains("its 1 worker(s)"), "{}", f[0].message);
}

#[test]
fn choice_parameters_are_checked_in_the_policy() {
    let policy = |when: &str| {
        format!(
            "id: ACME-X001\nname: x\nseverity: info\nsummary: s\napplies_to: hop\nparams:\n  direction:\n    default: proxy_first\n    one_of: [proxy_first, app_first]\nwhen: {when}\nprimary: app.timeout\nmessage: m\nhelp: h\n"
        )
    };
    assert!(load_policy("p.yaml", &policy("direction == \"app_first\"")).is_ok());
    let e = load_policy("p.yaml", &policy("direction == \"app_frist\"")).unwrap_err();
    assert!(e.message.contains("never \"app_frist\""), "{}", e.message);
    assert_eq!(
        e.help.as_deref(),
        Some("it is one of: proxy_first, app_first")
    );
    let bad_default = "id: ACME-X001\nname: x\nseverity: info\nsummary: s\napplies_to: hop\nparams:\n  direction:\n    default: sideways\n    one_of: [proxy_first, app_first]\nwhen: app.timeout > 0s\nprimary: app.timeout\nmessage: m\nhelp: h\n";
    let e = load_policy("p.yaml", bad_default).unwrap_err();
    assert!(e.message.contains("not one of"), "{}", e.message);
}

#[test]
fn new_subjects_load_and_refuse_foreign_fields() {
    let policy = |subject: &str, when: &str| {
        format!(
            "id: ACME-X001\nname: x\nseverity: info\nsummary: s\napplies_to: {subject}\nwhen: {when}\nprimary: {}\nmessage: m\nhelp: h\n",
            when.split_whitespace().next().unwrap_or("")
        )
    };
    assert!(load_policy("p.yaml", &policy("proxy", "upstream.keepalive > 0")).is_ok());
    assert!(load_policy("p.yaml", &policy("directive", "directive.name == \"x\"")).is_ok());
    let e = load_policy("p.yaml", &policy("proxy", "app.timeout > 0s")).unwrap_err();
    assert!(
        e.message.contains("unknown field `app.timeout`"),
        "{}",
        e.message
    );
    let e = load_policy("p.yaml", &policy("server_side", "app.timeout > 0s")).unwrap_err();
    assert!(e.message.contains("unknown subject"), "{}", e.message);
}

#[test]
fn a_refused_value_is_reported_once() {
    // proxy_read_timeout 30m1h: PAR-P004 reports it; PAR-T001, which reads
    // it, does not add a "could not decide" finding.
    let a = run(
        "rules-extra/refused-read-timeout",
        &["PAR-T001", "PAR-P004"],
        "",
        None,
    );
    let rules: Vec<&str> = a.findings.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(rules, ["PAR-P004"], "{:?}", a.findings);
    assert!(a.problems.is_empty(), "{:?}", a.problems);
}

#[test]
fn t001_and_t002_never_meet_on_one_hop() {
    let both = ["PAR-T001", "PAR-T002"];
    let a = run("rules/PAR-T001/fail", &both, "", None);
    assert_eq!(
        a.findings
            .iter()
            .map(|f| f.rule.as_str())
            .collect::<Vec<_>>(),
        ["PAR-T001"]
    );
    let a = run("rules/PAR-T002/fail", &both, "", None);
    assert_eq!(
        a.findings
            .iter()
            .map(|f| f.rule.as_str())
            .collect::<Vec<_>>(),
        ["PAR-T002"]
    );
}
