//! Dockerfiles: the stages, and in each what decides how the container runs
//! (CMD, ENTRYPOINT, ENV, WORKDIR, STOPSIGNAL, EXPOSE, COPY).
//!
//! Semantics follow BuildKit's Dockerfile frontend
//! (<https://docs.docker.com/reference/dockerfile/>): parser directives
//! (`# escape=`), line continuations, comments inside continuations,
//! heredocs, case-insensitive instructions, exec form only when the
//! arguments are a valid JSON array of strings, variable substitution in the
//! instructions that support it, and a stage built `FROM` an earlier stage
//! inheriting that stage's image configuration.
//!
//! Variables whose value is not known statically (an `ARG` without a
//! default, or a variable of the base image such as `$PATH`) are left as
//! written and listed in [`Dockerfile::unresolved`].

use std::collections::HashMap;

use crate::diag::Problem;
use crate::sources::yaml::{Style, Text, TextBuilder};
use crate::span::{FileId, Span, Spanned};

/// A parsed Dockerfile.
#[derive(Clone, Debug, PartialEq)]
pub struct Dockerfile {
    /// In file order; the image that runs is built by the last stage (or
    /// the compose `build.target`).
    pub stages: Vec<Stage>,
    pub problems: Vec<Problem>,
    /// Variables referenced where their value is not known statically, with
    /// the span of the reference (kept verbatim in the value).
    pub unresolved: Vec<Spanned<String>>,
}

/// One build stage (`FROM ...` up to the next `FROM`).
#[derive(Clone, Debug, PartialEq)]
pub struct Stage {
    /// The image reference after ARG substitution where possible.
    pub from: Text,
    /// `AS name`, as written.
    pub name: Option<String>,
    /// The earlier stage this one is built from.
    pub base_stage: Option<usize>,
    /// Effective WORKDIR (relative ones joined to the previous one).
    pub workdir: Option<Text>,
    /// Effective ENV, in first-set order (a later ENV of the same name
    /// replaces the value).
    pub env: Vec<(String, Text)>,
    pub copies: Vec<CopyInstr>,
    /// Effective CMD. Setting ENTRYPOINT clears a CMD inherited from the
    /// base stage, as Docker does.
    pub cmd: Option<Instr>,
    pub entrypoint: Option<Instr>,
    /// The `SHELL` used for shell-form commands (`/bin/sh -c` when `None`).
    pub shell: Option<Vec<Text>>,
    pub stopsignal: Option<Text>,
    pub expose: Vec<Text>,
    /// From `FROM` to the end of the stage's last instruction.
    pub span: Span,
}

/// `COPY` or `ADD`.
#[derive(Clone, Debug, PartialEq)]
pub struct CopyInstr {
    pub sources: Vec<Text>,
    pub dest: Text,
    /// `--from=` (a stage name or index, or an image).
    pub from: Option<String>,
    pub add: bool,
    /// Heredoc sources (`COPY <<EOF /app/conf.py`): `(terminator, body)`;
    /// the source word is `<<EOF`.
    pub heredocs: Vec<(String, Text)>,
    pub span: Span,
}

/// CMD / ENTRYPOINT / SHELL form.
#[derive(Clone, Debug, PartialEq)]
pub enum Instr {
    /// JSON array form: run directly.
    Exec(Vec<Text>),
    /// Shell form: run by the stage's shell (`/bin/sh -c`).
    Shell(Text),
}

/// Parses a Dockerfile. Never panics; errors become Problems.
#[must_use]
pub fn parse(file: FileId, text: &str) -> Dockerfile {
    let mut p = Builder {
        file,
        escape: b'\\',
        stages: Vec::new(),
        problems: Vec::new(),
        unresolved: Vec::new(),
        global_args: HashMap::new(),
        vars: HashMap::new(),
        cmd_set_here: false,
    };
    let lines = physical_lines(text);
    let first = p.directives(text, &lines);
    let instrs = logical_instructions(file, text, &lines, first, p.escape, &mut p.problems);
    for instr in instrs {
        p.instruction(text, instr);
    }
    Dockerfile {
        stages: p.stages,
        problems: p.problems,
        unresolved: p.unresolved,
    }
}

/// A physical line: `start..end` excludes the line break (and a `\r`).
#[derive(Clone, Copy)]
struct Line {
    start: usize,
    end: usize,
}

fn physical_lines(text: &str) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            let end = if i > start && text.as_bytes()[i - 1] == b'\r' {
                i - 1
            } else {
                i
            };
            lines.push(Line { start, end });
            start = i + 1;
        }
    }
    if start < text.len() {
        lines.push(Line {
            start,
            end: text.len(),
        });
    }
    lines
}

/// One instruction with its continuation lines joined.
struct Logical {
    /// Upper-cased keyword.
    keyword: String,
    keyword_span: Span,
    /// Everything after the keyword, trimmed, continuations removed.
    args: Text,
    /// The whole instruction, heredoc bodies included.
    span: Span,
    heredocs: Vec<Heredoc>,
}

struct Heredoc {
    name: String,
    body: Text,
}

/// Joins continuation lines into instructions, skipping comments and
/// blank lines, and reads heredoc bodies.
fn logical_instructions(
    file: FileId,
    text: &str,
    lines: &[Line],
    first: usize,
    escape: u8,
    problems: &mut Vec<Problem>,
) -> Vec<Logical> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = first;
    while i < lines.len() {
        let line = lines[i];
        let content = &text[line.start..line.end];
        let trimmed = content.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            i += 1;
            continue;
        }
        let start = line.end - trimmed.len();
        let mut builder = TextBuilder::new(file);
        let mut seg_start = start;
        let mut end;
        loop {
            let cur = lines[i];
            let seg = &text[seg_start..cur.end];
            let body = seg.trim_end_matches([' ', '\t']);
            end = cur.end;
            i += 1;
            if body.as_bytes().last() == Some(&escape) && i <= lines.len() {
                let keep = &body[..body.len() - 1];
                builder.push_exact(keep, seg_start);
                // Comment and blank lines inside a continuation are dropped.
                while i < lines.len() {
                    let next = &text[lines[i].start..lines[i].end];
                    let t = next.trim_start();
                    if t.is_empty() || t.starts_with('#') {
                        i += 1;
                    } else {
                        break;
                    }
                }
                if i >= lines.len() {
                    break;
                }
                seg_start = lines[i].start;
                continue;
            }
            builder.push_exact(seg, seg_start);
            break;
        }
        let joined = builder.finish(Span::new(file, start, end), Style::Plain);
        let kw_len = joined
            .value
            .find(|c: char| c.is_whitespace())
            .unwrap_or(joined.value.len());
        let keyword = joined.value[..kw_len].to_ascii_uppercase();
        let keyword_span = joined.span_of(0..kw_len);
        let rest_start = joined.value[kw_len..]
            .find(|c: char| !c.is_whitespace())
            .map_or(joined.value.len(), |o| kw_len + o);
        let rest_end = joined.value.trim_end().len().max(rest_start);
        let args = joined.slice(rest_start..rest_end);
        let mut logical = Logical {
            keyword,
            keyword_span,
            args,
            span: Span::new(file, start, end),
            heredocs: Vec::new(),
        };
        if matches!(logical.keyword.as_str(), "RUN" | "COPY" | "ADD") {
            for (name, strip_tabs) in heredoc_markers(&logical.args.value) {
                let body_start = lines.get(i).map_or(text.len(), |l| l.start);
                let mut body = TextBuilder::new(file);
                let mut closed = false;
                while i < lines.len() {
                    let l = lines[i];
                    i += 1;
                    let raw = &text[l.start..l.end];
                    let cmp = if strip_tabs {
                        raw.trim_start_matches('\t')
                    } else {
                        raw
                    };
                    logical.span = Span::new(file, start, l.end);
                    if cmp == name {
                        closed = true;
                        break;
                    }
                    let tabs = raw.len() - cmp.len();
                    body.push_exact(cmp, l.start + tabs);
                    let nl_end = (l.end..b.len())
                        .find(|&j| b[j] == b'\n')
                        .map_or(l.end, |j| j + 1);
                    body.push_mapped("\n", Span::new(file, l.end, nl_end));
                }
                let body_end = logical.span.end as usize;
                if !closed {
                    problems.push(Problem::parse(
                        logical.span,
                        format!("heredoc <<{name} is not terminated"),
                    ));
                }
                logical.heredocs.push(Heredoc {
                    name,
                    body: body.finish(
                        Span::new(file, body_start, body_end.max(body_start)),
                        Style::Literal,
                    ),
                });
            }
        }
        out.push(logical);
    }
    out
}

/// Heredoc markers (`<<EOF`, `<<-EOF`, `<<"EOF"`) in an instruction line:
/// `(terminator, strip leading tabs)`.
fn heredoc_markers(args: &str) -> Vec<(String, bool)> {
    let b = args.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 2 < b.len() {
        if &b[i..i + 2] != b"<<" || (i > 0 && b[i - 1] == b'<') {
            i += 1;
            continue;
        }
        let mut j = i + 2;
        let strip = b.get(j) == Some(&b'-');
        if strip {
            j += 1;
        }
        let quote = match b.get(j) {
            Some(&q @ (b'"' | b'\'')) => {
                j += 1;
                Some(q)
            }
            _ => None,
        };
        let name_start = j;
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
            j += 1;
        }
        let valid_start = b
            .get(name_start)
            .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_');
        let closed = match quote {
            Some(q) => b.get(j) == Some(&q),
            None => true,
        };
        if j > name_start && valid_start && closed {
            out.push((args[name_start..j].to_owned(), strip));
        }
        i = j.max(i + 2);
    }
    out
}

/// Known variables: `Some` is a value, `None` a declared ARG without one.
type Vars = HashMap<String, Option<Text>>;

struct Builder {
    file: FileId,
    escape: u8,
    stages: Vec<Stage>,
    problems: Vec<Problem>,
    unresolved: Vec<Spanned<String>>,
    /// ARGs declared before the first FROM.
    global_args: Vars,
    /// ARGs and ENV of the current stage.
    vars: Vars,
    /// A CMD was written in the current stage (ENTRYPOINT then keeps it).
    cmd_set_here: bool,
}

impl Builder {
    fn problem(&mut self, span: Span, msg: impl Into<String>) {
        self.problems.push(Problem::parse(span, msg));
    }

    /// Reads the parser directives at the top of the file; returns the index
    /// of the first line after them.
    fn directives(&mut self, text: &str, lines: &[Line]) -> usize {
        for (i, line) in lines.iter().enumerate() {
            let raw = &text[line.start..line.end];
            let raw = if i == 0 {
                raw.strip_prefix('\u{feff}').unwrap_or(raw)
            } else {
                raw
            };
            let Some(body) = raw.trim_start().strip_prefix('#') else {
                return i;
            };
            let Some((key, value)) = body.split_once('=') else {
                return i;
            };
            let key = key.trim();
            if key.is_empty() || !key.bytes().all(|c| c.is_ascii_alphanumeric()) {
                return i;
            }
            match key.to_ascii_lowercase().as_str() {
                "escape" => match value.trim() {
                    "\\" => self.escape = b'\\',
                    "`" => self.escape = b'`',
                    other => {
                        let at = line.start + raw.find(other).unwrap_or(0);
                        self.problem(
                            Span::new(self.file, at, at + other.len()),
                            format!("invalid escape directive {other:?} (must be ` or \\)"),
                        );
                    }
                },
                "syntax" | "check" => {}
                // An unknown directive is a comment, and ends the directives.
                _ => return i,
            }
        }
        lines.len()
    }

    fn instruction(&mut self, text: &str, ins: Logical) {
        let kw = ins.keyword.as_str();
        if kw == "FROM" {
            self.from(&ins);
            return;
        }
        if kw == "ARG" {
            self.arg(&ins);
            return;
        }
        if !is_known_instruction(kw) {
            let span = ins.keyword_span;
            self.problem(
                span,
                format!("unknown instruction: {}", &text[span.range()]),
            );
            return;
        }
        if self.stages.is_empty() {
            self.problem(
                ins.keyword_span,
                format!("{kw} before the first FROM (only ARG may come before FROM)"),
            );
            return;
        }
        match kw {
            "ENV" => self.env(&ins),
            "WORKDIR" => self.workdir(&ins),
            "COPY" | "ADD" => self.copy(&ins, kw == "ADD"),
            "CMD" => {
                let instr = self.command_form(&ins.args);
                self.cmd_set_here = true;
                self.stage().cmd = Some(instr);
            }
            "ENTRYPOINT" => {
                let instr = self.command_form(&ins.args);
                let keep_cmd = self.cmd_set_here;
                let stage = self.stage();
                stage.entrypoint = Some(instr);
                if !keep_cmd {
                    stage.cmd = None;
                }
            }
            "SHELL" => match parse_json_array(&ins.args) {
                Some(words) => self.stage().shell = Some(words),
                None => self.problem(ins.args.span, "SHELL requires a JSON array"),
            },
            "STOPSIGNAL" => {
                let words = self.words(&ins.args, true);
                self.stage().stopsignal = words.into_iter().next();
            }
            "EXPOSE" => {
                let words = self.words(&ins.args, true);
                self.stage().expose.extend(words);
            }
            _ => {}
        }
        let stage = self.stage();
        stage.span = stage.span.to(ins.span);
    }

    fn stage(&mut self) -> &mut Stage {
        // Only called once a stage exists.
        let last = self.stages.len() - 1;
        &mut self.stages[last]
    }

    fn from(&mut self, ins: &Logical) {
        // FROM sees only the global ARGs; flags (`--platform`) are skipped.
        let saved = std::mem::replace(&mut self.vars, self.global_args.clone());
        let words: Vec<Text> = self
            .split_words(&ins.args)
            .into_iter()
            .filter(|w| !w.value.starts_with("--"))
            .map(|w| self.process(&w))
            .collect();
        self.vars = saved;
        let Some(from) = words.first().cloned() else {
            self.problem(ins.span, "FROM requires an image");
            return;
        };
        let name = match words.get(1) {
            Some(kw) if kw.value.eq_ignore_ascii_case("as") => match words.get(2) {
                Some(n) => Some(n.value.clone()),
                None => {
                    self.problem(kw.span, "FROM ... AS needs a stage name");
                    None
                }
            },
            Some(other) => {
                self.problem(other.span, "FROM takes an image and an optional `AS name`");
                None
            }
            None => None,
        };
        let base_stage = self.stages.iter().position(|s| {
            s.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(&from.value))
        });
        let mut stage = Stage {
            from,
            name,
            base_stage,
            workdir: None,
            env: Vec::new(),
            copies: Vec::new(),
            cmd: None,
            entrypoint: None,
            shell: None,
            stopsignal: None,
            expose: Vec::new(),
            span: ins.span,
        };
        self.vars = HashMap::new();
        if let Some(base) = base_stage.and_then(|i| self.stages.get(i)) {
            // The image configuration of the base stage carries over.
            stage.workdir = base.workdir.clone();
            stage.env = base.env.clone();
            stage.cmd = base.cmd.clone();
            stage.entrypoint = base.entrypoint.clone();
            stage.shell = base.shell.clone();
            stage.stopsignal = base.stopsignal.clone();
            stage.expose = base.expose.clone();
            for (k, v) in &base.env {
                self.vars.insert(k.clone(), Some(v.clone()));
            }
        }
        self.cmd_set_here = false;
        self.stages.push(stage);
    }

    fn arg(&mut self, ins: &Logical) {
        let words = self.split_words(&ins.args);
        if words.is_empty() {
            self.problem(ins.span, "ARG requires a name");
        }
        let global = self.stages.is_empty();
        if global {
            // Global ARG defaults see the global ARGs before them.
            std::mem::swap(&mut self.vars, &mut self.global_args);
        }
        for w in words {
            let (name, value) = match w.value.find('=') {
                Some(eq) => {
                    let default = w.slice(eq + 1..w.value.len());
                    (w.value[..eq].to_owned(), Some(self.process(&default)))
                }
                None => {
                    // A stage ARG without a default takes the global default.
                    let inherited = if global {
                        None
                    } else {
                        self.global_args.get(&w.value).cloned().flatten()
                    };
                    (w.value.clone(), inherited)
                }
            };
            if global {
                self.vars.insert(name, value);
            } else if !self
                .vars
                .get(&name)
                .is_some_and(|v| v.is_some() && self.is_env(&name))
            {
                // ENV of the same name wins over ARG.
                self.vars.insert(name, value);
            }
        }
        if global {
            std::mem::swap(&mut self.vars, &mut self.global_args);
        } else {
            let stage = self.stage();
            stage.span = stage.span.to(ins.span);
        }
    }

    fn is_env(&self, name: &str) -> bool {
        self.stages
            .last()
            .is_some_and(|s| s.env.iter().any(|(k, _)| k == name))
    }

    fn env(&mut self, ins: &Logical) {
        let args = &ins.args;
        let first_word_end = args
            .value
            .find(|c: char| c.is_whitespace())
            .unwrap_or(args.value.len());
        let legacy = !args.value[..first_word_end].contains('=');
        let mut pairs: Vec<(String, Text)> = Vec::new();
        if legacy {
            // `ENV key value with spaces`.
            let rest_start = args.value[first_word_end..]
                .find(|c: char| !c.is_whitespace())
                .map(|o| first_word_end + o);
            match rest_start {
                Some(rs) => {
                    let value = self.process(&args.slice(rs..args.value.len()));
                    pairs.push((args.value[..first_word_end].to_owned(), value));
                }
                None => {
                    self.problem(
                        ins.span,
                        "ENV requires a value (`ENV name=value` or `ENV name value`)",
                    );
                }
            }
        } else {
            // Every value on the line is expanded with the variables as they
            // were before the instruction.
            for w in self.split_words(args) {
                let Some(eq) = w.value.find('=') else {
                    self.problem(w.span, "ENV expects name=value pairs");
                    continue;
                };
                let name = self.process(&w.slice(0..eq)).value;
                let value = self.process(&w.slice(eq + 1..w.value.len()));
                pairs.push((name, value));
            }
        }
        for (name, value) in pairs {
            self.vars.insert(name.clone(), Some(value.clone()));
            let stage = self.stage();
            match stage.env.iter_mut().find(|(k, _)| *k == name) {
                Some(slot) => slot.1 = value,
                None => stage.env.push((name, value)),
            }
        }
    }

    fn workdir(&mut self, ins: &Logical) {
        let requested = self.process(&ins.args);
        if requested.value.is_empty() {
            self.problem(ins.span, "WORKDIR requires a path");
            return;
        }
        let current = self.stage().workdir.clone();
        let joined = if requested.value.starts_with('/') {
            requested
        } else {
            let mut b = TextBuilder::new(self.file);
            // Without an earlier WORKDIR the base image's is unknown; Docker's
            // default is `/`.
            if let Some(cur) = &current {
                let base = cur.value.trim_end_matches('/').len();
                b.push_text(cur, 0..base);
            }
            b.push_mapped("/", requested.span_of(0..0));
            b.push_text(&requested, 0..requested.value.len());
            b.finish(requested.span, Style::Plain)
        };
        let cleaned = clean_path(&joined.value);
        let workdir = if cleaned == joined.value {
            joined
        } else {
            Text::new_mapped(cleaned, ins.args.span)
        };
        self.stage().workdir = Some(workdir);
    }

    fn copy(&mut self, ins: &Logical, add: bool) {
        let mut from = None;
        let mut rest_start = 0;
        let v = &ins.args.value;
        // Leading `--flag[=value]` words.
        loop {
            let tail = &v[rest_start..];
            if !tail.starts_with("--") {
                break;
            }
            let end = tail.find(char::is_whitespace).unwrap_or(tail.len());
            let flag = ins.args.slice(rest_start..rest_start + end);
            if let Some(val) = flag.value.strip_prefix("--from=") {
                let off = flag.value.len() - val.len();
                from = Some(self.process(&flag.slice(off..flag.value.len())).value);
            }
            let next = tail[end..]
                .find(|c: char| !c.is_whitespace())
                .map_or(v.len(), |o| rest_start + end + o);
            rest_start = next;
        }
        let rest = ins.args.slice(rest_start..v.len());
        let mut words = match parse_json_array(&rest) {
            Some(ws) => ws.iter().map(|w| self.process(w)).collect(),
            None => self.words(&rest, true),
        };
        if words.len() < 2 {
            let kw = if add { "ADD" } else { "COPY" };
            self.problem(
                ins.span,
                format!("{kw} requires at least one source and a destination"),
            );
            return;
        }
        let Some(dest) = words.pop() else { return };
        let heredocs = ins
            .heredocs
            .iter()
            .map(|h| (h.name.clone(), h.body.clone()))
            .collect();
        let copy = CopyInstr {
            sources: words,
            dest,
            from,
            add,
            heredocs,
            span: ins.span,
        };
        self.stage().copies.push(copy);
    }

    /// Exec form when the arguments are a JSON array of strings, else shell form.
    fn command_form(&mut self, args: &Text) -> Instr {
        match parse_json_array(args) {
            Some(words) => Instr::Exec(words),
            None => Instr::Shell(args.clone()),
        }
    }

    /// Splits on unquoted whitespace without processing quotes or variables.
    fn split_words(&self, t: &Text) -> Vec<Text> {
        let v = t.value.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < v.len() {
            while i < v.len() && v[i].is_ascii_whitespace() {
                i += 1;
            }
            if i >= v.len() {
                break;
            }
            let start = i;
            let mut quote: Option<u8> = None;
            while i < v.len() {
                let c = v[i];
                match quote {
                    Some(q) if c == q => quote = None,
                    Some(_) => {}
                    None if c.is_ascii_whitespace() => break,
                    None if c == b'"' || c == b'\'' => quote = Some(c),
                    None => {}
                }
                if c == self.escape && quote != Some(b'\'') {
                    i += 1;
                }
                i += 1;
            }
            let end = i.min(v.len());
            out.push(t.slice(start..end));
        }
        out
    }

    /// Splits into words and processes each (quotes, escapes, variables).
    fn words(&mut self, t: &Text, substitute: bool) -> Vec<Text> {
        let mut lex = Lexer {
            text: t,
            escape: self.escape,
            vars: &self.vars,
            unresolved: &mut self.unresolved,
            substitute,
            breaks: Vec::new(),
        };
        lex.words()
    }

    /// Processes one word: quotes removed, escapes and variables applied.
    fn process(&mut self, t: &Text) -> Text {
        let mut lex = Lexer {
            text: t,
            escape: self.escape,
            vars: &self.vars,
            unresolved: &mut self.unresolved,
            substitute: true,
            breaks: Vec::new(),
        };
        let mut out = TextBuilder::new(t.span.file);
        lex.word(0..t.value.len(), &mut out, false, 0);
        out.finish(t.span, t.style)
    }
}

fn is_known_instruction(kw: &str) -> bool {
    matches!(
        kw,
        "ADD"
            | "ARG"
            | "CMD"
            | "COPY"
            | "ENTRYPOINT"
            | "ENV"
            | "EXPOSE"
            | "FROM"
            | "HEALTHCHECK"
            | "LABEL"
            | "MAINTAINER"
            | "ONBUILD"
            | "RUN"
            | "SHELL"
            | "STOPSIGNAL"
            | "USER"
            | "VOLUME"
            | "WORKDIR"
    )
}

/// Lexical path cleaning as Go's `path.Clean` (which Docker applies to WORKDIR).
fn clean_path(p: &str) -> String {
    let absolute = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_owned(),
        (false, false) => joined,
    }
}

/// BuildKit's word processing (`shell.Lex`): quotes, the escape character
/// and `$VAR` / `${VAR}` / `${VAR:-word}` / `${VAR:+word}` substitution.
struct Lexer<'a> {
    text: &'a Text,
    escape: u8,
    vars: &'a Vars,
    unresolved: &'a mut Vec<Spanned<String>>,
    substitute: bool,
    /// Word breaks (value ranges) made by unquoted substitutions.
    breaks: Vec<(usize, usize)>,
}

impl Lexer<'_> {
    fn words(&mut self) -> Vec<Text> {
        let v = self.text.value.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < v.len() {
            while i < v.len() && v[i].is_ascii_whitespace() {
                i += 1;
            }
            if i >= v.len() {
                break;
            }
            let mut b = TextBuilder::new(self.text.span.file);
            let start = i;
            self.breaks.clear();
            i = self.word(i..v.len(), &mut b, true, 0);
            let word = b.finish(self.text.span_of(start..i), Style::Plain);
            // Whitespace from an unquoted substitution splits words, as
            // BuildKit splits after expanding; empty words are dropped.
            let mut from = 0;
            let breaks = std::mem::take(&mut self.breaks);
            for (a, b) in breaks
                .into_iter()
                .chain([(word.value.len(), word.value.len())])
            {
                if a > from {
                    out.push(word.slice(from..a));
                }
                from = from.max(b);
            }
        }
        out
    }

    /// Processes `range` into `out`; with `split`, stops at unquoted
    /// whitespace. Returns where it stopped.
    fn word(
        &mut self,
        range: std::ops::Range<usize>,
        out: &mut TextBuilder,
        split: bool,
        depth: usize,
    ) -> usize {
        let t = self.text;
        let v = t.value.as_bytes();
        let end = range.end.min(v.len());
        let mut i = range.start;
        while i < end {
            let c = v[i];
            if split && c.is_ascii_whitespace() {
                break;
            }
            if c == self.escape {
                let n = char_len(&t.value, i + 1, end);
                if n == 0 {
                    // An escape at the end of the word is dropped.
                    i += 1;
                } else {
                    out.push_text(t, i + 1..i + 1 + n);
                    i += 1 + n;
                }
                continue;
            }
            if c == b'\'' {
                match (i + 1..end).find(|&j| v[j] == b'\'') {
                    Some(close) => {
                        out.push_text(t, i + 1..close);
                        i = close + 1;
                    }
                    None => {
                        out.push_text(t, i + 1..end);
                        i = end;
                    }
                }
                continue;
            }
            if c == b'"' {
                i = self.double_quoted(i + 1, end, out, depth);
                continue;
            }
            if c == b'$' && self.substitute {
                let before = out.value().len();
                i = self.dollar(i, end, out, depth);
                if split {
                    self.record_breaks(out.value(), before);
                }
                continue;
            }
            let n = char_len(&t.value, i, end).max(1);
            out.push_text(t, i..i + n);
            i += n;
        }
        i
    }

    /// Records the whitespace runs of `value[from..]` as word breaks.
    fn record_breaks(&mut self, value: &str, from: usize) {
        let b = value.as_bytes();
        let mut i = from;
        while i < b.len() {
            if b[i].is_ascii_whitespace() {
                let start = i;
                while i < b.len() && b[i].is_ascii_whitespace() {
                    i += 1;
                }
                self.breaks.push((start, i));
            } else {
                i += 1;
            }
        }
    }

    fn double_quoted(
        &mut self,
        from: usize,
        end: usize,
        out: &mut TextBuilder,
        depth: usize,
    ) -> usize {
        let t = self.text;
        let v = t.value.as_bytes();
        let mut i = from;
        while i < end {
            let c = v[i];
            if c == b'"' {
                return i + 1;
            }
            if c == self.escape
                && i + 1 < end
                && (matches!(v[i + 1], b'"' | b'$') || v[i + 1] == self.escape)
            {
                out.push_text(t, i + 1..i + 2);
                i += 2;
                continue;
            }
            if c == b'$' && self.substitute {
                i = self.dollar(i, end, out, depth);
                continue;
            }
            let n = char_len(&t.value, i, end).max(1);
            out.push_text(t, i..i + n);
            i += n;
        }
        end
    }

    /// `$` at `i`: a variable reference or a literal `$`.
    fn dollar(&mut self, i: usize, end: usize, out: &mut TextBuilder, depth: usize) -> usize {
        let t = self.text;
        let v = t.value.as_bytes();
        let is_name = |c: u8| c == b'_' || c.is_ascii_alphanumeric();
        match v.get(i + 1) {
            Some(b'{') if i + 1 < end => {
                let Some(close) = matching_brace(v, i + 2, end) else {
                    out.push_text(t, i..end);
                    return end;
                };
                let name_end = (i + 2..close).find(|&j| !is_name(v[j])).unwrap_or(close);
                let name = &t.value[i + 2..name_end];
                let whole = i..close + 1;
                if name.is_empty() {
                    out.push_text(t, whole);
                    return close + 1;
                }
                let op = &t.value[name_end..close];
                let (modifier, arg) = if op.is_empty() {
                    ("", name_end..name_end)
                } else if let Some(m) = [":-", ":+", ":?", "-", "+", "?"]
                    .iter()
                    .find(|m| op.starts_with(**m))
                {
                    (*m, name_end + m.len()..close)
                } else {
                    // `${VAR#pattern}` and friends: not evaluated here.
                    self.unresolved_ref(name, whole.clone());
                    out.push_text(t, whole);
                    return close + 1;
                };
                match self.vars.get(name) {
                    Some(Some(value)) => {
                        let value = value.clone();
                        let use_arg = match modifier {
                            ":-" => value.value.is_empty(),
                            ":+" => !value.value.is_empty(),
                            "+" => true,
                            _ => false,
                        };
                        if use_arg {
                            if depth < 16 {
                                self.word(arg, out, false, depth + 1);
                            }
                        } else {
                            out.push_text(&value, 0..value.value.len());
                        }
                    }
                    _ => {
                        self.unresolved_ref(name, whole.clone());
                        out.push_text(t, whole);
                    }
                }
                close + 1
            }
            Some(&c) if i + 1 < end && is_name(c) => {
                let name_end = (i + 1..end).find(|&j| !is_name(v[j])).unwrap_or(end);
                let name = &t.value[i + 1..name_end];
                match self.vars.get(name) {
                    Some(Some(value)) => {
                        let value = value.clone();
                        out.push_text(&value, 0..value.value.len());
                    }
                    _ => {
                        self.unresolved_ref(name, i..name_end);
                        out.push_text(t, i..name_end);
                    }
                }
                name_end
            }
            _ => {
                out.push_text(t, i..i + 1);
                i + 1
            }
        }
    }

    fn unresolved_ref(&mut self, name: &str, range: std::ops::Range<usize>) {
        let span = self.text.span_of(range);
        if !self.unresolved.iter().any(|u| u.span == span) {
            self.unresolved.push(Spanned::new(name.to_owned(), span));
        }
    }
}

/// Byte length of the char at `i` (0 at or past `end`).
fn char_len(s: &str, i: usize, end: usize) -> usize {
    if i >= end {
        return 0;
    }
    s.get(i..)
        .and_then(|r| r.chars().next())
        .map_or(1, char::len_utf8)
}

/// The `}` closing a `${` whose content starts at `from`.
fn matching_brace(v: &[u8], from: usize, end: usize) -> Option<usize> {
    let mut depth = 1usize;
    let mut i = from;
    while i < end {
        match v[i] {
            b'{' if i > 0 && v[i - 1] == b'$' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// A JSON array of strings (Docker's exec form), each string with its map
/// to the file. `None` when the text is not exactly such an array.
#[must_use]
pub fn parse_json_array(t: &Text) -> Option<Vec<Text>> {
    let v = t.value.as_bytes();
    let ws = |i: &mut usize| {
        while *i < v.len() && matches!(v[*i], b' ' | b'\t' | b'\n' | b'\r') {
            *i += 1;
        }
    };
    let mut i = 0;
    ws(&mut i);
    if v.get(i) != Some(&b'[') {
        return None;
    }
    i += 1;
    ws(&mut i);
    let mut out = Vec::new();
    if v.get(i) == Some(&b']') {
        i += 1;
    } else {
        loop {
            ws(&mut i);
            if v.get(i) != Some(&b'"') {
                return None;
            }
            let start = i;
            let mut b = TextBuilder::new(t.span.file);
            i += 1;
            loop {
                let c = *v.get(i)?;
                match c {
                    b'"' => break,
                    b'\\' => {
                        let (ch, len) = json_escape(&v[i..])?;
                        let mut buf = [0u8; 4];
                        b.push_mapped(ch.encode_utf8(&mut buf), t.span_of(i..i + len));
                        i += len;
                    }
                    0..=0x1f => return None,
                    _ => {
                        let n = char_len(&t.value, i, v.len()).max(1);
                        b.push_text(t, i..i + n);
                        i += n;
                    }
                }
            }
            i += 1;
            out.push(b.finish(t.span_of(start..i), Style::DoubleQuoted));
            ws(&mut i);
            match v.get(i) {
                Some(b',') => i += 1,
                Some(b']') => {
                    i += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    ws(&mut i);
    (i == v.len()).then_some(out)
}

/// One JSON string escape at the start of `s`: the char and the escape's length.
fn json_escape(s: &[u8]) -> Option<(char, usize)> {
    let simple = match s.get(1)? {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let hex = |at: usize| -> Option<u32> {
                let h = std::str::from_utf8(s.get(at..at + 4)?).ok()?;
                u32::from_str_radix(h, 16).ok()
            };
            let hi = hex(2)?;
            if (0xD800..0xDC00).contains(&hi)
                && s.get(6) == Some(&b'\\')
                && s.get(7) == Some(&b'u')
                && let Some(lo) = hex(8).filter(|lo| (0xDC00..0xE000).contains(lo))
            {
                let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                return char::from_u32(c).map(|c| (c, 12));
            }
            // A lone surrogate decodes to U+FFFD, as Go's encoding/json does.
            return Some((char::from_u32(hi).unwrap_or('\u{fffd}'), 6));
        }
        _ => return None,
    };
    Some((simple, 2))
}
