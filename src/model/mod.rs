//! Model: the normalised pieces of request paths, built from the sources'
//! facts. Every setting carries its value and origin ([`Setting`]).
//!
//! - [`Proxy`]: a caller hop (an nginx location that forwards upstream);
//! - [`Upstream`]: a named group of servers a proxy may forward to;
//! - [`Workload`]: where a process runs (a compose service, a Kubernetes container, ...);
//! - [`AppServer`]: an app-server instance (gunicorn) with resolved settings;
//! - [`K8sModel`]: Kubernetes Services, pod templates and Ingress routes.
//!
//! Linking them is the next stage ([`crate::link`]).

mod build;
mod containerfs;

use std::collections::BTreeMap;

pub use build::k8s_build::{
    Ignored, IgnoredValue, IngressControllerScope, IngressRoute, K8sModel, NamedPort, Pod,
    PodContainer, Service, ServicePort, ServiceRef, TargetPort, manifest_affinity, scope_dir,
};
pub use build::{RepoLoader, build};
pub use containerfs::ContainerFs;

use crate::diag::Problem;
use crate::span::{FileId, Span, Spanned};
use crate::value::Setting;

/// Settings by their tool-independent name (`read_timeout`, `timeout`, ...).
pub type Settings = BTreeMap<&'static str, Setting>;

/// Everything the sources established, ready to link.
#[derive(Debug, Default)]
pub struct Model {
    pub proxies: Vec<Proxy>,
    pub upstreams: Vec<Upstream>,
    pub workloads: Vec<Workload>,
    pub servers: Vec<AppServer>,
    pub projects: Vec<Project>,
    /// nginx directives worth a rule of their own: family settings (with the
    /// pass families their block uses) and values nginx refuses.
    pub directives: Vec<NginxDirective>,
    /// Containers (and Procfile dynos) whose files parity knows: what nginx
    /// reads in them and what they share, for same-container links.
    pub containers: Vec<Container>,
    pub problems: Vec<Problem>,
    /// Kubernetes Services, pod templates and Ingress routes, for the linker.
    pub k8s: K8sModel,
    /// Indexes for the linker, built on first use (after the model is complete):
    /// looking names up by scanning every workload for every proxy made big
    /// monorepos quadratic.
    lookup: std::sync::OnceLock<Lookup>,
}

/// Name and file indexes over a finished [`Model`].
#[derive(Debug, Default)]
struct Lookup {
    /// Workloads by every hostname they answer to.
    by_host: std::collections::HashMap<String, Vec<usize>>,
    /// Containers by the repository nginx files nginx reads in them.
    nginx_readers: std::collections::HashMap<String, Vec<usize>>,
}

impl Model {
    fn lookup(&self) -> &Lookup {
        self.lookup.get_or_init(|| {
            let mut l = Lookup::default();
            for (i, w) in self.workloads.iter().enumerate() {
                for h in &w.hostnames {
                    let v = l.by_host.entry(h.clone()).or_default();
                    if !v.contains(&i) {
                        v.push(i);
                    }
                }
            }
            for (i, c) in self.containers.iter().enumerate() {
                for f in c.nginx.iter().flat_map(|n| &n.files) {
                    let v = l.nginx_readers.entry(f.repo.clone()).or_default();
                    if !v.contains(&i) {
                        v.push(i);
                    }
                }
            }
            l
        })
    }

    /// Indexes of the workloads that answer to `host`, in model order.
    #[must_use]
    pub fn workloads_named(&self, host: &str) -> &[usize] {
        self.lookup().by_host.get(host).map_or(&[], Vec::as_slice)
    }

    /// Indexes of the containers in which nginx reads the repository file `path`, in model order.
    #[must_use]
    pub fn nginx_readers(&self, path: &str) -> &[usize] {
        self.lookup()
            .nginx_readers
            .get(path)
            .map_or(&[], Vec::as_slice)
    }
}

/// An nginx directive parity checked on its own (not through a route).
#[derive(Debug, Clone)]
pub struct NginxDirective {
    pub name: String,
    /// Arguments as written, joined by ' '.
    pub args: String,
    pub span: Span,
    /// `<family>_<setting>` directives: the pass family (`uwsgi`) and the
    /// family-independent setting (`read_timeout`).
    pub family: Option<(&'static str, &'static str)>,
    /// Pass families used by the `*_pass` directives of the directive's
    /// block and the blocks inside it; `None` when an unread include may add more.
    pub scope_families: Option<Vec<&'static str>>,
    /// Why nginx refuses its time, size or number value, and where.
    pub invalid: Option<Spanned<String>>,
}

/// The environment a process starts with: name -> (value, where it was set).
pub type Env = BTreeMap<String, (String, Span)>;

/// A container whose files and processes parity knows (a compose service, an
/// image run on its own, a Procfile dyno). A proxy reaches `127.0.0.1` or a
/// unix socket path in the container nginx runs in; two containers share a
/// socket through a volume both mount.
#[derive(Debug, Clone)]
pub struct Container {
    /// The workload it is; its app servers run here.
    pub workload: Option<usize>,
    pub project: usize,
    /// How reasons name it (`compose service `web``).
    pub name: String,
    pub fs: ContainerFs,
    pub env: Env,
    /// Set when nginx runs in this container.
    pub nginx: Option<NginxRun>,
}

/// nginx running in a container, and the repository configs it reads there.
#[derive(Debug, Clone)]
pub struct NginxRun {
    /// How parity knows nginx runs here (`the nginx:1.27 image`, `supervisord program nginx`).
    pub how: String,
    /// Repository nginx files placed in the container (filled once every
    /// nginx file is read).
    pub files: Vec<NginxFile>,
    /// The official image's entrypoint renders templates:
    /// (template directory, suffix, output directory).
    pub templates: Option<(String, String, String)>,
    /// When set, nginx reads only these repository files (e.g. the
    /// `config/nginx.conf.erb` of heroku-buildpack-nginx), wherever others land.
    pub reads_only: Option<Vec<String>>,
}

/// A repository nginx file inside a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NginxFile {
    pub repo: String,
    /// Its path inside the container.
    pub path: String,
    /// A template the image's envsubst renders with the container's
    /// environment (only variables that are defined are replaced).
    pub template: bool,
}

impl Container {
    /// The placement of repository file `repo_path` when nginx reads it here.
    #[must_use]
    pub fn nginx_file(&self, repo_path: &str) -> Option<&NginxFile> {
        self.nginx
            .as_ref()?
            .files
            .iter()
            .find(|f| f.repo == repo_path)
    }
}

/// One nginx location (or server, or `if`) that forwards requests upstream.
#[derive(Debug, Clone)]
pub struct Proxy {
    pub tool: &'static str,
    pub file: FileId,
    /// Human name, e.g. `server example.com, location /`.
    pub name: String,
    /// `proxy`, `uwsgi`, `fastcgi`, `grpc`, `scgi` or `memcached`.
    pub family: &'static str,
    /// The `*_pass` argument as written.
    pub target: Spanned<String>,
    /// The whole `*_pass` directive.
    pub pass_span: Span,
    pub settings: Settings,
    /// Index in [`Model::upstreams`] of the upstream the target names (an
    /// `upstream` block or the implicit upstream of `host:port`); `None` when
    /// the target has variables (chosen per request) or cannot be read.
    pub upstream: Option<usize>,
}

/// A server line of an `upstream` block.
#[derive(Debug, Clone)]
pub struct UpstreamServer {
    pub host: String,
    pub port: Option<u16>,
    pub unix_path: Option<String>,
    pub span: Span,
    /// `weight`, `max_fails`, `fail_timeout`, `max_conns`, `backup`, `down`,
    /// `resolve`, with nginx's defaults.
    pub settings: Settings,
}

/// An nginx `upstream` block.
#[derive(Debug, Clone)]
pub struct Upstream {
    pub file: FileId,
    pub name: Spanned<String>,
    pub servers: Vec<UpstreamServer>,
    pub settings: Settings,
    /// Created by a `*_pass host:port` target rather than an `upstream` block.
    pub implicit: bool,
}

/// Where a workload is defined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkloadKind {
    ComposeService,
    /// A Procfile process type (Heroku and compatible platforms).
    ProcfileProcess,
    /// An image built from a Dockerfile that no compose service builds.
    Image,
    /// A container of a Kubernetes pod template.
    KubernetesContainer,
    /// A supervisord program on a host (not inside a known container).
    SupervisordProgram,
    /// A systemd service unit on a host.
    SystemdService,
}

impl WorkloadKind {
    #[must_use]
    pub fn orchestrator(self) -> &'static str {
        match self {
            WorkloadKind::ComposeService => "compose",
            WorkloadKind::ProcfileProcess => "procfile",
            WorkloadKind::SupervisordProgram => "supervisord",
            WorkloadKind::Image => "docker",
            WorkloadKind::KubernetesContainer => "kubernetes",
            WorkloadKind::SystemdService => "systemd",
        }
    }
}

/// A unit that runs processes: a compose service, a Kubernetes container, ...
#[derive(Debug, Clone)]
pub struct Workload {
    pub kind: WorkloadKind,
    pub file: FileId,
    pub name: Spanned<String>,
    /// Names other containers reach it by (service name, aliases, container_name, hostname).
    pub hostnames: Vec<String>,
    /// `stop_grace_period`, `stop_signal`; on Kubernetes also `prestop_delay`
    /// and `routed` (a Service sends traffic to the container).
    pub settings: Settings,
    pub image: Option<String>,
    /// The app servers this workload runs (several under supervisord).
    pub servers: Vec<usize>,
    /// The deployment it belongs to: files of other deployments never link to it.
    pub project: usize,
    /// What it runs, said when no app server was recognised in it (the links
    /// that stop there quote it): its image's unseen command, a script not in
    /// the repository, or the command line.
    pub runs: Option<String>,
}

/// One deployment (a compose file, a Procfile): the scope within which names
/// resolve. A proxy config belongs to it when it lies under `dir` or one of its
/// services bind-mounts it.
#[derive(Debug, Clone)]
pub struct Project {
    pub file: FileId,
    /// Root-relative directory of the deployment file (`""` for the root).
    pub dir: String,
    /// Root-relative repo paths its services bind-mount (files or directories).
    pub mounted: Vec<String>,
}

impl Project {
    /// True when a repo file is part of this deployment.
    #[must_use]
    pub fn contains(&self, path: &str) -> bool {
        let under =
            |dir: &str| dir.is_empty() || path == dir || path.starts_with(&format!("{dir}/"));
        under(&self.dir) || self.mounted.iter().any(|m| under(m))
    }
}

/// A listening address of an app server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bind {
    /// Host part (`0.0.0.0`, `127.0.0.1`, empty for all interfaces).
    pub host: String,
    pub port: Option<u16>,
    pub unix_path: Option<String>,
}

impl Bind {
    /// True for addresses only reachable from inside the same container.
    #[must_use]
    pub fn is_loopback(&self) -> bool {
        matches!(
            self.host.as_str(),
            "127.0.0.1" | "localhost" | "::1" | "[::1]"
        ) || self.host.starts_with("127.")
    }

    /// Parses gunicorn's bind syntax: `HOST:PORT`, `:PORT`, `[::]:PORT`, `unix:PATH`.
    /// A bare `8000` is a host named `8000` for gunicorn (port default 8000).
    #[must_use]
    pub fn parse_gunicorn(s: &str) -> Bind {
        if let Some(path) = s.strip_prefix("unix:") {
            return Bind {
                host: String::new(),
                port: None,
                unix_path: Some(path.to_owned()),
            };
        }
        if s.starts_with("fd://") {
            return Bind {
                host: s.to_owned(),
                port: None,
                unix_path: None,
            };
        }
        let (host, port) = if let Some(rest) = s.strip_prefix('[') {
            match rest.split_once(']') {
                Some((h, p)) => (
                    h.to_owned(),
                    p.strip_prefix(':').and_then(|p| p.parse().ok()),
                ),
                None => (s.to_owned(), None),
            }
        } else {
            match s.rsplit_once(':') {
                Some((h, p)) => (h.to_owned(), p.parse().ok()),
                None => (s.to_owned(), Some(8000)),
            }
        };
        Bind {
            host,
            port,
            unix_path: None,
        }
    }
}

/// An app-server process with its resolved settings.
#[derive(Debug, Clone)]
pub struct AppServer {
    /// `gunicorn` (more kinds arrive with later sources).
    pub kind: &'static str,
    pub workload: Option<usize>,
    /// The invocation (program word .. last argument); defaults point here.
    pub command: Spanned<String>,
    pub settings: Settings,
    /// Listening addresses; `None` when they cannot be determined.
    pub binds: Option<Vec<Bind>>,
    /// The config file that was read, if any.
    pub config_file: Option<FileId>,
    /// Names a config file sets that the server ignores (miscased, misspelt).
    pub unknown_settings: Vec<Spanned<String>>,
    /// Facts worth telling the user (e.g. "no gunicorn.conf.py reaches the container").
    pub notes: Vec<String>,
    /// Single configuration entries worth checking one by one (a name the
    /// server ignores, a value it does not expand), each with its own span.
    pub config_items: Vec<ConfigItem>,
    /// What stands between the workload's stop signal and this process.
    pub stop_path: StopPath,
}

/// What a [`ConfigItem`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigItemKind {
    /// A name a config file sets that is no setting of the server (gunicorn
    /// ignores it; uWSGI keeps it as a placeholder).
    UnknownSetting,
    /// A uWSGI option applied while the file is read (`listen`, `ini`...)
    /// whose value holds `$(VAR)`, which uWSGI does not expand there.
    EnvInImmediateOption,
}

/// One entry of a server's configuration, reported on its own by rules that
/// iterate a list (`for_each` in the policy language).
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigItem {
    pub kind: ConfigItemKind,
    /// The setting or option name as written; the span is where it is written.
    pub name: Spanned<String>,
    /// The value as written, when known.
    pub value: Option<String>,
    /// The closest real setting or option name ("did you mean").
    pub suggestion: Option<&'static str>,
    /// A uWSGI placeholder that a `%(name)` (or `if-opt`) elsewhere reads:
    /// a deliberate variable, not a typo.
    pub referenced: bool,
}

/// How the orchestrator's stop signal reaches an app server.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum StopPath {
    /// The server receives the signal: it is PID 1 (through `exec` where a
    /// shell or script starts it), the child of an init, or runs where every
    /// process is signalled (a Heroku dyno, a systemd unit).
    #[default]
    Direct,
    /// A shell that does not `exec` the server gets the signal instead: how
    /// the server is wrapped (e.g. "`/bin/sh -c` (Dockerfile shell-form CMD)")
    /// and where.
    Shell(Spanned<String>),
    /// A process manager in the container (supervisord) receives the
    /// signal and stops the server with its own (`stopsignal`, default TERM).
    Supervisor(Setting),
}
