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

/// The files of a directory tree, read from disk on demand; globs are
/// matched with nginx's rules over the listing.
struct DiskLoader {
    root: PathBuf,
    paths: Vec<String>,
    texts: std::cell::RefCell<Vec<std::sync::Arc<str>>>,
    ids: std::cell::RefCell<std::collections::HashMap<String, u32>>,
}

impl DiskLoader {
    fn new(root: &Path) -> Self {
        fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(root, &p, out);
                } else if let Ok(rel) = p.strip_prefix(root) {
                    out.push(rel.to_string_lossy().into_owned());
                }
            }
        }
        let mut paths = Vec::new();
        walk(root, root, &mut paths);
        paths.sort();
        Self {
            root: root.to_path_buf(),
            paths,
            texts: std::cell::RefCell::new(Vec::new()),
            ids: std::cell::RefCell::new(std::collections::HashMap::new()),
        }
    }

    fn line_of(&self, s: parity::span::Span) -> u32 {
        let texts = self.texts.borrow();
        let text = texts.get(s.file.0 as usize).cloned().unwrap_or_default();
        let upto = text.get(..s.start as usize).unwrap_or(&text);
        u32::try_from(upto.matches('\n').count() + 1).unwrap_or(u32::MAX)
    }
}

impl parity::sources::nginx::IncludeLoader for DiskLoader {
    fn glob(&self, pattern: &str) -> Vec<String> {
        use parity::sources::nginx::{glob_matches, has_magic};
        self.paths
            .iter()
            .filter(|p| {
                if has_magic(pattern) {
                    glob_matches(pattern, p)
                } else {
                    *p == pattern
                }
            })
            .cloned()
            .collect()
    }

    fn load(&self, path: &str) -> Option<parity::sources::nginx::LoadedFile> {
        if !self.paths.iter().any(|p| p == path) {
            return None;
        }
        let id = *self
            .ids
            .borrow_mut()
            .entry(path.to_owned())
            .or_insert_with(|| {
                let text: std::sync::Arc<str> = read_lossy(&self.root.join(path)).into();
                let mut texts = self.texts.borrow_mut();
                texts.push(text);
                u32::try_from(texts.len() - 1).unwrap_or(u32::MAX)
            });
        let text = self.texts.borrow().get(id as usize).cloned()?;
        Some(parity::sources::nginx::LoadedFile {
            file: FileId(id),
            path: path.to_owned(),
            text,
        })
    }
}

#[test]
#[ignore = "needs the corpus and scripts/crossplane-trees-corpus.sh output"]
fn crossplane_tree_agreement() {
    use parity::sources::nginx::{
        CrossplaneOptions, IncludeLoader, crossplane_json, is_main_config, load_config,
    };
    let Some(answers) = std::env::var_os("CROSSPLANE_TREE_ANSWERS") else {
        println!("set CROSSPLANE_TREE_ANSWERS (see scripts/crossplane-trees-corpus.sh)");
        return;
    };
    let answers = PathBuf::from(answers);
    let Ok(manifest) = std::fs::read_to_string(answers.join("MANIFEST.tsv")) else {
        println!("no MANIFEST.tsv in {}", answers.display());
        return;
    };
    let projects = corpus_root().join("projects");
    let (mut mains, mut mains_agree, mut entries, mut entries_agree) = (0, 0, 0, 0);
    for row in manifest.lines() {
        let cols: Vec<&str> = row.split('\t').collect();
        let [project, rel, name, mapping] = cols.as_slice() else {
            continue;
        };
        let root = projects.join(project);
        let loader = DiskLoader::new(&root);
        let prefix_map: Vec<(String, String)> = mapping
            .split_once('=')
            .map(|(c, r)| vec![(c.to_owned(), r.to_owned())])
            .unwrap_or_default();
        let Some(main) = loader.load(rel) else {
            println!("CANNOT LOAD {project}/{rel}");
            continue;
        };
        let config = load_config(&main, &loader, &prefix_map);
        assert!(is_main_config(&config.files[0].1), "{project}/{rel}");
        for (suffix, include_comments, combine) in [
            ("json", false, false),
            ("comments.json", true, false),
            ("combine.json", false, true),
        ] {
            let base = format!("{project}/{rel}").replace('/', "_");
            let answer = answers.join(format!("{base}.{suffix}"));
            let Ok(theirs) = std::fs::read_to_string(&answer) else {
                println!("MISSING {}", answer.display());
                continue;
            };
            let Ok(theirs) = serde_json::from_str::<serde_json::Value>(&theirs) else {
                println!("BAD JSON {}", answer.display());
                continue;
            };
            let options = CrossplaneOptions {
                single_file: false,
                include_comments,
                combine,
                main_name: Some((*name).to_owned()),
            };
            let ours = crossplane_json(&config, &options, &|s| loader.line_of(s));
            mains += 1;
            let empty = Vec::new();
            let ours_configs = ours["config"].as_array().unwrap_or(&empty);
            let theirs_configs = theirs["config"].as_array().unwrap_or(&empty);
            let mut differences = Vec::new();
            for (i, t) in theirs_configs.iter().enumerate() {
                entries += 1;
                let o = ours_configs.get(i).unwrap_or(&serde_json::Value::Null);
                if o == t {
                    entries_agree += 1;
                } else {
                    differences.push(
                        first_difference(&format!("config[{i}] ({})", t["file"]), o, t)
                            .unwrap_or_default(),
                    );
                }
            }
            if ours_configs.len() != theirs_configs.len() {
                differences.push(format!(
                    "{} config entries vs {}",
                    ours_configs.len(),
                    theirs_configs.len()
                ));
            }
            if ours["errors"] != theirs["errors"] {
                differences.push(format!(
                    "errors: parity {} | crossplane {}",
                    ours["errors"], theirs["errors"]
                ));
            }
            if ours == theirs {
                mains_agree += 1;
                println!(
                    "SAME {project}/{rel} {suffix} ({} files)",
                    theirs_configs.len()
                );
            } else {
                println!("DIFF {project}/{rel} {suffix}");
                for d in differences {
                    println!("  {d}");
                }
            }
        }
        for p in &config.problems {
            println!("  problem: {}", p.message);
        }
        let facts = parity::sources::nginx::extract_config(
            &config,
            &parity::sources::nginx::ExtractOptions::default(),
        );
        println!(
            "  {} files, {} routes, {} upstreams",
            config.files.len(),
            facts.routes.len(),
            facts.upstreams.len()
        );
        for p in &facts.problems {
            println!("  value problem: {}", p.message);
        }
        if std::env::var_os("SHOW_ROUTES").is_some() {
            for r in &facts.routes {
                println!(
                    "  route {} {:?} -> {:?}",
                    r.pass.target.value,
                    r.location.as_ref().map(|l| &l.value),
                    r.upstream
                );
                for (k, v) in &r.settings {
                    println!("      {k} = {} ({})", v.value, v.origin.kind());
                }
            }
            for u in &facts.upstreams {
                println!("  upstream {} implicit={}", u.name.value, u.implicit);
                for (k, v) in &u.settings {
                    println!("      {k} = {} ({})", v.value, v.origin.kind());
                }
            }
        }
        for inc in config
            .includes
            .iter()
            .filter(|i| i.unresolved_reason.is_some())
        {
            println!(
                "  unresolved include {} in {}: {}",
                inc.pattern,
                inc.in_file,
                inc.unresolved_reason.as_deref().unwrap_or("")
            );
        }
    }
    println!(
        "agreement: {mains_agree}/{mains} payloads (main file x variant), {entries_agree}/{entries} config[] entries"
    );
}
