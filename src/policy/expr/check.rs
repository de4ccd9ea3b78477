//! Static type checking of policy expressions.

use std::ops::Range;

use super::ast::{BinOp, Expr, ExprError, ExprKind, Func, Type, UnaryOp, closest};

/// The names and types a policy expression may refer to.
pub trait TypeEnv {
    /// The type of model field `path` (e.g. `app.timeout`); `None` if there
    /// is no such field.
    fn field_type(&self, path: &str) -> Option<Type>;
    /// The type of policy parameter `name`; `None` if there is no such parameter.
    fn param_type(&self, name: &str) -> Option<Type>;
    /// Every field path, for "did you mean" suggestions.
    fn field_names(&self) -> Vec<String>;
    /// Every parameter name, for "did you mean" suggestions.
    fn param_names(&self) -> Vec<String>;
}

/// The type of `expr`, or the first type error found (in source order).
///
/// # Errors
/// Unknown fields/parameters (with a suggestion when one is close), operands
/// of the wrong type, wrong argument counts, list literals outside `in`.
pub fn check(expr: &Expr, env: &dyn TypeEnv) -> Result<Type, ExprError> {
    Checker { env }.ty(expr, false)
}

/// Checks that `expr` is a condition (type Bool).
///
/// # Errors
/// As [`check`], plus an error if the expression is not a bool.
pub fn check_bool(expr: &Expr, env: &dyn TypeEnv) -> Result<(), ExprError> {
    match check(expr, env)? {
        Type::Bool => Ok(()),
        other => Err(ExprError::new(
            format!("a condition must be true or false, but this is a {other}"),
            expr.span.clone(),
        )
        .with_help("compare it with something, e.g. `app.timeout > 0s`")),
    }
}

struct Checker<'e> {
    env: &'e dyn TypeEnv,
}

/// "`a`, `b` or `c`"
fn backticked(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.join(""),
    }
}

/// "a duration", "a number", ... for messages.
fn a(t: Type) -> String {
    format!("a {t}")
}

/// A number literal written where a duration belongs: `write 30s, not 30`.
fn number_literal(e: &Expr) -> Option<i64> {
    match &e.kind {
        ExprKind::Number(n) => Some(*n),
        _ => None,
    }
}

impl Checker<'_> {
    fn ty(&self, e: &Expr, list_allowed: bool) -> Result<Type, ExprError> {
        match &e.kind {
            ExprKind::Duration(_) => Ok(Type::Duration),
            ExprKind::Number(_) => Ok(Type::Number),
            ExprKind::Str(_) => Ok(Type::String),
            ExprKind::Bool(_) => Ok(Type::Bool),
            ExprKind::List(items) => {
                if !list_allowed {
                    return Err(ExprError::new(
                        "a list can only appear on the right of `in`",
                        e.span.clone(),
                    )
                    .with_help(r#"e.g. `app.worker_class in ["gthread", "gevent"]`"#));
                }
                for item in items {
                    let t = self.ty(item, false)?;
                    if t != Type::String {
                        return Err(ExprError::new(
                            format!("list items must be strings, but this is {}", a(t)),
                            item.span.clone(),
                        ));
                    }
                }
                Ok(Type::List)
            }
            ExprKind::Field(path) => self.field(path, e.span.clone()),
            ExprKind::Param(name) => self.param(name, e.span.clone()),
            ExprKind::Unary { op, operand } => {
                let t = self.ty(operand, false)?;
                match (op, t) {
                    (UnaryOp::Not, Type::Bool) => Ok(Type::Bool),
                    (UnaryOp::Neg, Type::Duration | Type::Number) => Ok(t),
                    (UnaryOp::Not, _) => Err(ExprError::new(
                        format!("`not` needs a bool, but this is {}", a(t)),
                        operand.span.clone(),
                    )),
                    (UnaryOp::Neg, _) => Err(ExprError::new(
                        format!("cannot negate {}", a(t)),
                        e.span.clone(),
                    )),
                }
            }
            ExprKind::Binary {
                op,
                lhs,
                rhs,
                op_span,
            } => self.binary(e, *op, op_span, lhs, rhs),
            ExprKind::Call { func, args, .. } => self.call(e, *func, args),
        }
    }

    fn field(&self, path: &str, span: Range<usize>) -> Result<Type, ExprError> {
        if let Some(t) = self.env.field_type(path) {
            return Ok(t);
        }
        let err = ExprError::new(format!("unknown field `{path}`"), span);
        let names = self.env.field_names();
        // Right attribute, wrong layer (`proxy.idle_timeout` for
        // `lb.idle_timeout`) is the likelier mistake; then typos.
        let last = path.rsplit('.').next().unwrap_or(path);
        let same_attr: Vec<&str> = names
            .iter()
            .map(String::as_str)
            .filter(|n| n.rsplit('.').next() == Some(last))
            .collect();
        if !same_attr.is_empty() && same_attr.len() <= 3 {
            return Err(err.with_help(format!("did you mean {}?", backticked(&same_attr))));
        }
        if let Some(best) = closest(path, names.iter().map(String::as_str)) {
            return Err(err.with_help(format!("did you mean `{best}`?")));
        }
        Err(err)
    }

    fn param(&self, name: &str, span: Range<usize>) -> Result<Type, ExprError> {
        if let Some(t) = self.env.param_type(name) {
            return Ok(t);
        }
        let err = ExprError::new(format!("unknown parameter `{name}`"), span);
        let params = self.env.param_names();
        if let Some(best) = closest(name, params.iter().map(String::as_str)) {
            return Err(err.with_help(format!("did you mean `{best}`?")));
        }
        // A field written without its layer: `timeout` for `app.timeout`.
        let fields = self.env.field_names();
        let matching: Vec<&str> = fields
            .iter()
            .map(String::as_str)
            .filter(|f| f.rsplit('.').next() == Some(name))
            .collect();
        if !matching.is_empty() && matching.len() <= 3 {
            return Err(err.with_help(format!(
                "fields are written with their layer: did you mean {}?",
                backticked(&matching)
            )));
        }
        if let Some(func) = Func::from_name(name) {
            return Err(err.with_help(format!(
                "`{}` is a function: write `{}(...)`",
                func.name(),
                func.name()
            )));
        }
        if params.is_empty() {
            return Err(err.with_help("this policy declares no parameters"));
        }
        Err(err)
    }

    /// The error for two operands whose types do not fit together. When one
    /// side is a number literal and the other a duration, point at the
    /// literal and suggest the unit.
    fn mismatch(
        &self,
        whole: &Expr,
        message: String,
        (lhs, lt): (&Expr, Type),
        (rhs, rt): (&Expr, Type),
    ) -> ExprError {
        for (lit, lit_t, other_t) in [(lhs, lt, rt), (rhs, rt, lt)] {
            if lit_t == Type::Number
                && other_t == Type::Duration
                && let Some(n) = number_literal(lit)
            {
                return ExprError::new(message, lit.span.clone())
                    .with_help(format!("write {n}s, not {n}"));
            }
        }
        let help = match (lt, rt) {
            (Type::Duration, Type::Number) | (Type::Number, Type::Duration) => {
                Some("convert with `seconds(duration)` or `duration(number_of_seconds)`")
            }
            _ => None,
        };
        let err = ExprError::new(message, whole.span.clone());
        match help {
            Some(h) => err.with_help(h),
            None => err,
        }
    }

    fn binary(
        &self,
        e: &Expr,
        op: BinOp,
        op_span: &Range<usize>,
        lhs: &Expr,
        rhs: &Expr,
    ) -> Result<Type, ExprError> {
        let lt = self.ty(lhs, false)?;
        let rt = self.ty(rhs, op == BinOp::In)?;
        let sym = op.symbol();
        match op {
            BinOp::And | BinOp::Or => {
                for (side, t) in [(lhs, lt), (rhs, rt)] {
                    if t != Type::Bool {
                        return Err(ExprError::new(
                            format!("`{sym}` needs bool operands, but this is {}", a(t)),
                            side.span.clone(),
                        )
                        .with_help("compare it with something, e.g. `app.timeout > 0s`"));
                    }
                }
                Ok(Type::Bool)
            }
            BinOp::Eq | BinOp::Ne => match (lt, rt) {
                (Type::List, _) | (_, Type::List) => Err(ExprError::new(
                    format!("cannot compare lists with `{sym}`"),
                    e.span.clone(),
                )
                .with_help("test membership with `in`")),
                _ if lt == rt => Ok(Type::Bool),
                _ => Err(self.mismatch(
                    e,
                    format!("cannot compare {lt} with {rt}"),
                    (lhs, lt),
                    (rhs, rt),
                )),
            },
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => match (lt, rt) {
                (Type::Duration, Type::Duration) | (Type::Number, Type::Number) => Ok(Type::Bool),
                _ if lt == rt => Err(ExprError::new(
                    format!("cannot order {lt}s with `{sym}`"),
                    op_span.clone(),
                )
                .with_help("only durations and numbers can be ordered; use `==` or `!=`")),
                _ => Err(self.mismatch(
                    e,
                    format!("cannot compare {lt} with {rt}"),
                    (lhs, lt),
                    (rhs, rt),
                )),
            },
            BinOp::In => {
                if lt != Type::String {
                    return Err(ExprError::new(
                        format!("`in` needs a string on its left, but this is {}", a(lt)),
                        lhs.span.clone(),
                    ));
                }
                if rt != Type::List {
                    return Err(ExprError::new(
                        format!("`in` needs a list on its right, but this is {}", a(rt)),
                        rhs.span.clone(),
                    )
                    .with_help(r#"e.g. `app.worker_class in ["gthread", "gevent"]`"#));
                }
                Ok(Type::Bool)
            }
            BinOp::Add | BinOp::Sub => match (lt, rt) {
                (Type::Duration, Type::Duration) => Ok(Type::Duration),
                (Type::Number, Type::Number) => Ok(Type::Number),
                _ => {
                    let verb = if op == BinOp::Add { "add" } else { "subtract" };
                    let msg = if op == BinOp::Add {
                        format!("cannot add {lt} and {rt}")
                    } else {
                        format!("cannot {verb} {rt} from {lt}")
                    };
                    Err(self.mismatch(e, msg, (lhs, lt), (rhs, rt)))
                }
            },
            BinOp::Mul => match (lt, rt) {
                (Type::Duration, Type::Number) | (Type::Number, Type::Duration) => {
                    Ok(Type::Duration)
                }
                (Type::Number, Type::Number) => Ok(Type::Number),
                (Type::Duration, Type::Duration) => Err(ExprError::new(
                    "cannot multiply two durations",
                    e.span.clone(),
                )
                .with_help("multiply a duration by a number, e.g. `2 * margin`")),
                _ => Err(ExprError::new(
                    format!("cannot multiply {lt} by {rt}"),
                    e.span.clone(),
                )),
            },
            BinOp::Div => match (lt, rt) {
                (Type::Duration, Type::Number) => Ok(Type::Duration),
                (Type::Number, Type::Number) => Ok(Type::Number),
                (Type::Duration, Type::Duration) => Err(ExprError::new(
                    "cannot divide a duration by a duration",
                    e.span.clone(),
                )
                .with_help("compare them directly, or divide `seconds(a) / seconds(b)`")),
                _ => Err(ExprError::new(
                    format!("cannot divide {lt} by {rt}"),
                    e.span.clone(),
                )),
            },
        }
    }

    fn call(&self, e: &Expr, func: Func, args: &[Expr]) -> Result<Type, ExprError> {
        let name = func.name();
        if func.takes_field() {
            let [arg] = args else {
                return Err(ExprError::new(
                    format!(
                        "`{name}` takes one field, but {} arguments were given",
                        args.len()
                    ),
                    e.span.clone(),
                )
                .with_help(format!("e.g. `{name}(app.timeout)`")));
            };
            if !matches!(arg.kind, ExprKind::Field(_)) {
                return Err(ExprError::new(
                    format!("`{name}` takes a field path such as `app.timeout`"),
                    arg.span.clone(),
                ));
            }
            self.ty(arg, false)?;
            return Ok(Type::Bool);
        }
        match func {
            Func::Min | Func::Max => {
                if args.len() < 2 {
                    return Err(ExprError::new(
                        format!(
                            "`{name}` needs at least two arguments, but {} were given",
                            args.len()
                        ),
                        e.span.clone(),
                    ));
                }
                let mut first: Option<(Type, &Expr)> = None;
                for arg in args {
                    let t = self.ty(arg, false)?;
                    if !matches!(t, Type::Duration | Type::Number) {
                        return Err(ExprError::new(
                            format!("`{name}` takes durations or numbers, but this is {}", a(t)),
                            arg.span.clone(),
                        ));
                    }
                    match first {
                        None => first = Some((t, arg)),
                        Some((ft, fe)) if ft != t => {
                            return Err(self.mismatch(
                                e,
                                format!("`{name}` arguments must all have the same type, but {ft} and {t} are mixed"),
                                (fe, ft),
                                (arg, t),
                            ));
                        }
                        Some(_) => {}
                    }
                }
                Ok(first.map_or(Type::Number, |(t, _)| t))
            }
            Func::Seconds | Func::Duration => {
                let (want, gives) = if func == Func::Seconds {
                    (Type::Duration, Type::Number)
                } else {
                    (Type::Number, Type::Duration)
                };
                let [arg] = args else {
                    return Err(ExprError::new(
                        format!("`{name}` takes one argument, but {} were given", args.len()),
                        e.span.clone(),
                    ));
                };
                let t = self.ty(arg, false)?;
                if t != want {
                    return Err(ExprError::new(
                        format!("`{name}` takes {}, but this is {}", a(want), a(t)),
                        arg.span.clone(),
                    ));
                }
                Ok(gives)
            }
            Func::If => {
                let [cond, then, otherwise] = args else {
                    return Err(ExprError::new(
                        format!(
                            "`if` takes a condition and two values, but {} arguments were given",
                            args.len()
                        ),
                        e.span.clone(),
                    )
                    .with_help(r#"e.g. `if(direction == "app_first", "lower", "raise")`"#));
                };
                let ct = self.ty(cond, false)?;
                if ct != Type::Bool {
                    return Err(ExprError::new(
                        format!(
                            "the condition of `if` must be a bool, but this is {}",
                            a(ct)
                        ),
                        cond.span.clone(),
                    ));
                }
                let tt = self.ty(then, false)?;
                let et = self.ty(otherwise, false)?;
                if tt != et {
                    return Err(self.mismatch(
                        e,
                        format!("both values of `if` must have the same type, but they are {tt} and {et}"),
                        (then, tt),
                        (otherwise, et),
                    ));
                }
                Ok(tt)
            }
            // Handled above by `takes_field`.
            Func::IsSet | Func::IsUnset | Func::IsUnknown | Func::IsDefault => Ok(Type::Bool),
        }
    }
}
