//! How an app server reacts to the signal its workload is stopped with: the
//! derived fields `app.stop_signal`, `app.on_stop_signal`,
//! `app.drain_timeout`, `app.shell_wrapper` and `container.stop_signal`.
//!
//! Signal semantics, from the servers' sources:
//! - gunicorn (`arbiter.py`): TERM = graceful stop (drain for
//!   `graceful_timeout`); INT, QUIT = quick stop; HUP = reload.
//! - uWSGI 2.0.x with the master (`core/master.c`): HUP = graceful reload;
//!   TERM = brutal reload (the master re-execs and keeps running), or an
//!   immediate shutdown with `die-on-term`; QUIT = immediate shutdown, or a
//!   brutal reload with `die-on-term`; INT = immediate shutdown. A
//!   `hook-master-start = unix_signal:N <function>` replaces the handler of
//!   signal N (`gracefully_kill_them_all` drains, bounded by
//!   `worker-reload-mercy`). Without the master the process is worker 1:
//!   TERM and INT end it at once. Recorded with uWSGI 2.0.31 in
//!   `tests/recorded/stop-signal/`.

use super::fields::unknown;
use crate::model::{AppServer, StopPath, Workload};
use crate::origin::Origin;
use crate::value::{Setting, Value};

/// What a server does on a signal (`app.on_stop_signal`).
pub const DRAIN: &str = "drain";
pub const FAST_EXIT: &str = "fast-exit";
pub const RELOAD: &str = "reload";
pub const NOT_DELIVERED: &str = "not-delivered";
pub const KILLED: &str = "killed";
pub const OTHER: &str = "other";

/// The container's stop signal: set by the workload (compose `stop_signal`,
/// the image's `STOPSIGNAL`), else SIGTERM for container orchestrators.
pub(super) fn container_stop_signal(w: &Workload) -> Setting {
    if let Some(s) = w.settings.get("stop_signal") {
        return s.clone();
    }
    match w.kind.orchestrator() {
        "compose" | "docker" | "kubernetes" => Setting::new(
            Value::Str("SIGTERM".to_owned()),
            Origin::Default {
                tool: "container runtime",
                versions: "unless the image sets STOPSIGNAL",
                anchor: Some(w.name.span),
            },
        ),
        _ => unknown("parity does not model the stop signal of this kind of workload"),
    }
}

/// The signal the server process itself receives when its workload stops.
pub(super) fn stop_signal(app: &AppServer, container: Option<&Workload>) -> Setting {
    match &app.stop_path {
        StopPath::Shell(w) => Setting::new(Value::Unset, Origin::File { span: w.span }),
        StopPath::Supervisor(s) => s.clone(),
        StopPath::Direct => match container {
            Some(w) => container_stop_signal(w),
            None => unknown("this server runs outside a known container"),
        },
    }
}

/// A shell that stays between the stop signal and the server, or unset.
pub(super) fn shell_wrapper(app: &AppServer) -> Setting {
    match &app.stop_path {
        StopPath::Shell(w) => {
            Setting::new(Value::Str(w.value.clone()), Origin::File { span: w.span })
        }
        _ => Setting::new(
            Value::Unset,
            Origin::Cli {
                span: app.command.span,
            },
        ),
    }
}

/// `drain`, `fast-exit`, `reload`, `killed`, `other`, or `not-delivered`
/// when a shell keeps the signal. The origin is the signal's.
pub(super) fn on_stop_signal(app: &AppServer, container: Option<&Workload>) -> Setting {
    if let StopPath::Shell(w) = &app.stop_path {
        return Setting::new(
            Value::Str(NOT_DELIVERED.to_owned()),
            Origin::File { span: w.span },
        );
    }
    let signal = stop_signal(app, container);
    let value = match &signal.value {
        Value::Str(sig) => reaction(app, sig),
        Value::Unknown(why) => Value::Unknown(format!("the stop signal is unknown: {why}")),
        Value::OneOf(sigs) => Value::OneOf(
            sigs.iter()
                .map(|v| match v {
                    Value::Str(sig) => reaction(app, sig),
                    other => Value::Unknown(format!("stop signal {other}")),
                })
                .collect(),
        ),
        other => Value::Unknown(format!("stop signal {other}")),
    };
    Setting::new(value, signal.origin)
}

/// How long the server lets in-flight requests finish after the stop
/// signal: gunicorn `graceful_timeout`, uWSGI `worker-reload-mercy` when the
/// signal triggers a graceful shutdown; unset when the signal does not drain.
pub(super) fn drain_timeout(app: &AppServer, container: Option<&Workload>) -> Setting {
    let on = on_stop_signal(app, container);
    let setting = match app.kind {
        "gunicorn" => "graceful_timeout",
        "uwsgi" => "worker-reload-mercy",
        _ => return unknown("parity does not know how this server drains"),
    };
    let drains = |v: &Value| matches!(v, Value::Str(s) if s == DRAIN);
    match &on.value {
        Value::Str(_) if drains(&on.value) => app
            .settings
            .get(setting)
            .cloned()
            .unwrap_or_else(|| unknown("not resolved for this server")),
        Value::Str(_) => Setting::new(Value::Unset, on.origin),
        Value::OneOf(vs) if vs.iter().all(|v| !drains(v) && !v.is_unknown()) => {
            Setting::new(Value::Unset, on.origin)
        }
        Value::OneOf(_) => Setting::new(
            Value::Unknown("the server may or may not drain on its stop signal".to_owned()),
            on.origin,
        ),
        _ => Setting::new(on.value, on.origin),
    }
}

/// What `app` does on `signal` (a normalised name such as `SIGTERM`).
fn reaction(app: &AppServer, signal: &str) -> Value {
    let s = |v: &str| Value::Str(v.to_owned());
    if signal == "SIGKILL" {
        return s(KILLED);
    }
    match app.kind {
        "gunicorn" => s(match signal {
            "SIGTERM" => DRAIN,
            "SIGINT" | "SIGQUIT" => FAST_EXIT,
            "SIGHUP" => RELOAD,
            _ => OTHER,
        }),
        "uwsgi" => uwsgi_reaction(app, signal),
        _ => Value::Unknown(format!(
            "parity does not know how {} handles signals",
            app.kind
        )),
    }
}

fn uwsgi_reaction(app: &AppServer, signal: &str) -> Value {
    let s = |v: &str| Value::Str(v.to_owned());
    let flag = |name: &str| -> Result<bool, String> {
        match app.settings.get(name).map(|x| &x.value) {
            Some(Value::Bool(b)) => Ok(*b),
            Some(Value::Unknown(why)) => Err(format!("{name} is unknown: {why}")),
            Some(Value::OneOf(_)) => Err(format!("{name} is set differently in branches")),
            _ => Ok(false),
        }
    };
    let master = match flag("master") {
        Ok(m) => m,
        Err(why) => return Value::Unknown(why),
    };
    if !master {
        return s(match signal {
            "SIGTERM" | "SIGINT" => FAST_EXIT,
            _ => OTHER,
        });
    }
    // A master-start hook replaces the master's handler for its signal.
    let signum = match signal {
        "SIGHUP" => 1,
        "SIGINT" => 2,
        "SIGQUIT" => 3,
        "SIGTERM" => 15,
        _ => 0,
    };
    if let Some(hooks) = app.settings.get("hook-master-start") {
        let items: &[Value] = match &hooks.value {
            Value::List(items) => items,
            _ => &[],
        };
        let mut unknown_hook = None;
        let mut found = None;
        for item in items {
            match item {
                Value::Str(text) => {
                    if let Some((n, func)) = unix_signal_hook(text)
                        && n == signum
                    {
                        found = Some(func);
                    }
                }
                Value::Unknown(why) => unknown_hook = Some(why.clone()),
                _ => {}
            }
        }
        if let Some(func) = found {
            return s(match func.as_str() {
                "gracefully_kill_them_all" => DRAIN,
                "kill_them_all" => FAST_EXIT,
                "reap_them_all" | "grace_them_all" => RELOAD,
                _ => OTHER,
            });
        }
        if let Some(why) = unknown_hook {
            return Value::Unknown(format!(
                "a hook-master-start may replace the handler: {why}"
            ));
        }
    }
    let die_on_term = match flag("die-on-term") {
        Ok(d) => d,
        Err(why) => return Value::Unknown(why),
    };
    s(match (signal, die_on_term) {
        ("SIGTERM", false) | ("SIGQUIT", true) | ("SIGHUP", _) => RELOAD,
        ("SIGTERM", true) | ("SIGQUIT", false) | ("SIGINT", _) => FAST_EXIT,
        _ => OTHER,
    })
}

/// `unix_signal:15 gracefully_kill_them_all` -> (15, function name).
fn unix_signal_hook(text: &str) -> Option<(i32, String)> {
    let rest = text.trim().strip_prefix("unix_signal:")?;
    let mut parts = rest.split_whitespace();
    let n = parts.next()?.parse().ok()?;
    let func = parts.next()?.to_owned();
    Some((n, func))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hooks_parse() {
        assert_eq!(
            unix_signal_hook("unix_signal:15 gracefully_kill_them_all"),
            Some((15, "gracefully_kill_them_all".to_owned()))
        );
        assert_eq!(unix_signal_hook("unix_signal:15"), None);
        assert_eq!(unix_signal_hook("exec:echo hi"), None);
    }
}
