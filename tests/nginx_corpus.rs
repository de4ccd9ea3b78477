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
fn sniff_one() {
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
}
