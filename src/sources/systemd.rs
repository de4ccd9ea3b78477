//! systemd service units: `ExecStart=`, `WorkingDirectory=`, `Environment=`,
//! `TimeoutStopSec=` and `KillSignal=` of the `[Service]` section. systemd
//! splits `ExecStart` with its own shell-like quoting, without a shell; the
//! prefixes `-`, `@`, `:`, `+`, `!` are not part of the command.

use crate::diag::Problem;
use crate::span::{FileId, Span};

use super::yaml::Text;

/// The `[Service]` section of a unit.
#[derive(Clone, Debug, Default)]
pub struct Service {
    /// Each `ExecStart=` line (a later empty `ExecStart=` resets the list).
    pub exec_start: Vec<Text>,
    pub working_directory: Option<Text>,
    pub environment: Vec<(String, Text)>,
    pub timeout_stop: Option<Text>,
    pub kill_signal: Option<Text>,
    /// The `[Service]` header, where defaults point.
    pub span: Option<Span>,
}

#[must_use]
pub fn parse(file: FileId, text: &str) -> (Service, Vec<Problem>) {
    let mut svc = Service::default();
    let mut in_service = false;
    let mut offset = 0usize;
    for raw in text.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let trimmed = line.trim_start();
        let lead = line.len() - trimmed.len();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if trimmed.starts_with('[') {
            in_service = trimmed.trim_end() == "[Service]";
            if in_service {
                svc.span = Some(Span::new(file, start + lead, start + line.len()));
            }
            continue;
        }
        if !in_service {
            continue;
        }
        let Some(eq) = trimmed.find('=') else {
            continue;
        };
        let key = trimmed[..eq].trim();
        let value = trimmed[eq + 1..].trim();
        let vstart = start
            + lead
            + eq
            + 1
            + (trimmed[eq + 1..].len() - trimmed[eq + 1..].trim_start().len());
        let span = Span::new(file, vstart, vstart + value.len());
        let t = Text::new_literal(value.to_owned(), span);
        match key {
            "ExecStart" if value.is_empty() => svc.exec_start.clear(),
            "ExecStart" => {
                let skip = value.len() - value.trim_start_matches(['-', '@', ':', '+', '!']).len();
                svc.exec_start.push(t.slice(skip..value.len()));
            }
            "WorkingDirectory" => svc.working_directory = Some(t),
            "TimeoutStopSec" => svc.timeout_stop = Some(t),
            "KillSignal" => svc.kill_signal = Some(t),
            "Environment" => {
                for item in split_env(value) {
                    if let Some((k, v)) = item.1.split_once('=') {
                        let vs = item.0 + k.len() + 1;
                        svc.environment
                            .push((k.to_owned(), t.slice(vs..vs + v.len())));
                    }
                }
            }
            _ => {}
        }
    }
    (svc, Vec::new())
}

/// `A=1 "B=two words"`: (offset in the value, assignment without quotes).
fn split_env(value: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut chars = value.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        if c == '"' || c == '\'' {
            chars.next();
            let start = i + 1;
            let mut end = value.len();
            for (j, d) in chars.by_ref() {
                if d == c {
                    end = j;
                    break;
                }
            }
            out.push((start, value[start..end].to_owned()));
        } else {
            let start = i;
            let mut end = value.len();
            while let Some(&(j, d)) = chars.peek() {
                if d.is_whitespace() {
                    end = j;
                    break;
                }
                chars.next();
            }
            out.push((start, value[start..end].to_owned()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_start_environment_and_directory() {
        let text = "[Unit]\nDescription=x\n\n[Service]\nWorkingDirectory=/opt/app\nEnvironment=A=1 \"GUNICORN_CMD_ARGS=--timeout 40\"\nExecStart=-/opt/app/venv/bin/gunicorn --config /opt/app/gunicorn.py app.wsgi\n";
        let (svc, _) = parse(FileId(0), text);
        assert_eq!(svc.exec_start.len(), 1);
        let e = &svc.exec_start[0];
        assert_eq!(
            e.value,
            "/opt/app/venv/bin/gunicorn --config /opt/app/gunicorn.py app.wsgi"
        );
        assert_eq!(&text[e.span.range()], e.value);
        assert_eq!(svc.working_directory.as_ref().unwrap().value, "/opt/app");
        assert_eq!(svc.environment[1].0, "GUNICORN_CMD_ARGS");
        assert_eq!(&text[svc.environment[1].1.span.range()], "--timeout 40");
    }
}
