//! Parser for policy expressions, built on nom 8.
//!
//! The grammar is LL(1): every choice is made on the next character or word,
//! so the parser never backtracks and every error is final (`nom::Err::Failure`)
//! and carries an exact byte range. Spans are offsets of the remaining input
//! against the full text (`base + src.len() - rest.len()`).
//!
//! ```text
//! expr    := prefix (infix prefix)*          -- by binding power, see `binding_power`
//! prefix  := "not" expr<cmp> | "-" expr<atom> | atom
//! atom    := "(" expr ")" | "[" (expr ("," expr)* ","?)? "]" | string | number | duration
//!          | "true" | "false" | name "(" args ")" | path | name
//! ```
//!
//! Binary operators are parsed by precedence climbing rather than one
//! function per level: each level of parentheses then costs a handful of
//! stack frames, which keeps the nesting limit safe on small thread stacks.

use std::cell::Cell;
use std::ops::Range;

use nom::IResult;
use nom::Parser as _;
use nom::bytes::complete::take_while;
use nom::character::complete::{digit1, multispace0, satisfy};
use nom::combinator::recognize;
use nom::error::{ErrorKind, ParseError};
use nom::sequence::pair;

use super::ast::{BinOp, Expr, ExprError, ExprKind, Func, MAX_DEPTH, UnaryOp, closest};
use crate::value::Millis;

/// Words that cannot name a parameter or start a field path.
const KEYWORDS: [&str; 6] = ["and", "or", "not", "in", "true", "false"];

/// Duration units, largest first, with their size in milliseconds.
const UNITS: [(&str, u64); 5] = [
    ("d", 86_400_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1000),
    ("ms", 1),
];

/// Binding power of the operand of prefix `not`: comparisons and tighter.
const NOT_OPERAND_BP: u8 = 3;
/// Binding power of the operand of prefix `-`: atoms only.
const NEG_OPERAND_BP: u8 = 6;

/// How tightly an infix operator binds (higher binds tighter).
fn binding_power(op: BinOp) -> u8 {
    match op {
        BinOp::Or => 1,
        BinOp::And => 2,
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::In => 3,
        BinOp::Add | BinOp::Sub => 4,
        BinOp::Mul | BinOp::Div => 5,
    }
}

const FUNCTIONS_HELP: &str =
    "functions are min, max, is_set, is_unset, is_unknown, is_default, seconds and duration";

/// Parses one expression.
///
/// # Errors
/// An [`ExprError`] whose span is the byte range of the offending text.
pub fn parse(src: &str) -> Result<Expr, ExprError> {
    parse_at(src, 0)
}

/// Parses `src`, reporting spans shifted by `base` (for an expression inside
/// a larger text such as a message template).
pub(crate) fn parse_at(src: &str, base: usize) -> Result<Expr, ExprError> {
    let p = Parser {
        src,
        base,
        nesting: Cell::new(0),
    };
    if src.trim().is_empty() {
        return Err(ExprError::new("empty expression", base..base + src.len())
            .with_help("write a condition such as `app.timeout < proxy.read_timeout`"));
    }
    match p.expr(src, 0) {
        Ok((rest, expr)) => {
            let rest = ws(rest);
            if rest.is_empty() {
                Ok(expr)
            } else {
                Err(p.unexpected_after_operand(rest, None))
            }
        }
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => Err(p.to_error(e)),
        Err(nom::Err::Incomplete(_)) => Err(ExprError::new(
            "incomplete expression",
            base + src.len()..base + src.len(),
        )),
    }
}

/// Parser error: either one of ours (with an exact span) or one produced by a
/// nom primitive (located by the length of the remaining input). Boxed so
/// that results stay small on the recursive path.
#[derive(Debug)]
pub(crate) enum PErr {
    Ours(Box<ExprError>),
    Nom { rest_len: usize, kind: ErrorKind },
}

impl ParseError<&str> for PErr {
    fn from_error_kind(input: &str, kind: ErrorKind) -> Self {
        PErr::Nom {
            rest_len: input.len(),
            kind,
        }
    }

    fn append(_input: &str, _kind: ErrorKind, other: Self) -> Self {
        other
    }
}

type PResult<'s, T> = IResult<&'s str, T, PErr>;

/// Skips whitespace (spaces, tabs, newlines).
fn ws(i: &str) -> &str {
    match multispace0::<_, PErr>(i) {
        Ok((rest, _)) => rest,
        Err(_) => i,
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_lowercase() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'
}

/// `[a-z_][a-z0-9_]*`
fn ident(i: &str) -> Option<(&str, &str)> {
    recognize(pair(
        satisfy::<_, _, PErr>(is_ident_start),
        take_while(is_ident_char),
    ))
    .parse(i)
    .ok()
}

/// The keyword `word` as a whole word (so `order` is not `or`).
fn keyword<'s>(i: &'s str, word: &str) -> Option<&'s str> {
    match ident(i) {
        Some((rest, w)) if w == word => Some(rest),
        _ => None,
    }
}

/// A run of letters/underscores/digits that follows a number (a unit or junk).
fn word_chars(i: &str) -> (&str, &str) {
    match take_while::<_, _, PErr>(|c: char| c.is_alphanumeric() || c == '_').parse(i) {
        Ok((rest, w)) => (rest, w),
        Err(_) => (i, ""),
    }
}

/// The next token for error messages: a word, a number, or one character.
fn next_token(i: &str) -> &str {
    let (_, w) = word_chars(i);
    if !w.is_empty() {
        return w;
    }
    let len = i.chars().next().map_or(0, char::len_utf8);
    i.get(..len).unwrap_or("")
}

/// A token for a message: `` `x` ``, or a description of an invisible character.
fn describe(tok: &str) -> String {
    match tok.chars().next() {
        Some(c) if c.is_whitespace() || c.is_control() => {
            format!("U+{:04X} (an invisible character)", u32::from(c))
        }
        _ => format!("`{tok}`"),
    }
}

fn failure(err: ExprError) -> nom::Err<PErr> {
    nom::Err::Failure(PErr::Ours(Box::new(err)))
}

struct Parser<'s> {
    src: &'s str,
    base: usize,
    /// Current recursion depth (parentheses, prefix operators, lists, calls).
    nesting: Cell<u32>,
}

impl<'s> Parser<'s> {
    /// Absolute offset of the remaining input `rest`.
    fn off(&self, rest: &str) -> usize {
        self.base + self.src.len().saturating_sub(rest.len())
    }

    /// The source text between two absolute offsets.
    fn text(&self, span: Range<usize>) -> &'s str {
        self.src
            .get(span.start.saturating_sub(self.base)..span.end.saturating_sub(self.base))
            .unwrap_or("")
    }

    fn fail<T>(&self, err: ExprError) -> PResult<'s, T> {
        Err(failure(err))
    }

    fn to_error(&self, e: PErr) -> ExprError {
        match e {
            PErr::Ours(e) => *e,
            PErr::Nom { rest_len, kind } => {
                let at = self.base + self.src.len().saturating_sub(rest_len);
                ExprError::new(format!("syntax error ({})", kind.description()), at..at)
            }
        }
    }

    /// Runs `f` one nesting level deeper, failing beyond [`MAX_DEPTH`].
    fn nested<T>(&self, at: Range<usize>, f: impl FnOnce() -> PResult<'s, T>) -> PResult<'s, T> {
        let depth = self.nesting.get();
        if depth >= MAX_DEPTH {
            return Err(too_deep(at));
        }
        self.nesting.set(depth + 1);
        let result = f();
        self.nesting.set(depth);
        result
    }

    /// Builds a node, failing if the tree would get deeper than [`MAX_DEPTH`]
    /// (long operator chains deepen the tree without nesting the parser).
    fn node(&self, kind: ExprKind, span: Range<usize>) -> Result<Expr, nom::Err<PErr>> {
        let expr = Expr::new(kind, span);
        if expr.depth() > MAX_DEPTH {
            return Err(too_deep(expr.span.clone()));
        }
        Ok(expr)
    }

    /// An expression whose operators all bind at least as tightly as `min_bp`.
    fn expr(&self, i: &'s str, min_bp: u8) -> PResult<'s, Expr> {
        let i = ws(i);
        let start = self.off(i);
        let (mut rest, mut lhs) = self.prefix(i, min_bp)?;
        loop {
            let j = ws(rest);
            let Some((op, len)) = self.infix_op(j)? else {
                break;
            };
            let bp = binding_power(op);
            if bp < min_bp {
                break;
            }
            let op_at = self.off(j);
            let (after, rhs) = self.expr(j.get(len..).unwrap_or(""), bp + 1)?;
            lhs = self.node(
                ExprKind::Binary {
                    op,
                    op_span: op_at..op_at + len,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                },
                start..self.off(after),
            )?;
            rest = after;
            if op.is_comparison() {
                let k = ws(rest);
                if let Some((second, second_len)) = self.infix_op(k)?
                    && second.is_comparison()
                {
                    let at = self.off(k);
                    return Err(chained(op, second, at..at + second_len));
                }
            }
        }
        Ok((rest, lhs))
    }

    /// Prefix `not`, prefix `-`, or an atom.
    fn prefix(&self, i: &'s str, min_bp: u8) -> PResult<'s, Expr> {
        let start = self.off(i);
        let (op, after, operand_bp) = if let Some(after) = keyword(i, "not") {
            if min_bp > NOT_OPERAND_BP {
                return Err(not_inside(start));
            }
            (UnaryOp::Not, after, NOT_OPERAND_BP)
        } else if let Some(after) = i.strip_prefix('-') {
            (UnaryOp::Neg, after, NEG_OPERAND_BP)
        } else {
            return self.atom(i);
        };
        let op_len = self.off(after) - start;
        self.nested(start..start + op_len, || {
            let (rest, operand) = self.expr(after, operand_bp)?;
            let expr = self.node(
                ExprKind::Unary {
                    op,
                    operand: Box::new(operand),
                },
                start..self.off(rest),
            )?;
            Ok((rest, expr))
        })
    }

    /// The infix operator at the start of `i`, with its length in bytes.
    fn infix_op(&self, i: &'s str) -> Result<Option<(BinOp, usize)>, nom::Err<PErr>> {
        const SYMBOLS: [(&str, BinOp); 10] = [
            ("==", BinOp::Eq),
            ("!=", BinOp::Ne),
            ("<=", BinOp::Le),
            (">=", BinOp::Ge),
            ("<", BinOp::Lt),
            (">", BinOp::Gt),
            ("+", BinOp::Add),
            ("-", BinOp::Sub),
            ("*", BinOp::Mul),
            ("/", BinOp::Div),
        ];
        for (sym, op) in SYMBOLS {
            if i.starts_with(sym) {
                return Ok(Some((op, sym.len())));
            }
        }
        for (word, op) in [("and", BinOp::And), ("or", BinOp::Or), ("in", BinOp::In)] {
            if keyword(i, word).is_some() {
                return Ok(Some((op, word.len())));
            }
        }
        if keyword(i, "not").is_some()
            && let Some(after) = i.get(3..)
            && keyword(ws(after), "in").is_some()
        {
            let end = self.off(ws(after)) + 2;
            return Err(not_in(self.off(i)..end));
        }
        let at = self.off(i);
        match i.chars().next() {
            Some('=' | '!' | '&' | '|') => Err(bad_operator(i, at)),
            _ => Ok(None),
        }
    }

    fn atom(&self, i: &'s str) -> PResult<'s, Expr> {
        match i.chars().next() {
            Some('(') => self.parenthesised(i),
            Some('[') => self.list(i),
            Some('"' | '\'') => self.string(i),
            Some('0'..='9') => self.number(i),
            Some(c) if is_ident_start(c) => self.name(i),
            _ => Err(not_a_value(i, self.off(i))),
        }
    }

    fn parenthesised(&self, i: &'s str) -> PResult<'s, Expr> {
        let open = self.off(i);
        self.nested(open..open + 1, || {
            let (rest, inner) = self.expr(i.get(1..).unwrap_or(""), 0)?;
            let rest = ws(rest);
            match rest.strip_prefix(')') {
                Some(after) => Ok((after, inner)),
                None if rest.is_empty() => Err(unclosed("`(`", ')', open)),
                None => Err(failure(self.unexpected_after_operand(rest, Some(")")))),
            }
        })
    }

    /// Comma-separated expressions up to `close`; `i` starts after the opener
    /// at `open`.
    fn items(&self, mut i: &'s str, open: usize, close: char) -> PResult<'s, Vec<Expr>> {
        let mut items = Vec::new();
        loop {
            let j = ws(i);
            if let Some(after) = j.strip_prefix(close) {
                return Ok((after, items));
            }
            if j.is_empty() {
                return Err(self.unclosed_items(open, close));
            }
            let (rest, item) = self.expr(j, 0)?;
            items.push(item);
            let rest = ws(rest);
            if let Some(after) = rest.strip_prefix(',') {
                i = after;
            } else if let Some(after) = rest.strip_prefix(close) {
                return Ok((after, items));
            } else if rest.is_empty() {
                return Err(self.unclosed_items(open, close));
            } else {
                return Err(expected_separator(close, rest, self.off(rest)));
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn unclosed_items(&self, open: usize, close: char) -> nom::Err<PErr> {
        if close == ']' {
            return unclosed("list `[`", ']', open);
        }
        // The call's name ends at the `(` (after optional whitespace).
        let before = self.text(self.base..open).trim_end();
        let name: String = before
            .chars()
            .rev()
            .take_while(|c| is_ident_char(*c))
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        unclosed(&format!("call to `{name}`"), ')', open)
    }

    fn list(&self, i: &'s str) -> PResult<'s, Expr> {
        let open = self.off(i);
        self.nested(open..open + 1, || {
            let (rest, items) = self.items(i.get(1..).unwrap_or(""), open, ']')?;
            let expr = self.node(ExprKind::List(items), open..self.off(rest))?;
            Ok((rest, expr))
        })
    }

    /// A field path, a parameter, a boolean literal or a function call.
    fn name(&self, i: &'s str) -> PResult<'s, Expr> {
        let start = self.off(i);
        let Some((mut rest, first)) = ident(i) else {
            return Err(not_a_value(i, start));
        };
        match first {
            "true" | "false" => {
                let expr = self.node(ExprKind::Bool(first == "true"), start..self.off(rest))?;
                return Ok((rest, expr));
            }
            "not" => return Err(not_inside(start)),
            kw if KEYWORDS.contains(&kw) => return Err(keyword_as_value(kw, start)),
            _ => {}
        }
        let mut dotted = false;
        while let Some(after_dot) = rest.strip_prefix('.') {
            let Some((after, _)) = ident(after_dot) else {
                return Err(bad_path_segment(after_dot, self.off(after_dot)));
            };
            rest = after;
            dotted = true;
        }
        let span = start..self.off(rest);
        let text = self.text(span.clone());
        let after_ws = ws(rest);
        if after_ws.starts_with('(') {
            return self.call(text, dotted, span, after_ws);
        }
        let kind = if dotted {
            ExprKind::Field(text.to_owned())
        } else {
            ExprKind::Param(text.to_owned())
        };
        Ok((rest, self.node(kind, span)?))
    }

    /// `name(args)`; `i` starts at the `(`.
    fn call(&self, name: &str, dotted: bool, span: Range<usize>, i: &'s str) -> PResult<'s, Expr> {
        let Some(func) = Func::from_name(name).filter(|_| !dotted) else {
            return Err(unknown_function(name, dotted, span));
        };
        let open = self.off(i);
        let start = span.start;
        self.nested(span.clone(), || {
            let (rest, args) = self.items(i.get(1..).unwrap_or(""), open, ')')?;
            let expr = self.node(
                ExprKind::Call {
                    func,
                    name_span: span,
                    args,
                },
                start..self.off(rest),
            )?;
            Ok((rest, expr))
        })
    }

    fn string(&self, i: &'s str) -> PResult<'s, Expr> {
        let start = self.off(i);
        let mut chars = i.char_indices();
        let Some((_, quote)) = chars.next() else {
            return self.fail(ExprError::new("expected a string", start..start));
        };
        let mut value = String::new();
        while let Some((at, c)) = chars.next() {
            if c == quote {
                let end = at + c.len_utf8();
                let rest = i.get(end..).unwrap_or("");
                let expr = self.node(ExprKind::Str(value), start..start + end)?;
                return Ok((rest, expr));
            }
            if c == '\\' {
                match chars.next() {
                    Some((_, e @ ('"' | '\'' | '\\'))) => value.push(e),
                    Some((_, e)) => {
                        return self.fail(
                            ExprError::new(
                                format!("unknown escape `\\{e}` in string"),
                                start + at..start + at + 1 + e.len_utf8(),
                            )
                            .with_help(r#"the only escapes are `\"`, `\'` and `\\`"#),
                        );
                    }
                    None => break,
                }
            } else {
                value.push(c);
            }
        }
        self.fail(
            ExprError::new("unterminated string", start..start + i.len())
                .with_help(format!("add a closing `{quote}`")),
        )
    }

    /// A number (`30`) or a duration (`30s`, `1m30s`, `500ms`).
    fn number(&self, i: &'s str) -> PResult<'s, Expr> {
        let start = self.off(i);
        let (rest, digits) = digit1(i)?;
        // A fraction: refuse it, suggesting the exact whole-unit spelling.
        if let Some(frac_part) = rest.strip_prefix('.')
            && let Ok((after_frac, frac)) = digit1::<_, PErr>(frac_part)
        {
            let (after_unit, unit) = word_chars(after_frac);
            let end = self.off(after_unit);
            if unit.is_empty() {
                return self.fail(
                    ExprError::new("fractional numbers are not supported", start..end)
                        .with_help("use a whole number"),
                );
            }
            let mut err = ExprError::new("fractional durations are not supported", start..end);
            if let Some(ms) = fraction_millis(digits, frac, unit) {
                err = err.with_help(format!("write `{}`", Millis(ms).compound()));
            } else {
                err = err.with_help("write whole units, largest first, e.g. `1s500ms`");
            }
            return self.fail(err);
        }
        let (_, unit) = word_chars(rest);
        if unit.is_empty() {
            return match digits.parse::<i64>() {
                Ok(n) => {
                    let expr = self.node(ExprKind::Number(n), start..self.off(rest))?;
                    Ok((rest, expr))
                }
                Err(_) => self.fail(ExprError::new(
                    format!("number too large (the largest is {})", i64::MAX),
                    start..self.off(rest),
                )),
            };
        }
        self.duration(i, start)
    }

    /// `(digits unit)+` with units strictly decreasing.
    fn duration(&self, i: &'s str, start: usize) -> PResult<'s, Expr> {
        let mut rest = i;
        let mut total: u64 = 0;
        let mut overflow = false;
        let mut last_rank: Option<usize> = None;
        let mut out_of_order = false;
        while let Ok((after_digits, digits)) = digit1::<_, PErr>(rest) {
            let (after_unit, unit) = word_chars(after_digits);
            let unit_at = self.off(after_digits);
            if unit.is_empty() {
                return self.fail(
                    ExprError::new(
                        format!("`{digits}` in a duration needs a unit"),
                        self.off(rest)..unit_at,
                    )
                    .with_help("units are ms, s, m, h and d, e.g. `1m30s`"),
                );
            }
            // A unit is a run of letters; digits may continue the duration
            // (`1m30s`), so split the run at the first digit.
            let letters_len = unit
                .find(|c: char| c.is_ascii_digit())
                .unwrap_or(unit.len());
            let (unit, after_unit) = match unit.get(..letters_len) {
                Some(letters) if letters_len < unit.len() => {
                    (letters, after_digits.get(letters_len..).unwrap_or(""))
                }
                _ => (unit, after_unit),
            };
            let Some(rank) = UNITS.iter().position(|(name, _)| *name == unit) else {
                return self.fail(
                    ExprError::new(
                        format!("unknown duration unit `{unit}`"),
                        unit_at..unit_at + unit.len(),
                    )
                    .with_help("units are ms, s, m, h and d, e.g. `30s`, `1m30s`, `500ms`"),
                );
            };
            if last_rank.is_some_and(|last| rank <= last) {
                out_of_order = true;
            }
            last_rank = Some(rank);
            let size = UNITS.get(rank).map_or(1, |(_, size)| *size);
            match digits
                .parse::<u64>()
                .ok()
                .and_then(|n| n.checked_mul(size))
                .and_then(|ms| ms.checked_add(total))
            {
                Some(t) => total = t,
                None => overflow = true,
            }
            rest = after_unit;
        }
        let span = start..self.off(rest);
        if out_of_order {
            let mut err = ExprError::new(
                "duration units must go from largest to smallest, each at most once",
                span,
            );
            if !overflow && i64::try_from(total).is_ok() {
                err = err.with_help(format!("write `{}`", Millis(total).compound()));
            }
            return self.fail(err);
        }
        if overflow || i64::try_from(total).is_err() {
            return self.fail(ExprError::new("duration too large", span));
        }
        let expr = self.node(ExprKind::Duration(Millis(total)), span)?;
        Ok((rest, expr))
    }

    /// The error for text that follows a complete operand but is not an
    /// operator (or the expected closer).
    fn unexpected_after_operand(&self, rest: &str, closer: Option<&str>) -> ExprError {
        let at = self.off(rest);
        let tok = next_token(rest);
        let span = at..at + tok.len();
        if tok == ")" && closer.is_none() {
            return ExprError::new("unmatched `)`", span).with_help("remove it or add a `(`");
        }
        if tok == "]" && closer.is_none() {
            return ExprError::new("unmatched `]`", span);
        }
        let before = self
            .src
            .get(..at.saturating_sub(self.base))
            .unwrap_or("")
            .trim_end_matches(char::is_whitespace);
        // The word (letters, digits, `_`, `.`) just before the unexpected token.
        let prev_start = before
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
            .map_or(0, |k| k + 1);
        let prev = before.get(prev_start..).unwrap_or("");
        let prev_is_number = !prev.is_empty() && prev.chars().all(|c| c.is_ascii_digit());
        let prev_is_duration = prev.starts_with(|c: char| c.is_ascii_digit());
        // `30 s`: a unit separated from its number.
        if prev_is_number && UNITS.iter().any(|(u, _)| *u == tok) {
            return ExprError::new(
                format!("unexpected `{tok}` after the number `{prev}`"),
                span,
            )
            .with_help(format!("write durations without a space: `{prev}{tok}`"));
        }
        // `1m 30s`: a duration split by a space.
        if prev_is_duration
            && !prev_is_number
            && tok.starts_with(|c: char| c.is_ascii_digit())
            && tok.contains(|c: char| c.is_ascii_alphabetic())
        {
            return ExprError::new(
                format!("unexpected `{tok}` after the duration `{prev}`"),
                span,
            )
            .with_help(format!("write durations without spaces: `{prev}{tok}`"));
        }
        // `is_set app.x`: a function used without parentheses.
        if Func::from_name(prev).is_some() && tok.starts_with(is_ident_start) {
            let arg = rest
                .chars()
                .take_while(|c| is_ident_char(*c) || *c == '.')
                .collect::<String>();
            return ExprError::new(format!("unexpected `{tok}` after `{prev}`"), span)
                .with_help(format!("call functions with parentheses: `{prev}({arg})`"));
        }
        let expected = match closer {
            Some(c) => format!("an operator or `{c}`"),
            None => "an operator such as `and`, `or`, `==`, `<` or `+`".to_owned(),
        };
        ExprError::new(format!("unexpected {}", describe(tok)), span)
            .with_help(format!("expected {expected}"))
    }
}

// Error constructors, kept out of the recursive functions so that their
// stack frames stay small.

#[cold]
#[inline(never)]
fn too_deep(at: Range<usize>) -> nom::Err<PErr> {
    failure(ExprError::new(
        format!("expression is nested too deeply (more than {MAX_DEPTH} levels)"),
        at,
    ))
}

#[cold]
#[inline(never)]
fn chained(first: BinOp, second: BinOp, at: Range<usize>) -> nom::Err<PErr> {
    failure(
        ExprError::new(
            format!(
                "comparisons cannot be chained: `{}` follows `{}`",
                second.symbol(),
                first.symbol()
            ),
            at,
        )
        .with_help("combine two comparisons with `and`, e.g. `a < b and b < c`"),
    )
}

#[cold]
#[inline(never)]
fn not_inside(at: usize) -> nom::Err<PErr> {
    failure(
        ExprError::new(
            "`not` cannot appear inside a comparison or arithmetic",
            at..at + 3,
        )
        .with_help("put the negated condition in parentheses, e.g. `a == (not b)`"),
    )
}

#[cold]
#[inline(never)]
fn not_in(span: Range<usize>) -> nom::Err<PErr> {
    failure(
        ExprError::new("`not in` is not an operator", span).with_help("write `not (x in [...])`"),
    )
}

/// `=`, `!`, `&&`, `||` written where an operator is expected.
#[cold]
#[inline(never)]
fn bad_operator(i: &str, at: usize) -> nom::Err<PErr> {
    let err = if i.starts_with("&&") {
        ExprError::new("`&&` is not an operator here", at..at + 2).with_help("write `and`")
    } else if i.starts_with("||") {
        ExprError::new("`||` is not an operator here", at..at + 2).with_help("write `or`")
    } else if i.starts_with('=') {
        ExprError::new("`=` is not a comparison", at..at + 1).with_help("write `==`")
    } else if i.starts_with('!') {
        ExprError::new("`!` is not an operator here", at..at + 1)
            .with_help("write `not` before a condition, or `!=` to compare")
    } else {
        let tok = next_token(i);
        ExprError::new(format!("unexpected `{tok}`"), at..at + tok.len())
            .with_help("write `and` or `or`")
    };
    failure(err)
}

/// Something that cannot start a value, where a value is expected.
#[cold]
#[inline(never)]
fn not_a_value(i: &str, start: usize) -> nom::Err<PErr> {
    let Some(c) = i.chars().next() else {
        return failure(
            ExprError::new(
                "the expression ends where a value was expected",
                start..start,
            )
            .with_help("add a value, a field such as `app.timeout`, or a parameter"),
        );
    };
    if c.is_ascii_uppercase() {
        let (_, word) = word_chars(i);
        let lower = i
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
            .collect::<String>()
            .to_ascii_lowercase();
        return failure(
            ExprError::new(
                format!("unexpected `{word}`: names are lowercase"),
                start..start + word.len(),
            )
            .with_help(format!("names are lowercase: write `{lower}`")),
        );
    }
    let tok = next_token(i);
    let span = start..start + tok.len();
    let err = match tok {
        ")" | "]" | "," => ExprError::new(format!("expected a value before `{tok}`"), span),
        _ => ExprError::new(format!("expected a value, found {}", describe(tok)), span),
    };
    failure(err.with_help(
        "a value is a number, a duration such as `30s`, a string, a field such as \
         `app.timeout`, a parameter, or a parenthesised expression",
    ))
}

#[cold]
#[inline(never)]
fn keyword_as_value(kw: &str, start: usize) -> nom::Err<PErr> {
    failure(
        ExprError::new(
            format!("expected a value, found the keyword `{kw}`"),
            start..start + kw.len(),
        )
        .with_help(
            "a value is a number, a duration, a string, a field, a parameter or a \
             parenthesised expression",
        ),
    )
}

/// `app.` or `app..x` or `app.Timeout`; `after_dot` starts after the dot at `at - 1`.
#[cold]
#[inline(never)]
fn bad_path_segment(after_dot: &str, at: usize) -> nom::Err<PErr> {
    let tok = next_token(after_dot);
    let msg = if tok.is_empty() || tok.chars().all(char::is_whitespace) {
        "expected a name after `.`".to_owned()
    } else {
        format!("expected a name after `.`, found `{tok}`")
    };
    failure(
        ExprError::new(msg, at.saturating_sub(1)..at + tok.len())
            .with_help("field paths look like `app.timeout` (lowercase letters, digits and `_`)"),
    )
}

#[cold]
#[inline(never)]
fn unknown_function(name: &str, dotted: bool, span: Range<usize>) -> nom::Err<PErr> {
    if dotted {
        return failure(
            ExprError::new(format!("`{name}` is a field, not a function"), span)
                .with_help(FUNCTIONS_HELP),
        );
    }
    let err = ExprError::new(format!("unknown function `{name}`"), span);
    failure(match closest(name, Func::ALL.iter().map(|f| f.name())) {
        Some(best) => err.with_help(format!("did you mean `{best}`?")),
        None => err.with_help(FUNCTIONS_HELP),
    })
}

#[cold]
#[inline(never)]
fn unclosed(what: &str, close: char, open: usize) -> nom::Err<PErr> {
    failure(
        ExprError::new(format!("unclosed {what}"), open..open + 1)
            .with_help(format!("add a matching `{close}`")),
    )
}

#[cold]
#[inline(never)]
fn expected_separator(close: char, rest: &str, at: usize) -> nom::Err<PErr> {
    let tok = next_token(rest);
    let what = if close == ']' { "list" } else { "arguments" };
    failure(
        ExprError::new(
            format!("expected `,` or `{close}` in {what}, found `{tok}`"),
            at..at + tok.len(),
        )
        .with_help("separate items with `,`"),
    )
}

/// `digits.frac unit` in milliseconds, if it is a whole number of ms.
fn fraction_millis(digits: &str, frac: &str, unit: &str) -> Option<u64> {
    let size = UNITS.iter().find(|(u, _)| *u == unit)?.1;
    let whole: u64 = digits.parse().ok()?;
    if frac.len() > 9 {
        return None;
    }
    let frac_value: u64 = frac.parse().ok()?;
    let scale = 10u64.checked_pow(u32::try_from(frac.len()).ok()?)?;
    let frac_ms = frac_value.checked_mul(size)?;
    if frac_ms % scale != 0 {
        return None;
    }
    whole.checked_mul(size)?.checked_add(frac_ms / scale)
}
