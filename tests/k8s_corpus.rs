//! Every Kubernetes manifest of the shared corpus through `k8s::parse`: no
//! panic, spans inside the file, sound byte maps, and a summary of objects
//! and problems. Ignored by default (needs the corpus):
//! `cargo test --test k8s_corpus -- --ignored --nocapture`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use parity::sources::k8s::{self, Object, PreStop};
use parity::span::FileId;

fn corpus_dir() -> PathBuf {
    std::env::var_os("PARITY_CORPUS")
        .map_or_else(|| PathBuf::from("/work/shared/corpus"), PathBuf::from)
}

fn corpus_files(kind: &str) -> Vec<(String, PathBuf)> {
    let dir = corpus_dir();
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).expect("corpus MANIFEST.tsv");
    manifest
        .lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            (cols.last() == Some(&kind)).then(|| (cols[0].to_owned(), dir.join(cols[0])))
        })
        .collect()
}

#[test]
#[ignore = "needs the shared corpus"]
fn corpus_k8s_files_parse_without_panic() {
    let files = corpus_files("k8s");
    assert!(files.len() > 100, "{}", files.len());
    let mut per_kind: BTreeMap<String, usize> = BTreeMap::new();
    let mut others: BTreeMap<String, usize> = BTreeMap::new();
    let mut pre_stops: BTreeMap<&str, usize> = BTreeMap::new();
    let (mut problems, mut containers, mut ignored) = (0, 0, 0);
    for (rel, path) in &files {
        let src = std::fs::read_to_string(path).expect("k8s files are UTF-8");
        let file = k8s::parse(FileId(0), &src);
        for k in &file.other_kinds {
            *others.entry(k.value.clone()).or_default() += 1;
        }
        for p in &file.problems {
            problems += 1;
            let s = p.span.expect("k8s problems have spans");
            assert!(s.end as usize <= src.len());
            println!(
                "PROBLEM {rel} @{}: {} [{}]",
                s.start,
                p.message,
                &src[s.range()]
            );
        }
        for o in &file.objects {
            let meta = o.meta();
            *per_kind.entry(meta.kind.clone()).or_default() += 1;
            assert!(meta.span.end as usize <= src.len());
            for (_, t) in &meta.annotations {
                t.verify_against(&src).unwrap();
            }
            match o {
                Object::Workload(w) => {
                    for c in w.containers.iter().chain(&w.init_containers) {
                        containers += 1;
                        for t in c.command.iter().chain(&c.args).flatten() {
                            t.verify_against(&src).unwrap();
                        }
                        for e in &c.env {
                            if let Some(v) = &e.value {
                                v.verify_against(&src).unwrap();
                            }
                        }
                        let label = match &c.pre_stop {
                            None => continue,
                            Some(PreStop::Sleep { .. }) => "sleep",
                            Some(PreStop::ExecSleep {
                                seconds: Some(_), ..
                            }) => "exec sleep N",
                            Some(PreStop::ExecSleep { seconds: None, .. }) => "exec sleep ?",
                            Some(PreStop::Exec { .. }) => "exec other",
                            Some(PreStop::HttpGet { .. }) => "httpGet",
                        };
                        *pre_stops.entry(label).or_default() += 1;
                        println!(
                            "PRESTOP {rel} {}/{}: {:?}",
                            meta.name.value, c.name.value, c.pre_stop
                        );
                    }
                }
                Object::ConfigMap(cm) => {
                    for (_, t) in &cm.data {
                        t.verify_against(&src).unwrap();
                    }
                    let cfg = k8s::ingress_nginx_controller_config(cm);
                    for (key, _, why) in &cfg.ignored {
                        println!("CONFIGMAP {rel} {}: {key}: {why}", meta.name.value);
                    }
                }
                Object::Ingress(i) => {
                    for (name, _, why) in &i.ignored_annotations {
                        ignored += 1;
                        println!("IGNORED {rel} {}: {name}: {why}", meta.name.value);
                    }
                    for (key, s) in &i.settings {
                        if !s.origin.is_default() {
                            println!("INGRESS {rel} {}: {key} = {}", meta.name.value, s.value);
                        }
                    }
                }
                Object::Service(_) => {}
            }
        }
    }
    println!("files: {}", files.len());
    println!("objects per kind: {per_kind:?}");
    println!("containers: {containers}, preStop: {pre_stops:?}");
    println!("skipped kinds: {others:?}");
    println!("problems: {problems}, ignored ingress annotations: {ignored}");
}
