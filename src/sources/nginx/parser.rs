//! Builds the directive tree from tokens, with nginx's syntax rules and
//! crossplane 0.5.8's output conventions (comment items, `if` argument
//! clean-up, Lua blocks as one argument).

use crate::diag::Problem;
use crate::span::{FileId, Span};

use super::lexer::{LexError, Lexer, Token, TokenKind};

/// Deepest block nesting read; deeper blocks are skipped with a problem.
pub const MAX_DEPTH: usize = 256;

/// One argument of a directive.
#[derive(Clone, Debug, PartialEq)]
pub struct Arg {
    /// The value after quote removal, as crossplane prints it (only an
    /// escaped quote of the enclosing kind loses its backslash). For a
    /// `*_by_lua_block` body: the Lua text between the braces.
    pub value: String,
    /// Where it is written, quotes (or Lua braces) included.
    pub span: Span,
    /// Written in quotes (Lua block bodies count as quoted, as in crossplane).
    pub quoted: bool,
}

impl Arg {
    /// The value nginx itself sees: the written text with the quotes removed
    /// and `\"`, `\'`, `\\`, `\t`, `\r`, `\n` decoded (`ngx_conf_read_token`);
    /// any other backslash stays. `text` is the file's full text.
    #[must_use]
    pub fn nginx_value(&self, text: &str) -> String {
        let raw = text.get(self.span.range()).unwrap_or(&self.value);
        let inner = if self.quoted && raw.len() >= 2 {
            raw.get(1..raw.len() - 1).unwrap_or(raw)
        } else {
            raw
        };
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.peek() {
                    Some('"' | '\'' | '\\') => {
                        out.extend(chars.next());
                        continue;
                    }
                    Some('t') => {
                        chars.next();
                        out.push('\t');
                        continue;
                    }
                    Some('r') => {
                        chars.next();
                        out.push('\r');
                        continue;
                    }
                    Some('n') => {
                        chars.next();
                        out.push('\n');
                        continue;
                    }
                    _ => {}
                }
            }
            out.push(c);
        }
        out
    }
}

/// A directive (or a comment item, name `#`).
#[derive(Clone, Debug, PartialEq)]
pub struct Directive {
    pub name: String,
    pub name_span: Span,
    /// The name was written in quotes (e.g. a `map` key `"~^/a"`).
    pub name_quoted: bool,
    pub args: Vec<Arg>,
    /// `Some` for block directives: the children in order.
    pub block: Option<Vec<Directive>>,
    /// First character of the name to the end of the last argument
    /// (excludes `;` and `{`).
    pub span: Span,
    /// The whole statement: through the `;` or the block's closing `}` when
    /// present.
    pub full_span: Span,
    /// For comment items (name `#`): the text after `#`, as crossplane gives it.
    pub comment: Option<String>,
}

impl Directive {
    #[must_use]
    pub fn is_comment(&self) -> bool {
        self.comment.is_some()
    }

    /// Children of a block directive; empty for simple directives.
    #[must_use]
    pub fn children(&self) -> &[Directive] {
        self.block.as_deref().unwrap_or(&[])
    }

    /// The first argument's value, if any.
    #[must_use]
    pub fn arg(&self, i: usize) -> Option<&str> {
        self.args.get(i).map(|a| a.value.as_str())
    }
}

/// What kind of syntax error nginx reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyntaxErrorKind {
    /// A `}` with no open block.
    UnexpectedClose,
    /// A `;` or `{` with no directive name before it.
    UnexpectedToken,
    /// Text glued to a closing quote (`"a"b`).
    UnexpectedCharacter,
    /// The file ends inside a block, a directive or a Lua block.
    UnexpectedEof,
    /// A directive ended by `}` instead of `;` (crossplane drops the directive).
    NotTerminated,
    /// A quoted string that is never closed.
    UnterminatedString,
    /// A `*_by_lua_block` without its `{`.
    LuaBlockStart,
    /// Blocks nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// A word longer than nginx's 4096-byte read buffer.
    TooLong,
}

/// A syntax error, with where crossplane would report it.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntaxError {
    pub kind: SyntaxErrorKind,
    /// crossplane's wording where crossplane reports the error, nginx's otherwise.
    pub message: String,
    /// Precise location (e.g. the unclosed `{`, the opening quote).
    pub span: Span,
    /// Where crossplane reports it (its line number comes from here; e.g. the
    /// last token for a missing `}`).
    pub report_span: Span,
    /// crossplane stops reading the file here and reports no directives.
    pub fatal: bool,
}

/// A parsed nginx configuration file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NginxFile {
    /// Top-level directives and comment items in order.
    pub directives: Vec<Directive>,
    /// Every syntax error as a `PAR-E001` problem.
    pub problems: Vec<Problem>,
    /// The same errors with crossplane reporting details.
    pub syntax_errors: Vec<SyntaxError>,
}

/// Parses one file's text. Never fails: errors become problems and parsing
/// continues where nginx's grammar allows a sensible recovery.
#[must_use]
pub fn parse(file: FileId, text: &str) -> NginxFile {
    let mut p = Parser {
        file,
        lx: Lexer::new(text),
        errors: Vec::new(),
        last_report: Span::new(file, 0, 0),
    };
    let directives = p.block_items(0, None);
    let problems = p
        .errors
        .iter()
        .map(|e| Problem::parse(e.span, e.message.clone()))
        .collect();
    NginxFile {
        directives,
        problems,
        syntax_errors: p.errors,
    }
}

/// How a directive's argument list ended.
enum Terminator {
    Semi(Span),
    Open(Span),
    Close(Span),
    Eof,
}

struct Parser<'a> {
    file: FileId,
    lx: Lexer<'a>,
    errors: Vec<SyntaxError>,
    /// Span crossplane would use for the line of an end-of-file error: the last token read.
    last_report: Span,
}

impl Parser<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    fn next(&mut self) -> Option<Token> {
        let tok = self.lx.next_token();
        self.drain_lex_errors();
        if let Some(t) = &tok {
            self.last_report = self.span(t.start, t.end);
        }
        tok
    }

    fn drain_lex_errors(&mut self) {
        for LexError {
            kind,
            message,
            start,
            end,
            fatal,
        } in std::mem::take(&mut self.lx.errors)
        {
            let span = self.span(start, end);
            self.errors.push(SyntaxError {
                kind,
                message,
                span,
                report_span: span,
                fatal,
            });
        }
    }

    fn error(
        &mut self,
        kind: SyntaxErrorKind,
        message: String,
        span: Span,
        report_span: Span,
        fatal: bool,
    ) {
        self.errors.push(SyntaxError {
            kind,
            message,
            span,
            report_span,
            fatal,
        });
    }

    /// Items of a block (or the file when `open` is `None`) up to its `}`.
    fn block_items(&mut self, depth: usize, open: Option<Span>) -> Vec<Directive> {
        self.block_items_closed(depth, open).0
    }

    /// As [`Self::block_items`], also returning the closing brace's span if found.
    fn block_items_closed(
        &mut self,
        depth: usize,
        open: Option<Span>,
    ) -> (Vec<Directive>, Option<Span>) {
        let mut items = Vec::new();
        loop {
            let Some(tok) = self.next() else {
                if let Some(open) = open
                    && !self.lx.hit_unterminated
                {
                    let report = self.last_report;
                    self.error(
                        SyntaxErrorKind::UnexpectedEof,
                        "unexpected end of file, expecting \"}\"".to_owned(),
                        open,
                        report,
                        true,
                    );
                }
                return (items, None);
            };
            let tspan = self.span(tok.start, tok.end);
            match tok.kind {
                TokenKind::Close => {
                    if open.is_some() {
                        return (items, Some(tspan));
                    }
                    self.error(
                        SyntaxErrorKind::UnexpectedClose,
                        "unexpected \"}\"".to_owned(),
                        tspan,
                        tspan,
                        true,
                    );
                }
                TokenKind::Semi => {
                    self.error(
                        SyntaxErrorKind::UnexpectedToken,
                        "unexpected \";\"".to_owned(),
                        tspan,
                        tspan,
                        false,
                    );
                }
                TokenKind::Open => {
                    self.error(
                        SyntaxErrorKind::UnexpectedToken,
                        "unexpected \"{\"".to_owned(),
                        tspan,
                        tspan,
                        false,
                    );
                    // Read and drop the anonymous block so its `}` does not close ours.
                    let _ = self.sub_block(depth, tspan);
                }
                TokenKind::Comment => items.push(comment_item(tspan, tok.value)),
                TokenKind::Word => {
                    let closed = self.directive(tok, depth, open.is_some(), &mut items);
                    if let Some(close) = closed {
                        return (items, Some(close));
                    }
                }
            }
        }
    }

    /// The children of a block whose `{` is at `open`; depth-limited.
    fn sub_block(&mut self, depth: usize, open: Span) -> (Vec<Directive>, Option<Span>) {
        if depth + 1 >= MAX_DEPTH {
            self.error(
                SyntaxErrorKind::TooDeep,
                format!("blocks nested deeper than {MAX_DEPTH} levels are not read"),
                open,
                open,
                false,
            );
            return (Vec::new(), self.skip_block(open));
        }
        self.block_items_closed(depth + 1, Some(open))
    }

    /// Skips tokens to the `}` matching `open`, without recursion.
    fn skip_block(&mut self, open: Span) -> Option<Span> {
        let mut depth = 1usize;
        while let Some(tok) = self.next() {
            match tok.kind {
                TokenKind::Open => depth += 1,
                TokenKind::Close => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(self.span(tok.start, tok.end));
                    }
                }
                _ => {}
            }
        }
        if !self.lx.hit_unterminated {
            let report = self.last_report;
            self.error(
                SyntaxErrorKind::UnexpectedEof,
                "unexpected end of file, expecting \"}\"".to_owned(),
                open,
                report,
                true,
            );
        }
        None
    }

    /// Reads one directive whose name is `name`, pushes it (and any comments
    /// found among its arguments) to `items`. Returns the span of a `}` that
    /// ended the directive and therefore closes the enclosing block.
    fn directive(
        &mut self,
        name: Token,
        depth: usize,
        in_block: bool,
        items: &mut Vec<Directive>,
    ) -> Option<Span> {
        let name_span = self.span(name.start, name.end);
        let mut args: Vec<Arg> = Vec::new();
        let mut arg_comments: Vec<Directive> = Vec::new();
        let term = loop {
            let Some(tok) = self.next() else {
                break Terminator::Eof;
            };
            let tspan = self.span(tok.start, tok.end);
            match tok.kind {
                TokenKind::Word => args.push(Arg {
                    value: tok.value,
                    span: tspan,
                    quoted: tok.quoted,
                }),
                TokenKind::Comment => arg_comments.push(comment_item(tspan, tok.value)),
                TokenKind::Semi => break Terminator::Semi(tspan),
                TokenKind::Open => break Terminator::Open(tspan),
                TokenKind::Close => break Terminator::Close(tspan),
            }
        };
        let is_lua = name.value.ends_with("_by_lua_block");
        let mut block = None;
        let mut closes_parent = None;
        let mut end_span = args.last().map_or(name_span, |a| a.span);
        match term {
            Terminator::Semi(s) => {
                if is_lua {
                    self.error(
                        SyntaxErrorKind::LuaBlockStart,
                        "expected \"{\" to start the Lua block".to_owned(),
                        s,
                        s,
                        true,
                    );
                }
                end_span = s;
            }
            Terminator::Open(open) => {
                if is_lua {
                    if let Some(body) = self.lx.lua_body(open.start as usize) {
                        let span = self.span(body.start, body.end);
                        // crossplane reports later errors at the closing brace's line.
                        self.last_report = self.span(body.end - 1, body.end);
                        args.push(Arg {
                            value: body.value,
                            span,
                            quoted: true,
                        });
                        end_span = span;
                    } else {
                        self.drain_lex_errors();
                        end_span = open;
                    }
                } else {
                    let (children, close) = self.sub_block(depth, open);
                    block = Some(children);
                    end_span = close.unwrap_or(open);
                }
            }
            Terminator::Close(close) => {
                if in_block {
                    self.error(
                        SyntaxErrorKind::NotTerminated,
                        format!("directive \"{}\" is not terminated by \";\"", name.value),
                        name_span.to(end_span),
                        name_span,
                        false,
                    );
                    closes_parent = Some(close);
                } else {
                    self.error(
                        SyntaxErrorKind::UnexpectedClose,
                        "unexpected \"}\"".to_owned(),
                        close,
                        close,
                        true,
                    );
                }
            }
            Terminator::Eof => {
                // Inside a block the enclosing block reports the missing `}`.
                if !in_block && !self.lx.hit_unterminated {
                    self.error(
                        SyntaxErrorKind::UnexpectedEof,
                        "unexpected end of file, expecting \";\" or \"}\"".to_owned(),
                        name_span.to(end_span),
                        name_span,
                        true,
                    );
                }
            }
        }
        if name.value == "if" {
            strip_if_parens(&mut args);
        }
        let span = args.last().map_or(name_span, |a| name_span.to(a.span));
        items.push(Directive {
            name: name.value,
            name_span,
            name_quoted: name.quoted,
            args,
            block,
            span,
            full_span: name_span.to(end_span),
            comment: None,
        });
        items.append(&mut arg_comments);
        closes_parent
    }
}

fn comment_item(span: Span, text: String) -> Directive {
    Directive {
        name: "#".to_owned(),
        name_span: span,
        name_quoted: false,
        args: Vec::new(),
        block: None,
        span,
        full_span: span,
        comment: Some(text),
    }
}

/// crossplane's `_prepare_if_args`: when the first argument starts with `(`
/// and the last ends with `)`, drop those parentheses (and whitespace next to
/// them) and any argument left empty. Spans shrink with the text when the
/// value is the written text.
fn strip_if_parens(args: &mut Vec<Arg>) {
    let (Some(first), Some(last)) = (args.first(), args.last()) else {
        return;
    };
    if !(first.value.starts_with('(') && last.value.ends_with(')')) {
        return;
    }
    if let Some(first) = args.first_mut() {
        let rest = first.value.get(1..).unwrap_or("");
        let trimmed = rest.trim_start();
        let cut = first.value.len() - trimmed.len();
        if !first.quoted {
            first.span = first.span.sub(cut, first.span.len());
        }
        first.value = trimmed.to_owned();
    }
    if let Some(last) = args.last_mut() {
        let rest = last.value.get(..last.value.len() - 1).unwrap_or("");
        let trimmed = rest.trim_end();
        if !last.quoted {
            let drop = last.value.len() - trimmed.len();
            last.span = last.span.sub(0, last.span.len().saturating_sub(drop));
        }
        last.value = trimmed.to_owned();
    }
    if args.last().is_some_and(|a| a.value.is_empty()) {
        args.pop();
    }
    if args.first().is_some_and(|a| a.value.is_empty()) {
        args.remove(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: FileId = FileId(0);

    fn names(items: &[Directive]) -> Vec<&str> {
        items.iter().map(|d| d.name.as_str()).collect()
    }

    fn args(d: &Directive) -> Vec<&str> {
        d.args.iter().map(|a| a.value.as_str()).collect()
    }

    fn text_of(text: &str, span: Span) -> &str {
        &text[span.range()]
    }

    #[test]
    fn nested_blocks_with_spans() {
        let text = "http {\n  server {\n    listen 80;\n    location / { proxy_pass http://app; }\n  }\n}\n";
        let f = parse(F, text);
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        let http = &f.directives[0];
        let server = &http.children()[0];
        let loc = &server.children()[1];
        assert_eq!(names(server.children()), ["listen", "location"]);
        assert_eq!(args(loc), ["/"]);
        let pass = &loc.children()[0];
        assert_eq!(text_of(text, pass.span), "proxy_pass http://app");
        assert_eq!(text_of(text, pass.full_span), "proxy_pass http://app;");
        assert_eq!(text_of(text, pass.name_span), "proxy_pass");
        assert_eq!(text_of(text, loc.span), "location /");
        assert!(text_of(text, loc.full_span).ends_with('}'));
    }

    #[test]
    fn comments_are_items_and_comments_in_args_follow_their_directive() {
        let text = "# top\nserver # c\n { a; }\nb x # d\n y;\n";
        let f = parse(F, text);
        assert_eq!(names(&f.directives), ["#", "server", "#", "b", "#"]);
        assert_eq!(f.directives[0].comment.as_deref(), Some(" top"));
        assert_eq!(f.directives[2].comment.as_deref(), Some(" c"));
        assert_eq!(args(&f.directives[3]), ["x", "y"]);
        assert_eq!(f.directives[4].comment.as_deref(), Some(" d"));
    }

    #[test]
    fn map_keys_may_be_quoted_and_empty() {
        let text = "map $http_upgrade $connection_upgrade {\n  default upgrade;\n  \"\" close;\n  '~^a b' x;\n}\n";
        let f = parse(F, text);
        assert!(f.problems.is_empty());
        let m = &f.directives[0];
        assert_eq!(names(m.children()), ["default", "", "~^a b"]);
        assert!(m.children()[1].name_quoted);
        assert_eq!(args(&m.children()[1]), ["close"]);
    }

    #[test]
    fn if_parentheses_are_stripped_like_crossplane() {
        let text = "if ($a = b) { return 200; }\nif ( $a ) {}\nif ($request_method = POST ) {}\n";
        let f = parse(F, text);
        assert_eq!(args(&f.directives[0]), ["$a", "=", "b"]);
        assert_eq!(text_of(text, f.directives[0].args[0].span), "$a");
        assert_eq!(text_of(text, f.directives[0].args[2].span), "b");
        assert_eq!(args(&f.directives[1]), ["$a"]);
        assert_eq!(args(&f.directives[2]), ["$request_method", "=", "POST"]);
    }

    #[test]
    fn lua_blocks_are_one_argument() {
        let text = "location / {\n  content_by_lua_block {\n    local t = { \"}\" } -- }\n  }\n  set_by_lua_block $v { return 1 }\n  return 200;\n}\n";
        let f = parse(F, text);
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        let loc = &f.directives[0];
        assert_eq!(
            names(loc.children()),
            ["content_by_lua_block", "set_by_lua_block", "return"]
        );
        let lua = &loc.children()[0];
        assert!(lua.block.is_none());
        assert_eq!(args(lua), ["\n    local t = { \"}\" } -- }\n  "]);
        assert!(lua.args[0].quoted);
        assert_eq!(args(&loc.children()[1]), ["$v", " return 1 "]);
    }

    #[test]
    fn crlf_and_empty_and_comment_only_files() {
        let f = parse(F, "a b;\r\nc {\r\n d;\r\n}\r\n");
        assert!(f.problems.is_empty());
        assert_eq!(names(&f.directives), ["a", "c"]);
        assert_eq!(names(f.directives[1].children()), ["d"]);
        assert!(parse(F, "").directives.is_empty());
        let f = parse(F, "# one\n# two");
        assert_eq!(names(&f.directives), ["#", "#"]);
        assert!(f.problems.is_empty());
    }

    #[test]
    fn unbalanced_close_brace_is_reported_and_parsing_continues() {
        let text = "a;\n}\nb;\n";
        let f = parse(F, text);
        assert_eq!(names(&f.directives), ["a", "b"]);
        assert_eq!(f.problems.len(), 1);
        assert_eq!(f.problems[0].message, "unexpected \"}\"");
        assert_eq!(f.problems[0].span.map(|s| s.start), Some(3));
        assert!(f.syntax_errors[0].fatal);
    }

    #[test]
    fn missing_close_brace_points_at_the_unclosed_open_brace() {
        let text = "http {\n  server {\n    listen 80;\n  }\n";
        let f = parse(F, text);
        assert_eq!(f.problems.len(), 1);
        assert_eq!(
            f.problems[0].message,
            "unexpected end of file, expecting \"}\""
        );
        assert_eq!(f.problems[0].span, Some(Span::new(F, 5, 6)));
        // crossplane reports it at the last token.
        assert_eq!(f.syntax_errors[0].report_span.start, 35);
        // What was parsed is kept.
        assert_eq!(names(f.directives[0].children()), ["server"]);
    }

    #[test]
    fn missing_semicolon_before_close_brace() {
        let text = "server {\n  listen 80\n}\nfoo;\n";
        let f = parse(F, text);
        assert_eq!(f.problems.len(), 1);
        assert_eq!(
            f.problems[0].message,
            "directive \"listen\" is not terminated by \";\""
        );
        assert_eq!(
            text_of(text, f.problems[0].span.unwrap_or(Span::new(F, 0, 0))),
            "listen 80"
        );
        assert_eq!(names(&f.directives), ["server", "foo"]);
        assert_eq!(args(&f.directives[0].children()[0]), ["80"]);
    }

    #[test]
    fn missing_semicolon_at_end_of_file() {
        let f = parse(F, "listen 80");
        assert_eq!(f.problems.len(), 1);
        assert_eq!(
            f.problems[0].message,
            "unexpected end of file, expecting \";\" or \"}\""
        );
        assert_eq!(f.directives.len(), 1);
    }

    #[test]
    fn unterminated_quote_gives_one_error_at_the_quote() {
        let text = "server {\n  return 200 \"abc;\n}\n";
        let f = parse(F, text);
        assert_eq!(f.problems.len(), 1, "{:?}", f.problems);
        assert_eq!(f.problems[0].span, Some(Span::new(F, 22, 23)));
    }

    #[test]
    fn stray_semicolon_and_brace_are_errors() {
        let f = parse(F, "a;;\n{ b; }\nc;\n");
        assert_eq!(names(&f.directives), ["a", "c"]);
        let msgs: Vec<_> = f.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(msgs, ["unexpected \";\"", "unexpected \"{\""]);
    }

    #[test]
    fn text_after_a_closing_quote_is_an_error() {
        let f = parse(F, "return 200 \"a\"b;\n");
        assert_eq!(f.problems.len(), 1);
        assert_eq!(args(&f.directives[0]), ["200", "a", "b"]);
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let depth = 10_000;
        let text = format!("{}{}", "a {".repeat(depth), "}".repeat(depth));
        let f = parse(F, &text);
        assert!(
            f.problems
                .iter()
                .any(|p| p.message.contains("nested deeper"))
        );
        let mut d = &f.directives[0];
        let mut levels = 1;
        while let Some(c) = d.children().first() {
            d = c;
            levels += 1;
        }
        assert_eq!(levels, MAX_DEPTH);
        assert_eq!(f.problems.len(), 1, "{:?}", f.problems);
    }

    #[test]
    fn nginx_value_decodes_escapes() {
        let text = r#"a "x\"y\n\\z" 'q\'r' b\;c "\d";"#;
        let f = parse(F, text);
        let vals: Vec<_> = f.directives[0]
            .args
            .iter()
            .map(|a| a.nginx_value(text))
            .collect();
        assert_eq!(vals, ["x\"y\n\\z", "q'r", "b\\;c", "\\d"]);
    }

    #[test]
    fn never_panics_on_garbage() {
        for text in [
            "}}}{{{",
            "\"",
            "'",
            "{",
            "a {",
            "if (",
            "if ()",
            "if ( ) {}",
            "x_by_lua_block",
            "x_by_lua_block {",
            "x_by_lua_block ;",
            "\u{fffd}{\u{fffd}}",
            "a \\",
        ] {
            let _ = parse(F, text);
        }
    }
}
