//! The JSON that `crossplane parse --single-file [--include-comments] FILE`
//! (crossplane 0.5.8) prints for a file, built from a parsed [`NginxFile`].
//!
//! crossplane conventions reproduced here:
//! - a directive is `{"directive", "line", "args"}` plus `"block"` for block
//!   directives; a comment is `{"directive": "#", "line", "args": [], "comment"}`;
//! - comments written among a directive's arguments follow the directive, carry
//!   its line, and are listed even without `--include-comments`;
//! - values are read with universal newlines (CRLF and lone CR become LF);
//! - an error that stops crossplane's lexer (unbalanced braces, end of file
//!   inside a directive, an unterminated string or Lua block) leaves `parsed`
//!   empty and ends the error list;
//! - a directive ended by `}` instead of `;` is reported and left out;
//! - each error reads `"<message> in <file>:<line>"`.
//!
//! Known differences, where parity follows nginx (see `tests/nginx_crossplane.rs`
//! and the `div-*` fixtures):
//! - parity also reports errors crossplane misses: a stray `;` or `{`, text
//!   glued to a closing quote (`"a"b`), a missing `;` before `}` after a
//!   directive crossplane does not know (crossplane then mis-nests the rest);
//! - end of file inside a top-level directive gets a message and a line
//!   (crossplane prints an empty error with line `null`);
//! - only space, tab, CR and LF separate words (crossplane also splits on form
//!   feed, NBSP, ...), and `}` inside a word belongs to it (`a}b`);
//! - `${VAR}` followed by a space ends the word (crossplane glues the next word on);
//! - a comment ending in `\` keeps it, a last comment without a newline is kept;
//! - every `*_by_lua_block` is read as Lua, not only the 13 crossplane knows;
//! - parity does not check directive names, contexts or argument counts
//!   (crossplane's analyzer reports `invalid number of arguments ...` and drops
//!   the directive).
//!
//! The caller passes the text without a BOM (crossplane keeps it in the first
//! directive name).

use serde_json::{Map, Value, json};

use crate::span::Span;

use super::{Directive, NginxFile, SyntaxErrorKind};

/// crossplane's payload for one file parsed on its own. `path` is the file
/// name as it should appear in the output; `line_of` gives the 1-based line
/// of a span's start.
#[must_use]
pub fn single_file_json(
    path: &str,
    parsed: &NginxFile,
    include_comments: bool,
    line_of: &dyn Fn(Span) -> u32,
) -> Value {
    let mut errors = Vec::new();
    let mut fatal = false;
    for e in &parsed.syntax_errors {
        let line = line_of(e.report_span);
        errors.push((format!("{} in {path}:{line}", e.message), line));
        if e.fatal {
            fatal = true;
            break;
        }
    }
    // crossplane drops a directive its analyzer rejects ("not terminated by ;").
    let dropped: Vec<Span> = parsed
        .syntax_errors
        .iter()
        .filter(|e| e.kind == SyntaxErrorKind::NotTerminated)
        .map(|e| e.report_span)
        .collect();
    let ctx = Ctx {
        include_comments,
        line_of,
        dropped: &dropped,
    };
    let items = if fatal {
        Vec::new()
    } else {
        block_json(&parsed.directives, &ctx)
    };
    let status = if errors.is_empty() { "ok" } else { "failed" };
    let file_errors: Vec<Value> = errors
        .iter()
        .map(|(error, line)| json!({"error": error, "line": line}))
        .collect();
    let top_errors: Vec<Value> = errors
        .iter()
        .map(|(error, line)| json!({"file": path, "error": error, "line": line}))
        .collect();
    json!({
        "status": status,
        "errors": top_errors,
        "config": [{
            "file": path,
            "status": status,
            "errors": file_errors,
            "parsed": items,
        }],
    })
}

struct Ctx<'a> {
    include_comments: bool,
    line_of: &'a dyn Fn(Span) -> u32,
    /// Name spans of directives crossplane leaves out.
    dropped: &'a [Span],
}

fn block_json(items: &[Directive], ctx: &Ctx<'_>) -> Vec<Value> {
    let line_of = ctx.line_of;
    let mut out = Vec::new();
    // The last directive, whose argument list may contain the comments that follow it.
    let mut host: Option<&Directive> = None;
    for d in items {
        if let Some(text) = &d.comment {
            let in_args = host.is_some_and(|h| {
                d.name_span.start > h.name_span.start && d.name_span.start < h.full_span.end
            });
            // crossplane drops a rejected directive together with its comments.
            let host_dropped = in_args && host.is_some_and(|h| ctx.dropped.contains(&h.name_span));
            if !host_dropped && (in_args || ctx.include_comments) {
                let line = match host {
                    Some(h) if in_args => line_of(h.name_span),
                    _ => line_of(d.name_span),
                };
                out.push(json!({
                    "directive": "#",
                    "line": line,
                    "args": [],
                    "comment": universal_newlines(text),
                }));
            }
            continue;
        }
        host = Some(d);
        if ctx.dropped.contains(&d.name_span) {
            continue;
        }
        let mut obj = Map::new();
        obj.insert(
            "directive".into(),
            Value::String(universal_newlines(&d.name)),
        );
        obj.insert("line".into(), Value::from(line_of(d.name_span)));
        obj.insert(
            "args".into(),
            Value::Array(
                d.args
                    .iter()
                    .map(|a| Value::String(universal_newlines(&a.value)))
                    .collect(),
            ),
        );
        if let Some(children) = &d.block {
            obj.insert("block".into(), Value::Array(block_json(children, ctx)));
        }
        out.push(Value::Object(obj));
    }
    out
}

/// Python's universal-newline reading, which crossplane uses: CRLF and CR become LF.
fn universal_newlines(s: &str) -> String {
    if s.contains('\r') {
        s.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::FileId;

    fn line_fn(text: &str) -> impl Fn(Span) -> u32 + '_ {
        move |s: Span| {
            let upto = text.get(..s.start as usize).unwrap_or(text);
            u32::try_from(upto.matches('\n').count() + 1).unwrap_or(u32::MAX)
        }
    }

    #[test]
    fn shape_of_a_clean_file() {
        let text = "# c\nhttp {\n  server { listen 80; }\n}\n";
        let f = super::super::parse(FileId(0), text);
        let lines = line_fn(text);
        let v = single_file_json("nginx.conf", &f, true, &lines);
        assert_eq!(
            v,
            json!({
                "status": "ok", "errors": [],
                "config": [{"file": "nginx.conf", "status": "ok", "errors": [], "parsed": [
                    {"directive": "#", "line": 1, "args": [], "comment": " c"},
                    {"directive": "http", "line": 2, "args": [], "block": [
                        {"directive": "server", "line": 3, "args": [], "block": [
                            {"directive": "listen", "line": 3, "args": ["80"]}
                        ]}
                    ]}
                ]}]
            })
        );
        let v = single_file_json("nginx.conf", &f, false, &lines);
        assert_eq!(v["config"][0]["parsed"][0]["directive"], "http");
    }

    #[test]
    fn comments_in_args_are_kept_without_include_comments() {
        let text = "server # c\n {}\n# own line\n";
        let f = super::super::parse(FileId(0), text);
        let lines = line_fn(text);
        let v = single_file_json("a.conf", &f, false, &lines);
        assert_eq!(
            v["config"][0]["parsed"],
            json!([
                {"directive": "server", "line": 1, "args": [], "block": []},
                {"directive": "#", "line": 1, "args": [], "comment": " c"}
            ])
        );
    }

    #[test]
    fn fatal_errors_empty_the_parse_like_crossplane() {
        let text = "http {\n  server {\n    listen 80\n  }\n";
        let f = super::super::parse(FileId(0), text);
        let lines = line_fn(text);
        let v = single_file_json("b.conf", &f, false, &lines);
        assert_eq!(v["status"], "failed");
        assert_eq!(v["config"][0]["parsed"], json!([]));
        assert_eq!(
            v["errors"],
            json!([
                {"file": "b.conf", "error": "directive \"listen\" is not terminated by \";\" in b.conf:3", "line": 3},
                {"file": "b.conf", "error": "unexpected end of file, expecting \"}\" in b.conf:4", "line": 4}
            ])
        );
    }

    #[test]
    fn a_directive_without_semicolon_is_dropped_with_its_comments() {
        let text = "http {\n  server {\n    listen # c\n 80\n  }\n}\n";
        let f = super::super::parse(FileId(0), text);
        let lines = line_fn(text);
        let v = single_file_json("d.conf", &f, true, &lines);
        assert_eq!(v["config"][0]["parsed"][0]["block"][0]["block"], json!([]));
        assert_eq!(v["errors"][0]["line"], 3);
        // The parse itself keeps the directive.
        assert_eq!(f.directives[0].children()[0].children().len(), 2);
    }

    #[test]
    fn values_use_universal_newlines() {
        let text = "a \"x\r\ny\";\r\n";
        let f = super::super::parse(FileId(0), text);
        let lines = line_fn(text);
        let v = single_file_json("c.conf", &f, false, &lines);
        assert_eq!(v["config"][0]["parsed"][0]["args"], json!(["x\ny"]));
    }
}
