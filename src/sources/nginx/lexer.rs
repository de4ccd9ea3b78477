//! Tokenizer for nginx configuration text, following `ngx_conf_read_token()`
//! in nginx's `src/core/ngx_conf_file.c`, with token values spelled the way
//! crossplane 0.5.8 prints them.
//!
//! Differences from crossplane are deliberate and follow nginx:
//! - whitespace is only space, tab, CR and LF (crossplane uses Python's
//!   `str.isspace`, which also splits on form feed, NBSP, ...);
//! - `}` inside a word is part of the word (`a}b` is one word to nginx);
//! - a closing quote must be followed by whitespace, `;` or `{` (nginx
//!   reports `unexpected "x"`; crossplane silently starts a new token).
//!
//! The lexer works on bytes: every delimiter is ASCII, so every position it
//! stops at is a char boundary of the (valid UTF-8) input.

use super::parser::SyntaxErrorKind;

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// A word or quoted string (see `Token::quoted`).
    Word,
    Open,
    Close,
    Semi,
    /// `#` to the end of the line; `value` is the text after `#`.
    Comment,
}

/// One token with its byte range `[start, end)` (quotes included).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
    pub value: String,
    pub quoted: bool,
}

/// A lexical error at byte range `[start, end)`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct LexError {
    pub kind: SyntaxErrorKind,
    pub message: String,
    pub start: usize,
    pub end: usize,
    /// crossplane stops reading the file at this error.
    pub fatal: bool,
}

/// nginx reads a file through a 4096-byte buffer (`NGX_CONF_BUFFER`): a
/// word that does not fit in it is refused.
const MAX_TOKEN: usize = 4096;

/// nginx's whitespace set (`ngx_conf_read_token`): nothing else separates words.
pub(crate) fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

/// Pull tokenizer over one file's text.
pub(crate) struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// Errors found since the caller last drained them.
    pub errors: Vec<LexError>,
    /// An unterminated quoted string or Lua block swallowed the rest of the file.
    pub hit_unterminated: bool,
}

impl<'a> Lexer<'a> {
    pub fn new(text: &'a str) -> Self {
        Self {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            errors: Vec::new(),
            hit_unterminated: false,
        }
    }

    fn slice(&self, start: usize, end: usize) -> &'a str {
        self.text.get(start..end).unwrap_or("")
    }

    /// The next token, or `None` at end of input.
    pub fn next_token(&mut self) -> Option<Token> {
        let len = self.bytes.len();
        while self.pos < len && is_space(self.bytes[self.pos]) {
            self.pos += 1;
        }
        let start = self.pos;
        let c = *self.bytes.get(start)?;
        match c {
            b'#' => {
                let end = self.bytes[start..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(len, |p| start + p);
                self.pos = end;
                // The CR of a CRLF line end is not part of the comment (crossplane
                // reads files with universal newlines).
                let text = self.slice(start + 1, end);
                let text = text.strip_suffix('\r').unwrap_or(text);
                Some(Token {
                    kind: TokenKind::Comment,
                    start,
                    end,
                    value: text.to_owned(),
                    quoted: false,
                })
            }
            b'{' | b'}' | b';' => {
                self.pos += 1;
                let kind = match c {
                    b'{' => TokenKind::Open,
                    b'}' => TokenKind::Close,
                    _ => TokenKind::Semi,
                };
                Some(Token {
                    kind,
                    start,
                    end: start + 1,
                    value: (c as char).to_string(),
                    quoted: false,
                })
            }
            b'"' | b'\'' => Some(self.quoted(start, c)),
            _ => Some(self.word(start)),
        }
    }

    /// A quoted string starting at the quote `q` at `start`. crossplane removes
    /// the backslash only from an escaped quote of the same kind; every other
    /// escape (`\\`, `\n`, `\'` inside `"..."`) is kept as written.
    fn quoted(&mut self, start: usize, q: u8) -> Token {
        let len = self.bytes.len();
        let mut value: Vec<u8> = Vec::new();
        let mut i = start + 1;
        let mut closed = false;
        while i < len {
            let c = self.bytes[i];
            if c == b'\\' {
                match self.bytes.get(i + 1) {
                    Some(&n) if n == q => value.push(q),
                    Some(&n) => {
                        value.push(b'\\');
                        value.push(n);
                    }
                    None => value.push(b'\\'),
                }
                i += 2;
                continue;
            }
            if c == q {
                i += 1;
                closed = true;
                break;
            }
            value.push(c);
            i += 1;
        }
        let end = i.min(len);
        self.pos = end;
        if !closed {
            self.hit_unterminated = true;
            self.errors.push(LexError {
                kind: SyntaxErrorKind::UnterminatedString,
                message: format!(
                    "unexpected end of file, the quoted string opened by {} is not closed",
                    if q == b'"' { "'\"'" } else { "\"'\"" }
                ),
                start,
                end: start + 1,
                fatal: true,
            });
        } else if end - start > MAX_TOKEN {
            // The closing quote must fit in nginx's buffer too.
            self.errors.push(LexError {
                kind: SyntaxErrorKind::TooLong,
                message: format!(
                    "too long parameter, probably missing terminating \"{}\" character",
                    q as char
                ),
                start,
                end: start + 1,
                fatal: false,
            });
        } else if let Some(&n) = self.bytes.get(end)
            && !(is_space(n) || n == b';' || n == b'{' || n == b')')
        {
            // nginx: after a closing quote only whitespace, ";", "{" or ")" may follow
            // (")" then starts the next word, for `if ($a = "b")`).
            let ch = self
                .text
                .get(end..)
                .and_then(|s| s.chars().next())
                .unwrap_or('?');
            self.errors.push(LexError {
                kind: SyntaxErrorKind::UnexpectedCharacter,
                message: format!("unexpected \"{ch}\" after a quoted string"),
                start: end,
                end: end + ch.len_utf8(),
                fatal: false,
            });
        }
        Token {
            kind: TokenKind::Word,
            start,
            end,
            value: String::from_utf8_lossy(&value).into_owned(),
            quoted: true,
        }
    }

    /// An unquoted word: ends at whitespace, `;` or `{`, except that a `{`
    /// right after `$` (as in `${var}`) belongs to the word. A backslash
    /// makes the next character literal; the text is kept as written.
    fn word(&mut self, start: usize) -> Token {
        let len = self.bytes.len();
        let mut i = start;
        let mut variable = false;
        while i < len {
            let c = self.bytes[i];
            if c == b'{' && variable {
                i += 1;
                continue;
            }
            variable = false;
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == b'$' {
                variable = true;
                i += 1;
                continue;
            }
            if is_space(c) || c == b';' || c == b'{' {
                break;
            }
            i += 1;
        }
        // `\` + a multi-byte character can step into the middle of it; the loop
        // then runs on to an ASCII delimiter or the end, so only the end needs clamping.
        let end = i.min(len);
        self.pos = end;
        if end - start >= MAX_TOKEN {
            let head: String = self.slice(start, end).chars().take(10).collect();
            self.errors.push(LexError {
                kind: SyntaxErrorKind::TooLong,
                message: format!("too long parameter \"{head}...\" started"),
                start,
                end: start + head.len(),
                fatal: false,
            });
        }
        Token {
            kind: TokenKind::Word,
            start,
            end,
            value: self.slice(start, end).to_owned(),
            quoted: false,
        }
    }

    /// The body of a `*_by_lua_block` after its opening `{` (at `open`),
    /// read as Lua the way OpenResty's lua-nginx-module does: braces inside
    /// strings (`"..."`, `'...'`, `[[...]]`, `[==[...]==]`) and comments
    /// (`--`, `--[[...]]`) do not count. The token's value is the text between
    /// the braces; its range covers both braces. Returns `None` if the
    /// file ends first (an error is recorded).
    pub fn lua_body(&mut self, open: usize) -> Option<Token> {
        let len = self.bytes.len();
        let body_start = self.pos;
        let mut i = self.pos;
        let mut depth = 1usize;
        while i < len {
            let c = self.bytes[i];
            match c {
                b'-' if self.bytes.get(i + 1) == Some(&b'-') => {
                    i += 2;
                    if let Some(level) = self.long_bracket_level(i) {
                        i = self.skip_long_bracket(i, level);
                    } else {
                        while i < len && self.bytes[i] != b'\n' {
                            i += 1;
                        }
                    }
                }
                b'[' => {
                    if let Some(level) = self.long_bracket_level(i) {
                        i = self.skip_long_bracket(i, level);
                    } else {
                        i += 1;
                    }
                }
                b'"' | b'\'' => {
                    i += 1;
                    while i < len {
                        let s = self.bytes[i];
                        if s == b'\\' {
                            i += 2;
                        } else if s == c {
                            i += 1;
                            break;
                        } else {
                            i += 1;
                        }
                    }
                }
                b'{' => {
                    depth += 1;
                    i += 1;
                }
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        self.pos = i + 1;
                        return Some(Token {
                            kind: TokenKind::Word,
                            start: open,
                            end: i + 1,
                            value: self.slice(body_start, i).to_owned(),
                            quoted: true,
                        });
                    }
                    i += 1;
                }
                _ => i += 1,
            }
        }
        self.pos = len;
        self.hit_unterminated = true;
        self.errors.push(LexError {
            kind: SyntaxErrorKind::UnexpectedEof,
            message: "unexpected end of file, expecting \"}\"".to_owned(),
            start: open,
            end: open + 1,
            fatal: true,
        });
        None
    }

    /// If a Lua long bracket `[`, `=`*, `[` opens at `i`, its level (number of `=`).
    fn long_bracket_level(&self, i: usize) -> Option<usize> {
        if self.bytes.get(i) != Some(&b'[') {
            return None;
        }
        let mut j = i + 1;
        while self.bytes.get(j) == Some(&b'=') {
            j += 1;
        }
        (self.bytes.get(j) == Some(&b'[')).then_some(j - i - 1)
    }

    /// Position just after the `]`, `=`*level, `]` that closes the long
    /// bracket opened at `i`, or the end of input.
    fn skip_long_bracket(&self, i: usize, level: usize) -> usize {
        let len = self.bytes.len();
        let mut j = i + level + 2;
        while j < len {
            if self.bytes[j] == b']' {
                let mut k = j + 1;
                while k < len && self.bytes[k] == b'=' {
                    k += 1;
                }
                if k - j - 1 == level && self.bytes.get(k) == Some(&b']') {
                    return k + 1;
                }
                j = k;
            } else {
                j += 1;
            }
        }
        len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex(text: &str) -> Vec<(TokenKind, String, bool)> {
        let mut lx = Lexer::new(text);
        let mut out = Vec::new();
        while let Some(t) = lx.next_token() {
            out.push((t.kind, t.value, t.quoted));
        }
        out
    }

    fn words(text: &str) -> Vec<String> {
        lex(text).into_iter().map(|(_, v, _)| v).collect()
    }

    #[test]
    fn splits_on_nginx_whitespace_only() {
        assert_eq!(words("a\tb\r\nc;"), ["a", "b", "c", ";"]);
        // Form feed and NBSP are word characters to nginx.
        assert_eq!(words("a\u{c}b c\u{a0}d"), ["a\u{c}b", "c\u{a0}d"]);
    }

    #[test]
    fn quoted_strings_keep_escapes_like_crossplane() {
        assert_eq!(
            lex(r#""a\"b" 'it\'s' "\n" "\\" 'q"q' "x'y" "a\'b""#)
                .into_iter()
                .map(|(_, v, q)| (v, q))
                .collect::<Vec<_>>(),
            [
                ("a\"b".to_owned(), true),
                ("it's".to_owned(), true),
                ("\\n".to_owned(), true),
                ("\\\\".to_owned(), true),
                ("q\"q".to_owned(), true),
                ("x'y".to_owned(), true),
                ("a\\'b".to_owned(), true),
            ]
        );
        // Unquoted words keep everything as written.
        assert_eq!(words(r#"x\"y a\ b"#), [r#"x\"y"#, r"a\ b"]);
    }

    #[test]
    fn braces_and_semicolons_inside_quotes_are_literal() {
        assert_eq!(words(r#"a "{;}" '}';"#), ["a", "{;}", "}", ";"]);
    }

    #[test]
    fn dollar_brace_does_not_open_a_block() {
        assert_eq!(words("set $a ${host}x;"), ["set", "$a", "${host}x", ";"]);
        assert_eq!(words("a$x{"), ["a$x", "{"]);
        // `}` inside a word belongs to it (nginx), `{` ends it.
        assert_eq!(words("a}b c{"), ["a}b", "c", "{"]);
    }

    #[test]
    fn hash_starts_a_comment_only_at_token_start() {
        assert_eq!(
            lex("a#b # c d\r\nx"),
            [
                (TokenKind::Word, "a#b".into(), false),
                (TokenKind::Comment, " c d".into(), false),
                (TokenKind::Word, "x".into(), false),
            ]
        );
    }

    #[test]
    fn unterminated_quote_points_at_the_opening_quote() {
        let mut lx = Lexer::new("a \"bc");
        while lx.next_token().is_some() {}
        assert_eq!(lx.errors.len(), 1);
        assert_eq!((lx.errors[0].start, lx.errors[0].end), (2, 3));
        assert!(lx.errors[0].fatal);
        assert!(lx.hit_unterminated);
    }

    #[test]
    fn parenthesis_may_follow_a_closing_quote() {
        let mut lx = Lexer::new("($a = \"b\")");
        let toks: Vec<_> = std::iter::from_fn(|| lx.next_token())
            .map(|t| t.value)
            .collect();
        assert_eq!(toks, ["($a", "=", "b", ")"]);
        assert!(lx.errors.is_empty());
    }

    #[test]
    fn tokens_longer_than_nginx_buffer_are_refused() {
        // Verified with nginx -t: a 4095-byte word passes, 4096 fails; a quoted
        // string fails from 4095 bytes of content (the closing quote must fit).
        for (text, errors) in [
            ("a".repeat(4095), 0),
            ("a".repeat(4096), 1),
            (format!("\"{}\"", "a".repeat(4094)), 0),
            (format!("\"{}\"", "a".repeat(4095)), 1),
        ] {
            let mut lx = Lexer::new(&text);
            while lx.next_token().is_some() {}
            assert_eq!(lx.errors.len(), errors, "{}", text.len());
        }
    }

    #[test]
    fn junk_after_closing_quote_is_reported() {
        let mut lx = Lexer::new("\"abc\"def;");
        let toks: Vec<_> = std::iter::from_fn(|| lx.next_token())
            .map(|t| t.value)
            .collect();
        assert_eq!(toks, ["abc", "def", ";"]);
        assert_eq!(lx.errors.len(), 1);
        assert_eq!(lx.errors[0].start, 5);
        assert!(!lx.errors[0].fatal);
    }

    #[test]
    fn lua_body_ignores_braces_in_strings_and_comments() {
        let text = "{ local s = \"}\" -- }\n local t = [[ {% if x %} } ]] --[==[ } ]==]\n if a then b = {1} end }rest";
        let mut lx = Lexer::new(text);
        let open = lx.next_token().unwrap_or_else(|| unreachable!());
        assert_eq!(open.kind, TokenKind::Open);
        let body = lx.lua_body(open.start).unwrap_or_else(|| unreachable!());
        assert_eq!(body.value, &text[1..text.len() - 5]);
        assert_eq!(body.end, text.len() - 4);
        assert_eq!(lx.next_token().map(|t| t.value), Some("rest".to_owned()));
    }

    #[test]
    fn unterminated_lua_body_is_an_error() {
        let mut lx = Lexer::new("{ a = { ");
        let open = lx.next_token().unwrap_or_else(|| unreachable!());
        assert!(lx.lua_body(open.start).is_none());
        assert_eq!(lx.errors.len(), 1);
        assert_eq!(lx.errors[0].start, 0);
    }

    #[test]
    fn never_panics_on_odd_input() {
        for text in [
            "\\",
            "\"\\",
            "'",
            "a\\",
            "$",
            "${",
            "\u{fffd}\\\u{e9}x",
            "#",
            "\"a\"\u{e9}",
        ] {
            let mut lx = Lexer::new(text);
            while lx.next_token().is_some() {}
            let mut lx = Lexer::new(text);
            let _ = lx.lua_body(0);
        }
    }
}
