//! Our YAML tree against PyYAML's reading of the same files, recorded by
//! `scripts/record_pyyaml.py tests/recorded/pyyaml tests/fixtures/yaml/*.yaml`
//! (scalars kept as strings, merges applied). Also an ignored corpus-wide
//! comparison against answers recorded outside the repository.

use std::path::{Path, PathBuf};

use parity::sources::yaml::{self, Node, NodeKind};
use parity::span::FileId;
use serde_json::{Map, Value};

fn to_json(node: &Node) -> Value {
    match &node.kind {
        NodeKind::Null => Value::Null,
        NodeKind::Scalar(t) => Value::String(t.value.clone()),
        NodeKind::Seq(items) => Value::Array(items.iter().map(to_json).collect()),
        NodeKind::Map(entries) => {
            let mut m = Map::new();
            for (k, v) in entries {
                let key = match &k.kind {
                    NodeKind::Scalar(t) => t.value.clone(),
                    _ => "null".to_owned(),
                };
                m.insert(key, to_json(v));
            }
            Value::Object(m)
        }
    }
}

/// Our answer in the recorder's format.
fn ours(text: &str) -> Value {
    let parsed = yaml::parse(FileId(0), text);
    let syntax_error = parsed
        .problems
        .iter()
        .any(|p| p.message.starts_with("YAML syntax error"));
    if syntax_error {
        return serde_json::json!({ "error": true });
    }
    serde_json::json!({ "docs": parsed.docs.iter().map(to_json).collect::<Vec<_>>() })
}

fn recorded(dir: &Path, name: &str) -> Option<Value> {
    let name = format!("{name}.json");
    let text = std::fs::read_to_string(dir.join(name)).ok()?;
    let mut v: Value = serde_json::from_str(&text).ok()?;
    if v.get("error").is_some() {
        v = serde_json::json!({ "error": true });
    }
    Some(v)
}

#[test]
fn fixtures_agree_with_pyyaml() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fixtures = root.join("tests/fixtures/yaml");
    let mut checked = 0;
    for entry in std::fs::read_dir(&fixtures).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy();
        let want = recorded(&root.join("tests/recorded/pyyaml"), &name)
            .unwrap_or_else(|| panic!("no recorded answer for {}", path.display()));
        assert_eq!(ours(&text), want, "{}", path.display());
        checked += 1;
    }
    assert!(checked >= 6);
}

/// First: `cd /work/shared/corpus && scripts/record_pyyaml.py --root . /tmp/pyyaml-corpus
/// $(awk -F'\t' '$6=="k8s"||$6=="compose"{print $1}' MANIFEST.tsv)`.
#[test]
#[ignore = "needs the corpus and answers recorded in PARITY_PYYAML_DIR"]
fn corpus_agrees_with_pyyaml() {
    let answers = std::env::var_os("PARITY_PYYAML_DIR")
        .map_or_else(|| PathBuf::from("/tmp/pyyaml-corpus"), PathBuf::from);
    let corpus = Path::new("/work/shared/corpus");
    let manifest = std::fs::read_to_string(corpus.join("MANIFEST.tsv")).unwrap();
    let (mut same, mut differ, mut missing) = (0, 0, 0);
    for line in manifest.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if !matches!(cols.last(), Some(&("k8s" | "compose"))) {
            continue;
        }
        let path = corpus.join(cols[0]);
        let Some(want) = recorded(&answers, &cols[0].replace('/', "__")) else {
            missing += 1;
            continue;
        };
        let text = std::fs::read_to_string(&path).unwrap();
        let got = ours(&text);
        if got == want {
            same += 1;
        } else {
            differ += 1;
            println!("DIFFERS: {}", cols[0]);
            if let (Some(g), Some(w)) = (got.get("docs"), want.get("docs")) {
                print_diff(g, w, "$");
            } else {
                println!(
                    "  ours: {}  pyyaml: {}",
                    got.get("error").is_some(),
                    want.get("error").is_some()
                );
            }
        }
    }
    println!("{same} files identical, {differ} differ, {missing} without a recorded answer");
    assert!(same > 0);
}

fn print_diff(a: &Value, b: &Value, path: &str) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                match y.get(k) {
                    Some(w) => print_diff(v, w, &format!("{path}.{k}")),
                    None => println!("  {path}.{k}: only ours"),
                }
            }
            for k in y.keys().filter(|k| !x.contains_key(*k)) {
                println!("  {path}.{k}: only pyyaml");
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                print_diff(v, w, &format!("{path}[{i}]"));
            }
        }
        _ if a != b => println!("  {path}: ours {a} pyyaml {b}"),
        _ => {}
    }
}
