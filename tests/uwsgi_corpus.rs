//! Every uWSGI file of the shared corpus through parity's readers and
//! resolver: no panic, and a summary of problems and unknown values.
//!
//! `cargo test --test uwsgi_corpus -- --ignored --nocapture`
//! (corpus path from `PARITY_CORPUS`, default `/work/shared/corpus`).

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;
use std::sync::Arc;

use parity::sources::shell::Word;
use parity::sources::uwsgi::{Format, UwsgiInputs, parse_file, resolve};
use parity::span::{FileId, Span};
use parity::value::Value;

#[test]
#[ignore = "needs the shared corpus"]
fn corpus_uwsgi_files_parse_and_resolve() {
    let root = PathBuf::from(
        std::env::var("PARITY_CORPUS").unwrap_or_else(|_| "/work/shared/corpus".into()),
    );
    let manifest = fs::read_to_string(root.join("MANIFEST.tsv")).unwrap_or_default();
    let mut files = 0;
    let mut entries = 0;
    let mut problems: BTreeMap<String, usize> = BTreeMap::new();
    let mut unknown: BTreeMap<String, usize> = BTreeMap::new();
    let mut conditional = 0;
    let mut unknown_settings: BTreeMap<String, usize> = BTreeMap::new();
    let mut placeholders = 0;
    let mut near_misses = Vec::new();
    for line in manifest.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.get(5) != Some(&"uwsgi") {
            continue;
        }
        let Some(path) = cols.first() else { continue };
        let Ok(text) = fs::read_to_string(root.join(path)) else {
            continue;
        };
        files += 1;
        let format = Format::from_name(path).unwrap_or(Format::Ini);
        let parsed = parse_file(FileId(1), &text, format, None);
        entries += parsed.entries.len();
        // Resolve as `uwsgi --<format> <name>`, the file being the only one in the repo.
        let name = path.rsplit('/').next().unwrap_or(path).to_string();
        let cmd = format!("--{} {name}", format.name());
        let args: Vec<Word> = cmd
            .split(' ')
            .scan(0, |pos, w| {
                let word = Word::new(w, Span::new(FileId(0), *pos, *pos + w.len()));
                *pos += w.len() + 1;
                Some(word)
            })
            .collect();
        let text: Arc<str> = Arc::from(text.as_str());
        let load = |p: &str| (p == name).then(|| (FileId(1), text.clone(), name.clone()));
        let env = |_: &str| None;
        let r = resolve(&UwsgiInputs {
            args: &args,
            env: &env,
            load: &load,
            anchor: Span::new(FileId(0), 0, 0),
        });
        for p in &r.problems {
            let kind: String = p
                .message
                .split(':')
                .next()
                .unwrap_or_default()
                .chars()
                .take(70)
                .collect();
            *problems.entry(format!("{name}: {kind}")).or_default() += 1;
        }
        for o in &r.options {
            if let Some(why) = &o.unknown {
                let why: String = why.chars().take(60).collect();
                *unknown.entry(why).or_default() += 1;
            }
            if o.condition.is_some() {
                conditional += 1;
            }
        }
        for (name, setting) in &r.settings {
            let why = match &setting.value {
                Value::Unknown(why) => Some(why.clone()),
                Value::OneOf(_) => Some("one of several values (unknown condition)".to_string()),
                Value::List(items) => items.iter().find_map(|v| match v {
                    Value::Unknown(why) => Some(why.clone()),
                    _ => None,
                }),
                _ => None,
            };
            if let Some(why) = why {
                let why: String = why.chars().take(60).collect();
                *unknown_settings
                    .entry(format!("{name}: {why}"))
                    .or_default() += 1;
            }
        }
        placeholders += r.placeholders.len();
        for (p, opt) in &r.near_misses {
            near_misses.push(format!("{name}: {} -> {opt}", p.value));
        }
    }
    println!("{files} uWSGI files, {entries} entries read standalone");
    println!("problems ({}):", problems.values().sum::<usize>());
    for (k, n) in &problems {
        println!("  {n:3}  {k}");
    }
    println!("unknown values ({}):", unknown.values().sum::<usize>());
    for (k, n) in &unknown {
        println!("  {n:3}  {k}");
    }
    println!(
        "settings not known for sure ({}):",
        unknown_settings.values().sum::<usize>()
    );
    for (k, n) in &unknown_settings {
        println!("  {n:3}  {k}");
    }
    println!("conditional options: {conditional}, placeholders: {placeholders}");
    println!("near misses: {near_misses:#?}");
    assert!(
        files >= 30,
        "only {files} uWSGI files found under {}",
        root.display()
    );
}
