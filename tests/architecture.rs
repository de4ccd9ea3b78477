//! The pipeline is one-way: discovery -> sources -> model -> link -> policy -> report,
//! with `cli` on top. This test reads every file under src/ and fails on an
//! import that points against that direction.

use std::collections::BTreeMap;
use std::path::Path;

/// Module -> modules it may import (besides itself). Leaves import nothing but other leaves.
fn allowed() -> BTreeMap<&'static str, &'static [&'static str]> {
    const LEAVES: &[&str] = &["span", "source_map", "origin", "diag", "value"];
    let mut m: BTreeMap<&'static str, &'static [&'static str]> = BTreeMap::new();
    m.insert("span", &[]);
    m.insert("source_map", &["span"]);
    m.insert("origin", &["span", "source_map"]);
    m.insert("diag", &["span"]);
    m.insert("value", &["origin", "span"]);
    m.insert("finding", &["span", "source_map"]);
    m.insert("discovery", LEAVES);
    m.insert(
        "sources",
        &["span", "source_map", "origin", "diag", "value"],
    );
    m.insert(
        "model",
        &[
            "span",
            "source_map",
            "origin",
            "diag",
            "value",
            "discovery",
            "sources",
        ],
    );
    m.insert(
        "link",
        &["span", "source_map", "origin", "diag", "value", "model"],
    );
    m.insert(
        "policy",
        &[
            "span",
            "source_map",
            "origin",
            "diag",
            "value",
            "finding",
            "sources",
            "model",
            "link",
        ],
    );
    m.insert(
        "report",
        &["span", "source_map", "origin", "diag", "value", "finding"],
    );
    m.insert(
        "cli",
        &[
            "span",
            "source_map",
            "origin",
            "diag",
            "value",
            "finding",
            "discovery",
            "sources",
            "model",
            "link",
            "policy",
            "report",
        ],
    );
    m
}

fn top_module(rel: &Path) -> String {
    let first = rel
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default();
    first.trim_end_matches(".rs").to_owned()
}

/// Modules named in `crate::` paths of code (comments and docs may mention any stage).
fn imports(text: &str) -> Vec<String> {
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let text = code.as_str();
    let mut out = Vec::new();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.push(name);
        }
        // `use crate::{a, b}` groups.
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                let n: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !n.is_empty() {
                    out.push(n);
                }
            }
        }
    }
    out
}

fn walk(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, files);
        } else if p.extension().is_some_and(|x| x == "rs") {
            files.push(p);
        }
    }
}

#[test]
fn imports_follow_the_pipeline_direction() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let allowed = allowed();
    let mut files = Vec::new();
    walk(&src, &mut files);
    let mut violations = Vec::new();
    let mut checked = 0;
    for file in files {
        let rel = file.strip_prefix(&src).unwrap();
        let module = top_module(rel);
        if module == "lib" || module == "main" {
            continue;
        }
        let Some(ok) = allowed.get(module.as_str()) else {
            violations.push(format!(
                "{}: module `{module}` is not in the architecture table",
                rel.display()
            ));
            continue;
        };
        checked += 1;
        let text = std::fs::read_to_string(&file).unwrap();
        for imported in imports(&text) {
            if imported != module
                && !ok.contains(&imported.as_str())
                && allowed.contains_key(imported.as_str())
            {
                violations.push(format!(
                    "{}: `{module}` imports `crate::{imported}` against the pipeline",
                    rel.display()
                ));
            }
        }
    }
    assert!(
        checked > 10,
        "expected to check the whole source tree, checked {checked} files"
    );
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn the_checker_sees_a_backward_import() {
    let text =
        "use crate::report::render;\nuse crate::{span::Span, policy};\n/// see [`crate::link`]\n";
    assert_eq!(imports(text), ["report", "span", "policy"]);
}
