//! The syntax tree of a policy expression, its types and its error type.

use std::fmt;
use std::ops::Range;

use crate::value::Millis;

/// Deepest tree the parser builds, and deepest nesting of parentheses,
/// prefix operators, lists and calls it accepts. Parsing, checking,
/// evaluating, printing and dropping all recurse, so depth must be bounded;
/// 128 keeps the worst case well inside a 2 MiB thread stack even in debug
/// builds, and real conditions nest a few levels at most.
pub const MAX_DEPTH: u32 = 128;

/// The static type of an expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    Duration,
    /// A whole number (i64).
    Number,
    String,
    Bool,
    /// A list of strings.
    List,
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Type::Duration => "duration",
            Type::Number => "number",
            Type::String => "string",
            Type::Bool => "bool",
            Type::List => "list",
        })
    }
}

/// An error in an expression or template, located by byte range in its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExprError {
    pub message: String,
    /// Byte range within the expression (or template) text.
    pub span: Range<usize>,
    /// A suggested fix, e.g. "did you mean `proxy.read_timeout`?".
    pub help: Option<String>,
}

impl ExprError {
    #[must_use]
    pub fn new(message: impl Into<String>, span: Range<usize>) -> Self {
        Self {
            message: message.into(),
            span,
            help: None,
        }
    }

    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The same error with its span moved by `by` bytes, for an expression
    /// embedded in a larger text (e.g. a YAML scalar).
    #[must_use]
    pub fn shifted(mut self, by: usize) -> Self {
        self.span = self.span.start.saturating_add(by)..self.span.end.saturating_add(by);
        self
    }
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(help) = &self.help {
            write!(f, " (help: {help})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ExprError {}

/// Prefix operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `not`
    Not,
    /// `-`
    Neg,
}

/// Infix operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Add,
    Sub,
    Mul,
    Div,
}

impl BinOp {
    /// How the operator is written.
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "or",
            BinOp::And => "and",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::In => "in",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
        }
    }

    /// `== != < <= > >= in`
    #[must_use]
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::In
        )
    }
}

/// Built-in functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Func {
    Min,
    Max,
    IsSet,
    IsUnset,
    IsUnknown,
    IsDefault,
    Seconds,
    Duration,
    /// `if(condition, then, else)`.
    If,
}

impl Func {
    /// Every function, for lookups and suggestions.
    pub const ALL: [Func; 9] = [
        Func::Min,
        Func::Max,
        Func::IsSet,
        Func::IsUnset,
        Func::IsUnknown,
        Func::IsDefault,
        Func::Seconds,
        Func::Duration,
        Func::If,
    ];

    /// How the function is written.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Func::Min => "min",
            Func::Max => "max",
            Func::IsSet => "is_set",
            Func::IsUnset => "is_unset",
            Func::IsUnknown => "is_unknown",
            Func::IsDefault => "is_default",
            Func::Seconds => "seconds",
            Func::Duration => "duration",
            Func::If => "if",
        }
    }

    #[must_use]
    pub fn from_name(name: &str) -> Option<Func> {
        Func::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Functions whose single argument must be a field path (they look at
    /// the field's state, not at its value).
    #[must_use]
    pub fn takes_field(self) -> bool {
        matches!(
            self,
            Func::IsSet | Func::IsUnset | Func::IsUnknown | Func::IsDefault
        )
    }
}

/// What an expression node is.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// Duration literal, e.g. `1m30s`. Always at most `i64::MAX` ms.
    Duration(Millis),
    /// Whole-number literal (never negative; `-3` is `Neg(3)`).
    Number(i64),
    /// String literal, escapes resolved.
    Str(String),
    Bool(bool),
    /// `[a, b]`; only valid as the right side of `in` (enforced by `check`).
    List(Vec<Expr>),
    /// A dotted path naming a model field, e.g. `app.timeout`.
    Field(String),
    /// A bare identifier naming a policy parameter, e.g. `margin`.
    Param(String),
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinOp,
        /// Where the operator is written.
        op_span: Range<usize>,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Call {
        func: Func,
        /// Where the function name is written.
        name_span: Range<usize>,
        args: Vec<Expr>,
    },
}

/// An expression node with the byte range it covers in the expression text.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Range<usize>,
    /// Height of this subtree (a leaf is 1); bounded by [`MAX_DEPTH`].
    depth: u32,
}

impl Expr {
    /// A node; its depth is derived from its children.
    #[must_use]
    pub fn new(kind: ExprKind, span: Range<usize>) -> Self {
        let children = match &kind {
            ExprKind::Unary { operand, .. } => operand.depth,
            ExprKind::Binary { lhs, rhs, .. } => lhs.depth.max(rhs.depth),
            ExprKind::List(items) | ExprKind::Call { args: items, .. } => {
                items.iter().map(|e| e.depth).max().unwrap_or(0)
            }
            _ => 0,
        };
        Self {
            kind,
            span,
            depth: children.saturating_add(1),
        }
    }

    /// Height of the tree below and including this node.
    #[must_use]
    pub fn depth(&self) -> u32 {
        self.depth
    }

    /// The direct children, in source order.
    #[must_use]
    pub fn children(&self) -> Vec<&Expr> {
        match &self.kind {
            ExprKind::Unary { operand, .. } => vec![operand],
            ExprKind::Binary { lhs, rhs, .. } => vec![lhs, rhs],
            ExprKind::List(items) | ExprKind::Call { args: items, .. } => items.iter().collect(),
            _ => Vec::new(),
        }
    }
}

/// Writes a string literal that parses back to `s`.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Canonical form with every operator application parenthesised, e.g.
/// `a + b * c` prints as `(a + (b * c))`. Parses back to an equal tree
/// (up to spans).
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExprKind::Duration(d) => f.write_str(&d.compound()),
            ExprKind::Number(n) => write!(f, "{n}"),
            ExprKind::Str(s) => f.write_str(&quote(s)),
            ExprKind::Bool(b) => write!(f, "{b}"),
            ExprKind::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            ExprKind::Field(name) | ExprKind::Param(name) => f.write_str(name),
            ExprKind::Unary {
                op: UnaryOp::Not,
                operand,
            } => write!(f, "(not {operand})"),
            ExprKind::Unary {
                op: UnaryOp::Neg,
                operand,
            } => write!(f, "(-{operand})"),
            ExprKind::Binary { op, lhs, rhs, .. } => write!(f, "({lhs} {} {rhs})", op.symbol()),
            ExprKind::Call { func, args, .. } => {
                write!(f, "{}(", func.name())?;
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{arg}")?;
                }
                f.write_str(")")
            }
        }
    }
}

/// Every field path referenced, with where it is written, in source order.
#[must_use]
pub fn fields(expr: &Expr) -> Vec<(String, Range<usize>)> {
    let mut out = Vec::new();
    collect_names(expr, &mut out, true);
    out
}

/// Every parameter referenced, with where it is written, in source order.
#[must_use]
pub fn params(expr: &Expr) -> Vec<(String, Range<usize>)> {
    let mut out = Vec::new();
    collect_names(expr, &mut out, false);
    out
}

fn collect_names(expr: &Expr, out: &mut Vec<(String, Range<usize>)>, want_fields: bool) {
    match &expr.kind {
        ExprKind::Field(name) if want_fields => out.push((name.clone(), expr.span.clone())),
        ExprKind::Param(name) if !want_fields => out.push((name.clone(), expr.span.clone())),
        _ => {
            for child in expr.children() {
                collect_names(child, out, want_fields);
            }
        }
    }
}

/// Optimal-string-alignment edit distance (a transposition counts as one
/// edit), for "did you mean" suggestions.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for (i, row) in d.chunks_mut(width).enumerate() {
        if let Some(first) = row.first_mut() {
            *first = i;
        }
    }
    for (j, cell) in d.iter_mut().take(width).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a.get(i - 1) != b.get(j - 1));
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a.get(i - 1) == b.get(j - 2) && a.get(i - 2) == b.get(j - 1) {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

/// The candidate closest to `name`, if it is close enough to be a typo.
pub(crate) fn closest<'c>(
    name: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_transpositions_once() {
        assert_eq!(edit_distance("margin", "marign"), 1);
        assert_eq!(edit_distance("read_timout", "read_timeout"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("abc", "abc"), 0);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn closest_ignores_distant_names() {
        let names = ["app.timeout", "proxy.read_timeout", "lb.idle_timeout"];
        assert_eq!(
            closest("proxy.read_timout", names),
            Some("proxy.read_timeout")
        );
        assert_eq!(closest("app.timeuot", names), Some("app.timeout"));
        assert_eq!(closest("db.pool_size", names), None);
        assert_eq!(closest("x", ["y"]), Some("y"));
        assert_eq!(closest("x", ["yz"]), None);
    }

    #[test]
    fn quote_escapes_quotes_and_backslashes() {
        assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
    }
}
