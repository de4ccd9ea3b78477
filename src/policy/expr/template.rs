//! Message templates: text with `{expression}` placeholders, `{{` and `}}`
//! for literal braces. A placeholder is any expression, usually a field
//! (`{app.timeout}`) or a parameter (`{margin}`), sometimes arithmetic
//! (`{proxy.read_timeout - app.timeout}`).

use std::ops::Range;

use super::ast::{Expr, ExprError, ExprKind, fields};
use super::check::{TypeEnv, check};
use super::eval::{ValueEnv, eval_rendered};
use super::parse::parse_at;

/// A parsed message template.
#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    pub parts: Vec<TemplatePart>,
}

/// A piece of a template.
#[derive(Clone, Debug, PartialEq)]
pub enum TemplatePart {
    /// Literal text, with `{{`/`}}` already turned into single braces.
    Text(String),
    /// A placeholder; the expression's spans are byte ranges in the template
    /// text. `span` covers the braces.
    Expr { expr: Expr, span: Range<usize> },
}

/// Parses a template such as `"{app.timeout} is below {proxy.read_timeout}"`.
///
/// # Errors
/// Unclosed `{`, lone `}`, empty placeholders, and any expression syntax
/// error, with spans in the template text.
pub fn parse_template(src: &str) -> Result<Template, ExprError> {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut chars = src.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '{' if chars.peek().is_some_and(|(_, n)| *n == '{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek().is_some_and(|(_, n)| *n == '}') => {
                chars.next();
                text.push('}');
            }
            '}' => {
                return Err(ExprError::new("unmatched `}` in message", at..at + 1)
                    .with_help("write `}}` for a literal `}`"));
            }
            '{' => {
                let close = placeholder_end(src, at + 1).ok_or_else(|| {
                    ExprError::new("unclosed `{` in message", at..at + 1).with_help(
                        "close the placeholder with `}`, or write `{{` for a literal `{`",
                    )
                })?;
                let inner = src.get(at + 1..close).unwrap_or("");
                if inner.trim().is_empty() {
                    return Err(ExprError::new("empty placeholder", at..close + 1)
                        .with_help("put a field inside, e.g. `{app.timeout}`, or write `{{}}` for literal braces"));
                }
                let expr = parse_at(inner, at + 1)?;
                if !text.is_empty() {
                    parts.push(TemplatePart::Text(std::mem::take(&mut text)));
                }
                parts.push(TemplatePart::Expr {
                    expr,
                    span: at..close + 1,
                });
                // Skip to just after the closing brace.
                while chars.next_if(|(i, _)| *i <= close).is_some() {}
            }
            c => text.push(c),
        }
    }
    if !text.is_empty() {
        parts.push(TemplatePart::Text(text));
    }
    Ok(Template { parts })
}

/// Byte offset of the `}` closing a placeholder whose content starts at
/// `from`, skipping braces inside string literals.
fn placeholder_end(src: &str, from: usize) -> Option<usize> {
    let rest = src.get(from..)?;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in rest.char_indices() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '"' | '\'' => quote = Some(c),
                '}' => return Some(from + i),
                _ => {}
            },
        }
    }
    None
}

/// Every field referenced by the template's placeholders, with its byte range
/// in the template text.
#[must_use]
pub fn template_fields(t: &Template) -> Vec<(String, Range<usize>)> {
    t.parts
        .iter()
        .flat_map(|p| match p {
            TemplatePart::Expr { expr, .. } => fields(expr),
            TemplatePart::Text(_) => Vec::new(),
        })
        .collect()
}

/// Type-checks every placeholder.
///
/// # Errors
/// The first placeholder that does not type-check (spans in template text).
pub fn check_template(t: &Template, env: &dyn TypeEnv) -> Result<(), ExprError> {
    for part in &t.parts {
        if let TemplatePart::Expr { expr, .. } = part {
            check(expr, env)?;
        }
    }
    Ok(())
}

/// Renders the template. A placeholder that names a field or parameter
/// shows its value as the model holds it (e.g. `30s`, `one of 30s, 1m`,
/// `unknown (set from $TIMEOUT)`); a computed placeholder shows its result,
/// or `one of ...` when `OneOf` inputs give several results.
#[must_use]
pub fn render(t: &Template, env: &dyn ValueEnv) -> String {
    let mut out = String::new();
    for part in &t.parts {
        match part {
            TemplatePart::Text(s) => out.push_str(s),
            TemplatePart::Expr { expr, .. } => match &expr.kind {
                ExprKind::Field(path) => out.push_str(&env.field(path).to_string()),
                ExprKind::Param(name) => out.push_str(&env.param(name).to_string()),
                _ => match eval_rendered(expr, env) {
                    Some(results) if results.len() == 1 => {
                        out.push_str(results.first().map_or("", String::as_str));
                    }
                    Some(results) => {
                        out.push_str("one of ");
                        out.push_str(&results.join(", "));
                    }
                    None => out.push_str("unknown"),
                },
            },
        }
    }
    out
}
