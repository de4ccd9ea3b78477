//! parity's gunicorn command-line parser against gunicorn's own argparse
//! parser (`Config(prog="gunicorn").parser().parse_args(argv)`), recorded for
//! thousands of argument vectors in `tests/recorded/gunicorn/argparse.json`
//! by `scripts/record-gunicorn.sh`: every option string in every form
//! (`-t 5`, `-t=5`, `-t5`, `--timeout=5`), every long-option prefix
//! (abbreviations and ambiguities), hand-picked quirks, and random sequences.

use std::collections::BTreeMap;

use parity::sources::gunicorn::settings::{Action, setting};
use parity::sources::gunicorn::{PyValue, parse_args};
use parity::sources::shell::Word;
use parity::span::{FileId, Span};
use serde_json::Value as Json;

fn words(argv: &[Json]) -> Vec<Word> {
    let mut offset = 0;
    argv.iter()
        .map(|a| {
            let t = a.as_str().unwrap();
            let w = Word::new(t, Span::new(FileId(0), offset, offset + t.len()));
            offset += t.len() + 1;
            w
        })
        .collect()
}

fn json_of(v: &PyValue) -> Json {
    match v {
        PyValue::Int(n) => Json::from(i64::try_from(*n).unwrap()),
        PyValue::Bool(b) => Json::from(*b),
        PyValue::Str(s) => Json::from(s.as_str()),
        PyValue::List(items) => Json::Array(items.iter().map(json_of).collect()),
        other => Json::from(format!("{other:?}")),
    }
}

#[test]
fn parity_agrees_with_gunicorns_argparse() {
    let text = include_str!("recorded/gunicorn/argparse.json");
    let doc: Json = serde_json::from_str(text).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() > 3000);
    let mut mismatches = Vec::new();
    for case in cases {
        let argv = case["argv"].as_array().unwrap();
        let cli = parse_args(&words(argv));
        let want_exit = case["exit"].as_i64().unwrap();
        let got_exit = match cli.errors.first() {
            None => 0,
            Some(_) if cli.exits_early && cli.errors.len() == 1 => 0,
            Some((_, m)) if cli.exits_early && m.contains("gunicorn prints") => 0,
            Some(_) => 2,
        };
        if got_exit != want_exit {
            mismatches.push(format!(
                "{argv:?}: exit {got_exit} {:?}, want {case}",
                cli.errors
            ));
            continue;
        }
        if want_exit == 2 {
            let want = case["error"].as_str().unwrap();
            let got = cli.errors.first().map(|e| e.1.as_str()).unwrap_or_default();
            if got != want {
                mismatches.push(format!("{argv:?}: error {got:?}, want {want:?}"));
            }
            continue;
        }
        if want_exit != 0 || cli.exits_early {
            continue;
        }
        // The namespace: last value per setting, lists for append actions.
        let mut got: BTreeMap<String, Json> = BTreeMap::new();
        for o in &cli.options {
            let def = setting(o.name).unwrap();
            let v = json_of(&o.parsed);
            if def.action == Action::Append {
                let entry = got
                    .entry(o.name.to_string())
                    .or_insert_with(|| Json::Array(vec![]));
                if let Json::Array(a) = entry {
                    a.push(v);
                }
            } else {
                got.insert(o.name.to_string(), v);
            }
        }
        let want: BTreeMap<String, Json> = case["options"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if got != want {
            mismatches.push(format!("{argv:?}: options {got:?}, want {want:?}"));
        }
        let positionals: Vec<Json> = cli
            .positionals
            .iter()
            .map(|w| Json::from(w.text.as_str()))
            .collect();
        if Json::Array(positionals.clone()) != case["positionals"] {
            mismatches.push(format!(
                "{argv:?}: positionals {positionals:?}, want {}",
                case["positionals"]
            ));
        }
    }
    eprintln!(
        "argparse oracle (Python {}): {} argument vectors, {} mismatches",
        doc["python"],
        cases.len(),
        mismatches.len()
    );
    assert!(
        mismatches.is_empty(),
        "{}",
        mismatches[..mismatches.len().min(40)].join("\n")
    );
}
