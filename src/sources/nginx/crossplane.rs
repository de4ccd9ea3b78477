//! The JSON that `crossplane parse [--single-file] [--combine]
//! [--include-comments] FILE` (crossplane 0.5.8) prints, built from a parsed
//! [`NginxFile`] ([`single_file_json`]) or a loaded [`Config`] ([`crossplane_json`]).
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
//! - each error reads `"<message> in <file>:<line>"`;
//! - with includes followed: one `config[]` entry per file, breadth first,
//!   files keyed by the name crossplane builds (`os.path.join` of the main
//!   file's directory and the argument, glob components replaced by the
//!   matches), `includes` indexes on each `include`, `[Errno 2] No such file
//!   or directory: '<name>'` for a missing literal include; includes met
//!   before a fatal error are still followed;
//! - after an `include` that matched files, the rest of its block is
//!   attributed to the last included file (a crossplane bug: `--combine`
//!   `file` keys and analyzer error messages).
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
//!   the directive); `include` inside `if` is followed (nginx allows it,
//!   crossplane's analyzer drops it: `nginx-tree-div-include-in-if`);
//! - an include cycle is spliced once with `--combine` (crossplane recurses
//!   until Python's recursion limit).
//!
//! The caller passes the text without a BOM (crossplane keeps it in the first
//! directive name).

use crate::sources::python::py_repr;
use std::cell::RefCell;
use std::collections::HashMap;

use serde_json::{Map, Value, json};

use crate::span::Span;

use super::include::{Config, Include};
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
    let out = file_json(
        path,
        parsed,
        &FileOpts {
            include_comments,
            file_key: false,
        },
        line_of,
        &mut |_, _, _| IncludeOutcome::NotFollowed,
    );
    payload(vec![(path.to_owned(), out)])
}

/// What `crossplane parse` is run with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CrossplaneOptions {
    /// `--single-file`: includes are not followed.
    pub single_file: bool,
    /// `--include-comments`.
    pub include_comments: bool,
    /// `--combine`: one config with includes spliced in.
    pub combine: bool,
    /// The main file's name as given on crossplane's command line; relative
    /// include names are joined to its directory. `None`: the main file's
    /// base name (crossplane run from the main file's directory).
    pub main_name: Option<String>,
}

/// crossplane 0.5.8's payload for `crossplane parse [--single-file]
/// [--combine] [--include-comments] MAIN` over a loaded [`Config`]: one
/// `config[]` entry per file in crossplane's order (breadth-first: a file's
/// includes are read after every file queued before it; a file reached
/// under two spellings of its path is read twice, as crossplane does), the
/// `includes` indexes of each `include` directive, and
/// `[Errno 2] No such file or directory: '...'` for a literal include that
/// is not there.
///
/// The file system crossplane sees is the repository with the `prefix_map`
/// of [`super::load_config`] mounted: a file outside the scanned root or a
/// stock file the repository lacks does not exist for it. An include cycle
/// (crossplane's `--combine` recurses forever on one) is spliced once.
#[must_use]
pub fn crossplane_json(
    config: &Config,
    options: &CrossplaneOptions,
    line_of: &dyn Fn(Span) -> u32,
) -> Value {
    let main_name = options.main_name.clone().unwrap_or_else(|| {
        config
            .main
            .rsplit('/')
            .next()
            .unwrap_or(&config.main)
            .to_owned()
    });
    let config_dir = py_dirname(&main_name).to_owned();
    let includes: HashMap<Span, &Include> = config
        .includes
        .iter()
        .map(|i| (i.directive_span, i))
        .collect();
    let file_by_path: HashMap<&str, usize> = config
        .files
        .iter()
        .enumerate()
        .map(|(i, (p, _))| (p.as_str(), i))
        .collect();
    let opts = FileOpts {
        include_comments: options.include_comments,
        file_key: options.combine,
    };
    // (crossplane name, index into config.files)
    let mut queue: Vec<(String, usize)> = Vec::new();
    let mut index_of: HashMap<String, usize> = HashMap::new();
    if !config.files.is_empty() {
        queue.push((main_name.clone(), 0));
        index_of.insert(main_name.clone(), 0);
    }
    let mut outs: Vec<(String, FileOut)> = Vec::new();
    let mut i = 0;
    while let Some((name, fidx)) = queue.get(i).cloned() {
        i += 1;
        let Some((_, parsed)) = config.files.get(fidx) else {
            continue;
        };
        let mut on_include = |d: &Directive, line: u32, current: &str| -> IncludeOutcome {
            if options.single_file {
                return IncludeOutcome::NotFollowed;
            }
            let [arg] = d.args.as_slice() else {
                return IncludeOutcome::Rejected(format!(
                    "invalid number of arguments in \"include\" directive in {current}:{line}"
                ));
            };
            let Some(inc) = includes.get(&d.span) else {
                return IncludeOutcome::Indexes(Vec::new(), None, None);
            };
            if inc.resolved.is_empty() {
                let error = (!inc.is_glob).then(|| {
                    format!(
                        "[Errno 2] No such file or directory: {}",
                        py_repr(&py_join(&config_dir, &arg.value))
                    )
                });
                return IncludeOutcome::Indexes(Vec::new(), None, error);
            }
            let mut indexes = Vec::new();
            let mut last_name = None;
            for (k, repo) in inc.resolved.iter().enumerate() {
                let written = if inc.is_glob {
                    inc.written_paths.get(k).cloned().unwrap_or_default()
                } else {
                    arg.value.clone()
                };
                let cp_name = py_join(&config_dir, &written);
                last_name = Some(cp_name.clone());
                let idx = match index_of.get(&cp_name) {
                    Some(&idx) => idx,
                    None => {
                        let Some(&f) = file_by_path.get(repo.as_str()) else {
                            continue;
                        };
                        let idx = queue.len();
                        queue.push((cp_name.clone(), f));
                        index_of.insert(cp_name, idx);
                        idx
                    }
                };
                indexes.push(idx);
            }
            IncludeOutcome::Indexes(indexes, last_name, None)
        };
        let out = file_json(&name, parsed, &opts, line_of, &mut on_include);
        outs.push((name, out));
    }
    if options.combine {
        combined_payload(outs)
    } else {
        payload(outs)
    }
}

/// How crossplane handles one `include` directive.
enum IncludeOutcome {
    /// `--single-file`: no `includes` key.
    NotFollowed,
    /// The `includes` indexes, the name of the last file included (see
    /// [`block_json`]), and the error of a missing literal file.
    Indexes(Vec<usize>, Option<String>, Option<String>),
    /// crossplane's analyzer rejects the directive (it is left out): the error.
    Rejected(String),
}

/// What [`block_json`] does with an `include` directive.
enum Hooked {
    /// No `includes` key (`--single-file`).
    NoKey,
    /// The `includes` indexes and the name of the last file included.
    Includes(Vec<usize>, Option<String>),
    /// crossplane's analyzer rejects the directive: leave it out.
    LeaveOut,
}

struct FileOpts {
    include_comments: bool,
    /// `--combine`: every statement but comments among arguments names its file.
    file_key: bool,
}

/// One file's `config[]` entry before assembly.
struct FileOut {
    /// (error text, line), in crossplane's order, cut after a fatal one.
    errors: Vec<(String, Value)>,
    parsed: Vec<Value>,
}

/// A file's statements and errors. `on_include` is called for every
/// `include` directive crossplane reaches, in document order, with its line
/// and the file name crossplane has in hand there.
fn file_json(
    name: &str,
    parsed: &NginxFile,
    opts: &FileOpts,
    line_of: &dyn Fn(Span) -> u32,
    on_include: &mut dyn FnMut(&Directive, u32, &str) -> IncludeOutcome,
) -> FileOut {
    // Where crossplane raises each error: sorts them with the include errors
    // and tells which includes it reached before a fatal one.
    let raise_pos = |kind: SyntaxErrorKind, span: Span, report: Span| match kind {
        SyntaxErrorKind::UnexpectedEof | SyntaxErrorKind::UnterminatedString => u32::MAX,
        SyntaxErrorKind::UnexpectedClose | SyntaxErrorKind::LuaBlockStart => span.start,
        _ => report.start,
    };
    let cutoff = parsed
        .syntax_errors
        .iter()
        .filter(|e| e.fatal)
        .map(|e| raise_pos(e.kind, e.span, e.report_span))
        .min()
        .unwrap_or(u32::MAX);
    // crossplane drops a directive its analyzer rejects ("not terminated by ;").
    let dropped: Vec<Span> = parsed
        .syntax_errors
        .iter()
        .filter(|e| e.kind == SyntaxErrorKind::NotTerminated)
        .map(|e| e.report_span)
        .collect();
    // (position, error text, line, fatal)
    let mut errors: Vec<(u32, String, Value, bool)> = Vec::new();
    let mut hook = |d: &Directive, current: &str| -> Hooked {
        if d.span.start > cutoff {
            return Hooked::Includes(Vec::new(), None);
        }
        let line = line_of(d.name_span);
        match on_include(d, line, current) {
            IncludeOutcome::NotFollowed => Hooked::NoKey,
            IncludeOutcome::Indexes(indexes, last, error) => {
                if let Some(error) = error {
                    errors.push((d.span.start, error, Value::from(line), false));
                }
                Hooked::Includes(indexes, last)
            }
            IncludeOutcome::Rejected(error) => {
                errors.push((d.span.start, error, Value::from(line), false));
                Hooked::LeaveOut
            }
        }
    };
    let ctx = Ctx {
        include_comments: opts.include_comments,
        line_of,
        dropped: &dropped,
        name,
        file_key: opts.file_key,
        renamed: RefCell::new(HashMap::new()),
    };
    let items = block_json(&parsed.directives, &ctx, &mut hook);
    let renamed = ctx.renamed.into_inner();
    for e in &parsed.syntax_errors {
        let line = line_of(e.report_span);
        let pos = raise_pos(e.kind, e.span, e.report_span);
        // The analyzer's errors name the file crossplane has in hand (see block_json).
        let file = renamed.get(&e.report_span).map_or(name, String::as_str);
        errors.push((
            pos,
            format!("{} in {file}:{line}", e.message),
            Value::from(line),
            e.fatal,
        ));
    }
    errors.sort_by_key(|e| e.0);
    let mut out_errors = Vec::new();
    let mut fatal = false;
    for (_, text, line, is_fatal) in errors {
        out_errors.push((text, line));
        if is_fatal {
            fatal = true;
            break;
        }
    }
    FileOut {
        errors: out_errors,
        parsed: if fatal { Vec::new() } else { items },
    }
}

/// The payload without `--combine`.
fn payload(outs: Vec<(String, FileOut)>) -> Value {
    let mut top_errors = Vec::new();
    let mut configs = Vec::new();
    for (name, out) in outs {
        let status = if out.errors.is_empty() {
            "ok"
        } else {
            "failed"
        };
        let file_errors: Vec<Value> = out
            .errors
            .iter()
            .map(|(error, line)| json!({"error": error, "line": line}))
            .collect();
        top_errors.extend(
            out.errors
                .iter()
                .map(|(error, line)| json!({"file": name, "error": error, "line": line})),
        );
        configs.push(json!({
            "file": name,
            "status": status,
            "errors": file_errors,
            "parsed": out.parsed,
        }));
    }
    let status = if top_errors.is_empty() {
        "ok"
    } else {
        "failed"
    };
    json!({"status": status, "errors": top_errors, "config": configs})
}

/// The payload with `--combine` (`_combine_parsed_configs`): the main
/// file's statements with every include replaced by the included files'.
fn combined_payload(outs: Vec<(String, FileOut)>) -> Value {
    let separate = payload(outs);
    let configs = separate["config"].as_array().cloned().unwrap_or_default();
    let mut errors = Vec::new();
    let mut failed = false;
    for c in &configs {
        errors.extend(c["errors"].as_array().cloned().unwrap_or_default());
        failed |= c["status"] == "failed";
    }
    let parsed_of: Vec<Vec<Value>> = configs
        .iter()
        .map(|c| c["parsed"].as_array().cloned().unwrap_or_default())
        .collect();
    let mut stack = vec![0usize];
    let parsed = parsed_of
        .first()
        .map(|p| perform_includes(p, &parsed_of, &mut stack))
        .unwrap_or_default();
    json!({
        "status": separate["status"],
        "errors": separate["errors"],
        "config": [{
            "file": configs.first().map_or(Value::Null, |c| c["file"].clone()),
            "status": if failed { "failed" } else { "ok" },
            "errors": errors,
            "parsed": parsed,
        }],
    })
}

/// Replaces each statement that has `includes` with the included files'
/// statements, recursively; a file already being spliced is skipped.
fn perform_includes(block: &[Value], files: &[Vec<Value>], stack: &mut Vec<usize>) -> Vec<Value> {
    let mut out = Vec::new();
    for stmt in block {
        let mut stmt = stmt.clone();
        if let Some(children) = stmt.get("block").and_then(Value::as_array).cloned() {
            stmt["block"] = Value::Array(perform_includes(&children, files, stack));
        }
        match stmt.get("includes").and_then(Value::as_array) {
            Some(indexes) => {
                for idx in indexes.iter().filter_map(Value::as_u64) {
                    let Ok(idx) = usize::try_from(idx) else {
                        continue;
                    };
                    if stack.contains(&idx) || stack.len() > super::MAX_DEPTH {
                        continue;
                    }
                    if let Some(file) = files.get(idx) {
                        stack.push(idx);
                        out.extend(perform_includes(file, files, stack));
                        stack.pop();
                    }
                }
            }
            None => out.push(stmt),
        }
    }
    out
}

/// Python's `os.path.dirname`.
fn py_dirname(path: &str) -> &str {
    match path.rfind('/') {
        Some(i) => {
            let head = &path[..=i];
            let trimmed = head.trim_end_matches('/');
            if trimmed.is_empty() { head } else { trimmed }
        }
        None => "",
    }
}

/// Python's `os.path.join` of two parts.
fn py_join(dir: &str, name: &str) -> String {
    if name.starts_with('/') || dir.is_empty() {
        name.to_owned()
    } else if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

struct Ctx<'a> {
    include_comments: bool,
    line_of: &'a dyn Fn(Span) -> u32,
    /// Name spans of directives crossplane leaves out.
    dropped: &'a [Span],
    /// The file's name in crossplane's output.
    name: &'a str,
    /// `--combine`: statements carry a `file` key.
    file_key: bool,
    /// Report spans of dropped directives whose error names another file.
    renamed: RefCell<HashMap<Span, String>>,
}

/// `hook` is called for each `include` directive kept, with the file name
/// crossplane has in hand (see [`Hooked`]).
///
/// crossplane 0.5.8 quirk reproduced: its `_parse` reuses the variable
/// holding the file name as the loop variable over an include's files, so
/// every statement after an `include` that matched files, in the same
/// block, is attributed to the last file included (the `file` key with
/// `--combine`, the file named in analyzer errors). Nested blocks start again
/// from the real name.
fn block_json(
    items: &[Directive],
    ctx: &Ctx<'_>,
    hook: &mut dyn FnMut(&Directive, &str) -> Hooked,
) -> Vec<Value> {
    let line_of = ctx.line_of;
    let mut current = ctx.name.to_owned();
    let mut out = Vec::new();
    // The last directive, whose argument list may contain the comments that follow it.
    let mut host: Option<&Directive> = None;
    let mut host_left_out = false;
    for d in items {
        if let Some(text) = &d.comment {
            let in_args = host.is_some_and(|h| {
                d.name_span.start > h.name_span.start && d.name_span.start < h.full_span.end
            });
            // crossplane drops a rejected directive together with its comments.
            let host_dropped = in_args && host_left_out;
            if !host_dropped && (in_args || ctx.include_comments) {
                let line = match host {
                    Some(h) if in_args => line_of(h.name_span),
                    _ => line_of(d.name_span),
                };
                let mut obj = Map::new();
                if ctx.file_key && !in_args {
                    obj.insert("file".into(), Value::String(current.clone()));
                }
                obj.insert("directive".into(), Value::String("#".into()));
                obj.insert("line".into(), Value::from(line));
                obj.insert("args".into(), Value::Array(Vec::new()));
                obj.insert("comment".into(), Value::String(universal_newlines(text)));
                out.push(Value::Object(obj));
            }
            continue;
        }
        host = Some(d);
        host_left_out = ctx.dropped.contains(&d.name_span);
        if host_left_out {
            if current != ctx.name {
                ctx.renamed
                    .borrow_mut()
                    .insert(d.name_span, current.clone());
            }
            continue;
        }
        // The statement is named before its own includes rename the rest.
        let file = current.clone();
        let mut includes = None;
        if d.name == "include" && d.block.is_none() {
            match hook(d, &current) {
                Hooked::LeaveOut => {
                    host_left_out = true;
                    continue;
                }
                Hooked::Includes(indexes, last) => {
                    includes = Some(indexes);
                    if let Some(last) = last {
                        current = last;
                    }
                }
                Hooked::NoKey => {}
            }
        }
        let mut obj = Map::new();
        if ctx.file_key {
            obj.insert("file".into(), Value::String(file));
        }
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
        if let Some(indexes) = includes {
            obj.insert(
                "includes".into(),
                Value::Array(indexes.into_iter().map(Value::from).collect()),
            );
        }
        if let Some(children) = &d.block {
            obj.insert(
                "block".into(),
                Value::Array(block_json(children, ctx, hook)),
            );
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
