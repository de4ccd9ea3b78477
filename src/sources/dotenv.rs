//! `.env` files as docker compose reads them for interpolation and `env_file`:
//! `KEY=VALUE` lines, `#` comments, optional `export `, quoted values.

use crate::span::{FileId, Span};

/// One `KEY=VALUE` line.
#[derive(Clone, Debug, PartialEq)]
pub struct EnvLine {
    pub key: String,
    pub value: String,
    /// Span of the value (the whole line when the value is empty).
    pub span: Span,
}

/// Parses a `.env` file. Lines that are not assignments are skipped, as compose does for blanks and comments.
#[must_use]
pub fn parse(file: FileId, text: &str) -> Vec<EnvLine> {
    let mut out = Vec::new();
    let mut offset = 0usize;
    for raw in text.split_inclusive('\n') {
        let line_start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let lead = line.len() - trimmed.len();
        let body = trimmed.strip_prefix("export ").unwrap_or(trimmed);
        let body_start = line_start + lead + (trimmed.len() - body.len());
        let Some(eq) = body.find('=') else { continue };
        let key = body[..eq].trim();
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-')
        {
            continue;
        }
        let raw_value = &body[eq + 1..];
        let value_start = body_start + eq + 1;
        let (value, vs, ve) = unquote(raw_value, value_start);
        out.push(EnvLine {
            key: key.to_owned(),
            value,
            span: Span::new(file, vs, ve),
        });
    }
    out
}

fn unquote(raw: &str, start: usize) -> (String, usize, usize) {
    let trimmed = raw.trim_start();
    let s = start + (raw.len() - trimmed.len());
    for q in ['"', '\''] {
        if let Some(rest) = trimmed.strip_prefix(q)
            && let Some(end) = rest.find(q)
        {
            let inner = &rest[..end];
            let value = if q == '"' {
                inner.replace("\\n", "\n").replace("\\\"", "\"")
            } else {
                inner.to_owned()
            };
            return (value, s + 1, s + 1 + end);
        }
    }
    // Unquoted: an inline comment needs a space before `#`.
    let mut v = trimmed;
    if let Some(i) = v.find(" #") {
        v = &v[..i];
    }
    let v = v.trim_end();
    (v.to_owned(), s, s + v.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_assignments_comments_quotes_and_export() {
        let text = "# c\nA=1\nexport B = \"x y\"\nC='q' \nD=v # note\nnot a line\n";
        let lines = parse(FileId(0), text);
        let kv: Vec<_> = lines
            .iter()
            .map(|l| (l.key.as_str(), l.value.as_str()))
            .collect();
        assert_eq!(kv, [("A", "1"), ("B", "x y"), ("C", "q"), ("D", "v")]);
        assert_eq!(&text[lines[1].span.range()], "x y");
        assert_eq!(&text[lines[3].span.range()], "v");
    }
}
