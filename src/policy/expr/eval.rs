//! Evaluation of policy expressions against model values, with three-valued
//! logic for unknown values and case splitting over `OneOf` values. The
//! semantics are documented on the parent module.

use std::collections::BTreeSet;

use super::ast::{BinOp, Expr, ExprKind, Func, UnaryOp, fields, params};
use crate::value::{Millis, Value};

/// The values an expression is evaluated against.
pub trait ValueEnv {
    /// The value of model field `path` (e.g. `app.timeout`).
    fn field(&self, path: &str) -> Value;
    /// Whether the field's value is the tool's built-in default (not written
    /// anywhere in the configuration).
    fn field_is_default(&self, path: &str) -> bool;
    /// The value of policy parameter `name`.
    fn param(&self, name: &str) -> Value;
}

/// The result of a condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Truth {
    True,
    False,
    /// Undecidable from the configuration; `fields` names (sorted, without
    /// duplicates) the fields (and parameters) whose unknown or multiple
    /// possible values made it so.
    Unknown {
        fields: Vec<String>,
    },
}

/// Most combinations of `OneOf` alternatives evaluated; beyond it the result
/// is unknown.
pub const MAX_COMBINATIONS: usize = 64;

type Names = BTreeSet<String>;

/// A runtime value. Durations are signed milliseconds so that differences
/// such as `a - b` may go below zero.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum V {
    Dur(i64),
    Num(i64),
    Str(String),
    Bool(bool),
    List(Vec<V>),
    Unset,
    /// Unknown because of the named fields/parameters (empty when the cause
    /// is an overflow or division by zero among literals).
    Unknown(Names),
}

/// A truth value in Kleene's three-valued logic.
#[derive(Clone, Debug, PartialEq)]
enum Tri {
    True,
    False,
    Unknown(Names),
}

/// One field or parameter referenced by the expression, with its possible values.
struct Var {
    name: String,
    is_field: bool,
    original: Value,
    /// The alternatives of a `OneOf` (flattened, without duplicates), or the
    /// value itself.
    alts: Vec<Value>,
}

/// Alternatives of `v`: the members of a (possibly nested) `OneOf`, or `v`.
fn alternatives(v: &Value) -> Vec<Value> {
    let Value::OneOf(_) = v else {
        return vec![v.clone()];
    };
    let mut out: Vec<Value> = Vec::new();
    let mut stack = vec![v];
    while let Some(item) = stack.pop() {
        match item {
            Value::OneOf(vs) => stack.extend(vs.iter().rev()),
            other => {
                if !out.contains(other) {
                    out.push(other.clone());
                }
            }
        }
    }
    if out.is_empty() {
        out.push(Value::Unknown("no possible value".to_owned()));
    }
    out
}

fn collect_vars(expr: &Expr, env: &dyn ValueEnv) -> Vec<Var> {
    let mut vars: Vec<Var> = Vec::new();
    let referenced = fields(expr)
        .into_iter()
        .map(|(n, _)| (n, true))
        .chain(params(expr).into_iter().map(|(n, _)| (n, false)));
    for (name, is_field) in referenced {
        if vars
            .iter()
            .any(|v| v.name == name && v.is_field == is_field)
        {
            continue;
        }
        let original = if is_field {
            env.field(&name)
        } else {
            env.param(&name)
        };
        let alts = alternatives(&original);
        vars.push(Var {
            name,
            is_field,
            original,
            alts,
        });
    }
    vars
}

/// Every field/parameter named in `e`.
fn names_of(e: &Expr) -> Names {
    fields(e)
        .into_iter()
        .chain(params(e))
        .map(|(n, _)| n)
        .collect()
}

/// Number of combinations, or `None` above [`MAX_COMBINATIONS`].
fn combination_count(vars: &[Var]) -> Option<usize> {
    vars.iter().try_fold(1usize, |n, v| {
        n.checked_mul(v.alts.len())
            .filter(|n| *n <= MAX_COMBINATIONS)
    })
}

/// The alternative index of each variable in combination `k` (mixed radix).
fn choice_of(vars: &[Var], mut k: usize) -> Vec<usize> {
    vars.iter()
        .map(|v| {
            let n = v.alts.len().max(1);
            let c = k % n;
            k /= n;
            c
        })
        .collect()
}

/// The combination number of a choice vector (inverse of [`choice_of`]).
fn index_of(vars: &[Var], choice: &[usize]) -> usize {
    let mut k = 0;
    let mut stride = 1;
    for (v, c) in vars.iter().zip(choice) {
        k += c * stride;
        stride *= v.alts.len().max(1);
    }
    k
}

/// Runs `f` on an evaluator for each combination of alternatives, or
/// returns `None` when there are too many.
fn for_each_combination<T>(
    vars: &[Var],
    env: &dyn ValueEnv,
    mut f: impl FnMut(&Evaluator<'_>) -> T,
) -> Option<Vec<T>> {
    let count = combination_count(vars)?;
    Some(
        (0..count)
            .map(|k| {
                let choice = choice_of(vars, k);
                f(&Evaluator {
                    env,
                    vars,
                    choice: &choice,
                })
            })
            .collect(),
    )
}

fn multi_valued(vars: &[Var]) -> Names {
    vars.iter()
        .filter(|v| v.alts.len() > 1)
        .map(|v| v.name.clone())
        .collect()
}

/// Evaluates a condition. See the module documentation for the semantics.
#[must_use]
pub fn eval_bool(expr: &Expr, env: &dyn ValueEnv) -> Truth {
    let vars = collect_vars(expr, env);
    let Some(results) = for_each_combination(&vars, env, |ev| ev.truth(expr)) else {
        return Truth::Unknown {
            fields: multi_valued(&vars).into_iter().collect(),
        };
    };
    if results.iter().all(|r| *r == Tri::True) {
        return Truth::True;
    }
    if results.iter().all(|r| *r == Tri::False) {
        return Truth::False;
    }
    let mut names = Names::new();
    for r in &results {
        if let Tri::Unknown(n) = r {
            names.extend(n.iter().cloned());
        }
    }
    let has_true = results.contains(&Tri::True);
    let has_false = results.contains(&Tri::False);
    if has_true && has_false {
        names.extend(deciding_vars(&vars, &results));
    }
    Truth::Unknown {
        fields: names.into_iter().collect(),
    }
}

/// The multi-valued variables whose choice alone flips a combination
/// between true and false (all multi-valued ones if none does on its own).
fn deciding_vars(vars: &[Var], results: &[Tri]) -> Names {
    let mut out = Names::new();
    for (k, r) in results.iter().enumerate() {
        if *r == Tri::True || *r == Tri::False {
            let choice = choice_of(vars, k);
            for (i, var) in vars.iter().enumerate() {
                for alt in 0..var.alts.len() {
                    let mut other = choice.clone();
                    if let Some(slot) = other.get_mut(i) {
                        *slot = alt;
                    }
                    let flipped = results
                        .get(index_of(vars, &other))
                        .is_some_and(|o| (*o == Tri::True || *o == Tri::False) && o != r);
                    if flipped {
                        out.insert(var.name.clone());
                    }
                }
            }
        }
    }
    if out.is_empty() {
        out = multi_valued(vars);
    }
    out
}

/// Evaluates an expression of any type to a [`Value`]. When `OneOf` inputs
/// lead to several results, the result is a `OneOf` of the distinct ones.
/// Negative durations, which [`Value`] cannot hold, become `Unknown`.
#[must_use]
pub fn eval_value(expr: &Expr, env: &dyn ValueEnv) -> Value {
    let vars = collect_vars(expr, env);
    let Some(results) = for_each_combination(&vars, env, |ev| ev.eval(expr)) else {
        return Value::Unknown("too many combinations of possible values".to_owned());
    };
    let mut distinct: Vec<Value> = Vec::new();
    for v in results {
        let value = v_to_value(&v);
        if !distinct.contains(&value) {
            distinct.push(value);
        }
    }
    if distinct.len() == 1 {
        distinct.pop().unwrap_or(Value::Unset)
    } else {
        Value::OneOf(distinct)
    }
}

/// The distinct results of `expr` over all combinations, rendered as text;
/// `None` when there are too many combinations.
pub(crate) fn eval_rendered(expr: &Expr, env: &dyn ValueEnv) -> Option<Vec<String>> {
    let vars = collect_vars(expr, env);
    let results = for_each_combination(&vars, env, |ev| render_v(&ev.eval(expr)))?;
    let mut distinct: Vec<String> = Vec::new();
    for r in results {
        if !distinct.contains(&r) {
            distinct.push(r);
        }
    }
    Some(distinct)
}

fn render_v(v: &V) -> String {
    match v {
        V::Dur(ms) if *ms < 0 => format!("-{}", Millis(ms.unsigned_abs())),
        V::Dur(ms) => Millis(ms.unsigned_abs()).to_string(),
        V::Num(n) => n.to_string(),
        V::Str(s) => s.clone(),
        V::Bool(b) => b.to_string(),
        V::List(items) => items.iter().map(render_v).collect::<Vec<_>>().join(" "),
        V::Unset => "unset".to_owned(),
        V::Unknown(_) => "unknown".to_owned(),
    }
}

fn v_to_value(v: &V) -> Value {
    match v {
        V::Dur(ms) => match u64::try_from(*ms) {
            Ok(ms) => Value::Duration(Millis(ms)),
            Err(_) => Value::Unknown(format!("negative duration {}", render_v(v))),
        },
        V::Num(n) => Value::Int(*n),
        V::Str(s) => Value::Str(s.clone()),
        V::Bool(b) => Value::Bool(*b),
        V::List(items) => Value::List(items.iter().map(v_to_value).collect()),
        V::Unset => Value::Unset,
        V::Unknown(names) if names.is_empty() => {
            Value::Unknown("arithmetic overflow or division by zero".to_owned())
        }
        V::Unknown(names) => Value::Unknown(format!(
            "depends on {}",
            names.iter().cloned().collect::<Vec<_>>().join(", ")
        )),
    }
}

/// Converts one list element; nested lists and `OneOf`s are not looked into.
fn element_to_v(v: &Value, name: &str) -> V {
    match v {
        Value::Str(s) => V::Str(s.clone()),
        Value::Int(n) => V::Num(*n),
        Value::Bool(b) => V::Bool(*b),
        Value::Duration(Millis(ms)) => {
            i64::try_from(*ms).map_or_else(|_| V::Unknown(one(name)), V::Dur)
        }
        Value::Unset => V::Unset,
        Value::List(_) | Value::OneOf(_) | Value::Unknown(_) => V::Unknown(one(name)),
    }
}

fn value_to_v(v: &Value, name: &str) -> V {
    match v {
        Value::List(items) => V::List(items.iter().map(|i| element_to_v(i, name)).collect()),
        other => element_to_v(other, name),
    }
}

fn one(name: &str) -> Names {
    std::iter::once(name.to_owned()).collect()
}

fn union(a: &V, b: &V) -> Option<Names> {
    match (a, b) {
        (V::Unknown(x), V::Unknown(y)) => Some(x.union(y).cloned().collect()),
        (V::Unknown(x), _) | (_, V::Unknown(x)) => Some(x.clone()),
        _ => None,
    }
}

/// Evaluates nodes under one choice of alternatives.
struct Evaluator<'a> {
    env: &'a dyn ValueEnv,
    vars: &'a [Var],
    choice: &'a [usize],
}

impl Evaluator<'_> {
    fn var(&self, name: &str, is_field: bool) -> Option<(&Var, &Value)> {
        let i = self
            .vars
            .iter()
            .position(|v| v.name == name && v.is_field == is_field)?;
        let var = self.vars.get(i)?;
        let value = var.alts.get(*self.choice.get(i)?)?;
        Some((var, value))
    }

    fn lookup(&self, name: &str, is_field: bool) -> V {
        match self.var(name, is_field) {
            Some((_, value)) => value_to_v(value, name),
            None => V::Unknown(one(name)),
        }
    }

    /// The value as a truth value: `Unset` counts as false; a non-bool
    /// (a runtime type error) is unknown.
    fn truth_of(v: V, e: &Expr) -> Tri {
        match v {
            V::Bool(true) => Tri::True,
            V::Bool(false) | V::Unset => Tri::False,
            V::Unknown(n) => Tri::Unknown(n),
            _ => Tri::Unknown(names_of(e)),
        }
    }

    fn truth(&self, e: &Expr) -> Tri {
        Self::truth_of(self.eval(e), e)
    }

    fn from_tri(t: Tri) -> V {
        match t {
            Tri::True => V::Bool(true),
            Tri::False => V::Bool(false),
            Tri::Unknown(n) => V::Unknown(n),
        }
    }

    fn eval(&self, e: &Expr) -> V {
        match &e.kind {
            ExprKind::Duration(Millis(ms)) => {
                i64::try_from(*ms).map_or_else(|_| V::Unknown(Names::new()), V::Dur)
            }
            ExprKind::Number(n) => V::Num(*n),
            ExprKind::Str(s) => V::Str(s.clone()),
            ExprKind::Bool(b) => V::Bool(*b),
            ExprKind::List(items) => V::List(items.iter().map(|i| self.eval(i)).collect()),
            ExprKind::Field(path) => self.lookup(path, true),
            ExprKind::Param(name) => self.lookup(name, false),
            ExprKind::Unary {
                op: UnaryOp::Not,
                operand,
            } => Self::from_tri(match self.truth(operand) {
                Tri::True => Tri::False,
                Tri::False => Tri::True,
                u @ Tri::Unknown(_) => u,
            }),
            ExprKind::Unary {
                op: UnaryOp::Neg,
                operand,
            } => match self.eval(operand) {
                V::Dur(x) => x
                    .checked_neg()
                    .map_or_else(|| V::Unknown(names_of(e)), V::Dur),
                V::Num(x) => x
                    .checked_neg()
                    .map_or_else(|| V::Unknown(names_of(e)), V::Num),
                v @ (V::Unset | V::Unknown(_)) => v,
                _ => V::Unknown(names_of(e)),
            },
            ExprKind::Binary { op, lhs, rhs, .. } => match op {
                BinOp::And => Self::from_tri(self.and(lhs, rhs)),
                BinOp::Or => Self::from_tri(self.or(lhs, rhs)),
                op if op.is_comparison() => self.compare(*op, self.eval(lhs), self.eval(rhs), e),
                op => self.arith(*op, self.eval(lhs), self.eval(rhs), e),
            },
            ExprKind::Call { func, args, .. } => self.call(*func, args, e),
        }
    }

    /// Kleene conjunction; the right side is skipped when the left is false.
    fn and(&self, lhs: &Expr, rhs: &Expr) -> Tri {
        let l = self.truth(lhs);
        if l == Tri::False {
            return Tri::False;
        }
        match (l, self.truth(rhs)) {
            (_, Tri::False) => Tri::False,
            (Tri::True, Tri::True) => Tri::True,
            (Tri::Unknown(a), Tri::Unknown(b)) => Tri::Unknown(a.union(&b).cloned().collect()),
            (Tri::Unknown(n), _) | (_, Tri::Unknown(n)) => Tri::Unknown(n),
            // Left false was handled above.
            (Tri::False, _) => Tri::False,
        }
    }

    /// Kleene disjunction; the right side is skipped when the left is true.
    fn or(&self, lhs: &Expr, rhs: &Expr) -> Tri {
        let l = self.truth(lhs);
        if l == Tri::True {
            return Tri::True;
        }
        match (l, self.truth(rhs)) {
            (_, Tri::True) => Tri::True,
            (Tri::False, Tri::False) => Tri::False,
            (Tri::Unknown(a), Tri::Unknown(b)) => Tri::Unknown(a.union(&b).cloned().collect()),
            (Tri::Unknown(n), _) | (_, Tri::Unknown(n)) => Tri::Unknown(n),
            // Left true was handled above.
            (Tri::True, _) => Tri::True,
        }
    }

    fn compare(&self, op: BinOp, l: V, r: V, e: &Expr) -> V {
        // A comparison with something switched off does not hold.
        if l == V::Unset || r == V::Unset {
            return V::Bool(op == BinOp::Ne);
        }
        if op == BinOp::In {
            return Self::membership(&l, &r, e);
        }
        if let Some(names) = union(&l, &r) {
            return V::Unknown(names);
        }
        let ordering = match (&l, &r) {
            (V::Dur(a), V::Dur(b)) | (V::Num(a), V::Num(b)) => Some(a.cmp(b)),
            _ => None,
        };
        match op {
            BinOp::Eq | BinOp::Ne => {
                let equal = match (&l, &r) {
                    (V::Dur(_), V::Dur(_)) | (V::Num(_), V::Num(_)) => {
                        ordering == Some(std::cmp::Ordering::Equal)
                    }
                    (V::Str(a), V::Str(b)) => a == b,
                    (V::Bool(a), V::Bool(b)) => a == b,
                    _ => return V::Unknown(names_of(e)),
                };
                Some(equal == (op == BinOp::Eq))
            }
            BinOp::Lt => ordering.map(std::cmp::Ordering::is_lt),
            BinOp::Le => ordering.map(std::cmp::Ordering::is_le),
            BinOp::Gt => ordering.map(std::cmp::Ordering::is_gt),
            BinOp::Ge => ordering.map(std::cmp::Ordering::is_ge),
            _ => None,
        }
        .map_or_else(|| V::Unknown(names_of(e)), V::Bool)
    }

    /// `s in list`: true if some element equals `s`; unknown if none does
    /// but some element (or `s`) is unknown.
    fn membership(l: &V, r: &V, e: &Expr) -> V {
        let V::List(items) = r else {
            return match r {
                V::Unknown(n) => V::Unknown(n.clone()),
                _ => V::Unknown(names_of(e)),
            };
        };
        let needle = match l {
            V::Str(s) => Some(s),
            V::Unknown(_) => None,
            _ => return V::Unknown(names_of(e)),
        };
        let mut unknown = Names::new();
        let mut undecided = false;
        if let V::Unknown(n) = l {
            unknown.extend(n.iter().cloned());
            undecided = !items.is_empty();
        }
        for item in items {
            match (item, needle) {
                (V::Str(s), Some(needle)) if s == needle => return V::Bool(true),
                (V::Str(_) | V::Unset, _) => {}
                (V::Unknown(n), _) => {
                    unknown.extend(n.iter().cloned());
                    undecided = true;
                }
                _ => {
                    unknown.extend(names_of(e));
                    undecided = true;
                }
            }
        }
        if undecided {
            V::Unknown(unknown)
        } else {
            V::Bool(false)
        }
    }

    fn arith(&self, op: BinOp, l: V, r: V, e: &Expr) -> V {
        // Arithmetic on something switched off stays switched off, whatever
        // the other operand is.
        if l == V::Unset || r == V::Unset {
            return V::Unset;
        }
        if let Some(names) = union(&l, &r) {
            return V::Unknown(names);
        }
        let result = match (op, &l, &r) {
            (BinOp::Add, V::Dur(a), V::Dur(b)) => a.checked_add(*b).map(V::Dur),
            (BinOp::Add, V::Num(a), V::Num(b)) => a.checked_add(*b).map(V::Num),
            (BinOp::Sub, V::Dur(a), V::Dur(b)) => a.checked_sub(*b).map(V::Dur),
            (BinOp::Sub, V::Num(a), V::Num(b)) => a.checked_sub(*b).map(V::Num),
            (BinOp::Mul, V::Dur(a), V::Num(b)) | (BinOp::Mul, V::Num(b), V::Dur(a)) => {
                a.checked_mul(*b).map(V::Dur)
            }
            (BinOp::Mul, V::Num(a), V::Num(b)) => a.checked_mul(*b).map(V::Num),
            (BinOp::Div, V::Dur(a), V::Num(b)) => a.checked_div(*b).map(V::Dur),
            (BinOp::Div, V::Num(a), V::Num(b)) => a.checked_div(*b).map(V::Num),
            _ => None,
        };
        result.unwrap_or_else(|| V::Unknown(names_of(e)))
    }

    fn call(&self, func: Func, args: &[Expr], e: &Expr) -> V {
        if func.takes_field() {
            let [arg] = args else {
                return V::Unknown(names_of(e));
            };
            let ExprKind::Field(path) = &arg.kind else {
                return V::Unknown(names_of(e));
            };
            let Some((var, current)) = self.var(path, true) else {
                return V::Unknown(one(path));
            };
            return match func {
                Func::IsSet | Func::IsUnset => {
                    let set = match current {
                        Value::Unset => false,
                        Value::Unknown(_) => return V::Unknown(one(path)),
                        _ => true,
                    };
                    V::Bool(set == (func == Func::IsSet))
                }
                // Looks at the whole value, not one alternative, so that it is
                // never undecided.
                Func::IsUnknown => {
                    V::Bool(var.original.is_unknown() || var.alts.iter().any(Value::is_unknown))
                }
                _ => V::Bool(self.env.field_is_default(path)),
            };
        }
        match func {
            Func::Min | Func::Max => {
                let mut best: Option<V> = None;
                let mut unknown: Option<Names> = None;
                for arg in args {
                    match self.eval(arg) {
                        // Not applicable: ignored.
                        V::Unset => {}
                        V::Unknown(n) => unknown.get_or_insert_default().extend(n),
                        v @ (V::Dur(_) | V::Num(_)) => {
                            best = Some(match best {
                                None => v,
                                Some(b) => match (&b, &v) {
                                    (V::Dur(x), V::Dur(y)) | (V::Num(x), V::Num(y)) => {
                                        let take_new =
                                            if func == Func::Min { y < x } else { y > x };
                                        if take_new { v } else { b }
                                    }
                                    _ => return V::Unknown(names_of(e)),
                                },
                            });
                        }
                        _ => return V::Unknown(names_of(e)),
                    }
                }
                match (unknown, best) {
                    (Some(n), _) => V::Unknown(n),
                    (None, Some(b)) => b,
                    (None, None) => V::Unset,
                }
            }
            Func::Seconds => match args.first().map(|a| self.eval(a)) {
                Some(V::Dur(ms)) => V::Num(ms / 1000),
                Some(v @ (V::Unset | V::Unknown(_))) => v,
                _ => V::Unknown(names_of(e)),
            },
            Func::If => {
                let [cond, then, otherwise] = args else {
                    return V::Unknown(names_of(e));
                };
                match self.truth(cond) {
                    Tri::True => self.eval(then),
                    Tri::False => self.eval(otherwise),
                    // Undecided: known only when both branches agree.
                    Tri::Unknown(names) => {
                        let (a, b) = (self.eval(then), self.eval(otherwise));
                        if a == b && !matches!(a, V::Unknown(_)) {
                            a
                        } else {
                            let mut names = names;
                            for v in [a, b] {
                                if let V::Unknown(n) = v {
                                    names.extend(n);
                                }
                            }
                            V::Unknown(names)
                        }
                    }
                }
            }
            Func::Duration => match args.first().map(|a| self.eval(a)) {
                Some(V::Num(n)) => n
                    .checked_mul(1000)
                    .map_or_else(|| V::Unknown(names_of(e)), V::Dur),
                Some(v @ (V::Unset | V::Unknown(_))) => v,
                _ => V::Unknown(names_of(e)),
            },
            _ => V::Unknown(names_of(e)),
        }
    }
}
