//! Robustness and coverage over the shared real-world corpus (not part of the
//! normal suite: `PARITY_CORPUS=/work/shared/corpus cargo test --test
//! gunicorn_corpus -- --ignored --nocapture`). Every gunicorn config must be
//! read without a panic; Dockerfile, Procfile and compose command lines are
//! searched for gunicorn invocations, which are parsed and resolved.

use std::fs;
use std::path::{Path, PathBuf};

use parity::sources::gunicorn::{ConfigFile, GunicornInputs, parse_args, parse_pyconf, resolve};
use parity::sources::shell::{Word, find_invocation, find_invocation_in_script};
use parity::span::{FileId, Span};

fn corpus() -> Option<PathBuf> {
    std::env::var_os("PARITY_CORPUS").map(PathBuf::from)
}

fn manifest(root: &Path) -> Vec<(String, String)> {
    fs::read_to_string(root.join("MANIFEST.tsv"))
        .unwrap_or_default()
        .lines()
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            Some(((*cols.first()?).to_string(), (*cols.get(5)?).to_string()))
        })
        .collect()
}

fn ident(r: std::ops::Range<usize>) -> Span {
    Span::new(FileId(0), r.start, r.end)
}

/// Dockerfile `CMD`/`ENTRYPOINT` instructions with continuations joined, and
/// Procfile lines: (instruction text, byte offset).
fn command_lines(kind: &str, text: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    if kind == "procfile" {
        let mut off = 0;
        for line in text.split_inclusive('\n') {
            if let Some((_, cmd)) = line.split_once(':') {
                out.push((cmd.trim_end().to_string(), off + line.len() - cmd.len()));
            }
            off += line.len();
        }
        return out;
    }
    let mut off = 0;
    let mut pending: Option<(String, usize)> = None;
    for line in text.split_inclusive('\n') {
        let t = line.trim_end_matches(['\n', '\r']);
        if let Some((mut acc, start)) = pending.take() {
            acc.push('\n');
            acc.push_str(t);
            if t.ends_with('\\') {
                pending = Some((acc, start));
            } else {
                out.push((acc, start));
            }
        } else {
            let trimmed = t.trim_start();
            let upper = trimmed.to_ascii_uppercase();
            let keyword = ["CMD ", "ENTRYPOINT ", "RUN "]
                .into_iter()
                .find(|k| upper.starts_with(k));
            if let Some(k) = keyword {
                let body = trimmed[k.len()..].to_string();
                let start = off + (t.len() - trimmed.len()) + k.len();
                if t.ends_with('\\') {
                    pending = Some((body, start));
                } else {
                    out.push((body, start));
                }
            }
        }
        off += line.len();
    }
    out
}

#[test]
#[ignore = "needs PARITY_CORPUS"]
fn corpus_gunicorn_configs_and_command_lines() {
    let Some(root) = corpus() else { return };
    let (mut confs, mut conf_problems, mut values, mut unknown_values, mut unknown_names) =
        (0, 0, 0, 0, 0);
    let (mut lines, mut found, mut resolved_ok) = (0, 0, 0);
    for (path, kind) in manifest(&root) {
        let Ok(bytes) = fs::read(root.join(&path)) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        match kind.as_str() {
            "gunicorn" if path.ends_with(".py") => {
                confs += 1;
                let c = parse_pyconf(FileId(0), &text);
                conf_problems += c.problems.len();
                values += c.values.len();
                unknown_values += c.values.values().filter(|a| a.value.is_unknown()).count();
                unknown_names += c.unknown_names.len();
                for (k, a) in &c.values {
                    if a.value.is_unknown() || !c.problems.is_empty() {
                        eprintln!("  {path}: {k} = {} {:?}", a.value, a.env_vars);
                    }
                }
                for p in &c.problems {
                    eprintln!("  {path}: problem {}", p.message);
                }
                for n in &c.unknown_names {
                    eprintln!("  {path}: unknown name {}", n.value);
                }
            }
            "dockerfile" | "procfile" => {
                for (line, off) in command_lines(&kind, &text) {
                    lines += 1;
                    let map = |r: std::ops::Range<usize>| ident(r.start + off..r.end + off);
                    let inv = if line.trim_start().starts_with('[') {
                        let items: Vec<String> =
                            serde_json::from_str(line.trim()).unwrap_or_default();
                        let words: Vec<Word> = items
                            .into_iter()
                            .map(|s| Word::new(s, ident(off..off)))
                            .collect();
                        find_invocation(&words, &["gunicorn"])
                    } else {
                        find_invocation_in_script(&line, &map, &["gunicorn"])
                    };
                    let Some(inv) = inv else { continue };
                    found += 1;
                    let cli = parse_args(&inv.args);
                    let r = resolve(&GunicornInputs {
                        cli: &cli,
                        cmd_args_env: None,
                        config: ConfigFile::Default { conf: None },
                        env: &|_| None,
                        anchor: inv.program.span,
                    });
                    if r.exit_status.is_none() {
                        resolved_ok += 1;
                    }
                    eprintln!(
                        "  {path}: via {:?} exec={} timeout={} problems={:?}",
                        inv.via,
                        inv.exec,
                        r.get("timeout")
                            .map(|s| s.value.to_string())
                            .unwrap_or_default(),
                        r.problems.iter().map(|p| &p.message).collect::<Vec<_>>()
                    );
                }
            }
            _ => {}
        }
    }
    eprintln!(
        "configs {confs}: {values} settings ({unknown_values} unknown), {conf_problems} problems, \
         {unknown_names} unknown names; command lines {lines}: {found} gunicorn invocations, \
         {resolved_ok} start cleanly"
    );
}
