//! uWSGI's command line: glibc `getopt_long` over the option table
//! (`uwsgi_commandline_config` in `core/init.c`).
//!
//! - `--name value`, `--name=value`; a value-taking option takes the next
//!   argument whatever it looks like; `--flag=value` on a flag is an error;
//!   an optional value is only given with `=`;
//! - long names may be abbreviated to a unique prefix;
//! - short flags may be clustered (`-Mp4`), `-p 4` or `-p4`;
//! - arguments that are not options are moved after all options (glibc
//!   permutes argv) and loaded as config files; `--` ends the options.

use crate::sources::shell::Word;
use crate::span::Span;

use super::options::{self, Arg, LongMatchError, OptionDef};

/// One option from the command line.
#[derive(Clone, Debug)]
pub(super) struct CliOption {
    pub def: &'static OptionDef,
    /// `None` for a flag, or an optional value not given.
    pub value: Option<Word>,
    /// The flag and its value.
    pub span: Span,
}

#[derive(Clone, Debug, Default)]
pub(super) struct CliParse {
    pub options: Vec<CliOption>,
    /// Bare arguments, in order (uWSGI loads them after every option).
    pub operands: Vec<Word>,
    /// getopt's complaint; uWSGI exits (`getopt_long() error`).
    pub error: Option<(Span, String)>,
}

pub(super) fn parse(args: &[Word]) -> CliParse {
    let mut out = CliParse::default();
    let mut i = 0;
    while let Some(word) = args.get(i) {
        i += 1;
        let text = word.text.as_str();
        if text == "--" {
            out.operands.extend(args.iter().skip(i).cloned());
            break;
        }
        if let Some(body) = text.strip_prefix("--") {
            let (name, inline) = match body.find('=') {
                Some(eq) => (&body[..eq], Some(2 + eq + 1)),
                None => (body, None),
            };
            let def = match options::match_long(name) {
                Ok(def) => def,
                Err(LongMatchError::Unknown) => {
                    out.error = Some((word.span, format!("unrecognized option '--{name}'")));
                    return out;
                }
                Err(LongMatchError::Ambiguous(names)) => {
                    out.error = Some((
                        word.span,
                        format!(
                            "option '--{name}' is ambiguous; possibilities: {}",
                            names
                                .iter()
                                .map(|n| format!("'--{n}'"))
                                .collect::<Vec<_>>()
                                .join(" ")
                        ),
                    ));
                    return out;
                }
            };
            let value = match (def.arg, inline) {
                (Arg::No, Some(_)) => {
                    out.error = Some((
                        word.span,
                        format!("option '--{}' doesn't allow an argument", def.name),
                    ));
                    return out;
                }
                (Arg::No | Arg::Optional, None) => None,
                (Arg::Required | Arg::Optional, Some(at)) => Some(word.slice(at..text.len())),
                (Arg::Required, None) => match args.get(i) {
                    Some(next) => {
                        i += 1;
                        Some(next.clone())
                    }
                    None => {
                        out.error = Some((
                            word.span,
                            format!("option '--{}' requires an argument", def.name),
                        ));
                        return out;
                    }
                },
            };
            let span = value.as_ref().map_or(word.span, |v| word.span.to(v.span));
            out.options.push(CliOption { def, value, span });
            continue;
        }
        if text.len() > 1 && text.starts_with('-') {
            let bytes = text.as_bytes();
            let mut j = 1;
            while let Some(&c) = bytes.get(j) {
                j += 1;
                let Some(def) = options::by_short(c).filter(|_| c != b':') else {
                    let shown = text
                        .get(j - 1..)
                        .and_then(|s| s.chars().next())
                        .unwrap_or('?');
                    out.error = Some((word.span, format!("invalid option -- '{shown}'")));
                    return out;
                };
                let rest = j < bytes.len();
                match def.arg {
                    Arg::No => {
                        out.options.push(CliOption {
                            def,
                            value: None,
                            span: word.span,
                        });
                    }
                    Arg::Optional => {
                        let value = rest.then(|| word.slice(j..text.len()));
                        out.options.push(CliOption {
                            def,
                            value,
                            span: word.span,
                        });
                        break;
                    }
                    Arg::Required => {
                        let value = if rest {
                            word.slice(j..text.len())
                        } else if let Some(next) = args.get(i) {
                            i += 1;
                            next.clone()
                        } else {
                            out.error = Some((
                                word.span,
                                format!("option requires an argument -- '{}'", c as char),
                            ));
                            return out;
                        };
                        let span = word.span.to(value.span);
                        out.options.push(CliOption {
                            def,
                            value: Some(value),
                            span,
                        });
                        break;
                    }
                }
            }
            continue;
        }
        out.operands.push(word.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::FileId;

    fn words(line: &str) -> Vec<Word> {
        let mut out = Vec::new();
        let mut pos = 0;
        for w in line.split(' ') {
            out.push(Word::new(w, Span::new(FileId(0), pos, pos + w.len())));
            pos += w.len() + 1;
        }
        out
    }

    fn flat(p: &CliParse) -> Vec<(String, Option<String>)> {
        p.options
            .iter()
            .map(|o| {
                (
                    o.def.name.to_string(),
                    o.value.as_ref().map(|w| w.text.clone()),
                )
            })
            .collect()
    }

    #[test]
    fn long_short_and_clustered_options() {
        let p = parse(&words(
            "--ini app.ini --harakiri=30 -p 4 -Mt5 --http :8000 --http-keepalive --http-keepalive=7 -z8",
        ));
        assert!(p.error.is_none());
        assert_eq!(
            flat(&p),
            vec![
                ("ini".into(), Some("app.ini".into())),
                ("harakiri".into(), Some("30".into())),
                ("processes".into(), Some("4".into())),
                ("master".into(), None),
                ("harakiri".into(), Some("5".into())),
                ("http".into(), Some(":8000".into())),
                ("http-keepalive".into(), None),
                ("http-keepalive".into(), Some("7".into())),
                ("socket-timeout".into(), Some("8".into())),
            ]
        );
    }

    #[test]
    fn values_may_look_like_options() {
        let p = parse(&words("--socket-timeout -5 --die-on-te"));
        assert_eq!(
            flat(&p),
            vec![
                ("socket-timeout".into(), Some("-5".into())),
                ("die-on-term".into(), None),
            ]
        );
    }

    #[test]
    fn operands_are_kept_in_order_after_options() {
        let p = parse(&words("app.ini --master other.yml -- --harakiri"));
        assert_eq!(flat(&p), vec![("master".into(), None)]);
        let ops: Vec<_> = p.operands.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(ops, vec!["app.ini", "other.yml", "--harakiri"]);
    }

    #[test]
    fn errors_stop_parsing() {
        for bad in [
            "--harak 3",
            "--nope",
            "--master=1",
            "--harakiri",
            "-Q",
            "-t",
        ] {
            let p = parse(&words(bad));
            assert!(p.error.is_some(), "{bad}");
        }
    }

    #[test]
    fn spans_cover_flag_and_value() {
        let line = "--harakiri 30 -p4 --listen=9";
        let p = parse(&words(line));
        let spans: Vec<&str> = p.options.iter().map(|o| &line[o.span.range()]).collect();
        assert_eq!(spans, vec!["--harakiri 30", "-p4", "--listen=9"]);
        let value = p.options[2].value.as_ref().map(|w| &line[w.span.range()]);
        assert_eq!(value, Some("9"));
    }
}
