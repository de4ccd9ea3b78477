//! `lifecycle.preStop`: how long the hook holds back TERM.
//!
//! The kubelet runs the hook, then sends the stop signal; the hook's time
//! counts against `terminationGracePeriodSeconds`. A native `sleep` action
//! and an `exec` of `sleep N` (directly, through `busybox`, or through
//! `sh -c "..."`) have a known length; anything else is unknown.

use crate::diag::Problem;
use crate::sources::shell::{self, SimpleCommand, Word};
use crate::sources::yaml::Node;
use crate::span::Span;

use super::{PreStop, expect_map, int_value, string_list};

/// How deep `sh -c "sh -c '...'"` is followed.
const MAX_SHELL_DEPTH: usize = 8;

/// Reads `lifecycle.preStop`. `tcpSocket` is accepted by the API but does
/// nothing as a hook, so it gives `None`.
pub(super) fn read(h: &Node, p: &mut Vec<Problem>) -> Option<PreStop> {
    if !expect_map(h, "preStop", p) {
        return None;
    }
    let handlers = ["exec", "httpGet", "sleep", "tcpSocket"]
        .iter()
        .filter(|k| h.get(k).is_some())
        .count();
    if handlers > 1 {
        p.push(Problem::parse(
            h.span,
            "preStop may not specify more than one handler type; the API server rejects it",
        ));
    }
    if let Some(exec) = h.get("exec") {
        let Some(cmd) = exec.get("command") else {
            p.push(Problem::parse(exec.span, "preStop exec has no command"));
            return Some(PreStop::Exec { span: exec.span });
        };
        let Some(argv) = string_list(cmd, "preStop exec command", p) else {
            return Some(PreStop::Exec { span: cmd.span });
        };
        let words: Vec<Word> = argv
            .iter()
            .map(|t| Word::from_mapped(&t.value, &|r| t.span_of(r)))
            .collect();
        return Some(classify(&words, cmd.span, 0));
    }
    if let Some(get) = h.get("httpGet") {
        return Some(PreStop::HttpGet { span: get.span });
    }
    if let Some(sleep) = h.get("sleep") {
        let Some(n) = sleep.get("seconds") else {
            p.push(Problem::parse(sleep.span, "preStop sleep has no seconds"));
            return None;
        };
        let seconds = int_value(n, "preStop sleep.seconds", p)?;
        if seconds < 0 {
            p.push(Problem::parse(
                n.span,
                format!("preStop sleep.seconds is negative ({seconds}); it must be >= 0"),
            ));
        }
        let seconds = i64::try_from(seconds).ok()?;
        return Some(PreStop::Sleep {
            seconds,
            span: n.span,
        });
    }
    None
}

fn basename(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

fn is_shell(prog: &str) -> bool {
    matches!(
        prog,
        "sh" | "bash" | "dash" | "ash" | "zsh" | "ksh" | "mksh"
    )
}

/// Classifies an argv run by `exec` (or a command of an `sh -c` script).
fn classify(words: &[Word], span: Span, depth: usize) -> PreStop {
    let Some(first) = words.first() else {
        return PreStop::Exec { span };
    };
    let mut prog = basename(&first.text);
    let mut rest = words.get(1..).unwrap_or_default();
    if prog == "busybox"
        && let Some(applet) = rest.first()
    {
        prog = basename(&applet.text);
        rest = rest.get(1..).unwrap_or_default();
    }
    if prog == "sleep" {
        return sleep_of(rest, span, false, true);
    }
    if is_shell(prog)
        && depth < MAX_SHELL_DEPTH
        && let Some(script) = c_script(rest)
    {
        let Ok(commands) = shell::parse_script(&script.text, &|r| script.span_of(r)) else {
            return PreStop::Exec { span };
        };
        return classify_script(&commands, span, depth);
    }
    PreStop::Exec { span }
}

/// The script of `sh [options] -c SCRIPT ...`; `None` without `-c` (the
/// shell runs a script file, unknown to us).
fn c_script(args: &[Word]) -> Option<&Word> {
    let mut saw_c = false;
    let mut i = 0;
    while let Some(a) = args.get(i) {
        let t = a.text.as_str();
        if t == "--" || t == "-" {
            i += 1;
            break;
        }
        if t.len() > 1 && (t.starts_with('-') || t.starts_with('+')) {
            if !t.starts_with("--") {
                let flags = &t[1..];
                if t.starts_with('-') && flags.contains('c') {
                    saw_c = true;
                }
                // `-o pipefail`: the option name is the next word.
                if flags.contains('o') || flags.contains('O') {
                    i += 1;
                }
            }
            i += 1;
            continue;
        }
        break;
    }
    if saw_c { args.get(i) } else { None }
}

fn sleep_args(c: &SimpleCommand) -> Option<&[Word]> {
    let first = c.words.first()?;
    let prog = basename(&first.text);
    let rest = c.words.get(1..).unwrap_or_default();
    if prog == "sleep" {
        return Some(rest);
    }
    if prog == "busybox" && rest.first().is_some_and(|w| w.text == "sleep") {
        return Some(rest.get(1..).unwrap_or_default());
    }
    None
}

fn classify_script(commands: &[SimpleCommand], span: Span, depth: usize) -> PreStop {
    let other_commands = commands.len() > 1;
    let top_sleep = commands
        .iter()
        .position(|c| c.within.is_empty() && !c.background && sleep_args(c).is_some());
    if let Some(i) = top_sleep
        && let Some(c) = commands.get(i)
        && let Some(args) = sleep_args(c)
    {
        return sleep_of(args, span, other_commands, i == 0);
    }
    if let [only] = commands
        && only.within.is_empty()
        && !only.background
    {
        // `sh -c 'exec sh -c "sleep 5"'` and the like.
        return classify(&only.words, span, depth + 1);
    }
    if commands.iter().any(|c| sleep_args(c).is_some()) {
        // A sleep in a loop, a branch or the background: some delay, of
        // unknown length.
        return PreStop::ExecSleep {
            seconds: None,
            span,
            other_commands,
            sleep_first: false,
        };
    }
    PreStop::Exec { span }
}

/// `sleep ARG...` as GNU coreutils and busybox read it: the operands are
/// added up, each a decimal number with an optional `s`/`m`/`h`/`d` suffix.
fn sleep_of(args: &[Word], span: Span, other_commands: bool, sleep_first: bool) -> PreStop {
    let mut total = 0.0;
    let mut known = !args.is_empty();
    for a in args {
        match (a.has_expansion(), sleep_operand(&a.text)) {
            (false, Some(s)) => total += s,
            _ => known = false,
        }
    }
    let span = match (known, args.first(), args.last()) {
        (true, Some(first), Some(last)) => first.span.to(last.span),
        _ => span,
    };
    PreStop::ExecSleep {
        seconds: known.then_some(total),
        span,
        other_commands,
        sleep_first,
    }
}

/// One `sleep` operand in seconds: `5`, `0.5`, `.5`, `1e1`, `2m`, `infinity`.
fn sleep_operand(s: &str) -> Option<f64> {
    let (num, unit) = match s.as_bytes().last()? {
        b's' => (&s[..s.len() - 1], 1.0),
        b'm' => (&s[..s.len() - 1], 60.0),
        b'h' => (&s[..s.len() - 1], 3600.0),
        b'd' => (&s[..s.len() - 1], 86400.0),
        _ => (s, 1.0),
    };
    if num.eq_ignore_ascii_case("inf") || num.eq_ignore_ascii_case("infinity") {
        return Some(f64::INFINITY);
    }
    // Decimal only (no sign, no nan): what both implementations accept.
    let ok = num
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        && num
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_digit() || b == b'.');
    if !ok {
        return None;
    }
    let v: f64 = num.parse().ok()?;
    (v.is_finite() && v >= 0.0).then_some(v * unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sleep_operands() {
        assert_eq!(sleep_operand("5"), Some(5.0));
        assert_eq!(sleep_operand("5s"), Some(5.0));
        assert_eq!(sleep_operand("0.5"), Some(0.5));
        assert_eq!(sleep_operand(".5"), Some(0.5));
        assert_eq!(sleep_operand("2m"), Some(120.0));
        assert_eq!(sleep_operand("1h"), Some(3600.0));
        assert_eq!(sleep_operand("1e1"), Some(10.0));
        assert_eq!(sleep_operand("infinity"), Some(f64::INFINITY));
        for bad in ["", "s", "-1", "abc", "5x", "$DELAY", "nan", "1.2.3"] {
            assert_eq!(sleep_operand(bad), None, "{bad}");
        }
    }
}
