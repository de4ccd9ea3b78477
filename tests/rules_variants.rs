//! Built-in rules on the variants their fail/pass fixtures do not cover:
//! the lowered severity of PAR-S005, inits that do not help (PAR-S006),
//! Kubernetes shell wrappers, servers under supervisord, and PAR-S004 for a
//! uWSGI that drains, and config files no command starts.

use std::path::Path;

use parity::cli::{RunOptions, analyze};
use parity::finding::Severity;

/// (rule, severity, file, line) of every finding of the built-in pack.
fn findings(dir: &str) -> Vec<(String, Severity, String, u32)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/rules-variants")
        .join(dir);
    let a = analyze(&[path], &RunOptions::default()).unwrap();
    assert!(a.problems.is_empty(), "{dir}: {:?}", a.problems);
    let mut out: Vec<_> = a
        .findings
        .iter()
        .map(|f| {
            (
                f.rule.clone(),
                f.severity,
                a.map.get(f.primary.span.file).path.clone(),
                a.map.region(f.primary.span).start.line,
            )
        })
        .collect();
    out.sort();
    out
}

fn f(rule: &str, severity: Severity, file: &str, line: u32) -> (String, Severity, String, u32) {
    (rule.to_owned(), severity, file.to_owned(), line)
}

#[test]
fn uwsgi_with_die_on_term_alone_is_a_warning() {
    assert_eq!(
        findings("uwsgi-die-on-term"),
        vec![f("PAR-S005", Severity::Warning, "uwsgi.ini", 5)]
    );
}

#[test]
fn a_draining_uwsgi_is_checked_against_the_compose_grace_period() {
    // worker-reload-mercy 30s > stop_grace_period 10s; no S005 (the hook drains).
    assert_eq!(
        findings("uwsgi-graceful-compose"),
        vec![f("PAR-S004", Severity::Warning, "docker-compose.yml", 2)]
    );
}

#[test]
fn an_init_does_not_deliver_the_signal_through_a_shell() {
    // `init: true` with `sh -c`: still reported; tini in front of gunicorn itself: fine.
    assert_eq!(
        findings("init-does-not-help"),
        vec![f("PAR-S006", Severity::Warning, "docker-compose.yml", 5)]
    );
}

#[test]
fn kubernetes_shell_wrappers_are_reported() {
    // Decided findings only: the image's gunicorn.conf.py is not visible on
    // Kubernetes, so the drain and recycle rules report undecided infos.
    let decided: Vec<_> = findings("k8s-sh-c")
        .into_iter()
        .filter(|f| f.1 != Severity::Info)
        .collect();
    assert_eq!(
        decided,
        vec![f("PAR-S006", Severity::Warning, "deployment.yaml", 15)]
    );
}

#[test]
fn servers_under_supervisord_get_its_stop_signal() {
    // supervisord stops `legacy` with QUIT (a uWSGI fast exit); gunicorn gets
    // TERM and drains longer than compose waits.
    assert_eq!(
        findings("supervisord"),
        vec![
            f("PAR-S004", Severity::Warning, "docker-compose.yml", 2),
            f("PAR-S007", Severity::Warning, "supervisord.conf", 9),
        ]
    );
}

#[test]
fn config_files_nothing_starts_are_checked_on_their_own() {
    // A gunicorn.conf.py and a uwsgi.ini (with the file it includes) that no
    // command starts: the names they set are checked once each; rules about
    // containers neither fire nor stay undecided.
    assert_eq!(
        findings("lone-configs"),
        vec![
            f("PAR-P001", Severity::Warning, "gunicorn.conf.py", 3),
            f("PAR-P002", Severity::Warning, "deploy/base.ini", 3),
        ]
    );
}
