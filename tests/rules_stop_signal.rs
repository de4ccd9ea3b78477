//! How the stop signal reaches a server and what the server does with it,
//! checked against the answers recorded by `scripts/record-stop-signal.sh`
//! (real dash, bash, tini, dumb-init and uWSGI 2.0.31 in a PID namespace).

use std::path::{Path, PathBuf};

use parity::cli::{RunOptions, analyze};
use parity::model::StopPath;
use parity::policy::load_policy;

fn answers() -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/recorded/stop-signal/answers.tsv"),
    )
    .expect("recorded answers");
    text.lines()
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

/// A scratch repository: files (path, text) under a fresh directory.
fn repo(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("parity-rules-stop-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

/// The recorded command of each delivery case, with gunicorn as the server.
fn delivery_repo(case: &str) -> Option<PathBuf> {
    let command =
        |argv: &str| format!("services:\n  app:\n    image: example/app:1\n    command: {argv}\n");
    let compose = match case {
        "dash_c" => command(r#"["dash", "-c", "gunicorn app:app"]"#),
        "dash_c_exec" => command(r#"["dash", "-c", "exec gunicorn app:app"]"#),
        "dash_c_list" => command(r#"["dash", "-c", "cd /tmp && gunicorn app:app"]"#),
        "bash_c" => command(r#"["bash", "-c", "gunicorn app:app"]"#),
        "bash_c_list" => command(r#"["bash", "-c", "cd /tmp && gunicorn app:app"]"#),
        "bash_c_not_last" => command(r#"["bash", "-c", "gunicorn app:app; echo done"]"#),
        "tini_dash_c" => command(r#"["tini", "--", "dash", "-c", "gunicorn app:app"]"#),
        "tini_g_dash_c" => command(r#"["tini", "-g", "--", "dash", "-c", "gunicorn app:app"]"#),
        "dumb_init_dash_c" => command(r#"["dumb-init", "dash", "-c", "gunicorn app:app"]"#),
        "tini_direct" => command(r#"["tini", "--", "gunicorn", "app:app"]"#),
        "script_no_exec" | "script_exec" => {
            let line = if case == "script_exec" {
                "exec gunicorn app:app"
            } else {
                "gunicorn app:app"
            };
            return Some(repo(
                case,
                &[
                    ("docker-compose.yml", "services:\n  app:\n    build: .\n"),
                    (
                        "Dockerfile",
                        "FROM python:3.12-slim\nCOPY . /app\nENTRYPOINT [\"/app/start.sh\"]\n",
                    ),
                    ("start.sh", &format!("#!/bin/sh\necho starting\n{line}\n")),
                ],
            ));
        }
        _ => return None,
    };
    Some(repo(case, &[("docker-compose.yml", &compose)]))
}

#[test]
fn the_model_knows_which_wrappers_deliver_the_stop_signal() {
    let mut checked = 0;
    for row in answers() {
        let [case, _command, _got, drained, _alive] = row.as_slice() else {
            continue;
        };
        if case.starts_with('#') {
            if case == "# uwsgi" {
                break;
            }
            continue;
        }
        let dir = delivery_repo(case).unwrap_or_else(|| panic!("no repository for case {case}"));
        let a = analyze(std::slice::from_ref(&dir), &RunOptions::default()).unwrap();
        let server = a
            .model
            .servers
            .first()
            .unwrap_or_else(|| panic!("{case}: no server"));
        let delivered = matches!(server.stop_path, StopPath::Direct);
        assert_eq!(
            delivered,
            drained == "yes",
            "{case}: the recorded server drained: {drained}; the model says {:?}",
            server.stop_path
        );
        let _ = std::fs::remove_dir_all(dir);
        checked += 1;
    }
    assert_eq!(checked, 12);
}

#[test]
fn uwsgi_reacts_to_signals_as_recorded() {
    let policy = load_policy(
        "custom.yaml",
        r#"
id: ACME-X010
name: reaction
severity: info
summary: What uWSGI does on its stop signal.
applies_to: server
when: is_set(app.server)
primary: app.on_stop_signal
message: "{app.on_stop_signal}"
help: None.
"#,
    )
    .unwrap();
    let mut in_uwsgi = false;
    let mut checked = 0;
    for row in answers() {
        let [case, options, signal, log, alive] = row.as_slice() else {
            continue;
        };
        if case.starts_with('#') {
            in_uwsgi = case == "# uwsgi";
            continue;
        }
        if !in_uwsgi {
            continue;
        }
        let mut ini =
            String::from("[uwsgi]\nhttp-socket = :8000\nwsgi-file = app.py\nprocesses = 2\n");
        let mut rest = options.split(" --").map(|o| o.trim_start_matches("--"));
        for opt in rest.by_ref().filter(|o| !o.is_empty()) {
            match opt.split_once(' ') {
                Some((k, v)) => ini.push_str(&format!("{k} = {v}\n")),
                None => ini.push_str(&format!("{opt} = true\n")),
            }
        }
        let compose = format!(
            "services:\n  app:\n    build: .\n    stop_signal: SIG{signal}\n    command: [\"uwsgi\", \"--ini\", \"/app/uwsgi.ini\"]\n"
        );
        let dir = repo(
            case,
            &[
                ("docker-compose.yml", &compose),
                ("Dockerfile", "FROM python:3.12-slim\nCOPY . /app\n"),
                ("uwsgi.ini", &ini),
            ],
        );
        let run = RunOptions {
            only_rules: Some(vec!["ACME-X010".to_owned()]),
            extra_policies: vec![policy.clone()],
            ..RunOptions::default()
        };
        let a = analyze(std::slice::from_ref(&dir), &run).unwrap();
        let got: Vec<&str> = a.findings.iter().map(|f| f.message.as_str()).collect();
        let expected = if log.contains("graceful shutdown") {
            "drain"
        } else if log.contains("binary reloading") && alive == "yes" {
            "reload"
        } else if alive == "no" {
            "fast-exit"
        } else {
            panic!("{case}: unexpected recording {log} {alive}")
        };
        assert_eq!(got, vec![expected], "{case}: {options} {signal}");
        let _ = std::fs::remove_dir_all(dir);
        checked += 1;
    }
    assert_eq!(checked, 7);
}

#[test]
fn platforms_that_signal_every_process_deliver_through_a_shell() {
    // A Procfile line runs through a shell, but Heroku-like platforms send
    // SIGTERM to every process of the dyno; a compose `sh -c` does not.
    let dir = repo(
        "procfile",
        &[
            ("Procfile", "web: gunicorn app:app --bind 0.0.0.0:$PORT\n"),
            (
                "compose/docker-compose.yml",
                "services:\n  app:\n    image: example/app:1\n    command: [\"sh\", \"-c\", \"gunicorn app:app\"]\n",
            ),
        ],
    );
    let a = analyze(std::slice::from_ref(&dir), &RunOptions::default()).unwrap();
    let paths: Vec<(String, bool)> = a
        .model
        .servers
        .iter()
        .map(|s| {
            (
                a.map.get(s.command.span.file).path.clone(),
                matches!(s.stop_path, StopPath::Direct),
            )
        })
        .collect();
    assert!(paths.contains(&("Procfile".to_owned(), true)), "{paths:?}");
    assert!(
        paths.contains(&("compose/docker-compose.yml".to_owned(), false)),
        "{paths:?}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
