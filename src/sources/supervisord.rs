//! supervisord configuration: `[program:x]` sections with `command=`,
//! `directory=`, `environment=`, `stopwaitsecs=` and `stopsignal=`.
//! supervisord reads it with Python's configparser (`;` or `#` starts a comment
//! at line start; an inline `;` needs whitespace before it) and splits
//! `command` with `shlex`, without a shell.

use crate::diag::Problem;
use crate::span::{FileId, Span, Spanned};

use super::yaml::Text;

/// One `[program:name]` section.
#[derive(Clone, Debug)]
pub struct Program {
    pub name: Spanned<String>,
    pub command: Option<Text>,
    pub directory: Option<Text>,
    pub environment: Vec<(String, Text)>,
    /// `stopwaitsecs` (default 10).
    pub stopwaitsecs: Option<(i64, Span)>,
    pub stopsignal: Option<Text>,
}

/// Parses a supervisord file; keys outside `[program:*]` sections are ignored.
#[must_use]
pub fn parse(file: FileId, text: &str) -> (Vec<Program>, Vec<Problem>) {
    let mut programs: Vec<Program> = Vec::new();
    let mut problems = Vec::new();
    let mut in_program = false;
    let mut offset = 0usize;
    for raw in text.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with(';') || trimmed.starts_with('#') {
            continue;
        }
        let lead = line.len() - trimmed.len();
        if trimmed.starts_with('[') {
            let Some(close) = trimmed.find(']') else {
                problems.push(Problem::parse(
                    Span::new(file, start + lead, start + line.len()),
                    "section header without `]`",
                ));
                in_program = false;
                continue;
            };
            let section = &trimmed[1..close];
            in_program = section.starts_with("program:");
            if let Some(name) = section.strip_prefix("program:") {
                let name_start = start + lead + 1 + "program:".len();
                programs.push(Program {
                    name: Spanned::new(
                        name.trim().to_owned(),
                        Span::new(file, name_start, name_start + name.len()),
                    ),
                    command: None,
                    directory: None,
                    environment: Vec::new(),
                    stopwaitsecs: None,
                    stopsignal: None,
                });
            }
            continue;
        }
        if !in_program || lead > 0 {
            // Continuation lines of multi-line values are not used by the keys read here.
            continue;
        }
        let Some(eq) = trimmed.find(['=', ':']) else {
            continue;
        };
        let key = trimmed[..eq].trim().to_ascii_lowercase();
        let mut value = &trimmed[eq + 1..];
        if let Some(i) = value.find(" ;").or_else(|| value.find("\t;")) {
            value = &value[..i];
        }
        let value_trimmed = value.trim();
        let value_start = start + lead + eq + 1 + (value.len() - value.trim_start().len());
        let span = Span::new(file, value_start, value_start + value_trimmed.len());
        let text_value = Text::new_literal(value_trimmed.to_owned(), span);
        let Some(program) = programs.last_mut() else {
            continue;
        };
        match key.as_str() {
            "command" => program.command = Some(text_value),
            "directory" => program.directory = Some(text_value),
            "stopsignal" => program.stopsignal = Some(text_value),
            "stopwaitsecs" => match value_trimmed.parse::<i64>() {
                Ok(n) => program.stopwaitsecs = Some((n, span)),
                Err(_) => problems.push(Problem::parse(
                    span,
                    format!("stopwaitsecs `{value_trimmed}` is not an integer"),
                )),
            },
            "environment" => program.environment = environment(&text_value),
            _ => {}
        }
    }
    (programs, problems)
}

/// `KEY="value",KEY2=value2` (supervisord's `dict_of_key_value_pairs`).
fn environment(t: &Text) -> Vec<(String, Text)> {
    let s = t.value.as_str();
    let mut out = Vec::new();
    let mut i = 0;
    let bytes = s.as_bytes();
    while i < bytes.len() {
        let key_start = i;
        while i < bytes.len() && bytes[i] != b'=' {
            i += 1;
        }
        let key = s[key_start..i]
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_owned();
        i += 1;
        if i > bytes.len() {
            break;
        }
        let (vstart, vend);
        if i < bytes.len() && (bytes[i] == b'"' || bytes[i] == b'\'') {
            let q = bytes[i];
            vstart = i + 1;
            i += 1;
            while i < bytes.len() && bytes[i] != q {
                i += 1;
            }
            vend = i.min(bytes.len());
            i += 1;
        } else {
            vstart = i;
            while i < bytes.len() && bytes[i] != b',' {
                i += 1;
            }
            vend = i;
        }
        while i < bytes.len() && bytes[i] != b',' {
            i += 1;
        }
        i += 1;
        if !key.is_empty() && vstart <= vend && vend <= s.len() {
            out.push((
                key,
                Text::new_literal(s[vstart..vend].to_owned(), t.span_of(vstart..vend)),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_with_command_directory_and_environment() {
        let text = "[supervisord]\nnodaemon=true\n\n[program:web]\ncommand=gunicorn app --timeout 60 ; comment\ndirectory=/srv/app\nenvironment=A=\"1\",GUNICORN_CMD_ARGS=\"--keep-alive 5\"\nstopwaitsecs = 40\n[program:worker]\ncommand = celery worker\n";
        let (programs, problems) = parse(FileId(0), text);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(programs.len(), 2);
        let web = &programs[0];
        assert_eq!(web.name.value, "web");
        let cmd = web.command.as_ref().unwrap();
        assert_eq!(cmd.value, "gunicorn app --timeout 60");
        assert_eq!(&text[cmd.span.range()], "gunicorn app --timeout 60");
        assert_eq!(web.directory.as_ref().unwrap().value, "/srv/app");
        assert_eq!(web.environment[1].0, "GUNICORN_CMD_ARGS");
        assert_eq!(&text[web.environment[1].1.span.range()], "--keep-alive 5");
        assert_eq!(web.stopwaitsecs.map(|s| s.0), Some(40));
        assert_eq!(programs[1].command.as_ref().unwrap().value, "celery worker");
    }
}
