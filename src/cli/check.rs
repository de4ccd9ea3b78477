//! `parity check`: runs the pipeline over the given paths.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::ExitStatus;
use crate::diag::Problem;
use crate::discovery::{self, FileKind, Inventory, WalkOptions};
use crate::finding::{Finding, Severity};
use crate::link::{self, Links};
use crate::model::{self, Model};
use crate::policy::config::{CONFIG_FILE, Config, ConfigError, Located, PYPROJECT_FILE};
use crate::policy::suppress::{self, CommentStyle, META_RULES, MetaRule, SuppressOptions};
use crate::policy::{self, PolicyError, PolicySet};
use crate::source_map::SourceMap;
use crate::sources::nginx::NginxVersion;
use crate::span::FileId;

/// Options of one run.
#[derive(Debug, Default)]
pub struct RunOptions {
    /// Rule ids to evaluate (`None` = all). Tests use this to run one rule alone.
    pub only_rules: Option<Vec<String>>,
    /// The configuration, command-line flags merged in ([`configure`]); the
    /// defaults when there is none.
    pub config: Config,
    /// Policies loaded from the configuration's `policies` directories.
    pub extra_policies: PolicySet,
    /// `--no-inline-ignores`: disregard every `parity: ignore` comment.
    pub no_inline_ignores: bool,
    /// The nginx version the configuration names (`nginx-version`).
    pub nginx_version: Option<NginxVersion>,
}

/// Command-line flags that find or override the configuration.
#[derive(Clone, Debug, Default)]
pub struct ConfigFlags {
    /// `--config FILE`: read this file instead of looking at the scanned roots.
    pub config: Option<PathBuf>,
    /// `--select`: replaces the configuration's `select`.
    pub select: Option<Vec<String>>,
    /// `--ignore`: replaces the configuration's `ignore`.
    pub ignore: Option<Vec<String>>,
    pub no_inline_ignores: bool,
}

/// The result of running the pipeline.
#[derive(Debug)]
pub struct Analysis {
    pub map: SourceMap,
    pub inventory: Inventory,
    pub model: Model,
    pub links: Links,
    pub policies: PolicySet,
    /// Sorted by primary location, then rule.
    pub findings: Vec<Finding>,
    /// Problems in input files, sorted by path and position.
    pub problems: Vec<Problem>,
    pub files_scanned: usize,
}

/// What stops a run before findings are produced (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    #[error(transparent)]
    Discovery(#[from] discovery::DiscoveryError),
    #[error("invalid policy:\n{0}")]
    Policy(#[from] Box<PolicyError>),
    #[error("invalid configuration: {0}")]
    Config(#[from] Box<ConfigError>),
}

impl Analysis {
    /// Exit status for a `--fail-on` threshold. File problems count as errors.
    #[must_use]
    pub fn status(&self, threshold: Option<Severity>) -> ExitStatus {
        let Some(threshold) = threshold else {
            return ExitStatus::Clean;
        };
        let failing = self
            .findings
            .iter()
            .any(|f| f.suppressed.is_none() && f.severity >= threshold)
            || (!self.problems.is_empty() && Severity::Error >= threshold);
        if failing {
            ExitStatus::Findings
        } else {
            ExitStatus::Clean
        }
    }
}

/// Discovers, parses, models, links and evaluates.
///
/// # Errors
/// An unreadable root, an invalid policy, or a configuration that names an
/// unknown rule, parameter or glob.
pub fn analyze(paths: &[PathBuf], options: &RunOptions) -> Result<Analysis, AnalyzeError> {
    let mut policies = policy::builtin()?;
    policies.extend(options.extra_policies.iter().cloned());
    let known: Vec<String> = policies
        .iter()
        .map(|p| p.id.clone())
        .chain(META_RULES.iter().map(|m| m.id.to_owned()))
        .collect();
    let meta_ids: Vec<&str> = META_RULES.iter().map(|m| m.id).collect();
    options.config.apply(&mut policies, &meta_ids)?;
    if let Some(only) = &options.only_rules {
        policies.retain(|p| only.iter().any(|id| id == &p.id));
    }
    let mut map = SourceMap::new();
    let walk = WalkOptions {
        nginx_sniff: crate::sources::nginx::looks_like_nginx,
        exclude: options.config.exclude_set()?,
    };
    let inventory = discovery::discover(paths, &walk, &mut map)?;
    let files_scanned = inventory.files.len();
    let model = model::build(&inventory, &mut map, options.nginx_version);
    let links = link::link(&model, &|f| map.get(f).path.clone());
    let mut findings = policy::evaluate(&policies, &model, &links, &map);
    findings.sort_by_cached_key(|f| f.sort_key(&map));
    findings.dedup_by(|a, b| a.rule == b.rule && a.primary == b.primary && a.related == b.related);
    if !options.no_inline_ignores {
        let report_as = |m: &MetaRule| {
            let selected = options.config.is_enabled(m.id)
                && options
                    .only_rules
                    .as_ref()
                    .is_none_or(|only| only.iter().any(|id| id == m.id));
            selected.then(|| options.config.severity_of(m.id).unwrap_or(m.severity))
        };
        let known: Vec<&str> = known.iter().map(String::as_str).collect();
        let ran: Vec<&str> = policies.iter().map(|p| p.id.as_str()).collect();
        let files = comment_styles(&inventory, &map, &model.k8s.embedded_files);
        suppress::apply(
            &mut findings,
            &files,
            &map,
            &SuppressOptions {
                known_rules: &known,
                ran_rules: &ran,
                unused: report_as(&suppress::UNUSED_SUPPRESSION),
                invalid: report_as(&suppress::INVALID_SUPPRESSION),
            },
        );
        findings.sort_by_cached_key(|f| f.sort_key(&map));
    }
    let mut problems = model.problems.clone();
    problems.sort_by_key(|p| {
        (
            map.get(p.file).path.clone(),
            p.span.map_or(0, |s| s.start),
            p.code,
        )
    });
    problems.dedup();
    Ok(Analysis {
        map,
        inventory,
        model,
        links,
        policies,
        findings,
        problems,
        files_scanned,
    })
}

/// How comments are written in each file parity read: by the kind discovery
/// gave it, else guessed from its name (files read because a config named them).
/// ConfigMap keys parity registered as files (`embedded`) are not scanned: no
/// finding points into them (their spans are the manifest's).
fn comment_styles(
    inventory: &Inventory,
    map: &SourceMap,
    embedded: &[FileId],
) -> Vec<(FileId, CommentStyle)> {
    let kinds: HashMap<FileId, FileKind> =
        inventory.files.iter().map(|d| (d.file, d.kind)).collect();
    map.files()
        .iter()
        .map(|f| {
            let style = match kinds.get(&f.id) {
                None if embedded.contains(&f.id) => CommentStyle::None,
                Some(FileKind::Nginx) => CommentStyle::Nginx,
                Some(FileKind::Compose | FileKind::Kubernetes | FileKind::UwsgiYaml) => {
                    CommentStyle::Yaml
                }
                Some(FileKind::Dockerfile) => CommentStyle::Dockerfile,
                Some(FileKind::Procfile | FileKind::DotEnv) => CommentStyle::Shell,
                Some(FileKind::GunicornConf) => CommentStyle::Python,
                Some(FileKind::UwsgiIni | FileKind::Supervisord | FileKind::Systemd) => {
                    CommentStyle::Ini
                }
                Some(FileKind::UwsgiXml | FileKind::UwsgiJson) => CommentStyle::None,
                None => CommentStyle::for_path(&f.path),
            };
            (f.id, style)
        })
        .collect()
}

/// `path` as shown in messages: `/` separators, no leading `./`.
fn display(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    let s = s.trim_start_matches("./").trim_end_matches('/');
    if s == "." {
        String::new()
    } else {
        s.to_owned()
    }
}

fn join_display(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

/// A configuration and the directory it was found in (absolute, and as shown).
struct Found {
    config: Config,
    dir: PathBuf,
    dir_display: String,
}

fn read_text(path: &Path, shown: &str) -> Result<String, Box<ConfigError>> {
    let bytes = std::fs::read(path)
        .map_err(|e| ConfigError::plain(format!("cannot read `{shown}`: {e}"), None))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Reads a configuration file: `[tool.parity]` of a `pyproject.toml`, else the whole file.
fn read_config(
    path: &Path,
    shown: &str,
    explicit: bool,
) -> Result<Option<Config>, Box<ConfigError>> {
    let text = read_text(path, shown)?;
    if path.file_name().is_some_and(|n| n == PYPROJECT_FILE) {
        let config = Config::from_pyproject(shown, &text)?;
        if config.is_none() && explicit {
            return Err(ConfigError::plain(
                format!("`{shown}` has no [tool.parity] table"),
                None,
            ));
        }
        return Ok(config);
    }
    Config::from_parity_toml(shown, &text).map(Some)
}

/// `--config FILE`, else `.parity.toml` (or `[tool.parity]` in `pyproject.toml`)
/// in the scanned roots (a file's directory for a file).
fn find_config(
    paths: &[PathBuf],
    explicit: Option<&Path>,
) -> Result<Option<Found>, Box<ConfigError>> {
    if let Some(file) = explicit {
        let shown = display(file);
        let dir_display = display(file.parent().unwrap_or(Path::new("")));
        let dir = file.parent().map_or(PathBuf::from("."), |p| {
            if p.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                p.to_path_buf()
            }
        });
        return Ok(read_config(file, &shown, true)?.map(|config| Found {
            config,
            dir,
            dir_display,
        }));
    }
    let mut found: Vec<Found> = Vec::new();
    let mut seen: Vec<PathBuf> = Vec::new();
    for given in paths {
        let dir = if given.is_file() {
            given.parent().map_or(PathBuf::from("."), |p| {
                if p.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    p.to_path_buf()
                }
            })
        } else {
            given.clone()
        };
        let Ok(canonical) = dir.canonicalize() else {
            // An unreadable root is reported by discovery.
            continue;
        };
        if seen.contains(&canonical) {
            continue;
        }
        seen.push(canonical);
        let dir_display = display(&dir);
        for name in [CONFIG_FILE, PYPROJECT_FILE] {
            let path = dir.join(name);
            if !path.is_file() {
                continue;
            }
            if let Some(config) = read_config(&path, &join_display(&dir_display, name), false)? {
                found.push(Found {
                    config,
                    dir: dir.clone(),
                    dir_display: dir_display.clone(),
                });
                break;
            }
        }
    }
    if found.len() > 1 {
        let files: Vec<String> = found
            .iter()
            .filter_map(|f| f.config.source.as_ref().map(|s| format!("`{}`", s.path)))
            .collect();
        return Err(ConfigError::plain(
            format!(
                "several scanned roots have a configuration: {}",
                files.join(", ")
            ),
            Some("choose one with --config FILE".into()),
        ));
    }
    Ok(found.pop())
}

/// Policy files (`*.yaml`, `*.yml`) under `dir`, sorted, recursively. Linked
/// directories are not entered (a link cycle would never end).
fn policy_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                stack.push(path);
            } else if path.is_file() && path.extension().is_some_and(|e| e == "yaml" || e == "yml")
            {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Loads the policies of the configuration's `policies` directories.
fn load_user_policies(found: &Found) -> Result<PolicySet, AnalyzeError> {
    let config = &found.config;
    let builtin_ids: Vec<String> = policy::builtin()?.into_iter().map(|p| p.id).collect();
    let mut out: PolicySet = Vec::new();
    for dir in &config.policies {
        let err = |msg: String, help: Option<String>| {
            AnalyzeError::Config(ConfigError::at(
                config.source.as_ref(),
                dir.range.clone(),
                msg,
                help,
            ))
        };
        let abs = found.dir.join(&dir.value);
        if !abs.is_dir() {
            return Err(err(
                format!("policy directory `{}` does not exist", dir.value),
                Some("policy directories are relative to the configuration file".into()),
            ));
        }
        let files = policy_files(&abs).map_err(|e| {
            err(
                format!("cannot read policy directory `{}`: {e}", dir.value),
                None,
            )
        })?;
        for file in files {
            let rel = file
                .strip_prefix(&abs)
                .map_or_else(|_| display(&file), display);
            let shown = join_display(
                &join_display(&found.dir_display, dir.value.trim_end_matches('/')),
                &rel,
            );
            let text = read_text(&file, &shown)?;
            let p = policy::load_policy(&shown, &text)?;
            if builtin_ids.contains(&p.id) {
                return Err(err(
                    format!("`{shown}` defines {}, a built-in rule", p.id),
                    Some("give your rules their own prefix, e.g. ACME-T001; change a built-in rule with [rules.<ID>]".into()),
                ));
            }
            if let Some(other) = out.iter().find(|o| o.id == p.id) {
                return Err(err(
                    format!(
                        "{} is defined twice: `{}` and `{shown}`",
                        p.id, other.source
                    ),
                    None,
                ));
            }
            out.push(p);
        }
    }
    Ok(out)
}

/// Finds and reads the configuration for `paths` (see [`ConfigFlags`]),
/// merges the command-line flags, and loads the user policies it names.
///
/// # Errors
/// An unreadable or invalid configuration or user policy.
pub fn configure(paths: &[PathBuf], flags: &ConfigFlags) -> Result<RunOptions, AnalyzeError> {
    let found = find_config(paths, flags.config.as_deref())?;
    let extra_policies = match &found {
        Some(f) => load_user_policies(f)?,
        None => Vec::new(),
    };
    let mut config = found.map(|f| f.config).unwrap_or_default();
    config.override_selection(flags.select.clone(), flags.ignore.clone());
    let nginx_version = config
        .nginx_version
        .as_ref()
        .map(|v: &Located<NginxVersion>| v.value);
    Ok(RunOptions {
        only_rules: None,
        config,
        extra_policies,
        no_inline_ignores: flags.no_inline_ignores,
        nginx_version,
    })
}
