//! Random inputs built from nginx's special characters and keywords: the
//! parser, route extraction, crossplane JSON and the sniffer must never
//! panic, and every span must lie inside the text on character boundaries.

use parity::sources::nginx::crossplane::single_file_json;
use parity::sources::nginx::routes::extract;
use parity::sources::nginx::{Directive, looks_like_nginx, parse};
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
