//! parity's crossplane-compatible JSON against crossplane 0.5.8's recorded
//! answers (`scripts/record-crossplane.sh`) for every fixture in
//! `tests/fixtures/nginx-parse/`.
//!
//! Fixtures named `div-*.conf` are known disagreements where parity follows
//! nginx (checked with `nginx -t`); for those the test checks that the
//! recorded crossplane answer still differs and that parity gives nginx's reading.

use std::path::{Path, PathBuf};

use parity::sources::nginx::crossplane::single_file_json;
use parity::sources::nginx::{NginxFile, parse};
use parity::span::{FileId, Span};
use serde_json::{Value, json};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/nginx-parse")
}

fn recorded_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/recorded/crossplane")
}

/// The text as `SourceMap` gives it to sources: lossy UTF-8, BOM dropped.
fn read_text(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = String::from_utf8_lossy(&bytes).into_owned();
    text.strip_prefix('\u{feff}')
        .map_or(text.clone(), str::to_owned)
}

fn line_of(text: &str) -> impl Fn(Span) -> u32 + '_ {
    move |s: Span| {
        let upto = text.get(..s.start as usize).unwrap_or(text);
        u32::try_from(upto.matches('\n').count() + 1).unwrap_or(u32::MAX)
    }
}

struct Case {
    name: String,
    file: String,
    text: String,
    parsed: NginxFile,
}

impl Case {
    fn ours(&self, comments: bool) -> Value {
        single_file_json(&self.file, &self.parsed, comments, &line_of(&self.text))
    }

    fn theirs(&self, comments: bool) -> Value {
        let suffix = if comments { ".comments.json" } else { ".json" };
        let path = recorded_dir().join(format!("{}{suffix}", self.name));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!("{}: {e}; run scripts/record-crossplane.sh", path.display())
        });
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }
}

fn cases() -> Vec<Case> {
    let mut names: Vec<String> = std::fs::read_dir(fixtures_dir())
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".conf").map(str::to_owned)
        })
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let file = format!("{name}.conf");
            let text = read_text(&fixtures_dir().join(&file));
            let parsed = parse(FileId(0), &text);
            Case {
                name,
                file,
                text,
                parsed,
            }
        })
        .collect()
}

fn parsed(v: &Value) -> &Value {
    &v["config"][0]["parsed"]
}

fn error_lines(v: &Value) -> Vec<Value> {
    v["errors"]
        .as_array()
        .map(|a| a.iter().map(|e| e["line"].clone()).collect())
        .unwrap_or_default()
}

fn error_messages(v: &Value) -> Vec<String> {
    v["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["error"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_fixture_has_a_recorded_answer_and_there_are_enough() {
    let cases = cases();
    assert!(cases.len() >= 30, "only {} fixtures", cases.len());
    for c in &cases {
        let _ = c.theirs(false);
        let _ = c.theirs(true);
    }
}

#[test]
fn agrees_with_crossplane_on_every_ordinary_fixture() {
    let mut checked = 0;
    for c in cases().iter().filter(|c| !c.name.starts_with("div-")) {
        for comments in [false, true] {
            let ours = c.ours(comments);
            let theirs = c.theirs(comments);
            // Field by field first, for readable failures.
            assert_eq!(ours["status"], theirs["status"], "{} status", c.name);
            assert_eq!(
                error_lines(&ours),
                error_lines(&theirs),
                "{} error lines",
                c.name
            );
            assert_eq!(
                error_messages(&ours),
                error_messages(&theirs),
                "{} error messages",
                c.name
            );
            assert_eq!(
                parsed(&ours),
                parsed(&theirs),
                "{} parsed (comments: {comments})",
                c.name
            );
            assert_eq!(ours, theirs, "{} whole payload", c.name);
            checked += 1;
        }
    }
    assert!(checked >= 50);
}

/// A known divergence: the recorded crossplane answer must still differ, and
/// parity's answer must be nginx's reading.
fn divergence(name: &str, check: impl Fn(&Case, &Value, &Value)) {
    let cases = cases();
    let c = cases
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no fixture {name}"));
    let (ours, theirs) = (c.ours(true), c.theirs(true));
    assert_ne!(
        ours, theirs,
        "{name}: crossplane now agrees; move it out of div-"
    );
    check(c, &ours, &theirs);
}

#[test]
fn div_bom_is_dropped_before_parsing() {
    // SourceMap drops a leading BOM; crossplane keeps it in the first directive.
    divergence("div-bom", |_, ours, theirs| {
        assert_eq!(parsed(ours)[0]["directive"], "http");
        assert_eq!(parsed(theirs)[0]["directive"], "\u{feff}http");
    });
}

#[test]
fn div_brace_inside_a_word_belongs_to_the_word() {
    // nginx -t accepts `add_header X-A a}b;`; crossplane splits at `}`.
    divergence("div-brace-in-word", |_, ours, theirs| {
        assert_eq!(ours["status"], "ok");
        assert_eq!(parsed(ours)[0]["block"][0]["args"], json!(["X-A", "a}b"]));
        assert_eq!(theirs["status"], "failed");
    });
}

#[test]
fn div_end_of_file_in_a_top_level_directive_has_a_message_and_line() {
    // crossplane reports an empty error with line null.
    divergence("div-eof-top-level-directive", |_, ours, theirs| {
        assert_eq!(
            ours["errors"],
            json!([{
                "file": "div-eof-top-level-directive.conf",
                "error": "unexpected end of file, expecting \";\" or \"}\" in div-eof-top-level-directive.conf:2",
                "line": 2
            }])
        );
        assert_eq!(theirs["errors"][0]["error"], "");
        assert_eq!(theirs["errors"][0]["line"], Value::Null);
        assert_eq!(parsed(ours), parsed(theirs));
    });
}

#[test]
fn div_form_feed_is_not_whitespace() {
    // nginx separates words on space, tab, CR and LF only.
    divergence("div-form-feed", |_, ours, theirs| {
        assert_eq!(
            parsed(ours)[1]["block"][0]["args"],
            json!(["X-A", "a\u{c}b"])
        );
        assert_eq!(
            parsed(theirs)[1]["block"][0]["args"],
            json!(["X-A", "a", "b"])
        );
    });
}

#[test]
fn div_text_glued_to_a_closing_quote_is_an_error() {
    // nginx: unexpected "\"" after "X-A"; crossplane starts a new token silently.
    divergence("div-glued-quote", |c, ours, theirs| {
        assert_eq!(ours["status"], "failed");
        assert_eq!(error_lines(ours), [json!(2)]);
        assert_eq!(parsed(ours), parsed(theirs));
        assert_eq!(c.parsed.problems.len(), 1);
        assert_eq!(theirs["status"], "ok");
    });
}

#[test]
fn div_stray_semicolons_are_errors() {
    // nginx: unexpected ";". crossplane turns `;` into a directive named ";".
    divergence("div-stray-semicolon", |c, ours, theirs| {
        assert_eq!(error_lines(ours), [json!(1), json!(3)]);
        let names: Vec<_> = parsed(ours)
            .as_array()
            .map(|a| a.iter().map(|d| d["directive"].clone()).collect())
            .unwrap_or_default();
        assert_eq!(names, [json!("events"), json!("http")]);
        assert!(
            c.parsed
                .problems
                .iter()
                .all(|p| p.message == "unexpected \";\"")
        );
        assert_eq!(theirs["status"], "ok");
    });
}

#[test]
fn div_trailing_comment_without_newline_is_kept() {
    divergence("div-trailing-comment-no-newline", |_, ours, theirs| {
        assert_eq!(
            parsed(ours)[1],
            json!({"directive": "#", "line": 2, "args": [], "comment": " last line without newline"})
        );
        assert_eq!(parsed(theirs).as_array().map(Vec::len), Some(1));
    });
}

#[test]
fn div_every_by_lua_block_directive_is_read_as_lua() {
    // crossplane only knows 13 *_by_lua_block names; OpenResty has more
    // (server_rewrite_by_lua_block, ssl_client_hello_by_lua_block, ...).
    divergence("div-unknown-lua-directive", |_, ours, _| {
        let lua = &parsed(ours)[0]["block"][0]["block"][0]["block"][0];
        assert_eq!(lua["directive"], "server_rewrite_by_lua_block");
        assert_eq!(
            lua["args"],
            json!(["\n                local s = \"}\"\n            "])
        );
        assert_eq!(ours["status"], "ok");
    });
}

#[test]
fn div_unterminated_quote_points_at_the_quote() {
    divergence("div-unterminated-quote", |c, ours, theirs| {
        assert_eq!(c.parsed.problems.len(), 1);
        let span = c.parsed.problems[0]
            .span
            .unwrap_or(Span::new(FileId(0), 0, 0));
        assert_eq!(&c.text[span.range()], "\"");
        assert_eq!(error_lines(ours), [json!(3)]);
        assert_eq!(error_lines(theirs), [json!(3)]);
        assert_eq!(parsed(ours), &json!([]));
        assert_eq!(parsed(theirs), &json!([]));
    });
}

#[test]
fn error_fixtures_report_precise_spans() {
    let cases = cases();
    let get = |n: &str| {
        cases
            .iter()
            .find(|c| c.name == n)
            .unwrap_or_else(|| panic!("{n}"))
    };
    let span_text = |c: &Case| {
        let s = c.parsed.problems[0]
            .span
            .unwrap_or(Span::new(FileId(0), 0, 0));
        (c.text[s.range()].to_owned(), line_of(&c.text)(s))
    };
    // Missing `}`: the unclosed `{` of http (line 1), not the end of the file.
    assert_eq!(span_text(get("err-missing-close")), ("{".to_owned(), 1));
    // Unbalanced `}`: the brace itself.
    assert_eq!(span_text(get("err-unbalanced-close")), ("}".to_owned(), 6));
    // Missing `;`: the unterminated directive.
    assert_eq!(
        span_text(get("err-missing-semicolon")),
        ("listen 80".to_owned(), 3)
    );
    // Unclosed Lua block: its opening brace.
    assert_eq!(span_text(get("err-lua-unclosed")), ("{".to_owned(), 2));
    // Parsing continues after a missing `;`: the second server is kept.
    let c = get("err-missing-semicolon");
    let http = &c.parsed.directives[0];
    assert_eq!(http.children().len(), 2);
}
