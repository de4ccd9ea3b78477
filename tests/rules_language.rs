//! The policy language's `server` subject, `for_each` lists, `downgrade_when`
//! and the `hop.*` fields, through custom policies run on small repositories.

use std::path::{Path, PathBuf};

use parity::cli::{Analysis, RunOptions, analyze};
use parity::finding::Severity;
use parity::policy::load_policy;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/rules-language")
        .join(name)
}

fn run(dir: &str, policy: &str) -> Analysis {
    let p = load_policy("custom.yaml", policy).expect("the policy loads");
    let options = RunOptions {
        only_rules: Some(vec![p.id.clone()]),
        extra_policies: vec![p],
        ..RunOptions::default()
    };
    analyze(&[fixture(dir)], &options).expect("analysis runs")
}

/// (file, line, severity, message) of every finding.
fn found(a: &Analysis) -> Vec<(String, u32, Severity, String)> {
    a.findings
        .iter()
        .map(|f| {
            (
                a.map.get(f.primary.span.file).path.clone(),
                a.map.region(f.primary.span).start.line,
                f.severity,
                f.message.clone(),
            )
        })
        .collect()
}

const PER_ITEM: &str = r#"
id: ACME-X001
name: every-unknown-name
severity: warning
summary: A config file sets a name the server ignores.
applies_to: server
for_each: app.unknown_settings
when: is_set(item.name) and not item.referenced
primary: item.name
labels:
  item.name: "{app.server} ignores this"
message: "{app.server} ignores `{item.name}` ({item.name.origin}); closest: {item.suggestion}"
help: Rename it.
"#;

#[test]
fn for_each_reports_every_item_at_its_own_place() {
    let a = run("items", PER_ITEM);
    assert!(a.problems.is_empty(), "{:?}", a.problems);
    let got: Vec<(String, u32, String)> = found(&a)
        .into_iter()
        .map(|(f, l, _, m)| (f, l, m))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "api/gunicorn.conf.py".to_owned(),
                4,
                "gunicorn ignores `keep_alive` (set at api/gunicorn.conf.py:4:1); closest: keepalive"
                    .to_owned()
            ),
            (
                "api/gunicorn.conf.py".to_owned(),
                7,
                "gunicorn ignores `TIMEOUT` (set at api/gunicorn.conf.py:7:1); closest: timeout"
                    .to_owned()
            ),
            // `base` is a placeholder read by `%(base)`: not reported.
            (
                "legacy/uwsgi.ini".to_owned(),
                6,
                "uwsgi ignores `max_requests` (set at legacy/uwsgi.ini:6:1); closest: max-requests"
                    .to_owned()
            ),
        ]
    );
}

#[test]
fn items_of_another_list_and_unset_item_fields() {
    let policy = r#"
id: ACME-X002
name: env-in-immediate
severity: warning
summary: An immediate option reads the environment.
applies_to: server
for_each: app.env_in_immediate_options
when: is_set(item.variables) and is_unset(item.suggestion)
primary: item.name
message: "{item.name} = {item.value} reads {item.variables}"
help: Write the value.
"#;
    // `item.suggestion` is not a field of this list.
    let err = load_policy("custom.yaml", policy).unwrap_err();
    assert!(
        err.message.contains("unknown field `item.suggestion`"),
        "{}",
        err.message
    );
    let policy = policy.replace(" and is_unset(item.suggestion)", "");
    let a = run("items", &policy);
    let got = found(&a);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, "legacy/uwsgi.ini");
    assert_eq!(got[0].1, 7);
    assert_eq!(got[0].3, "listen = $(BACKLOG) reads BACKLOG");
}

#[test]
fn for_each_is_checked_when_the_policy_loads() {
    let bad_list = PER_ITEM.replace("app.unknown_settings", "app.unknown_names");
    let err = load_policy("custom.yaml", &bad_list).unwrap_err();
    assert!(err.message.contains("is not a list"), "{}", err.message);
    assert!(
        err.help
            .as_deref()
            .unwrap_or("")
            .contains("app.unknown_settings"),
        "{:?}",
        err.help
    );
    // Without `for_each` there is no `item.*`.
    let no_list = PER_ITEM.replace("for_each: app.unknown_settings\n", "");
    let err = load_policy("custom.yaml", &no_list).unwrap_err();
    assert!(
        err.message.contains("unknown field `item.name`"),
        "{}",
        err.message
    );
}

#[test]
fn the_server_subject_sees_every_server_and_its_container() {
    let policy = r#"
id: ACME-X003
name: every-server
severity: info
summary: Lists servers.
applies_to: server
when: container.orchestrator == "compose"
primary: app.stop_signal
message: "{app.server} in {container.name} gets {app.stop_signal} ({app.stop_signal.origin}) and does {app.on_stop_signal}"
help: None.
"#;
    let a = run("items", policy);
    let mut msgs: Vec<String> = found(&a).into_iter().map(|f| f.3).collect();
    msgs.sort();
    assert_eq!(
        msgs,
        vec![
            "gunicorn in api gets SIGTERM (Docker default, unless the image sets STOPSIGNAL) and does drain",
            "uwsgi in legacy gets SIGTERM (Docker default, unless the image sets STOPSIGNAL) and does reload",
        ]
    );
}

#[test]
fn downgrade_when_lowers_the_severity_by_one() {
    let policy = r#"
id: ACME-X004
name: lowered
severity: error
summary: Lists servers.
applies_to: server
when: is_set(app.server)
downgrade_when: app.server == "gunicorn"
primary: app.server
message: "{app.server}"
help: None.
"#;
    let a = run("items", policy);
    let mut got: Vec<(String, Severity)> = found(&a).into_iter().map(|f| (f.3, f.2)).collect();
    got.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        got,
        vec![
            ("gunicorn".to_owned(), Severity::Warning),
            ("uwsgi".to_owned(), Severity::Error)
        ]
    );
    let bad = policy.replace("app.server == \"gunicorn\"", "app.server");
    let err = load_policy("custom.yaml", &bad).unwrap_err();
    assert!(err.message.contains("true or false"), "{}", err.message);
}
