//! Loading a policy file: YAML with spans, every key checked, the condition
//! parsed and type-checked, templates checked. Any mistake is an error with a
//! span into the policy file (exit status 2), never a silently false rule.

use std::collections::BTreeMap;
use std::ops::Range;

use miette::{Diagnostic, NamedSource, SourceSpan};

use super::Policy;
use super::expr::{self, Type, TypeEnv};
use super::fields::{Subject, field_names_in, field_type_in, list_names};
use crate::finding::Severity;
use crate::sources::yaml::{self, Node, NodeKind, Text};
use crate::span::FileId;
use crate::value::{Millis, Value};

/// An invalid policy file, with the place of the mistake.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(parity::invalid_policy))]
pub struct PolicyError {
    pub message: String,
    pub path: String,
    /// Byte range in the policy file.
    pub range: Range<usize>,
    #[source_code]
    src: NamedSource<String>,
    #[label("{label}")]
    span: SourceSpan,
    label: String,
    #[help]
    pub help: Option<String>,
}

impl PolicyError {
    fn new(
        path: &str,
        text: &str,
        range: Range<usize>,
        message: impl Into<String>,
        help: Option<String>,
    ) -> Self {
        let message = message.into();
        let start = range.start.min(text.len());
        let end = range.end.clamp(start, text.len());
        Self {
            label: message.clone(),
            message,
            path: path.to_owned(),
            range: start..end,
            src: NamedSource::new(path, text.to_owned()),
            span: (start, end - start).into(),
            help,
        }
    }

    /// 1-based line of the mistake.
    #[must_use]
    pub fn line(&self) -> usize {
        let text = self.src.inner();
        text[..self.range.start.min(text.len())]
            .matches('\n')
            .count()
            + 1
    }
}

const KEYS: &[&str] = &[
    "id",
    "name",
    "severity",
    "summary",
    "applies_to",
    "params",
    "when",
    "for_each",
    "downgrade_when",
    "primary",
    "labels",
    "message",
    "help",
    "docs",
];

struct Loader<'a> {
    path: &'a str,
    text: &'a str,
}

impl Loader<'_> {
    fn err(
        &self,
        range: Range<usize>,
        msg: impl Into<String>,
        help: Option<String>,
    ) -> Box<PolicyError> {
        Box::new(PolicyError::new(self.path, self.text, range, msg, help))
    }

    fn str_of<'n>(&self, root: &'n Node, key: &str) -> Result<&'n Text, Box<PolicyError>> {
        match root.get(key) {
            Some(node) => node.as_text().ok_or_else(|| {
                self.err(node.span.range(), format!("`{key}` must be a string"), None)
            }),
            None => Err(self.err(0..0, format!("missing required key `{key}`"), None)),
        }
    }

    /// Maps a byte range inside a scalar's value to the file.
    fn in_text(t: &Text, r: Range<usize>) -> Range<usize> {
        t.span_of(r).range()
    }
}

struct Env<'a> {
    subject: Subject,
    /// The `for_each` list, whose items add `item.*` fields.
    list: Option<&'a str>,
    params: &'a BTreeMap<String, Value>,
}

fn value_type(v: &Value) -> Option<Type> {
    match v {
        Value::Duration(_) => Some(Type::Duration),
        Value::Int(_) => Some(Type::Number),
        Value::Str(_) => Some(Type::String),
        Value::Bool(_) => Some(Type::Bool),
        _ => None,
    }
}

impl TypeEnv for Env<'_> {
    fn field_type(&self, path: &str) -> Option<Type> {
        field_type_in(self.subject, self.list, path)
    }
    fn param_type(&self, name: &str) -> Option<Type> {
        self.params.get(name).and_then(value_type)
    }
    fn field_names(&self) -> Vec<String> {
        field_names_in(self.subject, self.list)
            .into_iter()
            .map(str::to_owned)
            .collect()
    }
    fn param_names(&self) -> Vec<String> {
        self.params.keys().cloned().collect()
    }
}

/// Parses a parameter default: a duration (`1s`, `1m30s`), an integer, `true`/`false`, else a string.
fn param_value(s: &str) -> Value {
    let t = s.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Value::Int(i);
    }
    if t == "true" || t == "false" {
        return Value::Bool(t == "true");
    }
    if let Some(d) = parse_duration_literal(t) {
        return Value::Duration(d);
    }
    Value::Str(t.to_owned())
}

/// `1h30m`, `30s`, `500ms`: units largest first, each at most once.
#[must_use]
pub fn parse_duration_literal(s: &str) -> Option<Millis> {
    const UNITS: [(&str, u64); 5] = [
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1000),
        ("ms", 1),
    ];
    let mut rest = s;
    let mut total: u64 = 0;
    let mut last_rank = None;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let n: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let (rank, (unit, size)) = UNITS
            .iter()
            .enumerate()
            .filter(|(_, (u, _))| rest.starts_with(u) && !(*u == "m" && rest.starts_with("ms")))
            .max_by_key(|(_, (u, _))| u.len())?;
        if last_rank.is_some_and(|r| rank <= r) {
            return None;
        }
        last_rank = Some(rank);
        rest = &rest[unit.len()..];
        total = total.checked_add(n.checked_mul(*size)?)?;
    }
    Some(Millis(total))
}

/// Loads one policy file.
///
/// # Errors
/// Any mistake in the file, with its span.
pub fn load_policy(path: &str, text: &str) -> Result<Policy, Box<PolicyError>> {
    let l = Loader { path, text };
    let docs = yaml::parse(FileId(0), text);
    if let Some(p) = docs.problems.first() {
        let range = p.span.map_or(0..0, |s| s.range());
        return Err(l.err(range, format!("not valid YAML: {}", p.message), None));
    }
    let Some(root) = docs.docs.first() else {
        return Err(l.err(0..0, "empty policy file", None));
    };
    let Some(entries) = root.as_map() else {
        return Err(l.err(
            root.span.range(),
            "a policy file is a mapping of keys",
            None,
        ));
    };
    for (k, _) in entries {
        let key = k.as_str().unwrap_or("");
        if !KEYS.contains(&key) {
            let near = KEYS.iter().find(|c| similar(c, key));
            return Err(l.err(
                k.span.range(),
                format!("unknown key `{key}`"),
                Some(match near {
                    Some(c) => format!("did you mean `{c}`?"),
                    None => format!("policy keys are: {}", KEYS.join(", ")),
                }),
            ));
        }
    }
    let id = l.str_of(root, "id")?;
    if !valid_id(&id.value) {
        return Err(l.err(id.span.range(), format!("invalid rule id `{}`", id.value), Some("ids look like PAR-T001 or ACME-X001: letters, a dash, a family letter and three digits".into())));
    }
    let name = l.str_of(root, "name")?;
    if name.value.is_empty()
        || !name
            .value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(l.err(
            name.span.range(),
            "a rule name is kebab-case (lower-case letters, digits, dashes)",
            None,
        ));
    }
    let sev = l.str_of(root, "severity")?;
    let severity = Severity::parse(&sev.value).ok_or_else(|| {
        l.err(
            sev.span.range(),
            format!("unknown severity `{}`", sev.value),
            Some("use error, warning or info".into()),
        )
    })?;
    let summary = l.str_of(root, "summary")?;
    let applies = l.str_of(root, "applies_to")?;
    let subject = Subject::parse(&applies.value).ok_or_else(|| {
        l.err(
            applies.span.range(),
            format!("unknown subject `{}`", applies.value),
            Some(
                "use `hop` (proxy -> app server), `workload` (a container running an app server), \
                 `server` (an app server on its own), `proxy` (a proxy location alone), \
                 `directive` (an nginx directive) or `version_split` (a rule whose outcome \
                 depends on the nginx version)"
                    .into(),
            ),
        )
    })?;

    let mut params = BTreeMap::new();
    let mut param_choices = BTreeMap::new();
    if let Some(p) = root.get("params") {
        let Some(map) = p.as_map() else {
            return Err(l.err(
                p.span.range(),
                "`params` must map names to default values",
                None,
            ));
        };
        for (k, v) in map {
            let key = k.as_str().unwrap_or("");
            if key.is_empty()
                || !key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                || key.contains('.')
            {
                return Err(l.err(
                    k.span.range(),
                    format!("invalid parameter name `{key}`"),
                    Some("parameter names are lower_snake_case".into()),
                ));
            }
            if v.as_map().is_some() {
                let (default, choices) = choice_param(&l, key, v)?;
                params.insert(key.to_owned(), Value::Str(default));
                param_choices.insert(key.to_owned(), choices);
                continue;
            }
            let Some(t) = v.as_text() else {
                return Err(l.err(
                    v.span.range(),
                    "a parameter default is a scalar (e.g. 1s, 3, true)",
                    Some(
                        "or `{ default: word, one_of: [word, other] }` for a choice of words"
                            .into(),
                    ),
                ));
            };
            params.insert(key.to_owned(), param_value(&t.value));
        }
    }
    let for_each = match root.get("for_each") {
        None => None,
        Some(n) => {
            let Some(t) = n.as_text() else {
                return Err(l.err(n.span.range(), "`for_each` must name a list", None));
            };
            let lists = list_names(subject);
            if !lists.contains(&t.value.as_str()) {
                return Err(l.err(
                    t.span.range(),
                    format!(
                        "`{}` is not a list a {} can iterate",
                        t.value,
                        subject.as_str()
                    ),
                    Some(if lists.is_empty() {
                        format!(
                            "a {} has no lists; use `applies_to: server`",
                            subject.as_str()
                        )
                    } else {
                        format!("lists: {}", lists.join(", "))
                    }),
                ));
            }
            Some(t.value.clone())
        }
    };
    let env = Env {
        subject,
        list: for_each.as_deref(),
        params: &params,
    };
    let field_type = |path: &str| field_type_in(subject, for_each.as_deref(), path);
    let field_names = |_: Subject| field_names_in(subject, for_each.as_deref());

    let when_text = l.str_of(root, "when")?;
    let when = expr::parse(&when_text.value).map_err(|e| {
        l.err(
            Loader::in_text(when_text, e.span.clone()),
            e.message.clone(),
            e.help.clone(),
        )
    })?;
    match expr::check(&when, &env) {
        Ok(Type::Bool) => {}
        Ok(other) => {
            return Err(l.err(
                when_text.span.range(),
                format!("`when` must be a condition (bool), not {other:?}"),
                None,
            ));
        }
        Err(e) => {
            return Err(l.err(
                Loader::in_text(when_text, e.span.clone()),
                e.message.clone(),
                e.help.clone(),
            ));
        }
    }

    if let Err(e) = choice_literals(&when, &param_choices) {
        return Err(l.err(
            Loader::in_text(when_text, e.span.clone()),
            e.message.clone(),
            e.help.clone(),
        ));
    }

    let downgrade_when = match root.get("downgrade_when") {
        None => None,
        Some(n) => {
            let Some(t) = n.as_text() else {
                return Err(l.err(n.span.range(), "`downgrade_when` must be a condition", None));
            };
            let e = expr::parse(&t.value).map_err(|e| {
                l.err(
                    Loader::in_text(t, e.span.clone()),
                    e.message.clone(),
                    e.help.clone(),
                )
            })?;
            expr::check_bool(&e, &env).map_err(|e| {
                l.err(
                    Loader::in_text(t, e.span.clone()),
                    e.message.clone(),
                    e.help.clone(),
                )
            })?;
            Some(e)
        }
    };

    let primary = l.str_of(root, "primary")?;
    if field_type(&primary.value).is_none() {
        return Err(l.err(
            primary.span.range(),
            format!(
                "`{}` is not a field of a {}",
                primary.value,
                subject.as_str()
            ),
            suggest(&field_names(subject), &primary.value),
        ));
    }

    let check_template = |t: &Text| -> Result<expr::Template, Box<PolicyError>> {
        let tpl = expr::parse_template(&t.value).map_err(|e| {
            l.err(
                Loader::in_text(t, e.span.clone()),
                e.message.clone(),
                e.help.clone(),
            )
        })?;
        for part in &tpl.parts {
            if let expr::TemplatePart::Expr { expr, .. } = part
                && let Err(e) = choice_literals(expr, &param_choices)
            {
                return Err(l.err(
                    Loader::in_text(t, e.span.clone()),
                    e.message.clone(),
                    e.help.clone(),
                ));
            }
        }
        for (path, range) in expr::template_fields(&tpl) {
            let base = path.strip_suffix(".origin").unwrap_or(&path);
            let ok = if base.contains('.') {
                field_type(base).is_some()
            } else {
                params.contains_key(base)
            };
            if !ok {
                let mut known: Vec<&str> = field_names(subject);
                known.extend(params.keys().map(String::as_str));
                return Err(l.err(
                    Loader::in_text(t, range),
                    format!("unknown placeholder `{{{path}}}`"),
                    suggest(&known, base),
                ));
            }
        }
        Ok(tpl)
    };

    let mut labels = Vec::new();
    if let Some(node) = root.get("labels") {
        let Some(map) = node.as_map() else {
            return Err(l.err(
                node.span.range(),
                "`labels` must map field paths to label texts",
                None,
            ));
        };
        for (k, v) in map {
            let key = k.as_str().unwrap_or("");
            if field_type(key).is_none() {
                return Err(l.err(
                    k.span.range(),
                    format!("`{key}` is not a field of a {}", subject.as_str()),
                    suggest(&field_names(subject), key),
                ));
            }
            let Some(t) = v.as_text() else {
                return Err(l.err(v.span.range(), "a label is a string", None));
            };
            labels.push((key.to_owned(), check_template(t)?));
        }
    }
    let message = check_template(l.str_of(root, "message")?)?;
    let help = check_template(l.str_of(root, "help")?)?;
    let docs = match root.get("docs") {
        Some(n) => Some(
            n.as_str()
                .ok_or_else(|| l.err(n.span.range(), "`docs` must be a string", None))?
                .to_owned(),
        ),
        None => None,
    };
    let _ = NodeKind::Null;
    Ok(Policy {
        id: id.value.clone(),
        name: name.value.clone(),
        severity,
        summary: summary.value.clone(),
        applies_to: subject,
        params,
        param_choices,
        when,
        when_text: when_text.value.clone(),
        for_each,
        downgrade_when,
        primary: primary.value.clone(),
        labels,
        message,
        help,
        docs,
        source: path.to_owned(),
    })
}

/// A word compared with a choice parameter must be one of its words:
/// `direction == "app_frist"` would never hold.
fn choice_literals(
    e: &expr::Expr,
    choices: &BTreeMap<String, Vec<String>>,
) -> Result<(), expr::ExprError> {
    if let expr::ExprKind::Binary {
        op: expr::BinOp::Eq | expr::BinOp::Ne,
        lhs,
        rhs,
        ..
    } = &e.kind
    {
        for (a, b) in [(lhs, rhs), (rhs, lhs)] {
            if let (expr::ExprKind::Param(name), expr::ExprKind::Str(word)) = (&a.kind, &b.kind)
                && let Some(words) = choices.get(name)
                && !words.contains(word)
            {
                return Err(expr::ExprError::new(
                    format!("parameter `{name}` is never \"{word}\""),
                    b.span.clone(),
                )
                .with_help(format!("it is one of: {}", words.join(", "))));
            }
        }
    }
    for child in e.children() {
        choice_literals(child, choices)?;
    }
    Ok(())
}

/// A parameter that takes one of a fixed set of words:
/// `{ default: proxy_first, one_of: [proxy_first, app_first] }`.
fn choice_param(
    l: &Loader<'_>,
    key: &str,
    node: &Node,
) -> Result<(String, Vec<String>), Box<PolicyError>> {
    let bad = |range: std::ops::Range<usize>, msg: &str| {
        l.err(
            range,
            format!("parameter `{key}`: {msg}"),
            Some("write `{ default: word, one_of: [word, other] }`".into()),
        )
    };
    let mut default = None;
    let mut choices = None;
    for (k, v) in node.as_map().into_iter().flatten() {
        match k.as_str().unwrap_or("") {
            "default" => {
                let t = v
                    .as_text()
                    .ok_or_else(|| bad(v.span.range(), "`default` must be a word"))?;
                default = Some((t.value.clone(), v.span.range()));
            }
            "one_of" => {
                let items = v
                    .as_seq()
                    .ok_or_else(|| bad(v.span.range(), "`one_of` must be a list of words"))?;
                let mut words = Vec::new();
                for item in items {
                    let t = item.as_text().ok_or_else(|| {
                        bad(item.span.range(), "`one_of` must be a list of words")
                    })?;
                    words.push(t.value.clone());
                }
                choices = Some(words);
            }
            other => {
                return Err(bad(k.span.range(), &format!("unknown key `{other}`")));
            }
        }
    }
    let (Some((default, range)), Some(choices)) = (default, choices) else {
        return Err(bad(node.span.range(), "needs both `default` and `one_of`"));
    };
    if !choices.contains(&default) {
        return Err(bad(range, "the default is not one of `one_of`"));
    }
    Ok((default, choices))
}

fn valid_id(id: &str) -> bool {
    let Some((prefix, rest)) = id.rsplit_once('-') else {
        return false;
    };
    !prefix.is_empty()
        && prefix.chars().all(|c| c.is_ascii_uppercase())
        && rest.len() == 4
        && rest.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && rest.chars().skip(1).all(|c| c.is_ascii_digit())
}

fn suggest(known: &[&str], wrong: &str) -> Option<String> {
    known
        .iter()
        .find(|k| similar(k, wrong))
        .map(|k| format!("did you mean `{k}`?"))
}

/// Edit distance at most 2 (or a case-only difference).
pub(super) fn similar(a: &str, b: &str) -> bool {
    if a.eq_ignore_ascii_case(b) {
        return true;
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > 2 {
        return false;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()] <= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duration_literals() {
        assert_eq!(parse_duration_literal("1s"), Some(Millis(1000)));
        assert_eq!(parse_duration_literal("1m30s"), Some(Millis(90_000)));
        assert_eq!(parse_duration_literal("500ms"), Some(Millis(500)));
        assert_eq!(parse_duration_literal("30m1h"), None);
        assert_eq!(parse_duration_literal("1.5s"), None);
        assert_eq!(parse_duration_literal("s"), None);
    }

    #[test]
    fn ids_and_similarity() {
        assert!(valid_id("PAR-T001"));
        assert!(valid_id("ACME-X001"));
        assert!(!valid_id("PAR-001"));
        assert!(!valid_id("par-T001"));
        assert!(similar("when", "wen"));
        assert!(!similar("when", "message"));
    }
}
