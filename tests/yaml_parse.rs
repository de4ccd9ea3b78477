//! The spanned YAML tree: values, spans, tags, anchors, merges, limits.

use parity::sources::yaml::{self, Node, NodeKind, Style, Text, YamlDocs};
use parity::span::{FileId, Span};

const F: FileId = FileId(7);

/// Parses, checks every scalar's byte map against the source, and returns.
fn parse(src: &str) -> YamlDocs {
    let docs = yaml::parse(F, src);
    for d in &docs.docs {
        verify(d, src);
    }
    docs
}

fn verify(node: &Node, src: &str) {
    assert!(node.span.end as usize <= src.len());
    match &node.kind {
        NodeKind::Null => {}
        NodeKind::Scalar(t) => {
            t.verify_against(src)
                .unwrap_or_else(|e| panic!("{:?}: {e}", t.value));
        }
        NodeKind::Seq(items) => items.iter().for_each(|n| verify(n, src)),
        NodeKind::Map(entries) => entries.iter().for_each(|(k, v)| {
            verify(k, src);
            verify(v, src);
        }),
    }
}

fn one(src: &str) -> Node {
    let docs = parse(src);
    assert!(docs.problems.is_empty(), "{:?}", docs.problems);
    assert_eq!(docs.docs.len(), 1, "{:?}", docs.docs);
    docs.docs.into_iter().next().unwrap()
}

fn at(src: &str, span: Span) -> &str {
    &src[span.range()]
}

fn text<'a>(doc: &'a Node, key: &str) -> &'a Text {
    doc.get(key)
        .and_then(Node::as_text)
        .unwrap_or_else(|| panic!("no scalar {key}"))
}

/// The source of `needle`'s first occurrence in the value.
fn src_of<'a>(src: &'a str, t: &Text, needle: &str) -> &'a str {
    let i = t.value.find(needle).expect("needle in value");
    at(src, t.span_of(i..i + needle.len()))
}

#[test]
fn multibyte_text_gives_byte_offsets() {
    let src = "名前: \"日本 — ü\"\nnext: «30»\n";
    let doc = one(src);
    let t = text(&doc, "名前");
    assert_eq!(t.value, "日本 — ü");
    assert_eq!(at(src, t.span), "\"日本 — ü\"");
    assert_eq!(src_of(src, t, "ü"), "ü");
    let n = text(&doc, "next");
    assert_eq!(src_of(src, n, "30"), "30");
    assert_eq!(at(src, doc.key_span("next").unwrap()), "next");
}

#[test]
fn multi_document_streams() {
    let src = "---\nkind: Service\n---\nkind: Deployment\n...\n---\n# only a comment\n";
    let docs = parse(src);
    assert!(docs.problems.is_empty());
    assert_eq!(docs.docs.len(), 3);
    assert_eq!(docs.docs[0].get("kind").unwrap().as_str(), Some("Service"));
    assert_eq!(
        docs.docs[1].get("kind").unwrap().as_str(),
        Some("Deployment")
    );
    assert!(docs.docs[2].is_null());
}

#[test]
fn scalars_stay_strings_and_keep_their_style() {
    let src = "a: 30\nb: \"30\"\nc: '30'\nd: on\ne: 010\nf: 1e3\n";
    let doc = one(src);
    assert_eq!(text(&doc, "a").value, "30");
    assert_eq!(text(&doc, "a").style, Style::Plain);
    assert_eq!(text(&doc, "b").style, Style::DoubleQuoted);
    assert_eq!(text(&doc, "c").style, Style::SingleQuoted);
    assert_eq!(text(&doc, "d").value, "on");
    assert_eq!(text(&doc, "e").value, "010");
    assert_eq!(text(&doc, "f").value, "1e3");
}

#[test]
fn nulls() {
    let src = "a:\nb: ~\nc: null\nd: \"null\"\ne: !!str\nf: ''\n";
    let doc = one(src);
    assert!(doc.get("a").unwrap().is_null());
    assert!(doc.get("b").unwrap().is_null());
    assert!(doc.get("c").unwrap().is_null());
    assert_eq!(text(&doc, "d").value, "null");
    assert_eq!(text(&doc, "e").value, "");
    assert_eq!(text(&doc, "f").value, "");
    assert_eq!(at(src, doc.get("c").unwrap().span), "null");
}

#[test]
fn single_quoted_escape_and_folding() {
    let src = "k: 'don''t\n   stop  me\n\n   now'\n";
    let doc = one(src);
    let t = text(&doc, "k");
    assert_eq!(t.value, "don't stop  me\nnow");
    assert_eq!(src_of(src, t, "'"), "''");
    assert_eq!(src_of(src, t, "stop  me"), "stop  me");
    assert_eq!(src_of(src, t, "now"), "now");
    // The newline made of an empty line maps into the line breaks it folds.
    let nl = t.value.find('\n').unwrap();
    assert!(at(src, t.span_of(nl..nl + 1)).contains('\n'));
}

#[test]
fn double_quoted_escapes_and_folding() {
    let src = "k: \"a\\tb \\\"q\\\" \\u00e9\\x41 end\\\n    joined\n  folded \\\\ \"\n";
    let doc = one(src);
    let t = text(&doc, "k");
    assert_eq!(t.value, "a\tb \"q\" éA endjoined folded \\ ");
    assert_eq!(src_of(src, t, "\t"), "\\t");
    assert_eq!(src_of(src, t, "\"q"), "\\\"q");
    assert_eq!(src_of(src, t, "é"), "\\u00e9");
    assert_eq!(src_of(src, t, "A"), "\\x41");
    assert_eq!(src_of(src, t, "endjoined"), "end\\\n    joined");
    assert_eq!(src_of(src, t, "joined"), "joined");
    assert_eq!(src_of(src, t, "folded"), "folded");
    assert_eq!(src_of(src, t, "\\"), "\\\\");
}

#[test]
fn literal_block_scalar() {
    let src = "cmd: |\n  gunicorn app \\\n    --timeout 30\n\n  echo done\nnext: 1\n";
    let doc = one(src);
    let t = text(&doc, "cmd");
    assert_eq!(t.style, Style::Literal);
    assert_eq!(t.value, "gunicorn app \\\n  --timeout 30\n\necho done\n");
    assert_eq!(src_of(src, t, "30"), "30");
    assert_eq!(src_of(src, t, "echo done"), "echo done");
    // Indentation kept in the value maps to the indentation that is content.
    let i = t.value.find("  --").unwrap();
    assert_eq!(t.span_of(i..i + 4), {
        let j = src.find("    --").unwrap() + 2;
        Span::new(F, j, j + 4)
    });
    assert!(at(src, t.span).starts_with("|\n  gunicorn"));
    assert!(at(src, t.span).ends_with("echo done"));
}

#[test]
fn literal_block_with_properties_chomping_and_blank_lead() {
    let src =
        "a: &x !t |+ # note\n\n  \n  l1\n   l2\n\n\nb: |-\n  stripped\nc: |2\n    more\n  base\n";
    let doc = one(src);
    let a = text(&doc, "a");
    assert_eq!(a.value, "\n\nl1\n l2\n\n\n");
    assert_eq!(src_of(src, a, "l1"), "l1");
    assert_eq!(src_of(src, a, " l2"), " l2");
    assert_eq!(doc.get("a").unwrap().tag.as_deref(), Some("!t"));
    let b = text(&doc, "b");
    assert_eq!(b.value, "stripped");
    assert_eq!(src_of(src, b, "stripped"), "stripped");
    let c = text(&doc, "c");
    assert_eq!(c.value, "  more\nbase\n");
    assert_eq!(src_of(src, c, "  more"), "  more");
    assert_eq!(src_of(src, c, "base"), "base");
}

#[test]
fn folded_block_scalar() {
    let src = "cmd: >\n  gunicorn app\n  --timeout 30\n\n    kept\n  --workers 4\n";
    let doc = one(src);
    let t = text(&doc, "cmd");
    assert_eq!(t.style, Style::Folded);
    assert_eq!(
        t.value,
        "gunicorn app --timeout 30\n\n  kept\n--workers 4\n"
    );
    assert_eq!(src_of(src, t, "30"), "30");
    assert_eq!(src_of(src, t, "--workers 4"), "--workers 4");
    assert_eq!(src_of(src, t, "kept"), "kept");
    // The folded space maps to the line break.
    let sp = t.value.find(" --timeout").unwrap();
    assert!(at(src, t.span_of(sp..sp + 1)).starts_with('\n'));
}

#[test]
fn crlf_line_endings() {
    let src = "a: |\r\n  x 1\r\n  y 2\r\nb: \"p\r\n  q\"\r\n";
    let doc = one(src);
    let a = text(&doc, "a");
    assert_eq!(a.value, "x 1\ny 2\n");
    assert_eq!(src_of(src, a, "y 2"), "y 2");
    let b = text(&doc, "b");
    assert_eq!(b.value, "p q");
    assert_eq!(src_of(src, b, "q"), "q");
}

#[test]
fn span_of_is_total() {
    let src = "k: \"\\u00e9x\"\n";
    let doc = one(src);
    let t = text(&doc, "k");
    for a in 0..=t.value.len() + 2 {
        for b in 0..=t.value.len() + 2 {
            let s = t.span_of(a..b);
            assert!(s.start <= s.end && s.end as usize <= src.len());
        }
    }
    assert_eq!(t.span_of(0..0).len(), 0);
    // Inside the two bytes of é (one escape): both map to the escape.
    assert_eq!(at(src, t.span_of(0..1)), "\\u00e9");
}

#[test]
fn tags_are_kept_not_errors() {
    let src = "a: !reset []\nb: !override\n  - x\nc: !Ref MyBucket\nd: !!str 3\ne: !<tag:example.com,1:x> y\nf: !custom {k: v}\n";
    let doc = one(src);
    assert_eq!(doc.get("a").unwrap().tag.as_deref(), Some("!reset"));
    assert_eq!(doc.get("a").unwrap().as_seq().map(<[Node]>::len), Some(0));
    assert_eq!(doc.get("b").unwrap().tag.as_deref(), Some("!override"));
    assert_eq!(doc.get("c").unwrap().tag.as_deref(), Some("!Ref"));
    assert_eq!(text(&doc, "c").value, "MyBucket");
    assert_eq!(at(src, doc.get("c").unwrap().span), "MyBucket");
    assert_eq!(doc.get("d").unwrap().tag.as_deref(), Some("!!str"));
    assert_eq!(
        doc.get("e").unwrap().tag.as_deref(),
        Some("!<tag:example.com,1:x>")
    );
    assert_eq!(doc.get("f").unwrap().get("k").unwrap().as_str(), Some("v"));
    assert_eq!(at(src, doc.get("a").unwrap().span), "[]");
}

#[test]
fn aliases_keep_anchor_spans_and_record_use_site() {
    let src = "base: &b\n  timeout: 30\nsvc: *b\nval: &v \"q\"\nuse: *v\n";
    let doc = one(src);
    let svc = doc.get("svc").unwrap();
    assert_eq!(at(src, svc.span), "*b");
    assert_eq!(svc.anchor_use.map(|s| at(src, s)), Some("*b"));
    // The child keeps the anchor's span.
    let t = svc.get("timeout").unwrap();
    assert_eq!(at(src, t.span), "30");
    assert!(t.span.start < svc.span.start);
    let u = doc.get("use").unwrap();
    assert_eq!(at(src, u.span), "*v");
    assert_eq!(at(src, u.as_text().unwrap().span), "\"q\"");
    assert_eq!(at(src, doc.get("base").unwrap().span), "timeout: 30");
}

#[test]
fn merge_keys_explicit_wins_and_earlier_source_wins() {
    let src = "\
x-a: &a
  image: a
  timeout: 10
  only_a: 1
x-b: &b
  image: b
  timeout: 20
  only_b: 2
one:
  <<: *a
  timeout: 99
two:
  timeout: 5
  <<: [*a, *b]
three:
  <<: *b
  <<: *a
inline:
  <<: {k: v}
";
    let doc = one(src);
    let one_ = doc.get("one").unwrap();
    assert_eq!(one_.get("timeout").unwrap().as_str(), Some("99"));
    assert_eq!(one_.get("image").unwrap().as_str(), Some("a"));
    assert!(one_.get("<<").is_none());
    // Merged values keep the anchor's span and carry the `*a` use site.
    let image = one_.get("image").unwrap();
    assert_eq!(at(src, image.span), "a");
    assert_eq!(image.anchor_use.map(|s| at(src, s)), Some("*a"));
    assert_eq!(one_.as_map().unwrap().len(), 3);

    let two = doc.get("two").unwrap();
    assert_eq!(two.get("timeout").unwrap().as_str(), Some("5"));
    assert_eq!(two.get("image").unwrap().as_str(), Some("a"));
    assert_eq!(two.get("only_a").unwrap().as_str(), Some("1"));
    assert_eq!(two.get("only_b").unwrap().as_str(), Some("2"));
    assert_eq!(two.as_map().unwrap().len(), 4);

    // Two `<<` keys: applied in order, earlier wins, no duplicate report.
    let three = doc.get("three").unwrap();
    assert_eq!(three.get("image").unwrap().as_str(), Some("b"));
    assert_eq!(three.get("only_a").unwrap().as_str(), Some("1"));

    assert_eq!(
        doc.get("inline").unwrap().get("k").unwrap().as_str(),
        Some("v")
    );
}

#[test]
fn quoted_merge_key_is_an_ordinary_key() {
    let doc = one("a: &a {x: 1}\nb:\n  \"<<\": *a\n");
    let b = doc.get("b").unwrap();
    assert!(b.get("<<").is_some());
    assert!(b.get("x").is_none());
}

#[test]
fn merge_of_a_scalar_is_a_problem() {
    let src = "a: &a 1\nb:\n  <<: *a\n  c: 2\n";
    let docs = parse(src);
    assert_eq!(docs.problems.len(), 1);
    assert!(docs.problems[0].message.contains("merge"));
    assert_eq!(
        docs.docs[0].get("b").unwrap().get("c").unwrap().as_str(),
        Some("2")
    );
}

#[test]
fn duplicate_keys_keep_last_and_report() {
    let src = "a: 1\nb: 2\na: 3\n";
    let docs = parse(src);
    assert_eq!(docs.problems.len(), 1);
    let p = &docs.problems[0];
    assert_eq!(p.code, "PAR-E001");
    assert_eq!(at(src, p.span.unwrap()), "a");
    assert_eq!(p.span.unwrap().start, 10);
    let doc = &docs.docs[0];
    assert_eq!(doc.get("a").unwrap().as_str(), Some("3"));
    assert_eq!(doc.as_map().unwrap().len(), 2);
}

#[test]
fn syntax_error_keeps_earlier_documents() {
    let src = "a: 1\n---\nb: [1, 2\nc: 3\n";
    let docs = parse(src);
    assert_eq!(docs.docs.len(), 1);
    assert_eq!(docs.docs[0].get("a").unwrap().as_str(), Some("1"));
    assert_eq!(docs.problems.len(), 1);
    let span = docs.problems[0].span.unwrap();
    assert_eq!(at(src, span), ":");
    assert_eq!(span.start, 19);
    assert!(docs.problems[0].message.contains("YAML syntax error"));
}

#[test]
fn syntax_error_span_after_multibyte_text() {
    let src = "ü: é\n x: - y\n";
    let docs = parse(src);
    assert_eq!(docs.problems.len(), 1);
    let span = docs.problems[0].span.unwrap();
    assert!(src.is_char_boundary(span.start as usize));
    assert!(span.end as usize <= src.len());
}

#[test]
fn billion_laughs_is_a_problem_not_oom() {
    let mut src = String::from("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for w in names.windows(2) {
        let (prev, cur) = (w[0], w[1]);
        let refs = vec![format!("*{prev}"); 10].join(", ");
        src.push_str(&format!("{cur}: &{cur} [{refs}]\n"));
    }
    let docs = parse(&src);
    assert_eq!(docs.problems.len(), 1, "{:?}", docs.problems);
    assert!(docs.problems[0].message.contains("billion laughs"));
    assert_eq!(docs.docs.len(), 1);
}

#[test]
fn recursive_alias_is_a_problem() {
    let docs = parse("x: &a [1, *a]\n");
    assert_eq!(docs.problems.len(), 1);
    assert!(docs.problems[0].message.contains("recursive"));
}

#[test]
fn nesting_depth_is_limited() {
    // saphyr itself stops flow nesting at 255 levels (a syntax error).
    let depth = 10_000;
    let src = format!("k: {}{}\nz: 1\n", "[".repeat(depth), "]".repeat(depth));
    let docs = parse(&src);
    assert_eq!(docs.problems.len(), 1);

    // Block nesting is limited by us; the rest of the document survives.
    let mut block: String = (0..1000)
        .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
        .collect();
    block.push_str("z: 1\n");
    let docs = parse(&block);
    assert_eq!(docs.problems.len(), 1, "{:?}", docs.problems);
    assert!(docs.problems[0].message.contains("deeper"));
    assert_eq!(docs.docs[0].get("z").unwrap().as_str(), Some("1"));
}

#[test]
fn chained_aliases_cannot_exceed_the_depth_limit() {
    // Each level nests the previous anchor 200 levels deeper.
    let mut src = String::new();
    let mut prev: Option<String> = None;
    for i in 0..5 {
        let inner = prev.map_or_else(|| "x".to_owned(), |p| format!("*{p}"));
        src.push_str(&format!(
            "a{i}: &a{i} {}{inner}{}\n",
            "[".repeat(200),
            "]".repeat(200)
        ));
        prev = Some(format!("a{i}"));
    }
    let docs = parse(&src);
    assert!(!docs.problems.is_empty());
    assert!(docs.problems.iter().all(|p| p.message.contains("deeper")));
}

#[test]
fn container_spans() {
    let src = "svc:\n  image: x\n  ports: [1, 2]   # c\n# trailing\nz: 1\n";
    let doc = one(src);
    let svc = doc.get("svc").unwrap();
    assert_eq!(at(src, svc.span), "image: x\n  ports: [1, 2]");
    assert_eq!(at(src, svc.get("ports").unwrap().span), "[1, 2]");
    assert!(at(src, doc.span).starts_with("svc:"));
}

/// Generates a small pseudo-random YAML-ish text.
fn noise(seed: &mut u64, len: usize) -> String {
    const TOKENS: &str =
        "a b : - [ ] { } , ' \" \\ | > &x *x !t # << ? é --- ... %YAML 1 \\u00 '' |+ >-2";
    let alphabet: Vec<&str> = TOKENS
        .split(' ')
        .chain([" ", "  ", "\n", "\t", "\r\n"])
        .collect();
    let mut out = String::new();
    for _ in 0..len {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        out.push_str(alphabet[(*seed % alphabet.len() as u64) as usize]);
    }
    out
}

#[test]
fn random_input_never_panics_and_maps_stay_sound() {
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    for round in 0..20_000 {
        let src = noise(&mut seed, 5 + round % 60);
        let docs = parse(&src);
        for p in &docs.problems {
            let s = p.span.unwrap();
            assert!(s.end as usize <= src.len(), "{src:?}");
        }
    }
}

#[test]
fn flow_collections_indented_like_libyaml_accepts() {
    // Strict YAML 1.2 rejects the `]` at the key's column; compose and
    // kubectl (libyaml lineage) accept it, and so must we.
    let src = "svc:\n  command: [\n    \"start\",\n    \"--timeout\", \"30\"\n  ]\n  test: [\n\"x\",\n# c\n\"y\"\n]\n  z: 1\n";
    let doc = one(src);
    let svc = doc.get("svc").unwrap();
    let cmd = svc.get("command").unwrap().as_seq().unwrap();
    assert_eq!(cmd.len(), 3);
    assert_eq!(at(src, cmd[2].span), "\"30\"");
    assert_eq!(at(src, cmd[2].as_text().unwrap().span_of(0..2)), "30");
    assert_eq!(svc.get("test").unwrap().as_seq().unwrap().len(), 2);
    assert_eq!(
        at(src, svc.get("test").unwrap().span),
        "[\n\"x\",\n# c\n\"y\"\n]"
    );
    assert_eq!(at(src, svc.get("z").unwrap().span), "1");
}

#[test]
fn local_tags_on_nulls_stay_null() {
    let doc = one("a: !reset\nb: !reset null\nc: !!str\nd: !reset []\n");
    assert!(doc.get("a").unwrap().is_null());
    assert_eq!(doc.get("a").unwrap().tag.as_deref(), Some("!reset"));
    assert!(doc.get("b").unwrap().is_null());
    assert_eq!(doc.get("c").unwrap().as_str(), Some(""));
}

#[test]
fn merges_of_unexpanded_aliases_are_not_reported_again() {
    let mut src = String::from("x: &a {k: v, l: w}\n");
    for i in 0..40_000 {
        src.push_str(&format!("s{i}: {{<<: *a, n: {i}}}\n"));
    }
    let docs = parse(&src);
    assert_eq!(docs.problems.len(), 1, "{:?}", &docs.problems[..2]);
    assert!(docs.problems[0].message.contains("billion laughs"));
    let last = docs.docs[0].get("s39999").unwrap();
    assert_eq!(last.get("n").unwrap().as_str(), Some("39999"));
    assert!(last.get("k").is_none());
}
