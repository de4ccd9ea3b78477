//! Robustness over a directory of real-world configs (e.g. the team's shared
//! corpus). Opt-in: `PARITY_CORPUS=/path/to/corpus cargo test --test corpus -- --ignored --nocapture`.
//! The test suite itself never depends on it.

use std::path::PathBuf;

use parity::cli::{RunOptions, analyze};

#[test]
#[ignore = "needs PARITY_CORPUS pointing at a corpus of real configs"]
fn corpus_scans_without_panicking() {
    let Some(dir) = std::env::var_os("PARITY_CORPUS").map(PathBuf::from) else {
        eprintln!("PARITY_CORPUS not set; nothing to do");
        return;
    };
    let a = analyze(&[dir], &RunOptions::default()).expect("the corpus root is readable");
    let mut by_code = std::collections::BTreeMap::<String, usize>::new();
    for p in &a.problems {
        *by_code.entry(p.code.to_owned()).or_default() += 1;
    }
    eprintln!(
        "files scanned: {}, problems: {} {:?}, findings: {}, proxies: {}, servers: {}, hops: {}, unlinked: {}",
        a.files_scanned,
        a.problems.len(),
        by_code,
        a.findings.len(),
        a.model.proxies.len(),
        a.model.servers.len(),
        a.links.hops.len(),
        a.links.unlinked.len()
    );
    for p in &a.problems {
        eprintln!("  {} {}: {}", p.code, a.map.get(p.file).path, p.message);
    }
}
