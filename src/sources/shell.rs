//! Span-keeping word splitting for command lines found inside other files:
//! YAML scalars, Dockerfile instructions, Procfiles, `sh -c "..."` strings and
//! shell scripts.
//!
//! Every [`Word`] remembers, run by run, where its characters came from, so a
//! byte range of the *unquoted* text maps back to the file even through quotes,
//! escapes and nested `sh -c "..."` strings. The caller supplies the mapping
//! from byte ranges of the input string to file spans (identity plus offset
//! for plain files; something cleverer for decoded YAML scalars).
//!
//! Two grammars:
//! - [`split_words`]: Python `shlex.split` (POSIX mode), which gunicorn uses for
//!   `GUNICORN_CMD_ARGS`; also the rule for compose string `command:`.
//! - [`parse_script`]: enough of the POSIX shell grammar to find simple
//!   commands in `sh -c` strings and entrypoint scripts.
//!
//! Neither expands anything: `$VAR` stays in the text and is flagged.

use std::ops::Range;

use crate::span::Span;

/// Nesting limit for `sh -c` inside `sh -c` and for compound commands.
const MAX_DEPTH: usize = 256;

/// A run of a word's text and the file span it came from.
#[derive(Clone, Debug, PartialEq)]
struct Segment {
    /// Byte range in [`Word::text`].
    text: Range<usize>,
    span: Span,
    /// Byte `i` of the run is byte `i` of `span` (the characters are literal in the file).
    exact: bool,
}

/// One word after quote removal, with its file span and a map from its text
/// back to the file.
#[derive(Clone, Debug, PartialEq)]
pub struct Word {
    /// The word after quote and escape removal (expansions are kept verbatim).
    pub text: String,
    /// Span of the whole word in the file, quotes included.
    pub span: Span,
    segments: Vec<Segment>,
    /// Byte ranges of `text` holding `$VAR`, `${...}`, `$(...)` or `` `...` ``.
    expansions: Vec<Range<usize>>,
    quoted: bool,
}

impl Word {
    /// A word whose text is written literally at `span` (no quotes, no escapes)
    /// when the lengths agree; otherwise every sub-range maps to all of `span`.
    #[must_use]
    pub fn new(text: impl Into<String>, span: Span) -> Word {
        let text = text.into();
        let exact = text.len() == span.len();
        let segments = if text.is_empty() {
            Vec::new()
        } else {
            vec![Segment {
                text: 0..text.len(),
                span,
                exact,
            }]
        };
        Word {
            text,
            span,
            segments,
            expansions: Vec::new(),
            quoted: false,
        }
    }

    /// A word whose text is a decoded string (e.g. a YAML scalar) and `map`
    /// maps byte ranges of that string to the file.
    #[must_use]
    pub fn from_mapped(text: &str, map: &dyn Fn(Range<usize>) -> Span) -> Word {
        let mut b = Builder::new(0);
        for (i, c) in text.char_indices() {
            b.literal(c, i);
        }
        b.end = text.len();
        b.finish(map)
    }

    /// Maps a byte range of `self.text` to a file span: exact where the
    /// characters are literal in the file, otherwise the smallest span covering
    /// the quoted or escaped source of the range.
    #[must_use]
    pub fn span_of(&self, text_range: Range<usize>) -> Span {
        let end = text_range.end.min(self.text.len());
        let start = text_range.start.min(end);
        if self.segments.is_empty() {
            return self.span;
        }
        if start == end {
            for seg in &self.segments {
                if seg.text.start <= start && start <= seg.text.end {
                    return if seg.exact {
                        let off = start - seg.text.start;
                        seg.span.sub(off, off)
                    } else {
                        seg.span.sub(0, 0)
                    };
                }
            }
            return self.span;
        }
        let mut out: Option<Span> = None;
        // Segments are in text order: skip to the first one ending after `start`.
        let first = self.segments.partition_point(|s| s.text.end <= start);
        for seg in self.segments.get(first..).unwrap_or_default() {
            if seg.text.start >= end {
                break;
            }
            let piece = if seg.exact {
                let a = start.max(seg.text.start) - seg.text.start;
                let b = end.min(seg.text.end) - seg.text.start;
                seg.span.sub(a, b)
            } else {
                seg.span
            };
            out = Some(match out {
                None => piece,
                Some(o) => o.to(piece),
            });
        }
        out.unwrap_or(self.span)
    }

    /// True when the word contained an unquoted or double-quoted `$VAR`,
    /// `${VAR}`, `$(...)` or `` `...` `` (kept verbatim in `text`).
    #[must_use]
    pub fn has_expansion(&self) -> bool {
        !self.expansions.is_empty()
    }

    /// Byte ranges of `text` that are expansions.
    #[must_use]
    pub fn expansions(&self) -> &[Range<usize>] {
        &self.expansions
    }

    /// True when quotes or backslashes were removed from the word.
    #[must_use]
    pub fn is_quoted(&self) -> bool {
        self.quoted
    }

    /// True when `text` is written as-is in the file at `span`.
    #[must_use]
    pub fn is_literal(&self) -> bool {
        !self.quoted
            && self.segments.len() == 1
            && self.segments.first().is_some_and(|s| s.exact)
            && self.span.len() == self.text.len()
    }

    /// The sub-word at `text_range` (clamped to char boundaries of `text`),
    /// keeping the map to the file.
    #[must_use]
    pub fn slice(&self, text_range: Range<usize>) -> Word {
        let mut end = text_range.end.min(self.text.len());
        while end > 0 && !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let mut start = text_range.start.min(end);
        while start > 0 && !self.text.is_char_boundary(start) {
            start -= 1;
        }
        let text = self.text.get(start..end).unwrap_or_default().to_string();
        let mut segments = Vec::new();
        for seg in &self.segments {
            if seg.text.start >= end || seg.text.end <= start {
                continue;
            }
            let a = start.max(seg.text.start);
            let b = end.min(seg.text.end);
            let span = if seg.exact {
                seg.span.sub(a - seg.text.start, b - seg.text.start)
            } else {
                seg.span
            };
            segments.push(Segment {
                text: a - start..b - start,
                span,
                exact: seg.exact,
            });
        }
        let expansions = self
            .expansions
            .iter()
            .filter(|r| r.start < end && r.end > start)
            .map(|r| r.start.max(start) - start..r.end.min(end) - start)
            .collect();
        Word {
            text,
            span: self.span_of(start..end),
            segments,
            expansions,
            quoted: self.quoted,
        }
    }
}

/// A syntax error in a command line (unclosed quote, trailing escape).
#[derive(Clone, Debug, PartialEq)]
pub struct ShellError {
    pub message: String,
    pub span: Span,
}

/// Collects one word's text and where each byte came from (input offsets).
struct Builder {
    text: String,
    /// (text range, input range, exact)
    runs: Vec<(Range<usize>, Range<usize>, bool)>,
    expansions: Vec<Range<usize>>,
    quoted: bool,
    /// Input range of the whole word.
    start: usize,
    end: usize,
}

impl Builder {
    fn new(start: usize) -> Self {
        Builder {
            text: String::new(),
            runs: Vec::new(),
            expansions: Vec::new(),
            quoted: false,
            start,
            end: start,
        }
    }

    /// `c` copied from input offset `at`.
    fn literal(&mut self, c: char, at: usize) {
        let t = self.text.len();
        self.text.push(c);
        let n = c.len_utf8();
        if let Some((tr, ir, true)) = self.runs.last_mut()
            && tr.end == t
            && ir.end == at
        {
            tr.end += n;
            ir.end += n;
            return;
        }
        self.runs.push((t..t + n, at..at + n, true));
    }

    /// `s` produced by the input bytes `input` (an escape sequence).
    fn synthetic(&mut self, s: &str, input: Range<usize>) {
        if s.is_empty() {
            return;
        }
        let t = self.text.len();
        self.text.push_str(s);
        self.runs.push((t..t + s.len(), input, false));
    }

    fn finish(self, map: &dyn Fn(Range<usize>) -> Span) -> Word {
        let mut segments: Vec<Segment> = Vec::new();
        for (tr, ir, exact) in self.runs {
            if !exact {
                push_segment(&mut segments, tr, map(ir), false);
                continue;
            }
            // Map byte by byte so a mapper that is not linear inside the run
            // (a decoded YAML escape, an outer quoted string) stays exact.
            for k in 0..tr.len() {
                let s = map(ir.start + k..ir.start + k + 1);
                let t = tr.start + k;
                push_segment(&mut segments, t..t + 1, s, s.len() == 1);
            }
        }
        Word {
            text: self.text,
            span: map(self.start..self.end),
            segments,
            expansions: self.expansions,
            quoted: self.quoted,
        }
    }
}

fn push_segment(segments: &mut Vec<Segment>, text: Range<usize>, span: Span, exact: bool) {
    if let Some(last) = segments.last_mut()
        && last.text.end == text.start
        && last.span.file == span.file
    {
        if exact && last.exact && last.span.end == span.start {
            last.text.end = text.end;
            last.span.end = span.end;
            return;
        }
        if !exact && !last.exact && last.span == span {
            last.text.end = text.end;
            return;
        }
    }
    segments.push(Segment { text, span, exact });
}

/// Characters of the input with their byte offsets.
struct Chars<'a> {
    input: &'a str,
    cs: Vec<(usize, char)>,
}

impl<'a> Chars<'a> {
    fn new(input: &'a str) -> Self {
        Chars {
            input,
            cs: input.char_indices().collect(),
        }
    }
    fn at(&self, i: usize) -> Option<char> {
        self.cs.get(i).map(|&(_, c)| c)
    }
    fn pos(&self, i: usize) -> usize {
        self.cs.get(i).map_or(self.input.len(), |&(p, _)| p)
    }
    fn len(&self) -> usize {
        self.cs.len()
    }
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Python `shlex.split(s)` (posix=True, no comments): words split on
/// `' \t\r\n'`, `'...'` literal, `"..."` where `\` escapes only `"` and `\`,
/// `\x` outside quotes gives `x` (a backslash-newline gives a newline).
/// `$VAR` is not expanded but flagged ([`Word::has_expansion`]).
///
/// # Errors
/// `No closing quotation` / `No escaped character`, as Python raises them.
pub fn split_words(
    input: &str,
    map: &dyn Fn(Range<usize>) -> Span,
) -> Result<Vec<Word>, ShellError> {
    let ch = Chars::new(input);
    let mut words = Vec::new();
    let mut i = 0;
    let is_ws = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
    loop {
        while ch.at(i).is_some_and(is_ws) {
            i += 1;
        }
        if i >= ch.len() {
            break;
        }
        let mut b = Builder::new(ch.pos(i));
        while let Some(c) = ch.at(i) {
            if is_ws(c) {
                break;
            }
            match c {
                '\'' | '"' => {
                    b.quoted = true;
                    let open = i;
                    i += 1;
                    loop {
                        let Some(c2) = ch.at(i) else {
                            return Err(ShellError {
                                message: "No closing quotation".into(),
                                span: map(ch.pos(open)..input.len()),
                            });
                        };
                        if c2 == c {
                            i += 1;
                            break;
                        }
                        if c == '"' && c2 == '\\' {
                            match ch.at(i + 1) {
                                None => {
                                    return Err(ShellError {
                                        message: "No escaped character".into(),
                                        span: map(ch.pos(i)..input.len()),
                                    });
                                }
                                Some(c3 @ ('"' | '\\')) => {
                                    let mut buf = [0u8; 4];
                                    b.synthetic(c3.encode_utf8(&mut buf), ch.pos(i)..ch.pos(i + 2));
                                }
                                Some(c3) => {
                                    b.literal('\\', ch.pos(i));
                                    b.literal(c3, ch.pos(i + 1));
                                }
                            }
                            i += 2;
                            continue;
                        }
                        if c == '"' {
                            flag_expansion(&ch, i, &mut b);
                        }
                        b.literal(c2, ch.pos(i));
                        i += 1;
                    }
                }
                '\\' => {
                    b.quoted = true;
                    let Some(c2) = ch.at(i + 1) else {
                        return Err(ShellError {
                            message: "No escaped character".into(),
                            span: map(ch.pos(i)..input.len()),
                        });
                    };
                    let mut buf = [0u8; 4];
                    b.synthetic(c2.encode_utf8(&mut buf), ch.pos(i)..ch.pos(i + 2));
                    i += 2;
                }
                _ => {
                    flag_expansion(&ch, i, &mut b);
                    b.literal(c, ch.pos(i));
                    i += 1;
                }
            }
        }
        b.end = ch.pos(i);
        words.push(b.finish(map));
    }
    Ok(words)
}

/// In shlex mode expansions are only flagged: `$` followed by a name start,
/// `{`, `(` or a special parameter, or a backtick, starts one.
fn flag_expansion(ch: &Chars<'_>, i: usize, b: &mut Builder) {
    let Some(c) = ch.at(i) else { return };
    let starts = match c {
        '`' => true,
        '$' => ch
            .at(i + 1)
            .is_some_and(|n| is_name_start(n) || n.is_ascii_digit() || "{(@*#?$!-".contains(n)),
        _ => false,
    };
    if starts {
        let t = b.text.len();
        let mut n = 1;
        while ch.at(i + n).is_some_and(is_name_char) {
            n += 1;
        }
        let len: usize = (0..n)
            .filter_map(|k| ch.at(i + k))
            .map(char::len_utf8)
            .sum();
        b.expansions.push(t..t + len.max(1));
    }
}

// ---------------------------------------------------------------------------
// Shell scripts
// ---------------------------------------------------------------------------

/// One simple command of a script: `VAR=x exec prog arg...`.
#[derive(Clone, Debug, PartialEq)]
pub struct SimpleCommand {
    /// Leading `NAME=value` words (the value as a sub-word, quotes removed).
    pub assignments: Vec<(String, Word)>,
    /// Program and arguments (without `exec`, assignments and redirections).
    pub words: Vec<Word>,
    /// The command was prefixed with `exec` (it replaces the shell).
    pub exec: bool,
    /// The command ended with `&` (runs in the background).
    pub background: bool,
    /// Enclosing compound commands, outermost first: `"if"`, `"while"`,
    /// `"until"`, `"for"`, `"case"`, `"function"`, `"subshell"`, `"{"`.
    /// Empty for a command at the top level of the script (always runs, unless
    /// an earlier `&&`/`||` or `exit` intervenes).
    pub within: Vec<&'static str>,
}

#[derive(Debug)]
enum Tok {
    Word(Word, WordInfo),
    Op(&'static str),
    Newline,
}

#[derive(Debug, Clone, Copy, Default)]
struct WordInfo {
    /// Unquoted, unescaped, no expansion: may be a reserved word.
    plain: bool,
    /// `NAME=` prefix written unquoted: the byte length of `NAME`.
    assign_name: Option<usize>,
}

const OPERATORS: &[&str] = &[
    ";;&", "<<-", "&>>", "<<<", "&&", "||", ";;", ";&", "|&", "<<", ">>", "<&", ">&", "<>", ">|",
    "&>", ";", "&", "|", "<", ">", "(", ")",
];

fn is_redirection(op: &str) -> bool {
    matches!(
        op,
        "<<-" | "&>>" | "<<<" | "<<" | ">>" | "<&" | ">&" | "<>" | ">|" | "&>" | "<" | ">"
    )
}

struct Lexer<'a, 'm> {
    ch: Chars<'a>,
    i: usize,
    map: &'m dyn Fn(Range<usize>) -> Span,
    /// Here-documents whose bodies start after the next newline: (delimiter, strip tabs).
    pending_heredocs: Vec<(String, bool)>,
    /// The next word is a here-document delimiter (`<<-` when true).
    heredoc_next: Option<bool>,
}

impl Lexer<'_, '_> {
    fn err(&self, message: &str, from: usize) -> ShellError {
        ShellError {
            message: message.into(),
            span: (self.map)(self.ch.pos(from)..self.ch.input.len()),
        }
    }

    fn next(&mut self) -> Result<Option<Tok>, ShellError> {
        loop {
            let Some(c) = self.ch.at(self.i) else {
                return Ok(None);
            };
            match c {
                ' ' | '\t' => self.i += 1,
                '\\' if self.ch.at(self.i + 1) == Some('\n') => self.i += 2,
                '#' => {
                    while self.ch.at(self.i).is_some_and(|c| c != '\n') {
                        self.i += 1;
                    }
                }
                '\n' => {
                    self.i += 1;
                    self.skip_heredoc_bodies();
                    return Ok(Some(Tok::Newline));
                }
                _ => break,
            }
        }
        // An all-digit word directly followed by `<` or `>` is a file descriptor number.
        let mut k = self.i;
        while self.ch.at(k).is_some_and(|c| c.is_ascii_digit()) {
            k += 1;
        }
        if k > self.i && matches!(self.ch.at(k), Some('<' | '>')) {
            self.i = k;
        }
        for op in OPERATORS {
            if self.starts_with(op) {
                self.i += op.chars().count();
                if *op == "<<" || *op == "<<-" {
                    self.heredoc_next = Some(*op == "<<-");
                }
                return Ok(Some(Tok::Op(op)));
            }
        }
        let (word, info) = self.word()?;
        if let Some(strip) = self.heredoc_next.take() {
            self.pending_heredocs.push((word.text.clone(), strip));
        }
        Ok(Some(Tok::Word(word, info)))
    }

    fn starts_with(&self, s: &str) -> bool {
        s.chars()
            .enumerate()
            .all(|(k, c)| self.ch.at(self.i + k) == Some(c))
    }

    fn skip_heredoc_bodies(&mut self) {
        for (delim, strip) in std::mem::take(&mut self.pending_heredocs) {
            loop {
                if self.i >= self.ch.len() {
                    return;
                }
                let line_start = self.i;
                while self.ch.at(self.i).is_some_and(|c| c != '\n') {
                    self.i += 1;
                }
                let text = self
                    .ch
                    .input
                    .get(self.ch.pos(line_start)..self.ch.pos(self.i))
                    .unwrap_or_default();
                let text = if strip {
                    text.trim_start_matches('\t')
                } else {
                    text
                };
                if self.ch.at(self.i) == Some('\n') {
                    self.i += 1;
                }
                if text == delim {
                    break;
                }
            }
        }
    }

    fn word(&mut self) -> Result<(Word, WordInfo), ShellError> {
        let mut b = Builder::new(self.ch.pos(self.i));
        let mut plain = true;
        let start = self.i;
        while let Some(c) = self.ch.at(self.i) {
            if matches!(
                c,
                ' ' | '\t' | '\n' | ';' | '&' | '|' | '<' | '>' | '(' | ')'
            ) {
                break;
            }
            match c {
                '\\' => {
                    plain = false;
                    b.quoted = true;
                    match self.ch.at(self.i + 1) {
                        Some('\n') => self.i += 2,
                        None => {
                            b.literal('\\', self.ch.pos(self.i));
                            self.i += 1;
                        }
                        Some(c2) => {
                            let mut buf = [0u8; 4];
                            b.synthetic(
                                c2.encode_utf8(&mut buf),
                                self.ch.pos(self.i)..self.ch.pos(self.i + 2),
                            );
                            self.i += 2;
                        }
                    }
                }
                '\'' => {
                    plain = false;
                    b.quoted = true;
                    let open = self.i;
                    self.i += 1;
                    loop {
                        match self.ch.at(self.i) {
                            None => return Err(self.err("unterminated single quote", open)),
                            Some('\'') => {
                                self.i += 1;
                                break;
                            }
                            Some(c2) => {
                                b.literal(c2, self.ch.pos(self.i));
                                self.i += 1;
                            }
                        }
                    }
                }
                '"' => {
                    plain = false;
                    b.quoted = true;
                    self.double_quoted(&mut b)?;
                }
                '$' | '`' => {
                    if self.dollar(&mut b)? {
                        plain = false;
                    }
                }
                _ => {
                    b.literal(c, self.ch.pos(self.i));
                    self.i += 1;
                }
            }
        }
        b.end = self.ch.pos(self.i);
        let mut info = WordInfo {
            plain,
            assign_name: None,
        };
        // `NAME=` must be written literally at the start of the word.
        let mut k = start;
        if self.ch.at(k).is_some_and(is_name_start) {
            while self.ch.at(k).is_some_and(is_name_char) {
                k += 1;
            }
            if self.ch.at(k) == Some('=') {
                let n = self.ch.pos(k) - self.ch.pos(start);
                if b.text.get(..n).is_some() && b.text.as_bytes().get(n) == Some(&b'=') {
                    info.assign_name = Some(n);
                }
            }
        }
        Ok((b.finish(self.map), info))
    }

    /// Inside `"..."`: `\` escapes only `$ \` " \` and newline.
    fn double_quoted(&mut self, b: &mut Builder) -> Result<(), ShellError> {
        let open = self.i;
        self.i += 1;
        loop {
            match self.ch.at(self.i) {
                None => return Err(self.err("unterminated double quote", open)),
                Some('"') => {
                    self.i += 1;
                    return Ok(());
                }
                Some('\\') => match self.ch.at(self.i + 1) {
                    Some('\n') => self.i += 2,
                    Some(c2 @ ('$' | '`' | '"' | '\\')) => {
                        let mut buf = [0u8; 4];
                        b.synthetic(
                            c2.encode_utf8(&mut buf),
                            self.ch.pos(self.i)..self.ch.pos(self.i + 2),
                        );
                        self.i += 2;
                    }
                    _ => {
                        b.literal('\\', self.ch.pos(self.i));
                        self.i += 1;
                    }
                },
                Some('$' | '`') => {
                    self.dollar(b)?;
                }
                Some(c) => {
                    b.literal(c, self.ch.pos(self.i));
                    self.i += 1;
                }
            }
        }
    }

    /// At `$` or a backtick: copies an expansion verbatim and records it.
    /// Returns true when something other than a literal `$` was read.
    fn dollar(&mut self, b: &mut Builder) -> Result<bool, ShellError> {
        let start = self.i;
        let c = self.ch.at(start);
        let next = self.ch.at(start + 1);
        let end = match (c, next) {
            (Some('`'), _) => self.scan_backtick(start)?,
            (Some('$'), Some('{')) => self.scan_balanced(start + 1, '{', '}')?,
            (Some('$'), Some('(')) => self.scan_balanced(start + 1, '(', ')')?,
            (Some('$'), Some('\'')) => {
                self.ansi_c(b)?;
                return Ok(true);
            }
            (Some('$'), Some(n)) if is_name_start(n) => {
                let mut k = start + 1;
                while self.ch.at(k).is_some_and(is_name_char) {
                    k += 1;
                }
                k
            }
            (Some('$'), Some(n)) if n.is_ascii_digit() || "@*#?$!-".contains(n) => start + 2,
            _ => {
                if let Some(c) = c {
                    b.literal(c, self.ch.pos(start));
                }
                self.i = start + 1;
                return Ok(false);
            }
        };
        let t = b.text.len();
        for k in start..end {
            if let Some(c) = self.ch.at(k) {
                b.literal(c, self.ch.pos(k));
            }
        }
        b.expansions.push(t..b.text.len());
        self.i = end;
        Ok(true)
    }

    /// `open_at` is the index of the opening bracket; returns the index after the match.
    fn scan_balanced(&self, open_at: usize, open: char, close: char) -> Result<usize, ShellError> {
        let mut depth = 0usize;
        let mut k = open_at;
        while let Some(c) = self.ch.at(k) {
            match c {
                '\\' => k += 1,
                '\'' if open == '(' => {
                    k += 1;
                    while self.ch.at(k).is_some_and(|c| c != '\'') {
                        k += 1;
                    }
                }
                '"' => {
                    k += 1;
                    while let Some(c2) = self.ch.at(k) {
                        if c2 == '\\' {
                            k += 1;
                        } else if c2 == '"' {
                            break;
                        }
                        k += 1;
                    }
                }
                c if c == open => depth += 1,
                c if c == close => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Ok(k + 1);
                    }
                }
                _ => {}
            }
            k += 1;
        }
        Err(self.err(&format!("unterminated `{open}`"), open_at))
    }

    fn scan_backtick(&self, start: usize) -> Result<usize, ShellError> {
        let mut k = start + 1;
        while let Some(c) = self.ch.at(k) {
            match c {
                '\\' => k += 2,
                '`' => return Ok(k + 1),
                _ => k += 1,
            }
        }
        Err(self.err("unterminated backquote", start))
    }

    /// bash `$'...'`: the common backslash escapes are decoded.
    fn ansi_c(&mut self, b: &mut Builder) -> Result<(), ShellError> {
        let open = self.i;
        b.quoted = true;
        self.i += 2;
        loop {
            match self.ch.at(self.i) {
                None => return Err(self.err("unterminated $'...'", open)),
                Some('\'') => {
                    self.i += 1;
                    return Ok(());
                }
                Some('\\') => {
                    let decoded = match self.ch.at(self.i + 1) {
                        Some('n') => "\n",
                        Some('t') => "\t",
                        Some('r') => "\r",
                        Some('\\') => "\\",
                        Some('\'') => "'",
                        Some('"') => "\"",
                        Some('e' | 'E') => "\u{1b}",
                        Some('a') => "\u{7}",
                        _ => "\\",
                    };
                    let n = if decoded == "\\" && self.ch.at(self.i + 1) != Some('\\') {
                        1
                    } else {
                        2
                    };
                    b.synthetic(decoded, self.ch.pos(self.i)..self.ch.pos(self.i + n));
                    self.i += n;
                }
                Some(c) => {
                    b.literal(c, self.ch.pos(self.i));
                    self.i += 1;
                }
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    Normal,
    /// After `for NAME`: words up to the next `;` or newline are the loop list.
    ForHeader,
    /// After `case`: subject (0) then `in` (1).
    CaseHeader(u8),
    /// Reading a `case` pattern up to `)`.
    CasePattern,
    /// After `function`: the name comes next.
    FunctionName,
}

#[derive(Default)]
struct Current {
    assignments: Vec<(String, Word)>,
    words: Vec<Word>,
    exec: bool,
    /// `exec -a NAME`: the next word is the name.
    exec_arg: bool,
}

impl Current {
    fn is_empty(&self) -> bool {
        self.assignments.is_empty() && self.words.is_empty() && !self.exec
    }
}

struct ScriptParser {
    commands: Vec<SimpleCommand>,
    cur: Current,
    ctx: Vec<&'static str>,
    /// Compound commands deeper than [`MAX_DEPTH`] are counted, not tracked.
    overflow: usize,
    mode: Mode,
    redirect_target: bool,
    /// `name (` seen: a function definition if `)` follows.
    fn_paren: bool,
}

impl ScriptParser {
    fn push_ctx(&mut self, c: &'static str) {
        if self.ctx.len() >= MAX_DEPTH {
            self.overflow += 1;
        } else {
            self.ctx.push(c);
        }
    }

    fn pop_ctx(&mut self, accept: &[&str]) {
        if self.overflow > 0 {
            self.overflow -= 1;
            return;
        }
        if self.ctx.last().is_some_and(|c| accept.contains(c)) {
            self.ctx.pop();
        }
    }

    fn flush(&mut self, background: bool) {
        let cur = std::mem::take(&mut self.cur);
        if cur.words.is_empty() && cur.assignments.is_empty() {
            return;
        }
        self.commands.push(SimpleCommand {
            assignments: cur.assignments,
            words: cur.words,
            exec: cur.exec,
            background,
            within: self.ctx.clone(),
        });
    }

    fn word(&mut self, w: Word, info: WordInfo) {
        if self.redirect_target {
            self.redirect_target = false;
            return;
        }
        let reserved = if info.plain { w.text.as_str() } else { "" };
        match self.mode {
            Mode::CaseHeader(0) => {
                self.mode = Mode::CaseHeader(1);
                return;
            }
            Mode::CaseHeader(_) => {
                self.mode = Mode::CasePattern;
                return;
            }
            Mode::CasePattern => {
                if reserved == "esac" {
                    self.pop_ctx(&["case"]);
                    self.mode = Mode::Normal;
                }
                return;
            }
            Mode::ForHeader => return,
            Mode::FunctionName => {
                self.mode = Mode::Normal;
                return;
            }
            Mode::Normal => {}
        }
        if self.cur.is_empty() {
            match reserved {
                "if" | "while" | "until" => {
                    self.push_ctx(match reserved {
                        "if" => "if",
                        "while" => "while",
                        _ => "until",
                    });
                    return;
                }
                "then" | "do" | "else" | "elif" | "!" | "time" => return,
                "fi" => {
                    self.pop_ctx(&["if"]);
                    return;
                }
                "done" => {
                    self.pop_ctx(&["while", "until", "for"]);
                    return;
                }
                "{" => {
                    self.push_ctx("{");
                    return;
                }
                "}" => {
                    self.pop_ctx(&["{"]);
                    self.pop_ctx(&["function"]);
                    return;
                }
                "for" | "select" => {
                    self.push_ctx("for");
                    self.mode = Mode::ForHeader;
                    return;
                }
                "case" => {
                    self.push_ctx("case");
                    self.mode = Mode::CaseHeader(0);
                    return;
                }
                "esac" => {
                    self.pop_ctx(&["case"]);
                    return;
                }
                "function" => {
                    self.push_ctx("function");
                    self.mode = Mode::FunctionName;
                    return;
                }
                _ => {}
            }
        }
        if self.cur.words.is_empty() {
            if self.cur.exec_arg {
                self.cur.exec_arg = false;
                return;
            }
            if !self.cur.exec
                && let Some(n) = info.assign_name
            {
                let name = w.text.get(..n).unwrap_or_default().to_string();
                let value = w.slice(n + 1..w.text.len());
                self.cur.assignments.push((name, value));
                return;
            }
            if reserved == "exec" && !self.cur.exec {
                self.cur.exec = true;
                return;
            }
            if self.cur.exec && info.plain {
                match reserved {
                    "-c" | "-l" | "-cl" | "-lc" | "--" => return,
                    "-a" => {
                        self.cur.exec_arg = true;
                        return;
                    }
                    _ => {}
                }
            }
        }
        self.fn_paren = false;
        self.cur.words.push(w);
    }

    fn op(&mut self, op: &'static str) {
        if is_redirection(op) {
            self.redirect_target = true;
            return;
        }
        self.redirect_target = false;
        match self.mode {
            Mode::CasePattern => {
                if op == ")" {
                    self.mode = Mode::Normal;
                }
                return;
            }
            Mode::ForHeader if op == ";" => {
                self.mode = Mode::Normal;
                return;
            }
            Mode::CaseHeader(_) | Mode::ForHeader | Mode::FunctionName => return,
            Mode::Normal => {}
        }
        match op {
            "(" => {
                if self.cur.words.len() == 1 && self.cur.assignments.is_empty() && !self.cur.exec {
                    self.fn_paren = true;
                } else {
                    self.flush(false);
                    self.push_ctx("subshell");
                }
            }
            ")" => {
                if self.fn_paren {
                    self.fn_paren = false;
                    self.cur = Current::default();
                    self.push_ctx("function");
                } else {
                    self.flush(false);
                    self.pop_ctx(&["subshell"]);
                }
            }
            ";;" | ";&" | ";;&" => {
                self.flush(false);
                if self.ctx.last() == Some(&"case") {
                    self.mode = Mode::CasePattern;
                }
            }
            "&" => self.flush(true),
            _ => self.flush(false),
        }
    }

    fn newline(&mut self) {
        self.redirect_target = false;
        match self.mode {
            Mode::ForHeader => self.mode = Mode::Normal,
            Mode::Normal => self.flush(false),
            _ => {}
        }
    }
}

/// Splits a shell script (or an `sh -c` string) into simple commands.
///
/// Control operators `&& || ; | &` and newlines separate commands (with or
/// without surrounding spaces, never inside quotes); `#` comments, line
/// continuations, redirections and here-document bodies are skipped; leading
/// `NAME=value` words become assignments and an `exec` prefix is recorded.
/// Compound commands (`if`, `while`, `for`, `case`, functions, subshells,
/// `{ }`) are looked into: their simple commands are returned with
/// [`SimpleCommand::within`] saying where they sit.
///
/// # Errors
/// An unterminated quote, `$(`, `${` or backquote.
pub fn parse_script(
    input: &str,
    map: &dyn Fn(Range<usize>) -> Span,
) -> Result<Vec<SimpleCommand>, ShellError> {
    let mut lx = Lexer {
        ch: Chars::new(input),
        i: 0,
        map,
        pending_heredocs: Vec::new(),
        heredoc_next: None,
    };
    let mut p = ScriptParser {
        commands: Vec::new(),
        cur: Current::default(),
        ctx: Vec::new(),
        overflow: 0,
        mode: Mode::Normal,
        redirect_target: false,
        fn_paren: false,
    };
    while let Some(tok) = lx.next()? {
        match tok {
            Tok::Word(w, info) => p.word(w, info),
            Tok::Op(op) => p.op(op),
            Tok::Newline => p.newline(),
        }
    }
    if p.mode == Mode::Normal {
        p.flush(false);
    }
    Ok(p.commands)
}

// ---------------------------------------------------------------------------
// Finding an app server inside a command line
// ---------------------------------------------------------------------------

/// An app-server command found inside an argv, possibly behind wrappers.
#[derive(Clone, Debug, PartialEq)]
pub struct Invocation {
    /// The word naming the server (`gunicorn`, `/venv/bin/gunicorn`, or the
    /// module after `python -m`).
    pub program: Word,
    /// Everything after the program.
    pub args: Vec<Word>,
    /// Environment set on the way (`env A=1`, `A=1 cmd`, `export A=1` earlier
    /// in an `sh -c` script), in order.
    pub env: Vec<(String, Word)>,
    /// What was looked through, outermost first, e.g. `["sh -c", "exec"]`.
    pub via: Vec<String>,
    /// True when no shell stays between the caller's argv and the server:
    /// either no shell was looked through, or the innermost shell `exec`s it.
    /// A shell that merely runs the server as its last command may fork
    /// (dash does), so that counts as false.
    pub exec: bool,
    /// The server is started in the background (`gunicorn ... &`) by a shell.
    pub background: bool,
}

#[derive(Clone)]
struct Found {
    env: Vec<(String, Word)>,
    via: Vec<String>,
    exec: bool,
    background: bool,
}

/// Finds the first invocation of one of `programs` (matched by base name,
/// e.g. `"gunicorn"`) in `argv`, looking through shells (`sh -c "..."`,
/// recursively), `exec`, `env`, `VAR=x`, `python -m`, project runners
/// (`poetry run`, `pipenv run`, `uv run`, `pdm run`, `hatch run`, ...),
/// instrumentation wrappers (`ddtrace-run`, `newrelic-admin run-program`,
/// `opentelemetry-instrument`), init processes (`dumb-init`, `tini --`) and
/// user switchers (`gosu`, `su-exec`).
#[must_use]
pub fn find_invocation(argv: &[Word], programs: &[&str]) -> Option<Invocation> {
    let found = Found {
        env: Vec::new(),
        via: Vec::new(),
        exec: true,
        background: false,
    };
    find_in(argv, programs, found, 0)
}

/// [`find_invocation`] over a shell script, as if run by `sh -c` (a
/// Dockerfile shell-form `CMD`, a Procfile line, an entrypoint script).
#[must_use]
pub fn find_invocation_in_script(
    input: &str,
    map: &dyn Fn(Range<usize>) -> Span,
    programs: &[&str],
) -> Option<Invocation> {
    let commands = parse_script(input, map).ok()?;
    let found = Found {
        env: Vec::new(),
        via: Vec::new(),
        exec: false,
        background: false,
    };
    find_in_commands(&commands, programs, found, "sh -c", 0)
}

fn basename(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

fn assignment(w: &Word) -> Option<(String, Word)> {
    let eq = w.text.find('=')?;
    let name = w.text.get(..eq)?;
    let mut cs = name.chars();
    if !cs.next().is_some_and(is_name_start) || !cs.all(is_name_char) {
        return None;
    }
    Some((name.to_string(), w.slice(eq + 1..w.text.len())))
}

/// Wrappers of the form `prog [sub] [options] [N positionals] [--] command...`.
struct Wrapper {
    names: &'static [&'static str],
    /// Required sub-command (`run`), options may precede it.
    sub: Option<&'static str>,
    /// Options that take the next word as their value.
    value_opts: &'static [&'static str],
    /// Positional words before the command (`gosu USER cmd`).
    positionals: usize,
    /// The command follows a mandatory `--`.
    dashdash: bool,
}

const WRAPPERS: &[Wrapper] = &[
    Wrapper {
        names: &["poetry"],
        sub: Some("run"),
        value_opts: &["-C", "--directory", "-P", "--project"],
        positionals: 0,
        dashdash: false,
    },
    Wrapper {
        names: &["pipenv", "rye", "pixi"],
        sub: Some("run"),
        value_opts: &["--python", "-e", "--environment", "--manifest-path"],
        positionals: 0,
        dashdash: false,
    },
    Wrapper {
        names: &["pdm"],
        sub: Some("run"),
        value_opts: &["-p", "--project", "--venv"],
        positionals: 0,
        dashdash: false,
    },
    Wrapper {
        names: &["hatch"],
        sub: Some("run"),
        value_opts: &["-e", "--env"],
        positionals: 0,
        dashdash: false,
    },
    Wrapper {
        names: &["conda", "mamba", "micromamba"],
        sub: Some("run"),
        value_opts: &["-n", "--name", "-p", "--prefix", "--cwd"],
        positionals: 0,
        dashdash: false,
    },
    Wrapper {
        names: &["pipx"],
        sub: Some("run"),
        value_opts: &["--spec", "--python", "--index-url", "--pip-args"],
        positionals: 0,
        dashdash: false,
    },
    Wrapper {
        names: &["uvx"],
        sub: None,
        value_opts: &["--from", "--with", "--python", "-p", "--with-requirements"],
        positionals: 0,
        dashdash: false,
    },
    Wrapper {
        names: &["ddtrace-run"],
        sub: None,
        value_opts: &[],
        positionals: 0,
        dashdash: false,
    },
    Wrapper {
        names: &["newrelic-admin"],
        sub: Some("run-program"),
        value_opts: &[],
        positionals: 0,
        dashdash: false,
    },
    Wrapper {
        names: &["dumb-init"],
        sub: None,
        value_opts: &["-r", "--rewrite"],
        positionals: 0,
        dashdash: false,
    },
    Wrapper {
        names: &["tini", "tini-static", "catatonit"],
        sub: None,
        value_opts: &["-p", "-e"],
        positionals: 0,
        dashdash: false,
    },
    Wrapper {
        names: &["gosu", "su-exec", "setuidgid"],
        sub: None,
        value_opts: &[],
        positionals: 1,
        dashdash: false,
    },
    Wrapper {
        names: &["sudo"],
        sub: None,
        value_opts: &["-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U"],
        positionals: 0,
        dashdash: false,
    },
    Wrapper {
        names: &["nohup", "time"],
        sub: None,
        value_opts: &[],
        positionals: 0,
        dashdash: false,
    },
    Wrapper {
        names: &["nice"],
        sub: None,
        value_opts: &["-n", "--adjustment"],
        positionals: 0,
        dashdash: false,
    },
    Wrapper {
        names: &["doppler", "infisical", "op"],
        sub: Some("run"),
        value_opts: &[],
        positionals: 0,
        dashdash: true,
    },
    Wrapper {
        names: &["chamber", "aws-vault"],
        sub: Some("exec"),
        value_opts: &[],
        positionals: 0,
        dashdash: true,
    },
];

fn find_in(argv: &[Word], programs: &[&str], mut f: Found, depth: usize) -> Option<Invocation> {
    if depth > MAX_DEPTH {
        return None;
    }
    let mut i = 0;
    while let Some(w) = argv.get(i) {
        if let Some(a) = assignment(w) {
            f.env.push(a);
            i += 1;
            continue;
        }
        let base = basename(&w.text);
        if programs.contains(&base) {
            return Some(Invocation {
                program: w.clone(),
                args: argv.get(i + 1..).unwrap_or_default().to_vec(),
                env: f.env,
                via: f.via,
                exec: f.exec,
                background: f.background,
            });
        }
        let rest = argv.get(i + 1..).unwrap_or_default();
        match base {
            "exec" => {
                f.via.push("exec".into());
                f.exec = true;
                i += 1;
                while let Some(o) = argv.get(i) {
                    match o.text.as_str() {
                        "-c" | "-l" | "-cl" | "-lc" => i += 1,
                        "-a" => i += 2,
                        "--" => {
                            i += 1;
                            break;
                        }
                        _ => break,
                    }
                }
                continue;
            }
            "env" => {
                f.via.push("env".into());
                i += 1;
                while let Some(o) = argv.get(i) {
                    match o.text.as_str() {
                        "-u" | "--unset" | "-C" | "--chdir" => i += 2,
                        "--" => {
                            i += 1;
                            break;
                        }
                        "-S" | "--split-string" => {
                            // `env -S "cmd args"` splits its argument like a shell.
                            let s = argv.get(i + 1)?;
                            let mut words = split_words(&s.text, &|r| s.span_of(r)).ok()?;
                            words.extend(argv.get(i + 2..).unwrap_or_default().iter().cloned());
                            return find_in(&words, programs, f, depth + 1);
                        }
                        t if t.starts_with('-') && t.len() > 1 => i += 1,
                        _ => break,
                    }
                }
                continue;
            }
            "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh" | "mksh" | "busybox" => {
                let mut k = 0;
                if base == "busybox" {
                    // `busybox sh -c ...`
                    if rest
                        .first()
                        .is_none_or(|w| !matches!(w.text.as_str(), "sh" | "ash"))
                    {
                        return None;
                    }
                    k = 1;
                }
                let mut c_flag = false;
                while let Some(o) = rest.get(k) {
                    let t = o.text.as_str();
                    if t == "--" {
                        k += 1;
                        break;
                    }
                    if matches!(t, "-o" | "+o" | "--rcfile" | "--init-file" | "-O" | "+O") {
                        k += 2;
                        continue;
                    }
                    if t.starts_with("--") {
                        k += 1;
                        continue;
                    }
                    if (t.starts_with('-') || t.starts_with('+')) && t.len() > 1 {
                        c_flag |= t.starts_with('-') && t.contains('c');
                        k += 1;
                        continue;
                    }
                    break;
                }
                if !c_flag {
                    // `sh script.sh`: the script is another file.
                    return None;
                }
                let script = rest.get(k)?;
                let commands = parse_script(&script.text, &|r| script.span_of(r)).ok()?;
                let label = format!("{} -c", if base == "busybox" { "sh" } else { base });
                return find_in_commands(&commands, programs, f, &label, depth + 1);
            }
            _ => {}
        }
        if is_python(base) {
            return find_python_module(rest, programs, f, "python -m");
        }
        if base == "newrelic-admin" && rest.first().is_some_and(|w| w.text == "run-python") {
            f.via.push("newrelic-admin run-python".into());
            let py_rest = rest.get(1..).unwrap_or_default();
            return find_python_module(py_rest, programs, f, "python -m");
        }
        if base == "opentelemetry-instrument" {
            f.via.push(base.into());
            let k = skip_wrapper_flags(rest, |t| t == "-h" || t == "--help");
            return find_in(rest.get(k..)?, programs, f, depth + 1);
        }
        if base == "dockerize" {
            // Go flags: `-wait tcp://db:5432 -timeout 60s cmd...`.
            f.via.push(base.into());
            let k = skip_wrapper_flags(rest, |t| {
                matches!(t.trim_start_matches('-'), "no-overwrite" | "version")
            });
            return find_in(rest.get(k..)?, programs, f, depth + 1);
        }
        if base.starts_with("wait-for") {
            // `wait-for-it.sh db:5432 -- cmd...`
            let k = rest.iter().position(|w| w.text == "--")?;
            f.via.push(base.into());
            return find_in(rest.get(k + 1..)?, programs, f, depth + 1);
        }
        if base == "uv" {
            return find_uv(rest, programs, f, depth);
        }
        if let Some(wr) = WRAPPERS.iter().find(|wr| wr.names.contains(&base)) {
            return find_wrapped(wr, base, rest, programs, f, depth);
        }
        return None;
    }
    None
}

fn find_in_commands(
    commands: &[SimpleCommand],
    programs: &[&str],
    f: Found,
    label: &str,
    depth: usize,
) -> Option<Invocation> {
    let mut exported: Vec<(String, Word)> = Vec::new();
    for cmd in commands {
        let first = cmd.words.first().map(|w| w.text.as_str());
        if first == Some("export") && cmd.within.is_empty() {
            for w in cmd.words.iter().skip(1) {
                if let Some(a) = assignment(w) {
                    exported.push(a);
                }
            }
            continue;
        }
        if cmd.words.is_empty() {
            continue;
        }
        let mut inner = f.clone();
        inner.via.push(label.to_string());
        inner.env.extend(exported.iter().cloned());
        inner.env.extend(cmd.assignments.iter().cloned());
        inner.exec = cmd.exec;
        inner.background = cmd.background;
        if cmd.exec {
            inner.via.push("exec".into());
        }
        if let Some(found) = find_in(&cmd.words, programs, inner, depth + 1) {
            return Some(found);
        }
    }
    None
}

fn is_python(base: &str) -> bool {
    let rest = base
        .strip_prefix("python")
        .or_else(|| base.strip_prefix("pypy"));
    rest.is_some_and(|r| r.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// `python [options] -m MODULE args...` where MODULE is one of `programs`.
fn find_python_module(
    rest: &[Word],
    programs: &[&str],
    mut f: Found,
    via: &str,
) -> Option<Invocation> {
    let mut k = 0;
    loop {
        let o = rest.get(k)?;
        let t = o.text.as_str();
        if t == "--check-hash-based-pycs" {
            k += 2;
            continue;
        }
        if !t.starts_with('-') || t == "-" || t.starts_with("--") {
            // A script path (or `--help`): not a module run.
            return None;
        }
        // A cluster such as `-u`, `-OO`, `-um`, `-mgunicorn`, `-X dev`.
        let mut next = k + 1;
        for (pos, c) in t.char_indices().skip(1) {
            if !matches!(c, 'c' | 'm' | 'W' | 'X') {
                continue;
            }
            let after = pos + 1;
            let value = if after < t.len() {
                o.slice(after..t.len())
            } else {
                next = k + 2;
                rest.get(k + 1)?.clone()
            };
            if c == 'c' {
                return None;
            }
            if c == 'm' {
                let module = value.text.as_str();
                let matched = programs.iter().any(|p| {
                    module == *p || (*p == "gunicorn" && module == "gunicorn.app.wsgiapp")
                });
                if !matched {
                    return None;
                }
                f.via.push(via.to_string());
                return Some(Invocation {
                    program: value,
                    args: rest.get(next..).unwrap_or_default().to_vec(),
                    env: f.env,
                    via: f.via,
                    exec: f.exec,
                    background: f.background,
                });
            }
            break;
        }
        k = next;
    }
}

fn find_uv(rest: &[Word], programs: &[&str], mut f: Found, depth: usize) -> Option<Invocation> {
    const VALUE: &[&str] = &[
        "--with",
        "--with-editable",
        "--with-requirements",
        "--python",
        "-p",
        "--env-file",
        "--project",
        "--directory",
        "--package",
        "--extra",
        "--group",
        "--only-group",
        "--no-group",
        "--index",
        "--default-index",
        "--index-url",
        "-i",
        "--extra-index-url",
        "--find-links",
        "-f",
        "--config-file",
        "--cache-dir",
        "--color",
        "--resolution",
        "--prerelease",
        "--exclude-newer",
        "--link-mode",
        "--index-strategy",
        "--keyring-provider",
        "--allow-insecure-host",
        "--upgrade-package",
        "-P",
        "--reinstall-package",
    ];
    let mut k = 0;
    // Global options may precede `run`.
    while let Some(o) = rest.get(k) {
        let t = o.text.as_str();
        if t == "run" {
            k += 1;
            break;
        }
        if t.starts_with('-') && t.len() > 1 {
            k += if VALUE.contains(&t) { 2 } else { 1 };
            continue;
        }
        return None;
    }
    f.via.push("uv run".into());
    while let Some(o) = rest.get(k) {
        let t = o.text.as_str();
        if t == "--" {
            k += 1;
            break;
        }
        if t == "-m" || t == "--module" {
            f.via.pop();
            let module_args = rest.get(k..)?;
            return find_python_module(module_args, programs, f, "uv run -m");
        }
        if t.starts_with('-') && t.len() > 1 {
            k += if VALUE.contains(&t) { 2 } else { 1 };
            continue;
        }
        break;
    }
    find_in(rest.get(k..)?, programs, f, depth + 1)
}

fn find_wrapped(
    wr: &Wrapper,
    base: &str,
    rest: &[Word],
    programs: &[&str],
    mut f: Found,
    depth: usize,
) -> Option<Invocation> {
    let mut k = 0;
    let skip_options = |k: &mut usize| -> bool {
        while let Some(o) = rest.get(*k) {
            let t = o.text.as_str();
            if t == "--" {
                *k += 1;
                return true;
            }
            if t.starts_with('-') && t.len() > 1 {
                *k += if wr.value_opts.contains(&t) { 2 } else { 1 };
                continue;
            }
            break;
        }
        false
    };
    if let Some(sub) = wr.sub {
        skip_options(&mut k);
        if rest.get(k).is_none_or(|w| w.text != sub) {
            return None;
        }
        k += 1;
        f.via.push(format!("{base} {sub}"));
    } else {
        f.via.push(base.to_string());
    }
    if wr.dashdash {
        let d = rest.get(k..)?.iter().position(|w| w.text == "--")?;
        k += d + 1;
    } else {
        let ended = skip_options(&mut k);
        if !ended {
            k += wr.positionals;
        }
    }
    let cmd = rest.get(k..)?;
    if base == "hatch"
        && let Some(first) = cmd.first()
        && let Some(colon) = first.text.find(':')
        && !first.text.contains('/')
    {
        // `hatch run ENV:cmd args...`
        let mut words = vec![first.slice(colon + 1..first.text.len())];
        words.extend(cmd.iter().skip(1).cloned());
        return find_in(&words, programs, f, depth + 1);
    }
    find_in(cmd, programs, f, depth + 1)
}

/// Index of the first word after a wrapper's own flags: `--` ends them, a flag
/// takes the next word as its value unless it is `--flag=value` or `takes_no_value`.
fn skip_wrapper_flags(rest: &[Word], takes_no_value: impl Fn(&str) -> bool) -> usize {
    let mut k = 0;
    while let Some(o) = rest.get(k) {
        let t = o.text.as_str();
        if t == "--" {
            return k + 1;
        }
        if !(t.starts_with('-') && t.len() > 1) {
            break;
        }
        k += if t.contains('=') || takes_no_value(t) {
            1
        } else {
            2
        };
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::FileId;

    const F: FileId = FileId(7);

    fn ident(r: Range<usize>) -> Span {
        Span::new(F, r.start, r.end)
    }

    fn texts(ws: &[Word]) -> Vec<&str> {
        ws.iter().map(|w| w.text.as_str()).collect()
    }

    fn src(input: &str, s: Span) -> &str {
        &input[s.range()]
    }

    #[test]
    fn split_words_keeps_exact_spans() {
        let input = "gunicorn  --timeout 60\t-b 0.0.0.0:8000 app:app";
        let ws = split_words(input, &ident).unwrap();
        assert_eq!(
            texts(&ws),
            [
                "gunicorn",
                "--timeout",
                "60",
                "-b",
                "0.0.0.0:8000",
                "app:app"
            ]
        );
        for w in &ws {
            assert_eq!(src(input, w.span), w.text);
            assert!(w.is_literal());
            let end = w.text.len().min(4);
            assert_eq!(src(input, w.span_of(1..end)), &w.text[1..end]);
        }
    }

    #[test]
    fn split_words_quotes_map_inside() {
        let input = r#"--bind='127.0.0.1:9000' "a \"b\" c" x\ y"#;
        let ws = split_words(input, &ident).unwrap();
        assert_eq!(texts(&ws), ["--bind=127.0.0.1:9000", "a \"b\" c", "x y"]);
        let w = &ws[0];
        assert_eq!(src(input, w.span), "--bind='127.0.0.1:9000'");
        // The value part is literal inside the quotes: exact.
        let v = w.slice(7..w.text.len());
        assert_eq!(v.text, "127.0.0.1:9000");
        assert_eq!(src(input, v.span), "127.0.0.1:9000");
        // An escaped quote maps to its escape sequence.
        assert_eq!(src(input, ws[1].span_of(2..3)), "\\\"");
        assert_eq!(src(input, ws[2].span_of(1..2)), "\\ ");
        assert!(!ws[0].is_literal());
    }

    #[test]
    fn split_words_errors_like_python() {
        let e = split_words("a 'b", &ident).unwrap_err();
        assert_eq!(e.message, "No closing quotation");
        assert_eq!(e.span, ident(2..4));
        let e = split_words("a b\\", &ident).unwrap_err();
        assert_eq!(e.message, "No escaped character");
        assert_eq!(split_words("a '' b", &ident).unwrap().len(), 3);
        assert!(split_words("  \t ", &ident).unwrap().is_empty());
    }

    #[test]
    fn split_words_flags_expansions() {
        let ws = split_words("-b 0.0.0.0:$PORT '$NOT' \"${X}\"", &ident).unwrap();
        assert!(!ws[0].has_expansion());
        assert!(ws[1].has_expansion());
        assert_eq!(&ws[1].text[ws[1].expansions()[0].clone()], "$PORT");
        assert!(!ws[2].has_expansion());
        assert!(ws[3].has_expansion());
    }

    #[test]
    fn nested_mapper_stays_exact() {
        // A YAML-like outer string at file offset 100 whose text is the script.
        let outer_text = "sh -c \"cd /app && exec gunicorn -t 60 app:app\"";
        let outer = split_words(outer_text, &|r| Span::new(F, r.start + 100, r.end + 100)).unwrap();
        let script = &outer[2];
        let cmds = parse_script(&script.text, &|r| script.span_of(r)).unwrap();
        assert_eq!(cmds.len(), 2);
        let t = &cmds[1].words[2];
        assert_eq!(t.text, "60");
        let s = t.span;
        assert_eq!(
            &outer_text[s.start as usize - 100..s.end as usize - 100],
            "60"
        );
        assert!(cmds[1].exec);
    }

    #[test]
    fn script_operators_without_spaces() {
        let input = "cd /app&&gunicorn app;echo 'a;b'|cat&x=1 y=\"2 3\" run --flag";
        let cmds = parse_script(input, &ident).unwrap();
        let words: Vec<Vec<&str>> = cmds.iter().map(|c| texts(&c.words)).collect();
        assert_eq!(
            words,
            vec![
                vec!["cd", "/app"],
                vec!["gunicorn", "app"],
                vec!["echo", "a;b"],
                vec!["cat"],
                vec!["run", "--flag"],
            ]
        );
        assert!(cmds[3].background);
        let a = &cmds[4].assignments;
        assert_eq!(a[0].0, "x");
        assert_eq!(a[1].1.text, "2 3");
        // A sub-word's span covers its characters, which are literal inside the quotes.
        assert_eq!(src(input, a[1].1.span), "2 3");
    }

    #[test]
    fn script_comments_continuations_redirections_heredocs() {
        let input = "#!/bin/sh\nset -e # strict\ncat > /tmp/x <<'EOF'\ngunicorn fake\nEOF\n\
                     exec gunicorn \\\n  --timeout 90 \\\n  app:app 2>&1 >>/var/log/g.log\n";
        let cmds = parse_script(input, &ident).unwrap();
        let words: Vec<Vec<&str>> = cmds.iter().map(|c| texts(&c.words)).collect();
        assert_eq!(
            words,
            vec![
                vec!["set", "-e"],
                vec!["cat"],
                vec!["gunicorn", "--timeout", "90", "app:app"],
            ]
        );
        assert!(cmds[2].exec);
        assert_eq!(src(input, cmds[2].words[2].span), "90");
    }

    #[test]
    fn script_compound_commands_are_looked_into() {
        let input = r#"
if [ "$1" = web ]; then
    exec gunicorn -t 30 app:app
elif [ "$1" = worker ]; then celery worker; fi
case "$ROLE" in
  web|api) exec gunicorn -t 60 app:app ;;
  *) echo nope ;;
esac
start() { gunicorn -t 5 app:app; }
for i in 1 2; do echo $i; done
(cd /x && make)
"#;
        let cmds = parse_script(input, &ident).unwrap();
        let summary: Vec<(String, Vec<&str>)> = cmds
            .iter()
            .map(|c| {
                (
                    c.words.first().map(|w| w.text.clone()).unwrap_or_default(),
                    c.within.clone(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ("[".into(), vec!["if"]),
                ("gunicorn".into(), vec!["if"]),
                ("[".into(), vec!["if"]),
                ("celery".into(), vec!["if"]),
                ("gunicorn".into(), vec!["case"]),
                ("echo".into(), vec!["case"]),
                ("gunicorn".into(), vec!["function", "{"]),
                ("echo".into(), vec!["for"]),
                ("cd".into(), vec!["subshell"]),
                ("make".into(), vec!["subshell"]),
            ]
        );
        assert!(cmds[1].words[1].text == "-t" && cmds[4].words[2].text == "60");
    }

    #[test]
    fn script_expansions_are_verbatim() {
        let input = "gunicorn -b \"0.0.0.0:${PORT:-8000}\" -w $(nproc) -t `echo 5` \"$@\"";
        let cmds = parse_script(input, &ident).unwrap();
        let ws = &cmds[0].words;
        assert_eq!(
            texts(ws),
            [
                "gunicorn",
                "-b",
                "0.0.0.0:${PORT:-8000}",
                "-w",
                "$(nproc)",
                "-t",
                "`echo 5`",
                "$@"
            ]
        );
        assert!(ws[2].has_expansion() && ws[4].has_expansion() && ws[6].has_expansion());
        assert!(!ws[1].has_expansion());
        assert_eq!(src(input, ws[2].span_of(8..22)), "${PORT:-8000}");
    }

    #[test]
    fn script_errors_and_garbage_do_not_panic() {
        assert!(parse_script("echo 'unterminated", &ident).is_err());
        assert!(parse_script("echo $(unterminated", &ident).is_err());
        for input in [
            "fi; done; esac; }; ) ) ((",
            "case",
            "for",
            "function",
            "a() b",
            "<<",
            "<< EOF",
            ">",
            "exec",
            "exec -a",
            "$",
            "\\",
            "${",
            "`",
            "\"\\",
            "$'\\",
            "x=",
            "&&&&||;;;|",
        ] {
            let _ = parse_script(input, &ident);
        }
        let deep = "if true; then ".repeat(2000) + "gunicorn app" + &"; fi".repeat(2000);
        let cmds = parse_script(&deep, &ident).unwrap();
        assert!(cmds.iter().any(|c| c.words[0].text == "gunicorn"));
    }

    fn argv(s: &str) -> Vec<Word> {
        split_words(s, &ident).unwrap()
    }

    fn find(s: &str) -> Option<Invocation> {
        find_invocation(&argv(s), &["gunicorn"])
    }

    #[test]
    fn finds_direct_and_path_invocations() {
        let inv = find("/usr/local/bin/gunicorn -t 60 app:app").unwrap();
        assert_eq!(inv.program.text, "/usr/local/bin/gunicorn");
        assert_eq!(texts(&inv.args), ["-t", "60", "app:app"]);
        assert!(inv.exec && inv.via.is_empty());
        assert!(find(".venv/bin/gunicorn app").is_some());
        assert!(find("uvicorn app").is_none());
        assert!(find("gunicorn-wrapper app").is_none());
    }

    #[test]
    fn finds_through_shells_with_exact_spans() {
        let input = r#"/bin/sh -c "python manage.py migrate && exec gunicorn -t 60 app:app""#;
        let inv = find_invocation(&argv(input), &["gunicorn"]).unwrap();
        assert_eq!(inv.via, ["sh -c", "exec"]);
        assert!(inv.exec);
        assert_eq!(src(input, inv.args[1].span), "60");
        assert_eq!(src(input, inv.program.span), "gunicorn");

        let inv = find(r#"bash -lc 'gunicorn app'"#).unwrap();
        assert_eq!(inv.via, ["bash -c"]);
        assert!(!inv.exec);
        assert!(find("sh entrypoint.sh").is_none());
        // Nested shells.
        let inv = find(r#"sh -c "bash -c 'exec gunicorn app'""#).unwrap();
        assert_eq!(inv.via, ["sh -c", "bash -c", "exec"]);
    }

    #[test]
    fn finds_through_env_and_runners() {
        let inv = find("env -i A=1 B=2 gunicorn app").unwrap();
        assert_eq!(
            inv.env.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
            ["A", "B"]
        );
        assert_eq!(inv.via, ["env"]);
        let inv = find("GUNICORN_CMD_ARGS=--timeout=5 gunicorn app").unwrap();
        assert_eq!(inv.env[0].1.text, "--timeout=5");
        for (cmd, via) in [
            ("python -m gunicorn app", vec!["python -m"]),
            ("python3.12 -u -m gunicorn app", vec!["python -m"]),
            ("python -mgunicorn app", vec!["python -m"]),
            ("poetry run gunicorn app", vec!["poetry run"]),
            ("poetry -C /srv run gunicorn app", vec!["poetry run"]),
            ("pipenv run gunicorn app", vec!["pipenv run"]),
            ("uv run --no-sync --with x gunicorn app", vec!["uv run"]),
            ("uv run -m gunicorn app", vec!["uv run -m"]),
            ("pdm run gunicorn app", vec!["pdm run"]),
            ("hatch run prod:gunicorn app", vec!["hatch run"]),
            ("ddtrace-run gunicorn app", vec!["ddtrace-run"]),
            (
                "newrelic-admin run-program gunicorn app",
                vec!["newrelic-admin run-program"],
            ),
            (
                "opentelemetry-instrument --traces_exporter console gunicorn app",
                vec!["opentelemetry-instrument"],
            ),
            ("dumb-init -- gunicorn app", vec!["dumb-init"]),
            ("/sbin/tini -g -- gunicorn app", vec!["tini"]),
            ("gosu app gunicorn app", vec!["gosu"]),
            (
                "wait-for-it.sh db:5432 -t 30 -- gunicorn app",
                vec!["wait-for-it.sh"],
            ),
            ("exec gunicorn app", vec!["exec"]),
        ] {
            let inv = find(cmd).unwrap_or_else(|| panic!("{cmd}"));
            assert_eq!(inv.via, via, "{cmd}");
            assert_eq!(inv.args.last().unwrap().text, "app", "{cmd}");
        }
        assert!(find("python app.py").is_none());
        assert!(find("python -c 'import gunicorn'").is_none());
        assert!(find("poetry install").is_none());
    }

    #[test]
    fn script_exports_reach_the_invocation() {
        let input = "export GUNICORN_CMD_ARGS='--timeout 9'\nexec gunicorn app";
        let inv = find_invocation_in_script(input, &ident, &["gunicorn"]).unwrap();
        assert_eq!(inv.env[0].0, "GUNICORN_CMD_ARGS");
        assert_eq!(inv.env[0].1.text, "--timeout 9");
        assert_eq!(inv.via, ["sh -c", "exec"]);
        assert!(inv.exec);
        let input = "gunicorn app & nginx -g 'daemon off;'";
        let inv = find_invocation_in_script(input, &ident, &["gunicorn"]).unwrap();
        assert!(inv.background && !inv.exec);
    }

    #[test]
    fn word_from_mapped_handles_non_linear_maps() {
        // Decoded "a\tb" written as `a\tb` (4 bytes) at offset 10.
        let map = |r: Range<usize>| {
            let f = |i: usize| match i {
                0 => 10,
                1 => 11,
                _ => 13,
            };
            let end = if r.end == 2 {
                13
            } else {
                f(r.end.saturating_sub(1)) + 1
            };
            Span::new(F, f(r.start), end)
        };
        let w = Word::from_mapped("a\tb", &map);
        assert_eq!(w.span_of(0..1), Span::new(F, 10, 11));
        assert_eq!(w.span_of(1..2), Span::new(F, 11, 13));
        assert_eq!(w.span_of(2..3), Span::new(F, 13, 14));
    }
}
