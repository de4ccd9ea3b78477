//! Tests of the policy expression language: parsing, type checking,
//! three-valued evaluation and message templates.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use parity::policy::expr::{
    Expr, ExprError, ExprKind, MAX_COMBINATIONS, MAX_DEPTH, Template, TemplatePart, Truth, Type,
    TypeEnv, ValueEnv, check, check_bool, check_template, eval_bool, eval_value, fields, params,
    parse, parse_template, render, template_fields,
};
use parity::value::{Millis, Value};

// ---------------------------------------------------------------------------
// Environments

struct Types {
    fields: Vec<(&'static str, Type)>,
    params: Vec<(&'static str, Type)>,
}

fn types() -> Types {
    Types {
        fields: vec![
            ("app.server", Type::String),
            ("app.worker_class", Type::String),
            ("app.timeout", Type::Duration),
            ("app.graceful_timeout", Type::Duration),
            ("app.harakiri", Type::Duration),
            ("app.workers", Type::Number),
            ("app.preload", Type::Bool),
            ("proxy.read_timeout", Type::Duration),
            ("proxy.next_upstream", Type::List),
            ("lb.idle_timeout", Type::Duration),
            ("container.stop_grace_period", Type::Duration),
        ],
        params: vec![
            ("margin", Type::Duration),
            ("max_read", Type::Duration),
            ("limit", Type::Number),
            ("name", Type::String),
        ],
    }
}

impl TypeEnv for Types {
    fn field_type(&self, path: &str) -> Option<Type> {
        self.fields
            .iter()
            .find(|(n, _)| *n == path)
            .map(|(_, t)| *t)
    }
    fn param_type(&self, name: &str) -> Option<Type> {
        self.params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| *t)
    }
    fn field_names(&self) -> Vec<String> {
        self.fields.iter().map(|(n, _)| (*n).to_owned()).collect()
    }
    fn param_names(&self) -> Vec<String> {
        self.params.iter().map(|(n, _)| (*n).to_owned()).collect()
    }
}

#[derive(Default)]
struct Vals {
    fields: HashMap<String, Value>,
    defaults: HashSet<String>,
    params: HashMap<String, Value>,
}

impl Vals {
    fn field(mut self, path: &str, v: Value) -> Self {
        self.fields.insert(path.to_owned(), v);
        self
    }
    fn param(mut self, name: &str, v: Value) -> Self {
        self.params.insert(name.to_owned(), v);
        self
    }
    fn defaulted(mut self, path: &str) -> Self {
        self.defaults.insert(path.to_owned());
        self
    }
}

impl ValueEnv for Vals {
    fn field(&self, path: &str) -> Value {
        self.fields
            .get(path)
            .cloned()
            .unwrap_or_else(|| Value::Unknown(format!("{path} not in test env")))
    }
    fn field_is_default(&self, path: &str) -> bool {
        self.defaults.contains(path)
    }
    fn param(&self, name: &str) -> Value {
        self.params
            .get(name)
            .cloned()
            .unwrap_or_else(|| Value::Unknown(format!("{name} not in test env")))
    }
}

fn secs(s: u64) -> Value {
    Value::Duration(Millis::from_secs(s))
}

fn ms(m: u64) -> Value {
    Value::Duration(Millis(m))
}

fn s(v: &str) -> Value {
    Value::Str(v.to_owned())
}

fn unknown() -> Value {
    Value::Unknown("from an environment variable".to_owned())
}

fn p(src: &str) -> Expr {
    match parse(src) {
        Ok(e) => e,
        Err(e) => panic!("{src:?} should parse, got {e:?}"),
    }
}

fn perr(src: &str) -> ExprError {
    match parse(src) {
        Ok(e) => panic!("{src:?} should not parse, got {e}"),
        Err(e) => e,
    }
}

fn canon(src: &str) -> String {
    p(src).to_string()
}

fn ty(src: &str) -> Result<Type, ExprError> {
    check(&p(src), &types())
}

fn cerr(src: &str) -> ExprError {
    match ty(src) {
        Ok(t) => panic!("{src:?} should not type-check, got {t:?}"),
        Err(e) => e,
    }
}

fn unknown_of(names: &[&str]) -> Truth {
    Truth::Unknown {
        fields: names.iter().map(|n| (*n).to_owned()).collect(),
    }
}

/// Checks (the expression must be a bool) and evaluates.
fn ev(src: &str, vals: &Vals) -> Truth {
    let e = p(src);
    if let Err(err) = check_bool(&e, &types()) {
        panic!("{src:?} should type-check as bool: {err:?}");
    }
    eval_bool(&e, vals)
}

// ---------------------------------------------------------------------------
// Parsing: precedence and associativity

#[test]
fn precedence_from_loosest_to_tightest() {
    assert_eq!(canon("a or b and c"), "(a or (b and c))");
    assert_eq!(canon("a and b or c"), "((a and b) or c)");
    assert_eq!(canon("not a and b"), "((not a) and b)");
    assert_eq!(canon("not a or not b"), "((not a) or (not b))");
    assert_eq!(canon("not x.a == x.b"), "(not (x.a == x.b))");
    assert_eq!(canon("not not a"), "(not (not a))");
    assert_eq!(canon("a == b and c < d"), "((a == b) and (c < d))");
    assert_eq!(canon("a + b < c * d"), "((a + b) < (c * d))");
    assert_eq!(canon("a + b * c"), "(a + (b * c))");
    assert_eq!(canon("a * b + c"), "((a * b) + c)");
    assert_eq!(canon("-a * b"), "((-a) * b)");
    assert_eq!(canon("-a + -b"), "((-a) + (-b))");
    assert_eq!(canon("- -a"), "(-(-a))");
    assert_eq!(canon("--a"), "(-(-a))");
    assert_eq!(canon("(a or b) and c"), "((a or b) and c)");
    assert_eq!(canon("(a + b) * c"), "((a + b) * c)");
    assert_eq!(canon("x.a in [\"a\", 'b']"), "(x.a in [\"a\", \"b\"])");
    assert_eq!(canon("not x.a in [\"a\"]"), "(not (x.a in [\"a\"]))");
    assert_eq!(canon("min(a, b + c) > 1m30s"), "(min(a, (b + c)) > 1m30s)");
}

#[test]
fn binary_operators_associate_left() {
    assert_eq!(canon("a - b - c"), "((a - b) - c)");
    assert_eq!(canon("a / b * c"), "((a / b) * c)");
    assert_eq!(canon("a / b / c"), "((a / b) / c)");
    assert_eq!(canon("a or b or c"), "((a or b) or c)");
    assert_eq!(canon("a and b and c"), "((a and b) and c)");
}

#[test]
fn the_gunicorn_sync_rule_parses() {
    let src = r#"app.server == "gunicorn" and app.worker_class == "sync" and app.timeout > 0s and app.timeout < proxy.read_timeout + margin"#;
    assert_eq!(
        canon(src),
        r#"((((app.server == "gunicorn") and (app.worker_class == "sync")) and (app.timeout > 0s)) and (app.timeout < (proxy.read_timeout + margin)))"#
    );
    let names: Vec<String> = fields(&p(src)).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "app.server",
            "app.worker_class",
            "app.timeout",
            "app.timeout",
            "proxy.read_timeout"
        ]
    );
    let ps: Vec<String> = params(&p(src)).into_iter().map(|(n, _)| n).collect();
    assert_eq!(ps, ["margin"]);
}

#[test]
fn whitespace_and_newlines_are_insignificant() {
    assert_eq!(canon("  a\n  and\tb  "), "(a and b)");
    assert_eq!(canon("min( a ,b )"), "min(a, b)");
    assert_eq!(canon("min (a, b)"), "min(a, b)");
    assert_eq!(canon("[ 'a' , 'b' , ]"), "[\"a\", \"b\"]");
    assert_eq!(canon("[]"), "[]");
}

#[test]
fn keywords_are_whole_words() {
    assert_eq!(canon("order"), "order");
    assert_eq!(canon("android and notes"), "(android and notes)");
    assert_eq!(canon("x.in_use == true"), "(x.in_use == true)");
    assert_eq!(canon("trueish or falsey"), "(trueish or falsey)");
    assert!(matches!(p("x.not").kind, ExprKind::Field(ref f) if f == "x.not"));
}

// ---------------------------------------------------------------------------
// Parsing: literals

fn duration_ms(src: &str) -> u64 {
    match p(src).kind {
        ExprKind::Duration(Millis(ms)) => ms,
        other => panic!("{src:?} is not a duration: {other:?}"),
    }
}

#[test]
fn duration_literals() {
    assert_eq!(duration_ms("30s"), 30_000);
    assert_eq!(duration_ms("1m30s"), 90_000);
    assert_eq!(duration_ms("500ms"), 500);
    assert_eq!(duration_ms("2h"), 7_200_000);
    assert_eq!(duration_ms("1h30m"), 5_400_000);
    assert_eq!(duration_ms("1d"), 86_400_000);
    assert_eq!(duration_ms("0s"), 0);
    assert_eq!(duration_ms("0ms"), 0);
    assert_eq!(duration_ms("1h1ms"), 3_600_001);
    assert_eq!(duration_ms("1d2h3m4s5ms"), 93_784_005);
    assert_eq!(duration_ms("90s"), 90_000);
    assert_eq!(duration_ms("1s500ms"), 1500);
    assert_eq!(duration_ms("007s"), 7000);
}

#[test]
fn other_literals() {
    assert_eq!(p("3").kind, ExprKind::Number(3));
    assert_eq!(p("0").kind, ExprKind::Number(0));
    assert_eq!(p("9223372036854775807").kind, ExprKind::Number(i64::MAX));
    assert_eq!(p("\"sync\"").kind, ExprKind::Str("sync".into()));
    assert_eq!(p("'sync'").kind, ExprKind::Str("sync".into()));
    assert_eq!(p(r#""a\"b""#).kind, ExprKind::Str("a\"b".into()));
    assert_eq!(p(r#""a\\b""#).kind, ExprKind::Str("a\\b".into()));
    assert_eq!(p(r"'it\'s'").kind, ExprKind::Str("it's".into()));
    assert_eq!(p(r#"'say "hi"'"#).kind, ExprKind::Str("say \"hi\"".into()));
    assert_eq!(p("\"\"").kind, ExprKind::Str(String::new()));
    assert_eq!(p("\"héllo → ✓\"").kind, ExprKind::Str("héllo → ✓".into()));
    assert_eq!(p("true").kind, ExprKind::Bool(true));
    assert_eq!(p("false").kind, ExprKind::Bool(false));
    assert_eq!(p("margin").kind, ExprKind::Param("margin".into()));
    assert_eq!(p("_x1").kind, ExprKind::Param("_x1".into()));
    assert_eq!(p("app.timeout").kind, ExprKind::Field("app.timeout".into()));
    assert_eq!(p("a.b.c_2").kind, ExprKind::Field("a.b.c_2".into()));
}

#[test]
fn nodes_carry_byte_spans() {
    let src = "app.timeout < proxy.read_timeout + margin";
    let e = p(src);
    assert_eq!(e.span, 0..src.len());
    let ExprKind::Binary {
        op_span, lhs, rhs, ..
    } = &e.kind
    else {
        panic!("not binary: {e:?}");
    };
    assert_eq!(&src[op_span.clone()], "<");
    assert_eq!(&src[lhs.span.clone()], "app.timeout");
    assert_eq!(&src[rhs.span.clone()], "proxy.read_timeout + margin");
    let spans: Vec<&str> = fields(&e).iter().map(|(_, r)| &src[r.clone()]).collect();
    assert_eq!(spans, ["app.timeout", "proxy.read_timeout"]);

    // Parenthesised operands: the parent covers the parentheses.
    let src = " (a + b) * c ";
    let e = p(src);
    assert_eq!(&src[e.span.clone()], "(a + b) * c");
    let ExprKind::Binary { lhs, .. } = &e.kind else {
        panic!()
    };
    assert_eq!(&src[lhs.span.clone()], "a + b");

    let src = "max( a.x , 30s )";
    let e = p(src);
    assert_eq!(e.span, 0..src.len());
    let ExprKind::Call {
        name_span, args, ..
    } = &e.kind
    else {
        panic!()
    };
    assert_eq!(&src[name_span.clone()], "max");
    assert_eq!(&src[args[1].span.clone()], "30s");

    let src = "not 'x' == \"y\"";
    let e = p(src);
    assert_eq!(e.span, 0..src.len());
    let ExprKind::Unary { operand, .. } = &e.kind else {
        panic!()
    };
    assert_eq!(&src[operand.span.clone()], "'x' == \"y\"");
}

// ---------------------------------------------------------------------------
// Parsing: errors

#[track_caller]
fn assert_perr(src: &str, message: &str, span: Range<usize>, help: Option<&str>) {
    let e = perr(src);
    assert!(
        e.message.contains(message),
        "{src:?}: message {:?} should contain {message:?}",
        e.message
    );
    assert_eq!(e.span, span, "{src:?}: span of {e:?}");
    if let Some(h) = help {
        assert!(
            e.help.as_deref().is_some_and(|got| got.contains(h)),
            "{src:?}: help {:?} should contain {h:?}",
            e.help
        );
    }
}

#[test]
fn empty_expressions_are_errors() {
    assert_perr("", "empty expression", 0..0, None);
    assert_perr("  \n ", "empty expression", 0..4, None);
}

#[test]
fn bad_durations_are_errors() {
    assert_perr("30m1h", "largest to smallest", 0..5, Some("write `1h30m`"));
    assert_perr("1s1s", "largest to smallest", 0..4, Some("write `2s`"));
    assert_perr("x < 1ms1s", "largest to smallest", 4..9, Some("`1s1ms`"));
    assert_perr(
        "1.5s",
        "fractional durations",
        0..4,
        Some("write `1s500ms`"),
    );
    assert_perr(
        "a > 0.25m",
        "fractional durations",
        4..9,
        Some("write `15s`"),
    );
    assert_perr("1.5", "fractional numbers", 0..3, None);
    assert_perr(
        "30sec",
        "unknown duration unit `sec`",
        2..5,
        Some("ms, s, m, h"),
    );
    assert_perr("30x", "unknown duration unit `x`", 2..3, None);
    assert_perr("30S", "unknown duration unit `S`", 2..3, None);
    assert_perr("1m30", "`30` in a duration needs a unit", 2..4, None);
    assert_perr("a < 1m30x", "unknown duration unit `x`", 8..9, None);
    assert_perr(
        "30 s",
        "unexpected `s` after the number `30`",
        3..4,
        Some("`30s`"),
    );
    assert_perr(
        "app.timeout > 30 ms",
        "unexpected `ms` after the number `30`",
        17..19,
        Some("`30ms`"),
    );
    assert_perr(
        "x > 1m 30s",
        "unexpected `30s` after the duration `1m`",
        7..10,
        Some("`1m30s`"),
    );
    assert_perr("x > 1m 30", "unexpected `30`", 7..9, Some("operator"));
    assert_perr(
        "is_set app.x",
        "unexpected `app` after `is_set`",
        7..10,
        Some("`is_set(app.x)`"),
    );
    assert_perr("9999999999999999999999d", "duration too large", 0..23, None);
    assert_perr("106751991168d", "duration too large", 0..13, None);
    assert_eq!(duration_ms("106751991167d"), 9_223_372_036_828_800_000);
    assert_perr("99999999999999999999", "number too large", 0..20, None);
}

#[test]
fn bad_structure_is_an_error_at_the_right_place() {
    assert_perr("(a < b", "unclosed `(`", 0..1, Some("`)`"));
    assert_perr("x and ((a < b)", "unclosed `(`", 6..7, None);
    assert_perr("a < b)", "unmatched `)`", 5..6, None);
    assert_perr("a < b c", "unexpected `c`", 6..7, Some("operator"));
    assert_perr("(a b)", "unexpected `b`", 3..4, Some("`)`"));
    assert_perr("a <", "ends where a value was expected", 3..3, None);
    assert_perr("a and", "ends where a value was expected", 5..5, None);
    assert_perr("()", "expected a value before `)`", 1..2, None);
    assert_perr("a < < b", "expected a value, found `<`", 4..5, None);
    assert_perr("a < b < c", "cannot be chained", 6..7, Some("and"));
    assert_perr("a == b != c", "cannot be chained", 7..9, None);
    assert_perr("a in b in c", "cannot be chained", 7..9, None);
    assert_perr("a = b", "`=` is not a comparison", 2..3, Some("`==`"));
    assert_perr("a && b", "`&&`", 2..4, Some("`and`"));
    assert_perr("a || b", "`||`", 2..4, Some("`or`"));
    assert_perr("a ! b", "`!`", 2..3, Some("not"));
    assert_perr("!a", "expected a value, found `!`", 0..1, None);
    assert_perr("x.a not in ['a']", "`not in`", 4..10, Some("not (x in"));
    assert_perr("x == not y", "`not` cannot appear", 5..8, Some("(not b)"));
    assert_perr("a and or b", "keyword `or`", 6..8, None);
    assert_perr("app.", "expected a name after `.`", 3..4, None);
    assert_perr("app..x", "expected a name after `.`, found `.`", 3..5, None);
    assert_perr("app.Timeout", "found `Timeout`", 3..11, None);
    assert_perr(
        "App.timeout",
        "names are lowercase",
        0..3,
        Some("`app.timeout`"),
    );
    assert_perr("a # b", "unexpected `#`", 2..3, None);
    assert_perr(
        "a <\u{a0}b",
        "found U+00A0 (an invisible character)",
        3..5,
        None,
    );
    assert_perr(
        "a\u{a0}< b",
        "unexpected U+00A0 (an invisible character)",
        1..3,
        None,
    );
}

#[test]
fn bad_strings_lists_and_calls_are_errors() {
    assert_perr("\"abc", "unterminated string", 0..4, Some("`\"`"));
    assert_perr("x == 'abc", "unterminated string", 5..9, Some("`'`"));
    assert_perr("'ab\\", "unterminated string", 0..4, None);
    assert_perr(r#""a\nb""#, r"unknown escape `\n`", 2..4, None);
    assert_perr("x in [\"a\", \"b\"", "unclosed list", 5..6, Some("`]`"));
    assert_perr(
        "x in [\"a\" \"b\"]",
        "expected `,` or `]` in list",
        10..11,
        None,
    );
    assert_perr("x in [,]", "expected a value before `,`", 6..7, None);
    assert_perr("min(a b)", "expected `,` or `)`", 6..7, None);
    assert_perr("min(a, b", "unclosed call to `min`", 3..4, None);
    assert_perr(
        "foo(a)",
        "unknown function `foo`",
        0..3,
        Some("functions are"),
    );
    assert_perr(
        "mni(a, b)",
        "unknown function `mni`",
        0..3,
        Some("did you mean `min`?"),
    );
    assert_perr(
        "is_unste(app.x)",
        "unknown function",
        0..8,
        Some("`is_unset`"),
    );
    assert_perr("app.foo(x)", "`app.foo` is a field", 0..7, None);
}

#[test]
fn nesting_is_bounded() {
    // Deep but allowed.
    let ok = format!("{}a{}", "(".repeat(120), ")".repeat(120));
    assert_eq!(p(&ok).kind, ExprKind::Param("a".into()));
    let ok = format!("{}a", "-".repeat(120));
    assert_eq!(p(&ok).depth(), 121);
    let ok = format!("a{}", " + a".repeat(127));
    assert_eq!(p(&ok).depth(), MAX_DEPTH);

    for deep in [
        format!("{}a{}", "(".repeat(129), ")".repeat(129)),
        format!("{}a", "-".repeat(129)),
        format!("{}a", "not ".repeat(300)),
        format!("{}a", "[".repeat(300)),
        format!("{}a", "min(".repeat(300)),
        format!("a{}", " + a".repeat(128)),
        format!("a{}", " and a".repeat(300)),
        format!("{}a{}", "(".repeat(100_000), ")".repeat(100_000)),
        format!("{}a", "-(".repeat(100_000)),
    ] {
        let e = perr(&deep);
        assert!(e.message.contains("nested too deeply"), "{e:?}");
        assert!(e.span.end <= deep.len());
    }
}

/// The deepest expressions the parser accepts go through every recursive
/// pass on a 2 MiB stack (the default for spawned threads), even unoptimised.
#[test]
fn deepest_expressions_fit_on_a_small_stack() {
    let run = || {
        let n = MAX_DEPTH as usize;
        let cases = [
            format!("{}app.timeout{} > 0s", "(".repeat(n - 1), ")".repeat(n - 1)),
            format!("{}app.timeout > 0s", "-".repeat(n - 2)),
            format!("{}app.timeout > 0s", "not ".repeat(n - 1)).replace("> 0s", ""),
            format!("app.timeout{} > 0s", " + margin".repeat(n - 2)),
            format!(
                "{}app.timeout{} > 0s",
                "min(".repeat(n - 2),
                ", margin)".repeat(n - 2)
            ),
            format!("{}true{}", "not (".repeat(n / 2 - 1), ")".repeat(n / 2 - 1)),
        ];
        let vals = Vals::default()
            .field("app.timeout", Value::OneOf(vec![secs(1), secs(2)]))
            .param("margin", secs(1));
        for src in &cases {
            let e = p(src);
            let _ = check(&e, &types());
            let _ = eval_bool(&e, &vals);
            let _ = eval_value(&e, &vals);
            let printed = e.to_string();
            assert!(!printed.is_empty());
            let copy = e.clone();
            assert_eq!(copy, e);
            drop(copy);
        }
    };
    let handle = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(run)
        .expect("spawn");
    assert!(handle.join().is_ok());
}

// ---------------------------------------------------------------------------
// Parsing: the parser never panics, and what it accepts prints and parses back

/// xorshift64*: deterministic pseudo-random numbers without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const SEEDS: [&str; 12] = [
    r#"app.server == "gunicorn" and app.worker_class == "sync" and app.timeout > 0s and app.timeout < proxy.read_timeout + margin"#,
    "proxy.read_timeout <= max_read",
    "container.stop_grace_period < app.graceful_timeout + 2 * margin",
    "is_unset(app.harakiri)",
    r#"app.worker_class in ["gthread", "gevent"]"#,
    "min(proxy.read_timeout, lb.idle_timeout) > 1m30s",
    "not (seconds(app.timeout) / limit >= -3) or duration(limit) != 1h30m500ms",
    r#"name == 'a\'b' or is_default(app.timeout) and is_unknown(app.x)"#,
    "max(app.timeout, 2 * margin, lb.idle_timeout - 1s) * 3 / 2 == app.harakiri",
    "x.a in [] and not not (true or false)",
    "{app.timeout} is {{literal}} {margin}",
    "a - -b - -(c * -d)",
];

const TOKENS: [&str; 44] = [
    "(",
    ")",
    "[",
    "]",
    ",",
    ".",
    "\"",
    "'",
    "\\",
    "{",
    "}",
    "{{",
    "}}",
    " ",
    "\n",
    "and",
    "or",
    "not",
    "in",
    "true",
    "false",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "30s",
    "1m30s",
    "1.5s",
    "99999999999999999999",
    "app.timeout",
    "margin",
    "min(",
    "is_set(",
    "é",
    "→",
    "\u{0}",
    "ms",
    "9223372036854775807",
];

fn mutate(rng: &mut Rng, src: &str) -> String {
    let mut out: Vec<char> = src.chars().collect();
    for _ in 0..=rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(4) {
            0 if at < out.len() => {
                out.remove(at);
            }
            1 => {
                let tok = rng.pick(&TOKENS);
                for (k, c) in tok.chars().enumerate() {
                    out.insert(at + k, c);
                }
            }
            2 if at < out.len() => {
                let end = (at + rng.below(8)).min(out.len());
                out.drain(at..end);
            }
            _ => {
                let c = char::from_u32(rng.below(0x250) as u32).unwrap_or('?');
                out.insert(at, c);
            }
        }
    }
    out.into_iter().collect()
}

fn random_tokens(rng: &mut Rng) -> String {
    (0..rng.below(12))
        .map(|_| rng.pick(&TOKENS))
        .collect::<Vec<_>>()
        .join(if rng.below(2) == 0 { " " } else { "" })
}

fn assert_span_ok(src: &str, e: &ExprError) {
    assert!(
        e.span.start <= e.span.end && e.span.end <= src.len(),
        "{src:?}: span out of range: {e:?}"
    );
    assert!(
        src.is_char_boundary(e.span.start) && src.is_char_boundary(e.span.end),
        "{src:?}: span splits a character: {e:?}"
    );
    assert!(!e.message.is_empty());
}

#[test]
fn parser_never_panics_and_round_trips() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let env = types();
    let vals = Vals::default()
        .field("app.timeout", Value::OneOf(vec![secs(30), unknown()]))
        .field("app.harakiri", Value::Unset)
        .field("proxy.read_timeout", Value::Int(i64::MAX))
        .param("margin", ms(u64::MAX))
        .param("limit", Value::Int(0));
    let mut accepted = 0;
    let mut rejected = 0;
    for round in 0..12_000 {
        let src = if round % 3 == 0 {
            random_tokens(&mut rng)
        } else {
            let seed = rng.pick(&SEEDS);
            mutate(&mut rng, seed)
        };
        match parse(&src) {
            Ok(e) => {
                accepted += 1;
                assert!(e.span.end <= src.len());
                for (name, span) in fields(&e) {
                    assert_eq!(src.get(span), Some(name.as_str()), "{src:?}");
                }
                // Checking and evaluating never panic either, whatever the types.
                let _ = check(&e, &env);
                let _ = eval_bool(&e, &vals);
                let _ = eval_value(&e, &vals);
                if e.depth() < 100 {
                    let printed = e.to_string();
                    let again = parse(&printed)
                        .unwrap_or_else(|err| panic!("{src:?} printed as {printed:?}: {err:?}"));
                    assert_eq!(again.to_string(), printed, "{src:?}");
                }
            }
            Err(err) => {
                rejected += 1;
                assert_span_ok(&src, &err);
            }
        }
        match parse_template(&src) {
            Ok(t) => {
                let _ = render(&t, &vals);
                for (name, span) in template_fields(&t) {
                    assert_eq!(src.get(span), Some(name.as_str()), "{src:?}");
                }
            }
            Err(err) => assert_span_ok(&src, &err),
        }
    }
    // The generator exercises both outcomes.
    assert!(accepted > 500 && rejected > 500, "{accepted} / {rejected}");
}

// ---------------------------------------------------------------------------
// Type checking

#[test]
fn user_policies_type_check_as_bool() {
    for src in [
        r#"app.server == "gunicorn" and app.worker_class == "sync" and app.timeout > 0s and app.timeout < proxy.read_timeout + margin"#,
        "proxy.read_timeout <= max_read",
        "container.stop_grace_period < app.graceful_timeout + 2 * margin",
        "is_unset(app.harakiri)",
        r#"app.worker_class in ["gthread", "gevent"]"#,
        "min(proxy.read_timeout, lb.idle_timeout) > 1m30s",
        "app.preload",
        "not app.preload or app.preload == false",
        r#""error" in proxy.next_upstream"#,
        "name in [\"a\", name]",
        "seconds(app.timeout) > limit",
        "duration(limit) < app.timeout",
        "app.workers * 2 >= limit / 3 - 1",
        "-app.timeout < margin * -1",
        "is_default(app.timeout) and is_set(app.harakiri) and not is_unknown(app.timeout)",
        "max(app.timeout, 2 * margin, lb.idle_timeout - 1s) == app.harakiri / 2",
    ] {
        assert_eq!(ty(src), Ok(Type::Bool), "{src}");
    }
}

#[test]
fn expression_types() {
    assert_eq!(ty("30s"), Ok(Type::Duration));
    assert_eq!(ty("3"), Ok(Type::Number));
    assert_eq!(ty("'x'"), Ok(Type::String));
    assert_eq!(ty("true"), Ok(Type::Bool));
    assert_eq!(ty("app.timeout + margin"), Ok(Type::Duration));
    assert_eq!(ty("app.timeout - margin"), Ok(Type::Duration));
    assert_eq!(ty("app.timeout * 2"), Ok(Type::Duration));
    assert_eq!(ty("2 * app.timeout"), Ok(Type::Duration));
    assert_eq!(ty("app.timeout / 2"), Ok(Type::Duration));
    assert_eq!(ty("limit + 2 * 3 - 4 / 5"), Ok(Type::Number));
    assert_eq!(ty("-margin"), Ok(Type::Duration));
    assert_eq!(ty("-limit"), Ok(Type::Number));
    assert_eq!(ty("min(1, 2, limit)"), Ok(Type::Number));
    assert_eq!(ty("max(1s, margin)"), Ok(Type::Duration));
    assert_eq!(ty("seconds(margin)"), Ok(Type::Number));
    assert_eq!(ty("duration(3)"), Ok(Type::Duration));
    assert_eq!(ty("proxy.next_upstream"), Ok(Type::List));
    assert_eq!(ty("app.server"), Ok(Type::String));
}

#[test]
fn unknown_names_suggest_the_intended_one() {
    let src = "app.timeout < proxy.read_timout";
    let e = cerr(src);
    assert_eq!(e.message, "unknown field `proxy.read_timout`");
    assert_eq!(e.span, 14..31);
    assert_eq!(&src[e.span.clone()], "proxy.read_timout");
    assert_eq!(
        e.help.as_deref(),
        Some("did you mean `proxy.read_timeout`?")
    );

    let e = cerr("app.timeout < proxy.read_timeout + marign");
    assert_eq!(e.message, "unknown parameter `marign`");
    assert_eq!(e.span, 35..41);
    assert_eq!(e.help.as_deref(), Some("did you mean `margin`?"));

    let e = cerr("proxy.idle_timeout > 0s");
    assert_eq!(e.help.as_deref(), Some("did you mean `lb.idle_timeout`?"));

    let e = cerr("read_timeout > 0s");
    assert_eq!(e.message, "unknown parameter `read_timeout`");
    assert!(
        e.help
            .as_deref()
            .is_some_and(|h| h.contains("`proxy.read_timeout`"))
    );

    let e = cerr("min > 0s");
    assert!(e.help.as_deref().is_some_and(|h| h.contains("`min(...)`")));

    let e = cerr("db.pool_size > 3");
    assert_eq!(e.message, "unknown field `db.pool_size`");
    assert_eq!(e.help, None);

    let no_params = Types {
        fields: types().fields,
        params: vec![],
    };
    let e = check(&p("app.timeout < margin"), &no_params).unwrap_err();
    assert_eq!(e.span, 14..20);
    assert_eq!(
        e.help.as_deref(),
        Some("this policy declares no parameters")
    );
}

#[test]
fn durations_and_numbers_do_not_mix() {
    let src = "app.timeout > 30";
    let e = cerr(src);
    assert_eq!(e.message, "cannot compare duration with number");
    assert_eq!(&src[e.span.clone()], "30");
    assert_eq!(e.help.as_deref(), Some("write 30s, not 30"));

    let src = "0 < app.timeout";
    let e = cerr(src);
    assert_eq!(e.message, "cannot compare number with duration");
    assert_eq!(&src[e.span.clone()], "0");
    assert_eq!(e.help.as_deref(), Some("write 0s, not 0"));

    let src = "app.timeout == app.workers";
    let e = cerr(src);
    assert_eq!(e.span, 0..src.len());
    assert!(e.help.as_deref().is_some_and(|h| h.contains("seconds(")));

    let e = cerr("app.timeout + 5 > 0s");
    assert_eq!(e.message, "cannot add duration and number");
    assert_eq!(e.span, 14..15);
    assert_eq!(e.help.as_deref(), Some("write 5s, not 5"));

    let e = cerr("app.timeout - limit > 0s");
    assert_eq!(e.message, "cannot subtract number from duration");
    assert_eq!(e.span, 0..19);

    let e = cerr("min(app.timeout, 30) > 0s");
    assert!(e.message.contains("same type"));
    assert_eq!(e.span, 17..19);
}

#[test]
fn operator_type_rules() {
    for (src, message) in [
        ("app.timeout * margin", "cannot multiply two durations"),
        ("app.server * 2", "cannot multiply string by number"),
        (
            "app.timeout / margin",
            "cannot divide a duration by a duration",
        ),
        ("2 / app.timeout", "cannot divide number by duration"),
        ("'a' + 'b'", "cannot add string and string"),
        ("true + 1", "cannot add bool and number"),
        ("-app.server", "cannot negate a string"),
        ("-true", "cannot negate a bool"),
        (
            "not app.timeout",
            "`not` needs a bool, but this is a duration",
        ),
        ("app.server < 'x'", "cannot order strings with `<`"),
        ("true >= false", "cannot order bools with `>=`"),
        ("app.server == 3", "cannot compare string with number"),
        ("app.preload != 'yes'", "cannot compare bool with string"),
        (
            "proxy.next_upstream == proxy.next_upstream",
            "cannot compare lists",
        ),
        ("app.timeout in ['a']", "`in` needs a string on its left"),
        ("app.server in 'abc'", "`in` needs a list on its right"),
        (
            "app.server in [1, 2]",
            "list items must be strings, but this is a number",
        ),
        (
            "['a'] == ['a']",
            "a list can only appear on the right of `in`",
        ),
        (
            "min(['a'], 1)",
            "a list can only appear on the right of `in`",
        ),
        (
            "min('a', 'b')",
            "`min` takes durations or numbers, but this is a string",
        ),
        (
            "min(1s)",
            "`min` needs at least two arguments, but 1 were given",
        ),
        ("max()", "`max` needs at least two arguments"),
        ("is_set(margin)", "`is_set` takes a field path"),
        ("is_unset(1s)", "`is_unset` takes a field path"),
        (
            "is_default()",
            "`is_default` takes one field, but 0 arguments were given",
        ),
        ("is_unknown(app.a, app.b)", "takes one field, but 2"),
        ("is_set(app.timout)", "unknown field `app.timout`"),
        (
            "seconds(3)",
            "`seconds` takes a duration, but this is a number",
        ),
        (
            "duration(3s)",
            "`duration` takes a number, but this is a duration",
        ),
        (
            "seconds(1s, 2s)",
            "`seconds` takes one argument, but 2 were given",
        ),
    ] {
        let e = cerr(src);
        assert!(
            e.message.contains(message),
            "{src}: {:?} should contain {message:?}",
            e.message
        );
        assert!(
            e.span.end <= src.len() && e.span.start < e.span.end,
            "{src}: {e:?}"
        );
    }
}

#[test]
fn logical_operators_need_bools() {
    let src = "app.timeout and app.preload";
    let e = cerr(src);
    assert_eq!(
        e.message,
        "`and` needs bool operands, but this is a duration"
    );
    assert_eq!(&src[e.span.clone()], "app.timeout");
    let src = "app.preload or 3";
    let e = cerr(src);
    assert_eq!(&src[e.span.clone()], "3");
}

#[test]
fn conditions_must_be_bool() {
    let e = check_bool(&p("app.timeout + margin"), &types()).unwrap_err();
    assert!(e.message.contains("must be true or false"));
    assert_eq!(e.span, 0..20);
    assert!(check_bool(&p("app.preload"), &types()).is_ok());
}

// ---------------------------------------------------------------------------
// Evaluation

fn gunicorn(timeout: Value, read: Value) -> Vals {
    Vals::default()
        .field("app.server", s("gunicorn"))
        .field("app.worker_class", s("sync"))
        .field("app.timeout", timeout)
        .field("proxy.read_timeout", read)
        .param("margin", secs(5))
}

const PAR_T001: &str = r#"app.server == "gunicorn" and app.worker_class == "sync" and app.timeout > 0s and app.timeout < proxy.read_timeout + margin"#;

#[test]
fn the_gunicorn_sync_rule_evaluates() {
    assert_eq!(ev(PAR_T001, &gunicorn(secs(30), secs(300))), Truth::True);
    assert_eq!(ev(PAR_T001, &gunicorn(secs(400), secs(300))), Truth::False);
    // 300s < 295s + 5s is false: the boundary is exclusive.
    assert_eq!(ev(PAR_T001, &gunicorn(secs(300), secs(295))), Truth::False);
    assert_eq!(ev(PAR_T001, &gunicorn(secs(0), secs(300))), Truth::False);
    assert_eq!(
        ev(PAR_T001, &gunicorn(secs(30), unknown())),
        unknown_of(&["proxy.read_timeout"])
    );
    // Another server: false, whatever is unknown.
    let vals = gunicorn(unknown(), unknown()).field("app.server", s("uwsgi"));
    assert_eq!(ev(PAR_T001, &vals), Truth::False);
    let vals = gunicorn(secs(30), secs(300)).field("app.worker_class", unknown());
    assert_eq!(ev(PAR_T001, &vals), unknown_of(&["app.worker_class"]));
}

/// Bool fields b.t (true), b.f (false) and b.u (unknown).
fn bools() -> Vals {
    Vals::default()
        .field("b.t", Value::Bool(true))
        .field("b.f", Value::Bool(false))
        .field("b.u", unknown())
        .field("b.v", unknown())
}

fn bool_types() -> Types {
    Types {
        fields: vec![
            ("b.t", Type::Bool),
            ("b.f", Type::Bool),
            ("b.u", Type::Bool),
            ("b.v", Type::Bool),
        ],
        params: vec![],
    }
}

fn ev_bools(src: &str) -> Truth {
    let e = p(src);
    assert_eq!(check(&e, &bool_types()), Ok(Type::Bool), "{src}");
    eval_bool(&e, &bools())
}

#[test]
fn kleene_truth_tables() {
    let u = || unknown_of(&["b.u"]);
    let cases = [
        ("b.t and b.t", Truth::True),
        ("b.t and b.f", Truth::False),
        ("b.f and b.t", Truth::False),
        ("b.f and b.f", Truth::False),
        ("b.t and b.u", u()),
        ("b.u and b.t", u()),
        ("b.f and b.u", Truth::False),
        ("b.u and b.f", Truth::False),
        ("b.u and b.v", unknown_of(&["b.u", "b.v"])),
        ("b.t or b.t", Truth::True),
        ("b.t or b.f", Truth::True),
        ("b.f or b.t", Truth::True),
        ("b.f or b.f", Truth::False),
        ("b.t or b.u", Truth::True),
        ("b.u or b.t", Truth::True),
        ("b.f or b.u", u()),
        ("b.u or b.f", u()),
        ("b.u or b.v", unknown_of(&["b.u", "b.v"])),
        ("not b.t", Truth::False),
        ("not b.f", Truth::True),
        ("not b.u", u()),
        ("not not b.u", u()),
        ("b.u", u()),
        ("b.u == b.u", u()),
        ("b.u or not b.u", u()),
        ("(b.u or b.t) and (b.f or b.t)", Truth::True),
        ("b.u and b.v or b.t", Truth::True),
        ("b.u and b.v and b.f", Truth::False),
        ("b.t == true", Truth::True),
        ("b.f != false", Truth::False),
    ];
    for (src, want) in cases {
        assert_eq!(ev_bools(src), want, "{src}");
    }
}

#[test]
fn unknown_values_make_comparisons_and_arithmetic_unknown() {
    let vals = Vals::default()
        .field("app.timeout", unknown())
        .field("proxy.read_timeout", secs(60))
        .field("app.server", unknown())
        .field("app.workers", Value::Int(4))
        .param("margin", secs(5))
        .param("limit", unknown());
    let t = |src: &str| ev(src, &vals);
    assert_eq!(
        t("app.timeout < proxy.read_timeout"),
        unknown_of(&["app.timeout"])
    );
    assert_eq!(t("app.timeout + margin > 0s"), unknown_of(&["app.timeout"]));
    assert_eq!(t("-app.timeout > 0s"), unknown_of(&["app.timeout"]));
    assert_eq!(t("seconds(app.timeout) > 0"), unknown_of(&["app.timeout"]));
    assert_eq!(t("max(app.timeout, 1s) > 0s"), unknown_of(&["app.timeout"]));
    assert_eq!(t("app.server == 'sync'"), unknown_of(&["app.server"]));
    assert_eq!(t("app.server in ['sync']"), unknown_of(&["app.server"]));
    assert_eq!(t("app.server in []"), Truth::False);
    assert_eq!(t("app.workers > limit"), unknown_of(&["limit"]));
    assert_eq!(
        t("app.timeout * app.workers > proxy.read_timeout * limit"),
        unknown_of(&["app.timeout", "limit"])
    );
    assert_eq!(t("app.timeout > 0s and app.workers > 10"), Truth::False);
    assert_eq!(t("app.timeout > 0s or app.workers < 10"), Truth::True);
    // is_unknown decides; is_set of an unknown value does not.
    assert_eq!(t("is_unknown(app.timeout)"), Truth::True);
    assert_eq!(t("is_unknown(proxy.read_timeout)"), Truth::False);
    assert_eq!(t("not is_unknown(app.timeout)"), Truth::False);
    assert_eq!(t("is_set(app.timeout)"), unknown_of(&["app.timeout"]));
    assert_eq!(t("is_unset(app.timeout)"), unknown_of(&["app.timeout"]));
    assert_eq!(
        t("is_unknown(app.timeout) or app.timeout < 1s"),
        Truth::True
    );
}

#[test]
fn one_of_is_decided_only_when_every_alternative_agrees() {
    let one_of = |vs: Vec<Value>| Vals::default().field("app.timeout", Value::OneOf(vs));
    let rule = "app.timeout < 60s";
    assert_eq!(ev(rule, &one_of(vec![secs(30), secs(45)])), Truth::True);
    assert_eq!(ev(rule, &one_of(vec![secs(90), secs(120)])), Truth::False);
    assert_eq!(
        ev(rule, &one_of(vec![secs(30), secs(90)])),
        unknown_of(&["app.timeout"])
    );
    // Nested and repeated alternatives are flattened.
    assert_eq!(
        ev(
            rule,
            &one_of(vec![secs(30), Value::OneOf(vec![secs(30), secs(59)])])
        ),
        Truth::True
    );
    // An unknown alternative.
    assert_eq!(
        ev(rule, &one_of(vec![secs(30), unknown()])),
        unknown_of(&["app.timeout"])
    );
    assert_eq!(ev(rule, &one_of(vec![])), unknown_of(&["app.timeout"]));
    assert_eq!(
        ev(
            "is_unknown(app.timeout)",
            &one_of(vec![secs(30), unknown()])
        ),
        Truth::True
    );
    assert_eq!(
        ev("is_unknown(app.timeout)", &one_of(vec![secs(30), secs(60)])),
        Truth::False
    );
    // An unset alternative: set in one branch only.
    assert_eq!(
        ev("is_set(app.timeout)", &one_of(vec![secs(30), Value::Unset])),
        unknown_of(&["app.timeout"])
    );
    assert_eq!(
        ev("app.timeout < 60s", &one_of(vec![secs(30), Value::Unset])),
        unknown_of(&["app.timeout"])
    );
    // Two uses of one field take the same alternative each time.
    assert_eq!(
        ev(
            "app.timeout == app.timeout",
            &one_of(vec![secs(1), secs(2)])
        ),
        Truth::True
    );
    assert_eq!(
        ev(
            "app.timeout < 2s and app.timeout > 1s",
            &one_of(vec![secs(1), secs(2)])
        ),
        Truth::False
    );
}

#[test]
fn one_of_names_only_the_fields_that_decide() {
    let vals = Vals::default()
        .field("app.timeout", Value::OneOf(vec![secs(30), secs(90)]))
        .field("proxy.read_timeout", Value::OneOf(vec![secs(10), secs(20)]))
        .field("lb.idle_timeout", unknown());
    assert_eq!(
        ev("app.timeout < 60s and proxy.read_timeout > 0s", &vals),
        unknown_of(&["app.timeout"])
    );
    assert_eq!(
        ev("app.timeout < 60s and proxy.read_timeout > 15s", &vals),
        unknown_of(&["app.timeout", "proxy.read_timeout"])
    );
    assert_eq!(
        ev("app.timeout < 60s and lb.idle_timeout > 0s", &vals),
        unknown_of(&["lb.idle_timeout"])
    );
    assert_eq!(
        ev("app.timeout + proxy.read_timeout < 2m", &vals),
        Truth::True
    );
}

#[test]
fn one_of_combinations_are_capped() {
    let names = ["a.a", "a.b", "a.c", "a.d", "a.e", "a.f", "a.g"];
    let typed = Types {
        fields: names.iter().map(|n| (*n, Type::Duration)).collect(),
        params: vec![],
    };
    let mut vals = Vals::default();
    for n in names {
        vals = vals.field(n, Value::OneOf(vec![secs(1), secs(2)]));
    }
    // 2^6 = 64 combinations: evaluated.
    let six = "a.a + a.b + a.c + a.d + a.e + a.f < 13s";
    assert_eq!(check(&p(six), &typed), Ok(Type::Bool));
    assert_eq!(1 << 6, MAX_COMBINATIONS);
    assert_eq!(eval_bool(&p(six), &vals), Truth::True);
    // 2^7 = 128: too many, unknown naming the multi-valued fields.
    let seven = "a.a + a.b + a.c + a.d + a.e + a.f + a.g < 15s";
    assert_eq!(eval_bool(&p(seven), &vals), unknown_of(&names));
}

#[test]
fn unset_means_not_applicable() {
    let vals = Vals::default()
        .field("app.harakiri", Value::Unset)
        .field("lb.idle_timeout", Value::Unset)
        .field("app.timeout", secs(30))
        .field("app.server", Value::Unset)
        .field("app.preload", Value::Unset)
        .field("proxy.read_timeout", unknown())
        .field("proxy.next_upstream", Value::Unset)
        .param("margin", secs(5));
    let t = |src: &str| ev(src, &vals);
    assert_eq!(t("is_set(app.harakiri)"), Truth::False);
    assert_eq!(t("is_unset(app.harakiri)"), Truth::True);
    assert_eq!(t("is_unset(app.timeout)"), Truth::False);
    for op in ["==", "<", "<=", ">", ">="] {
        assert_eq!(t(&format!("app.harakiri {op} 30s")), Truth::False, "{op}");
        assert_eq!(t(&format!("30s {op} app.harakiri")), Truth::False, "{op}");
    }
    assert_eq!(t("app.harakiri != 30s"), Truth::True);
    assert_eq!(t("app.harakiri == app.harakiri"), Truth::False);
    assert_eq!(t("app.harakiri != app.harakiri"), Truth::True);
    assert_eq!(t("app.server == 'x'"), Truth::False);
    assert_eq!(t("app.server in ['x']"), Truth::False);
    assert_eq!(t("'x' in proxy.next_upstream"), Truth::False);
    // Arithmetic stays unset, so the comparison that follows is false.
    assert_eq!(t("app.harakiri + 1s > 0s"), Truth::False);
    assert_eq!(t("app.harakiri * 2 - margin != 0s"), Truth::True);
    assert_eq!(t("seconds(app.harakiri) > 0"), Truth::False);
    assert_eq!(t("-app.harakiri < 0s"), Truth::False);
    // Unset wins over unknown.
    assert_eq!(t("app.harakiri < proxy.read_timeout"), Truth::False);
    assert_eq!(t("app.harakiri + proxy.read_timeout > 0s"), Truth::False);
    // min/max skip what does not apply.
    assert_eq!(t("min(app.harakiri, app.timeout) == 30s"), Truth::True);
    assert_eq!(t("max(app.timeout, app.harakiri, 10s) == 30s"), Truth::True);
    assert_eq!(t("min(app.harakiri, lb.idle_timeout) > 0s"), Truth::False);
    // An unset bool counts as false.
    assert_eq!(t("app.preload"), Truth::False);
    assert_eq!(t("not app.preload"), Truth::True);
    assert_eq!(t("app.preload or app.timeout > 1s"), Truth::True);
}

#[test]
fn wrong_runtime_types_are_unknown_not_panics() {
    let vals = Vals::default()
        .field("app.timeout", Value::Int(30))
        .field("app.server", Value::Duration(Millis(5)))
        .field("app.preload", s("yes"))
        .field("app.workers", Value::List(vec![s("a")]))
        .field(
            "proxy.next_upstream",
            Value::List(vec![s("a"), Value::Int(3)]),
        )
        .field("proxy.read_timeout", secs(60))
        .param("margin", s("oops"));
    let t = |src: &str| ev(src, &vals);
    assert_eq!(t("app.timeout > 0s"), unknown_of(&["app.timeout"]));
    assert_eq!(t("app.server == 'gunicorn'"), unknown_of(&["app.server"]));
    assert_eq!(t("app.preload"), unknown_of(&["app.preload"]));
    assert_eq!(t("not app.preload"), unknown_of(&["app.preload"]));
    assert_eq!(t("app.workers > 3"), unknown_of(&["app.workers"]));
    assert_eq!(
        t("proxy.read_timeout + margin > 0s"),
        unknown_of(&["margin", "proxy.read_timeout"])
    );
    assert_eq!(t("'a' in proxy.next_upstream"), Truth::True);
    assert_eq!(
        t("'b' in proxy.next_upstream"),
        unknown_of(&["proxy.next_upstream"])
    );
    assert_eq!(t("seconds(app.timeout) > 1"), unknown_of(&["app.timeout"]));
    assert_eq!(t("min(app.timeout, 1s) > 0s"), unknown_of(&["app.timeout"]));
}

#[test]
fn overflow_and_division_by_zero_are_unknown() {
    let vals = Vals::default()
        .field("app.timeout", ms(i64::MAX as u64))
        .field("app.harakiri", ms(u64::MAX))
        .field("app.workers", Value::Int(i64::MIN))
        .field("proxy.read_timeout", secs(1))
        .param("limit", Value::Int(i64::MAX))
        .param("margin", secs(1));
    let t = |src: &str| ev(src, &vals);
    assert_eq!(
        t("app.timeout + margin > 0s"),
        unknown_of(&["app.timeout", "margin"])
    );
    assert_eq!(
        t("-app.timeout - margin - margin < 0s"),
        unknown_of(&["app.timeout", "margin"])
    );
    assert_eq!(t("app.timeout * 2 > 0s"), unknown_of(&["app.timeout"]));
    assert_eq!(t("2 * app.timeout > 0s"), unknown_of(&["app.timeout"]));
    assert_eq!(t("limit + 1 > 0"), unknown_of(&["limit"]));
    assert_eq!(t("limit * limit > 0"), unknown_of(&["limit"]));
    assert_eq!(t("-app.workers > 0"), unknown_of(&["app.workers"]));
    assert_eq!(t("app.workers / -1 > 0"), unknown_of(&["app.workers"]));
    assert_eq!(t("app.workers - 1 < 0"), unknown_of(&["app.workers"]));
    assert_eq!(t("duration(limit) > 0s"), unknown_of(&["limit"]));
    assert_eq!(t("limit / 0 > 0"), unknown_of(&["limit"]));
    assert_eq!(t("margin / 0 > 0s"), unknown_of(&["margin"]));
    assert_eq!(
        t("proxy.read_timeout / (limit - limit) > 0s"),
        unknown_of(&["limit", "proxy.read_timeout"])
    );
    // A model duration beyond i64 milliseconds cannot be computed with.
    assert_eq!(t("app.harakiri > 0s"), unknown_of(&["app.harakiri"]));
    // Literals alone: unknown without fields.
    assert_eq!(t("9223372036854775807 + 1 > 0"), unknown_of(&[]));
    assert_eq!(t("1 / 0 == 1"), unknown_of(&[]));
    // No overflow: the large values compare fine.
    assert_eq!(t("app.timeout > margin"), Truth::True);
    assert_eq!(t("app.workers < 0"), Truth::True);
    assert_eq!(t("limit > 0 and limit - 1 > 0"), Truth::True);
}

#[test]
fn arithmetic_and_functions() {
    let vals = Vals::default()
        .field("app.timeout", ms(1500))
        .field("proxy.read_timeout", secs(60))
        .field("app.workers", Value::Int(7))
        .field("app.server", s("gunicorn"))
        .field(
            "proxy.next_upstream",
            Value::List(vec![s("error"), s("timeout")]),
        )
        .field("container.stop_grace_period", secs(10))
        .field("app.graceful_timeout", secs(30))
        .param("margin", secs(5))
        .param("max_read", secs(120))
        .param("name", s("gunicorn"))
        .param("limit", Value::Int(2));
    let t = |src: &str| ev(src, &vals);
    for src in [
        "seconds(app.timeout) == 1",
        "seconds(-app.timeout) == -1",
        "duration(90) == 1m30s",
        "duration(-1) < 0s",
        "app.timeout - proxy.read_timeout < 0s",
        "app.timeout - proxy.read_timeout == -58s500ms",
        "app.timeout * 2 == 3s",
        "3 * app.timeout == 4s500ms",
        "app.timeout / 2 == 750ms",
        "app.timeout / 4 == 375ms",
        "app.workers / 2 == 3",
        "-app.workers / 2 == -3",
        "app.workers - 10 == -3",
        "app.workers * limit + 1 == 15",
        "min(app.timeout, proxy.read_timeout, margin) == 1500ms",
        "max(app.timeout, proxy.read_timeout, margin) == 1m",
        "min(3, app.workers) == 3",
        "max(-3, -app.workers) == -3",
        "proxy.read_timeout <= max_read",
        "container.stop_grace_period < app.graceful_timeout + 2 * margin",
        "app.server == name",
        "app.server != 'uwsgi'",
        "'timeout' in proxy.next_upstream",
        "not ('http_502' in proxy.next_upstream)",
        "app.server in ['uwsgi', name]",
        "not (app.server in [])",
        "1d == 24h",
        "1h == 60m",
        "1m == 60s",
        "1s == 1000ms",
        "true == true",
        "true != false",
    ] {
        assert_eq!(t(src), Truth::True, "{src}");
    }
    assert_eq!(t("app.server in ['uwsgi', 'waitress']"), Truth::False);
}

#[test]
fn is_default_asks_the_environment() {
    let vals = Vals::default()
        .field("app.timeout", secs(30))
        .field("proxy.read_timeout", secs(60))
        .defaulted("app.timeout");
    assert_eq!(ev("is_default(app.timeout)", &vals), Truth::True);
    assert_eq!(ev("is_default(proxy.read_timeout)", &vals), Truth::False);
    assert_eq!(
        ev(
            "is_default(app.timeout) and app.timeout < proxy.read_timeout",
            &vals
        ),
        Truth::True
    );
}

#[test]
fn unknown_lists() {
    let vals = Vals::default()
        .field(
            "proxy.next_upstream",
            Value::List(vec![s("error"), unknown()]),
        )
        .field("app.server", s("x"));
    assert_eq!(ev("'error' in proxy.next_upstream", &vals), Truth::True);
    assert_eq!(
        ev("'timeout' in proxy.next_upstream", &vals),
        unknown_of(&["proxy.next_upstream"])
    );
    let vals = vals.field("proxy.next_upstream", unknown());
    assert_eq!(
        ev("app.server in proxy.next_upstream", &vals),
        unknown_of(&["proxy.next_upstream"])
    );
}

#[test]
fn values_of_expressions() {
    let vals = Vals::default()
        .field("app.timeout", secs(30))
        .field("proxy.read_timeout", Value::OneOf(vec![secs(60), secs(90)]))
        .field("lb.idle_timeout", unknown())
        .param("margin", secs(5));
    assert_eq!(eval_value(&p("app.timeout + margin"), &vals), secs(35));
    assert_eq!(
        eval_value(&p("proxy.read_timeout - app.timeout"), &vals),
        Value::OneOf(vec![secs(30), secs(60)])
    );
    assert!(eval_value(&p("app.timeout - margin * 10"), &vals).is_unknown());
    assert!(eval_value(&p("lb.idle_timeout"), &vals).is_unknown());
    assert_eq!(
        eval_value(&p("seconds(app.timeout) * 2"), &vals),
        Value::Int(60)
    );
    assert_eq!(eval_value(&p("app.timeout > 1s"), &vals), Value::Bool(true));
}

// ---------------------------------------------------------------------------
// Templates

fn t(src: &str) -> Template {
    match parse_template(src) {
        Ok(t) => t,
        Err(e) => panic!("{src:?} should parse: {e:?}"),
    }
}

#[test]
fn templates_parse_placeholders_and_literal_braces() {
    let src = "{app.timeout} ... {margin} {{literal braces}}";
    let tpl = t(src);
    assert_eq!(tpl.parts.len(), 4);
    assert!(matches!(&tpl.parts[0], TemplatePart::Expr { expr, span }
        if expr.kind == ExprKind::Field("app.timeout".into()) && *span == (0..13)));
    assert_eq!(tpl.parts[1], TemplatePart::Text(" ... ".into()));
    assert!(matches!(&tpl.parts[2], TemplatePart::Expr { expr, .. }
        if expr.kind == ExprKind::Param("margin".into())));
    assert_eq!(tpl.parts[3], TemplatePart::Text(" {literal braces}".into()));

    let fields = template_fields(&tpl);
    assert_eq!(fields, vec![("app.timeout".to_owned(), 1..12)]);

    let src = "gap { proxy.read_timeout - app.timeout } ({\"}\" == app.server}) }}{{";
    let tpl = t(src);
    let spans: Vec<&str> = template_fields(&tpl)
        .into_iter()
        .map(|(_, r)| &src[r])
        .collect();
    assert_eq!(spans, ["proxy.read_timeout", "app.timeout", "app.server"]);
    assert_eq!(tpl.parts.last(), Some(&TemplatePart::Text(") }{".into())));
    assert_eq!(t("").parts, vec![]);
    assert_eq!(
        t("no placeholders").parts,
        vec![TemplatePart::Text("no placeholders".into())]
    );
}

#[test]
fn template_errors_point_into_the_template() {
    let e = parse_template("timeout {app.timeout").unwrap_err();
    assert_eq!(e.message, "unclosed `{` in message");
    assert_eq!(e.span, 8..9);
    let e = parse_template("a } b").unwrap_err();
    assert_eq!(e.message, "unmatched `}` in message");
    assert_eq!(e.span, 2..3);
    assert!(e.help.as_deref().is_some_and(|h| h.contains("`}}`")));
    let e = parse_template("x { } y").unwrap_err();
    assert_eq!(e.message, "empty placeholder");
    assert_eq!(e.span, 2..5);
    let src = "x {app.timeout <} y";
    let e = parse_template(src).unwrap_err();
    assert_eq!(e.span, 16..16);
    let src = "é {app.timeout > 30 s}";
    let e = parse_template(src).unwrap_err();
    assert_eq!(&src[e.span.clone()], "s");
    let src = "{app.timeout} vs {proxy.read_timout}";
    let e = check_template(&t(src), &types()).unwrap_err();
    assert_eq!(&src[e.span.clone()], "proxy.read_timout");
    assert_eq!(
        e.help.as_deref(),
        Some("did you mean `proxy.read_timeout`?")
    );
    assert!(check_template(&t("{app.timeout} {margin + 1s}"), &types()).is_ok());
}

#[test]
fn templates_render_values() {
    let vals = Vals::default()
        .field("app.timeout", secs(30))
        .field("proxy.read_timeout", secs(300))
        .field("lb.idle_timeout", Value::OneOf(vec![secs(60), secs(120)]))
        .field("app.harakiri", Value::Unset)
        .field("app.server", Value::Unknown("set from $SERVER".into()))
        .param("margin", secs(5));
    let r = |src: &str| render(&t(src), &vals);
    assert_eq!(
        r(
            "gunicorn kills after {app.timeout}, nginx waits {proxy.read_timeout} (margin {margin}) {{x}}"
        ),
        "gunicorn kills after 30s, nginx waits 300s (margin 5s) {x}"
    );
    assert_eq!(r("gap {proxy.read_timeout - app.timeout}"), "gap 270s");
    assert_eq!(r("gap {app.timeout - proxy.read_timeout}"), "gap -270s");
    assert_eq!(r("{lb.idle_timeout}"), "one of 60s, 120s");
    assert_eq!(r("{lb.idle_timeout - app.timeout}"), "one of 30s, 90s");
    assert_eq!(r("{app.harakiri}"), "unset");
    assert_eq!(r("{app.server}"), "unknown (set from $SERVER)");
    assert_eq!(r("{app.timeout < proxy.read_timeout}"), "true");
    assert_eq!(r("{seconds(app.timeout)} s"), "30 s");
}

// ---------------------------------------------------------------------------
// `if(condition, a, b)`

#[test]
fn if_picks_a_branch_and_types_like_its_branches() {
    assert_eq!(ty(r#"if(name == "x", margin, 2s)"#), Ok(Type::Duration));
    assert_eq!(
        ty(r#"if(app.workers > 1, "many", "one")"#),
        Ok(Type::String)
    );
    let e = cerr(r#"if(name == "x", margin, 2)"#);
    assert!(e.message.contains("same type"), "{e}");
    let e = cerr(r#"if(margin, 1, 2)"#);
    assert!(e.message.contains("must be a bool"), "{e}");
    let e = cerr(r#"if(name == "x", 1)"#);
    assert!(
        e.message.contains("takes a condition and two values"),
        "{e}"
    );

    let vals = Vals::default()
        .param("name", s("app_first"))
        .param("margin", secs(1))
        .field("app.timeout", secs(30))
        .field("proxy.read_timeout", secs(60));
    let rule = r#"if(name == "app_first", app.timeout > proxy.read_timeout - margin, app.timeout < proxy.read_timeout + margin)"#;
    assert_eq!(ev(rule, &vals), Truth::False);
    let vals = vals.param("name", s("proxy_first"));
    assert_eq!(ev(rule, &vals), Truth::True);
}

#[test]
fn if_with_an_unknown_condition_is_known_only_when_the_branches_agree() {
    let vals = Vals::default()
        .field("app.server", unknown())
        .field("app.timeout", secs(30));
    assert_eq!(
        eval_value(&p(r#"if(app.server == "x", 1, 1)"#), &vals),
        Value::Int(1)
    );
    assert!(eval_value(&p(r#"if(app.server == "x", 1, 2)"#), &vals).is_unknown());
    assert_eq!(
        ev(
            r#"if(app.server == "x", app.timeout > 1s, app.timeout > 2s)"#,
            &vals
        ),
        Truth::True
    );
    assert_eq!(
        ev(
            r#"if(app.server == "x", app.timeout > 1s, app.timeout > 60s)"#,
            &vals
        ),
        unknown_of(&["app.server"])
    );
    // An unset condition counts as false.
    let vals = Vals::default().field("app.preload", Value::Unset);
    assert_eq!(
        eval_value(&p(r#"if(app.preload, "on", "off")"#), &vals),
        s("off")
    );
}

#[test]
fn if_renders_in_templates() {
    let t = parse_template(r#"{if(name == "app_first", "lower", "raise")} it to {if(name == "app_first", margin, 2 * margin)}"#)
        .unwrap();
    let vals = Vals::default()
        .param("name", s("app_first"))
        .param("margin", secs(5));
    assert_eq!(render(&t, &vals), "lower it to 5s");
    let vals = vals.param("name", s("proxy_first"));
    assert_eq!(render(&t, &vals), "raise it to 10s");
}
