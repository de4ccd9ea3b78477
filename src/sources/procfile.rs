//! Procfile (Heroku, honcho, foreman): one `<process type>: <command>` per
//! line. The `web` process receives HTTP. Lines are matched as Heroku and
//! honcho do, with `^([A-Za-z0-9_-]+):\s*(.+)$`; `#` comments and blank
//! lines are skipped.

use crate::diag::Problem;
use crate::sources::yaml::Text;
use crate::span::{FileId, Span, Spanned};

/// One process declaration.
#[derive(Clone, Debug, PartialEq)]
pub struct ProcfileEntry {
    pub process: Spanned<String>,
    /// The command as written (run by a shell; `$PORT` is expanded then).
    pub command: Text,
}

/// Parses a Procfile. A later entry for the same process type replaces the
/// earlier one (and is reported).
#[must_use]
pub fn parse(file: FileId, text: &str) -> (Vec<ProcfileEntry>, Vec<Problem>) {
    let mut entries: Vec<ProcfileEntry> = Vec::new();
    let mut problems = Vec::new();
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let line_span = Span::new(file, start, start + line.len());
        let name_len = line
            .bytes()
            .take_while(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            .count();
        if name_len == 0 || line.as_bytes().get(name_len) != Some(&b':') {
            problems.push(Problem::parse(
                line_span,
                "not a Procfile entry (expected `<process type>: <command>`)",
            ));
            continue;
        }
        let after = &line[name_len + 1..];
        let command = after.trim();
        if command.is_empty() {
            problems.push(Problem::parse(
                line_span,
                "Procfile entry without a command",
            ));
            continue;
        }
        let cmd_start = start + name_len + 1 + (after.len() - after.trim_start().len());
        let entry = ProcfileEntry {
            process: Spanned::new(
                line[..name_len].to_owned(),
                Span::new(file, start, start + name_len),
            ),
            command: Text::new_literal(
                command.to_owned(),
                Span::new(file, cmd_start, cmd_start + command.len()),
            ),
        };
        match entries
            .iter_mut()
            .find(|e| e.process.value == entry.process.value)
        {
            Some(old) => {
                problems.push(Problem::parse(
                    entry.process.span,
                    format!(
                        "process type {:?} is declared twice; the last declaration is used",
                        entry.process.value
                    ),
                ));
                *old = entry;
            }
            None => entries.push(entry),
        }
    }
    (entries, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: FileId = FileId(1);

    #[test]
    fn entries_comments_and_blank_lines() {
        let src = "# Procfile\n\nweb: gunicorn app.wsgi --timeout 15 --keep-alive 5\r\nworker:celery -A app worker  \nrelease: ./manage.py migrate\n";
        let (entries, problems) = parse(F, src);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[0].process.value, "web");
        assert_eq!(&src[entries[0].process.span.range()], "web");
        let cmd = &entries[0].command;
        assert_eq!(cmd.value, "gunicorn app.wsgi --timeout 15 --keep-alive 5");
        assert_eq!(&src[cmd.span.range()], cmd.value);
        let i = cmd.value.find("15").unwrap();
        assert_eq!(&src[cmd.span_of(i..i + 2).range()], "15");
        assert_eq!(entries[1].command.value, "celery -A app worker");
        assert_eq!(entries[2].process.value, "release");
    }

    #[test]
    fn malformed_lines_and_duplicates() {
        let src = "web gunicorn app\n  web: indented\nweb:\nweb: first\nweb: second\nfoo.bar: x\n";
        let (entries, problems) = parse(F, src);
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].command.value, "second");
        let msgs: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(problems.len(), 5, "{msgs:?}");
        assert!(msgs[0].contains("not a Procfile entry"));
        assert!(msgs[1].contains("not a Procfile entry"));
        assert!(msgs[2].contains("without a command"));
        assert!(msgs[3].contains("declared twice"));
        assert!(msgs[4].contains("not a Procfile entry"));
        assert_eq!(&src[problems[0].span.unwrap().range()], "web gunicorn app");
    }

    #[test]
    fn multibyte_and_no_trailing_newline() {
        let src = "wéb: x\nweb: echo ü $PORT";
        let (entries, problems) = parse(F, src);
        assert_eq!(problems.len(), 1);
        assert_eq!(entries[0].command.value, "echo ü $PORT");
        assert_eq!(&src[entries[0].command.span.range()], "echo ü $PORT");
    }
}
