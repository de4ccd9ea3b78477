//! Resolution of uWSGI configurations where the deployment is only partly
//! known (unknown environment, files outside the repository, `@(...)`), and
//! the limits that keep hostile input from hanging parity.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use parity::origin::Origin;
use parity::sources::shell::{Word, split_words};
use parity::sources::uwsgi::{ResolvedUwsgi, UwsgiInputs, resolve};
use parity::span::{FileId, Span};
use parity::value::{Millis, Value};

/// A fake deployment: files by path (ids from 10), environment variables.
struct Deploy {
    files: Vec<(&'static str, &'static str)>,
    env: Vec<(&'static str, &'static str)>,
    loaded: Mutex<Vec<String>>,
}

impl Deploy {
    fn new(files: &[(&'static str, &'static str)], env: &[(&'static str, &'static str)]) -> Deploy {
        Deploy {
            files: files.to_vec(),
            env: env.to_vec(),
            loaded: Mutex::new(Vec::new()),
        }
    }

    /// Resolves `cmd` (split as a shell would, spans into a command line of FileId(0)).
    fn run(&self, cmd: &str) -> ResolvedUwsgi {
        let args: Vec<Word> =
            split_words(cmd, &|r| Span::new(FileId(0), r.start, r.end)).unwrap_or_default();
        let env: HashMap<&str, (String, Span)> = self
            .env
            .iter()
            .enumerate()
            .map(|(i, (k, v))| (*k, (v.to_string(), Span::new(FileId(1), i, i + 1))))
            .collect();
        let env_fn = |name: &str| env.get(name).cloned();
        let load = |path: &str| -> Option<(FileId, Arc<str>, String)> {
            if let Ok(mut l) = self.loaded.lock() {
                l.push(path.to_string());
            }
            let i = self.files.iter().position(|(p, _)| *p == path)?;
            let (p, text) = self.files.get(i)?;
            Some((
                FileId(10 + u32::try_from(i).ok()?),
                Arc::from(*text),
                p.to_string(),
            ))
        };
        resolve(&UwsgiInputs {
            args: &args,
            env: &env_fn,
            load: &load,
            anchor: Span::new(FileId(0), 0, 5),
        })
    }

    fn loaded(&self) -> Vec<String> {
        self.loaded.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

fn value(r: &ResolvedUwsgi, name: &str) -> Value {
    r.settings
        .get(name)
        .map_or(Value::Unset, |s| s.value.clone())
}

fn secs(n: u64) -> Value {
    Value::Duration(Millis::from_secs(n))
}

#[test]
fn defaults_point_at_the_anchor() {
    let r = Deploy::new(&[], &[]).run("--http-socket :8000");
    let h = &r.settings["harakiri"];
    assert_eq!(h.value, secs(0));
    assert_eq!(
        h.origin,
        Origin::Default {
            tool: "uWSGI",
            versions: "2.0.x",
            anchor: Some(Span::new(FileId(0), 0, 5)),
        }
    );
    assert_eq!(value(&r, "socket-timeout"), secs(4));
    assert_eq!(value(&r, "http-timeout"), secs(60));
    assert_eq!(value(&r, "worker-reload-mercy"), secs(60));
    assert_eq!(value(&r, "listen"), Value::Int(100));
    assert_eq!(value(&r, "processes"), Value::Int(1));
    assert_eq!(value(&r, "master"), Value::Bool(false));
    assert_eq!(value(&r, "die-on-term"), Value::Bool(false));
    assert_eq!(value(&r, "hook-master-start"), Value::List(Vec::new()));
    assert_eq!(r.protocols.len(), 1);
    assert_eq!(r.protocols[0].0, "http-socket");
    assert_eq!(r.protocols[0].1, ":8000");
}

#[test]
fn file_values_carry_the_entry_span() {
    let text = "[uwsgi]\nharakiri = 30\n";
    let d = Deploy::new(&[("app.ini", text)], &[]);
    let r = d.run("--ini app.ini");
    let h = &r.settings["harakiri"];
    assert_eq!(h.value, secs(30));
    match &h.origin {
        Origin::File { span } => {
            assert_eq!(span.file, FileId(10));
            assert_eq!(&text[span.range()], "harakiri = 30");
        }
        other => panic!("origin {other:?}"),
    }
    assert_eq!(r.config_files, vec![FileId(10)]);
}

#[test]
fn unknown_environment_makes_values_unknown() {
    let files = [(
        "app.ini",
        "[uwsgi]\nharakiri = $(HARAKIRI)\nlisten = $(LQ)\n",
    )];
    let r = Deploy::new(&files, &[]).run("--ini app.ini");
    assert!(value(&r, "harakiri").is_unknown());
    // listen is immediate: uWSGI never expands it, atoi("$(LQ)") is 0 whatever the environment.
    assert_eq!(value(&r, "listen"), Value::Int(0));
    assert_eq!(r.immediate_env.len(), 1);
    assert_eq!(r.immediate_env[0].value, "listen");
    let r = Deploy::new(&files, &[("HARAKIRI", "90"), ("LQ", "1024")]).run("--ini app.ini");
    assert_eq!(value(&r, "harakiri"), secs(90));
    assert!(matches!(&r.settings["harakiri"].origin, Origin::Env { var, .. } if var == "HARAKIRI"));
    assert_eq!(value(&r, "listen"), Value::Int(0));
}

#[test]
fn at_references_are_never_evaluated() {
    let files = [(
        "app.ini",
        "[uwsgi]\nhttp-timeout = @(exec://echo 5)\nsocket-timeout = @(/run/secrets/t)\nharakiri = 9\n",
    )];
    let r = Deploy::new(&files, &[]).run("--ini app.ini");
    assert!(value(&r, "http-timeout").is_unknown());
    assert!(value(&r, "socket-timeout").is_unknown());
    assert_eq!(value(&r, "harakiri"), secs(9));
    let o = r.get("http-timeout").map(|o| o.value.clone());
    assert_eq!(o, Some(Some("@(exec://echo 5)".to_string())));
}

#[test]
fn unknown_conditions_give_every_possible_value() {
    let files = [(
        "app.ini",
        "[uwsgi]\nharakiri = 30\nif-env = SLOW\nharakiri = 120\nendif =\nif-not-env = FAST\nprocesses = 2\nendif =\n",
    )];
    let r = Deploy::new(&files, &[]).run("--ini app.ini");
    assert_eq!(
        value(&r, "harakiri"),
        Value::OneOf(vec![secs(30), secs(120)])
    );
    assert_eq!(
        value(&r, "processes"),
        Value::OneOf(vec![Value::Int(1), Value::Int(2)])
    );
    let r = Deploy::new(&files, &[("SLOW", "1"), ("FAST", "1")]).run("--ini app.ini");
    assert_eq!(value(&r, "harakiri"), secs(120));
    assert_eq!(value(&r, "processes"), Value::Int(1));
}

#[test]
fn missing_and_remote_config_files_are_unresolved() {
    let files = [(
        "app.ini",
        "[uwsgi]\nharakiri = 5\nini = missing.ini\ninclude = http://cfg.example/x.ini\nini = exec://cat x.ini\n",
    )];
    let r = Deploy::new(&files, &[]).run("--ini app.ini --yaml nowhere.yml");
    let names: Vec<&str> = r.unresolved.iter().map(|u| u.value.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "missing.ini",
            "http://cfg.example/x.ini",
            "exec://cat x.ini",
            "nowhere.yml"
        ]
    );
    // The files that could not be read come after `harakiri = 5` and may change it.
    assert!(value(&r, "harakiri").is_unknown());
    assert!(r.problems.iter().any(|p| p.message.contains("exec://")));
    // What is set after a missing file is known again.
    let files = [(
        "app.ini",
        "[uwsgi]\nini = /etc/uwsgi/base.ini\nharakiri = 5\n",
    )];
    let r = Deploy::new(&files, &[]).run("--ini app.ini");
    assert_eq!(value(&r, "harakiri"), secs(5));
    assert!(value(&r, "socket-timeout").is_unknown());
    match &r.settings["socket-timeout"].origin {
        Origin::File { span } => assert_eq!(span.file, FileId(10)),
        other => panic!("origin {other:?}"),
    }
    assert!(
        matches!(value(&r, "hook-master-start"), Value::List(items) if items.len() == 1 && items[0].is_unknown())
    );
    // The whole configuration behind a missing --ini is unknown, except what follows it.
    let r = Deploy::new(&[], &[]).run("--ini /etc/uwsgi/app.ini --harakiri 7");
    assert_eq!(value(&r, "harakiri"), secs(7));
    assert!(value(&r, "processes").is_unknown());
}

#[test]
fn file_relative_includes_are_found_through_the_working_directory() {
    let d = Deploy::new(
        &[
            (
                "conf/main.ini",
                "[uwsgi]\ninclude = %dbase.ini\nharakiri = %(base)\n",
            ),
            ("conf/base.ini", "[uwsgi]\nbase = 45\n"),
        ],
        &[],
    );
    let r = d.run("--ini conf/main.ini");
    assert_eq!(d.loaded(), vec!["conf/main.ini", "conf/base.ini"]);
    assert_eq!(value(&r, "harakiri"), secs(45));
    // An absolute name gives %d outright.
    let d = Deploy::new(
        &[
            ("/etc/uwsgi/main.ini", "[uwsgi]\nini = %dbase.ini\n"),
            ("/etc/uwsgi/base.ini", "[uwsgi]\nharakiri = 7\n"),
        ],
        &[],
    );
    let r = d.run("--ini /etc/uwsgi/main.ini");
    assert_eq!(value(&r, "harakiri"), secs(7));
}

#[test]
fn ini_colon_section_reuses_the_last_ini_file() {
    let d = Deploy::new(
        &[(
            "app.ini",
            "[uwsgi]\nharakiri = 1\nini = :prod\n[prod]\nharakiri = 2\nsocket-timeout = 3\n",
        )],
        &[],
    );
    let r = d.run("--ini app.ini");
    assert_eq!(value(&r, "harakiri"), secs(2));
    assert_eq!(value(&r, "socket-timeout"), secs(3));
}

#[test]
fn self_inclusion_and_runaway_placeholders_stop() {
    let d = Deploy::new(
        &[("loop.ini", "[uwsgi]\nharakiri = 1\ninclude = loop.ini\n")],
        &[],
    );
    let r = d.run("--ini loop.ini");
    assert!(!r.problems.is_empty());
    assert_eq!(value(&r, "harakiri"), secs(1));
    let d = Deploy::new(&[("ph.ini", "[uwsgi]\na = y%(a)\nharakiri = %(a)\n")], &[]);
    let r = d.run("--ini ph.ini");
    assert!(
        r.problems
            .iter()
            .any(|p| p.message.contains("does not end"))
    );
}

#[test]
fn command_line_shell_variables() {
    let d = Deploy::new(&[], &[("WORKERS", "3")]);
    let r = d.run("--processes $WORKERS --harakiri ${TIMEOUT}");
    assert_eq!(value(&r, "processes"), Value::Int(3));
    assert!(matches!(&r.settings["processes"].origin, Origin::Env { var, .. } if var == "WORKERS"));
    assert!(value(&r, "harakiri").is_unknown());
}

#[test]
fn getopt_errors_are_fatal_problems() {
    let r = Deploy::new(&[], &[]).run("--harakiri 30 --no-such-option");
    assert_eq!(r.problems.len(), 1);
    assert!(r.problems[0].message.contains("unrecognized option"));
    let r = Deploy::new(&[], &[]).run("app.py");
    assert!(
        r.problems[0]
            .message
            .contains("unable to load configuration")
    );
}

#[test]
fn master_is_implied_by_master_only_options() {
    let r = Deploy::new(&[("a.ini", "[uwsgi]\nmules = 2\n")], &[]).run("--ini a.ini");
    assert_eq!(value(&r, "master"), Value::Bool(true));
    let r =
        Deploy::new(&[("a.ini", "[uwsgi]\nmules = 2\nmaster = false\n")], &[]).run("--ini a.ini");
    assert_eq!(value(&r, "master"), Value::Bool(false));
}

#[test]
fn placeholders_and_near_misses_point_at_keys() {
    let text = "[uwsgi]\nmax_requests = 1000\nproject = shop\n";
    let r = Deploy::new(&[("a.ini", text)], &[]).run("--ini a.ini");
    let names: Vec<(&str, &str)> = r
        .placeholders
        .iter()
        .map(|p| (p.value.as_str(), &text[p.span.range()]))
        .collect();
    assert_eq!(
        names,
        vec![("max_requests", "max_requests"), ("project", "project")]
    );
    assert_eq!(r.near_misses.len(), 1);
    assert_eq!(r.near_misses[0].1, "max-requests");
    assert_eq!(value(&r, "max-requests"), Value::Int(0));
}

#[test]
fn unknown_magic_variables() {
    let r = Deploy::new(
        &[("a.ini", "[uwsgi]\nharakiri = %k0\nsocket-timeout = 1%q0\n")],
        &[],
    )
    .run("--ini a.ini");
    assert!(value(&r, "harakiri").is_unknown());
    assert_eq!(value(&r, "socket-timeout"), secs(10));
}

#[test]
fn negative_values_make_uwsgi_exit() {
    let r = Deploy::new(&[], &[]).run("--harakiri -5");
    assert!(value(&r, "harakiri").is_unknown());
    assert!(r.problems.iter().any(|p| p.message.contains("must be > 0")));
}

#[test]
fn uwsgi_environment_variables() {
    let d = Deploy::new(
        &[("/app/uwsgi.ini", "[uwsgi]\nharakiri = 20\n")],
        &[
            ("UWSGI_INI", "/app/uwsgi.ini"),
            ("UWSGI_HTTP_TIMEOUT", "90"),
            ("UWSGI_WORKERS", "5"),
        ],
    );
    let r = d.run("--master");
    assert_eq!(value(&r, "harakiri"), secs(20));
    assert_eq!(value(&r, "http-timeout"), secs(90));
    assert!(
        matches!(&r.settings["http-timeout"].origin, Origin::Env { var, .. } if var == "UWSGI_HTTP_TIMEOUT")
    );
    assert_eq!(value(&r, "processes"), Value::Int(5));
    assert_eq!(value(&r, "master"), Value::Bool(true));
}

#[test]
fn shell_style_variables_in_files_are_template_leftovers() {
    let files = [("a.ini", "[uwsgi]\nprocesses = ${WORKERS}\nharakiri = 30\n")];
    let r = Deploy::new(&files, &[("WORKERS", "4")]).run("--ini a.ini");
    assert!(value(&r, "processes").is_unknown());
    assert_eq!(value(&r, "harakiri"), secs(30));
    // The option list keeps what uWSGI itself reads.
    let literal = r.get("processes").and_then(|o| o.value.clone());
    assert_eq!(literal.as_deref(), Some("${WORKERS}"));
}

#[test]
fn xml_app_elements_are_not_placeholders() {
    let xml = "<uwsgi><app mountpoint=\"/\">a:b</app><memory-debug/></uwsgi>";
    let r = Deploy::new(&[("a.xml", xml)], &[]).run("--xml a.xml");
    let names: Vec<&str> = r.placeholders.iter().map(|p| p.value.as_str()).collect();
    assert_eq!(names, vec!["memory-debug"]);
    assert_eq!(
        r.get("mount").and_then(|o| o.value.clone()).as_deref(),
        Some("/=a:b")
    );
}
