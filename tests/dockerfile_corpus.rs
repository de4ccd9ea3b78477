//! Every Dockerfile and Procfile of the shared corpus through the parsers:
//! no panic, sound byte maps, and a summary of problems. Ignored by default
//! (needs the corpus): `cargo test --test dockerfile_corpus -- --ignored --nocapture`.

use std::path::{Path, PathBuf};

use parity::sources::dockerfile::{self, Instr};
use parity::sources::procfile;
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

fn report(path: &Path, src: &str, problems: &[parity::diag::Problem]) {
    let name = path.strip_prefix(corpus_dir()).unwrap_or(path);
    for p in problems {
        let span = p.span.expect("problems have spans");
        let line = src[..span.start as usize].matches('\n').count() + 1;
        println!("{}:{line}: {}", name.display(), p.message);
    }
}

#[test]
#[ignore = "needs the shared corpus"]
fn corpus_dockerfiles_parse_without_panic() {
    let files = corpus_files("dockerfile");
    let (mut stages, mut with_problems, mut exec, mut shell, mut unresolved) = (0, 0, 0, 0, 0);
    for path in &files {
        let src = std::fs::read_to_string(path).expect("Dockerfiles are UTF-8");
        let d = dockerfile::parse(FileId(0), &src);
        stages += d.stages.len();
        unresolved += d.unresolved.len();
        if let Some(last) = d.stages.last() {
            let show = |i: &Option<Instr>| match i {
                Some(Instr::Exec(ts)) => {
                    format!("{:?}", ts.iter().map(|t| &t.value).collect::<Vec<_>>())
                }
                Some(Instr::Shell(t)) => format!("sh -c {:?}", t.value),
                None => "-".to_owned(),
            };
            println!(
                "{}\n  FROM {} | WORKDIR {} | ENTRYPOINT {} | CMD {}",
                path.file_name().unwrap_or_default().to_string_lossy(),
                last.from.value,
                last.workdir.as_ref().map_or("-", |w| w.value.as_str()),
                show(&last.entrypoint),
                show(&last.cmd),
            );
            for i in [&last.cmd, &last.entrypoint].into_iter().flatten() {
                match i {
                    Instr::Exec(ts) => {
                        exec += 1;
                        ts.iter().for_each(|t| t.verify_against(&src).unwrap());
                    }
                    Instr::Shell(t) => {
                        shell += 1;
                        t.verify_against(&src).unwrap();
                    }
                }
            }
            for (_, v) in &last.env {
                v.verify_against(&src).unwrap();
            }
        }
        if !d.problems.is_empty() {
            with_problems += 1;
            report(path, &src, &d.problems);
        }
    }
    println!(
        "{} Dockerfiles, {stages} stages, final stages: {exec} exec-form and {shell} shell-form \
         CMD/ENTRYPOINT, {unresolved} unresolved variable references, {with_problems} files with problems",
        files.len()
    );
    assert!(files.len() > 50, "corpus not found or incomplete");
}

#[test]
#[ignore = "needs the shared corpus"]
fn corpus_procfiles_parse_without_panic() {
    let files = corpus_files("procfile");
    let (mut entries, mut with_problems) = (0, 0);
    for path in &files {
        let src = std::fs::read_to_string(path).expect("Procfiles are UTF-8");
        let (es, problems) = procfile::parse(FileId(0), &src);
        entries += es.len();
        for e in &es {
            println!("  {}: {}", e.process.value, e.command.value);
        }
        if !problems.is_empty() {
            with_problems += 1;
            report(path, &src, &problems);
        }
    }
    println!(
        "{} Procfiles, {entries} entries, {with_problems} files with problems",
        files.len()
    );
    assert!(files.len() >= 10, "corpus not found or incomplete");
}
