//! Builds the [`Model`] from discovered files: every file is parsed by its
//! source (in parallel; a panic in one parser becomes a problem for that file
//! only), then compose services, Dockerfiles, Procfiles and gunicorn configs
//! are assembled into workloads and app servers.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};

use rayon::prelude::*;

use super::containerfs::{ContainerFs, normalize_rel};

// The Kubernetes part of the assembly lives in model/k8s.rs; declared here so
// that it shares the assembler's internals.
#[path = "k8s.rs"]
pub(super) mod k8s_build;
use super::{
    AppServer, Bind, ConfigItem, ConfigItemKind, Container, Env, Model, NginxDirective, NginxFile,
    NginxRun, Proxy, Settings, StopPath, Upstream, UpstreamServer, Workload, WorkloadKind,
};
use crate::diag::Problem;
use crate::discovery::{FileKind, Inventory};
use crate::origin::Origin;
use crate::source_map::SourceMap;
use crate::sources::{
    compose, dockerfile, dotenv, gunicorn, k8s, nginx, procfile, shell, supervisord, systemd,
    uwsgi, yaml,
};
use crate::span::{FileId, Span, Spanned};
use crate::value::{Millis, Setting, Value};

/// Compose's documented default `stop_grace_period`.
const COMPOSE_STOP_GRACE_SECS: u64 = 10;

enum Parsed {
    Nginx(nginx::NginxFile),
    Compose(compose::ComposeFile),
    Dockerfile(dockerfile::Dockerfile),
    Procfile(Vec<procfile::ProcfileEntry>, Vec<Problem>),
    Gunicorn(gunicorn::PyConf),
    K8s(k8s::K8sFile),
    /// Recognised; its source arrives in a later version.
    NotYetRead,
}

/// Parses every discovered file and assembles the model. `nginx_version` is the
/// version to assume when no nginx image tag in the repository pins one.
pub fn build(
    inv: &Inventory,
    map: &mut SourceMap,
    nginx_version: Option<nginx::NginxVersion>,
) -> Model {
    let shared: &SourceMap = map;
    let parsed: Vec<(FileId, FileKind, Parsed)> = inv
        .files
        .par_iter()
        .map(|d| {
            let result = catch_unwind(AssertUnwindSafe(|| parse_one(shared, d.file, d.kind)));
            let parsed = result.unwrap_or_else(|_| {
                Parsed::Procfile(
                    Vec::new(),
                    vec![Problem::file(
                        d.file,
                        crate::diag::PARSE_ERROR,
                        "internal error while reading this file (a bug in parity; please report it); the other files were still checked",
                    )],
                )
            });
            (d.file, d.kind, parsed)
        })
        .collect();

    let mut model = Model::default();
    let mut dockerfiles: HashMap<String, dockerfile::Dockerfile> = HashMap::new();
    let mut confs: HashMap<String, gunicorn::PyConf> = HashMap::new();
    let mut composes = Vec::new();
    let mut procfiles = Vec::new();
    let mut nginx_files = Vec::new();
    let mut host_units = Vec::new();
    let mut manifests = Vec::new();
    for (file, kind, p) in parsed {
        if matches!(kind, FileKind::Supervisord | FileKind::Systemd) {
            host_units.push((file, kind));
        }
        match p {
            Parsed::Nginx(parsed) => nginx_files.push((file, parsed)),
            Parsed::Compose(c) => composes.push((file, c)),
            Parsed::Dockerfile(d) => {
                model.problems.extend(d.problems.iter().cloned());
                dockerfiles.insert(shared.get(file).path.clone(), d);
            }
            Parsed::Procfile(entries, problems) => {
                model.problems.extend(problems);
                procfiles.push((file, entries));
            }
            Parsed::Gunicorn(conf) => {
                model.problems.extend(conf.problems.iter().cloned());
                confs.insert(shared.get(file).path.clone(), conf);
            }
            Parsed::K8s(k) => manifests.push((file, k)),
            Parsed::NotYetRead => {}
        }
    }
    for (file, c) in &mut composes {
        let dir = parent_dir(&map.get(*file).path);
        compose::resolve_extends(c, &mut |path| load_compose(inv, map, &dir, &path.value, 0));
    }
    let deployments = compose_deployments(inv, map, composes);
    let mut assembler = Assembler {
        built_images: std::collections::HashSet::new(),
        started_configs: std::collections::HashSet::new(),
        read_configs: std::collections::HashSet::new(),
        inv,
        map,
        confs,
        model,
    };
    assembler.add_nginx_configs(nginx_files, &deployments, &dockerfiles, nginx_version);
    for d in &deployments {
        assembler
            .model
            .problems
            .extend(d.compose.problems.iter().cloned());
        let mounted = d
            .compose
            .services
            .iter()
            .flat_map(|s| s.volumes.iter())
            .filter_map(|v| v.source.as_ref())
            .filter(|s| s.value.starts_with('.'))
            .map(|s| normalize_rel(&join_rel(&d.dir, &s.value)))
            .collect();
        let project = assembler.model.projects.len();
        let file = d.files.last().copied().unwrap_or(FileId(0));
        assembler.model.projects.push(super::Project {
            file,
            dir: d.dir.clone(),
            mounted,
        });
        for service in &d.compose.services {
            assembler.add_compose_service(d, project, service, &dockerfiles);
        }
    }
    for (file, entries) in procfiles {
        let project = assembler.model.projects.len();
        assembler.model.projects.push(super::Project {
            file,
            dir: parent_dir(&assembler.map.get(file).path),
            mounted: Vec::new(),
        });
        for entry in &entries {
            assembler.add_procfile_entry(file, project, entry);
        }
    }
    let mut images: Vec<(&String, &dockerfile::Dockerfile)> = dockerfiles.iter().collect();
    images.sort_by(|a, b| a.0.cmp(b.0));
    for (path, d) in images {
        assembler.add_image(path, d);
    }
    assembler.add_k8s(&manifests, nginx_version);
    for (file, kind) in host_units {
        assembler.add_host_units(file, kind);
    }
    assembler.place_nginx_files();
    assembler.add_unstarted_configs();
    assembler.model
}

/// The compose file names `docker compose` looks for in a directory, in its
/// order of preference (compose-go `cli.DefaultFileNames`): the first found
/// is the project's file.
const COMPOSE_DEFAULT_FILES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];

/// The override files merged onto it without `-f` (compose-go
/// `cli.DefaultOverrideFileNames`): the first found.
const COMPOSE_OVERRIDE_FILES: [&str; 4] = [
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

/// One compose deployment: its files merged in `-f` order.
struct Deployment {
    /// The files, in merge order.
    files: Vec<FileId>,
    /// The project directory (the first file's): relative paths in every
    /// file resolve against it.
    dir: String,
    compose: compose::ComposeFile,
}

/// Reads a compose file with the `.env` of `env_dir` (compose reads the
/// `.env` of the project directory).
fn parse_compose(map: &SourceMap, file: FileId, env_dir: &str) -> compose::ComposeFile {
    let env_path = join_rel(env_dir, ".env");
    let env: HashMap<String, String> = map
        .find(&env_path)
        .map(|f| {
            dotenv::parse(f.id, &f.text)
                .into_iter()
                .map(|l| (l.key, l.value))
                .collect()
        })
        .unwrap_or_default();
    let text = &map.get(file).text;
    compose::parse(file, text, &|k| env.get(k).cloned())
}

/// The compose file `rel` (relative to `dir`) named by `extends.file` or
/// `include`, read with its own `extends` resolved and its relative paths
/// rebased onto `dir`. `None` when it is not in the repository.
fn load_compose(
    inv: &Inventory,
    map: &mut SourceMap,
    dir: &str,
    rel: &str,
    depth: usize,
) -> Option<compose::ComposeFile> {
    if depth > 4 {
        return None;
    }
    let path = normalize_rel(&join_rel(dir, rel));
    let id = inv.load_extra(map, &path)?;
    let own_dir = parent_dir(&path);
    let mut f = parse_compose(map, id, &own_dir);
    compose::resolve_extends(&mut f, &mut |p| {
        load_compose(inv, map, &own_dir, &p.value, depth + 1)
    });
    let rel = rel.strip_prefix("./").unwrap_or(rel);
    compose::rebase_paths(&mut f, &parent_dir(rel));
    Some(f)
}

/// Groups compose files into deployments as `docker compose` would run them:
///
/// - in each directory, the first default file (`compose.yaml` ...) merged
///   with the first override file (`compose.override.yml` ...) is one
///   deployment, as `docker compose up` reads them without `-f`;
/// - another file of the directory is a deployment of its own
///   (`docker-compose.prod.yml`), unless it only overlays services of the
///   default file: a service in it with neither `image` nor `build` (nor
///   `extends`) cannot run alone (compose rejects it), so when the default
///   file of its directory (or of the parent directory, for an `overrides/`
///   folder) defines every such service, the file is read as
///   `-f default -f file`: the default file merged with it, a deployment of
///   its own, named by the overlay file;
/// - top-level `include:` adds the services of the included files.
fn compose_deployments(
    inv: &Inventory,
    map: &mut SourceMap,
    composes: Vec<(FileId, compose::ComposeFile)>,
) -> Vec<Deployment> {
    let paths: Vec<String> = composes
        .iter()
        .map(|(f, _)| map.get(*f).path.clone())
        .collect();
    // Index by (directory, file name): scanning every compose file for every
    // directory is quadratic in a monorepo.
    let mut by_place: HashMap<(String, String), usize> = HashMap::new();
    for (i, p) in paths.iter().enumerate() {
        let name = p.rsplit('/').next().unwrap_or(p).to_owned();
        by_place.entry((parent_dir(p), name)).or_insert(i);
    }
    let find_in = |dir: &str, names: &[&str]| -> Option<usize> {
        names
            .iter()
            .find_map(|n| by_place.get(&(dir.to_owned(), (*n).to_owned())).copied())
    };
    let mut dirs: Vec<String> = paths.iter().map(|p| parent_dir(p)).collect();
    dirs.sort();
    dirs.dedup();
    let mut used = vec![false; composes.len()];
    let mut out = Vec::new();
    for dir in &dirs {
        let base = find_in(dir, &COMPOSE_DEFAULT_FILES);
        let over = find_in(dir, &COMPOSE_OVERRIDE_FILES);
        let files: Vec<usize> = base.into_iter().chain(over).collect();
        if files.is_empty() {
            continue;
        }
        for &i in &files {
            used[i] = true;
        }
        let mut merged = composes[files[0]].1.clone();
        for &i in &files[1..] {
            merged = compose::merge(&merged, &composes[i].1);
        }
        out.push(Deployment {
            files: files.iter().map(|&i| composes[i].0).collect(),
            dir: dir.clone(),
            compose: merged,
        });
    }
    for (i, (file, c)) in composes.iter().enumerate() {
        if used[i] {
            continue;
        }
        let dir = parent_dir(&paths[i]);
        let base = find_in(&dir, &COMPOSE_DEFAULT_FILES).or_else(|| {
            (!dir.is_empty())
                .then(|| find_in(&parent_dir(&dir), &COMPOSE_DEFAULT_FILES))
                .flatten()
        });
        match base.filter(|&b| is_overlay(c, &composes[b].1)) {
            Some(b) => {
                let base_dir = parent_dir(&paths[b]);
                // Interpolated with the project's `.env`, as compose does.
                let overlay = if base_dir == dir {
                    c.clone()
                } else {
                    let mut o = parse_compose(map, *file, &base_dir);
                    compose::resolve_extends(&mut o, &mut |p| {
                        load_compose(inv, map, &dir, &p.value, 0)
                    });
                    o
                };
                out.push(Deployment {
                    files: vec![composes[b].0, *file],
                    dir: base_dir,
                    compose: compose::merge(&composes[b].1, &overlay),
                });
            }
            None => out.push(Deployment {
                files: vec![*file],
                dir,
                compose: c.clone(),
            }),
        }
    }
    for d in &mut out {
        let include = std::mem::take(&mut d.compose.include);
        for path in include {
            let Some(inc) = load_compose(inv, map, &d.dir, &path.value, 0) else {
                continue;
            };
            for s in inc.services {
                if !d
                    .compose
                    .services
                    .iter()
                    .any(|x| x.name.value == s.name.value)
                {
                    d.compose.services.push(s);
                }
            }
            d.compose.configs.extend(inc.configs);
        }
    }
    out
}

/// True when `file` only completes services of `base`: it has services with
/// neither `image`, `build` nor `extends`, and `base` defines all of them.
fn is_overlay(file: &compose::ComposeFile, base: &compose::ComposeFile) -> bool {
    let partial: Vec<&compose::Service> = file
        .services
        .iter()
        .filter(|s| !s.reset && s.image.is_none() && s.build.is_none() && s.extends.is_none())
        .collect();
    !partial.is_empty()
        && partial
            .iter()
            .all(|s| base.services.iter().any(|b| b.name.value == s.name.value))
}

fn parse_one(map: &SourceMap, file: FileId, kind: FileKind) -> Parsed {
    let src = map.get(file);
    let text: &str = &src.text;
    match kind {
        FileKind::Nginx => Parsed::Nginx(nginx::parse(file, text)),
        FileKind::Compose => Parsed::Compose(parse_compose(map, file, &parent_dir(&src.path))),
        FileKind::Dockerfile => Parsed::Dockerfile(dockerfile::parse(file, text)),
        FileKind::Procfile => {
            let (entries, problems) = procfile::parse(file, text);
            Parsed::Procfile(entries, problems)
        }
        FileKind::GunicornConf => Parsed::Gunicorn(gunicorn::parse_pyconf(file, text)),
        FileKind::Kubernetes => Parsed::K8s(k8s::parse(file, text)),
        _ => Parsed::NotYetRead,
    }
}

fn add_nginx(model: &mut Model, facts: nginx::routes::NginxFacts) {
    let base = model.upstreams.len();
    for route in facts.routes {
        let mut name = String::new();
        if let Some(sn) = route.server_names.first() {
            name.push_str(&format!("server {sn}"));
        } else if let Some(l) = route.listen.first() {
            name.push_str(&format!("server listening on {l}"));
        } else {
            name.push_str("server");
        }
        if let Some(loc) = &route.location {
            name.push_str(&format!(", location {}", loc.value));
        }
        let upstream = route.upstream.as_ref().and_then(|n| {
            facts
                .upstreams
                .iter()
                .position(|u| &u.name.value == n)
                .map(|i| base + i)
        });
        let mut settings = route.settings;
        if let Some(list) = &route.header_list {
            settings.extend(nginx::header_list_settings(list, route.pass.directive_span));
        }
        model.proxies.push(Proxy {
            tool: "nginx",
            file: route.pass.directive_span.file,
            name,
            family: route.pass.family.prefix(),
            target: Spanned::new(route.pass.target.value.clone(), route.pass.target.span),
            pass_span: route.pass.directive_span,
            settings,
            upstream,
        });
    }
    for up in facts.upstreams {
        model.upstreams.push(Upstream {
            file: up.name.span.file,
            name: up.name,
            servers: up
                .servers
                .into_iter()
                .map(|s| UpstreamServer {
                    host: s.host,
                    port: s.port,
                    unix_path: s.unix_path,
                    span: s.span,
                    settings: s.settings,
                })
                .collect(),
            settings: up.settings,
            implicit: up.implicit,
        });
    }
    for d in facts.directives {
        model.directives.push(NginxDirective {
            name: d.name,
            args: d.args,
            span: d.span,
            family: d.family.map(|(f, key)| (f.prefix(), key)),
            scope_families: d
                .scope_families
                .map(|fs| fs.iter().map(|f| f.prefix()).collect()),
            invalid: d.invalid.map(|(why, span)| Spanned::new(why, span)),
        });
    }
}

/// Serves include lookups from the scanned roots only (through the inventory).
pub struct RepoLoader<'a> {
    inv: &'a Inventory,
    map: std::cell::RefCell<&'a mut SourceMap>,
}

impl<'a> RepoLoader<'a> {
    #[must_use]
    pub fn new(inv: &'a Inventory, map: &'a mut SourceMap) -> Self {
        Self {
            inv,
            map: std::cell::RefCell::new(map),
        }
    }
}

impl nginx::IncludeLoader for RepoLoader<'_> {
    fn glob(&self, pattern: &str) -> Vec<String> {
        // Only paths under the pattern's literal leading directories can
        // match: a range of the sorted path set, not every path of the repo
        // for every include (which made big monorepos quadratic).
        let literal: Vec<&str> = pattern
            .split('/')
            .take_while(|c| !c.contains(['*', '?', '[', '\\']))
            .collect();
        let prefix = match literal.len() {
            0 => String::new(),
            n if n == pattern.split('/').count() => pattern.to_owned(),
            _ => format!("{}/", literal.join("/")),
        };
        let mut out: Vec<String> = self
            .inv
            .all_paths
            .range::<str, _>((
                std::ops::Bound::Included(prefix.as_str()),
                std::ops::Bound::Unbounded,
            ))
            .take_while(|p| p.starts_with(&prefix))
            .filter(|p| nginx::glob_matches(pattern, p))
            .cloned()
            .collect();
        out.sort();
        out
    }

    fn load(&self, path: &str) -> Option<nginx::LoadedFile> {
        let mut map = self.map.borrow_mut();
        let id = self.inv.load_extra(&mut map, path)?;
        let f = map.get(id);
        Some(nginx::LoadedFile {
            file: id,
            path: f.path.clone(),
            text: f.text.clone(),
        })
    }
}

/// An nginx container of a deployment: its version and which repo paths it mounts where.
struct NginxContainer {
    version: nginx::NginxVersion,
    /// (container path, repo path), from bind mounts and `COPY`.
    mounts: Vec<(String, String)>,
}

/// nginx containers by the repository paths they mount: the first container
/// (in order) mounting a file is found by looking up the file's ancestors,
/// not by asking every container about every file.
struct MountIndex {
    by_repo: HashMap<String, Vec<usize>>,
}

impl MountIndex {
    fn new(containers: &[NginxContainer]) -> Self {
        let mut by_repo: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, c) in containers.iter().enumerate() {
            for (_, r) in &c.mounts {
                by_repo.entry(r.clone()).or_default().push(i);
            }
        }
        MountIndex { by_repo }
    }

    /// The first container that mounts `repo_path` or a directory above it
    /// (`""` is the whole repository).
    fn first<'c>(
        &self,
        containers: &'c [NginxContainer],
        repo_path: &str,
    ) -> Option<&'c NginxContainer> {
        let mut ancestors = vec![repo_path.to_owned()];
        let mut dir = repo_path;
        while let Some((parent, _)) = dir.rsplit_once('/') {
            ancestors.push(parent.to_owned());
            dir = parent;
        }
        ancestors.push(String::new());
        ancestors
            .iter()
            .filter_map(|a| self.by_repo.get(a))
            .flatten()
            .min()
            .and_then(|&i| containers.get(i))
    }
}

struct Assembler<'a> {
    /// Dockerfiles a compose service builds (the others are images of their own).
    built_images: std::collections::HashSet<String>,
    /// supervisord files a container starts (not read again as host units).
    started_configs: std::collections::HashSet<String>,
    /// App-server config files some server reads (the others are servers of their own).
    read_configs: std::collections::HashSet<FileId>,
    inv: &'a Inventory,
    map: &'a mut SourceMap,
    confs: HashMap<String, gunicorn::PyConf>,
    model: Model,
}

/// A program of a supervisord file or the command of a systemd unit.
struct HostUnit {
    name: Spanned<String>,
    command: Option<yaml::Text>,
    directory: Option<yaml::Text>,
    environment: Vec<(String, yaml::Text)>,
    kind: WorkloadKind,
}

impl Assembler<'_> {
    /// Reads every nginx configuration: main files (`http {}`/`events {}`) with
    /// their includes resolved, and fragments no main file includes as if
    /// included into `http {}`. Defaults follow the version of the nginx image
    /// that mounts the file, when a deployment says so.
    fn add_nginx_configs(
        &mut self,
        files: Vec<(FileId, nginx::NginxFile)>,
        deployments: &[Deployment],
        dockerfiles: &HashMap<String, dockerfile::Dockerfile>,
        configured: Option<nginx::NginxVersion>,
    ) {
        let mut containers = nginx_containers(deployments, dockerfiles, &self.inv.all_paths);
        containers.extend(k8s_build::baked_nginx_images(dockerfiles));
        // The image tag that runs the file, else the configured version, else unknown.
        let mounting = MountIndex::new(&containers);
        let version_of = |path: &str| -> nginx::NginxVersion {
            mounting
                .first(&containers, path)
                .map(|c| c.version)
                .filter(|v| *v != nginx::NginxVersion::Unknown)
                .or(configured)
                .unwrap_or(nginx::NginxVersion::Unknown)
        };
        let mut covered = std::collections::HashSet::new();
        let mut problems = Vec::new();
        let mut facts = Vec::new();
        for (file, parsed) in &files {
            if !nginx::is_main_config(parsed) {
                continue;
            }
            let path = self.map.get(*file).path.clone();
            let dir = parent_dir(&path);
            let prefix_map: Vec<(String, String)> = mounting
                .first(&containers, &path)
                .map(|c| c.mounts.clone())
                .unwrap_or_else(|| vec![("/etc/nginx".to_owned(), dir.clone())]);
            let main = nginx::LoadedFile {
                file: *file,
                path: path.clone(),
                text: self.map.get(*file).text.clone(),
            };
            let loader = RepoLoader {
                inv: self.inv,
                map: std::cell::RefCell::new(&mut *self.map),
            };
            let config = nginx::load_config(&main, &loader, &prefix_map);
            covered.extend(config.files.iter().map(|(p, _)| p.clone()));
            let options = nginx::ExtractOptions {
                version: version_of(&path),
            };
            problems.extend(config.problems.iter().cloned());
            facts.push(nginx::extract_config(&config, &options));
        }
        for (file, parsed) in &files {
            let path = self.map.get(*file).path.clone();
            if covered.contains(&path) {
                continue;
            }
            problems.extend(parsed.problems.iter().cloned());
            let options = nginx::ExtractOptions {
                version: version_of(&path),
            };
            facts.push(nginx::extract_with(parsed, &options));
        }
        for mut f in facts {
            problems.append(&mut f.problems);
            add_nginx(&mut self.model, f);
        }
        // `server ${HOST}:${PORT}` in a template: keep the address as written
        // (the nginx reader cannot split it) so that linking can render it.
        for up in &mut self.model.upstreams {
            for s in &mut up.servers {
                if s.host.contains('$') && s.unix_path.is_none() {
                    let text = self.map.text(s.span);
                    if let Some(addr) = text.split_whitespace().nth(1) {
                        s.host = addr.trim_end_matches(';').to_owned();
                        s.port = None;
                    }
                }
            }
        }
        // One syntax error per file, as nginx reports it.
        let mut by_file: BTreeMap<FileId, Vec<Problem>> = BTreeMap::new();
        for p in problems {
            by_file.entry(p.file).or_default().push(p);
        }
        for (_, ps) in by_file {
            self.model.problems.extend(first_syntax_error_only(ps));
        }
    }

    fn add_compose_service(
        &mut self,
        deployment: &Deployment,
        project: usize,
        service: &compose::Service,
        dockerfiles: &HashMap<String, dockerfile::Dockerfile>,
    ) {
        let file = service.name.span.file;
        let compose_dir = deployment.dir.as_str();
        let mut hostnames = vec![service.name.value.clone()];
        for t in service
            .aliases
            .iter()
            .chain(service.container_name.iter())
            .chain(service.hostname.iter())
        {
            hostnames.push(t.value.clone());
        }
        let mut settings = Settings::new();
        let grace = match &service.stop_grace_period {
            Some((text, Ok(ms))) => {
                Setting::new(Value::Duration(*ms), Origin::File { span: text.span })
            }
            Some((text, Err(why))) => {
                self.model.problems.push(Problem::parse(
                    text.span,
                    format!("invalid stop_grace_period `{}`: {why}", text.value),
                ));
                Setting::new(
                    Value::Unknown(format!("invalid duration `{}`", text.value)),
                    Origin::File { span: text.span },
                )
            }
            None => Setting::new(
                Value::Duration(Millis::from_secs(COMPOSE_STOP_GRACE_SECS)),
                Origin::Default {
                    tool: "docker compose",
                    versions: "all versions",
                    anchor: Some(service.name.span),
                },
            ),
        };
        settings.insert("stop_grace_period", grace);

        if let Some(h) = &service.healthcheck {
            for (name, d) in [
                ("healthcheck_interval", &h.interval),
                ("healthcheck_timeout", &h.timeout),
                ("healthcheck_start_period", &h.start_period),
            ] {
                if let Some((text, Ok(ms))) = d {
                    settings.insert(
                        name,
                        Setting::new(Value::Duration(*ms), Origin::File { span: text.span }),
                    );
                }
            }
        }
        // The image this service builds, when its Dockerfile is in the repository.
        let built = service.build.as_ref().and_then(|b| {
            let context = normalize_rel(&join_rel(compose_dir, &b.context.value));
            let df = b
                .dockerfile
                .as_ref()
                .map_or_else(|| "Dockerfile".to_owned(), |d| d.value.clone());
            let path = normalize_rel(&join_rel(&context, &df));
            dockerfiles.get(&path).map(|d| (context, d))
        });
        let stage = built.as_ref().and_then(|(_, d)| d.stages.last());
        settings.insert(
            "stop_signal",
            container_stop_signal(service.stop_signal.as_ref(), stage, service.name.span),
        );

        let (fs, built) = service_fs(
            compose_dir,
            project,
            service,
            &deployment.compose.configs,
            dockerfiles,
            &self.inv.all_paths,
        );
        if let Some((context, _)) = &built {
            self.built_images
                .insert(normalize_rel(&join_rel(context, "Dockerfile")));
            self.built_images.extend(
                service
                    .build
                    .as_ref()
                    .and_then(|b| b.dockerfile.as_ref())
                    .map(|df| normalize_rel(&join_rel(context, &df.value))),
            );
        }
        let stage = built.as_ref().and_then(|(_, d)| d.stages.last());

        let mut env = Env::new();
        if let Some(stage) = stage {
            for (k, t) in &stage.env {
                env.insert(k.clone(), (t.value.clone(), t.span));
            }
        }
        // env_file first: `environment` wins over it, as in compose.
        let mut missing_env_files = Vec::new();
        for f in &service.env_files {
            let path = normalize_rel(&join_rel(compose_dir, &f.value));
            match self.inv.load_extra(self.map, &path) {
                Some(id) => {
                    let text = self.map.get(id).text.clone();
                    for line in dotenv::parse(id, &text) {
                        env.insert(line.key, (line.value, line.span));
                    }
                }
                None => missing_env_files.push(f.value.clone()),
            }
        }
        for e in &service.environment {
            if let Some(v) = &e.value {
                env.insert(e.name.clone(), (v.value.clone(), v.span));
            }
        }

        // Effective argv: compose entrypoint/command over the image's.
        let mut argv: Vec<shell::Word> = Vec::new();
        let entry_from_service = service
            .entrypoint
            .as_ref()
            .filter(|c| !matches!(c, compose::Command::Null));
        match entry_from_service {
            Some(c) => argv.extend(compose_words(c, &mut self.model.problems)),
            None => {
                if let Some(i) = stage.and_then(|s| s.entrypoint.as_ref()) {
                    argv.extend(instr_words(i));
                }
            }
        }
        match service
            .command
            .as_ref()
            .filter(|c| !matches!(c, compose::Command::Null))
        {
            Some(c) => argv.extend(compose_words(c, &mut self.model.problems)),
            None if entry_from_service.is_none() => {
                if let Some(i) = stage.and_then(|s| s.cmd.as_ref()) {
                    argv.extend(instr_words(i));
                }
            }
            None => {}
        }

        let workload_index = self.model.workloads.len();
        let servers = self.add_app_server(&argv, &env, &fs, Some(workload_index));
        for &si in &servers {
            for f in &missing_env_files {
                self.model.servers[si].notes.push(format!(
                    "env_file {f} is not in the repository: variables it may set (GUNICORN_CMD_ARGS, WEB_CONCURRENCY, UWSGI_*) are not seen"
                ));
            }
        }
        // The image the container runs: the service's, else the base of the built Dockerfile.
        let image = service.image.as_ref().map(|i| i.value.clone()).or_else(|| {
            built
                .as_ref()
                .and_then(|(_, d)| stage_chain(d).first().map(|s| s.from.value.clone()))
        });
        let image_entrypoint =
            entry_from_service.is_none() && stage.is_none_or(|s| s.entrypoint.is_none());
        let nginx = self.nginx_in(image.as_deref(), image_entrypoint, &argv, &fs, &env);
        let fs_for_runs = fs.clone();
        self.model.containers.push(Container {
            workload: Some(workload_index),
            project,
            name: format!("compose service `{}`", service.name.value),
            fs,
            env,
            nginx,
        });
        let runs = servers.is_empty().then(|| {
            describe_command(
                &argv,
                &fs_for_runs,
                &self.inv.all_paths,
                service.image.as_ref().map(|i| i.value.as_str()),
                match (&service.build, &built) {
                    (None, _) => Built::No,
                    (Some(_), Some(_)) => Built::Here,
                    (Some(_), None) => Built::DockerfileMissing,
                },
            )
        });
        self.model.workloads.push(Workload {
            kind: WorkloadKind::ComposeService,
            file,
            name: service.name.clone(),
            hostnames,
            settings,
            image: service.image.as_ref().map(|i| i.value.clone()),
            servers,
            project,
            runs,
        });
    }

    fn add_procfile_entry(
        &mut self,
        file: FileId,
        project: usize,
        entry: &procfile::ProcfileEntry,
    ) {
        // heroku-buildpack-nginx: `bin/start-nginx CMD` renders
        // config/nginx.conf.erb to config/nginx.conf, runs CMD (`exec $@`,
        // word-split without a shell) and nginx with that config, in one dyno.
        let words = shell::split_words(&entry.command.value, &|r| entry.command.span_of(r)).ok();
        let start_nginx = words.as_ref().and_then(|w| {
            let first = w.first()?;
            first
                .text
                .rsplit('/')
                .next()
                .is_some_and(|b| b.starts_with("start-nginx"))
                .then(|| w[1..].to_vec())
        });
        // Procfile commands run through a shell on Heroku-like platforms.
        let argv = start_nginx.clone().unwrap_or_else(|| sh_c(&entry.command));
        let dir = parent_dir(&self.map.get(file).path);
        let mut fs = ContainerFs::new("/app");
        fs.add("/app", &dir, "the Procfile's directory is the app root");
        let workload_index = self.model.workloads.len();
        let servers = self.add_app_server(&argv, &Env::new(), &fs, Some(workload_index));
        if !servers.is_empty() && start_nginx.is_some() {
            let erb = join_rel(&dir, "config/nginx.conf.erb");
            let main = if self.inv.all_paths.contains(&erb) {
                erb
            } else {
                join_rel(&dir, "config/nginx.conf")
            };
            self.model.containers.push(Container {
                workload: Some(workload_index),
                project,
                name: format!("Procfile process `{}`", entry.process.value),
                fs: fs.clone(),
                env: Env::new(),
                nginx: Some(NginxRun {
                    how: "bin/start-nginx (heroku-buildpack-nginx) runs nginx with config/nginx.conf in the same dyno".to_owned(),
                    files: Vec::new(),
                    templates: None,
                    reads_only: Some(vec![main]),
                }),
            });
        }
        // Heroku-like platforms signal every process of the dyno, not just the shell.
        self.signal_every_process(&servers);
        if !servers.is_empty() {
            // Process types are not network names: dynos do not resolve each other.
            let hostnames = Vec::new();
            self.model.workloads.push(Workload {
                kind: WorkloadKind::ProcfileProcess,
                file,
                name: entry.process.clone(),
                hostnames,
                settings: Settings::new(),
                image: None,
                servers,
                project,
                runs: None,
            });
        }
    }

    /// A Dockerfile no compose service builds: an image run elsewhere (`docker
    /// run`, Kubernetes). Its build context is taken to be its own directory
    /// (`docker build .`).
    fn add_image(&mut self, path: &str, d: &dockerfile::Dockerfile) {
        if self.built_images.contains(path) {
            return;
        }
        let Some(stage) = d.stages.last() else { return };
        let Some(file) = self.map.find(path).map(|f| f.id) else {
            return;
        };
        let context = parent_dir(path);
        let workdir = stage
            .workdir
            .as_ref()
            .map_or("/", |w| w.value.as_str())
            .to_owned();
        let mut fs = ContainerFs::new(&workdir);
        copy_into(&mut fs, &context, d, &self.inv.all_paths);
        let env: Env = stage
            .env
            .iter()
            .map(|(k, t)| (k.clone(), (t.value.clone(), t.span)))
            .collect();
        let mut argv = Vec::new();
        if let Some(i) = &stage.entrypoint {
            argv.extend(instr_words(i));
        }
        if let Some(i) = &stage.cmd {
            argv.extend(instr_words(i));
        }
        let workload_index = self.model.workloads.len();
        let servers = self.add_app_server(&argv, &env, &fs, Some(workload_index));
        if servers.is_empty() {
            return;
        }
        let project = self.model.projects.len();
        self.model.projects.push(super::Project {
            file,
            dir: context,
            mounted: Vec::new(),
        });
        let image = stage_chain(d).first().map(|s| s.from.value.clone());
        let nginx = self.nginx_in(
            image.as_deref(),
            stage.entrypoint.is_none(),
            &argv,
            &fs,
            &env,
        );
        self.model.containers.push(Container {
            workload: Some(workload_index),
            project,
            name: format!("the image of {path}"),
            fs,
            env,
            nginx,
        });
        let mut settings = Settings::new();
        settings.insert(
            "stop_signal",
            container_stop_signal(None, Some(stage), stage.span),
        );
        self.model.workloads.push(Workload {
            kind: WorkloadKind::Image,
            file,
            name: Spanned::new(format!("the image of {path}"), stage.span),
            hostnames: Vec::new(),
            settings,
            image: Some(stage.from.value.clone()),
            servers,
            project,
            runs: None,
        });
    }

    /// A supervisord file or systemd unit that no container starts: programs on
    /// a host, whose files parity cannot see (`exhaustive = false`).
    fn add_host_units(&mut self, file: FileId, kind: FileKind) {
        if self.started_configs.contains(&self.map.get(file).path) {
            return;
        }
        let text = self.map.get(file).text.clone();
        let project = self.model.projects.len();
        self.model.projects.push(super::Project {
            file,
            dir: parent_dir(&self.map.get(file).path),
            mounted: Vec::new(),
        });
        let units: Vec<HostUnit> = match kind {
            FileKind::Supervisord => {
                let (programs, problems) = supervisord::parse(file, &text);
                self.model.problems.extend(problems);
                programs
                    .into_iter()
                    .map(|p| HostUnit {
                        name: p.name,
                        command: p.command,
                        directory: p.directory,
                        environment: p.environment,
                        kind: WorkloadKind::SupervisordProgram,
                    })
                    .collect()
            }
            FileKind::Systemd => {
                let (svc, problems) = systemd::parse(file, &text);
                self.model.problems.extend(problems);
                let name = self
                    .map
                    .get(file)
                    .path
                    .rsplit('/')
                    .next()
                    .unwrap_or("")
                    .to_owned();
                let anchor = svc.span.unwrap_or(Span::new(file, 0, 0));
                svc.exec_start
                    .into_iter()
                    .map(|c| HostUnit {
                        name: Spanned::new(name.clone(), anchor),
                        command: Some(c),
                        directory: svc.working_directory.clone(),
                        environment: svc.environment.clone(),
                        kind: WorkloadKind::SystemdService,
                    })
                    .collect()
            }
            _ => Vec::new(),
        };
        for HostUnit {
            name,
            command,
            directory,
            environment,
            kind: wkind,
        } in units
        {
            let Some(command) = command else { continue };
            let mut fs = ContainerFs::new(directory.as_ref().map_or("/", |d| d.value.as_str()));
            fs.exhaustive = false;
            let env: Env = environment
                .iter()
                .map(|(k, t)| (k.clone(), (t.value.clone(), t.span)))
                .collect();
            let argv = match shell::split_words(&command.value, &|r| command.span_of(r)) {
                Ok(w) => w,
                Err(e) => {
                    self.model.problems.push(Problem::parse(e.span, e.message));
                    continue;
                }
            };
            let workload_index = self.model.workloads.len();
            let servers = self.add_app_server(&argv, &env, &fs, Some(workload_index));
            if servers.is_empty() {
                continue;
            }
            if wkind == WorkloadKind::SystemdService {
                // systemd's default KillMode=control-group signals every process of the unit.
                self.signal_every_process(&servers);
            }
            self.model.workloads.push(Workload {
                kind: wkind,
                file,
                name,
                hostnames: Vec::new(),
                settings: Settings::new(),
                image: None,
                servers,
                project,
                runs: None,
            });
        }
    }

    /// Whether nginx runs in a container of `image` started with `argv`, and
    /// how parity knows. `image_entrypoint`: the image's own ENTRYPOINT is
    /// kept (the official image's entrypoint renders templates only then, and
    /// only when the command is `nginx` or `nginx-debug`).
    fn nginx_in(
        &mut self,
        image: Option<&str>,
        image_entrypoint: bool,
        argv: &[shell::Word],
        fs: &ContainerFs,
        env: &Env,
    ) -> Option<NginxRun> {
        let base = |w: &shell::Word| w.text.rsplit('/').next().unwrap_or("").to_owned();
        if let Some(image) = image.filter(|i| nginx::nginx_image(i).is_some()) {
            let starts_nginx = argv
                .first()
                .is_none_or(|w| matches!(base(w).as_str(), "nginx" | "nginx-debug"));
            let templates = (image_entrypoint
                && starts_nginx
                && official_nginx_image(image)
                && nginx::version_from_image(image).side_of((1, 19, 0))
                    != nginx::version::Side::Before)
                .then(|| {
                    let get = |k: &str, d: &str| {
                        env.get(k).map_or_else(|| d.to_owned(), |(v, _)| v.clone())
                    };
                    (
                        get("NGINX_ENVSUBST_TEMPLATE_DIR", "/etc/nginx/templates"),
                        get("NGINX_ENVSUBST_TEMPLATE_SUFFIX", ".template"),
                        get("NGINX_ENVSUBST_OUTPUT_DIR", "/etc/nginx/conf.d"),
                    )
                });
            return Some(NginxRun {
                how: format!("the {image} image runs nginx"),
                files: Vec::new(),
                templates,
                reads_only: None,
            });
        }
        let how = if invocation(argv, &["nginx", "nginx-debug"]).is_some() {
            Some("its command runs nginx".to_owned())
        } else if let Some(inv) = invocation(argv, &["supervisord"]) {
            let conf = inv
                .args
                .iter()
                .position(|a| a.text == "-c" || a.text == "--configuration")
                .and_then(|i| inv.args.get(i + 1))
                .map_or("/etc/supervisor/supervisord.conf".to_owned(), |w| {
                    w.text.clone()
                });
            fs.resolve(&conf, &self.inv.all_paths)
                .and_then(|(repo, _)| {
                    let id = self.inv.load_extra(self.map, &repo)?;
                    let (programs, _) = supervisord::parse(id, &self.map.get(id).text);
                    programs
                        .iter()
                        .find(|p| {
                            p.command.as_ref().is_some_and(|c| {
                                shell::split_words(&c.value, &|r| c.span_of(r))
                                    .ok()
                                    .is_some_and(|w| invocation(&w, &["nginx"]).is_some())
                            })
                        })
                        .map(|p| format!("supervisord program `{}` ({repo})", p.name.value))
                })
        } else {
            // A start script that runs nginx (and, usually, the app server).
            let first = argv.first()?;
            let script = if ["sh", "bash", "dash", "ash"].contains(&base(first).as_str()) {
                argv.get(1).filter(|w| !w.text.starts_with('-'))?
            } else {
                first
            };
            let (repo, _) = fs.resolve(&script.text, &self.inv.all_paths)?;
            let id = self.inv.load_extra(self.map, &repo)?;
            let text = self.map.get(id).text.clone();
            let at = |r: Range<usize>| Span::new(id, r.start, r.end);
            (!text.contains('\0')
                && shell::find_invocation_in_script(&text, &at, &["nginx"]).is_some())
            .then(|| format!("{repo} starts nginx"))
        };
        how.map(|how| NginxRun {
            how,
            files: Vec::new(),
            templates: None,
            reads_only: None,
        })
    }

    /// Records which repository nginx files each nginx container reads, and
    /// where: the files some proxy or upstream is defined in.
    fn place_nginx_files(&mut self) {
        let mut files: Vec<FileId> = self
            .model
            .proxies
            .iter()
            .map(|p| p.file)
            .chain(self.model.upstreams.iter().map(|u| u.file))
            .collect();
        files.sort();
        files.dedup();
        let paths: Vec<String> = files
            .iter()
            .map(|f| self.map.get(*f).path.clone())
            .collect();
        for c in &mut self.model.containers {
            let Some(run) = &mut c.nginx else { continue };
            for repo in &paths {
                if run
                    .reads_only
                    .as_ref()
                    .is_some_and(|only| !only.contains(repo))
                {
                    continue;
                }
                let placed = c.fs.container_paths(repo, &self.inv.all_paths);
                let template_at = |path: &str| {
                    run.templates.as_ref().is_some_and(|(dir, suffix, _)| {
                        path.starts_with(&format!("{}/", dir.trim_end_matches('/')))
                            && path.ends_with(suffix.as_str())
                    })
                };
                // A template, else a place under /etc/nginx, else the first.
                let best = placed
                    .iter()
                    .find(|(p, _)| template_at(p))
                    .or_else(|| placed.iter().find(|(p, _)| p.starts_with("/etc/nginx/")))
                    .or_else(|| placed.first());
                if let Some((path, _)) = best {
                    run.files.push(NginxFile {
                        repo: repo.clone(),
                        path: path.clone(),
                        template: template_at(path),
                    });
                } else if run.reads_only.is_some() {
                    run.files.push(NginxFile {
                        repo: repo.clone(),
                        path: c.fs.absolute(repo),
                        template: false,
                    });
                }
            }
        }
    }

    /// The stop signal reaches these servers whatever shell started them.
    fn signal_every_process(&mut self, servers: &[usize]) {
        for &si in servers {
            if let Some(s) = self.model.servers.get_mut(si)
                && matches!(s.stop_path, StopPath::Shell(_))
            {
                s.stop_path = StopPath::Direct;
            }
        }
    }

    /// `supervisord -c conf/supervisord.conf` inside a container: one server per program.
    fn through_supervisord(
        &mut self,
        argv: &[shell::Word],
        env: &Env,
        fs: &ContainerFs,
        workload: Option<usize>,
    ) -> Vec<usize> {
        let Some(inv) = invocation(argv, &["supervisord"]) else {
            return Vec::new();
        };
        let conf = inv
            .args
            .iter()
            .position(|a| a.text == "-c" || a.text == "--configuration")
            .and_then(|i| inv.args.get(i + 1))
            .map_or("/etc/supervisor/supervisord.conf".to_owned(), |w| {
                w.text.clone()
            });
        let Some((repo, _)) = fs.resolve(&conf, &self.inv.all_paths) else {
            return Vec::new();
        };
        self.started_configs.insert(repo.clone());
        let Some(id) = self.inv.load_extra(self.map, &repo) else {
            return Vec::new();
        };
        let text = self.map.get(id).text.clone();
        let (programs, problems) = supervisord::parse(id, &text);
        self.model.problems.extend(problems);
        let mut servers = Vec::new();
        for p in programs {
            let Some(command) = &p.command else { continue };
            let Ok(words) = shell::split_words(&command.value, &|r| command.span_of(r)) else {
                continue;
            };
            let mut env = env.clone();
            for (k, t) in &p.environment {
                env.insert(k.clone(), (t.value.clone(), t.span));
            }
            let mut pfs = fs.clone();
            if let Some(d) = &p.directory {
                pfs.workdir = fs.absolute(&d.value);
            }
            let started = self.add_app_server(&words, &env, &pfs, workload);
            for &si in &started {
                if let Some(server) = self.model.servers.get_mut(si)
                    && server.stop_path == StopPath::Direct
                {
                    server.stop_path = StopPath::Supervisor(supervisor_stop_signal(&p));
                }
            }
            servers.extend(started);
        }
        servers
    }

    /// Recognises the app server `argv` starts (gunicorn or uWSGI) and resolves its settings.
    fn add_app_server(
        &mut self,
        argv: &[shell::Word],
        env: &Env,
        fs: &ContainerFs,
        workload: Option<usize>,
    ) -> Vec<usize> {
        let (argv, script_shell) = self.through_entrypoint_script(argv, fs, 0);
        if let Some(s) = self
            .add_gunicorn(&argv, env, fs, workload)
            .or_else(|| self.add_uwsgi(&argv, env, fs, workload))
        {
            if let Some(server) = self.model.servers.get_mut(s) {
                server.stop_path = match script_shell {
                    Some(wrapper) => StopPath::Shell(wrapper),
                    None => argv_stop_path(&argv, server.kind),
                };
            }
            return vec![s];
        }
        self.through_supervisord(&argv, env, fs, workload)
    }

    /// `ENTRYPOINT ["/docker-entrypoint.sh"]` (or `sh start.sh`): when the
    /// program is a script that reaches the container, the server is whatever
    /// the script starts. `"$@"` in that command stands for the remaining
    /// arguments; a script that only does `exec "$@"` hands over to them.
    /// Also returns the script that keeps running between the signal and the
    /// server (it starts it without `exec` and traps no TERM), if any.
    fn through_entrypoint_script(
        &mut self,
        argv: &[shell::Word],
        fs: &ContainerFs,
        depth: usize,
    ) -> (Vec<shell::Word>, Option<Spanned<String>>) {
        const SHELLS: [&str; 4] = ["sh", "bash", "dash", "ash"];
        let Some(first) = argv.first() else {
            return (Vec::new(), None);
        };
        let base = |w: &shell::Word| w.text.rsplit('/').next().unwrap_or("").to_owned();
        let (script, rest) = if SHELLS.contains(&base(first).as_str())
            && argv.get(1).is_some_and(|w| !w.text.starts_with('-'))
        {
            (&argv[1], &argv[2..])
        } else {
            (first, &argv[1..])
        };
        if depth > 4
            || script.has_expansion()
            || ["gunicorn", "uwsgi"].contains(&base(script).as_str())
        {
            return (argv.to_vec(), None);
        }
        let Some((repo, _)) = fs.resolve(&script.text, &self.inv.all_paths) else {
            return (argv.to_vec(), None);
        };
        let Some(id) = self.inv.load_extra(self.map, &repo) else {
            return (argv.to_vec(), None);
        };
        let text = self.map.get(id).text.clone();
        // Only text files that read like shell scripts.
        if text.contains('\0') || !(repo.ends_with(".sh") || text.starts_with("#!")) {
            return (argv.to_vec(), None);
        }
        let at = |r: Range<usize>| Span::new(id, r.start, r.end);
        let commands = shell::parse_script(&text, &at).unwrap_or_default();
        let traps_term = commands.iter().any(traps_term);
        if let Some(inv) = shell::find_invocation_in_script(&text, &at, &["gunicorn", "uwsgi"]) {
            let stays = (!inv.exec && !traps_term).then(|| {
                let span = inv
                    .args
                    .last()
                    .map_or(inv.program.span, |a| inv.program.span.to(a.span));
                Spanned::new(
                    format!(
                        "entrypoint script {repo}, which runs {} without `exec`{}",
                        base(&inv.program),
                        if inv.background {
                            " (in the background)"
                        } else {
                            ""
                        }
                    ),
                    span,
                )
            });
            let mut out: Vec<shell::Word> = inv
                .env
                .iter()
                .map(|(k, w)| shell::Word::new(format!("{k}={}", w.text), w.span))
                .collect();
            out.push(inv.program.clone());
            for a in &inv.args {
                if a.text == "$@" || a.text == "$*" {
                    out.extend(rest.iter().cloned());
                } else {
                    out.push(a.clone());
                }
            }
            return (out, stays);
        }
        if text.contains("\"$@\"") || text.contains("exec $@") {
            // The command that runs the arguments: with `exec` the script
            // hands over; without, the script's shell stays the parent.
            let handover = commands
                .iter()
                .find(|c| c.words.iter().any(|w| w.text == "$@" || w.text == "$*"));
            let stays = handover.filter(|c| !c.exec && !traps_term).map(|c| {
                let span = match (c.words.first(), c.words.last()) {
                    (Some(a), Some(b)) => a.span.to(b.span),
                    _ => Span::new(id, 0, 0),
                };
                Spanned::new(
                    format!(
                        "entrypoint script {repo}, which runs its arguments (\"$@\") without `exec`"
                    ),
                    span,
                )
            });
            let (words, inner) = self.through_entrypoint_script(rest, fs, depth + 1);
            return (words, stays.or(inner));
        }
        (argv.to_vec(), None)
    }

    /// The environment an invocation runs with (its `VAR=x` prefixes over the
    /// deployment's), the span defaults point at, and the command's text.
    fn invocation_context(&self, inv: &shell::Invocation, env: &Env) -> (Env, Span, String) {
        let mut env = env.clone();
        for (k, w) in &inv.env {
            env.insert(k.clone(), (w.text.clone(), w.span));
        }
        let anchor = inv
            .args
            .last()
            .map_or(inv.program.span, |last| inv.program.span.to(last.span));
        (env, anchor, self.map.text(anchor).to_owned())
    }

    /// Recognises a uWSGI invocation and resolves its options (files are looked
    /// up inside the container, then in the repository).
    fn add_uwsgi(
        &mut self,
        argv: &[shell::Word],
        env: &Env,
        fs: &ContainerFs,
        workload: Option<usize>,
    ) -> Option<usize> {
        let inv = invocation(argv, &["uwsgi"])?;
        let (env, anchor, command_text) = self.invocation_context(&inv, env);
        let lookup = |name: &str| env.get(name).cloned();
        let inventory = self.inv;
        let map = std::cell::RefCell::new(&mut *self.map);
        let load = |path: &str| -> Option<uwsgi::LoadedFile> {
            let (repo, _) = fs.resolve(path, &inventory.all_paths)?;
            let mut map = map.borrow_mut();
            let id = inventory.load_extra(&mut map, &repo)?;
            Some((id, map.get(id).text.clone(), repo))
        };
        let resolved = uwsgi::resolve(&uwsgi::UwsgiInputs {
            args: &inv.args,
            env: &lookup,
            load: &load,
            anchor,
        });
        self.model
            .problems
            .extend(resolved.problems.iter().cloned());
        let mut notes: Vec<String> = resolved
            .unresolved
            .iter()
            .map(|u| format!("config file {} does not resolve to a file in the repository; what it sets is unknown", u.value))
            .collect();
        let mut binds = Vec::new();
        for (protocol, address, _) in &resolved.protocols {
            notes.push(format!("serves {protocol} on {address}"));
            binds.push(absolute_socket(uwsgi_bind(address), fs));
        }
        let binds = if resolved.unresolved.is_empty() || !binds.is_empty() {
            Some(binds)
        } else {
            None
        };
        self.read_configs
            .extend(resolved.config_files.iter().copied());
        let config_items = uwsgi_config_items(&resolved);
        let index = self.model.servers.len();
        self.model.servers.push(AppServer {
            kind: "uwsgi",
            workload,
            command: Spanned::new(command_text, anchor),
            settings: resolved.settings,
            binds,
            config_file: resolved.config_files.first().copied(),
            unknown_settings: resolved.placeholders,
            notes,
            config_items,
            stop_path: StopPath::Direct,
        });
        Some(index)
    }

    /// Recognises a gunicorn invocation in `argv` and resolves its settings.
    fn add_gunicorn(
        &mut self,
        argv: &[shell::Word],
        env: &Env,
        fs: &ContainerFs,
        workload: Option<usize>,
    ) -> Option<usize> {
        let inv = invocation(argv, &["gunicorn"])?;
        // The shell expands `$VAR` before gunicorn sees its arguments: expand what
        // the deployment sets visibly; an option whose value needs a variable
        // parity cannot see is unknown, not an invalid command line.
        let (args, unresolved) = expand_words(&inv.args, env);
        // Which setting each unresolved word feeds: parse with a placeholder value.
        let probe: Vec<shell::Word> = args
            .iter()
            .map(|w| {
                if !unresolved.contains(&w.span) {
                    return w.clone();
                }
                match w.text.split_once('=').filter(|(f, _)| f.starts_with('-')) {
                    Some((flag, _)) => shell::Word::new(format!("{flag}=1"), w.span),
                    None => shell::Word::new("1".to_owned(), w.span),
                }
            })
            .collect();
        let raw = gunicorn::parse_args(&probe);
        let unknown_opts: Vec<(&'static str, Span, String)> = raw
            .options
            .iter()
            .filter_map(|o| {
                let v = o.value.as_ref()?;
                let word = unresolved
                    .iter()
                    .find(|u| u.start <= v.span.start && v.span.end <= u.end)?;
                let original = args
                    .iter()
                    .find(|w| w.span == *word)
                    .map_or_else(String::new, |w| w.text.clone());
                Some((o.name, o.span, original))
            })
            .collect();
        let args: Vec<shell::Word> = args
            .into_iter()
            .filter(|w| {
                !unknown_opts
                    .iter()
                    .any(|(_, span, _)| span.start <= w.span.start && w.span.end <= span.end)
            })
            .collect();
        let cli = gunicorn::parse_args(&args);
        let (env, anchor, command_text) = self.invocation_context(&inv, env);

        let mut notes = Vec::new();
        let mut config_file = None;
        let cmd_args_word = env
            .get("GUNICORN_CMD_ARGS")
            .map(|(v, span)| shell::Word::new(v.clone(), *span));
        // The last -c on the command line, else one inside GUNICORN_CMD_ARGS.
        let mut explicit = gunicorn::config_location(&cli, cmd_args_word.as_ref());
        // Resolve the config file inside the container to a repository file.
        let conf_key: Option<String> = match &explicit {
            Some(path) => {
                let p = path.text.strip_prefix("file:").unwrap_or(&path.text);
                let found = self.resolve_in_container(p, fs);
                match &found {
                    Some((repo, how)) => notes.push(format!("config file {p} is {repo} ({how})")),
                    None => notes.push(format!(
                        "config file {p} does not resolve to a file in the repository; what it sets is unknown"
                    )),
                }
                found.map(|(repo, _)| repo)
            }
            None => {
                let found = self.resolve_in_container("gunicorn.conf.py", fs);
                match &found {
                    Some((repo, how)) => {
                        notes.push(format!("default ./gunicorn.conf.py is {repo} ({how})"))
                    }
                    None if fs.exhaustive => notes.push(
                        "no gunicorn.conf.py reaches the container; gunicorn defaults apply"
                            .to_owned(),
                    ),
                    None => {
                        // On a host any file may exist in the working directory.
                        notes.push(format!(
                            "parity cannot see the files of this host or image: whether {}/gunicorn.conf.py exists, and what it would set, is unknown",
                            fs.workdir.trim_end_matches('/')
                        ));
                        explicit = Some(shell::Word::new(
                            "./gunicorn.conf.py".to_owned(),
                            inv.program.span,
                        ));
                    }
                }
                found.map(|(repo, _)| repo)
            }
        };
        if let Some(key) = &conf_key {
            self.ensure_conf(key);
            config_file = self.map.find(key).map(|f| f.id);
        }
        let conf = conf_key.as_ref().and_then(|k| self.confs.get(k));
        let config = match &explicit {
            Some(path) => gunicorn::ConfigFile::Explicit { path, conf },
            None => gunicorn::ConfigFile::Default { conf },
        };
        let lookup = |name: &str| env.get(name).cloned();
        let resolved = gunicorn::resolve(&gunicorn::GunicornInputs {
            cli: &cli,
            cmd_args_env: cmd_args_word.as_ref(),
            config,
            env: &lookup,
            anchor,
        });
        self.model
            .problems
            .extend(resolved.problems.iter().cloned());
        let mut settings = resolved.settings;
        for (name, span, text) in unknown_opts {
            settings.insert(
                name,
                Setting::new(
                    Value::Unknown(format!("`{text}` is expanded when the container starts, from a variable parity cannot see")),
                    Origin::Cli { span },
                ),
            );
        }
        self.read_configs.extend(config_file);
        let binds = binds_of(settings.get("bind"))
            .map(|bs| bs.into_iter().map(|b| absolute_socket(b, fs)).collect());
        let config_items = resolved
            .unknown_names
            .iter()
            .map(|n| ConfigItem {
                kind: ConfigItemKind::UnknownSetting,
                name: n.clone(),
                value: None,
                suggestion: gunicorn::settings::suggest(&n.value),
                referenced: false,
            })
            .collect();
        let index = self.model.servers.len();
        self.model.servers.push(AppServer {
            kind: "gunicorn",
            workload,
            command: Spanned::new(command_text, anchor),
            settings,
            binds,
            config_file,
            unknown_settings: resolved.unknown_names,
            notes,
            config_items,
            stop_path: StopPath::Direct,
        });
        Some(index)
    }

    /// App-server config files that no command in the repository starts (a
    /// `gunicorn.conf.py` or `uwsgi.ini` found on its own): each is read as a
    /// server of its own, outside any workload, with no command line and no
    /// known environment, so rules about the file itself still apply.
    fn add_unstarted_configs(&mut self) {
        let files: Vec<(FileId, FileKind)> =
            self.inv.files.iter().map(|d| (d.file, d.kind)).collect();
        let note = || {
            "no command in the repository starts this file: it is read on its own, without a command line or a known environment".to_owned()
        };
        let mut uwsgi_files = Vec::new();
        for (file, kind) in files {
            if self.read_configs.contains(&file) {
                continue;
            }
            let path = self.map.get(file).path.clone();
            let anchor = Span::new(file, 0, 0);
            let format_flag = match kind {
                FileKind::GunicornConf => {
                    let Some(conf) = self.confs.get(&path) else {
                        continue;
                    };
                    let cli = gunicorn::parse_args(&[]);
                    let word = shell::Word::new(path.clone(), anchor);
                    let resolved = gunicorn::resolve(&gunicorn::GunicornInputs {
                        cli: &cli,
                        cmd_args_env: None,
                        config: gunicorn::ConfigFile::Explicit {
                            path: &word,
                            conf: Some(conf),
                        },
                        env: &|_| None,
                        anchor,
                    });
                    let config_items = resolved
                        .unknown_names
                        .iter()
                        .map(|n| ConfigItem {
                            kind: ConfigItemKind::UnknownSetting,
                            name: n.clone(),
                            value: None,
                            suggestion: gunicorn::settings::suggest(&n.value),
                            referenced: false,
                        })
                        .collect();
                    let binds = binds_of(resolved.settings.get("bind"));
                    self.model.servers.push(AppServer {
                        kind: "gunicorn",
                        workload: None,
                        command: Spanned::new(String::new(), anchor),
                        settings: resolved.settings,
                        binds,
                        config_file: Some(file),
                        unknown_settings: resolved.unknown_names,
                        notes: vec![note()],
                        config_items,
                        stop_path: StopPath::Direct,
                    });
                    continue;
                }
                FileKind::UwsgiIni => "--ini",
                FileKind::UwsgiYaml => "--yaml",
                FileKind::UwsgiXml => "--xml",
                FileKind::UwsgiJson => "--json",
                _ => continue,
            };
            // The file is named by an absolute path with the repository as
            // `/`, so `%d` (its directory) names repository files; names
            // relative to the unknown working directory stay unresolved.
            let args = [
                shell::Word::new(format_flag.to_owned(), anchor),
                shell::Word::new(format!("/{path}"), anchor),
            ];
            let inventory = self.inv;
            let map = std::cell::RefCell::new(&mut *self.map);
            let load = |p: &str| -> Option<uwsgi::LoadedFile> {
                let p = normalize_rel(p.strip_prefix('/')?);
                let mut map = map.borrow_mut();
                let id = inventory.load_extra(&mut map, &p)?;
                Some((id, map.get(id).text.clone(), p))
            };
            let resolved = uwsgi::resolve(&uwsgi::UwsgiInputs {
                args: &args,
                env: &|_| None,
                load: &load,
                anchor,
            });
            uwsgi_files.push((file, resolved));
        }
        // A file another one includes is read as part of it, not on its own.
        let included: std::collections::HashSet<FileId> = uwsgi_files
            .iter()
            .flat_map(|(f, r)| r.config_files.iter().filter(move |c| *c != f).copied())
            .collect();
        for (file, resolved) in uwsgi_files {
            if included.contains(&file) {
                continue;
            }
            // Problems are left to the servers that really read the file: a
            // file read on its own may be an include of an unseen command.
            let mut notes = vec![note()];
            notes.extend(resolved.unresolved.iter().map(|u| {
                format!(
                    "{} is named relative to the working directory, which is unknown for a file read on its own",
                    u.value
                )
            }));
            let config_items = uwsgi_config_items(&resolved);
            let binds = resolved
                .protocols
                .iter()
                .map(|(_, address, _)| uwsgi_bind(address))
                .collect();
            self.model.servers.push(AppServer {
                kind: "uwsgi",
                workload: None,
                command: Spanned::new(String::new(), Span::new(file, 0, 0)),
                settings: resolved.settings,
                binds: Some(binds),
                config_file: Some(file),
                unknown_settings: resolved.placeholders,
                notes,
                config_items,
                stop_path: StopPath::Direct,
            });
        }
    }

    fn resolve_in_container(&self, path: &str, fs: &ContainerFs) -> Option<(String, String)> {
        fs.resolve(path, &self.inv.all_paths)
    }

    /// Parses a gunicorn config file that discovery did not classify by name.
    fn ensure_conf(&mut self, repo_path: &str) {
        if self.confs.contains_key(repo_path) {
            return;
        }
        if let Some(id) = self.inv.load_extra(self.map, repo_path) {
            let text = self.map.get(id).text.clone();
            let conf = catch_unwind(AssertUnwindSafe(|| gunicorn::parse_pyconf(id, &text)));
            if let Ok(conf) = conf {
                self.model.problems.extend(conf.problems.iter().cloned());
                self.confs.insert(repo_path.to_owned(), conf);
            }
        }
    }
}

/// nginx stops at the first syntax error; what follows it is mostly cascade.
/// Keep the first parse error of a file (saying how many followed) and every
/// other problem.
fn first_syntax_error_only(mut problems: Vec<Problem>) -> Vec<Problem> {
    // nginx reads in order: an end-of-file error is found last, whatever its span points at.
    problems.sort_by_key(|p| {
        (
            p.message.starts_with("unexpected end of file"),
            p.span.map_or(0, |s| s.start),
        )
    });
    let parse_errors = problems
        .iter()
        .filter(|p| p.code == crate::diag::PARSE_ERROR)
        .count();
    if parse_errors <= 1 {
        return problems;
    }
    let mut out = Vec::new();
    let mut seen_first = false;
    for mut p in problems {
        if p.code == crate::diag::PARSE_ERROR {
            if seen_first {
                continue;
            }
            seen_first = true;
            p.message.push_str(&format!(
                " ({} more error{} in this file, probably caused by this one)",
                parse_errors - 1,
                if parse_errors == 2 { "" } else { "s" }
            ));
        }
        out.push(p);
    }
    out
}

/// nginx containers of the deployments: services whose image (or built
/// Dockerfile's base image) is nginx, with their mounts.
fn nginx_containers(
    deployments: &[Deployment],
    dockerfiles: &HashMap<String, dockerfile::Dockerfile>,
    repo_files: &std::collections::BTreeSet<String>,
) -> Vec<NginxContainer> {
    let mut out = Vec::new();
    for d in deployments {
        for s in &d.compose.services {
            let (fs, built) = service_fs(&d.dir, 0, s, &d.compose.configs, dockerfiles, repo_files);
            let base = built
                .as_ref()
                .and_then(|(_, df)| stage_chain(df).first().map(|st| st.from.value.clone()));
            let version = match (&s.image, &base) {
                (Some(image), _) if nginx::nginx_image(&image.value).is_some() => {
                    nginx::version_from_image(&image.value)
                }
                (_, Some(from)) if nginx::nginx_image(from).is_some() => {
                    nginx::version_from_image(from)
                }
                _ => continue,
            };
            let mounts = fs
                .mounts()
                .map(|(c, r)| (c.to_owned(), r.to_owned()))
                .collect();
            out.push(NginxContainer { version, mounts });
        }
    }
    out
}

/// The official nginx image (and its unprivileged variant), whose entrypoint
/// renders `/etc/nginx/templates/*.template` (docker-nginx
/// `entrypoint/20-envsubst-on-templates.sh`, images 1.19 and later).
fn official_nginx_image(image: &str) -> bool {
    let image = image
        .split('@')
        .next()
        .unwrap_or(image)
        .to_ascii_lowercase();
    let last_slash = image.rfind('/').map_or(0, |i| i + 1);
    let repo = match image[last_slash..].rfind(':') {
        Some(i) => &image[..last_slash + i],
        None => image.as_str(),
    };
    matches!(
        repo,
        "nginx"
            | "library/nginx"
            | "docker.io/nginx"
            | "docker.io/library/nginx"
            | "index.docker.io/library/nginx"
            | "public.ecr.aws/nginx/nginx"
            | "mirror.gcr.io/library/nginx"
            | "nginxinc/nginx-unprivileged"
            | "docker.io/nginxinc/nginx-unprivileged"
    )
}

/// The files of a compose service's container: what its image's Dockerfile
/// (when in the repository) copies in, bind mounts of repository paths,
/// `configs` read from repository files, and the mounts it may share with
/// other containers (named volumes, host directories). Also returns the
/// built image's context and Dockerfile.
fn service_fs<'d>(
    dir: &str,
    project: usize,
    service: &compose::Service,
    configs: &[compose::ConfigDef],
    dockerfiles: &'d HashMap<String, dockerfile::Dockerfile>,
    repo_files: &std::collections::BTreeSet<String>,
) -> (ContainerFs, Option<(String, &'d dockerfile::Dockerfile)>) {
    let built = service.build.as_ref().and_then(|b| {
        let context = normalize_rel(&join_rel(dir, &b.context.value));
        let df = b
            .dockerfile
            .as_ref()
            .map_or_else(|| "Dockerfile".to_owned(), |d| d.value.clone());
        let path = normalize_rel(&join_rel(&context, &df));
        dockerfiles.get(&path).map(|d| (context, d))
    });
    let stage = built.as_ref().and_then(|(_, d)| d.stages.last());
    let workdir = service
        .working_dir
        .as_ref()
        .map(|w| w.value.clone())
        .or_else(|| stage.and_then(|s| s.workdir.as_ref().map(|w| w.value.clone())))
        .unwrap_or_else(|| "/".to_owned());
    let mut fs = ContainerFs::new(&workdir);
    if let Some((context, d)) = &built {
        copy_into(&mut fs, context, d, repo_files);
    }
    for v in &service.volumes {
        let Some(source) = &v.source else { continue };
        let s = source.value.as_str();
        let kind = v.kind.as_ref().map(|k| k.value.as_str());
        if matches!(kind, Some("tmpfs" | "npipe" | "cluster" | "image")) || s.is_empty() {
            continue;
        }
        let target = &v.target.value;
        if s.starts_with('.') {
            // Only bind mounts of repository paths carry repo files into the container.
            let repo = normalize_rel(&join_rel(dir, s));
            fs.add(target, &repo, format!("volume {s}:{target}"));
            fs.add_shared(target, format!("repo:{repo}"));
        } else if s.starts_with('/') || s.starts_with('~') {
            fs.add_shared(target, format!("host:{s}"));
        } else if kind == Some("bind") {
            let repo = normalize_rel(&join_rel(dir, s));
            fs.add(target, &repo, format!("volume {s}:{target}"));
            fs.add_shared(target, format!("repo:{repo}"));
        } else {
            // A named volume of this deployment.
            fs.add_shared(target, format!("volume:{project}:{s}"));
        }
    }
    for (source, target) in &service.configs {
        let Some(file) = configs
            .iter()
            .find(|c| c.name.value == source.value)
            .and_then(|c| c.file.as_ref())
        else {
            continue;
        };
        let repo = normalize_rel(&join_rel(dir, &file.value));
        let target = target
            .as_ref()
            .map_or_else(|| format!("/{}", source.value), |t| t.value.clone());
        fs.add(&target, &repo, format!("config {}", source.value));
    }
    (fs, built)
}

/// The invocation of one of `programs` in `argv`, looking through the wrappers
/// the shell source knows and, failing that, through an unknown exec-style
/// wrapper (`init-env supervisord ...`, `chamber exec -- gunicorn ...`): a later
/// word that is exactly the program starts it.
fn invocation(argv: &[shell::Word], programs: &[&str]) -> Option<shell::Invocation> {
    if let Some(inv) = shell::find_invocation(argv, programs) {
        return Some(inv);
    }
    let base = |w: &shell::Word| w.text.rsplit('/').next().unwrap_or("").to_owned();
    let at = argv
        .iter()
        .enumerate()
        .skip(1)
        .find(|(_, w)| !w.has_expansion() && programs.contains(&base(w).as_str()))
        .map(|(i, _)| i)?;
    let mut inv = shell::find_invocation(&argv[at..], programs)?;
    inv.via.insert(0, argv[0].text.clone());
    Some(inv)
}

/// Records where `COPY`/`ADD` put repository files in the image, along the
/// final stage's chain of base stages.
fn copy_into(
    fs: &mut ContainerFs,
    context: &str,
    d: &dockerfile::Dockerfile,
    repo_files: &std::collections::BTreeSet<String>,
) {
    for copy in stage_chain(d).iter().flat_map(|s| s.copies.iter()) {
        if copy.from.is_some() {
            continue;
        }
        for src in &copy.sources {
            let repo = normalize_rel(&join_rel(context, &src.value));
            let dest = copy.dest.value.clone();
            // `COPY dir/ /dest/` copies the directory's contents; `COPY file /dest/` keeps the name.
            let prefix = format!("{repo}/");
            let is_dir_copy = repo.is_empty()
                || repo_files
                    .range(prefix.clone()..)
                    .next()
                    .is_some_and(|p| p.starts_with(&prefix));
            let target = if !is_dir_copy && dest.ends_with('/') {
                format!("{dest}{}", repo.rsplit('/').next().unwrap_or(""))
            } else {
                dest
            };
            let how = format!(
                "{} {} {}",
                if copy.add { "ADD" } else { "COPY" },
                src.value,
                copy.dest.value
            );
            fs.add(&target, &repo, how);
        }
    }
}

/// The final stage and the stages it is built on, base first.
fn stage_chain(d: &dockerfile::Dockerfile) -> Vec<&dockerfile::Stage> {
    let mut chain = Vec::new();
    let mut next = d.stages.len().checked_sub(1);
    while let Some(i) = next {
        let Some(stage) = d.stages.get(i) else { break };
        if chain.len() > d.stages.len() {
            break;
        }
        chain.push(stage);
        next = stage.base_stage.filter(|&b| b < i);
    }
    chain.reverse();
    chain
}

/// A unix socket path made absolute against the server's working directory
/// (a relative path names a file there); abstract sockets (`@name`) stay.
fn absolute_socket(mut b: Bind, fs: &ContainerFs) -> Bind {
    if let Some(p) = &b.unix_path
        && !p.starts_with('/')
        && !p.starts_with('@')
    {
        b.unix_path = Some(fs.absolute(p.strip_prefix("./").unwrap_or(p)));
    }
    b
}

/// A script that traps TERM (`trap ... TERM`) deals with the stop signal
/// itself (typically forwarding it, or a graceful command, to a background server).
fn traps_term(c: &shell::SimpleCommand) -> bool {
    c.words.first().is_some_and(|w| w.text == "trap")
        && c.words.iter().skip(2).any(|w| {
            matches!(
                w.text.to_ascii_uppercase().as_str(),
                "TERM" | "SIGTERM" | "15" | "EXIT" | "0"
            )
        })
}

/// How the stop signal reaches a server started by `argv` (after entrypoint
/// scripts): through every wrapper that `exec`s, or to a shell that stays
/// its parent. dash (Debian's `/bin/sh`) and busybox run a `-c` string's last
/// command as a child; bash (5.1+, and any version for a single simple
/// command) `exec`s the last command of a `-c` string.
fn argv_stop_path(argv: &[shell::Word], kind: &str) -> StopPath {
    let Some(inv) = invocation(argv, &[kind]) else {
        return StopPath::Direct;
    };
    if inv.exec {
        return StopPath::Direct;
    }
    let Some(label) = inv.via.iter().rev().find(|v| v.ends_with(" -c")) else {
        return StopPath::Direct;
    };
    let prog = inv.program.span;
    // The `-c` string holding the server command.
    let Some(string) = argv.iter().find(|w| {
        w.span.file == prog.file
            && w.span.start <= prog.start
            && prog.end <= w.span.end
            && w.span.start < w.span.end
    }) else {
        return StopPath::Direct;
    };
    if label == "bash -c" {
        let commands =
            shell::parse_script(&string.text, &|r| string.span_of(r)).unwrap_or_default();
        let last_runs_server = commands.last().is_some_and(|c| {
            c.within.is_empty() && !c.background && c.words.iter().any(|w| w.span == prog)
        });
        if last_runs_server {
            return StopPath::Direct;
        }
    }
    let synthetic = argv.first().is_some_and(|w| w.span.start == w.span.end);
    let (text, span) = match argv.first() {
        Some(_) if synthetic => (
            "`/bin/sh -c` (a shell-form command)".to_owned(),
            string.span,
        ),
        Some(first)
            if first.span.file == string.span.file && first.span.start <= string.span.start =>
        {
            (format!("`{label}`"), first.span.to(string.span))
        }
        _ => (format!("`{label}`"), string.span),
    };
    let text = if inv.background {
        format!("{text}, which starts it in the background")
    } else {
        text
    };
    StopPath::Shell(Spanned::new(text, span))
}

/// A signal as Docker, compose and supervisord read it: `TERM`, `SIGTERM`,
/// `sigterm` and `15` are all `SIGTERM`.
fn normalize_signal(raw: &str) -> String {
    let t = raw.trim().to_ascii_uppercase();
    let by_number = match t.as_str() {
        "1" => Some("SIGHUP"),
        "2" => Some("SIGINT"),
        "3" => Some("SIGQUIT"),
        "9" => Some("SIGKILL"),
        "10" => Some("SIGUSR1"),
        "12" => Some("SIGUSR2"),
        "15" => Some("SIGTERM"),
        "28" => Some("SIGWINCH"),
        _ => None,
    };
    match by_number {
        Some(s) => s.to_owned(),
        None if t.starts_with("SIG") => t,
        None => format!("SIG{t}"),
    }
}

/// The signal supervisord stops a program with (`stopsignal`, default TERM).
fn supervisor_stop_signal(p: &supervisord::Program) -> Setting {
    match &p.stopsignal {
        Some(t) => Setting::new(
            Value::Str(normalize_signal(&t.value)),
            Origin::File { span: t.span },
        ),
        None => Setting::new(
            Value::Str("SIGTERM".to_owned()),
            Origin::Default {
                tool: "supervisord",
                versions: "stopsignal, all versions",
                anchor: Some(p.name.span),
            },
        ),
    }
}

/// The stop signal of a container: compose `stop_signal`, else the image's
/// `STOPSIGNAL` (when its Dockerfile is in the repository), else SIGTERM.
fn container_stop_signal(
    explicit: Option<&yaml::Text>,
    stage: Option<&dockerfile::Stage>,
    anchor: Span,
) -> Setting {
    if let Some(t) = explicit.or_else(|| stage.and_then(|s| s.stopsignal.as_ref())) {
        return Setting::new(
            Value::Str(normalize_signal(&t.value)),
            Origin::File { span: t.span },
        );
    }
    Setting::new(
        Value::Str("SIGTERM".to_owned()),
        Origin::Default {
            tool: "Docker",
            versions: "unless the image sets STOPSIGNAL",
            anchor: Some(anchor),
        },
    )
}

/// The keys uWSGI keeps as placeholders and the immediate options holding
/// `$(VAR)`, one item each, with the value written and a suggestion.
fn uwsgi_config_items(resolved: &uwsgi::ResolvedUwsgi) -> Vec<ConfigItem> {
    let value_at = |key: &str, span: Span| {
        resolved
            .options
            .iter()
            .find(|o| o.key == key && (o.key_span == Some(span) || o.origin.span() == Some(span)))
            .and_then(|o| o.value.clone())
    };
    let mut items: Vec<ConfigItem> = resolved
        .placeholders
        .iter()
        .map(|p| ConfigItem {
            kind: ConfigItemKind::UnknownSetting,
            name: p.clone(),
            value: value_at(&p.value, p.span),
            suggestion: resolved
                .near_misses
                .iter()
                .find(|(n, _)| n == p)
                .map(|(_, s)| *s)
                .or_else(|| uwsgi::options::suggest(&p.value)),
            referenced: resolved.referenced.contains(&p.value),
        })
        .collect();
    items.extend(resolved.immediate_env.iter().map(|o| ConfigItem {
        kind: ConfigItemKind::EnvInImmediateOption,
        name: o.clone(),
        value: value_at(&o.value, o.span),
        suggestion: None,
        referenced: false,
    }));
    items
}

/// Whether a compose service's image is built from a Dockerfile parity read.
#[derive(Clone, Copy)]
enum Built {
    No,
    Here,
    DockerfileMissing,
}

/// What a container runs, for a workload where no app server was recognised:
/// said where a link stops there, so the user knows whether parity could not
/// see the command or saw one that is no app server.
fn describe_command(
    argv: &[shell::Word],
    fs: &ContainerFs,
    repo_files: &BTreeSet<String>,
    image: Option<&str>,
    built: Built,
) -> String {
    let Some(first) = argv.first() else {
        return match (built, image) {
            (Built::Here, _) => "its base image's command, which parity cannot see (neither the service nor the Dockerfile it builds sets CMD or ENTRYPOINT)".to_owned(),
            (Built::DockerfileMissing, _) => "the command of an image built from a Dockerfile that is not in the repository, which parity cannot see".to_owned(),
            (Built::No, Some(image)) => format!(
                "its image's own command ({image}, not built from this repository), which parity cannot see"
            ),
            (Built::No, None) => "no command and no image in this file (another compose file must supply them)".to_owned(),
        };
    };
    let base = |w: &shell::Word| w.text.rsplit('/').next().unwrap_or("").to_owned();
    let script = if ["sh", "bash", "dash", "ash"].contains(&base(first).as_str()) {
        argv.get(1)
            .filter(|w| !w.text.starts_with('-'))
            .unwrap_or(first)
    } else {
        first
    };
    let looks_like_file = script.text.contains('/') || script.text.ends_with(".sh");
    if looks_like_file && !script.has_expansion() && fs.resolve(&script.text, repo_files).is_none()
    {
        return format!(
            "`{}`, a file that is not in the repository (it comes with the image), so parity cannot see what it starts",
            script.text
        );
    }
    let mut shown: String = argv
        .iter()
        .map(|w| w.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    if shown.chars().count() > 80 {
        shown = shown.chars().take(77).collect::<String>() + "...";
    }
    format!("`{shown}`, which is no app server parity reads (gunicorn, uWSGI)")
}

/// A uWSGI socket address: `:3031`, `0.0.0.0:3031`, `/run/app.sock`, `@abstract`.
fn uwsgi_bind(address: &str) -> Bind {
    if address.starts_with('/')
        || address.starts_with('.')
        || address.starts_with('@')
        || !address.contains(':')
    {
        return Bind {
            host: String::new(),
            port: None,
            unix_path: Some(address.to_owned()),
        };
    }
    let (host, port) = address.rsplit_once(':').unwrap_or(("", address));
    Bind {
        host: host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned(),
        port: port.parse().ok(),
        unix_path: None,
    }
}

/// Expands `$VAR`, `${VAR}`, `${VAR:-default}` and `${VAR-default}` in words
/// as the shell would, from the environment parity knows. Returns the words
/// and the spans of words that still depend on something unseen (an unknown
/// variable, `$(...)`, backquotes).
fn expand_words(words: &[shell::Word], env: &Env) -> (Vec<shell::Word>, Vec<Span>) {
    let mut out = Vec::with_capacity(words.len());
    let mut unresolved = Vec::new();
    for w in words {
        if !w.has_expansion() {
            out.push(w.clone());
            continue;
        }
        match expand_text(&w.text, env) {
            Some(text) => out.push(shell::Word::new(text, w.span)),
            None => {
                unresolved.push(w.span);
                out.push(w.clone());
            }
        }
    }
    (out, unresolved)
}

fn expand_text(text: &str, env: &Env) -> Option<String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(['$', '`']) {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        if after.starts_with('`') || after.starts_with("$(") {
            return None;
        }
        let tail = &after[1..];
        if let Some(body) = tail.strip_prefix('{') {
            let end = body.find('}')?;
            let inner = &body[..end];
            let (name, default) = match inner.find([':', '-']) {
                Some(j) => (
                    &inner[..j],
                    Some(inner[j..].trim_start_matches(':').trim_start_matches('-')),
                ),
                None => (inner, None),
            };
            match (env.get(name), default) {
                (Some((v, _)), _) => out.push_str(v),
                (None, Some(d)) => out.push_str(d),
                (None, None) => return None,
            }
            rest = &body[end + 1..];
        } else {
            let len = tail
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(tail.len());
            if len == 0 {
                out.push('$');
                rest = tail;
                continue;
            }
            out.push_str(&env.get(&tail[..len])?.0);
            rest = &tail[len..];
        }
    }
    out.push_str(rest);
    Some(out)
}

fn binds_of(setting: Option<&Setting>) -> Option<Vec<Bind>> {
    let setting = setting?;
    let strs: Vec<&Value> = match &setting.value {
        Value::List(items) => items.iter().collect(),
        Value::Str(_) => vec![&setting.value],
        _ => return None,
    };
    let mut out = Vec::new();
    for v in strs {
        match v {
            Value::Str(s) => out.push(Bind::parse_gunicorn(s)),
            _ => return None,
        }
    }
    Some(out)
}

/// Words of a compose `command`/`entrypoint`: the string form is split like a
/// shell would split it (compose does not run a shell), the list form is used as is.
fn compose_words(c: &compose::Command, problems: &mut Vec<Problem>) -> Vec<shell::Word> {
    match c {
        compose::Command::Shell(text) => {
            match shell::split_words(&text.value, &|r| text.span_of(r)) {
                Ok(w) => w,
                Err(e) => {
                    problems.push(Problem::parse(e.span, e.message));
                    Vec::new()
                }
            }
        }
        compose::Command::Exec(items) => items.iter().map(text_word).collect(),
        compose::Command::Null => Vec::new(),
    }
}

/// Words of a Dockerfile CMD/ENTRYPOINT: exec form as is, shell form run by `/bin/sh -c`.
fn instr_words(i: &dockerfile::Instr) -> Vec<shell::Word> {
    match i {
        dockerfile::Instr::Exec(items) => items.iter().map(text_word).collect(),
        dockerfile::Instr::Shell(text) => sh_c(text),
    }
}

/// `/bin/sh -c TEXT`: how shell-form commands run.
fn sh_c(text: &yaml::Text) -> Vec<shell::Word> {
    let at = Span::new(
        text.span.file,
        text.span.start as usize,
        text.span.start as usize,
    );
    vec![
        shell::Word::new("/bin/sh".to_owned(), at),
        shell::Word::new("-c".to_owned(), at),
        text_word(text),
    ]
}

fn text_word(t: &yaml::Text) -> shell::Word {
    shell::Word::from_mapped(&t.value, &|r: Range<usize>| t.span_of(r))
}

fn parent_dir(path: &str) -> String {
    path.rsplit_once('/')
        .map_or(String::new(), |(d, _)| d.to_owned())
}

fn join_rel(dir: &str, rel: &str) -> String {
    if dir.is_empty() {
        rel.to_owned()
    } else {
        format!("{dir}/{rel}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gunicorn_bind_forms() {
        assert_eq!(Bind::parse_gunicorn("0.0.0.0:8000").port, Some(8000));
        assert_eq!(Bind::parse_gunicorn(":8000").host, "");
        assert!(Bind::parse_gunicorn("127.0.0.1:8000").is_loopback());
        assert_eq!(Bind::parse_gunicorn("[::]:9000").port, Some(9000));
        assert_eq!(
            Bind::parse_gunicorn("unix:/tmp/g.sock")
                .unix_path
                .as_deref(),
            Some("/tmp/g.sock")
        );
        // gunicorn reads a bare number as a host name and keeps the default port.
        assert_eq!(Bind::parse_gunicorn("8000").host, "8000");
    }
}
