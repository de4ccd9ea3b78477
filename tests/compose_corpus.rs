//! Every compose file of the shared corpus through `compose::parse`: no
//! panic, sound byte maps, and a summary of problems. Ignored by default
//! (needs the corpus): `cargo test --test compose_corpus -- --ignored --nocapture`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use parity::sources::compose::{self, Command};
use parity::span::FileId;

fn corpus_dir() -> PathBuf {
    std::env::var_os("PARITY_CORPUS")
        .map_or_else(|| PathBuf::from("/work/shared/corpus"), PathBuf::from)
}

fn corpus_files(kind: &str) -> Vec<PathBuf> {
    let dir = corpus_dir();
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).expect("corpus MANIFEST.tsv");
    manifest
        .lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            (cols.last() == Some(&kind)).then(|| dir.join(cols[0]))
        })
        .collect()
}

/// The `.env` next to a compose file, read the simple way (KEY=VALUE).
fn dot_env(path: &Path) -> HashMap<String, String> {
    let Some(text) = path
        .parent()
        .and_then(|d| std::fs::read_to_string(d.join(".env")).ok())
    else {
        return HashMap::new();
    };
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().trim_matches('"').to_owned()))
        .collect()
}

#[test]
#[ignore = "needs the shared corpus"]
fn corpus_compose_files_parse_without_panic() {
    let files = corpus_files("compose");
    let (mut services, mut with_problems, mut commands, mut unset) = (0, 0, 0, 0);
    for path in &files {
        let src = std::fs::read_to_string(path).expect("compose files are UTF-8");
        assert!(
            compose::looks_like_compose(&src) || !src.contains("services:"),
            "{}",
            path.display()
        );
        let env = dot_env(path);
        let lookup = |k: &str| env.get(k).cloned();
        let file = compose::parse(FileId(0), &src, &lookup);
        services += file.services.len();
        unset += file
            .interpolations
            .iter()
            .filter(|i| i.source == compose::Substituted::Unset)
            .count();
        for svc in &file.services {
            for c in [&svc.command, &svc.entrypoint].into_iter().flatten() {
                commands += 1;
                match c {
                    Command::Shell(t) => t.verify_against(&src).unwrap(),
                    Command::Exec(ts) => ts.iter().for_each(|t| t.verify_against(&src).unwrap()),
                    Command::Null => {}
                }
            }
            for e in &svc.environment {
                if let Some(v) = &e.value {
                    v.verify_against(&src).unwrap();
                }
            }
        }
        if !file.problems.is_empty() {
            with_problems += 1;
            let name = path.strip_prefix(corpus_dir()).unwrap_or(path);
            for p in &file.problems {
                let span = p.span.expect("problems have spans");
                let line = src[..span.start as usize].matches('\n').count() + 1;
                println!("{}:{line}: {}", name.display(), p.message);
            }
        }
    }
    println!(
        "{} compose files, {services} services, {commands} commands/entrypoints, \
         {unset} unset variables, {with_problems} files with problems",
        files.len()
    );
    assert!(files.len() > 100, "corpus not found or incomplete");
}

/// Every corpus compose file merged onto the one before it and onto itself,
/// with `extends` resolved against every other file: no panic, and a
/// service's fields keep spans of the file that set them.
#[test]
#[ignore = "needs the shared corpus"]
fn corpus_compose_files_merge_without_panic() {
    let files = corpus_files("compose");
    let parsed: Vec<compose::ComposeFile> = files
        .iter()
        .enumerate()
        .map(|(i, path)| {
            let src = std::fs::read_to_string(path).expect("compose files are UTF-8");
            let id = FileId(u32::try_from(i).unwrap());
            let mut f = compose::parse(id, &src, &|_| None);
            let next = (i + 1) % files.len();
            let other_src = std::fs::read_to_string(&files[next]).unwrap();
            let other = compose::parse(FileId(u32::try_from(next).unwrap()), &other_src, &|_| None);
            compose::resolve_extends(&mut f, &mut |_| Some(other.clone()));
            f
        })
        .collect();
    let mut merged_services = 0;
    for pair in parsed.windows(2) {
        let m = compose::merge(&pair[0], &pair[1]);
        let again = compose::merge(&m, &m);
        assert_eq!(again.services.len(), m.services.len());
        for s in &m.services {
            let set_in = |f: &compose::ComposeFile| {
                f.services
                    .iter()
                    .find(|o| o.name.value == s.name.value && !o.reset)
                    .and_then(|o| o.stop_grace_period.as_ref())
                    .map(|(t, _)| t.span)
            };
            let want = set_in(&pair[1]).or_else(|| set_in(&pair[0]));
            assert_eq!(s.stop_grace_period.as_ref().map(|(t, _)| t.span), want);
        }
        merged_services += m.services.len();
    }
    eprintln!("{} files, {merged_services} merged services", files.len());
}
