//! Every YAML file of the shared real-world corpus through `yaml::parse`:
//! no panic, every scalar's byte map sound, and a summary of the files that
//! produced problems. Needs the corpus, so it is ignored by default:
//! `cargo test --test yaml_corpus -- --ignored --nocapture`
//! (`PARITY_CORPUS` overrides the corpus directory).

use std::path::PathBuf;

use parity::sources::yaml::{self, Node, NodeKind};
use parity::span::FileId;

fn corpus_dir() -> PathBuf {
    std::env::var_os("PARITY_CORPUS")
        .map_or_else(|| PathBuf::from("/work/shared/corpus"), PathBuf::from)
}

/// `(path, kind)` for every corpus file of the given kinds.
fn corpus_files(kinds: &[&str]) -> Vec<(PathBuf, String)> {
    let dir = corpus_dir();
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).expect("corpus MANIFEST.tsv");
    manifest
        .lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            let kind = *cols.last()?;
            kinds
                .contains(&kind)
                .then(|| (dir.join(cols[0]), kind.to_owned()))
        })
        .collect()
}

fn verify(node: &Node, src: &str, scalars: &mut usize) {
    match &node.kind {
        NodeKind::Null => {}
        NodeKind::Scalar(t) => {
            *scalars += 1;
            t.verify_against(src)
                .unwrap_or_else(|e| panic!("{:?}: {e}", t.value));
        }
        NodeKind::Seq(items) => items.iter().for_each(|n| verify(n, src, scalars)),
        NodeKind::Map(entries) => entries.iter().for_each(|(k, v)| {
            verify(k, src, scalars);
            verify(v, src, scalars);
        }),
    }
}

#[test]
#[ignore = "needs the shared corpus"]
fn corpus_yaml_parses_without_panic() {
    let files = corpus_files(&["k8s", "compose", "uwsgi"]);
    let (mut total, mut with_problems, mut docs, mut scalars) = (0, 0, 0, 0);
    for (path, kind) in &files {
        let is_yaml = path.extension().is_some_and(|e| e == "yml" || e == "yaml");
        if kind == "uwsgi" && !is_yaml {
            continue;
        }
        let Ok(src) = std::fs::read_to_string(path) else {
            println!("unreadable (not UTF-8?): {}", path.display());
            continue;
        };
        total += 1;
        let parsed = yaml::parse(FileId(0), &src);
        docs += parsed.docs.len();
        for d in &parsed.docs {
            verify(d, &src, &mut scalars);
        }
        if !parsed.problems.is_empty() {
            with_problems += 1;
            let name = path.strip_prefix(corpus_dir()).unwrap_or(path);
            for p in &parsed.problems {
                let span = p.span.expect("problems have spans");
                let line = src[..span.start as usize].matches('\n').count() + 1;
                println!("{kind:8} {}:{line}: {}", name.display(), p.message);
            }
        }
    }
    println!(
        "{total} YAML files, {docs} documents, {scalars} scalars checked, {with_problems} files with problems"
    );
    assert!(total > 250, "corpus not found or incomplete: {total} files");
}
