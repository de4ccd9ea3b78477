//! Measurements over the shared real-world corpus (`/work/shared/corpus`,
//! override with `PARITY_CORPUS`). Not part of the normal suite: the corpus is
//! not in the repository. Run with `cargo test --test nginx_corpus -- --ignored --nocapture`.

use std::path::{Path, PathBuf};

use parity::sources::nginx::{looks_like_nginx, parse};
use parity::span::FileId;

fn corpus_root() -> PathBuf {
    std::env::var_os("PARITY_CORPUS")
        .map_or_else(|| PathBuf::from("/work/shared/corpus"), PathBuf::from)
}

/// `(local_path, kind)` rows of MANIFEST.tsv.
fn manifest(root: &Path) -> Vec<(String, String)> {
    let Ok(text) = std::fs::read_to_string(root.join("MANIFEST.tsv")) else {
        return Vec::new();
    };
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            Some(((*cols.first()?).to_owned(), (*cols.get(5)?).to_owned()))
        })
        .collect()
}

fn read_lossy(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    text.strip_prefix('\u{feff}')
        .map_or(text.clone(), str::to_owned)
}

#[test]
#[ignore = "needs the shared corpus"]
fn sniff_classifies_the_corpus() {
    let root = corpus_root();
    let rows = manifest(&root);
    let mut wrong = Vec::new();
    let mut false_positives = 0;
    let (mut nginx, mut other) = (0, 0);
    for (path, kind) in &rows {
        let text = read_lossy(&root.join(path));
        let is_nginx = kind == "nginx";
        if is_nginx {
            nginx += 1;
        } else {
            other += 1;
        }
        let said = looks_like_nginx(&text);
        if said != is_nginx {
            wrong.push(format!("{kind}\t{path}"));
            if said {
                false_positives += 1;
            }
        }
    }
    println!(
        "nginx files: {nginx}, other files: {other}, misclassified: {}",
        wrong.len()
    );
    for w in &wrong {
        println!("  {w}");
    }
    // Misses are expected for empty, comment-only and template-only files.
    assert_eq!(false_positives, 0);
}

#[test]
#[ignore = "needs the shared corpus"]
fn parser_never_panics_on_the_corpus() {
    let root = corpus_root();
    for (path, _) in manifest(&root) {
        let text = read_lossy(&root.join(&path));
        let _ = parse(FileId(0), &text);
    }
}

#[test]
#[ignore = "debug helper"]
fn inspect_one() {
    let Some(path) = std::env::var_os("SNIFF_FILE") else {
        return;
    };
    let text = read_lossy(Path::new(&path));
    let f = parse(FileId(0), &text);
    for d in &f.directives {
        println!(
            "{} {:?} block={}",
            d.name,
            d.args.iter().map(|a| &a.value).collect::<Vec<_>>(),
            d.block.is_some()
        );
    }
    for e in &f.syntax_errors {
        println!("ERR {}", e.message);
    }
    println!("looks_like_nginx = {}", looks_like_nginx(&text));
    let facts = parity::sources::nginx::routes::extract(&f);
    for r in &facts.routes {
        println!(
            "ROUTE {:?} {} names={:?} listen={:?} loc={:?}",
            r.pass.family,
            r.pass.target.value,
            r.server_names,
            r.listen,
            r.location.as_ref().map(|l| &l.value)
        );
        for (k, v) in &r.settings {
            println!("    {k} = {} ({})", v.value, v.origin.kind());
        }
    }
    for u in &facts.upstreams {
        println!(
            "UPSTREAM {} {:?} {:?}",
            u.name.value,
            u.servers
                .iter()
                .map(|s| (&s.host, s.port))
                .collect::<Vec<_>>(),
            u.settings.keys().collect::<Vec<_>>()
        );
    }
}

/// First place two JSON values differ, as a path and both sides (shortened).
fn first_difference(path: &str, a: &serde_json::Value, b: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter().find_map(|k| {
                let null = Value::Null;
                first_difference(
                    &format!("{path}.{k}"),
                    x.get(k).unwrap_or(&null),
                    y.get(k).unwrap_or(&null),
                )
            })
        }
        (Value::Array(x), Value::Array(y)) => {
            let found = x
                .iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (p, q))| first_difference(&format!("{path}[{i}]"), p, q));
            found.or_else(|| {
                (x.len() != y.len())
                    .then(|| format!("{path}: {} items vs {} items", x.len(), y.len()))
            })
        }
        _ if a == b => None,
        _ => {
            let short = |v: &Value| v.to_string().chars().take(100).collect::<String>();
            Some(format!(
                "{path}: parity {} | crossplane {}",
                short(a),
                short(b)
            ))
        }
    }
}

#[test]
#[ignore = "needs the corpus and scripts/crossplane-corpus.sh output"]
fn crossplane_agreement_on_the_corpus() {
    use parity::sources::nginx::crossplane::single_file_json;
    let Some(answers) = std::env::var_os("CROSSPLANE_CORPUS_ANSWERS") else {
        println!("set CROSSPLANE_CORPUS_ANSWERS (see scripts/crossplane-corpus.sh)");
        return;
    };
    let answers = PathBuf::from(answers);
    let root = corpus_root();
    let (mut total, mut agree) = (0, 0);
    let mut tree_agree = 0;
    for (path, kind) in manifest(&root) {
        if kind != "nginx" {
            continue;
        }
        let answer = answers.join(format!("{}.json", path.replace('/', "__")));
        let Ok(theirs) = std::fs::read_to_string(&answer) else {
            println!("MISSING {}", answer.display());
            continue;
        };
        let Ok(theirs) = serde_json::from_str::<serde_json::Value>(&theirs) else {
            println!("BAD JSON {}", answer.display());
            continue;
        };
        total += 1;
        let text = read_lossy(&root.join(&path));
        let parsed = parse(FileId(0), &text);
        let line_of = |s: parity::span::Span| {
            let upto = text.get(..s.start as usize).unwrap_or(&text);
            u32::try_from(upto.matches('\n').count() + 1).unwrap_or(u32::MAX)
        };
        let ours = single_file_json(&path, &parsed, true, &line_of);
        // Compare the tree, the status and the error lines (messages may be worded differently).
        let lines = |v: &serde_json::Value| -> Vec<serde_json::Value> {
            v["errors"]
                .as_array()
                .map(|a| a.iter().map(|e| e["line"].clone()).collect())
                .unwrap_or_default()
        };
        let tree_same = ours["config"][0]["parsed"] == theirs["config"][0]["parsed"];
        if tree_same {
            tree_agree += 1;
        }
        if tree_same && ours["status"] == theirs["status"] && lines(&ours) == lines(&theirs) {
            agree += 1;
            continue;
        }
        println!("DIFF {path}");
        let ours_errors: Vec<_> = ours["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| (e["error"].clone(), e["line"].clone()))
            .collect();
        let theirs_errors: Vec<_> = theirs["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| (e["error"].clone(), e["line"].clone()))
            .collect();
        if ours_errors != theirs_errors {
            println!("  parity errors:     {ours_errors:?}");
            println!("  crossplane errors: {theirs_errors:?}");
        }
        if let Some(d) = first_difference(
            "parsed",
            &ours["config"][0]["parsed"],
            &theirs["config"][0]["parsed"],
        ) {
            println!("  first tree difference: {d}");
        }
    }
    println!("agreement: {agree}/{total} files (tree alone: {tree_agree}/{total})");
}

#[test]
#[ignore = "needs the shared corpus"]
fn routes_over_the_corpus() {
    use parity::sources::nginx::routes::extract;
    let root = corpus_root();
    let (mut routes, mut upstreams, mut files) = (0, 0, 0);
    for (path, kind) in manifest(&root) {
        if kind != "nginx" {
            continue;
        }
        files += 1;
        let text = read_lossy(&root.join(&path));
        let facts = extract(&parse(FileId(0), &text));
        routes += facts.routes.len();
        upstreams += facts.upstreams.len();
        for p in &facts.problems {
            let at = p.span.map_or(String::new(), |s| {
                let line = text[..s.start as usize].matches('\n').count() + 1;
                format!(":{line} {:?}", &text[s.range()])
            });
            println!("PROBLEM {path}{at}: {}", p.message);
        }
    }
    println!("{files} files, {routes} routes, {upstreams} upstreams");
}
