//! parity's gunicorn parser and resolver against answers recorded from the real
//! gunicorn 27.0.1 (`gunicorn --print-config`), one directory per case under
//! `tests/fixtures/gunicorn-oracle/` (recorded by `scripts/record-gunicorn.sh`
//! into `tests/recorded/gunicorn/<case>.txt`).
//!
//! A case directory holds `cmd` (the command line), optional `env`
//! (`KEY=VALUE` lines), config files, and optional `expect` lines
//! `key = unknown|one-of` where parity deliberately reports that it cannot
//! know (CPU count, a branch on a variable the deployment does not set).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use parity::sources::gunicorn::settings::{is_sync_worker, normalize_worker_class, py_repr};
use parity::sources::gunicorn::{
    ConfigFile, GunicornInputs, ResolvedGunicorn, config_location, parse_args, parse_pyconf,
    resolve,
};
use parity::sources::shell::{Word, split_words};
use parity::span::{FileId, Span};
use parity::value::Value;

const CMD: FileId = FileId(0);
const ENV: FileId = FileId(1);
const CONF: FileId = FileId(2);

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

struct Recorded {
    exit: i32,
    values: BTreeMap<String, String>,
    error: Option<String>,
}

fn read_recorded(name: &str) -> Recorded {
    let text = fs::read_to_string(root().join("recorded/gunicorn").join(format!("{name}.txt")))
        .unwrap_or_else(|e| panic!("{name}: no recorded answer ({e})"));
    let mut r = Recorded {
        exit: -1,
        values: BTreeMap::new(),
        error: None,
    };
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((k, v)) = line.split_once(" = ") else {
            continue;
        };
        match k {
            "exit" => r.exit = v.parse().unwrap(),
            "error" => r.error = Some(v.to_string()),
            _ => {
                r.values.insert(k.to_string(), v.to_string());
            }
        }
    }
    r
}

struct Outcome {
    compared: usize,
    exact: usize,
    documented: usize,
    mismatches: Vec<String>,
}

fn run_case(dir: &Path) -> (ResolvedGunicorn, Option<String>) {
    let cmd_text = fs::read_to_string(dir.join("cmd")).unwrap();
    let words = split_words(&cmd_text, &|r| Span::new(CMD, r.start, r.end)).unwrap();
    assert_eq!(words[0].text, "gunicorn");
    let args = &words[1..];
    let cli = parse_args(args);

    let env_text = fs::read_to_string(dir.join("env")).unwrap_or_default();
    let mut env: Vec<(String, String, Span)> = Vec::new();
    let mut offset = 0;
    for line in env_text.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        if let Some((k, v)) = body.split_once('=') {
            let start = offset + k.len() + 1;
            env.push((
                k.to_string(),
                v.to_string(),
                Span::new(ENV, start, start + v.len()),
            ));
        }
        offset += line.len();
    }
    let lookup = |k: &str| {
        env.iter()
            .rev()
            .find(|(n, _, _)| n == k)
            .map(|(_, v, s)| (v.clone(), *s))
    };
    let cmd_args = lookup("GUNICORN_CMD_ARGS").map(|(v, s)| Word::new(v, s));

    let location = config_location(&cli, cmd_args.as_ref());
    let conf_for = |rel: &str| {
        let rel = rel.strip_prefix("file:").unwrap_or(rel);
        fs::read_to_string(dir.join(rel))
            .ok()
            .map(|text| parse_pyconf(CONF, &text))
    };
    // `-c PATH` (command line, else GUNICORN_CMD_ARGS), else ./gunicorn.conf.py.
    let conf = conf_for(
        location
            .as_ref()
            .map_or("gunicorn.conf.py", |p| p.text.as_str()),
    );
    let config = match &location {
        Some(path) => ConfigFile::Explicit {
            path,
            conf: conf.as_ref(),
        },
        None => ConfigFile::Default {
            conf: conf.as_ref(),
        },
    };
    let anchor = words[0].span.to(words.last().unwrap().span);
    let resolved = resolve(&GunicornInputs {
        cli: &cli,
        cmd_args_env: cmd_args.as_ref(),
        config,
        env: &lookup,
        anchor,
    });
    let expect = fs::read_to_string(dir.join("expect")).ok();
    (resolved, expect)
}

fn int_of(v: &Value) -> Option<i64> {
    match v {
        Value::Int(n) => Some(*n),
        Value::Duration(d) if d.0 % 1000 == 0 => i64::try_from(d.0 / 1000).ok(),
        _ => None,
    }
}

/// Renders a value as gunicorn's `--print-config` does.
fn printed(v: &Value) -> Option<String> {
    match v {
        Value::Int(_) | Value::Duration(_) => int_of(v).map(|n| n.to_string()),
        Value::Str(s) => Some(s.clone()),
        Value::List(items) => {
            let parts: Option<Vec<String>> = items
                .iter()
                .map(|i| match i {
                    Value::Str(s) => Some(py_repr(s)),
                    _ => None,
                })
                .collect();
            parts.map(|p| format!("[{}]", p.join(", ")))
        }
        _ => None,
    }
}

fn compare(
    name: &str,
    rec: &Recorded,
    got: &ResolvedGunicorn,
    expect: Option<&str>,
    out: &mut Outcome,
) {
    let got_exit = got.exit_status.unwrap_or(0);
    out.compared += 1;
    if got_exit != rec.exit {
        out.mismatches.push(format!(
            "{name}: exit {got_exit} (problems {:?}), gunicorn exit {}",
            got.problems.iter().map(|p| &p.message).collect::<Vec<_>>(),
            rec.exit
        ));
        return;
    }
    out.exact += 1;
    if let Some(err) = &rec.error {
        out.compared += 1;
        let key = err
            .strip_prefix("Error: ")
            .or_else(|| err.strip_prefix("ValueError: "))
            .unwrap_or(err);
        let ok = if key.starts_with("SyntaxError") {
            got.problems
                .iter()
                .any(|p| p.message.contains("syntax error"))
        } else {
            got.problems.iter().any(|p| p.message.contains(key))
        };
        if ok {
            out.exact += 1;
        } else {
            out.mismatches.push(format!(
                "{name}: gunicorn says {err:?}; parity: {:?}",
                got.problems.iter().map(|p| &p.message).collect::<Vec<_>>()
            ));
        }
        return;
    }
    let documented: BTreeMap<&str, &str> = expect
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(" = "))
        .collect();
    for (key, want) in &rec.values {
        if key == "config" {
            // The path string is the caller's business; compared through `-c` handling.
            continue;
        }
        out.compared += 1;
        let setting = if key == "worker_class" {
            &got.configured_worker_class
        } else {
            got.get(key).unwrap()
        };
        let have = printed(&setting.value);
        if have.as_deref() == Some(want.as_str()) {
            out.exact += 1;
            continue;
        }
        let covered = match (documented.get(key.as_str()), &setting.value) {
            (Some(&"unknown"), Value::Unknown(_)) => true,
            (Some(&"one-of"), Value::OneOf(alts)) => alts
                .iter()
                .any(|a| printed(a).as_deref() == Some(want.as_str())),
            _ => false,
        };
        if covered {
            out.documented += 1;
        } else {
            out.mismatches.push(format!(
                "{name}: {key} = {:?} ({:?}), gunicorn printed {want}",
                setting.value, setting.origin
            ));
        }
    }
    // The effective worker class is computed by parity (gunicorn prints the raw one).
    if let (Some(raw), Some(threads)) = (rec.values.get("worker_class"), rec.values.get("threads"))
    {
        out.compared += 1;
        let threads: i64 = threads.parse().unwrap();
        let want = if is_sync_worker(raw) && threads > 1 {
            "gthread".to_string()
        } else {
            normalize_worker_class(raw)
        };
        if got.get("worker_class").unwrap().value == Value::Str(want.clone()) {
            out.exact += 1;
        } else {
            out.mismatches.push(format!(
                "{name}: effective worker_class {:?}, expected {want}",
                got.get("worker_class").unwrap().value
            ));
        }
    }
}

#[test]
fn parity_agrees_with_gunicorn_print_config() {
    let cases = root().join("fixtures/gunicorn-oracle");
    let mut names: Vec<String> = fs::read_dir(&cases)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 30, "only {} cases", names.len());
    let mut out = Outcome {
        compared: 0,
        exact: 0,
        documented: 0,
        mismatches: Vec::new(),
    };
    for name in &names {
        let rec = read_recorded(name);
        let (got, expect) = run_case(&cases.join(name));
        compare(name, &rec, &got, expect.as_deref(), &mut out);
    }
    eprintln!(
        "gunicorn oracle: {} cases, {} comparisons, {} exact, {} documented unknown/one-of, {} mismatches",
        names.len(),
        out.compared,
        out.exact,
        out.documented,
        out.mismatches.len()
    );
    assert!(out.mismatches.is_empty(), "{}", out.mismatches.join("\n"));
}

#[test]
fn documented_gaps_are_only_where_parity_cannot_know() {
    // Each `expect` file explains itself; there are few of them.
    let cases = root().join("fixtures/gunicorn-oracle");
    let mut n = 0;
    for e in fs::read_dir(&cases).unwrap().filter_map(|e| e.ok()) {
        if let Ok(text) = fs::read_to_string(e.path().join("expect")) {
            n += 1;
            assert!(
                text.lines().any(|l| l.starts_with("# ")),
                "{:?} lacks a reason",
                e.path()
            );
        }
    }
    assert!(n <= 4, "{n} cases with documented gaps");
}
