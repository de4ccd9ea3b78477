//! gunicorn: command line, `GUNICORN_CMD_ARGS`, `gunicorn.conf.py`, and the
//! resolution of every setting with gunicorn's own precedence
//! (`gunicorn/app/base.py`, `Application.load_config`), lowest first:
//!
//! 1. setting defaults, with `$WEB_CONCURRENCY` (workers) and `$PORT` (bind);
//! 2. the config file: `-c` on the command line, else `-c`/`--config` inside
//!    `GUNICORN_CMD_ARGS`, else `./gunicorn.conf.py` in the working directory;
//! 3. `GUNICORN_CMD_ARGS` (split like Python `shlex.split`);
//! 4. the command line.
//!
//! Within 3 and 4 the last occurrence of a flag wins and `-b` accumulates;
//! each source's final value goes through gunicorn's validator once.

pub mod cli;
pub mod pyconf;
pub mod settings;

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::diag::Problem;
use crate::origin::Origin;
use crate::span::{Span, Spanned};
use crate::value::{Setting, Value};

use super::shell::{Word, split_words};

pub use cli::{CliOption, GunicornCli, parse_args};
pub use pyconf::{PyAssigned, PyConf, PyValue, parse_pyconf};
use settings::{Action, OPTION_STRINGS, OptionTarget, SETTINGS, SettingDef};

/// Which config file gunicorn reads.
#[derive(Clone, Copy, Debug)]
pub enum ConfigFile<'a> {
    /// `-c PATH` (on the command line or in `GUNICORN_CMD_ARGS`, see
    /// [`config_location`]); `conf` is `None` when the file is not in the
    /// repository, so everything it could set is unknown.
    Explicit {
        path: &'a Word,
        conf: Option<&'a PyConf>,
    },
    /// No `-c`: `./gunicorn.conf.py` in the working directory, if the caller
    /// found one there.
    Default { conf: Option<&'a PyConf> },
}

/// Everything that decides a gunicorn process's settings.
pub struct GunicornInputs<'a> {
    /// The command line after the program word.
    pub cli: &'a GunicornCli,
    /// `GUNICORN_CMD_ARGS` as set by the deployment.
    pub cmd_args_env: Option<&'a Word>,
    pub config: ConfigFile<'a>,
    /// The deployment's environment: value and where it is set.
    pub env: &'a dyn Fn(&str) -> Option<(String, Span)>,
    /// Where defaults point: the gunicorn program word to the last argument.
    pub anchor: Span,
}

/// Every gunicorn setting with its value and origin.
#[derive(Clone, Debug, PartialEq)]
pub struct ResolvedGunicorn {
    /// All settings by config-file name. `worker_class` is the effective class
    /// (`sync` with `threads > 1` runs `gthread`; bundled classes by their
    /// short name).
    pub settings: BTreeMap<&'static str, Setting>,
    /// Names in the config file gunicorn ignores (see [`PyConf::unknown_names`]).
    pub unknown_names: Vec<Spanned<String>>,
    /// Usage errors, rejected values, unreadable config: each with a span.
    pub problems: Vec<Problem>,
    /// `worker_class` as configured (what `--print-config` shows).
    pub configured_worker_class: Setting,
    /// `GUNICORN_CMD_ARGS` parsed, when set and splittable.
    pub cmd_args: Option<GunicornCli>,
    /// The exit status gunicorn would stop with before serving: 2 for a usage
    /// error, 1 for a rejected value or a config file that fails to load, 0 for
    /// `--help`/`--version`; `None` when it would start (as far as parity sees).
    pub exit_status: Option<i32>,
}

impl ResolvedGunicorn {
    /// A setting by name (every gunicorn setting is present).
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&Setting> {
        self.settings.get(name)
    }
}

/// The config file location gunicorn would read (the last `-c` on the command
/// line, else in `GUNICORN_CMD_ARGS`), for the caller to look up.
#[must_use]
pub fn config_location(cli: &GunicornCli, cmd_args_env: Option<&Word>) -> Option<Word> {
    if let Some(o) = cli.last("config") {
        return o.value.clone();
    }
    let w = cmd_args_env?;
    let words = split_words(&w.text, &|r| w.span_of(r)).ok()?;
    parse_args(&words)
        .last("config")
        .and_then(|o| o.value.clone())
}

/// Resolves every setting with gunicorn's precedence.
#[must_use]
pub fn resolve(inputs: &GunicornInputs) -> ResolvedGunicorn {
    let mut r = Resolver {
        settings: BTreeMap::new(),
        problems: Vec::new(),
        exit: None,
        env: inputs.env,
    };
    let anchor = inputs.anchor;
    for def in SETTINGS {
        r.settings.insert(
            def.name,
            Setting::new(
                settings::default_value(def),
                Origin::Default {
                    tool: "gunicorn",
                    versions: def.since,
                    anchor: Some(anchor),
                },
            ),
        );
    }
    r.environment_defaults();

    // The command line is parsed first; a usage error stops gunicorn there.
    r.usage_errors(inputs.cli, "");

    let cmd_args =
        inputs
            .cmd_args_env
            .and_then(|w| match split_words(&w.text, &|rg| w.span_of(rg)) {
                Ok(words) => Some(parse_args(&words)),
                Err(e) => {
                    r.fail(
                        1,
                        e.span,
                        format!("GUNICORN_CMD_ARGS: {}; gunicorn would exit", e.message),
                    );
                    None
                }
            });
    if let Some(env_cli) = &cmd_args {
        r.usage_errors(env_cli, "GUNICORN_CMD_ARGS: ");
    }

    let mut unknown_names = Vec::new();
    match inputs.config {
        ConfigFile::Explicit { path, conf } => {
            let origin = path_origin(path, inputs.cli, cmd_args.as_ref());
            r.settings.insert(
                "config",
                Setting::new(Value::Str(path.text.clone()), origin.clone()),
            );
            match conf {
                Some(conf) => unknown_names = r.apply_conf(conf),
                None => {
                    let why = format!("set by {}, which is not in the repository", path.text);
                    for def in SETTINGS.iter().filter(|d| d.name != "config") {
                        r.settings.insert(
                            def.name,
                            Setting::new(Value::Unknown(why.clone()), origin.clone()),
                        );
                    }
                }
            }
        }
        ConfigFile::Default { conf: Some(conf) } => unknown_names = r.apply_conf(conf),
        ConfigFile::Default { conf: None } => {}
    }

    if let Some(env_cli) = &cmd_args {
        r.apply_options(&env_cli.options, &|span| Origin::Env {
            var: "GUNICORN_CMD_ARGS".into(),
            span,
        });
    }
    r.apply_options(&inputs.cli.options, &|span| Origin::Cli { span });

    let app_given = inputs.cli.app.is_some()
        || ["wsgi_app", "paste"]
            .iter()
            .any(|n| r.settings.get(n).is_some_and(|s| s.value != Value::Unset));
    if !app_given && r.exit.is_none() {
        r.fail(1, anchor, "No application module specified.".into());
    }

    let configured = r
        .settings
        .get("worker_class")
        .cloned()
        .unwrap_or_else(|| Setting::new(Value::Unset, Origin::Cli { span: anchor }));
    if let Some(threads) = r.settings.get("threads").cloned() {
        let effective = effective_worker_class(&configured, &threads);
        r.settings.insert("worker_class", effective);
    }

    ResolvedGunicorn {
        settings: r.settings,
        unknown_names,
        problems: r.problems,
        configured_worker_class: configured,
        cmd_args,
        exit_status: r.exit,
    }
}

/// Where `-c PATH` came from: the command line or `GUNICORN_CMD_ARGS`.
fn path_origin(path: &Word, cli: &GunicornCli, env_cli: Option<&GunicornCli>) -> Origin {
    let from = |c: &GunicornCli| {
        c.options
            .iter()
            .rev()
            .find(|o| o.name == "config" && o.value.as_ref().is_some_and(|v| v.span == path.span))
            .map(|o| o.span)
    };
    if let Some(span) = from(cli) {
        return Origin::Cli { span };
    }
    if let Some(span) = env_cli.and_then(from) {
        return Origin::Env {
            var: "GUNICORN_CMD_ARGS".into(),
            span,
        };
    }
    Origin::Cli { span: path.span }
}

struct Resolver<'a> {
    settings: BTreeMap<&'static str, Setting>,
    problems: Vec<Problem>,
    exit: Option<i32>,
    env: &'a dyn Fn(&str) -> Option<(String, Span)>,
}

impl Resolver<'_> {
    /// Records a problem that stops gunicorn; the first one sets the status.
    fn fail(&mut self, status: i32, span: Span, message: String) {
        if self.exit.is_none() {
            self.exit = Some(status);
        }
        self.problems.push(Problem::parse(span, message));
    }

    fn usage_errors(&mut self, c: &GunicornCli, prefix: &str) {
        for (k, (span, msg)) in c.errors.iter().enumerate() {
            let status = if k == 0 && c.exits_early && msg.contains("gunicorn prints") {
                0
            } else {
                2
            };
            self.fail(status, *span, format!("{prefix}gunicorn: error: {msg}"));
        }
    }

    /// `$WEB_CONCURRENCY` and `$PORT`, read when gunicorn's settings module loads.
    fn environment_defaults(&mut self) {
        if let Some((v, span)) = (self.env)("WEB_CONCURRENCY") {
            let origin = Origin::Env {
                var: "WEB_CONCURRENCY".into(),
                span,
            };
            let value = match settings::python_int(&v, false) {
                Ok(n) if n >= 0 => i64::try_from(n).map_or_else(
                    |_| Value::Unknown(format!("{n} is out of range")),
                    Value::Int,
                ),
                Ok(n) => {
                    self.fail(
                        1,
                        span,
                        format!("WEB_CONCURRENCY={v}: Value must be positive: {n}; gunicorn fails to start"),
                    );
                    Value::Unknown("rejected by gunicorn".into())
                }
                Err(_) => {
                    self.fail(
                        1,
                        span,
                        format!(
                            "WEB_CONCURRENCY={v}: invalid literal for int() with base 10: {}; gunicorn fails to start",
                            settings::py_repr(&v)
                        ),
                    );
                    Value::Unknown("rejected by gunicorn".into())
                }
            };
            self.settings.insert("workers", Setting::new(value, origin));
        }
        if let Some((v, span)) = (self.env)("PORT") {
            let addr = format!("0.0.0.0:{v}");
            self.settings.insert(
                "bind",
                Setting::new(
                    Value::List(vec![Value::Str(settings::py_strip(&addr).to_string())]),
                    Origin::Env {
                        var: "PORT".into(),
                        span,
                    },
                ),
            );
        }
    }

    fn apply_conf(&mut self, conf: &PyConf) -> Vec<Spanned<String>> {
        let env = self.env;
        let conf: Cow<'_, PyConf> = if conf.env_reads.iter().any(|v| env(v).is_some()) {
            Cow::Owned(conf.with_env(&|k| env(k).map(|(v, _)| v)))
        } else {
            Cow::Borrowed(conf)
        };
        for p in &conf.problems {
            if conf.gunicorn_fails && self.exit.is_none() {
                self.exit = Some(1);
            }
            self.problems.push(p.clone());
        }
        for (name, a) in &conf.values {
            let Some(def) = settings::setting(name) else {
                continue;
            };
            let set_by_deployment = a
                .env_vars
                .iter()
                .find_map(|v| env(v).map(|(_, span)| (v.clone(), span)));
            let origin = match (set_by_deployment, &a.env_var) {
                (Some((var, span)), _) => Origin::Env { var, span },
                (None, Some(var)) => Origin::EnvDefault {
                    var: var.clone(),
                    span: a.span,
                },
                (None, None) => Origin::File { span: a.span },
            };
            let lower = self
                .settings
                .get(def.name)
                .map_or(Value::Unset, |s| s.value.clone());
            let value = fill_unset(a.value.clone(), &lower);
            self.settings.insert(def.name, Setting::new(value, origin));
        }
        if let Some(w) = conf.wildcards.last() {
            for def in SETTINGS {
                if !conf.values.contains_key(def.name) && def.name != "config" {
                    self.settings.insert(
                        def.name,
                        Setting::new(
                            Value::Unknown(format!("may be set by {}", w.value)),
                            Origin::File { span: w.span },
                        ),
                    );
                }
            }
        }
        conf.unknown_names.clone()
    }

    /// One source's options (`GUNICORN_CMD_ARGS` or the command line): the
    /// last value per setting (all values for `-b`-style flags), validated once.
    fn apply_options(&mut self, options: &[CliOption], origin: &dyn Fn(Span) -> Origin) {
        // argparse's namespace order (the order `cfg.set` runs in).
        let mut order: Vec<usize> = Vec::new();
        for (_, t) in OPTION_STRINGS {
            if let OptionTarget::Setting(i) = t
                && !order.contains(i)
            {
                order.push(*i);
            }
        }
        for i in order {
            let Some(def) = SETTINGS.get(i) else { continue };
            let given: Vec<&CliOption> = options.iter().filter(|o| o.name == def.name).collect();
            let Some(last) = given.last() else { continue };
            let value = if def.action == Action::Append {
                PyValue::List(given.iter().map(|o| o.parsed.clone()).collect())
            } else {
                last.parsed.clone()
            };
            let v = self.validated(def, &value, last.span);
            self.settings
                .insert(def.name, Setting::new(v, origin(last.span)));
        }
    }

    fn validated(&mut self, def: &SettingDef, value: &PyValue, span: Span) -> Value {
        match settings::validate(def, value) {
            Ok(v) => v,
            Err(msg) => {
                self.fail(
                    1,
                    span,
                    format!("Invalid value for {}: {msg}; gunicorn would exit", def.name),
                );
                Value::Unknown(format!("rejected by gunicorn: {msg}"))
            }
        }
    }
}

/// A config-file value set only on some paths (`Unset` inside `OneOf`) falls
/// back to the value below it on those paths.
fn fill_unset(v: Value, lower: &Value) -> Value {
    match v {
        Value::OneOf(vs) if vs.contains(&Value::Unset) => {
            let mut out: Vec<Value> = Vec::new();
            for x in vs {
                let x = if x == Value::Unset { lower.clone() } else { x };
                let xs = match x {
                    Value::OneOf(inner) => inner,
                    x => vec![x],
                };
                for x in xs {
                    if !out.contains(&x) {
                        out.push(x);
                    }
                }
            }
            if out.len() == 1 {
                out.pop().unwrap_or(Value::Unset)
            } else {
                Value::OneOf(out)
            }
        }
        v => v,
    }
}

/// `Config.worker_class`: a sync worker with `threads > 1` runs as gthread.
fn effective_worker_class(raw: &Setting, threads: &Setting) -> Setting {
    let thread_counts: Vec<Option<i64>> = match &threads.value {
        Value::Int(n) => vec![Some(*n)],
        Value::OneOf(vs) => vs
            .iter()
            .map(|v| {
                if let Value::Int(n) = v {
                    Some(*n)
                } else {
                    None
                }
            })
            .collect(),
        _ => vec![None],
    };
    let classes: Vec<&Value> = match &raw.value {
        Value::OneOf(vs) => vs.iter().collect(),
        v => vec![v],
    };
    let mut out: Vec<Value> = Vec::new();
    let mut by_threads = false;
    for class in classes {
        let Value::Str(s) = class else {
            if !out.contains(class) {
                out.push(class.clone());
            }
            continue;
        };
        for t in &thread_counts {
            let v = if settings::is_sync_worker(s) {
                match t {
                    Some(n) if *n > 1 => {
                        by_threads = true;
                        "gthread".to_string()
                    }
                    Some(_) => settings::normalize_worker_class(s),
                    None => {
                        by_threads = true;
                        for alt in ["sync", "gthread"] {
                            let alt = Value::Str(alt.into());
                            if !out.contains(&alt) {
                                out.push(alt);
                            }
                        }
                        continue;
                    }
                }
            } else {
                settings::normalize_worker_class(s)
            };
            let v = Value::Str(v);
            if !out.contains(&v) {
                out.push(v);
            }
        }
    }
    let value = if out.len() == 1 {
        out.pop().unwrap_or(Value::Unset)
    } else {
        Value::OneOf(out)
    };
    let origin = if by_threads {
        threads.origin.clone()
    } else {
        raw.origin.clone()
    };
    Setting::new(value, origin)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::FileId;
    use crate::value::Millis;

    const F: FileId = FileId(1);

    fn words(s: &str) -> Vec<Word> {
        split_words(s, &|r| Span::new(F, r.start, r.end)).unwrap()
    }

    struct Case {
        cmd: String,
        words: Vec<Word>,
        cli: GunicornCli,
    }

    fn case(cmd: &str) -> Case {
        let words = words(cmd);
        let cli = parse_args(words.get(1..).unwrap_or_default());
        Case {
            cmd: cmd.to_string(),
            words,
            cli,
        }
    }

    fn run(c: &Case, env: &[(&str, &str)], config: ConfigFile<'_>) -> ResolvedGunicorn {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        let lookup = move |k: &str| {
            env.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| (v.clone(), Span::new(FileId(9), 0, v.len())))
        };
        let cmd_args_word = lookup("GUNICORN_CMD_ARGS").map(|(v, s)| Word::new(v, s));
        let anchor = Span::new(F, 0, c.cmd.len());
        resolve(&GunicornInputs {
            cli: &c.cli,
            cmd_args_env: cmd_args_word.as_ref(),
            config,
            env: &lookup,
            anchor,
        })
    }

    fn secs(n: u64) -> Value {
        Value::Duration(Millis::from_secs(n))
    }

    #[test]
    fn defaults_point_at_the_command() {
        let c = case("gunicorn app:app");
        let r = run(&c, &[], ConfigFile::Default { conf: None });
        let t = r.get("timeout").unwrap();
        assert_eq!(t.value, secs(30));
        assert_eq!(
            t.origin,
            Origin::Default {
                tool: "gunicorn",
                versions: "all versions",
                anchor: Some(Span::new(F, 0, 16))
            }
        );
        assert_eq!(r.get("keepalive").unwrap().value, secs(2));
        assert_eq!(r.get("graceful_timeout").unwrap().value, secs(30));
        assert_eq!(r.get("workers").unwrap().value, Value::Int(1));
        assert_eq!(
            r.get("bind").unwrap().value,
            Value::List(vec![Value::Str("127.0.0.1:8000".into())])
        );
        assert_eq!(
            r.get("worker_class").unwrap().value,
            Value::Str("sync".into())
        );
        assert_eq!(r.exit_status, None);
        assert!(r.problems.is_empty());
    }

    #[test]
    fn precedence_file_env_args_cli() {
        let conf = parse_pyconf(
            FileId(2),
            "timeout = 120\nworkers = 3\nkeepalive = 4\ngraceful_timeout = int(__import__('os').environ.get('G', 5))\n",
        );
        let c = case("gunicorn --keep-alive 7 app:app");
        let r = run(
            &c,
            &[(
                "GUNICORN_CMD_ARGS",
                "--timeout 90 --max-requests 1000 --keep-alive 1",
            )],
            ConfigFile::Default { conf: Some(&conf) },
        );
        assert_eq!(r.get("timeout").unwrap().value, secs(90));
        assert!(
            matches!(r.get("timeout").unwrap().origin, Origin::Env { ref var, .. } if var == "GUNICORN_CMD_ARGS")
        );
        assert_eq!(r.get("max_requests").unwrap().value, Value::Int(1000));
        assert_eq!(r.get("keepalive").unwrap().value, secs(7));
        assert!(matches!(
            r.get("keepalive").unwrap().origin,
            Origin::Cli { .. }
        ));
        assert_eq!(r.get("workers").unwrap().value, Value::Int(3));
        assert!(matches!(
            r.get("workers").unwrap().origin,
            Origin::File { .. }
        ));
    }

    #[test]
    fn env_defaults_and_env_overrides() {
        let text = "import os\ntimeout = int(os.environ.get('GUNICORN_TIMEOUT', '120'))\n";
        let conf = parse_pyconf(FileId(2), text);
        let c = case("gunicorn app:app");
        let r = run(
            &c,
            &[("WEB_CONCURRENCY", "4"), ("PORT", "5000")],
            ConfigFile::Default { conf: Some(&conf) },
        );
        assert_eq!(r.get("workers").unwrap().value, Value::Int(4));
        assert!(
            matches!(r.get("workers").unwrap().origin, Origin::Env { ref var, .. } if var == "WEB_CONCURRENCY")
        );
        assert_eq!(
            r.get("bind").unwrap().value,
            Value::List(vec![Value::Str("0.0.0.0:5000".into())])
        );
        let t = r.get("timeout").unwrap();
        assert_eq!(t.value, secs(120));
        assert!(
            matches!(&t.origin, Origin::EnvDefault { var, span } if var == "GUNICORN_TIMEOUT" && &text[span.range()] == "int(os.environ.get('GUNICORN_TIMEOUT', '120'))")
        );
        let r = run(
            &c,
            &[("GUNICORN_TIMEOUT", "77")],
            ConfigFile::Default { conf: Some(&conf) },
        );
        let t = r.get("timeout").unwrap();
        assert_eq!(t.value, secs(77));
        assert!(
            matches!(&t.origin, Origin::Env { var, span } if var == "GUNICORN_TIMEOUT" && span.file == FileId(9))
        );
    }

    #[test]
    fn missing_explicit_config_makes_everything_unknown() {
        let c = case("gunicorn -c /etc/gunicorn/conf.py -t 45 app:app");
        let path = c.cli.last("config").unwrap().value.clone().unwrap();
        let r = run(
            &c,
            &[],
            ConfigFile::Explicit {
                path: &path,
                conf: None,
            },
        );
        assert_eq!(r.get("timeout").unwrap().value, secs(45));
        let Value::Unknown(why) = &r.get("keepalive").unwrap().value else {
            panic!()
        };
        assert_eq!(
            why,
            "set by /etc/gunicorn/conf.py, which is not in the repository"
        );
        assert!(
            matches!(r.get("keepalive").unwrap().origin, Origin::Cli { span } if &c.cmd[span.range()] == "-c /etc/gunicorn/conf.py")
        );
        assert_eq!(
            config_location(&c.cli, None).unwrap().text,
            "/etc/gunicorn/conf.py"
        );
    }

    #[test]
    fn threads_make_sync_gthread() {
        let c = case("gunicorn --threads 4 app:app");
        let r = run(&c, &[], ConfigFile::Default { conf: None });
        let wc = r.get("worker_class").unwrap();
        assert_eq!(wc.value, Value::Str("gthread".into()));
        assert!(matches!(wc.origin, Origin::Cli { span } if &c.cmd[span.range()] == "--threads 4"));
        assert_eq!(r.configured_worker_class.value, Value::Str("sync".into()));
        let c = case("gunicorn -k gunicorn.workers.ggevent.GeventWorker --threads 4 app:app");
        let r = run(&c, &[], ConfigFile::Default { conf: None });
        assert_eq!(
            r.get("worker_class").unwrap().value,
            Value::Str("gevent".into())
        );
        let c = case("gunicorn -k egg:gunicorn#sync --threads 4 app:app");
        let r = run(&c, &[], ConfigFile::Default { conf: None });
        assert_eq!(
            r.get("worker_class").unwrap().value,
            Value::Str("sync".into())
        );
    }

    #[test]
    fn rejected_values_and_usage_errors() {
        let c = case("gunicorn -t -5 app:app");
        let r = run(&c, &[], ConfigFile::Default { conf: None });
        assert_eq!(r.exit_status, Some(1));
        assert!(r.problems[0].message.contains("Value must be positive: -5"));
        // Validated once, on the last value.
        let c = case("gunicorn -t -5 -t 10 app:app");
        let r = run(&c, &[], ConfigFile::Default { conf: None });
        assert_eq!(r.exit_status, None);
        assert_eq!(r.get("timeout").unwrap().value, secs(10));
        let c = case("gunicorn --t 5 app:app");
        let r = run(&c, &[], ConfigFile::Default { conf: None });
        assert_eq!(r.exit_status, Some(2));
        let c = case("gunicorn app:app");
        let r = run(
            &c,
            &[("GUNICORN_CMD_ARGS", "--timeout '5")],
            ConfigFile::Default { conf: None },
        );
        assert_eq!(r.exit_status, Some(1));
        assert!(r.problems[0].message.contains("No closing quotation"));
        let c = case("gunicorn -t 5");
        let r = run(&c, &[], ConfigFile::Default { conf: None });
        assert!(
            r.problems[0]
                .message
                .contains("No application module specified.")
        );
    }

    #[test]
    fn binds_accumulate_per_source() {
        let conf = parse_pyconf(FileId(2), "bind = ['unix:/run/g.sock']\n");
        let c = case("gunicorn -b 0.0.0.0:80 --bind=[::]:80 app:app");
        let r = run(
            &c,
            &[("GUNICORN_CMD_ARGS", "-b 1.2.3.4:5")],
            ConfigFile::Default { conf: Some(&conf) },
        );
        assert_eq!(
            r.get("bind").unwrap().value,
            Value::List(vec![
                Value::Str("0.0.0.0:80".into()),
                Value::Str("[::]:80".into())
            ])
        );
        let c = case("gunicorn app:app");
        let r = run(
            &c,
            &[("GUNICORN_CMD_ARGS", "-b 1.2.3.4:5 -b 6.7.8.9:1")],
            ConfigFile::Default { conf: Some(&conf) },
        );
        assert_eq!(
            r.get("bind").unwrap().value,
            Value::List(vec![
                Value::Str("1.2.3.4:5".into()),
                Value::Str("6.7.8.9:1".into())
            ])
        );
    }

    #[test]
    fn branch_only_values_fall_back() {
        let conf = parse_pyconf(
            FileId(2),
            "import os\nif os.getenv('PROD'):\n    timeout = 90\n",
        );
        let c = case("gunicorn app:app");
        let r = run(&c, &[], ConfigFile::Default { conf: Some(&conf) });
        assert_eq!(
            r.get("timeout").unwrap().value,
            Value::OneOf(vec![secs(90), secs(30)])
        );
        let r = run(
            &c,
            &[("PROD", "1")],
            ConfigFile::Default { conf: Some(&conf) },
        );
        assert_eq!(r.get("timeout").unwrap().value, secs(90));
        let _ = &c.words;
    }
}
