//! gunicorn's command line, parsed the way its argparse parser does
//! (`Config.parser()` under Python 3.10–3.12's `argparse`; 3.13 differs only
//! for an invalid tail after combined short flags, e.g. `-Dx` is reported as
//! `unrecognized arguments: -x` and `-Dt=60` is accepted):
//! `--timeout=60`, `--timeout 60`, `-t60`, `-t 60`, `-t=60`, combined short
//! flags (`-Dt60`), unambiguous long-option prefixes (`--keep 5`; argparse's
//! `allow_abbrev` is on), `--` ending options, one positional APP_MODULE, and
//! repeatable `-b`. The same parser reads `GUNICORN_CMD_ARGS`.

use crate::span::Span;

use super::pyconf::PyValue;
use super::settings::{
    self, Action, ArgType, IntError, OPTION_STRINGS, OptionTarget, SETTINGS, SettingDef,
};
use crate::sources::shell::Word;

/// One option as parsed.
#[derive(Clone, Debug, PartialEq)]
pub struct CliOption {
    /// Config-file name of the setting, e.g. `keepalive`.
    pub name: &'static str,
    /// The option as written (`--keep`, `-t`; for `-Dt60` the `t`).
    pub flag: Word,
    /// The value as written, if the option took one.
    pub value: Option<Word>,
    /// Flag and value.
    pub span: Span,
    /// The option string argparse matched, e.g. `--keep-alive`.
    pub option: &'static str,
    /// The value after argparse's `type=` conversion (`int` for `--timeout`,
    /// `True` for store-true flags, the constant for `--no-sendfile`).
    pub parsed: PyValue,
}

/// A gunicorn command line.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct GunicornCli {
    /// APP_MODULE: the first positional argument.
    pub app: Option<Word>,
    /// Options in command-line order (later ones win; `-b` accumulates).
    pub options: Vec<CliOption>,
    /// Usage errors argparse would report (gunicorn prints usage and exits
    /// with status 2), in the order argparse finds them: the first is the one
    /// gunicorn prints.
    pub errors: Vec<(Span, String)>,
    /// Every positional argument (gunicorn uses only the first).
    pub positionals: Vec<Word>,
    /// `-h`/`--help` or `-v`/`--version` was given: gunicorn prints and exits 0.
    pub exits_early: bool,
}

impl GunicornCli {
    /// The last value given for a setting, if any.
    #[must_use]
    pub fn last(&self, name: &str) -> Option<&CliOption> {
        self.options.iter().rev().find(|o| o.name == name)
    }
}

/// Where an option string points, and an explicit argument glued to it.
#[derive(Clone, Copy, Debug)]
struct OptMatch {
    /// `None` when the word looks like an option argparse does not know.
    target: Option<OptionTarget>,
    option: &'static str,
    /// Byte offset in the word where the explicit argument starts.
    explicit: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Pat {
    /// An argument.
    A,
    /// An option.
    O,
    /// The first `--`.
    DashDash,
}

fn lookup(option: &str) -> Option<(&'static str, OptionTarget)> {
    OPTION_STRINGS
        .iter()
        .find(|(o, _)| *o == option)
        .map(|(o, t)| (*o, *t))
}

fn def_of(target: OptionTarget) -> Option<&'static SettingDef> {
    match target {
        OptionTarget::Setting(i) => SETTINGS.get(i),
        _ => None,
    }
}

/// Number of arguments an action consumes (argparse nargs: 0, 1 or `?`).
#[derive(Clone, Copy, PartialEq)]
enum Nargs {
    Zero,
    One,
    Optional,
}

fn nargs(target: OptionTarget) -> Nargs {
    match def_of(target).map(|d| d.action) {
        Some(Action::Store(_) | Action::Append) => Nargs::One,
        Some(Action::OptionalValue(_)) => Nargs::Optional,
        _ => Nargs::Zero,
    }
}

/// argparse's `_get_action_name`: the option strings joined by `/`.
fn action_name(target: OptionTarget) -> String {
    match target {
        OptionTarget::Setting(i) => SETTINGS
            .get(i)
            .map_or_else(String::new, |d| d.cli.join("/")),
        OptionTarget::Help => "-h/--help".into(),
        OptionTarget::Version => "-v/--version".into(),
    }
}

/// argparse `_parse_optional`: `Ok(None)` for a positional argument.
fn parse_optional(arg: &str) -> Result<Option<OptMatch>, String> {
    if !arg.starts_with('-') {
        return Ok(None);
    }
    if let Some((option, target)) = lookup(arg) {
        return Ok(Some(OptMatch {
            target: Some(target),
            option,
            explicit: None,
        }));
    }
    if arg.chars().count() == 1 {
        return Ok(None);
    }
    if let Some(eq) = arg.find('=')
        && let Some((option, target)) = lookup(arg.get(..eq).unwrap_or_default())
    {
        return Ok(Some(OptMatch {
            target: Some(target),
            option,
            explicit: Some(eq + 1),
        }));
    }
    let tuples = option_tuples(arg);
    if tuples.len() > 1 {
        let matches: Vec<&str> = tuples.iter().map(|t| t.option).collect();
        return Err(format!(
            "ambiguous option: {arg} could match {}",
            matches.join(", ")
        ));
    }
    if let Some(t) = tuples.first() {
        return Ok(Some(*t));
    }
    // A negative number is an argument (gunicorn has no option like `-1`).
    if let Some(num) = arg.strip_prefix('-')
        && is_negative_number_body(num)
    {
        return Ok(None);
    }
    if arg.contains(' ') {
        return Ok(None);
    }
    Ok(Some(OptMatch {
        target: None,
        option: "",
        explicit: None,
    }))
}

/// Python `^-\d+$|^-\d*\.\d+$` after the `-` (`\d` is any Unicode digit).
fn is_negative_number_body(s: &str) -> bool {
    if settings::all_decimal(s) {
        return true;
    }
    match s.split_once('.') {
        Some((a, b)) => (a.is_empty() || settings::all_decimal(a)) && settings::all_decimal(b),
        None => false,
    }
}

/// argparse `_get_option_tuples` with `allow_abbrev=True`.
fn option_tuples(arg: &str) -> Vec<OptMatch> {
    let mut out = Vec::new();
    if arg.starts_with("--") {
        let (prefix, explicit) = match arg.find('=') {
            Some(eq) => (arg.get(..eq).unwrap_or_default(), Some(eq + 1)),
            None => (arg, None),
        };
        for (option, target) in OPTION_STRINGS {
            if option.starts_with(prefix) {
                out.push(OptMatch {
                    target: Some(*target),
                    option,
                    explicit,
                });
            }
        }
    } else {
        // `-tVALUE`: a short option with its argument glued on.
        let short_end = arg.char_indices().nth(2).map_or(arg.len(), |(i, _)| i);
        let short = arg.get(..short_end).unwrap_or_default();
        for (option, target) in OPTION_STRINGS {
            if *option == short {
                out.push(OptMatch {
                    target: Some(*target),
                    option,
                    explicit: Some(short_end),
                });
            } else if option.starts_with(arg) {
                out.push(OptMatch {
                    target: Some(*target),
                    option,
                    explicit: None,
                });
            }
        }
    }
    out
}

struct Parser<'a> {
    args: &'a [Word],
    pattern: Vec<Pat>,
    opts: Vec<Option<OptMatch>>,
    cli: GunicornCli,
    extras: Vec<usize>,
    positionals_done: bool,
    stopped: bool,
}

/// Parses the words after the program name as gunicorn would.
#[must_use]
pub fn parse_args(args: &[Word]) -> GunicornCli {
    let mut p = Parser {
        args,
        pattern: Vec::with_capacity(args.len()),
        opts: Vec::with_capacity(args.len()),
        cli: GunicornCli::default(),
        extras: Vec::new(),
        positionals_done: false,
        stopped: false,
    };
    // Pass 1 (argparse: the arg-strings pattern). Ambiguity errors come first.
    let mut after_dashdash = false;
    for w in args {
        if after_dashdash {
            p.pattern.push(Pat::A);
            p.opts.push(None);
            continue;
        }
        if w.text == "--" {
            after_dashdash = true;
            p.pattern.push(Pat::DashDash);
            p.opts.push(None);
            continue;
        }
        match parse_optional(&w.text) {
            Ok(None) => {
                p.pattern.push(Pat::A);
                p.opts.push(None);
            }
            Ok(Some(m)) => {
                p.pattern.push(Pat::O);
                p.opts.push(Some(m));
            }
            Err(msg) => {
                p.cli.errors.push((w.span, msg));
                // Counted as an option so it is neither a value nor reported twice.
                p.pattern.push(Pat::O);
                p.opts.push(None);
            }
        }
    }
    p.run();
    p.cli
}

impl Parser<'_> {
    fn run(&mut self) {
        let n = self.args.len();
        let option_indices: Vec<usize> = (0..n)
            .filter(|&i| self.pattern.get(i) == Some(&Pat::O))
            .collect();
        let max_option = option_indices.last().copied();
        let mut start = 0;
        while let Some(max) = max_option {
            if start > max || self.stopped {
                break;
            }
            let Some(next_option) = option_indices.iter().copied().find(|&i| i >= start) else {
                break;
            };
            if start != next_option {
                let end = self.consume_positionals(start);
                if end > start {
                    start = end;
                    continue;
                }
            }
            if self.pattern.get(start) != Some(&Pat::O) {
                self.extras.extend(start..next_option);
                start = next_option;
            }
            start = self.consume_optional(start);
        }
        if self.stopped {
            return;
        }
        let stop = self.consume_positionals(start);
        self.extras.extend(stop..n);
        if !self.extras.is_empty() {
            let words: Vec<&Word> = self
                .extras
                .iter()
                .filter_map(|&i| self.args.get(i))
                .collect();
            let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
            if let (Some(first), Some(last)) = (words.first(), words.last()) {
                self.cli.errors.push((
                    first.span.to(last.span),
                    format!("unrecognized arguments: {}", texts.join(" ")),
                ));
            }
        }
        self.cli.app = self.cli.positionals.first().cloned();
    }

    /// The positional `args` (nargs='*') takes the run of arguments at
    /// `start` the first time; afterwards nothing.
    fn consume_positionals(&mut self, start: usize) -> usize {
        if self.positionals_done {
            return start;
        }
        self.positionals_done = true;
        let mut k = start;
        let mut dashdash_removed = false;
        while let Some(p) = self.pattern.get(k) {
            match p {
                Pat::A => {
                    if let Some(w) = self.args.get(k) {
                        self.cli.positionals.push(w.clone());
                    }
                }
                Pat::DashDash => {
                    // argparse removes the first `--` from the values.
                    if dashdash_removed && let Some(w) = self.args.get(k) {
                        self.cli.positionals.push(w.clone());
                    }
                    dashdash_removed = true;
                }
                Pat::O => break,
            }
            k += 1;
        }
        k
    }

    fn error(&mut self, span: Span, msg: String) {
        self.cli.errors.push((span, msg));
    }

    /// argparse `consume_optional`: returns the index after the option and its argument.
    fn consume_optional(&mut self, start: usize) -> usize {
        let Some(word) = self.args.get(start) else {
            return start + 1;
        };
        let Some(m) = self.opts.get(start).copied().flatten() else {
            // Unknown (or ambiguous, already reported).
            if !self.cli.errors.iter().any(|(s, _)| *s == word.span) {
                self.extras.push(start);
            }
            return start + 1;
        };
        let Some(mut target) = m.target else {
            self.extras.push(start);
            return start + 1;
        };
        let mut option = m.option;
        let mut explicit = m.explicit;
        // Where the current option's own text starts in the word.
        let mut flag_start = 0;
        loop {
            let flag_end = explicit.map_or(word.text.len(), |e| {
                if e > 0 && word.text.as_bytes().get(e - 1) == Some(&b'=') {
                    e - 1
                } else {
                    e
                }
            });
            let flag = word.slice(flag_start..flag_end);
            match explicit {
                Some(off) => {
                    let arg = word.text.get(off..).unwrap_or_default();
                    let count = match nargs(target) {
                        Nargs::Zero => 0,
                        Nargs::One | Nargs::Optional => 1,
                    };
                    let single_dash = !option.starts_with("--");
                    if count == 0 && single_dash && !arg.is_empty() {
                        if !self.take(target, option, flag.clone(), None, flag.span) {
                            return start + 1;
                        }
                        let ch_len = arg.chars().next().map_or(0, char::len_utf8);
                        let next = format!("-{}", arg.get(..ch_len).unwrap_or_default());
                        match lookup(&next) {
                            Some((o, t)) => {
                                option = o;
                                target = t;
                                flag_start = off;
                                let rest = off + ch_len;
                                explicit = (rest < word.text.len()).then_some(rest);
                                if explicit.is_none() {
                                    // The last flag of the cluster, without an argument.
                                    let flag = word.slice(off..word.text.len());
                                    return self.no_explicit(start, target, option, flag);
                                }
                                continue;
                            }
                            None => {
                                let msg = format!(
                                    "argument {}: ignored explicit argument {}",
                                    action_name(target),
                                    settings::py_repr(arg)
                                );
                                self.error(word.span, msg);
                                return start + 1;
                            }
                        }
                    } else if count == 1 {
                        let value = word.slice(off..word.text.len());
                        let span = word.span_of(flag_start..word.text.len());
                        self.take(target, option, flag, Some(value), span);
                        return start + 1;
                    }
                    let msg = format!(
                        "argument {}: ignored explicit argument {}",
                        action_name(target),
                        settings::py_repr(arg)
                    );
                    self.error(word.span, msg);
                    return start + 1;
                }
                None => return self.no_explicit(start, target, option, flag),
            }
        }
    }

    /// An option without a glued argument: it takes the next word if it needs one.
    fn no_explicit(
        &mut self,
        start: usize,
        target: OptionTarget,
        option: &'static str,
        flag: Word,
    ) -> usize {
        let next_is_arg = self.pattern.get(start + 1) == Some(&Pat::A);
        match nargs(target) {
            Nargs::Zero => {
                self.take(target, option, flag.clone(), None, flag.span);
                start + 1
            }
            Nargs::One if !next_is_arg => {
                let msg = format!("argument {}: expected one argument", action_name(target));
                self.error(flag.span, msg);
                start + 1
            }
            Nargs::One | Nargs::Optional if next_is_arg => {
                let value = self.args.get(start + 1).cloned();
                let span = value.as_ref().map_or(flag.span, |v| flag.span.to(v.span));
                self.take(target, option, flag, value, span);
                start + 2
            }
            _ => {
                self.take(target, option, flag.clone(), None, flag.span);
                start + 1
            }
        }
    }

    /// Converts and records one option. Returns false when parsing stops.
    fn take(
        &mut self,
        target: OptionTarget,
        option: &'static str,
        flag: Word,
        value: Option<Word>,
        span: Span,
    ) -> bool {
        let def = match target {
            OptionTarget::Setting(i) => SETTINGS.get(i),
            OptionTarget::Help | OptionTarget::Version => {
                let what = if target == OptionTarget::Help {
                    "its help"
                } else {
                    "its version"
                };
                self.error(span, format!("{option}: gunicorn prints {what} and exits"));
                self.cli.exits_early = true;
                self.stopped = true;
                return false;
            }
        };
        let Some(def) = def else { return false };
        let parsed = match (def.action, &value) {
            (Action::Store(ty), Some(v)) => match convert(ty, &v.text) {
                Ok(p) => p,
                Err(tyname) => {
                    let msg = format!(
                        "argument {}: invalid {tyname} value: {}",
                        def.cli.join("/"),
                        settings::py_repr(&v.text)
                    );
                    self.error(v.span, msg);
                    return true;
                }
            },
            (Action::Append | Action::OptionalValue(_), Some(v)) => PyValue::Str(v.text.clone()),
            (Action::OptionalValue(c), None) => PyValue::Str(c.to_string()),
            (Action::StoreTrue, _) => PyValue::Bool(true),
            (Action::StoreConst(c), _) => match c {
                "True" => PyValue::Bool(true),
                "False" => PyValue::Bool(false),
                other => PyValue::Str(other.to_string()),
            },
            _ => return true,
        };
        self.cli.options.push(CliOption {
            name: def.name,
            flag,
            value,
            span,
            option,
            parsed,
        });
        true
    }
}

/// argparse `type=` conversion; `Err` names the type for the message.
fn convert(ty: ArgType, s: &str) -> Result<PyValue, &'static str> {
    match ty {
        ArgType::Str => Ok(PyValue::Str(s.to_string())),
        ArgType::Int => match settings::python_int(s, false) {
            Ok(n) => Ok(PyValue::Int(n)),
            Err(IntError::TooLarge) => Ok(PyValue::Unknown(format!("{s} is too large"))),
            Err(IntError::Invalid) => Err("int"),
        },
        ArgType::AutoInt => match settings::auto_int(s) {
            Ok(n) => Ok(PyValue::Int(n)),
            Err(IntError::TooLarge) => Ok(PyValue::Unknown(format!("{s} is too large"))),
            Err(IntError::Invalid) => Err("auto_int"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::shell::split_words;
    use crate::span::FileId;

    fn parse(s: &str) -> (GunicornCli, String) {
        let words = split_words(s, &|r| Span::new(FileId(0), r.start, r.end)).unwrap();
        (parse_args(&words), s.to_string())
    }

    fn opts(c: &GunicornCli) -> Vec<(&str, String)> {
        c.options
            .iter()
            .map(|o| (o.name, o.parsed.py_str()))
            .collect()
    }

    #[test]
    fn value_forms() {
        for s in [
            "-t60",
            "-t 60",
            "--timeout=60",
            "--timeout 60",
            "-t=60",
            "--time 60",
            "--tim=60",
        ] {
            let (c, _) = parse(s);
            assert!(c.errors.is_empty(), "{s}: {:?}", c.errors);
            assert_eq!(opts(&c), [("timeout", "60".to_string())], "{s}");
        }
    }

    #[test]
    fn spans_of_flag_and_value() {
        let (c, s) = parse("app:app --keep 5 -Dt60 -b=0.0.0.0:1");
        let k = &c.options[0];
        assert_eq!(k.option, "--keep-alive");
        assert_eq!(&s[k.flag.span.range()], "--keep");
        assert_eq!(&s[k.span.range()], "--keep 5");
        let t = &c.options[2];
        assert_eq!(t.name, "timeout");
        assert_eq!(&s[t.value.as_ref().unwrap().span.range()], "60");
        assert_eq!(&s[t.span.range()], "t60");
        let b = &c.options[3];
        assert_eq!(&s[b.flag.span.range()], "-b");
        assert_eq!(b.value.as_ref().unwrap().text, "0.0.0.0:1");
        assert_eq!(c.app.as_ref().unwrap().text, "app:app");
    }

    #[test]
    fn argparse_errors() {
        let cases = [
            (
                "--t 60",
                "ambiguous option: --t could match --threads, --timeout",
            ),
            (
                "-t 0x10",
                "argument -t/--timeout: invalid int value: '0x10'",
            ),
            ("-t", "argument -t/--timeout: expected one argument"),
            (
                "-t --timeout",
                "argument -t/--timeout: expected one argument",
            ),
            (
                "--reload=1",
                "argument --reload: ignored explicit argument '1'",
            ),
            ("-x", "unrecognized arguments: -x"),
            ("app -t 5 extra", "unrecognized arguments: extra"),
            (
                "--limit-request-field-size 5",
                "unrecognized arguments: --limit-request-field-size",
            ),
            ("-tD", "argument -t/--timeout: invalid int value: 'D'"),
            ("-b -x", "argument -b/--bind: expected one argument"),
            ("-Dx", "argument -D/--daemon: ignored explicit argument 'x'"),
            ("-m 08", "argument -m/--umask: invalid auto_int value: '08'"),
        ];
        for (s, want) in cases {
            let (c, _) = parse(s);
            assert_eq!(c.errors.first().map(|e| e.1.as_str()), Some(want), "{s}");
        }
    }

    #[test]
    fn argparse_quirks() {
        let (c, _) = parse("-t -5 -b -5 -t ' 45 ' -t 010");
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        assert_eq!(
            opts(&c),
            [
                ("timeout", "-5".into()),
                ("bind", "-5".into()),
                ("timeout", "45".into()),
                ("timeout", "10".into())
            ]
        );
        // `--proxy-protocol` takes an optional value and would eat the app.
        let (c, _) = parse("--proxy-protocol app:app");
        assert_eq!(opts(&c), [("proxy_protocol", "app:app".into())]);
        assert!(c.app.is_none());
        let (c, _) = parse("--proxy-protocol -t 5 app");
        assert_eq!(
            opts(&c),
            [("proxy_protocol", "auto".into()), ("timeout", "5".into())]
        );
        let (c, _) = parse("-t 5 -- -w 3");
        assert_eq!(c.app.as_ref().unwrap().text, "-w");
        assert_eq!(c.positionals.len(), 2);
        let (c, _) = parse("-RDw3 --no-sendfile -m 022");
        assert_eq!(
            opts(&c),
            [
                ("enable_stdio_inheritance", "True".into()),
                ("daemon", "True".into()),
                ("workers", "3".into()),
                ("sendfile", "False".into()),
                ("umask", "18".into())
            ]
        );
        let (c, _) = parse("-h -t x");
        assert!(c.exits_early);
        assert_eq!(c.errors.len(), 1);
    }
}
