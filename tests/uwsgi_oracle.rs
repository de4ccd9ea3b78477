//! parity's uWSGI resolution against uWSGI 2.0.31's own answers.
//!
//! Each case under `tests/fixtures/uwsgi-oracle/<case>/` has config files,
//! `cmd` (arguments, one per line) and optional `env`. `scripts/record-uwsgi.sh`
//! ran `uwsgi <cmd> --get KEY` for each case and stored what it printed in
//! `tests/recorded/uwsgi/<case>.json`:
//! - `get`: `--get` prints the *first* occurrence of an option (or nothing);
//!   compared with [`ResolvedUwsgi::get`];
//! - `prints`: the output of `print` options, which uWSGI runs while it applies
//!   options in order: this is the order the running server applies them in,
//!   compared with parity's option list;
//! - `rc`: uWSGI refused the configuration when non-zero.
//!
//! The running server uses the *last* occurrence of a scalar option, which
//! `--get` cannot show; `expect` files state those run-time values (derived
//! from the application order above and uWSGI's source) and are compared
//! with [`ResolvedUwsgi::settings`]. Cases mentioning `exec` are never run by
//! the recorder; they only have an `expect` file.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parity::sources::shell::Word;
use parity::sources::uwsgi::{ResolveOptions, ResolvedUwsgi, UwsgiInputs, resolve_with};
use parity::span::{FileId, Span};

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/uwsgi-oracle")
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_default()
}

/// Lines of a file with their byte ranges, empty lines skipped.
fn lines(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut pos = 0;
    for line in text.split('\n') {
        if !line.is_empty() {
            out.push((pos, line));
        }
        pos += line.len() + 1;
    }
    out
}

struct Case {
    dir: PathBuf,
    name: String,
}

fn cases() -> Vec<Case> {
    let mut out: Vec<Case> = fs::read_dir(cases_dir())
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter(|e| e.path().is_dir())
                .map(|e| Case {
                    name: e.file_name().to_string_lossy().into_owned(),
                    dir: e.path(),
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Resolves a case as uWSGI saw it: the env file is the whole environment.
fn run(case: &Case) -> ResolvedUwsgi {
    let cmd = read(&case.dir.join("cmd"));
    let args: Vec<Word> = lines(&cmd)
        .into_iter()
        .map(|(pos, l)| Word::new(l, Span::new(FileId(0), pos, pos + l.len())))
        .collect();
    let env_text = read(&case.dir.join("env"));
    let env: HashMap<String, (String, Span)> = lines(&env_text)
        .into_iter()
        .filter_map(|(pos, l)| {
            let (k, v) = l.split_once('=')?;
            Some((
                k.to_string(),
                (v.to_string(), Span::new(FileId(1), pos, pos + l.len())),
            ))
        })
        .collect();
    let ids: RefCell<HashMap<String, FileId>> = RefCell::new(HashMap::new());
    let dir = case.dir.clone();
    let load = move |path: &str| -> Option<(FileId, Arc<str>, String)> {
        let full = dir.join(path);
        if !full.is_file() {
            return None;
        }
        let text = fs::read_to_string(&full).ok()?;
        let mut ids = ids.borrow_mut();
        let next = FileId(2 + u32::try_from(ids.len()).unwrap_or(0));
        let id = *ids.entry(path.to_string()).or_insert(next);
        Some((id, Arc::from(text), path.to_string()))
    };
    let env_fn = |name: &str| env.get(name).cloned();
    let inputs = UwsgiInputs {
        args: &args,
        env: &env_fn,
        load: &load,
        anchor: Span::new(FileId(0), 0, 0),
    };
    resolve_with(&inputs, ResolveOptions { env_complete: true })
}

fn fatal(r: &ResolvedUwsgi) -> Vec<String> {
    r.problems
        .iter()
        .filter(|p| p.message.contains("exits") || p.message.contains("crashes"))
        .map(|p| p.message.clone())
        .collect()
}

/// Compares one case with its recorded `--get` answers; returns mismatches.
fn compare_recorded(case: &Case, r: &ResolvedUwsgi) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/recorded/uwsgi")
        .join(format!("{}.json", case.name));
    let Ok(text) = fs::read_to_string(&path) else {
        return Vec::new();
    };
    let mut errors = Vec::new();
    let recorded: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => return vec![format!("{}: bad recording: {e}", case.name)],
    };
    let rc = recorded["rc"].as_i64().unwrap_or(-1);
    let fatal = fatal(r);
    let uwsgi_refused = rc != 0;
    let parity_refuses = !fatal.is_empty();
    if uwsgi_refused != parity_refuses {
        errors.push(format!(
            "{}: uWSGI rc {rc}, parity fatal problems {fatal:?}",
            case.name
        ));
    }
    if rc != 0 {
        return errors;
    }
    let want_prints: Vec<&str> = recorded["prints"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    let got_prints: Vec<String> = r
        .all("print")
        .map(|o| o.value.clone().unwrap_or_default())
        .collect();
    if got_prints.join("\n") != want_prints.join("\n") {
        errors.push(format!(
            "{}: prints (application order) {got_prints:?}, uWSGI {want_prints:?}",
            case.name
        ));
    }
    if let Some(get) = recorded["get"].as_object() {
        for (key, want) in get {
            let got = r.get(key);
            if let Some(o) = got.filter(|o| o.unknown.is_some() || o.condition.is_some()) {
                errors.push(format!("{}: --get {key}: parity unknown {o:?}", case.name));
                continue;
            }
            let got = got.and_then(|o| o.value.clone());
            let want = want.as_str().map(str::to_string);
            if got != want {
                errors.push(format!(
                    "{}: --get {key}: parity {got:?}, uWSGI {want:?}",
                    case.name
                ));
            }
        }
    }
    errors
}

/// Compares one case with its hand-written `expect` file.
fn compare_expected(case: &Case, r: &ResolvedUwsgi) -> Vec<String> {
    let text = read(&case.dir.join("expect"));
    let mut errors = Vec::new();
    let words = |s: &str| -> Vec<String> { s.split_whitespace().map(str::to_string).collect() };
    for (_, line) in lines(&text) {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let (lhs, op, rhs) = if let Some((l, r)) = line.split_once(" = ") {
            (l.trim(), "=", r.trim())
        } else if let Some((l, r)) = line.split_once(" ~ ") {
            (l.trim(), "~", r.trim())
        } else if let Some(l) = line.strip_suffix(" =") {
            (l.trim(), "=", "")
        } else {
            errors.push(format!("{}: bad expect line {line:?}", case.name));
            continue;
        };
        let got: String = match lhs.split_once(' ') {
            Some(("setting", name)) => match r.settings.get(name) {
                Some(s) if op == "~" => {
                    if s.value.is_unknown() {
                        rhs.to_string()
                    } else {
                        s.value.to_string()
                    }
                }
                Some(s) => s.value.to_string(),
                None => "<missing>".into(),
            },
            Some(("origin", name)) => r
                .settings
                .get(name)
                .map_or("<missing>".into(), |s| s.origin.kind().to_string()),
            _ => match lhs {
                "placeholders" => r
                    .placeholders
                    .iter()
                    .map(|p| p.value.clone())
                    .collect::<Vec<_>>()
                    .join(" "),
                "near-misses" => r
                    .near_misses
                    .iter()
                    .map(|(p, o)| format!("{}->{o}", p.value))
                    .collect::<Vec<_>>()
                    .join(" "),
                "immediate-env" => r
                    .immediate_env
                    .iter()
                    .map(|p| p.value.clone())
                    .collect::<Vec<_>>()
                    .join(" "),
                "unresolved" => r
                    .unresolved
                    .iter()
                    .map(|p| p.value.clone())
                    .collect::<Vec<_>>()
                    .join(" "),
                "protocols" => r
                    .protocols
                    .iter()
                    .map(|(o, a, _)| format!("{o}={a}"))
                    .collect::<Vec<_>>()
                    .join(" "),
                "problems" => r.problems.len().to_string(),
                "config-files" => r.config_files.len().to_string(),
                _ => {
                    errors.push(format!("{}: unknown expect key {lhs:?}", case.name));
                    continue;
                }
            },
        };
        let matches = if lhs.starts_with("setting") {
            got == rhs
        } else {
            words(&got) == words(rhs)
        };
        if !matches {
            errors.push(format!(
                "{}: {lhs}: parity {got:?}, expected {rhs:?}",
                case.name
            ));
        }
    }
    errors
}

#[test]
fn every_case_matches_uwsgi() {
    let cases = cases();
    assert!(cases.len() >= 15, "only {} cases", cases.len());
    let mut errors = Vec::new();
    let mut recorded = 0;
    for case in &cases {
        let r = run(case);
        let has_recording = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/recorded/uwsgi")
            .join(format!("{}.json", case.name))
            .is_file();
        let mentions_exec = fs::read_dir(&case.dir)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .any(|e| read(&e.path()).to_ascii_lowercase().contains("exec"))
            })
            .unwrap_or(false);
        // Every case is recorded unless uWSGI would run a command for it.
        assert!(
            has_recording || mentions_exec,
            "{}: no recording",
            case.name
        );
        assert!(
            case.dir.join("expect").is_file(),
            "{}: no expect file",
            case.name
        );
        if has_recording {
            recorded += 1;
        }
        errors.extend(compare_recorded(case, &r));
        errors.extend(compare_expected(case, &r));
    }
    assert!(recorded >= 15, "only {recorded} recorded cases");
    assert!(
        errors.is_empty(),
        "{} mismatches:\n{}",
        errors.len(),
        errors.join("\n")
    );
}
