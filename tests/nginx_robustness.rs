//! Random inputs built from nginx's special characters and keywords: the
//! parser, route extraction, crossplane JSON and the sniffer must never
//! panic, and every span must lie inside the text on character boundaries.

use parity::sources::nginx::crossplane::single_file_json;
use parity::sources::nginx::routes::extract;
use parity::sources::nginx::{
    CrossplaneOptions, Directive, ExtractOptions, IncludeLoader, LoadedFile, NginxVersion,
    crossplane_json, extract_config, glob_matches, load_config, looks_like_nginx, parse,
};
use parity::span::{FileId, Span};

const PIECES: &[&str] = &[
    "{",
    "}",
    ";",
    "\"",
    "'",
    "\\",
    "#",
    "$",
    "${",
    " ",
    "\n",
    "\r\n",
    "\t",
    "a",
    "(",
    ")",
    "--",
    "[[",
    "]]",
    "[=[",
    "=",
    "é",
    "\u{fffd}",
    "content_by_lua_block ",
    "set_by_lua_block $v ",
    "location ",
    "proxy_pass http://x",
    "uwsgi_pass ",
    "server ",
    "upstream u ",
    "if ",
    "http ",
    "proxy_read_timeout ",
    "30s",
    "1h 30m",
    "30m1h",
    "keepalive ",
    "server a:1 fail_timeout=",
    "map $a $b ",
    "\u{c}",
    "\u{a0}",
];

/// Small deterministic generator (no dependencies).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(self.0 >> 33).unwrap_or(0)
    }
}

fn check_span(text: &str, span: Span, what: &str) {
    assert!(
        text.get(span.range()).is_some(),
        "{what} span {span:?} is not a valid range of {text:?}"
    );
}

fn check_tree(text: &str, items: &[Directive], depth: usize) {
    assert!(depth <= parity::sources::nginx::MAX_DEPTH);
    for d in items {
        check_span(text, d.span, "directive");
        check_span(text, d.name_span, "name");
        check_span(text, d.full_span, "full");
        for a in &d.args {
            check_span(text, a.span, "arg");
            let _ = a.nginx_value(text);
        }
        check_tree(text, d.children(), depth + 1);
    }
}

#[test]
fn random_inputs_never_panic_and_spans_stay_in_the_text() {
    let mut rng = Lcg(0x5eed);
    for _ in 0..20_000 {
        let n = rng.next() % 40;
        let text: String = (0..n).map(|_| PIECES[rng.next() % PIECES.len()]).collect();
        let file = parse(FileId(0), &text);
        check_tree(&text, &file.directives, 0);
        for p in &file.problems {
            check_span(
                &text,
                p.span.unwrap_or(Span::new(FileId(0), 0, 0)),
                "problem",
            );
        }
        for e in &file.syntax_errors {
            check_span(&text, e.report_span, "report");
        }
        let facts = extract(&file);
        for p in &facts.problems {
            check_span(
                &text,
                p.span.unwrap_or(Span::new(FileId(0), 0, 0)),
                "fact problem",
            );
        }
        let _ = single_file_json("f.conf", &file, true, &|s: Span| s.start);
        let _ = looks_like_nginx(&text);
    }
}

/// Include arguments for random trees: cycles, globs, escapes, absolute
/// paths (mapped and not), stock names, oddities.
const INCLUDE_ARGS: &[&str] = &[
    "a.conf",
    "b.conf",
    "conf.d/*.conf",
    "conf.d/[a-",
    "*",
    "../x.conf",
    "../../*.conf",
    "/etc/nginx/conf.d/*.conf",
    "/etc/nginx/a.conf",
    "/etc/nginx/../nginx/b.conf",
    "/etc/x.conf",
    "mime.types",
    "./a.conf",
    "conf.d//c.conf",
    "\"\"",
    "a.conf b.conf",
    "?.conf",
    "\\*.conf",
];

const TREE_FILES: &[&str] = &[
    "nginx.conf",
    "a.conf",
    "b.conf",
    "conf.d/c.conf",
    "conf.d/d.conf",
];

struct MemLoader {
    files: Vec<(String, std::sync::Arc<str>)>,
}

impl IncludeLoader for MemLoader {
    fn glob(&self, pattern: &str) -> Vec<String> {
        assert_inside(pattern);
        self.files
            .iter()
            .map(|(p, _)| p.clone())
            .filter(|p| glob_matches(pattern, p) || p == pattern)
            .collect()
    }

    fn load(&self, path: &str) -> Option<LoadedFile> {
        assert_inside(path);
        let i = self.files.iter().position(|(p, _)| p == path)?;
        Some(LoadedFile {
            file: FileId(u32::try_from(i).ok()?),
            path: path.to_owned(),
            text: std::sync::Arc::clone(&self.files[i].1),
        })
    }
}

fn assert_inside(path: &str) {
    assert!(
        !path.starts_with('/')
            && path
                .split('/')
                .all(|c| !c.is_empty() && c != ".." && c != "."),
        "asked about {path:?}"
    );
}

#[test]
fn random_include_trees_never_panic_and_never_leave_the_root() {
    let mut rng = Lcg(0x1ac1);
    for round in 0..3_000u32 {
        let files: Vec<(String, std::sync::Arc<str>)> = TREE_FILES
            .iter()
            .map(|path| {
                let n = rng.next() % 12;
                let text: String = (0..n)
                    .map(|_| {
                        if rng.next().is_multiple_of(3) {
                            format!(
                                "include {};\n",
                                INCLUDE_ARGS[rng.next() % INCLUDE_ARGS.len()]
                            )
                        } else {
                            PIECES[rng.next() % PIECES.len()].to_owned()
                        }
                    })
                    .collect();
                ((*path).to_owned(), text.into())
            })
            .collect();
        let loader = MemLoader { files };
        let main = loader.load("nginx.conf").unwrap_or_else(|| panic!("main"));
        let prefix_map = if round.is_multiple_of(2) {
            vec![("/etc/nginx".to_owned(), String::new())]
        } else {
            vec![("/etc/nginx/conf.d".to_owned(), "conf.d".to_owned())]
        };
        let config = load_config(&main, &loader, &prefix_map);
        let text_of = |f: FileId| std::sync::Arc::clone(&loader.files[f.0 as usize].1);
        fn walk(items: &[Directive], text_of: &dyn Fn(FileId) -> std::sync::Arc<str>) {
            for d in items {
                check_span(&text_of(d.span.file), d.span, "spliced directive");
                for a in &d.args {
                    check_span(&text_of(a.span.file), a.span, "spliced arg");
                }
                walk(d.children(), text_of);
            }
        }
        walk(&config.tree, &text_of);
        for p in &config.problems {
            if let Some(s) = p.span {
                check_span(&text_of(s.file), s, "config problem");
            }
        }
        let line_of = |s: Span| s.start;
        for (single_file, include_comments, combine) in [
            (false, false, false),
            (false, true, true),
            (true, true, false),
        ] {
            let options = CrossplaneOptions {
                single_file,
                include_comments,
                combine,
                main_name: None,
            };
            let v = crossplane_json(&config, &options, &line_of);
            assert!(v["config"].is_array());
        }
        for version in [
            NginxVersion::Unknown,
            NginxVersion::Known(1, 22, 1),
            NginxVersion::Series(1, 29),
        ] {
            let facts = extract_config(&config, &ExtractOptions { version });
            for p in &facts.problems {
                if let Some(s) = p.span {
                    check_span(&text_of(s.file), s, "fact problem");
                }
            }
        }
    }
}
