//! `gunicorn.conf.py` read statically: parsed with ruff's Python parser and
//! evaluated over a small, safe subset of Python. Nothing is ever executed.
//!
//! gunicorn runs the file and then applies every module-level name that is
//! exactly a setting name (`vars(module)`); everything else is ignored. So
//! this module tracks module-level bindings in order: assignments (plain,
//! annotated, augmented, tuple), `if`/`try`/`match` branches (a name set
//! differently in branches becomes [`Value::OneOf`]), imports, `def`s and
//! environment lookups. Values it cannot know are [`Value::Unknown`] with a
//! reason; it never guesses.

use std::collections::{BTreeMap, HashMap, HashSet};

use ruff_python_ast::visitor::{Visitor, walk_expr, walk_stmt};
use ruff_python_ast::{
    BoolOp, CmpOp, ConversionFlag, ExceptHandler, Expr, ExprContext, InterpolatedStringElement,
    Number, Operator, Stmt, UnaryOp,
};
use ruff_text_size::{Ranged, TextRange};

use crate::diag::Problem;
use crate::span::{FileId, Span, Spanned};
use crate::value::Value;

use super::settings::{self, IntError, python_int};

/// Nesting limit for statements and expressions evaluated here (CPython's
/// own parser stops at 100 indentation levels; real config files nest a few).
const MAX_DEPTH: usize = 100;
/// Bracket nesting accepted before parsing.
const MAX_BRACKETS: usize = 256;
/// Cap on the alternatives a value may carry (`if` branches multiply).
const MAX_ALTERNATIVES: usize = 32;
/// Cap on strings built by `*` and `%`.
const MAX_STR: usize = 1 << 16;

/// A Python value as far as a static reading can tell.
#[derive(Clone, Debug, PartialEq)]
pub enum PyValue {
    None,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    /// A list or tuple.
    List(Vec<PyValue>),
    /// A dict (contents not modelled).
    Dict,
    /// A function defined in the file (its name).
    Function(String),
    /// Cannot be known statically; the string says why.
    Unknown(String),
    /// Depends on the machine's CPU count; the string is the expression.
    CpuDependent(String),
    /// One of several values (from `if` branches).
    OneOf(Vec<PyValue>),
    /// Inside [`PyValue::OneOf`]: the name is not bound on this path.
    Unset,
}

impl PyValue {
    /// Python truthiness, when known.
    #[must_use]
    pub fn truthy(&self) -> Option<bool> {
        match self {
            PyValue::None | PyValue::Unset => Some(false),
            PyValue::Bool(b) => Some(*b),
            PyValue::Int(n) => Some(*n != 0),
            PyValue::Float(f) => Some(*f != 0.0),
            PyValue::Str(s) => Some(!s.is_empty()),
            PyValue::List(v) => Some(!v.is_empty()),
            PyValue::Function(_) => Some(true),
            PyValue::Dict | PyValue::Unknown(_) | PyValue::CpuDependent(_) => None,
            PyValue::OneOf(vs) => {
                let mut it = vs.iter().map(PyValue::truthy);
                let first = it.next().flatten()?;
                it.all(|t| t == Some(first)).then_some(first)
            }
        }
    }

    /// Python `str(value)` (as gunicorn prints a rejected value).
    #[must_use]
    pub fn py_str(&self) -> String {
        match self {
            PyValue::Str(s) => s.clone(),
            other => other.py_repr(),
        }
    }

    fn py_repr(&self) -> String {
        match self {
            PyValue::None | PyValue::Unset => "None".into(),
            PyValue::Bool(true) => "True".into(),
            PyValue::Bool(false) => "False".into(),
            PyValue::Int(n) => n.to_string(),
            PyValue::Float(f) => py_float(*f),
            PyValue::Str(s) => settings::py_repr(s),
            PyValue::List(v) => {
                let items: Vec<String> = v.iter().map(PyValue::py_repr).collect();
                format!("[{}]", items.join(", "))
            }
            PyValue::Dict => "{...}".into(),
            PyValue::Function(name) => format!("<function {name}>"),
            PyValue::Unknown(why) => format!("<unknown: {why}>"),
            PyValue::CpuDependent(e) => format!("<{e}>"),
            PyValue::OneOf(vs) => {
                let items: Vec<String> = vs.iter().map(PyValue::py_repr).collect();
                format!("<one of {}>", items.join(", "))
            }
        }
    }

    /// Python `type(value).__name__`.
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        match self {
            PyValue::None | PyValue::Unset => "NoneType",
            PyValue::Bool(_) => "bool",
            PyValue::Int(_) | PyValue::CpuDependent(_) => "int",
            PyValue::Float(_) => "float",
            PyValue::Str(_) => "str",
            PyValue::List(_) => "list",
            PyValue::Dict => "dict",
            PyValue::Function(_) => "function",
            PyValue::Unknown(_) | PyValue::OneOf(_) => "object",
        }
    }

    fn is_opaque(&self) -> bool {
        matches!(self, PyValue::Unknown(_) | PyValue::CpuDependent(_))
    }
}

/// Python's `repr(float)`: shortest round-trip digits, exponent outside 1e-4..1e16.
fn py_float(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.into();
    }
    let a = f.abs();
    if a != 0.0 && !(1e-4..1e16).contains(&a) {
        let s = format!("{f:e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let (sign, digits) = e.strip_prefix('-').map_or(("+", e), |d| ("-", d));
        return format!("{m}e{sign}{digits:0>2}");
    }
    let s = format!("{f}");
    if s.contains('.') { s } else { format!("{s}.0") }
}

/// A setting assigned at module level.
#[derive(Clone, Debug, PartialEq)]
pub struct PyAssigned {
    /// The value after gunicorn's validator for this setting (`"60"` for
    /// `timeout` is already 60 s); `Unknown` when it cannot be known or
    /// gunicorn would reject it (then [`PyConf::problems`] says why).
    pub value: Value,
    /// The assignment's value expression (for a name set in `if` branches,
    /// the whole `if` statement).
    pub span: Span,
    /// The first environment variable the value was read from, if any.
    pub env_var: Option<String>,
    /// Every environment variable the value depends on, in reading order.
    pub env_vars: Vec<String>,
    /// The Python value before validation.
    pub raw: PyValue,
}

/// What a gunicorn config file sets.
#[derive(Clone, Debug, PartialEq)]
pub struct PyConf {
    /// Settings by config-file name, as the file leaves them.
    pub values: BTreeMap<String, PyAssigned>,
    /// Module-level names gunicorn ignores because they are not settings
    /// (`keep_alive`, `TIMEOUT`, `workerclass`). Private names (`_x`), imports,
    /// helper variables read elsewhere in the file and ordinary functions are
    /// left out; a `def` is listed when its name is close to a hook's
    /// ([`settings::suggest`]).
    pub unknown_names: Vec<Spanned<String>>,
    /// Syntax errors, values gunicorn would reject, errors Python would raise.
    pub problems: Vec<Problem>,
    /// Statements after which any setting may have been set by means parity
    /// cannot follow (`from x import *`, `globals().update(...)`, `exec(...)`),
    /// with a description. Settings not assigned after the last of these are
    /// unknown to the resolver.
    pub wildcards: Vec<Spanned<String>>,
    /// Every environment variable the file reads, in order.
    pub env_reads: Vec<String>,
    /// True when gunicorn would fail to load the file (a syntax error, a
    /// value its validator rejects, an error Python raises while running it).
    pub gunicorn_fails: bool,
    file: FileId,
    text: String,
}

impl PyConf {
    /// Re-reads the file with the deployment's environment: lookups of
    /// variables `env` returns use that value instead of the default, and
    /// conditions on them pick their branch.
    #[must_use]
    pub fn with_env(&self, env: &dyn Fn(&str) -> Option<String>) -> PyConf {
        evaluate(self.file, &self.text, Some(env))
    }
}

/// Reads a gunicorn config file without executing it, assuming nothing about
/// the environment (environment lookups yield their defaults and record the
/// variable; see [`PyConf::with_env`]).
#[must_use]
pub fn parse_pyconf(file: FileId, text: &str) -> PyConf {
    evaluate(file, text, None)
}

/// The deployment's environment: a variable's value, if it sets it.
type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

fn evaluate(file: FileId, text: &str, env: Option<EnvLookup<'_>>) -> PyConf {
    let mut conf = PyConf {
        values: BTreeMap::new(),
        unknown_names: Vec::new(),
        problems: Vec::new(),
        wildcards: Vec::new(),
        env_reads: Vec::new(),
        gunicorn_fails: false,
        file,
        text: text.to_string(),
    };
    if let Some(span) = too_deep(file, text) {
        conf.problems.push(Problem::parse(
            span,
            "expression nested too deeply (brackets, or a chain of operators); not read",
        ));
        return conf;
    }
    let parsed = match ruff_python_parser::parse_module(text) {
        Ok(p) => p,
        Err(e) => {
            conf.gunicorn_fails = true;
            conf.problems.push(Problem::parse(
                span_of(file, e.location),
                format!(
                    "Python syntax error: {}; gunicorn would fail to load this file",
                    e.error
                ),
            ));
            return conf;
        }
    };
    let body = &parsed.syntax().body;
    let mut ev = Eval {
        file,
        text,
        env,
        scope: Scope::default(),
        deps: Vec::new(),
        problems: Vec::new(),
        wildcards: Vec::new(),
        env_reads: Vec::new(),
        fails: false,
    };
    ev.scope.bind(
        "__name__",
        Binding::plain(PyValue::Str("__config__".into()), Span::new(file, 0, 0), 0),
    );
    ev.block(body, 0);

    let mut loads = LoadedNames::default();
    for stmt in body {
        loads.visit_stmt(stmt);
    }
    let last_wildcard = ev.wildcards.last().map(|w| (w.value.clone(), w.span));
    let mut bindings: Vec<(&String, &Binding)> = ev.scope.bindings.iter().collect();
    bindings.sort_by_key(|(_, b)| (b.target.start, b.target.end));
    for (name, b) in bindings {
        if let Some(def) = settings::setting(name) {
            if b.kind == BindingKind::Module {
                continue;
            }
            let mut raw = b.value.clone();
            if let Some((what, span)) = &last_wildcard
                && b.seq < ev.wildcard_seq()
            {
                raw = PyValue::Unknown(format!("may be replaced by {what} at byte {}", span.start));
            }
            let value = match settings::validate(def, &raw) {
                Ok(v) => v,
                Err(msg) => {
                    ev.fails = true;
                    ev.problems.push(Problem::parse(
                        b.span,
                        format!(
                            "Invalid value for {name}: {} (gunicorn: {msg}); gunicorn would exit",
                            raw.py_str()
                        ),
                    ));
                    Value::Unknown(format!("rejected by gunicorn: {msg}"))
                }
            };
            conf.values.insert(
                name.clone(),
                PyAssigned {
                    value,
                    span: b.span,
                    env_var: b.env.first().cloned(),
                    env_vars: b.env.clone(),
                    raw,
                },
            );
            continue;
        }
        if name.starts_with('_') {
            continue;
        }
        let report = match b.kind {
            BindingKind::Assign => !loads.names.contains(name.as_str()),
            BindingKind::Def => settings::suggest(name).is_some_and(settings::is_hook),
            BindingKind::Module | BindingKind::Import => false,
        };
        if report {
            conf.unknown_names
                .push(Spanned::new(name.clone(), b.target));
        }
    }
    conf.problems.extend(ev.problems);
    conf.gunicorn_fails |= ev.fails;
    conf.wildcards = ev.wildcards;
    conf.env_reads = ev.env_reads;
    conf
}

fn span_of(file: FileId, r: TextRange) -> Span {
    Span::new(file, r.start().to_usize(), r.end().to_usize())
}

/// Guards the parser and the AST's recursive drop: bracket nesting deeper
/// than [`MAX_BRACKETS`], or a statement chaining more than 5000 operators,
/// attribute accesses or calls (each nests the tree one level). String
/// literals and comments are skipped.
fn too_deep(file: FileId, text: &str) -> Option<Span> {
    const MAX_CHAIN: usize = 5000;
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut chain = 0usize;
    let mut i = 0;
    while let Some(&c) = bytes.get(i) {
        match c {
            b'#' => {
                while bytes.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
                continue;
            }
            b'\'' | b'"' => {
                let triple = bytes.get(i + 1) == Some(&c) && bytes.get(i + 2) == Some(&c);
                i += if triple { 3 } else { 1 };
                while let Some(&d) = bytes.get(i) {
                    if d == b'\\' {
                        i += 2;
                        continue;
                    }
                    if d == b'\n' && !triple {
                        break;
                    }
                    if d == c
                        && (!triple
                            || (bytes.get(i + 1) == Some(&c) && bytes.get(i + 2) == Some(&c)))
                    {
                        i += if triple { 3 } else { 1 };
                        break;
                    }
                    i += 1;
                }
                continue;
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                chain += 1;
                if depth > MAX_BRACKETS {
                    return Some(Span::new(file, i, i + 1));
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b'+' | b'-' | b'*' | b'/' | b'%' | b'~' | b'&' | b'|' | b'^' | b'.' | b'@' => {
                chain += 1;
            }
            b'\n' if depth == 0 && bytes.get(i.wrapping_sub(1)) != Some(&b'\\') => chain = 0,
            _ => {}
        }
        if chain > MAX_CHAIN {
            return Some(Span::new(file, i, i + 1));
        }
        i += 1;
    }
    None
}

/// Every name read anywhere in the module (a name read somewhere is a
/// helper variable, not a misspelled setting).
#[derive(Default)]
struct LoadedNames<'a> {
    names: HashSet<&'a str>,
    depth: usize,
}

impl<'a> Visitor<'a> for LoadedNames<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if self.depth < MAX_DEPTH {
            self.depth += 1;
            walk_stmt(self, stmt);
            self.depth -= 1;
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Name(n) = expr
            && n.ctx == ExprContext::Load
        {
            self.names.insert(n.id.as_str());
        }
        if self.depth < MAX_DEPTH {
            self.depth += 1;
            walk_expr(self, expr);
            self.depth -= 1;
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BindingKind {
    Assign,
    Def,
    Import,
    /// A module or a name imported from one (`os`, `environ`).
    Module,
}

#[derive(Clone, Debug, PartialEq)]
struct Binding {
    value: PyValue,
    /// Environment variables the value depends on.
    env: Vec<String>,
    /// The value expression (or the whole branching statement).
    span: Span,
    /// The name being bound.
    target: Span,
    kind: BindingKind,
    /// Statement sequence number (for wildcards).
    seq: usize,
    /// Qualified name for modules and imported objects (`os.environ`).
    qualified: Option<String>,
    /// For functions: names they declare `global`.
    globals: Vec<String>,
}

impl Binding {
    fn plain(value: PyValue, span: Span, seq: usize) -> Self {
        Binding {
            value,
            env: Vec::new(),
            span,
            target: span,
            kind: BindingKind::Assign,
            seq,
            qualified: None,
            globals: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
struct Scope {
    bindings: HashMap<String, Binding>,
    /// `os.environ[...] = ...` and `os.environ.setdefault(...)` made in the file.
    env_overlay: HashMap<String, PyValue>,
}

impl Scope {
    fn bind(&mut self, name: &str, b: Binding) {
        self.bindings.insert(name.to_string(), b);
    }
}

struct Eval<'a> {
    file: FileId,
    text: &'a str,
    env: Option<EnvLookup<'a>>,
    scope: Scope,
    /// Environment variables read while evaluating the current expression.
    deps: Vec<String>,
    problems: Vec<Problem>,
    wildcards: Vec<Spanned<String>>,
    env_reads: Vec<String>,
    /// A problem found so far makes gunicorn fail to load the file.
    fails: bool,
}

const BUILTINS: &[&str] = &[
    "int", "float", "str", "bool", "max", "min", "abs", "round", "len", "print", "exec", "eval",
    "globals", "vars", "locals", "setattr",
];

impl Eval<'_> {
    fn span(&self, r: TextRange) -> Span {
        span_of(self.file, r)
    }

    fn src(&self, r: TextRange) -> &str {
        self.text
            .get(r.start().to_usize()..r.end().to_usize())
            .unwrap_or_default()
    }

    /// Source offset of the last wildcard statement: bindings made before it
    /// may have been overridden by it.
    fn wildcard_seq(&self) -> usize {
        self.wildcards.last().map_or(0, |w| w.span.start as usize)
    }

    fn add_wildcard(&mut self, what: String, r: TextRange) {
        self.wildcards.push(Spanned::new(what, self.span(r)));
    }

    /// A binding's sequence number is the source offset of its statement.
    fn next_seq(&self, r: TextRange) -> usize {
        r.start().to_usize()
    }

    // -- statements ---------------------------------------------------------

    fn block(&mut self, stmts: &[Stmt], depth: usize) {
        for s in stmts {
            self.stmt(s, depth);
        }
    }

    fn stmt(&mut self, s: &Stmt, depth: usize) {
        if depth > MAX_DEPTH {
            self.problems.push(Problem::parse(
                self.span(s.range()),
                format!("statements nested deeper than {MAX_DEPTH} levels; not read"),
            ));
            return;
        }
        match s {
            Stmt::Assign(a) => {
                let (v, env) = self.eval_tracked(&a.value);
                for t in &a.targets {
                    self.assign(t, v.clone(), &env, Some(&a.value), depth);
                }
            }
            Stmt::AnnAssign(a) => {
                if let Some(value) = &a.value {
                    let (v, env) = self.eval_tracked(value);
                    self.assign(&a.target, v, &env, Some(value), depth);
                }
            }
            Stmt::AugAssign(a) => {
                let (rhs, mut env) = self.eval_tracked(&a.value);
                let Expr::Name(n) = a.target.as_ref() else {
                    self.mutate_target(&a.target);
                    return;
                };
                let (cur, cur_env) = match self.scope.bindings.get(n.id.as_str()) {
                    Some(b) => (b.value.clone(), b.env.clone()),
                    None => (
                        PyValue::Unknown(format!(
                            "{} is not defined before `{}=`",
                            n.id,
                            op_str(a.op)
                        )),
                        Vec::new(),
                    ),
                };
                for e in cur_env {
                    if !env.contains(&e) {
                        env.push(e);
                    }
                }
                let src = self.src(a.range()).to_string();
                let v = binop(a.op, cur, rhs, &src);
                let seq = self.next_seq(a.range());
                let b = Binding {
                    value: v,
                    env,
                    span: self.span(a.range()),
                    target: self.span(n.range),
                    kind: BindingKind::Assign,
                    seq,
                    qualified: None,
                    globals: Vec::new(),
                };
                self.scope.bind(n.id.as_str(), b);
            }
            Stmt::If(i) => {
                let mut arms: Vec<(Option<&Expr>, &[Stmt])> = vec![(Some(&i.test), &i.body)];
                for c in &i.elif_else_clauses {
                    arms.push((c.test.as_ref(), &c.body));
                }
                self.branches(&arms, i.range(), depth);
            }
            Stmt::Try(t) => {
                let before = self.scope.clone();
                self.block(&t.body, depth + 1);
                self.block(&t.orelse, depth + 1);
                let mut outcomes = vec![self.scope.clone()];
                for h in &t.handlers {
                    let ExceptHandler::ExceptHandler(h) = h;
                    // The handler runs after part of the body: start from
                    // `before` (what the body set may or may not have happened).
                    self.scope = before.clone();
                    self.block(&h.body, depth + 1);
                    outcomes.push(self.scope.clone());
                }
                self.scope = self.merge(&before, outcomes, t.range());
                self.block(&t.finalbody, depth + 1);
            }
            Stmt::Match(m) => {
                let _ = self.eval_tracked(&m.subject);
                let before = self.scope.clone();
                // Without an irrefutable `case _:` no case may match.
                let exhaustive = m.cases.iter().any(|c| {
                    c.guard.is_none()
                        && matches!(&c.pattern, ruff_python_ast::Pattern::MatchAs(p) if p.pattern.is_none())
                });
                let mut outcomes = if exhaustive {
                    Vec::new()
                } else {
                    vec![before.clone()]
                };
                for c in &m.cases {
                    self.scope = before.clone();
                    self.block(&c.body, depth + 1);
                    outcomes.push(self.scope.clone());
                }
                self.scope = self.merge(&before, outcomes, m.range());
            }
            Stmt::With(w) => {
                for item in &w.items {
                    let _ = self.eval_tracked(&item.context_expr);
                    if let Some(vars) = &item.optional_vars {
                        let why = PyValue::Unknown("bound by a `with` statement".into());
                        self.assign(vars, why, &[], None, depth);
                    }
                }
                self.block(&w.body, depth + 1);
            }
            Stmt::For(f) => {
                let _ = self.eval_tracked(&f.iter);
                let why = PyValue::Unknown("assigned in a `for` loop".into());
                self.assign(&f.target, why, &[], None, depth);
                self.loop_body(&f.body, &f.orelse, depth);
            }
            Stmt::While(w) => {
                let _ = self.eval_tracked(&w.test);
                self.loop_body(&w.body, &w.orelse, depth);
            }
            Stmt::FunctionDef(f) => {
                let mut globals = Vec::new();
                collect_globals(&f.body, &mut globals, 0);
                let seq = self.next_seq(f.range());
                let b = Binding {
                    value: PyValue::Function(f.name.as_str().to_string()),
                    env: Vec::new(),
                    span: self.span(f.name.range),
                    target: self.span(f.name.range),
                    kind: BindingKind::Def,
                    seq,
                    qualified: None,
                    globals,
                };
                self.scope.bind(f.name.as_str(), b);
            }
            Stmt::ClassDef(c) => {
                let seq = self.next_seq(c.range());
                let mut b = Binding::plain(
                    PyValue::Unknown(format!("class {}", c.name.as_str())),
                    self.span(c.name.range),
                    seq,
                );
                b.kind = BindingKind::Def;
                self.scope.bind(c.name.as_str(), b);
            }
            Stmt::Import(imp) => {
                for a in &imp.names {
                    let full = a.name.as_str();
                    let (local, qualified) = match &a.asname {
                        Some(asname) => (asname.as_str().to_string(), full.to_string()),
                        None => {
                            let top = full.split('.').next().unwrap_or(full);
                            (top.to_string(), top.to_string())
                        }
                    };
                    self.bind_import(&local, qualified, a.range());
                }
            }
            Stmt::ImportFrom(imp) => {
                let module = imp.module.as_ref().map_or("", |m| m.as_str());
                let prefix = if imp.level > 0 {
                    format!(
                        "{}{module}",
                        ".".repeat(usize::try_from(imp.level).unwrap_or(1))
                    )
                } else {
                    module.to_string()
                };
                for a in &imp.names {
                    let name = a.name.as_str();
                    if name == "*" {
                        self.add_wildcard(format!("`from {prefix} import *`"), imp.range());
                        continue;
                    }
                    let local = a.asname.as_ref().map_or(name, |n| n.as_str());
                    self.bind_import(local, format!("{prefix}.{name}"), a.range());
                }
            }
            Stmt::Delete(d) => {
                for t in &d.targets {
                    if let Expr::Name(n) = t {
                        self.scope.bindings.remove(n.id.as_str());
                    }
                }
            }
            Stmt::Expr(e) => {
                let _ = self.eval_tracked(&e.value);
            }
            Stmt::TypeAlias(t) => {
                if let Expr::Name(n) = t.name.as_ref() {
                    let seq = self.next_seq(t.range());
                    let mut b = Binding::plain(
                        PyValue::Unknown("a type alias".into()),
                        self.span(t.range()),
                        seq,
                    );
                    b.kind = BindingKind::Def;
                    self.scope.bind(n.id.as_str(), b);
                }
            }
            Stmt::Return(_)
            | Stmt::Raise(_)
            | Stmt::Assert(_)
            | Stmt::Global(_)
            | Stmt::Nonlocal(_)
            | Stmt::Pass(_)
            | Stmt::Break(_)
            | Stmt::Continue(_)
            | Stmt::IpyEscapeCommand(_) => {}
        }
    }

    fn bind_import(&mut self, local: &str, qualified: String, r: TextRange) {
        let seq = self.next_seq(r);
        let is_setting = settings::is_setting(local);
        let value = PyValue::Unknown(format!("imported from {qualified}"));
        let b = Binding {
            value,
            env: Vec::new(),
            span: self.span(r),
            target: self.span(r),
            kind: if is_setting {
                BindingKind::Import
            } else {
                BindingKind::Module
            },
            seq,
            qualified: Some(qualified),
            globals: Vec::new(),
        };
        self.scope.bind(local, b);
    }

    fn loop_body(&mut self, body: &[Stmt], orelse: &[Stmt], depth: usize) {
        let mut names = Vec::new();
        collect_targets(body, &mut names, 0);
        collect_targets(orelse, &mut names, 0);
        for (name, r) in names {
            let seq = self.next_seq(r);
            let mut b = Binding::plain(
                PyValue::Unknown("assigned in a loop".into()),
                self.span(r),
                seq,
            );
            b.target = self.span(r);
            self.scope.bind(&name, b);
        }
        // Run the body once for its side effects (`from x import *` still
        // counts), then forget what it bound: the loop may run any number of times.
        let before = self.scope.clone();
        self.block(body, depth + 1);
        self.scope = before;
    }

    /// `if`/`elif`/`else`: a known condition picks its branch; otherwise every
    /// branch is evaluated and differing names become `OneOf`.
    fn branches(&mut self, arms: &[(Option<&Expr>, &[Stmt])], whole: TextRange, depth: usize) {
        let before = self.scope.clone();
        let mut outcomes = Vec::new();
        let mut has_else = false;
        for (test, body) in arms {
            match test {
                None => {
                    has_else = true;
                    self.scope = before.clone();
                    self.block(body, depth + 1);
                    outcomes.push(self.scope.clone());
                    break;
                }
                Some(test) => {
                    self.scope = before.clone();
                    let (v, env) = self.eval_tracked(test);
                    match self.decided(&v, &env) {
                        Some(true) => {
                            // Earlier undecided arms stay alternatives.
                            self.block(body, depth + 1);
                            outcomes.push(self.scope.clone());
                            has_else = true;
                            break;
                        }
                        Some(false) => {}
                        None => {
                            self.block(body, depth + 1);
                            outcomes.push(self.scope.clone());
                        }
                    }
                }
            }
        }
        if !has_else {
            outcomes.push(before.clone());
        }
        self.scope = if outcomes.len() == 1 {
            outcomes.pop().unwrap_or(before)
        } else {
            self.merge(&before, outcomes, whole)
        };
    }

    /// A condition's truth when it does not depend on anything unknown: no
    /// environment variable, or only ones the deployment sets.
    fn decided(&self, v: &PyValue, env: &[String]) -> Option<bool> {
        let t = v.truthy()?;
        let env_known = env.is_empty()
            || self
                .env
                .is_some_and(|lookup| env.iter().all(|e| lookup(e).is_some()));
        env_known.then_some(t)
    }

    fn merge(&mut self, before: &Scope, outcomes: Vec<Scope>, whole: TextRange) -> Scope {
        let mut out = before.clone();
        let mut names: Vec<&String> = outcomes.iter().flat_map(|s| s.bindings.keys()).collect();
        names.sort();
        names.dedup();
        for name in names {
            let bs: Vec<Option<&Binding>> = outcomes.iter().map(|s| s.bindings.get(name)).collect();
            let first = bs.first().copied().flatten();
            if bs.iter().all(|b| *b == first) {
                match first {
                    Some(b) => out.bind(name, b.clone()),
                    None => {
                        out.bindings.remove(name);
                    }
                }
                continue;
            }
            let mut values = Vec::new();
            let mut env = Vec::new();
            let mut kind = BindingKind::Assign;
            let mut target = self.span(whole);
            let mut seq = 0;
            for b in &bs {
                match b {
                    Some(b) => {
                        values.push(b.value.clone());
                        for e in &b.env {
                            if !env.contains(e) {
                                env.push(e.clone());
                            }
                        }
                        kind = b.kind;
                        target = b.target;
                        seq = seq.max(b.seq);
                    }
                    None => values.push(PyValue::Unset),
                }
            }
            out.bind(
                name,
                Binding {
                    value: one_of(values),
                    env,
                    span: self.span(whole),
                    target,
                    kind,
                    seq,
                    qualified: None,
                    globals: Vec::new(),
                },
            );
        }
        for s in &outcomes {
            for (k, v) in &s.env_overlay {
                out.env_overlay.insert(k.clone(), v.clone());
            }
        }
        out
    }

    fn assign(
        &mut self,
        target: &Expr,
        value: PyValue,
        env: &[String],
        value_expr: Option<&Expr>,
        depth: usize,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        match target {
            Expr::Name(n) => {
                let r = value_expr.map_or(n.range, Ranged::range);
                let seq = self.next_seq(r);
                let b = Binding {
                    value,
                    env: env.to_vec(),
                    span: self.span(r),
                    target: self.span(n.range),
                    kind: BindingKind::Assign,
                    seq,
                    qualified: None,
                    globals: Vec::new(),
                };
                self.scope.bind(n.id.as_str(), b);
            }
            Expr::Tuple(t) => self.assign_seq(&t.elts, value, env, value_expr, depth),
            Expr::List(l) => self.assign_seq(&l.elts, value, env, value_expr, depth),
            Expr::Subscript(s) => {
                if self.qualname(&s.value).as_deref() == Some("os.environ") {
                    let key = self.eval(&s.slice, depth + 1);
                    if let PyValue::Str(k) = key {
                        self.scope.env_overlay.insert(k, value);
                    }
                } else {
                    self.mutate_target(&s.value);
                }
            }
            Expr::Attribute(a) => self.mutate_target(&a.value),
            Expr::Starred(s) => {
                let why = PyValue::Unknown("starred assignment".into());
                self.assign(&s.value, why, env, None, depth + 1);
            }
            _ => {}
        }
    }

    fn assign_seq(
        &mut self,
        targets: &[Expr],
        value: PyValue,
        env: &[String],
        value_expr: Option<&Expr>,
        depth: usize,
    ) {
        let literal_elts: Option<&[Expr]> = match value_expr {
            Some(Expr::Tuple(t)) => Some(&t.elts),
            Some(Expr::List(l)) => Some(&l.elts),
            _ => None,
        };
        let starred = targets.iter().any(|t| matches!(t, Expr::Starred(_)));
        match value {
            PyValue::List(items) if items.len() == targets.len() && !starred => {
                for (k, (t, v)) in targets.iter().zip(items).enumerate() {
                    let e = literal_elts.and_then(|l| l.get(k)).or(value_expr);
                    self.assign(t, v, env, e, depth + 1);
                }
            }
            other => {
                let why = match other {
                    PyValue::List(_) => "unpacking a sequence of another length".to_string(),
                    PyValue::Unknown(w) => w,
                    _ => "unpacking a value parity cannot split".to_string(),
                };
                for t in targets {
                    let target = match t {
                        Expr::Starred(s) => s.value.as_ref(),
                        t => t,
                    };
                    self.assign(
                        target,
                        PyValue::Unknown(why.clone()),
                        env,
                        value_expr,
                        depth + 1,
                    );
                }
            }
        }
    }

    /// `name.attr = ...`, `name[k] = ...`, `name.method(...)`: the binding can
    /// no longer be known (lists handled by `append`/`extend` elsewhere).
    fn mutate_target(&mut self, e: &Expr) {
        if let Expr::Name(n) = e
            && let Some(b) = self.scope.bindings.get_mut(n.id.as_str())
            && b.kind != BindingKind::Module
        {
            b.value = PyValue::Unknown(format!("{} is modified in place", n.id));
        }
    }

    // -- expressions --------------------------------------------------------

    /// Evaluates `e` and returns the environment variables it read.
    fn eval_tracked(&mut self, e: &Expr) -> (PyValue, Vec<String>) {
        let saved = std::mem::take(&mut self.deps);
        let v = self.eval(e, 0);
        let deps = std::mem::replace(&mut self.deps, saved);
        for d in &deps {
            if !self.deps.contains(d) {
                self.deps.push(d.clone());
            }
        }
        (v, deps)
    }

    fn dep(&mut self, var: &str) {
        if !self.deps.iter().any(|d| d == var) {
            self.deps.push(var.to_string());
        }
        if !self.env_reads.iter().any(|d| d == var) {
            self.env_reads.push(var.to_string());
        }
    }

    /// The dotted name an expression refers to through imports
    /// (`os.environ.get`, `multiprocessing.cpu_count`), or a builtin.
    fn qualname(&self, e: &Expr) -> Option<String> {
        // Iterative: attribute chains can be arbitrarily long.
        let mut attrs: Vec<&str> = Vec::new();
        let mut cur = e;
        while let Expr::Attribute(a) = cur {
            if attrs.len() >= MAX_DEPTH {
                return None;
            }
            attrs.push(a.attr.as_str());
            cur = &a.value;
        }
        let Expr::Name(n) = cur else { return None };
        let id = n.id.as_str();
        let base = match self.scope.bindings.get(id) {
            Some(b) => b.qualified.clone()?,
            None if BUILTINS.contains(&id) && attrs.is_empty() => {
                return Some(format!("builtins.{id}"));
            }
            None => return None,
        };
        let mut q = base;
        for a in attrs.iter().rev() {
            q.push('.');
            q.push_str(a);
        }
        Some(q)
    }

    fn env_lookup(&mut self, var: &str) -> Option<String> {
        if let Some(v) = self.scope.env_overlay.get(var) {
            return match v {
                PyValue::Str(s) => Some(s.clone()),
                _ => None,
            };
        }
        self.dep(var);
        self.env.and_then(|lookup| lookup(var))
    }

    fn eval(&mut self, e: &Expr, depth: usize) -> PyValue {
        if depth > MAX_DEPTH {
            return PyValue::Unknown(format!("expression nested deeper than {MAX_DEPTH}"));
        }
        let d = depth + 1;
        match e {
            Expr::NumberLiteral(n) => match &n.value {
                Number::Int(i) => i
                    .as_i64()
                    .map(i128::from)
                    .or_else(|| i.as_u64().map(i128::from))
                    .map_or_else(
                        || PyValue::Unknown("a very large integer".into()),
                        PyValue::Int,
                    ),
                Number::Float(f) => PyValue::Float(*f),
                Number::Complex { .. } => PyValue::Unknown("a complex number".into()),
            },
            Expr::StringLiteral(s) => PyValue::Str(s.value.to_str().to_string()),
            Expr::BytesLiteral(_) => PyValue::Unknown("a bytes value".into()),
            Expr::BooleanLiteral(b) => PyValue::Bool(b.value),
            Expr::NoneLiteral(_) => PyValue::None,
            Expr::EllipsisLiteral(_) => PyValue::Unknown("Ellipsis".into()),
            Expr::FString(f) => {
                let mut out = String::new();
                for part in f.value.iter() {
                    match part {
                        ruff_python_ast::FStringPart::Literal(l) => out.push_str(&l.value),
                        ruff_python_ast::FStringPart::FString(fs) => {
                            for el in fs.elements.iter() {
                                match el {
                                    InterpolatedStringElement::Literal(l) => out.push_str(&l.value),
                                    InterpolatedStringElement::Interpolation(i) => {
                                        let v = self.eval(&i.expression, d);
                                        let plain = i.debug_text.is_none()
                                            && i.format_spec.is_none()
                                            && matches!(
                                                i.conversion,
                                                ConversionFlag::None | ConversionFlag::Str
                                            );
                                        if v.is_opaque() || !plain {
                                            return opaque_or(
                                                v,
                                                "an f-string with a format specification",
                                            );
                                        }
                                        if let PyValue::OneOf(_) = v {
                                            return PyValue::Unknown(
                                                "an f-string over alternatives".into(),
                                            );
                                        }
                                        out.push_str(&v.py_str());
                                    }
                                }
                            }
                        }
                    }
                }
                PyValue::Str(out)
            }
            Expr::TString(_) => PyValue::Unknown("a template string".into()),
            Expr::Name(n) => {
                let id = n.id.as_str();
                match self.scope.bindings.get(id) {
                    Some(b) => {
                        let (v, env) = (b.value.clone(), b.env.clone());
                        for x in env {
                            self.dep(&x);
                        }
                        v
                    }
                    None => PyValue::Unknown(format!("name {id} is not defined at this point")),
                }
            }
            Expr::List(l) => self.eval_list(&l.elts, d),
            Expr::Tuple(t) => self.eval_list(&t.elts, d),
            Expr::Dict(_) => PyValue::Dict,
            Expr::Set(_) => PyValue::Unknown("a set".into()),
            Expr::BinOp(b) => {
                let l = self.eval(&b.left, d);
                let r = self.eval(&b.right, d);
                let src = self.src(b.range).to_string();
                binop(b.op, l, r, &src)
            }
            Expr::UnaryOp(u) => {
                let v = self.eval(&u.operand, d);
                let src = self.src(u.range).to_string();
                lift1(v, &|v| unaryop(u.op, v, &src))
            }
            Expr::BoolOp(b) => {
                let mut last = PyValue::None;
                for (k, v) in b.values.iter().enumerate() {
                    last = self.eval(v, d);
                    if k + 1 == b.values.len() {
                        break;
                    }
                    match (b.op, last.truthy()) {
                        (BoolOp::Or, Some(true)) | (BoolOp::And, Some(false)) => return last,
                        (_, Some(_)) => {}
                        (_, None) => {
                            return PyValue::Unknown(format!(
                                "truth of `{}` is not known",
                                self.src(v.range())
                            ));
                        }
                    }
                }
                last
            }
            Expr::Compare(c) => {
                let mut left = self.eval(&c.left, d);
                let mut result = PyValue::Bool(true);
                for (op, right) in c.ops.iter().zip(c.comparators.iter()) {
                    let r = self.eval(right, d);
                    let step = lift2(left.clone(), r.clone(), &|a, b| compare(*op, &a, &b));
                    result = match (result.truthy(), step.truthy()) {
                        (Some(true), _) => step,
                        (Some(false), _) => PyValue::Bool(false),
                        _ => PyValue::Unknown("comparison of unknown values".into()),
                    };
                    left = r;
                }
                result
            }
            Expr::If(i) => {
                let (t, env) = self.eval_tracked(&i.test);
                match self.decided(&t, &env) {
                    Some(true) => self.eval(&i.body, d),
                    Some(false) => self.eval(&i.orelse, d),
                    None => {
                        let a = self.eval(&i.body, d);
                        let b = self.eval(&i.orelse, d);
                        one_of(vec![a, b])
                    }
                }
            }
            Expr::Named(n) => {
                let v = self.eval(&n.value, d);
                let deps = self.deps.clone();
                self.assign(&n.target, v.clone(), &deps, Some(&n.value), d);
                v
            }
            Expr::Subscript(s) => {
                if self.qualname(&s.value).as_deref() == Some("os.environ") {
                    let key = self.eval(&s.slice, d);
                    let PyValue::Str(var) = key else {
                        return opaque_or(key, "os.environ[...] with a computed key");
                    };
                    return match self.env_lookup(&var) {
                        Some(v) => PyValue::Str(v),
                        None => PyValue::Unknown(format!(
                            "reads ${var}, which must be set (KeyError otherwise)"
                        )),
                    };
                }
                let base = self.eval(&s.value, d);
                let idx = self.eval(&s.slice, d);
                match (base, idx) {
                    (PyValue::List(items), PyValue::Int(i)) => {
                        let n = i128::try_from(items.len()).unwrap_or(0);
                        let k = if i < 0 { n + i } else { i };
                        usize::try_from(k)
                            .ok()
                            .and_then(|k| items.get(k).cloned())
                            .unwrap_or_else(|| PyValue::Unknown("index out of range".into()))
                    }
                    (PyValue::Str(s), PyValue::Int(i)) => {
                        let cs: Vec<char> = s.chars().collect();
                        let n = i128::try_from(cs.len()).unwrap_or(0);
                        let k = if i < 0 { n + i } else { i };
                        usize::try_from(k).ok().and_then(|k| cs.get(k)).map_or_else(
                            || PyValue::Unknown("index out of range".into()),
                            |c| PyValue::Str(c.to_string()),
                        )
                    }
                    (b, _) if b.is_opaque() => b,
                    _ => PyValue::Unknown(format!("subscript `{}`", self.src(s.range))),
                }
            }
            Expr::Attribute(a) => {
                let q = self.qualname(e);
                PyValue::Unknown(match q {
                    Some(q) => format!("attribute {q}"),
                    None => format!("attribute `{}`", self.src(a.range)),
                })
            }
            Expr::Call(c) => self.call(c, d),
            Expr::Starred(_) => PyValue::Unknown("a starred expression".into()),
            Expr::Slice(_) => PyValue::Unknown("a slice".into()),
            Expr::Lambda(_) => PyValue::Unknown("a lambda".into()),
            Expr::ListComp(_) | Expr::SetComp(_) | Expr::DictComp(_) | Expr::Generator(_) => {
                PyValue::Unknown("a comprehension".into())
            }
            Expr::Await(_) | Expr::Yield(_) | Expr::YieldFrom(_) => {
                PyValue::Unknown("await/yield".into())
            }
            Expr::IpyEscapeCommand(_) => PyValue::Unknown("an IPython escape".into()),
        }
    }

    fn eval_list(&mut self, elts: &[Expr], d: usize) -> PyValue {
        let mut out = Vec::new();
        for x in elts {
            if matches!(x, Expr::Starred(_)) {
                return PyValue::Unknown("a list with a starred item".into());
            }
            out.push(self.eval(x, d));
        }
        PyValue::List(out)
    }

    fn call(&mut self, c: &ruff_python_ast::ExprCall, d: usize) -> PyValue {
        let args: Vec<&Expr> = c.arguments.args.iter().collect();
        let kw = |name: &str| {
            c.arguments
                .keywords
                .iter()
                .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == name))
                .map(|k| &k.value)
        };
        let src = self.src(c.range()).to_string();
        if let Some(q) = self.qualname(&c.func) {
            match q.as_str() {
                "os.environ.get" | "os.getenv" | "os.environ.setdefault" => {
                    let Some(key) = args.first() else {
                        return PyValue::Unknown(format!("`{src}` without a key"));
                    };
                    let key = self.eval(key, d);
                    let PyValue::Str(var) = key else {
                        return opaque_or(key, "an environment lookup with a computed name");
                    };
                    let default = match args.get(1).copied().or_else(|| kw("default")) {
                        Some(e) => self.eval(e, d),
                        None => PyValue::None,
                    };
                    return match self.env_lookup(&var) {
                        Some(v) => PyValue::Str(v),
                        None => {
                            if q == "os.environ.setdefault" {
                                self.scope.env_overlay.insert(var, default.clone());
                            }
                            default
                        }
                    };
                }
                "os.cpu_count" | "multiprocessing.cpu_count" | "psutil.cpu_count" => {
                    return PyValue::CpuDependent(src);
                }
                "os.sched_getaffinity" => return PyValue::CpuDependent(src),
                "builtins.len" => {
                    let v = match args.first() {
                        Some(a) => self.eval(a, d),
                        None => return PyValue::Unknown("len() without an argument".into()),
                    };
                    return match v {
                        PyValue::Str(s) => {
                            PyValue::Int(i128::try_from(s.chars().count()).unwrap_or(0))
                        }
                        PyValue::List(l) => PyValue::Int(i128::try_from(l.len()).unwrap_or(0)),
                        PyValue::CpuDependent(_) => PyValue::CpuDependent(src),
                        other => opaque_or(other, "len() of an unknown value"),
                    };
                }
                "builtins.print" => return PyValue::None,
                "builtins.int" | "builtins.float" | "builtins.str" | "builtins.bool"
                | "builtins.abs" | "builtins.round" => {
                    let Some(first) = args.first() else {
                        return match q.as_str() {
                            "builtins.int" => PyValue::Int(0),
                            "builtins.float" => PyValue::Float(0.0),
                            "builtins.str" => PyValue::Str(String::new()),
                            "builtins.bool" => PyValue::Bool(false),
                            _ => PyValue::Unknown(format!("`{src}`")),
                        };
                    };
                    let (v, env) = self.eval_tracked(first);
                    let base = args
                        .get(1)
                        .copied()
                        .or_else(|| kw("base"))
                        .map(|b| self.eval(b, d));
                    let name = q.trim_start_matches("builtins.").to_string();
                    let src2 = src.clone();
                    let r = lift1(v, &|v| builtin1(&name, v, base.as_ref(), &src2));
                    if let PyValue::Unknown(why) = &r
                        && why.starts_with("ValueError")
                        && env.is_empty()
                    {
                        self.fails = true;
                        self.problems.push(Problem::parse(
                            self.span(c.range()),
                            format!("{why}; gunicorn would fail to load this file"),
                        ));
                    }
                    return r;
                }
                "builtins.max" | "builtins.min" => {
                    let vals: Vec<PyValue> = if args.len() == 1 {
                        match args.first().map(|a| self.eval(a, d)) {
                            Some(PyValue::List(v)) => v,
                            Some(other) => {
                                return opaque_or(other, "max/min over an unknown value");
                            }
                            None => Vec::new(),
                        }
                    } else {
                        args.iter().map(|a| self.eval(a, d)).collect()
                    };
                    return max_min(q == "builtins.max", vals, &src);
                }
                "builtins.globals" | "builtins.vars" | "builtins.locals" => {
                    return PyValue::Unknown("the module namespace".into());
                }
                "builtins.exec" | "builtins.eval" | "builtins.setattr" => {
                    self.add_wildcard(format!("`{}`", shorten(&src)), c.range());
                    return PyValue::Unknown("result of exec/eval".into());
                }
                _ => {}
            }
        }
        // Methods on values and on the module namespace.
        if let Expr::Attribute(a) = c.func.as_ref() {
            let method = a.attr.as_str();
            if let Expr::Call(inner) = a.value.as_ref()
                && matches!(
                    self.qualname(&inner.func).as_deref(),
                    Some("builtins.globals" | "builtins.vars" | "builtins.locals")
                )
            {
                if method != "get" {
                    self.add_wildcard(format!("`{}`", shorten(&src)), c.range());
                }
                return PyValue::Unknown("the module namespace".into());
            }
            if self.qualname(&a.value).as_deref() == Some("os.environ") {
                if method == "update" {
                    self.add_wildcard(format!("`{}` (environment)", shorten(&src)), c.range());
                }
                return PyValue::Unknown(format!("os.environ.{method}()"));
            }
            // In-place list changes on a bound name.
            if let Expr::Name(n) = a.value.as_ref()
                && matches!(method, "append" | "extend" | "insert")
            {
                let arg_vals: Vec<PyValue> = args.iter().map(|x| self.eval(x, d)).collect();
                let deps = self.deps.clone();
                if let Some(b) = self.scope.bindings.get_mut(n.id.as_str()) {
                    let new = match (&b.value, method, arg_vals.as_slice()) {
                        (PyValue::List(items), "append", [v]) => {
                            let mut items = items.clone();
                            items.push(v.clone());
                            PyValue::List(items)
                        }
                        (PyValue::List(items), "extend", [PyValue::List(more)]) => {
                            let mut items = items.clone();
                            items.extend(more.iter().cloned());
                            PyValue::List(items)
                        }
                        _ => PyValue::Unknown(format!("{} is modified by .{method}()", n.id)),
                    };
                    b.value = new;
                    for x in deps {
                        if !b.env.contains(&x) {
                            b.env.push(x);
                        }
                    }
                }
                return PyValue::None;
            }
            let recv = self.eval(&a.value, d);
            let arg_vals: Vec<PyValue> = args.iter().map(|x| self.eval(x, d)).collect();
            if let Expr::Name(n) = a.value.as_ref()
                && !matches!(recv, PyValue::Str(_))
            {
                // Any other method call on a bound name may change it.
                self.mutate_target(&Expr::Name(n.clone()));
            }
            return lift1(recv, &|r| str_method(&r, method, &arg_vals, &src));
        }
        // A function defined in the file: its `global` names may change.
        if let Expr::Name(n) = c.func.as_ref()
            && let Some(b) = self.scope.bindings.get(n.id.as_str())
            && let PyValue::Function(fname) = &b.value
        {
            let fname = fname.clone();
            for g in b.globals.clone() {
                if let Some(gb) = self.scope.bindings.get_mut(&g) {
                    gb.value = PyValue::Unknown(format!("may be set by {fname}()"));
                } else {
                    let span = self.span(c.range());
                    let seq = self.next_seq(c.range());
                    self.scope.bind(
                        &g,
                        Binding::plain(PyValue::Unknown(format!("set by {fname}()")), span, seq),
                    );
                }
            }
            return PyValue::Unknown(format!("the result of {fname}()"));
        }
        for a in &args {
            let _ = self.eval(a, d);
        }
        PyValue::Unknown(format!("the result of `{}`", shorten(&src)))
    }
}

fn shorten(s: &str) -> String {
    let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 60 {
        let cut: String = one_line.chars().take(57).collect();
        format!("{cut}...")
    } else {
        one_line
    }
}

fn opaque_or(v: PyValue, why: &str) -> PyValue {
    if v.is_opaque() {
        v
    } else {
        PyValue::Unknown(why.to_string())
    }
}

fn op_str(op: Operator) -> &'static str {
    match op {
        Operator::Add => "+",
        Operator::Sub => "-",
        Operator::Mult => "*",
        Operator::MatMult => "@",
        Operator::Div => "/",
        Operator::Mod => "%",
        Operator::Pow => "**",
        Operator::LShift => "<<",
        Operator::RShift => ">>",
        Operator::BitOr => "|",
        Operator::BitXor => "^",
        Operator::BitAnd => "&",
        Operator::FloorDiv => "//",
    }
}

/// Flattens, removes duplicates, and collapses a single alternative.
fn one_of(values: Vec<PyValue>) -> PyValue {
    let mut out: Vec<PyValue> = Vec::new();
    for v in values {
        let vs = match v {
            PyValue::OneOf(inner) => inner,
            v => vec![v],
        };
        for v in vs {
            if !out.contains(&v) {
                out.push(v);
            }
        }
    }
    if out.len() > MAX_ALTERNATIVES {
        return PyValue::Unknown(format!("more than {MAX_ALTERNATIVES} alternatives"));
    }
    if out.len() == 1 {
        out.pop().unwrap_or(PyValue::Unset)
    } else {
        PyValue::OneOf(out)
    }
}

fn lift1(v: PyValue, f: &dyn Fn(PyValue) -> PyValue) -> PyValue {
    match v {
        PyValue::OneOf(vs) => one_of(vs.into_iter().map(f).collect()),
        v => f(v),
    }
}

fn lift2(a: PyValue, b: PyValue, f: &dyn Fn(PyValue, PyValue) -> PyValue) -> PyValue {
    match (a, b) {
        (PyValue::OneOf(xs), b) => one_of(xs.into_iter().map(|x| lift2(x, b.clone(), f)).collect()),
        (a, PyValue::OneOf(ys)) => one_of(ys.into_iter().map(|y| f(a.clone(), y)).collect()),
        (a, b) => f(a, b),
    }
}

fn as_num(v: &PyValue) -> Option<Num> {
    match v {
        PyValue::Int(n) => Some(Num::Int(*n)),
        PyValue::Bool(b) => Some(Num::Int(i128::from(*b))),
        PyValue::Float(f) => Some(Num::Float(*f)),
        _ => None,
    }
}

#[derive(Clone, Copy)]
enum Num {
    Int(i128),
    Float(f64),
}

impl Num {
    #[allow(clippy::cast_precision_loss)]
    fn f(self) -> f64 {
        match self {
            Num::Int(n) => n as f64,
            Num::Float(f) => f,
        }
    }
}

fn binop(op: Operator, a: PyValue, b: PyValue, src: &str) -> PyValue {
    lift2(a, b, &|a, b| binop1(op, a, b, src))
}

fn binop1(op: Operator, a: PyValue, b: PyValue, src: &str) -> PyValue {
    if let PyValue::Unknown(_) = a {
        return a;
    }
    if let PyValue::Unknown(_) = b {
        return b;
    }
    if matches!(a, PyValue::CpuDependent(_)) || matches!(b, PyValue::CpuDependent(_)) {
        return PyValue::CpuDependent(src.to_string());
    }
    let unsupported = || {
        PyValue::Unknown(format!(
            "unsupported operation {} {} {}",
            a.type_name(),
            op_str(op),
            b.type_name()
        ))
    };
    match (&a, &b) {
        (PyValue::Str(x), PyValue::Str(y)) if op == Operator::Add => {
            return PyValue::Str(format!("{x}{y}"));
        }
        (PyValue::List(x), PyValue::List(y)) if op == Operator::Add => {
            let mut v = x.clone();
            v.extend(y.iter().cloned());
            return PyValue::List(v);
        }
        (PyValue::Str(s), n) | (n, PyValue::Str(s)) if op == Operator::Mult => {
            let Some(Num::Int(k)) = as_num(n) else {
                return unsupported();
            };
            let k = usize::try_from(k.max(0)).unwrap_or(0);
            if s.len().saturating_mul(k) > MAX_STR {
                return PyValue::Unknown("a very long string".into());
            }
            return PyValue::Str(s.repeat(k));
        }
        (PyValue::Str(fmt), args) if op == Operator::Mod => return percent_format(fmt, args),
        _ => {}
    }
    let (Some(x), Some(y)) = (as_num(&a), as_num(&b)) else {
        return unsupported();
    };
    let overflow = || PyValue::Unknown("integer overflow".into());
    let zero = || PyValue::Unknown("ZeroDivisionError".into());
    match (x, y) {
        (Num::Int(x), Num::Int(y)) => match op {
            Operator::Add => x.checked_add(y).map_or_else(overflow, PyValue::Int),
            Operator::Sub => x.checked_sub(y).map_or_else(overflow, PyValue::Int),
            Operator::Mult => x.checked_mul(y).map_or_else(overflow, PyValue::Int),
            Operator::FloorDiv => {
                if y == 0 {
                    return zero();
                }
                PyValue::Int(x.div_euclid(y) - i128::from(y < 0 && x.rem_euclid(y) != 0))
            }
            Operator::Mod => {
                if y == 0 {
                    return zero();
                }
                let r = x.rem_euclid(y);
                PyValue::Int(if y < 0 && r != 0 { r + y } else { r })
            }
            Operator::Div => {
                if y == 0 {
                    return zero();
                }
                PyValue::Float(Num::Int(x).f() / Num::Int(y).f())
            }
            Operator::Pow => {
                if y < 0 {
                    return PyValue::Float(Num::Int(x).f().powf(Num::Int(y).f()));
                }
                u32::try_from(y)
                    .ok()
                    .and_then(|e| x.checked_pow(e))
                    .map_or_else(overflow, PyValue::Int)
            }
            _ => unsupported(),
        },
        (x, y) => {
            let (x, y) = (x.f(), y.f());
            match op {
                Operator::Add => PyValue::Float(x + y),
                Operator::Sub => PyValue::Float(x - y),
                Operator::Mult => PyValue::Float(x * y),
                Operator::Div if y == 0.0 => zero(),
                Operator::Div => PyValue::Float(x / y),
                Operator::FloorDiv if y == 0.0 => zero(),
                Operator::FloorDiv => PyValue::Float((x / y).floor()),
                Operator::Mod if y == 0.0 => zero(),
                Operator::Mod => PyValue::Float(x - y * (x / y).floor()),
                Operator::Pow => PyValue::Float(x.powf(y)),
                _ => unsupported(),
            }
        }
    }
}

/// `"fmt" % args` for `%s`, `%d`, `%i`, `%r` and `%%`.
fn percent_format(fmt: &str, args: &PyValue) -> PyValue {
    let items: Vec<PyValue> = match args {
        PyValue::List(v) => v.clone(),
        v => vec![v.clone()],
    };
    if items.iter().any(PyValue::is_opaque) {
        return PyValue::Unknown("%-formatting of an unknown value".into());
    }
    let mut out = String::new();
    let mut it = items.iter();
    let mut cs = fmt.chars();
    while let Some(c) = cs.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match cs.next() {
            Some('%') => out.push('%'),
            Some('s') => match it.next() {
                Some(v) => out.push_str(&v.py_str()),
                None => return PyValue::Unknown("TypeError: not enough arguments".into()),
            },
            Some('r') => match it.next() {
                Some(v) => out.push_str(&v.py_repr()),
                None => return PyValue::Unknown("TypeError: not enough arguments".into()),
            },
            Some('d' | 'i') => match it.next().and_then(as_num) {
                Some(Num::Int(n)) => out.push_str(&n.to_string()),
                #[allow(clippy::cast_possible_truncation)]
                Some(Num::Float(f)) => out.push_str(&(f.trunc() as i128).to_string()),
                None => return PyValue::Unknown("%d of a non-number".into()),
            },
            _ => return PyValue::Unknown("an unsupported % format".into()),
        }
    }
    if it.next().is_some() {
        return PyValue::Unknown("TypeError: not all arguments converted".into());
    }
    PyValue::Str(out)
}

fn unaryop(op: UnaryOp, v: PyValue, src: &str) -> PyValue {
    if let PyValue::CpuDependent(_) = v {
        return if op == UnaryOp::Not {
            PyValue::Unknown("truth of a CPU-dependent value".into())
        } else {
            PyValue::CpuDependent(src.to_string())
        };
    }
    if op == UnaryOp::Not {
        return v.truthy().map_or_else(
            || opaque_or(v.clone(), "truth of an unknown value"),
            |t| PyValue::Bool(!t),
        );
    }
    match (op, as_num(&v)) {
        (UnaryOp::USub, Some(Num::Int(n))) => PyValue::Int(-n),
        (UnaryOp::USub, Some(Num::Float(f))) => PyValue::Float(-f),
        (UnaryOp::UAdd, Some(Num::Int(n))) => PyValue::Int(n),
        (UnaryOp::UAdd, Some(Num::Float(f))) => PyValue::Float(f),
        (UnaryOp::Invert, Some(Num::Int(n))) => PyValue::Int(!n),
        _ => opaque_or(v, "an unsupported unary operation"),
    }
}

fn compare(op: CmpOp, a: &PyValue, b: &PyValue) -> PyValue {
    if a.is_opaque() || b.is_opaque() {
        return PyValue::Unknown("comparison with an unknown value".into());
    }
    let ord = match (as_num(a), as_num(b)) {
        (Some(Num::Int(x)), Some(Num::Int(y))) => Some(x.cmp(&y)),
        (Some(x), Some(y)) => x.f().partial_cmp(&y.f()),
        _ => match (a, b) {
            (PyValue::Str(x), PyValue::Str(y)) => Some(x.cmp(y)),
            _ => None,
        },
    };
    let eq = match ord {
        Some(o) => o == std::cmp::Ordering::Equal,
        None => a == b,
    };
    use std::cmp::Ordering::{Greater, Less};
    let r = match op {
        CmpOp::Eq => Some(eq),
        CmpOp::NotEq => Some(!eq),
        CmpOp::Is => match (a, b) {
            (PyValue::None, _) | (_, PyValue::None) | (PyValue::Bool(_), PyValue::Bool(_)) => {
                Some(a == b)
            }
            _ => None,
        },
        CmpOp::IsNot => match (a, b) {
            (PyValue::None, _) | (_, PyValue::None) | (PyValue::Bool(_), PyValue::Bool(_)) => {
                Some(a != b)
            }
            _ => None,
        },
        CmpOp::Lt => ord.map(|o| o == Less),
        CmpOp::LtE => ord.map(|o| o != Greater),
        CmpOp::Gt => ord.map(|o| o == Greater),
        CmpOp::GtE => ord.map(|o| o != Less),
        CmpOp::In | CmpOp::NotIn => {
            let found = match b {
                PyValue::Str(hay) => match a {
                    PyValue::Str(needle) => Some(hay.contains(needle.as_str())),
                    _ => None,
                },
                PyValue::List(items) => {
                    if items.iter().any(PyValue::is_opaque) {
                        None
                    } else {
                        Some(
                            items
                                .iter()
                                .any(|i| compare(CmpOp::Eq, a, i) == PyValue::Bool(true)),
                        )
                    }
                }
                _ => None,
            };
            found.map(|f| if op == CmpOp::In { f } else { !f })
        }
    };
    r.map_or_else(
        || PyValue::Unknown("an unsupported comparison".into()),
        PyValue::Bool,
    )
}

/// `int(x)`, `float(x)`, `str(x)`, `bool(x)`, `abs(x)`, `round(x)`.
fn builtin1(name: &str, v: PyValue, base: Option<&PyValue>, src: &str) -> PyValue {
    if let PyValue::CpuDependent(_) = v {
        return match name {
            "int" | "abs" | "round" => PyValue::CpuDependent(src.to_string()),
            _ => PyValue::Unknown(format!("{name}() of a CPU-dependent value")),
        };
    }
    if v.is_opaque() {
        return v;
    }
    match name {
        "int" => match (&v, base) {
            (PyValue::Str(s), None) => match python_int(s, false) {
                Ok(n) => PyValue::Int(n),
                Err(IntError::TooLarge) => PyValue::Unknown("a very large integer".into()),
                Err(IntError::Invalid) => PyValue::Unknown(format!(
                    "ValueError: invalid literal for int() with base 10: {}",
                    settings::py_repr(s)
                )),
            },
            (PyValue::Str(s), Some(PyValue::Int(0))) => match python_int(s, true) {
                Ok(n) => PyValue::Int(n),
                _ => PyValue::Unknown(format!(
                    "ValueError: invalid literal for int() with base 0: {}",
                    settings::py_repr(s)
                )),
            },
            (PyValue::Str(s), Some(PyValue::Int(b))) => {
                let clean: String = settings::py_strip(s)
                    .chars()
                    .filter(|c| *c != '_')
                    .collect();
                let radix = u32::try_from(*b).ok().filter(|b| (2..=36).contains(b));
                match radix.and_then(|r| i128::from_str_radix(&clean, r).ok()) {
                    Some(n) => PyValue::Int(n),
                    None => PyValue::Unknown(format!("int({}, {b})", settings::py_repr(s))),
                }
            }
            (PyValue::Int(n), None) => PyValue::Int(*n),
            (PyValue::Bool(b), None) => PyValue::Int(i128::from(*b)),
            #[allow(clippy::cast_possible_truncation)]
            (PyValue::Float(f), None) if f.is_finite() && f.abs() < 1e30 => {
                PyValue::Int(f.trunc() as i128)
            }
            _ => PyValue::Unknown(format!("TypeError in `{src}`")),
        },
        "float" => match &v {
            PyValue::Str(s) => settings::py_strip(s)
                .replace('_', "")
                .parse::<f64>()
                .map_or_else(
                    |_| {
                        PyValue::Unknown(format!(
                            "ValueError: could not convert string to float: {}",
                            settings::py_repr(s)
                        ))
                    },
                    PyValue::Float,
                ),
            v => as_num(v).map_or_else(
                || PyValue::Unknown(format!("TypeError in `{src}`")),
                |n| PyValue::Float(n.f()),
            ),
        },
        "str" => PyValue::Str(v.py_str()),
        "bool" => v.truthy().map_or_else(
            || PyValue::Unknown("truth of a value".into()),
            PyValue::Bool,
        ),
        "abs" => match as_num(&v) {
            Some(Num::Int(n)) => PyValue::Int(n.abs()),
            Some(Num::Float(f)) => PyValue::Float(f.abs()),
            None => PyValue::Unknown(format!("TypeError in `{src}`")),
        },
        "round" => match as_num(&v) {
            Some(Num::Int(n)) => PyValue::Int(n),
            // Python rounds half to even.
            #[allow(clippy::cast_possible_truncation)]
            Some(Num::Float(f)) if f.is_finite() && f.abs() < 1e30 => {
                PyValue::Int(f.round_ties_even() as i128)
            }
            _ => PyValue::Unknown(format!("TypeError in `{src}`")),
        },
        _ => PyValue::Unknown(format!("`{src}`")),
    }
}

fn max_min(is_max: bool, vals: Vec<PyValue>, src: &str) -> PyValue {
    if vals.is_empty() {
        return PyValue::Unknown("ValueError: max/min of an empty sequence".into());
    }
    if vals.iter().any(|v| matches!(v, PyValue::CpuDependent(_))) {
        return PyValue::CpuDependent(src.to_string());
    }
    if let Some(v) = vals.iter().find(|v| v.is_opaque()) {
        return v.clone();
    }
    let mut best: Option<PyValue> = None;
    for v in vals {
        best = Some(match best {
            None => v,
            Some(b) => {
                let better = compare(if is_max { CmpOp::Gt } else { CmpOp::Lt }, &v, &b);
                match better {
                    PyValue::Bool(true) => v,
                    PyValue::Bool(false) => b,
                    _ => return PyValue::Unknown("max/min of incomparable values".into()),
                }
            }
        });
    }
    best.unwrap_or(PyValue::None)
}

/// A few `str` methods common in config files.
fn str_method(recv: &PyValue, method: &str, args: &[PyValue], src: &str) -> PyValue {
    let PyValue::Str(s) = recv else {
        return opaque_or(recv.clone(), &format!("the result of `{}`", shorten(src)));
    };
    match (method, args) {
        ("lower", []) => PyValue::Str(s.to_lowercase()),
        ("upper", []) => PyValue::Str(s.to_uppercase()),
        ("strip", []) => PyValue::Str(settings::py_strip(s).to_string()),
        ("lstrip", []) => PyValue::Str(s.trim_start_matches(char::is_whitespace).to_string()),
        ("rstrip", []) => PyValue::Str(s.trim_end_matches(char::is_whitespace).to_string()),
        ("strip", [PyValue::Str(cs)]) => {
            PyValue::Str(s.trim_matches(|c| cs.contains(c)).to_string())
        }
        ("replace", [PyValue::Str(a), PyValue::Str(b)]) if !a.is_empty() => {
            PyValue::Str(s.replace(a.as_str(), b))
        }
        ("split", [PyValue::Str(sep)]) if !sep.is_empty() => PyValue::List(
            s.split(sep.as_str())
                .map(|p| PyValue::Str(p.to_string()))
                .collect(),
        ),
        ("split", []) => PyValue::List(
            s.split_whitespace()
                .map(|p| PyValue::Str(p.to_string()))
                .collect(),
        ),
        ("startswith", [PyValue::Str(p)]) => PyValue::Bool(s.starts_with(p.as_str())),
        ("endswith", [PyValue::Str(p)]) => PyValue::Bool(s.ends_with(p.as_str())),
        ("isdigit", []) => PyValue::Bool(!s.is_empty() && s.chars().all(|c| c.is_ascii_digit())),
        _ => PyValue::Unknown(format!("the result of `{}`", shorten(src))),
    }
}

/// Names a function declares `global` (it may set them when called).
fn collect_globals(stmts: &[Stmt], out: &mut Vec<String>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    for s in stmts {
        match s {
            Stmt::Global(g) => out.extend(g.names.iter().map(|n| n.as_str().to_string())),
            Stmt::If(i) => {
                collect_globals(&i.body, out, depth + 1);
                for c in &i.elif_else_clauses {
                    collect_globals(&c.body, out, depth + 1);
                }
            }
            Stmt::For(f) => collect_globals(&f.body, out, depth + 1),
            Stmt::While(w) => collect_globals(&w.body, out, depth + 1),
            Stmt::With(w) => collect_globals(&w.body, out, depth + 1),
            Stmt::Try(t) => {
                collect_globals(&t.body, out, depth + 1);
                collect_globals(&t.finalbody, out, depth + 1);
            }
            _ => {}
        }
    }
}

/// Names bound by assignments in a block (for loops, whose bodies may run
/// any number of times).
fn collect_targets(stmts: &[Stmt], out: &mut Vec<(String, TextRange)>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    fn names(e: &Expr, out: &mut Vec<(String, TextRange)>) {
        match e {
            Expr::Name(n) => out.push((n.id.as_str().to_string(), n.range)),
            Expr::Tuple(t) => t.elts.iter().for_each(|x| names(x, out)),
            Expr::List(l) => l.elts.iter().for_each(|x| names(x, out)),
            Expr::Starred(s) => names(&s.value, out),
            _ => {}
        }
    }
    for s in stmts {
        match s {
            Stmt::Assign(a) => a.targets.iter().for_each(|t| names(t, out)),
            Stmt::AnnAssign(a) if a.value.is_some() => names(&a.target, out),
            Stmt::AugAssign(a) => names(&a.target, out),
            Stmt::For(f) => {
                names(&f.target, out);
                collect_targets(&f.body, out, depth + 1);
            }
            Stmt::While(w) => collect_targets(&w.body, out, depth + 1),
            Stmt::If(i) => {
                collect_targets(&i.body, out, depth + 1);
                for c in &i.elif_else_clauses {
                    collect_targets(&c.body, out, depth + 1);
                }
            }
            Stmt::With(w) => collect_targets(&w.body, out, depth + 1),
            Stmt::Try(t) => {
                collect_targets(&t.body, out, depth + 1);
                collect_targets(&t.orelse, out, depth + 1);
                collect_targets(&t.finalbody, out, depth + 1);
            }
            Stmt::FunctionDef(f) => out.push((f.name.as_str().to_string(), f.name.range)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Millis;

    const F: FileId = FileId(3);

    fn conf(text: &str) -> PyConf {
        parse_pyconf(F, text)
    }

    fn val(c: &PyConf, name: &str) -> Value {
        c.values.get(name).map_or(Value::Unset, |a| a.value.clone())
    }

    fn secs(n: u64) -> Value {
        Value::Duration(Millis::from_secs(n))
    }

    #[test]
    fn literals_arithmetic_and_overrides() {
        let text = "bind = '0.0.0.0:8000'\nworkers: int = 2 * 2 + 1\ntimeout = 30\ntimeout = 60 * 2\n\
                    keepalive = '5'\ngraceful_timeout = 10 // 3\nthreads = 4\nthreads += 2\n\
                    max_requests, max_requests_jitter = 1000, 50\n";
        let c = conf(text);
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(
            val(&c, "bind"),
            Value::List(vec![Value::Str("0.0.0.0:8000".into())])
        );
        assert_eq!(val(&c, "workers"), Value::Int(5));
        assert_eq!(val(&c, "timeout"), secs(120));
        assert_eq!(val(&c, "keepalive"), secs(5));
        assert_eq!(val(&c, "graceful_timeout"), secs(3));
        assert_eq!(val(&c, "threads"), Value::Int(6));
        assert_eq!(val(&c, "max_requests"), Value::Int(1000));
        assert_eq!(val(&c, "max_requests_jitter"), Value::Int(50));
        let t = &c.values["timeout"];
        assert_eq!(&text[t.span.range()], "60 * 2");
        let j = &c.values["max_requests_jitter"];
        assert_eq!(&text[j.span.range()], "50");
    }

    #[test]
    fn environment_lookups_record_the_variable() {
        let text = "import os\nfrom os import environ, getenv\nimport multiprocessing as mp\n\
                    timeout = int(os.environ.get('GUNICORN_TIMEOUT', '120'))\n\
                    keepalive = int(getenv('KA', 7))\n\
                    graceful_timeout = int(environ.get('GT') or 33)\n\
                    max_requests = int(os.environ['MAXREQ'])\n\
                    workers = mp.cpu_count() * 2 + 1\n\
                    threads = os.cpu_count()\n\
                    bind = f\"0.0.0.0:{os.getenv('PORT', '8000')}\"\n";
        let c = conf(text);
        assert_eq!(val(&c, "timeout"), secs(120));
        assert_eq!(
            c.values["timeout"].env_var.as_deref(),
            Some("GUNICORN_TIMEOUT")
        );
        assert_eq!(val(&c, "keepalive"), secs(7));
        assert_eq!(val(&c, "graceful_timeout"), secs(33));
        assert_eq!(c.values["graceful_timeout"].env_var.as_deref(), Some("GT"));
        assert!(val(&c, "max_requests").is_unknown());
        let Value::Unknown(why) = val(&c, "workers") else {
            panic!()
        };
        assert!(
            why.contains("CPU") && why.contains("mp.cpu_count() * 2 + 1"),
            "{why}"
        );
        assert!(val(&c, "threads").is_unknown());
        assert_eq!(
            val(&c, "bind"),
            Value::List(vec![Value::Str("0.0.0.0:8000".into())])
        );
        assert_eq!(c.values["bind"].env_var.as_deref(), Some("PORT"));

        let with = c.with_env(&|k| match k {
            "GUNICORN_TIMEOUT" => Some("77".into()),
            "MAXREQ" => Some("500".into()),
            "GT" => Some("9".into()),
            _ => None,
        });
        assert_eq!(val(&with, "timeout"), secs(77));
        assert_eq!(val(&with, "max_requests"), Value::Int(500));
        assert_eq!(val(&with, "graceful_timeout"), secs(9));
        assert_eq!(val(&with, "keepalive"), secs(7));
    }

    #[test]
    fn branches_become_one_of() {
        let text = "import os\nif os.environ.get('ENV') == 'prod':\n    workers = 8\n    timeout = 60\n\
                    else:\n    workers = 2\n    timeout = 60\nif True:\n    keepalive = 5\nelse:\n    keepalive = 9\n\
                    if os.getenv('X'):\n    threads = 4\n";
        let c = conf(text);
        assert_eq!(
            val(&c, "workers"),
            Value::OneOf(vec![Value::Int(8), Value::Int(2)])
        );
        assert_eq!(val(&c, "timeout"), secs(60));
        assert_eq!(val(&c, "keepalive"), secs(5));
        assert_eq!(
            val(&c, "threads"),
            Value::OneOf(vec![Value::Int(4), Value::Unset])
        );
        // With the deployment setting ENV the branch is decided.
        let prod = c.with_env(&|k| (k == "ENV").then(|| "prod".to_string()));
        assert_eq!(val(&prod, "workers"), Value::Int(8));
        let c = conf("workers = 4 if __name__ == '__main__' else 3\n");
        assert_eq!(val(&c, "workers"), Value::Int(3));
    }

    #[test]
    fn unknown_names_and_ignored_names() {
        let text = "import os, multiprocessing\nfrom math import ceil\n_private = 1\nkeep_alive = 10\n\
                    TIMEOUT = 99\nworkerclass = 'gevent'\ncores = 4\nworkers = cores * 2\n\
                    def post_fork(server, worker):\n    timeout = 5\n\
                    def helper():\n    pass\ndef pre_requests(worker, req):\n    pass\n";
        let c = conf(text);
        let names: Vec<&str> = c.unknown_names.iter().map(|s| s.value.as_str()).collect();
        assert_eq!(
            names,
            ["keep_alive", "TIMEOUT", "workerclass", "pre_requests"]
        );
        assert_eq!(&text[c.unknown_names[0].span.range()], "keep_alive");
        assert_eq!(val(&c, "post_fork"), Value::Str("post_fork()".into()));
        assert_eq!(val(&c, "workers"), Value::Int(8));
        assert!(!c.values.contains_key("timeout"));
    }

    #[test]
    fn invalid_values_are_problems() {
        let c = conf("timeout = 'abc'\nworkers = -1\nkeepalive = 2.5\n");
        assert!(val(&c, "timeout").is_unknown());
        let msgs: Vec<&str> = c.problems.iter().map(|p| p.message.as_str()).collect();
        assert!(
            msgs[0].contains("Invalid value for timeout: abc"),
            "{msgs:?}"
        );
        assert!(msgs[0].contains("invalid literal for int() with base 0: 'abc'"));
        assert!(
            msgs.iter()
                .any(|m| m.contains("Value must be positive: -1"))
        );
        assert!(
            msgs.iter()
                .any(|m| m.contains("int() can't convert non-string"))
        );
        // "0x10" is hex in a config file; "010" is rejected.
        let c = conf("timeout = '0x10'\ngraceful_timeout = '010'\n");
        assert_eq!(val(&c, "timeout"), secs(16));
        assert!(val(&c, "graceful_timeout").is_unknown());
    }

    #[test]
    fn syntax_errors_and_modern_syntax() {
        let c = conf("timeout = (\n");
        assert_eq!(c.problems.len(), 1);
        assert!(c.problems[0].message.contains("syntax error"));
        let modern = "from __future__ import annotations\nimport os\n\
                      @decorator\ndef when_ready(server) -> None:\n    print(f'{server!r:>10}')\n\
                      match os.getenv('MODE'):\n    case 'a':\n        workers = 3\n    case _:\n        pass\n\
                      if (n := 4) > 2:\n    threads = n\ntype Alias = int\ntimeout: int = 45\n";
        let c = conf(modern);
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(val(&c, "timeout"), secs(45));
        assert_eq!(val(&c, "threads"), Value::Int(4));
        assert_eq!(
            val(&c, "workers"),
            Value::OneOf(vec![Value::Int(3), Value::Unset])
        );
    }

    #[test]
    fn wildcards_make_settings_unknown() {
        let c = conf("timeout = 30\nfrom base_conf import *\nkeepalive = 5\n");
        assert!(val(&c, "timeout").is_unknown());
        assert_eq!(val(&c, "keepalive"), secs(5));
        assert_eq!(c.wildcards.len(), 1);
        let c = conf("timeout = 30\nglobals().update(timeout=1)\n");
        assert!(val(&c, "timeout").is_unknown());
    }

    #[test]
    fn try_loops_and_mutation() {
        let text = "try:\n    import multiprocessing\n    workers = multiprocessing.cpu_count()\n\
                    except ImportError:\n    workers = 3\n\
                    for i in range(3):\n    threads = i\n\
                    bind = ['a:1']\nbind.append('b:2')\nraw_env = []\nraw_env.extend(['A=1'])\n";
        let c = conf(text);
        let Value::OneOf(alts) = val(&c, "workers") else {
            panic!("{:?}", val(&c, "workers"))
        };
        assert!(alts[0].is_unknown() && alts[1] == Value::Int(3));
        assert!(val(&c, "threads").is_unknown());
        assert_eq!(
            val(&c, "bind"),
            Value::List(vec![Value::Str("a:1".into()), Value::Str("b:2".into())])
        );
        assert_eq!(
            val(&c, "raw_env"),
            Value::List(vec![Value::Str("A=1".into())])
        );
    }

    #[test]
    fn nothing_is_executed() {
        let marker = std::env::temp_dir().join(format!("parity-pwned-{}", std::process::id()));
        let m = marker.display();
        let text = format!(
            "import os, subprocess\ntimeout = 5\nos.system('touch {m}')\n\
             subprocess.run(['touch', '{m}'])\n__import__('os').system('touch {m}')\n\
             exec(\"open('{m}', 'w')\")\nkeepalive = 3\n"
        );
        let c = conf(&text);
        assert!(!marker.exists());
        // `exec(...)` may set anything: what came before it is unknown.
        let Value::Unknown(why) = val(&c, "timeout") else {
            panic!()
        };
        assert!(why.starts_with("may be replaced by `exec("), "{why}");
        assert_eq!(val(&c, "keepalive"), secs(3));
    }

    #[test]
    fn deep_nesting_is_a_problem_not_a_crash() {
        let deep = format!("timeout = {}1{}\n", "(".repeat(5000), ")".repeat(5000));
        let c = conf(&deep);
        assert_eq!(c.problems.len(), 1);
        let long = format!("timeout = 1{}\n", "+1".repeat(50_000));
        let c = conf(&long);
        assert_eq!(c.problems.len(), 1);
        let ok = format!("timeout = 1{}\n", "+1".repeat(90));
        assert_eq!(val(&conf(&ok), "timeout"), secs(91));
    }

    #[test]
    fn pathological_nesting_fits_a_small_stack() {
        let cases = [
            format!("timeout = 1{}\n", "+1".repeat(4990)),
            format!("timeout = a{}\n", ".b".repeat(4990)),
            format!("timeout = f{}\n", "()".repeat(2490)),
            format!("timeout = {}1\n", "-".repeat(4990)),
            format!("timeout = {}1{}\n", "(1+".repeat(250), ")".repeat(250)),
            format!("timeout = {}1{}\n", "[".repeat(256), "]".repeat(256)),
            format!("timeout = {}1\n", "not ".repeat(20000)),
            format!("timeout = {}1\n", "lambda: ".repeat(20000)),
            format!("timeout = 1 if 1 else {}1\n", "1 if 1 else ".repeat(20000)),
            format!("timeout = 1 {}\n", "< 1 ".repeat(20000)),
            format!("timeout = 1 {}\n", "or 1 ".repeat(20000)),
            format!("timeout = x{}\n", "[0]".repeat(2400)),
        ];
        for text in cases {
            // 1 MiB: half of a default thread stack, in a debug build.
            let h = std::thread::Builder::new()
                .stack_size(1 << 20)
                .spawn(move || parse_pyconf(F, &text).values.len());
            assert!(h.unwrap().join().is_ok());
        }
    }
}
