//! The expression language of parity's policies: the `when:` condition of a
//! rule and the `{placeholders}` of its message.
//!
//! ```text
//! app.server == "gunicorn" and app.timeout > 0s and app.timeout < proxy.read_timeout + margin
//! ```
//!
//! # Syntax
//!
//! - Literals: durations `30s`, `1m30s`, `500ms`, `2h`, `1d` (units `ms s m h d`,
//!   whole numbers, largest unit first, each unit at most once); whole numbers
//!   `3`; strings `"sync"` or `'sync'` (escapes `\"`, `\'`, `\\`); `true`,
//!   `false`; lists `["a", "b"]` (only on the right of `in`).
//! - Names: a dotted path (`app.timeout`) is a model field; a bare identifier
//!   (`margin`) is a policy parameter. Segments are `[a-z_][a-z0-9_]*`;
//!   `and or not in true false` are reserved.
//! - Operators, loosest first: `or`; `and`; prefix `not`; comparisons
//!   `== != < <= > >= in` (not chainable); `+ -`; `* /`; prefix `-`.
//!   Binary operators associate to the left.
//! - Functions: `min(a, b, ...)`, `max(a, b, ...)`, `is_set(field)`,
//!   `is_unset(field)`, `is_unknown(field)`, `is_default(field)`,
//!   `seconds(duration)` (whole seconds, truncated), `duration(seconds)`.
//!
//! # Types ([`check`])
//!
//! Duration ± Duration, Duration × Number, Number × Duration, Duration ÷ Number,
//! and Number arithmetic (integer, truncating division). Comparisons need
//! operands of the same type; ordering only for Duration and Number; `==`/`!=`
//! also for String and Bool; `in` takes a String and a List; `and`/`or`/`not`
//! take Bool. A Duration is never compared with a Number (`30` is not `30s`).
//!
//! # Evaluation ([`eval_bool`])
//!
//! Each model value maps to a type: `Value::Duration` -> Duration, `Int` ->
//! Number, `Str` -> String, `Bool` -> Bool, `List` -> List. The special values:
//!
//! - **`Unknown`** (cannot be determined statically): Kleene three-valued logic.
//!   Comparisons and arithmetic with an unknown operand are unknown;
//!   `false and U` is false, `true or U` is true, `not U` is unknown.
//!   `is_set`/`is_unset` of an unknown field are unknown (it may or may not
//!   end up set); `is_unknown` is always true or false. An unknown result
//!   ([`Truth::Unknown`]) names the fields (and parameters) that caused it.
//! - **`OneOf`** (several possible values, e.g. set in branches of an `if`): the
//!   expression is evaluated for every combination of the alternatives of
//!   every `OneOf` field (at most [`MAX_COMBINATIONS`]; beyond that the result
//!   is unknown). True if every combination is true, false if every one is
//!   false, otherwise unknown, naming the fields whose choice decides it.
//!   `is_unknown` is true if any alternative is unknown.
//! - **`Unset`** (not set and no default: the feature is off or does not
//!   apply): `is_set` is false and `is_unset` true. Every comparison
//!   involving it is false, except `!=`, which is true (`Unset == Unset` is
//!   false too), and `in` is false. Arithmetic with it yields `Unset`, and
//!   `seconds`/`duration` pass it through. `Unset` wins over `Unknown`:
//!   `unset < unknown` is false and `unset + unknown` is unset, since no
//!   value of the unknown operand would change that. `min`/`max` ignore
//!   `Unset` arguments (the smallest of the limits that apply) and are
//!   `Unset` only when all are. A bool field that is `Unset` counts as false
//!   in `and`, `or`, `not` and as a whole condition.
//!
//! Integer overflow, division by zero and values of an unexpected type (which
//! [`check`] should have excluded) make the result unknown; evaluation never
//! panics. Durations are signed milliseconds during evaluation, so `a - b` may
//! be negative.

mod ast;
mod check;
mod eval;
mod parse;
mod template;

pub use ast::{BinOp, Expr, ExprError, ExprKind, Func, MAX_DEPTH, Type, UnaryOp, fields, params};
pub use check::{TypeEnv, check, check_bool};
pub use eval::{MAX_COMBINATIONS, Truth, ValueEnv, eval_bool, eval_value};
pub use parse::parse;
pub use template::{
    Template, TemplatePart, check_template, parse_template, render, template_fields,
};
