//! The Kubernetes part of the model: pod templates with their labels and
//! named container ports, Services, Ingress backends as ingress-nginx caller
//! hops, and the configs ConfigMaps carry into containers (an `nginx.conf` or
//! `conf.d/*.conf` for an nginx container, a `gunicorn.conf.py` or
//! `uwsgi.ini` for an app container).
//!
//! A ConfigMap key mounted into a container is registered in the source map
//! as a file of its own, named `<manifest>#configmap/<name>/<path in the
//! volume>`, so that the nginx, gunicorn and uWSGI sources read it like any
//! other file. Every span taken from such a file is mapped back into the
//! manifest (through the block scalar's exact map, [`yaml::Text::span_of`])
//! before the model is returned: findings point at the lines of the YAML.
//!
//! Declared as a child of `build` so that it shares the assembler.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::PathBuf;

use super::{
    Assembler, ContainerFs, Env, NginxContainer, add_nginx, first_syntax_error_only, join_rel,
    parent_dir, stage_chain,
};
use crate::diag::Problem;
use crate::model::{Model, Project, Proxy, Settings, Upstream, Workload, WorkloadKind};
use crate::origin::Origin;
use crate::source_map::SourceMap;
use crate::sources::{dockerfile, k8s, nginx, shell, yaml};
use crate::span::{FileId, Span, Spanned};
use crate::value::{Millis, Setting, Value};

/// Kubernetes objects of the model, for the linker.
#[derive(Debug, Default, Clone)]
pub struct K8sModel {
    pub services: Vec<Service>,
    /// Every pod template (Deployment, StatefulSet, Pod, ...) with containers.
    pub pods: Vec<Pod>,
    /// The proxies made from Ingress backends, with what they name.
    pub ingress_routes: Vec<IngressRoute>,
    /// nginx proxies read from a ConfigMap mounted into a pod: (proxy, pod).
    pub proxy_pods: Vec<(usize, usize)>,
    /// Objects that route traffic but that parity does not model, with why.
    pub ignored: Vec<Ignored>,
    /// ingress-nginx controller ConfigMap values the controller rejects
    /// (`(key, value span, why)`): it logs a warning and keeps its default.
    pub controller_ignored: Vec<k8s::IgnoredSetting>,
    /// Ingress controllers per deployment scope: ingress-nginx where the
    /// scope has an Ingress it handles, its controller ConfigMap or its
    /// controller Deployment; another controller where the scope has an
    /// Ingress of it (see [`K8sModel::ignored`]).
    pub ingress_controllers: Vec<IngressControllerScope>,
    /// Source-map files parity made from ConfigMap keys. No span of the model
    /// points into them: their spans were mapped back into the manifests.
    pub embedded_files: Vec<FileId>,
}

impl K8sModel {
    /// The pod template and container a Kubernetes workload runs in.
    #[must_use]
    pub fn container_of(&self, workload: usize) -> Option<(usize, &Pod, &PodContainer)> {
        self.pods.iter().enumerate().find_map(|(i, p)| {
            p.containers
                .iter()
                .find(|c| c.workload == Some(workload))
                .map(|c| (i, p, c))
        })
    }
}

/// The namespace an object lives in: `default` when the manifest sets none
/// (what `kubectl apply` without `-n` does).
fn namespace_or_default(ns: Option<&String>) -> &str {
    ns.map_or("default", String::as_str)
}

/// A pod template and its containers.
#[derive(Debug, Clone)]
pub struct Pod {
    pub file: FileId,
    /// Root-relative path of the manifest.
    pub path: String,
    /// `Deployment/web`, spanning the object's name.
    pub owner: Spanned<String>,
    pub namespace: Option<String>,
    /// The pod template's labels (what Service selectors match).
    pub labels: Vec<(String, String)>,
    pub containers: Vec<PodContainer>,
    /// The deployment scope (an index into [`Model::projects`]).
    pub project: usize,
}

impl Pod {
    /// The namespace, `default` when unset.
    #[must_use]
    pub fn namespace(&self) -> &str {
        namespace_or_default(self.namespace.as_ref())
    }
}

/// One container of a pod template.
#[derive(Debug, Clone)]
pub struct PodContainer {
    pub name: Spanned<String>,
    pub image: Option<String>,
    /// `ports[]`: declared container ports, with their names.
    pub ports: Vec<NamedPort>,
    /// The model workload when the container runs an app server.
    pub workload: Option<usize>,
    /// The container runs nginx (its image, its command, or a ConfigMap mounted under `/etc/nginx`).
    pub nginx: bool,
    /// The container sets `command` or `args`; otherwise it runs its image's
    /// ENTRYPOINT/CMD, which parity does not see.
    pub sets_command: bool,
    /// For an nginx container, the version its configuration is read for:
    /// `1.27.3`, `1.27.x` (a series tag), or `unknown` (a moving tag, no tag).
    pub nginx_version: Option<String>,
}

fn version_text(v: nginx::NginxVersion) -> String {
    match v {
        nginx::NginxVersion::Known(a, b, c) => format!("{a}.{b}.{c}"),
        nginx::NginxVersion::Series(a, b) => format!("{a}.{b}.x"),
        nginx::NginxVersion::Unknown => "unknown".to_owned(),
    }
}

/// A declared container port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedPort {
    pub name: Option<String>,
    pub port: u16,
    /// The `containerPort` value.
    pub span: Span,
}

/// A core/v1 Service.
#[derive(Debug, Clone)]
pub struct Service {
    pub file: FileId,
    /// Root-relative path of the manifest.
    pub path: String,
    pub name: Spanned<String>,
    pub namespace: Option<String>,
    pub selector: Vec<(String, String)>,
    pub ports: Vec<ServicePort>,
    /// `spec.type`; `None` is `ClusterIP`.
    pub service_type: Option<String>,
    pub external_name: Option<String>,
    /// The deployment scope (an index into [`Model::projects`]).
    pub project: usize,
    /// The whole object.
    pub span: Span,
}

impl Service {
    /// The namespace, `default` when unset.
    #[must_use]
    pub fn namespace(&self) -> &str {
        namespace_or_default(self.namespace.as_ref())
    }

    /// True when the selector is not empty and every pair of it is among
    /// `labels` (a Service without a selector selects no pod).
    #[must_use]
    pub fn selects(&self, labels: &[(String, String)]) -> bool {
        !self.selector.is_empty()
            && self
                .selector
                .iter()
                .all(|(k, v)| labels.iter().any(|(lk, lv)| lk == k && lv == v))
    }

    /// The selector as written in messages: `app=web,tier=api`.
    #[must_use]
    pub fn selector_text(&self) -> String {
        self.selector
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// `spec.ports[]` of a Service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePort {
    pub name: Option<String>,
    pub port: u16,
    pub target_port: TargetPort,
    pub span: Span,
}

/// `targetPort` of a Service port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetPort {
    Number(u16),
    /// A container port name, resolved per pod.
    Name(String),
    /// Not written: the same number as `port`.
    SameAsPort,
}

/// The Service port an Ingress backend names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceRef {
    Number(u16),
    Name(String),
}

impl std::fmt::Display for ServiceRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServiceRef::Number(n) => write!(f, "{n}"),
            ServiceRef::Name(s) => f.write_str(s),
        }
    }
}

/// An Ingress backend made a proxy ([`Proxy::tool`] `ingress-nginx`).
#[derive(Debug, Clone)]
pub struct IngressRoute {
    /// Index into [`Model::proxies`].
    pub proxy: usize,
    /// Root-relative path of the manifest.
    pub path: String,
    pub ingress: Spanned<String>,
    pub namespace: Option<String>,
    pub service: String,
    /// `None` when the backend names no port (the API server rejects that in v1).
    pub service_port: Option<ServiceRef>,
    /// The controller's upstream for this Ingress (index into
    /// [`Model::upstreams`]): `keepalive`, `keepalive_timeout` and
    /// `keepalive_requests` from the controller ConfigMap or its defaults.
    pub upstream: usize,
    pub project: usize,
    /// ingress-nginx annotations the controller ignores (a unit on an
    /// integer, a failed validation): `(annotation, value span, why)`. The
    /// setting falls back to the controller ConfigMap or its default.
    pub ignored_annotations: Vec<k8s::IgnoredSetting>,
    /// The Ingress names ingress-nginx (class or annotations); without, it
    /// goes to the cluster's default class, which parity cannot see.
    pub explicit: bool,
}

impl IngressRoute {
    /// The namespace, `default` when unset.
    #[must_use]
    pub fn namespace(&self) -> &str {
        namespace_or_default(self.namespace.as_ref())
    }
}

/// An Ingress controller in one deployment scope (a [`Model::projects`] entry).
#[derive(Debug, Clone)]
pub struct IngressControllerScope {
    pub project: usize,
    /// `ingress-nginx`, or who runs the Ingresses parity does not model
    /// (`the AWS Load Balancer Controller`, `Traefik`, `another controller`).
    pub tool: String,
    /// The scope's directory (`k8s`, or empty for the repository root).
    pub dir: String,
    /// What shows the controller runs here, in manifest order: `Ingress
    /// shop/web`, `ConfigMap ingress-nginx/ingress-nginx-controller`,
    /// `Deployment ingress-nginx/ingress-nginx-controller (image ...)`.
    pub evidence: Vec<Spanned<String>>,
    /// Some evidence names the controller explicitly (an ingress class, its
    /// annotations, its ConfigMap or Deployment); an Ingress without class
    /// or annotations goes to whatever the cluster's default class is.
    pub explicit: bool,
    /// Annotation and controller ConfigMap values ingress-nginx ignores.
    pub ignored: Vec<IgnoredValue>,
}

/// An ingress-nginx annotation or controller ConfigMap value that the
/// controller ignores, and the value it uses instead.
#[derive(Debug, Clone)]
pub struct IgnoredValue {
    /// The annotation or ConfigMap key as written.
    pub name: String,
    /// `annotation` or `configmap`.
    pub source: &'static str,
    /// `Ingress shop/web` or `ConfigMap ingress-nginx/ingress-nginx-controller`.
    pub object: String,
    /// The value as written, spanning it.
    pub value: Spanned<String>,
    pub reason: k8s::IgnoredReason,
    /// The controller's explanation.
    pub why: String,
    /// What the controller uses instead, with where that comes from (the
    /// controller ConfigMap or the built-in default).
    pub used: Setting,
}

const INGRESS_NGINX: &str = "ingress-nginx";

/// True when a container runs the ingress-nginx controller: its image
/// (`registry.k8s.io/ingress-nginx/controller`, the older
/// `*/nginx-ingress-controller`) or its `/nginx-ingress-controller` command.
/// NGINX Inc's controller (`nginx/nginx-ingress`) matches neither.
fn runs_ingress_nginx(c: &k8s::Container) -> bool {
    let image = c.image.as_ref().is_some_and(|i| {
        let v = i.value.to_ascii_lowercase();
        v.contains("ingress-nginx/controller") || v.contains("nginx-ingress-controller")
    });
    let command = c
        .command
        .iter()
        .chain(c.args.iter())
        .flatten()
        .next()
        .is_some_and(|w| w.value.rsplit('/').next() == Some("nginx-ingress-controller"));
    image || command
}

/// Something that routes traffic that parity does not model.
#[derive(Debug, Clone)]
pub struct Ignored {
    pub span: Span,
    /// e.g. `Ingress shop/web`.
    pub what: String,
    pub reason: String,
}

// ---------------------------------------------------------------------------
// Deployment scope
// ---------------------------------------------------------------------------

/// Folders that hold a repository's Kubernetes manifests.
fn is_manifest_folder(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("k8s")
        || n.contains("kubernetes")
        || n.starts_with("manifest")
        || matches!(
            n.as_str(),
            "kube" | "deploy" | "deployment" | "deployments" | "kustomize" | "openshift"
        )
}

/// kustomize layers: their parent is the application's manifest root.
const KUSTOMIZE_LAYERS: &[&str] = &["base", "bases", "overlays", "overlay", "components"];

/// Folders whose sub-folders are alternative variants (one per environment)
/// that are never applied together.
const VARIANT_FOLDERS: &[&str] = &["overlays", "overlay", "envs", "environments"];

/// The deployment scope of a manifest. Scope choice: everything under the
/// outermost manifests folder of its path (`k8s`, `kubernetes`, `deploy`,
/// `*manifests*`, ...), else under the parent of a kustomize `base`/`overlays`
/// folder, else its own directory; names resolve within one scope and one
/// namespace, nearest file first ([`manifest_affinity`]).
#[must_use]
pub fn scope_dir(path: &str) -> String {
    let dir = parent_dir(path);
    let comps: Vec<&str> = dir.split('/').filter(|c| !c.is_empty()).collect();
    if let Some(i) = comps.iter().position(|c| is_manifest_folder(c)) {
        return comps[..=i].join("/");
    }
    if let Some(i) = comps.iter().position(|c| KUSTOMIZE_LAYERS.contains(c)) {
        return comps[..i].join("/");
    }
    dir
}

/// How close two manifests of one scope are: the number of leading
/// directories they share. `None` when they sit in different variants of one
/// kustomize `overlays/` (or `envs/`) folder, which are never applied together.
#[must_use]
pub fn manifest_affinity(a: &str, b: &str) -> Option<usize> {
    let (dir_a, dir_b) = (parent_dir(a), parent_dir(b));
    let da: Vec<&str> = dir_a.split('/').filter(|c| !c.is_empty()).collect();
    let db: Vec<&str> = dir_b.split('/').filter(|c| !c.is_empty()).collect();
    let common = da.iter().zip(&db).take_while(|(x, y)| x == y).count();
    let diverge_in_variants = common > 0
        && common < da.len()
        && common < db.len()
        && VARIANT_FOLDERS.contains(&da[common - 1]);
    if diverge_in_variants {
        None
    } else {
        Some(common)
    }
}

// ---------------------------------------------------------------------------
// Assembly
// ---------------------------------------------------------------------------

/// A ConfigMap of the repository and where it is written.
struct CmRef<'m> {
    cm: &'m k8s::ConfigMap,
    path: &'m str,
    project: usize,
}

/// The best ConfigMap named `name` for an object in `namespace` of `project`
/// written at `from`: same scope, then same namespace, then the nearest file.
fn find_configmap<'a, 'm>(
    cms: &'a [CmRef<'m>],
    name: &str,
    namespace: &str,
    project: usize,
    from: &str,
) -> Option<&'a CmRef<'m>> {
    let mut best: Option<(&CmRef<'m>, (bool, bool, i64))> = None;
    for c in cms.iter().filter(|c| c.cm.meta.name.value == name) {
        let score = (
            c.project == project,
            namespace_or_default(c.cm.meta.namespace.as_ref()) == namespace,
            manifest_affinity(from, c.path).map_or(-1, |a| i64::try_from(a).unwrap_or(i64::MAX)),
        );
        if best.as_ref().is_none_or(|(_, s)| score > *s) {
            best = Some((c, score));
        }
    }
    best.map(|(c, _)| c)
}

/// ConfigMap keys registered as files of the source map.
#[derive(Default)]
struct Embedded {
    /// Registered path -> (file id, the key's value with its map into the manifest).
    by_path: BTreeMap<String, (FileId, yaml::Text)>,
}

impl Embedded {
    fn register(&mut self, map: &mut SourceMap, path: &str, text: &yaml::Text) -> FileId {
        if let Some((id, _)) = self.by_path.get(path) {
            return *id;
        }
        let id = map.add(path.to_owned(), PathBuf::new(), text.value.as_bytes());
        self.by_path.insert(path.to_owned(), (id, text.clone()));
        id
    }
}

/// A ConfigMap volume mounted into a container.
struct CmMount {
    /// Where it is mounted (`mountPath`).
    container_path: String,
    /// The registered directory (or, with `subPath`, file) it shows there.
    repo: String,
    how: String,
    /// Registered paths of the files it brings.
    files: Vec<String>,
}

/// An nginx container of a pod, with what ConfigMaps put in it.
struct NginxInPod {
    pod: usize,
    version: nginx::NginxVersion,
    /// Container path of the main configuration (`-c`, else the image's default).
    main: String,
    mounts: Vec<CmMount>,
}

/// Serves nginx includes from the ConfigMap keys mounted into one container.
struct EmbeddedLoader {
    files: BTreeMap<String, nginx::LoadedFile>,
}

impl nginx::IncludeLoader for EmbeddedLoader {
    fn glob(&self, pattern: &str) -> Vec<String> {
        self.files
            .keys()
            .filter(|p| nginx::glob_matches(pattern, p))
            .cloned()
            .collect()
    }

    fn load(&self, path: &str) -> Option<nginx::LoadedFile> {
        self.files.get(path).cloned()
    }
}

/// Names of the ingress-nginx controller ConfigMap in the official manifests
/// and Helm charts (`<release>-` prefixed in Helm).
fn is_controller_configmap_name(name: &str) -> bool {
    ["ingress-nginx-controller", "nginx-ingress-controller"]
        .iter()
        .any(|n| name == *n || name.ends_with(&format!("-{n}")))
        || name == "nginx-configuration"
}

/// The configmap a `--configmap=NS/NAME` controller flag names.
fn configmap_flag(words: &[&yaml::Text]) -> Option<String> {
    let mut it = words.iter();
    while let Some(w) = it.next() {
        let v = w.value.as_str();
        let value = match v.strip_prefix("--configmap") {
            Some(rest) if rest.starts_with('=') => rest[1..].to_owned(),
            Some("") => it.next().map(|n| n.value.clone())?,
            _ => continue,
        };
        return Some(value.rsplit('/').next().unwrap_or(&value).to_owned());
    }
    None
}

/// What runs an Ingress class, for the reason an Ingress is not modelled.
fn ingress_controller_of(class: &str) -> &'static str {
    let c = class.to_ascii_lowercase();
    if c.contains("alb") {
        "the AWS Load Balancer Controller"
    } else if c.starts_with("gce") {
        "GKE's load balancer controller"
    } else if c.contains("traefik") {
        "Traefik"
    } else if c.contains("haproxy") {
        "HAProxy"
    } else if c.contains("kong") {
        "Kong"
    } else if c.contains("istio") {
        "Istio"
    } else if c.contains("azure") || c.contains("application-gateway") {
        "Azure Application Gateway"
    } else if c.contains("contour") {
        "Contour"
    } else {
        "another controller"
    }
}

/// nginx images built from the repository's Dockerfiles (`FROM nginx:1.27.3`
/// with the configuration `COPY`ed in): what a Kubernetes nginx container
/// runs when its configuration is baked into the image rather than mounted.
/// The build context is the Dockerfile's directory; the version is the tag
/// of the first stage's base image. Compose services that build a Dockerfile
/// come first in the list, so their build context wins where both apply.
pub(super) fn baked_nginx_images(
    dockerfiles: &HashMap<String, dockerfile::Dockerfile>,
) -> Vec<NginxContainer> {
    let mut paths: Vec<&String> = dockerfiles.keys().collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let d = &dockerfiles[path];
        let chain = stage_chain(d);
        let Some(base) = chain.first() else { continue };
        if nginx::nginx_image(&base.from.value).is_none() {
            continue;
        }
        let context = parent_dir(path);
        let mounts = chain
            .iter()
            .flat_map(|s| s.copies.iter())
            .filter(|c| c.from.is_none())
            .flat_map(|c| {
                c.sources.iter().map(|src| {
                    (
                        c.dest.value.clone(),
                        super::normalize_rel(&join_rel(&context, &src.value)),
                    )
                })
            })
            .collect::<Vec<_>>();
        if mounts.is_empty() {
            continue;
        }
        out.push(NginxContainer {
            version: nginx::version_from_image(&base.from.value),
            mounts,
        });
    }
    out
}

/// The controller an Ingress without a class is written for, from its
/// annotations: `None` when they are ingress-nginx's or name no controller.
fn controller_from_annotations(annotations: &[(String, yaml::Text)]) -> Option<&'static str> {
    const PREFIXES: &[(&str, &str)] = &[
        (
            "alb.ingress.kubernetes.io/",
            "the AWS Load Balancer Controller",
        ),
        ("networking.gke.io/", "GKE's load balancer controller"),
        (
            "kubernetes.io/ingress.global-static-ip-name",
            "GKE's load balancer controller",
        ),
        (
            "ingress.gcp.kubernetes.io/",
            "GKE's load balancer controller",
        ),
        ("traefik.ingress.kubernetes.io/", "Traefik"),
        ("haproxy.org/", "HAProxy"),
        ("konghq.com/", "Kong"),
        ("appgw.ingress.kubernetes.io/", "Azure Application Gateway"),
        (
            "nginx.org/",
            "the NGINX Inc. Ingress Controller (nginx.org annotations)",
        ),
    ];
    if annotations
        .iter()
        .any(|(k, _)| k.starts_with(k8s::ANNOTATION_PREFIX))
    {
        return None;
    }
    annotations.iter().find_map(|(k, _)| {
        PREFIXES
            .iter()
            .find(|(p, _)| k.starts_with(p))
            .map(|(_, who)| *who)
    })
}

/// `preStop` as the delay it puts before the stop signal.
fn prestop_setting(c: &k8s::Container) -> Setting {
    let unknown =
        |why: &str, span: Span| Setting::new(Value::Unknown(why.to_owned()), Origin::File { span });
    match &c.pre_stop {
        None => Setting::new(
            Value::Unset,
            Origin::Default {
                tool: "Kubernetes",
                versions: "all versions",
                anchor: None,
            },
        ),
        Some(k8s::PreStop::Sleep { seconds, span }) => Setting::new(
            Value::Duration(Millis::from_secs(u64::try_from(*seconds).unwrap_or(0))),
            Origin::File { span: *span },
        ),
        Some(k8s::PreStop::ExecSleep {
            seconds: Some(s),
            span,
            ..
        }) => {
            // `sleep 2.5` is valid for GNU and busybox sleep.
            let ms = if s.is_finite() && *s > 0.0 {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let ms = (s * 1000.0).round() as u64;
                ms
            } else {
                0
            };
            Setting::new(Value::Duration(Millis(ms)), Origin::File { span: *span })
        }
        Some(k8s::PreStop::ExecSleep {
            seconds: None,
            span,
            ..
        }) => unknown(
            "the preStop hook sleeps for a duration parity cannot read",
            *span,
        ),
        Some(k8s::PreStop::Exec { span }) => unknown(
            "the preStop hook runs a command whose duration parity cannot know",
            *span,
        ),
        Some(k8s::PreStop::HttpGet { span }) => unknown(
            "the preStop hook is an httpGet: it lasts as long as the endpoint takes",
            *span,
        ),
    }
}

/// The program an exec preStop hook runs, by its base name (`/bin/sh` ->
/// `sh`); unset without an exec hook.
fn prestop_program(c: &k8s::Container) -> Setting {
    match &c.pre_stop_program {
        Some(t) => Setting::new(
            Value::Str(t.value.rsplit('/').next().unwrap_or("").to_owned()),
            Origin::File { span: t.span },
        ),
        None => Setting::new(Value::Unset, Origin::File { span: c.name.span }),
    }
}

/// Whether the image is distroless or `scratch`-like by its name
/// (`gcr.io/distroless/*`, any `*distroless*` repository, `scratch`): such
/// images have no shell and no `sleep`. Other images are taken to have them.
fn image_distroless(c: &k8s::Container) -> Setting {
    match &c.image {
        Some(i) => {
            let v = i.value.to_ascii_lowercase();
            let repo = v.split(['@']).next().unwrap_or("");
            let name = repo.rsplit('/').next().unwrap_or("");
            let name = name.split(':').next().unwrap_or("");
            let bare = repo.contains("distroless") || name == "scratch";
            Setting::new(Value::Bool(bare), Origin::File { span: i.span })
        }
        None => Setting::new(Value::Bool(false), Origin::File { span: c.name.span }),
    }
}

/// True when `c` runs nginx: an nginx image, an `nginx`/`openresty` command,
/// or a ConfigMap mounted into nginx's configuration directory.
fn runs_nginx(c: &k8s::Container, mounts: &[CmMount]) -> bool {
    let image = c
        .image
        .as_ref()
        .is_some_and(|i| nginx::nginx_image(&i.value).is_some());
    let base = |t: &yaml::Text| t.value.rsplit('/').next().unwrap_or("").to_owned();
    let command = c
        .command
        .iter()
        .chain(c.args.iter())
        .flatten()
        .next()
        .is_some_and(|w| matches!(base(w).as_str(), "nginx" | "openresty"));
    let mounted = mounts.iter().any(|m| {
        m.container_path.starts_with("/etc/nginx")
            || m.container_path
                .starts_with("/usr/local/openresty/nginx/conf")
    });
    image || command || mounted
}

/// The main configuration an nginx container reads: `-c FILE` (or `-cFILE`),
/// else the image's default.
fn nginx_main_path(c: &k8s::Container) -> String {
    let words: Vec<&yaml::Text> = c.command.iter().chain(c.args.iter()).flatten().collect();
    for (i, w) in words.iter().enumerate() {
        if w.value == "-c" {
            if let Some(next) = words.get(i + 1) {
                return next.value.clone();
            }
        } else if let Some(rest) = w.value.strip_prefix("-c")
            && rest.starts_with('/')
        {
            return rest.to_owned();
        }
    }
    let openresty = c
        .image
        .as_ref()
        .is_some_and(|i| i.value.to_ascii_lowercase().contains("openresty"));
    if openresty {
        "/usr/local/openresty/nginx/conf/nginx.conf".to_owned()
    } else {
        "/etc/nginx/nginx.conf".to_owned()
    }
}

impl Assembler<'_> {
    /// Kubernetes manifests: deployment scopes, Services, pod templates and
    /// their containers (those that start an app server become workloads,
    /// with ConfigMap env, `$(VAR)` expansion, `workingDir` and ConfigMap
    /// volumes), nginx configs from ConfigMaps, Ingress backends as
    /// ingress-nginx hops. The image's own files are not visible, so an
    /// optional config lookup that finds nothing is unknown.
    pub(super) fn add_k8s(
        &mut self,
        manifests: &[(FileId, k8s::K8sFile)],
        configured: Option<nginx::NginxVersion>,
    ) {
        let paths: Vec<String> = manifests
            .iter()
            .map(|(f, _)| self.map.get(*f).path.clone())
            .collect();
        // One project per scope.
        let mut scopes: BTreeMap<String, usize> = BTreeMap::new();
        let mut project_of = Vec::with_capacity(manifests.len());
        for ((file, m), path) in manifests.iter().zip(&paths) {
            self.model.problems.extend(m.problems.iter().cloned());
            let dir = scope_dir(path);
            let project = *scopes.entry(dir.clone()).or_insert_with(|| {
                self.model.projects.push(Project {
                    file: *file,
                    dir,
                    mounted: Vec::new(),
                });
                self.model.projects.len() - 1
            });
            project_of.push(project);
        }
        let mut cms: Vec<CmRef> = Vec::new();
        for (i, (_, m)) in manifests.iter().enumerate() {
            for o in &m.objects {
                if let k8s::Object::ConfigMap(cm) = o {
                    cms.push(CmRef {
                        cm,
                        path: &paths[i],
                        project: project_of[i],
                    });
                }
            }
        }
        for (i, (file, m)) in manifests.iter().enumerate() {
            for o in &m.objects {
                if let k8s::Object::Service(s) = o {
                    self.model
                        .k8s
                        .services
                        .push(model_service(*file, &paths[i], project_of[i], s));
                }
            }
        }
        let mut embedded = Embedded::default();
        let mut nginx_pods = Vec::new();
        let mut controller_cm_names: BTreeSet<String> = BTreeSet::new();
        for (i, (file, m)) in manifests.iter().enumerate() {
            for o in &m.objects {
                let k8s::Object::Workload(w) = o else {
                    continue;
                };
                for c in &w.containers {
                    let words: Vec<&yaml::Text> =
                        c.command.iter().chain(c.args.iter()).flatten().collect();
                    controller_cm_names.extend(configmap_flag(&words));
                    if runs_ingress_nginx(c) {
                        let ns = namespace_or_default(w.meta.namespace.as_ref());
                        let (image, span) = c
                            .image
                            .as_ref()
                            .map_or(("no image", c.name.span), |i| (i.value.as_str(), i.span));
                        let seen =
                            format!("{} {ns}/{} (image {image})", w.meta.kind, w.meta.name.value);
                        let scope = self.controller_scope(project_of[i], INGRESS_NGINX);
                        scope.evidence.push(Spanned::new(seen, span));
                        scope.explicit = true;
                    }
                }
                if w.containers.is_empty() {
                    continue;
                }
                let ctx = PodCtx {
                    file: *file,
                    path: &paths[i],
                    project: project_of[i],
                    cms: &cms,
                    configured,
                };
                let found = self.add_pod(w, &ctx, &mut embedded);
                nginx_pods.extend(found);
            }
        }
        for n in &nginx_pods {
            self.add_pod_nginx(n, &embedded);
        }
        let controllers: Vec<&CmRef> = cms
            .iter()
            .filter(|c| {
                let name = &c.cm.meta.name.value;
                is_controller_configmap_name(name) || controller_cm_names.contains(name)
            })
            .collect();
        let controller_configs: Vec<k8s::ControllerConfig> = controllers
            .iter()
            .map(|c| k8s::ingress_nginx_controller_config(c.cm))
            .collect();
        for (c, cfg) in controllers.iter().zip(&controller_configs) {
            self.model
                .k8s
                .controller_ignored
                .extend(cfg.ignored.iter().cloned());
            let meta = &c.cm.meta;
            let object = format!(
                "ConfigMap {}/{}",
                namespace_or_default(meta.namespace.as_ref()),
                meta.name.value
            );
            let mut ignored = Vec::new();
            for (key, span, why) in &cfg.ignored {
                let Some((model_key, reason)) = k8s::ignored_reason(key, false) else {
                    continue;
                };
                let Some((_, text)) = c.cm.data.iter().find(|(k, t)| k == key && t.span == *span)
                else {
                    continue;
                };
                let Some(used) = cfg.settings.get(model_key) else {
                    continue;
                };
                ignored.push(IgnoredValue {
                    name: key.clone(),
                    source: "configmap",
                    object: object.clone(),
                    value: Spanned::new(text.value.clone(), *span),
                    reason,
                    why: why.clone(),
                    used: used.clone(),
                });
            }
            let scope = self.controller_scope(c.project, INGRESS_NGINX);
            scope.evidence.push(Spanned::new(object, meta.name.span));
            scope.explicit = true;
            scope.ignored.extend(ignored);
        }
        for (i, (file, m)) in manifests.iter().enumerate() {
            for o in &m.objects {
                if let k8s::Object::Ingress(ing) = o {
                    // The controller's ConfigMap: one of this scope, else the only one in the repository.
                    let in_scope: Vec<usize> = (0..controllers.len())
                        .filter(|&c| controllers[c].project == project_of[i])
                        .collect();
                    let controller = match (in_scope.as_slice(), controllers.len()) {
                        ([c], _) => controller_configs.get(*c),
                        ([], 1) => controller_configs.first(),
                        _ => None,
                    };
                    self.add_ingress(*file, &paths[i], project_of[i], ing, controller);
                }
            }
        }
        let table: HashMap<FileId, yaml::Text> = embedded
            .by_path
            .values()
            .map(|(id, text)| (*id, text.clone()))
            .collect();
        remap_model(&mut self.model, &table);
        self.model
            .k8s
            .embedded_files
            .extend(embedded.by_path.values().map(|(id, _)| *id));
    }

    /// One pod template: its containers (app servers become workloads), with
    /// the ConfigMap volumes they mount. Returns its nginx containers.
    fn add_pod<'m>(
        &mut self,
        w: &k8s::Workload,
        ctx: &PodCtx<'_, 'm>,
        embedded: &mut Embedded,
    ) -> Vec<NginxInPod> {
        let namespace = namespace_or_default(w.meta.namespace.as_ref()).to_owned();
        let pod_index = self.model.k8s.pods.len();
        let mut pod = Pod {
            file: ctx.file,
            path: ctx.path.to_owned(),
            owner: Spanned::new(
                format!("{}/{}", w.meta.kind, w.meta.name.value),
                w.meta.name.span,
            ),
            namespace: w.meta.namespace.clone(),
            labels: w.pod_labels.clone(),
            containers: Vec::new(),
            project: ctx.project,
        };
        let mut nginx_containers = Vec::new();
        let find_cm = |name: &str| -> Option<&'m k8s::ConfigMap> {
            find_configmap(ctx.cms, name, &namespace, ctx.project, ctx.path).map(|c| c.cm)
        };
        for c in &w.containers {
            let ports: Vec<NamedPort> = c
                .ports
                .iter()
                .map(|p| NamedPort {
                    name: p.name.clone(),
                    port: p.port,
                    span: p.span,
                })
                .collect();
            let mounts = self.configmap_mounts(w, c, ctx, &namespace, embedded);
            let nginx = runs_nginx(c, &mounts);
            let mut container = PodContainer {
                name: c.name.clone(),
                image: c.image.as_ref().map(|i| i.value.clone()),
                ports,
                workload: None,
                nginx,
                sets_command: c.command.is_some() || c.args.is_some(),
                nginx_version: None,
            };
            if nginx {
                let version = c
                    .image
                    .as_ref()
                    .map(|i| nginx::version_from_image(&i.value))
                    .filter(|v| *v != nginx::NginxVersion::Unknown)
                    .or(ctx.configured)
                    .unwrap_or_default();
                container.nginx_version = Some(version_text(version));
                nginx_containers.push(NginxInPod {
                    pod: pod_index,
                    version,
                    main: nginx_main_path(c),
                    mounts,
                });
                pod.containers.push(container);
                continue;
            }
            let env = container_env(c, &find_cm);
            let lookup = |name: &str| env.get(name).map(|(v, _)| v.clone());
            let words = |items: &Option<Vec<yaml::Text>>| -> Vec<shell::Word> {
                items
                    .iter()
                    .flatten()
                    .map(|t| super::text_word(&k8s::expand_var_refs(t, &lookup)))
                    .collect()
            };
            let mut argv = words(&c.command);
            argv.extend(words(&c.args));
            let mut fs = ContainerFs::new(c.working_dir.as_ref().map_or("/", |d| d.value.as_str()));
            fs.exhaustive = false;
            for m in &mounts {
                fs.add(&m.container_path, &m.repo, m.how.clone());
                for f in &m.files {
                    fs.provide(f);
                }
            }
            let mut settings = Settings::new();
            let grace = match w.termination_grace {
                Some((secs, span)) => Setting::new(
                    Value::Duration(Millis::from_secs(u64::try_from(secs).unwrap_or(0))),
                    Origin::File { span },
                ),
                None => Setting::new(
                    Value::Duration(Millis::from_secs(30)),
                    Origin::Default {
                        tool: "Kubernetes",
                        versions: "all versions",
                        anchor: Some(w.meta.name.span),
                    },
                ),
            };
            settings.insert("stop_grace_period", grace);
            settings.insert("prestop_delay", prestop_setting(c));
            settings.insert("prestop_program", prestop_program(c));
            settings.insert("image_distroless", image_distroless(c));
            let workload_index = self.model.workloads.len();
            let servers = self.add_app_server(&argv, &env, &fs, Some(workload_index));
            if !servers.is_empty() {
                let single = w.containers.len() == 1;
                let routed = self.routed(&pod, &container, &servers, &namespace, single);
                settings.insert("routed", routed);
                self.model.workloads.push(Workload {
                    kind: WorkloadKind::KubernetesContainer,
                    file: ctx.file,
                    name: Spanned::new(
                        format!(
                            "{}/{} container {}",
                            w.meta.kind, w.meta.name.value, c.name.value
                        ),
                        c.name.span,
                    ),
                    hostnames: Vec::new(),
                    settings,
                    image: c.image.as_ref().map(|i| i.value.clone()),
                    servers,
                    project: ctx.project,
                    runs: None,
                });
                container.workload = Some(workload_index);
            }
            pod.containers.push(container);
        }
        self.model.k8s.pods.push(pod);
        nginx_containers
    }

    /// Whether a Service of the pod's scope and namespace sends traffic to
    /// this container: its selector matches the pod's labels and one of its
    /// ports reaches the container (a port name it declares, or a number it
    /// declares or its server binds; any port when it is the pod's only
    /// container). `true` points at the Service.
    fn routed(
        &self,
        pod: &Pod,
        container: &PodContainer,
        servers: &[usize],
        namespace: &str,
        only_container: bool,
    ) -> Setting {
        let binds: Vec<u16> = servers
            .iter()
            .filter_map(|&s| self.model.servers.get(s))
            .flat_map(|s| s.binds.iter().flatten())
            .filter_map(|b| b.port)
            .collect();
        let reaches = |p: &ServicePort| match &p.target_port {
            TargetPort::Name(n) => container
                .ports
                .iter()
                .any(|cp| cp.name.as_deref() == Some(n.as_str())),
            TargetPort::Number(n) => {
                only_container
                    || container.ports.iter().any(|cp| cp.port == *n)
                    || binds.contains(n)
            }
            TargetPort::SameAsPort => {
                only_container
                    || container.ports.iter().any(|cp| cp.port == p.port)
                    || binds.contains(&p.port)
            }
        };
        let service = self.model.k8s.services.iter().find(|s| {
            s.project == pod.project
                && s.namespace() == namespace
                && s.selects(&pod.labels)
                && s.ports.iter().any(reaches)
        });
        match service {
            Some(s) => Setting::new(Value::Bool(true), Origin::File { span: s.name.span }),
            None => Setting::new(
                Value::Bool(false),
                Origin::Default {
                    tool: "Kubernetes",
                    versions: "all versions",
                    anchor: None,
                },
            ),
        }
    }

    /// The ConfigMap volumes a container mounts, with each key registered as
    /// a file (`<manifest>#configmap/<name>/<path in the volume>`).
    fn configmap_mounts(
        &mut self,
        w: &k8s::Workload,
        c: &k8s::Container,
        ctx: &PodCtx<'_, '_>,
        namespace: &str,
        embedded: &mut Embedded,
    ) -> Vec<CmMount> {
        let mut out = Vec::new();
        for vm in &c.volume_mounts {
            let Some(k8s::PodVolume::ConfigMap {
                config_map, items, ..
            }) = w.volumes.iter().find(|v| v.name() == vm.name)
            else {
                continue;
            };
            let Some(cm) = find_configmap(ctx.cms, config_map, namespace, ctx.project, ctx.path)
            else {
                continue;
            };
            // (path in the volume, value): `items` pick and rename keys; without them every key.
            let tree: Vec<(&str, &yaml::Text)> = if items.is_empty() {
                cm.cm.data.iter().map(|(k, t)| (k.as_str(), t)).collect()
            } else {
                items
                    .iter()
                    .filter_map(|(key, path)| {
                        cm.cm
                            .data
                            .iter()
                            .find(|(k, _)| k == key)
                            .map(|(_, t)| (path.as_str(), t))
                    })
                    .collect()
            };
            let dir = format!("{}#configmap/{}", cm.path, cm.cm.meta.name.value);
            let mount_path = vm.mount_path.value.clone();
            let (repo, selected): (String, Vec<(&str, &yaml::Text)>) = match &vm.sub_path {
                Some(sub) => {
                    let sub = sub.trim_matches('/');
                    let prefix = format!("{sub}/");
                    (
                        format!("{dir}/{sub}"),
                        tree.into_iter()
                            .filter(|(p, _)| *p == sub || p.starts_with(&prefix))
                            .collect(),
                    )
                }
                None => (dir.clone(), tree),
            };
            if selected.is_empty() {
                continue;
            }
            let mut files = Vec::new();
            for (p, text) in selected {
                let path = format!("{dir}/{p}");
                embedded.register(&mut *self.map, &path, text);
                files.push(path);
            }
            out.push(CmMount {
                how: format!(
                    "ConfigMap {} (volume {}) mounted at {}{}",
                    cm.cm.meta.name.value,
                    vm.name,
                    mount_path,
                    vm.sub_path
                        .as_ref()
                        .map_or_else(String::new, |s| format!(" with subPath {s}"))
                ),
                container_path: mount_path,
                repo,
                files,
            });
        }
        out
    }

    /// The nginx configuration ConfigMaps give an nginx container: the main
    /// file at its path (with includes followed through the mounts), and
    /// every other mounted `*.conf` nothing includes, read as included into
    /// `http {}` (as the stock `nginx.conf` includes `conf.d/*.conf`).
    /// Defaults follow the container image's nginx version.
    fn add_pod_nginx(&mut self, n: &NginxInPod, embedded: &Embedded) {
        let mut fs = ContainerFs::new("/");
        let mut loaded = BTreeMap::new();
        for m in &n.mounts {
            fs.add(&m.container_path, &m.repo, m.how.clone());
            for f in &m.files {
                fs.provide(f);
                if let Some((id, _)) = embedded.by_path.get(f) {
                    loaded.insert(
                        f.clone(),
                        nginx::LoadedFile {
                            file: *id,
                            path: f.clone(),
                            text: self.map.get(*id).text.clone(),
                        },
                    );
                }
            }
        }
        let prefix_map: Vec<(String, String)> = n
            .mounts
            .iter()
            .map(|m| (m.container_path.clone(), m.repo.clone()))
            .collect();
        let main = fs
            .resolve(&n.main, &BTreeSet::new())
            .map(|(p, _)| p)
            .filter(|p| loaded.contains_key(p));
        let others = loaded.iter().filter(|(p, f)| {
            Some(*p) != main.as_ref() && (p.ends_with(".conf") || nginx::looks_like_nginx(&f.text))
        });
        let order: Vec<String> = main
            .iter()
            .cloned()
            .chain(others.map(|(p, _)| p.clone()))
            .collect();
        let loader = EmbeddedLoader { files: loaded };
        let options = nginx::ExtractOptions { version: n.version };
        let mut covered = HashSet::new();
        let mut problems = Vec::new();
        let mut facts = Vec::new();
        for path in order {
            if covered.contains(&path) {
                continue;
            }
            let Some(file) = loader.files.get(&path) else {
                continue;
            };
            let config = nginx::load_config(file, &loader, &prefix_map);
            covered.extend(config.files.iter().map(|(p, _)| p.clone()));
            problems.extend(config.problems.iter().cloned());
            facts.push(nginx::extract_config(&config, &options));
        }
        let before = self.model.proxies.len();
        for mut f in facts {
            problems.append(&mut f.problems);
            add_nginx(&mut self.model, f);
        }
        let after = self.model.proxies.len();
        self.model
            .k8s
            .proxy_pods
            .extend((before..after).map(|p| (p, n.pod)));
        let mut by_file: BTreeMap<FileId, Vec<Problem>> = BTreeMap::new();
        for p in problems {
            by_file.entry(p.file).or_default().push(p);
        }
        for (_, ps) in by_file {
            self.model.problems.extend(first_syntax_error_only(ps));
        }
    }

    /// An Ingress: each backend naming a Service is a caller hop of
    /// ingress-nginx, with settings by precedence annotation > controller
    /// ConfigMap > ingress-nginx default. Ingresses of other classes are
    /// recorded as ignored.
    fn add_ingress(
        &mut self,
        file: FileId,
        path: &str,
        project: usize,
        ing: &k8s::Ingress,
        controller: Option<&k8s::ControllerConfig>,
    ) {
        let shown = match &ing.meta.namespace {
            Some(ns) => format!("Ingress {ns}/{}", ing.meta.name.value),
            None => format!("Ingress {}", ing.meta.name.value),
        };
        let other = match &ing.class {
            Some(class) if !class.to_ascii_lowercase().contains("nginx") => {
                let who = ingress_controller_of(class);
                Some((who, format!("ingress class `{class}` is run by {who}")))
            }
            Some(_) => None,
            None => controller_from_annotations(&ing.meta.annotations).map(|who| {
                (
                    who,
                    format!("it sets no ingress class, and its annotations are for {who}"),
                )
            }),
        };
        if let Some((who, why)) = other {
            let scope = self.controller_scope(project, who);
            scope
                .evidence
                .push(Spanned::new(shown.clone(), ing.meta.name.span));
            scope.explicit = true;
            self.model.k8s.ignored.push(Ignored {
                span: ing.meta.name.span,
                what: shown,
                reason: format!(
                    "{why}, not ingress-nginx; parity does not model that controller's timeouts yet"
                ),
            });
            return;
        }
        let mut settings = Settings::new();
        let mut upstream_settings = Settings::new();
        let mut chosen_by_key: BTreeMap<&str, Setting> = BTreeMap::new();
        for (k, s) in &ing.settings {
            let from_controller = controller
                .and_then(|c| c.settings.get(k))
                .filter(|c| !c.origin.is_default());
            let chosen = match from_controller {
                Some(c) if s.origin.is_default() => c.clone(),
                _ => s.clone(),
            };
            chosen_by_key.insert(k, chosen.clone());
            // Upstream keepalive belongs to the controller's upstream, not the location.
            match *k {
                "keepalive_connections" => {
                    upstream_settings.insert("keepalive", chosen);
                }
                "keepalive_timeout" | "keepalive_requests" => {
                    upstream_settings.insert(*k, chosen);
                }
                _ => {
                    settings.insert(*k, chosen);
                }
            }
        }
        // The template sends `Connection: $connection_upgrade`, a map that is
        // `upgrade` for WebSocket requests and otherwise empty (no header) when
        // upstream keepalive is on, `close` when it is off.
        let mut ignored = Vec::new();
        for (name, span, why) in &ing.ignored_annotations {
            let Some((key, reason)) = k8s::ignored_reason(name, true) else {
                continue;
            };
            let found = ing.meta.annotations.iter().rev().find(|(a, _)| a == name);
            let (Some((_, text)), Some(used)) = (found, chosen_by_key.get(key)) else {
                continue;
            };
            ignored.push(IgnoredValue {
                name: name.clone(),
                source: "annotation",
                object: shown.clone(),
                value: Spanned::new(text.value.clone(), *span),
                reason,
                why: why.clone(),
                used: used.clone(),
            });
        }
        let explicit = ing.class.is_some()
            || ing
                .meta
                .annotations
                .iter()
                .any(|(a, _)| a.starts_with(k8s::ANNOTATION_PREFIX));
        let scope = self.controller_scope(project, INGRESS_NGINX);
        scope
            .evidence
            .push(Spanned::new(shown.clone(), ing.meta.name.span));
        scope.explicit |= explicit;
        scope.ignored.extend(ignored);
        let connection = match upstream_settings.get("keepalive").map(|s| &s.value) {
            Some(Value::Int(n)) if *n > 0 => Value::List(vec![Value::Str("upgrade".into())]),
            Some(Value::Int(_)) => Value::List(vec![
                Value::Str("upgrade".into()),
                Value::Str("close".into()),
            ]),
            Some(Value::Unknown(why)) => Value::Unknown(why.clone()),
            _ => Value::Unknown("the controller's upstream keepalive is not known".into()),
        };
        settings.insert(
            "connection_values",
            Setting::new(
                connection,
                Origin::Default {
                    tool: "ingress-nginx",
                    versions: "v1.x (nginx.tmpl map $connection_upgrade)",
                    anchor: Some(ing.meta.name.span),
                },
            ),
        );
        if ing.backends.is_empty() {
            return;
        }
        // ingress-nginx balances every backend through one Lua upstream
        // (`upstream_balancer`) that carries the upstream keepalive settings.
        let upstream = self.model.upstreams.len();
        self.model.upstreams.push(Upstream {
            file,
            name: Spanned::new(format!("upstream_balancer ({shown})"), ing.meta.name.span),
            servers: Vec::new(),
            settings: upstream_settings,
            implicit: false,
        });
        for b in &ing.backends {
            let mut name = shown.clone();
            match (&b.host, &b.path) {
                (None, None) => name.push_str(", default backend"),
                (host, p) => {
                    if let Some(h) = host {
                        name.push_str(&format!(", host {h}"));
                    }
                    if let Some(p) = p {
                        name.push_str(&format!(", path {p}"));
                    }
                }
            }
            let port = b.port.as_ref().map(|p| match p {
                k8s::ServiceRef::Number(n) => ServiceRef::Number(*n),
                k8s::ServiceRef::Name(s) => ServiceRef::Name(s.clone()),
            });
            let target = match &port {
                Some(p) => format!("{}:{p}", b.service),
                None => b.service.clone(),
            };
            let proxy = self.model.proxies.len();
            self.model.proxies.push(Proxy {
                tool: "ingress-nginx",
                file,
                name,
                family: "proxy",
                target: Spanned::new(target, b.span),
                pass_span: b.span,
                settings: settings.clone(),
                upstream: Some(upstream),
            });
            self.model.k8s.ingress_routes.push(IngressRoute {
                proxy,
                path: path.to_owned(),
                ingress: ing.meta.name.clone(),
                namespace: ing.meta.namespace.clone(),
                service: b.service.clone(),
                service_port: port,
                upstream,
                project,
                ignored_annotations: ing.ignored_annotations.clone(),
                explicit,
            });
        }
    }
}

impl Assembler<'_> {
    /// The entry of a controller in a deployment scope, created on first use.
    fn controller_scope(&mut self, project: usize, tool: &str) -> &mut IngressControllerScope {
        let scopes = &mut self.model.k8s.ingress_controllers;
        let i = match scopes
            .iter()
            .position(|s| s.project == project && s.tool == tool)
        {
            Some(i) => i,
            None => {
                let dir = self
                    .model
                    .projects
                    .get(project)
                    .map(|p| p.dir.clone())
                    .unwrap_or_default();
                scopes.push(IngressControllerScope {
                    project,
                    tool: tool.to_owned(),
                    dir,
                    evidence: Vec::new(),
                    explicit: false,
                    ignored: Vec::new(),
                });
                scopes.len() - 1
            }
        };
        &mut scopes[i]
    }
}

/// What [`Assembler::add_pod`] needs to know about the manifest.
struct PodCtx<'c, 'm> {
    file: FileId,
    path: &'c str,
    project: usize,
    cms: &'c [CmRef<'m>],
    configured: Option<nginx::NginxVersion>,
}

fn model_service(file: FileId, path: &str, project: usize, s: &k8s::Service) -> Service {
    Service {
        file,
        path: path.to_owned(),
        name: s.meta.name.clone(),
        namespace: s.meta.namespace.clone(),
        selector: s.selector.clone(),
        ports: s
            .ports
            .iter()
            .map(|p| ServicePort {
                name: p.name.clone(),
                port: p.port,
                target_port: match &p.target_port {
                    k8s::TargetPort::Number(n) => TargetPort::Number(*n),
                    k8s::TargetPort::Name(n) => TargetPort::Name(n.clone()),
                    k8s::TargetPort::Default => TargetPort::SameAsPort,
                },
                span: p.span,
            })
            .collect(),
        service_type: s.service_type.clone(),
        external_name: s.external_name.clone(),
        project,
        span: s.meta.span,
    }
}

/// A container's environment: `envFrom` ConfigMaps, then `env` (values,
/// ConfigMap keys); Secrets are not read. `$(VAR)` in values is kept as
/// written.
fn container_env<'m>(
    c: &k8s::Container,
    find_cm: &dyn Fn(&str) -> Option<&'m k8s::ConfigMap>,
) -> Env {
    let mut env = Env::new();
    for from in &c.env_from {
        if let k8s::EnvFrom::ConfigMap { name, prefix, .. } = from
            && let Some(cm) = find_cm(name)
        {
            for (k, t) in &cm.data {
                let key = format!("{}{k}", prefix.as_deref().unwrap_or(""));
                env.insert(key, (t.value.clone(), t.span));
            }
        }
    }
    for e in &c.env {
        match (&e.value, &e.value_from) {
            (Some(v), _) => {
                env.insert(e.name.clone(), (v.value.clone(), v.span));
            }
            (None, Some(k8s::ValueFrom::ConfigMapKey { name, key, .. })) => {
                if let Some(t) = find_cm(name)
                    .and_then(|cm| cm.data.iter().find(|(k, _)| k == key))
                    .map(|(_, t)| t)
                {
                    env.insert(e.name.clone(), (t.value.clone(), t.span));
                }
            }
            _ => {}
        }
    }
    env
}

// ---------------------------------------------------------------------------
// Mapping spans of ConfigMap keys back into their manifests
// ---------------------------------------------------------------------------

fn remap_span(span: Span, table: &HashMap<FileId, yaml::Text>) -> Span {
    match table.get(&span.file) {
        Some(text) => text.span_of(span.start as usize..span.end as usize),
        None => span,
    }
}

fn remap_origin(origin: &mut Origin, table: &HashMap<FileId, yaml::Text>) {
    match origin {
        Origin::File { span }
        | Origin::Inherited { span }
        | Origin::Cli { span }
        | Origin::Env { span, .. }
        | Origin::EnvDefault { span, .. } => *span = remap_span(*span, table),
        Origin::Default { anchor, .. } => {
            if let Some(a) = anchor {
                *a = remap_span(*a, table);
            }
        }
    }
}

fn remap_settings(settings: &mut Settings, table: &HashMap<FileId, yaml::Text>) {
    for s in settings.values_mut() {
        remap_origin(&mut s.origin, table);
    }
}

fn remap_file(file: FileId, table: &HashMap<FileId, yaml::Text>) -> FileId {
    table.get(&file).map_or(file, |t| t.span.file)
}

/// Points every span of the model that lies in a registered ConfigMap key
/// at the manifest bytes it came from.
fn remap_model(model: &mut Model, table: &HashMap<FileId, yaml::Text>) {
    if table.is_empty() {
        return;
    }
    for p in &mut model.proxies {
        p.file = remap_file(p.file, table);
        p.target.span = remap_span(p.target.span, table);
        p.pass_span = remap_span(p.pass_span, table);
        remap_settings(&mut p.settings, table);
    }
    for u in &mut model.upstreams {
        u.file = remap_file(u.file, table);
        u.name.span = remap_span(u.name.span, table);
        for s in &mut u.servers {
            s.span = remap_span(s.span, table);
        }
        remap_settings(&mut u.settings, table);
    }
    for s in &mut model.servers {
        s.command.span = remap_span(s.command.span, table);
        remap_settings(&mut s.settings, table);
        for u in &mut s.unknown_settings {
            u.span = remap_span(u.span, table);
        }
        s.config_file = s.config_file.map(|f| remap_file(f, table));
    }
    for w in &mut model.workloads {
        remap_settings(&mut w.settings, table);
    }
    for p in &mut model.problems {
        p.file = remap_file(p.file, table);
        p.span = p.span.map(|s| remap_span(s, table));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_group_a_manifest_folder_and_keep_apps_apart() {
        assert_eq!(scope_dir("k8s/deployment.yaml"), "k8s");
        assert_eq!(scope_dir("k8s/api/deployment.yaml"), "k8s");
        assert_eq!(scope_dir("apps/shop/k8s/service.yaml"), "apps/shop/k8s");
        assert_eq!(scope_dir("apps/blog/k8s/service.yaml"), "apps/blog/k8s");
        assert_eq!(
            scope_dir("kubernetes-manifests/frontend.yaml"),
            "kubernetes-manifests"
        );
        assert_eq!(
            scope_dir("src/frontend/k8s/overlays/prod/ingress.yaml"),
            "src/frontend/k8s"
        );
        // A kustomize tree without a manifests folder: the parent of base/overlays.
        assert_eq!(scope_dir("web/overlays/prod/ingress.yaml"), "web");
        assert_eq!(scope_dir("web/base/service.yaml"), "web");
        // Otherwise the file's own directory.
        assert_eq!(scope_dir("ops/web.yaml"), "ops");
        assert_eq!(scope_dir("app.yaml"), "");
    }

    #[test]
    fn affinity_prefers_the_nearest_file_and_separates_overlays() {
        let a = manifest_affinity("k8s/shop/ingress.yaml", "k8s/shop/service.yaml");
        let b = manifest_affinity("k8s/shop/ingress.yaml", "k8s/blog/service.yaml");
        assert!(a > b, "{a:?} {b:?}");
        assert_eq!(
            manifest_affinity("k8s/overlays/prod/ingress.yaml", "k8s/base/service.yaml"),
            Some(1)
        );
        assert_eq!(
            manifest_affinity(
                "k8s/overlays/prod/ingress.yaml",
                "k8s/overlays/dev/svc.yaml"
            ),
            None
        );
    }

    #[test]
    fn selectors_are_subsets_of_pod_labels() {
        let svc = |selector: &[(&str, &str)]| Service {
            file: FileId(0),
            path: String::new(),
            name: Spanned::new("web".into(), Span::new(FileId(0), 0, 0)),
            namespace: None,
            selector: selector
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ports: Vec::new(),
            service_type: None,
            external_name: None,
            project: 0,
            span: Span::new(FileId(0), 0, 0),
        };
        let labels = vec![
            ("app".to_owned(), "web".to_owned()),
            ("tier".to_owned(), "api".to_owned()),
        ];
        assert!(svc(&[("app", "web")]).selects(&labels));
        assert!(svc(&[("app", "web"), ("tier", "api")]).selects(&labels));
        assert!(!svc(&[("app", "web"), ("tier", "db")]).selects(&labels));
        assert!(!svc(&[("app", "web"), ("zone", "a")]).selects(&labels));
        // No selector: the Service selects nothing (its endpoints are managed by hand).
        assert!(!svc(&[]).selects(&labels));
        assert_eq!(svc(&[]).namespace(), "default");
    }

    #[test]
    fn controller_flag_and_names() {
        let t = |s: &str| yaml::Text::new_literal(s.to_owned(), Span::new(FileId(0), 0, s.len()));
        let words = [
            t("/nginx-ingress-controller"),
            t("--configmap=$(POD_NAMESPACE)/ingress-nginx-controller"),
        ];
        let refs: Vec<&yaml::Text> = words.iter().collect();
        assert_eq!(
            configmap_flag(&refs).as_deref(),
            Some("ingress-nginx-controller")
        );
        assert!(is_controller_configmap_name("ingress-nginx-controller"));
        assert!(is_controller_configmap_name(
            "my-release-ingress-nginx-controller"
        ));
        assert!(!is_controller_configmap_name("web-config"));
    }
}
