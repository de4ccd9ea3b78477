//! Kubernetes manifests: workloads and their pod templates, Services,
//! Ingresses and ConfigMaps, as spanned facts. No cross-file logic: which
//! Service selects which pods, or which ConfigMap a volume mounts, is the
//! linker's business.
//!
//! Values are read the way `kubectl apply` and the API server read them
//! (see [`scalar`]): go-yaml v2 (YAML 1.1) resolution, then typed JSON
//! decoding. A value of the wrong type (`value: 8080` for an env var, a
//! quoted `"30"` for `terminationGracePeriodSeconds`) makes the API server
//! reject the whole object; it becomes a [`Problem`] and the value as
//! written is still recorded where a field can hold it, so findings can
//! point at what the author meant.
//!
//! Multi-document files and `kind: List` (and `*List`) items are read;
//! kinds that carry nothing parity models are listed in
//! [`K8sFile::other_kinds`] and otherwise skipped.

mod ingress_nginx;
mod prestop;
pub mod scalar;

use std::collections::BTreeMap;

use crate::diag::Problem;
use crate::sources::yaml::{self, Node, NodeKind, Text};
use crate::span::{FileId, Span, Spanned};
use crate::value::Setting;

pub use ingress_nginx::{
    ANNOTATION_PREFIX, ControllerConfig, DEFAULTS_VERSIONS, IgnoredReason, IgnoredSetting,
    ignored_reason, ingress_nginx_configmap, ingress_nginx_controller_config,
};
use scalar::{Resolved, as_integer, resolve};

/// How deep `kind: List` items may nest in each other.
const MAX_LIST_DEPTH: usize = 8;

/// The objects of one manifest file.
#[derive(Clone, Debug, PartialEq)]
pub struct K8sFile {
    pub objects: Vec<Object>,
    pub problems: Vec<Problem>,
    /// `kind` of every object that was skipped (RBAC, Secrets, CRDs, ...), with
    /// the span of its `kind` value.
    pub other_kinds: Vec<Spanned<String>>,
}

/// Identity and metadata of one object.
#[derive(Clone, Debug, PartialEq)]
pub struct Meta {
    pub kind: String,
    pub api_version: String,
    /// `metadata.name`; empty (spanning `metadata`) when only `generateName` is set.
    pub name: Spanned<String>,
    pub namespace: Option<String>,
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, Text)>,
    /// The whole document (or `items[]` entry).
    pub span: Span,
}

/// One object parity models.
#[derive(Clone, Debug, PartialEq)]
pub enum Object {
    Workload(Workload),
    Service(Service),
    Ingress(Ingress),
    ConfigMap(ConfigMap),
}

impl Object {
    #[must_use]
    pub fn meta(&self) -> &Meta {
        match self {
            Object::Workload(w) => &w.meta,
            Object::Service(s) => &s.meta,
            Object::Ingress(i) => &i.meta,
            Object::ConfigMap(c) => &c.meta,
        }
    }
}

/// Anything with a pod template: Deployment, StatefulSet, DaemonSet,
/// ReplicaSet, ReplicationController, Job, CronJob, Pod, PodTemplate, Argo
/// Rollout.
#[derive(Clone, Debug, PartialEq)]
pub struct Workload {
    pub meta: Meta,
    /// The pod template's labels (a Pod's own labels).
    pub pod_labels: Vec<(String, String)>,
    /// `terminationGracePeriodSeconds`; `None` means the default, 30.
    /// A negative value is kept (and reported as a Problem).
    pub termination_grace: Option<(i64, Span)>,
    pub containers: Vec<Container>,
    pub init_containers: Vec<Container>,
    pub volumes: Vec<PodVolume>,
    /// The pod spec mapping (for a Rollout with `workloadRef`, that mapping).
    pub pod_spec_span: Span,
    /// Argo Rollout `spec.workloadRef`: the pods come from the template of
    /// the referenced Deployment (or ReplicaSet/PodTemplate); no pod spec here.
    pub workload_ref: Option<WorkloadRef>,
}

/// Argo Rollout `spec.workloadRef`.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadRef {
    pub api_version: Option<String>,
    pub kind: String,
    pub name: Spanned<String>,
}

/// One container (or init container) of a pod spec.
#[derive(Clone, Debug, PartialEq)]
pub struct Container {
    pub name: Spanned<String>,
    pub image: Option<Text>,
    /// Replaces the image's ENTRYPOINT (and drops its CMD) when set.
    /// `$(VAR)` references are kept as written (see [`expand_var_refs`]).
    pub command: Option<Vec<Text>>,
    /// Replaces the image's CMD when set.
    pub args: Option<Vec<Text>>,
    pub env: Vec<EnvVar>,
    pub env_from: Vec<EnvFrom>,
    pub working_dir: Option<Text>,
    pub ports: Vec<ContainerPort>,
    pub pre_stop: Option<PreStop>,
    /// The program an `exec` preStop hook runs (`command[0]` as written:
    /// `sleep`, `/bin/sh`); `None` without an exec hook.
    pub pre_stop_program: Option<Text>,
    /// `lifecycle.stopSignal` (alpha since 1.33); the image's STOPSIGNAL otherwise.
    pub stop_signal: Option<Text>,
    /// `restartPolicy` of an init container; `Always` makes it a native
    /// sidecar, which gets TERM only after the main containers exited.
    pub restart_policy: Option<String>,
    pub volume_mounts: Vec<VolumeMount>,
    /// The container's mapping.
    pub span: Span,
}

/// One `env` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct EnvVar {
    pub name: String,
    pub name_span: Span,
    /// `None` when absent or null (with no `valueFrom`, the variable is set
    /// to the empty string).
    pub value: Option<Text>,
    pub value_from: Option<ValueFrom>,
}

/// `env[].valueFrom`.
#[derive(Clone, Debug, PartialEq)]
pub enum ValueFrom {
    ConfigMapKey {
        name: String,
        key: String,
        span: Span,
    },
    SecretKey {
        name: String,
        key: String,
        span: Span,
    },
    /// `fieldRef.fieldPath`, e.g. `status.podIP`.
    Field(String),
    /// `resourceFieldRef.resource`, e.g. `limits.cpu`.
    Resource(String),
}

/// `envFrom[]`.
#[derive(Clone, Debug, PartialEq)]
pub enum EnvFrom {
    ConfigMap {
        name: String,
        prefix: Option<String>,
        span: Span,
    },
    Secret {
        name: String,
        prefix: Option<String>,
        span: Span,
    },
}

/// `ports[]` of a container.
#[derive(Clone, Debug, PartialEq)]
pub struct ContainerPort {
    pub name: Option<String>,
    pub port: u16,
    /// The `containerPort` value.
    pub span: Span,
}

/// `lifecycle.preStop`: what delays TERM after the pod starts terminating.
#[derive(Clone, Debug, PartialEq)]
pub enum PreStop {
    /// The native sleep action (`sleep.seconds`); `span` is the seconds value.
    Sleep { seconds: i64, span: Span },
    /// `exec` running `sleep N` directly or through `sh -c`. `seconds` is
    /// `None` when the duration cannot be read (`sleep $DELAY`, a sleep
    /// inside a loop or `if`). `other_commands`: the hook runs more than the
    /// sleep, so it lasts at least `seconds` (if the commands before the
    /// sleep succeed). `sleep_first`: nothing runs before the sleep (a
    /// `nginx -s quit` before it would stop serving during the delay).
    /// `span` is the duration word when known, else the command.
    ExecSleep {
        seconds: Option<f64>,
        span: Span,
        other_commands: bool,
        sleep_first: bool,
    },
    /// Another `exec` command: unknown delay. `span` is the command.
    Exec { span: Span },
    /// `httpGet`, run by the kubelet: unknown delay.
    HttpGet { span: Span },
}

/// `volumeMounts[]`.
#[derive(Clone, Debug, PartialEq)]
pub struct VolumeMount {
    pub name: String,
    pub mount_path: Text,
    pub sub_path: Option<String>,
    pub span: Span,
}

/// `volumes[]` of a pod spec.
#[derive(Clone, Debug, PartialEq)]
pub enum PodVolume {
    ConfigMap {
        /// The volume's name (what `volumeMounts[].name` refers to).
        name: String,
        config_map: String,
        /// `items[]`: `(key, path)`; empty means every key, as a file named
        /// after the key.
        items: Vec<(String, String)>,
    },
    Other {
        name: String,
    },
}

impl PodVolume {
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            PodVolume::ConfigMap { name, .. } | PodVolume::Other { name } => name,
        }
    }
}

/// A core/v1 Service.
#[derive(Clone, Debug, PartialEq)]
pub struct Service {
    pub meta: Meta,
    pub selector: Vec<(String, String)>,
    pub ports: Vec<ServicePort>,
    /// `spec.type` (`ClusterIP` when absent).
    pub service_type: Option<String>,
    /// `spec.externalName` of an `ExternalName` Service.
    pub external_name: Option<String>,
}

/// `spec.ports[]` of a Service.
#[derive(Clone, Debug, PartialEq)]
pub struct ServicePort {
    pub name: Option<String>,
    pub port: u16,
    pub target_port: TargetPort,
    /// The port's mapping.
    pub span: Span,
}

/// `targetPort`.
#[derive(Clone, Debug, PartialEq)]
pub enum TargetPort {
    Number(u16),
    /// A container port name.
    Name(String),
    /// Not written: the same number as `port`.
    Default,
}

/// An Ingress (`networking.k8s.io/v1`, `networking.k8s.io/v1beta1`,
/// `extensions/v1beta1`).
#[derive(Clone, Debug, PartialEq)]
pub struct Ingress {
    pub meta: Meta,
    /// `spec.ingressClassName`, else the `kubernetes.io/ingress.class` annotation.
    pub class: Option<String>,
    /// Every rule path and the default backend (host and path `None`).
    pub backends: Vec<IngressBackend>,
    /// ingress-nginx settings of this Ingress by model key (`read_timeout`,
    /// `send_timeout`, `connect_timeout`, `next_upstream`,
    /// `next_upstream_tries`, `next_upstream_timeout`, `keepalive_timeout`,
    /// `keepalive_connections`, `keepalive_requests`). An annotation that
    /// ingress-nginx accepts gives `Origin::File`; otherwise the entry is
    /// `Origin::Default` with the built-in default, which the controller
    /// ConfigMap (see [`ingress_nginx_configmap`]) overrides. The
    /// `keepalive_*` keys can only come from the ConfigMap.
    pub settings: BTreeMap<&'static str, Setting>,
    /// ingress-nginx annotations the controller ignores, silently falling
    /// back to the ConfigMap value: `(annotation, value span, why)`.
    pub ignored_annotations: Vec<(String, Span, String)>,
}

/// One path (or the default backend) of an Ingress.
#[derive(Clone, Debug, PartialEq)]
pub struct IngressBackend {
    pub host: Option<String>,
    pub path: Option<String>,
    pub service: String,
    pub port: Option<ServiceRef>,
    /// The backend mapping.
    pub span: Span,
}

/// The Service port an Ingress backend names.
#[derive(Clone, Debug, PartialEq)]
pub enum ServiceRef {
    Number(u16),
    Name(String),
}

/// A ConfigMap.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigMap {
    pub meta: Meta,
    /// `data`; each value keeps its exact map into the file, block scalars too.
    pub data: Vec<(String, Text)>,
    /// Keys of `binaryData` (base64 content, not read).
    pub binary_keys: Vec<String>,
}

/// Parses every document of a manifest file. Never panics.
#[must_use]
pub fn parse(file: FileId, text: &str) -> K8sFile {
    let docs = yaml::parse(file, text);
    let mut out = K8sFile {
        objects: Vec::new(),
        problems: docs.problems,
        other_kinds: Vec::new(),
    };
    for doc in &docs.docs {
        read_object(doc, &mut out, 0);
    }
    out
}

/// `$(VAR)` expansion as the kubelet does it in `command`, `args` and env
/// values (k8s `third_party/forked/golang/expansion`): a defined `$(VAR)` is
/// replaced (`lookup` gives its value), an undefined one stays as written,
/// `$$` is a literal `$`, any other `$` is kept. For an env value, `lookup`
/// should know only the variables defined before it in `env`; for `command`
/// and `args`, all of the container's. preStop `exec` commands are not
/// expanded by the kubelet. The result keeps its map to the file:
/// substituted values map to the `$(VAR)` they replaced.
#[must_use]
pub fn expand_var_refs(text: &Text, lookup: &dyn Fn(&str) -> Option<String>) -> Text {
    let v = text.value.as_str();
    let b = v.as_bytes();
    let mut out = yaml::TextBuilder::new(text.span.file);
    let mut i = 0;
    let mut lit_start = 0;
    while i < b.len() {
        if b[i] != b'$' {
            i += 1;
            continue;
        }
        match b.get(i + 1) {
            Some(b'$') => {
                out.push_text(text, lit_start..i + 1);
                i += 2;
                lit_start = i;
            }
            Some(b'(') => match v[i + 2..].find(')') {
                Some(close) => {
                    let name = &v[i + 2..i + 2 + close];
                    let end = i + 2 + close + 1;
                    if let Some(value) = lookup(name) {
                        out.push_text(text, lit_start..i);
                        out.push_mapped(&value, text.span_of(i..end));
                    } else {
                        out.push_text(text, lit_start..end);
                    }
                    i = end;
                    lit_start = i;
                }
                // No closing paren: the rest is literal.
                None => break,
            },
            _ => i += 1,
        }
    }
    out.push_text(text, lit_start..b.len());
    out.finish(text.span, text.style)
}

// ---------------------------------------------------------------------------
// Objects
// ---------------------------------------------------------------------------

fn read_object(doc: &Node, out: &mut K8sFile, depth: usize) {
    let problems = &mut out.problems;
    if doc.is_null() {
        return;
    }
    if doc.as_map().is_none() {
        problems.push(Problem::parse(
            doc.span,
            "this document is not a mapping, so not a Kubernetes object (kubectl rejects the file)",
        ));
        return;
    }
    let kind_node = doc.get("kind");
    let kind = kind_node.and_then(|n| plain_string(n, "kind", problems));
    let api = doc
        .get("apiVersion")
        .and_then(|n| plain_string(n, "apiVersion", problems));
    let (Some(kind), Some(api)) = (kind, api) else {
        // kustomization.yaml and friends have apiVersion/kind; a document with
        // neither is not something kubectl applies.
        if doc.get("resources").is_none() {
            let missing = if kind_node.is_none() {
                "kind"
            } else {
                "apiVersion"
            };
            problems.push(Problem::parse(
                doc.span,
                format!("object has no `{missing}`; kubectl rejects it"),
            ));
        }
        return;
    };
    let kind_span = kind_node.map_or(doc.span, |n| n.span);
    if kind.ends_with("List")
        && let Some(items) = doc.get("items")
    {
        if depth >= MAX_LIST_DEPTH {
            problems.push(Problem::parse(
                items.span,
                format!("`kind: List` nested more than {MAX_LIST_DEPTH} deep; not read"),
            ));
            return;
        }
        for item in seq(Some(items), "items", &mut out.problems) {
            read_object(item, out, depth + 1);
        }
        return;
    }
    let group = api.split_once('/').map_or("", |(g, _)| g);
    let object = match (kind.as_str(), group) {
        ("Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet", "apps" | "extensions")
        | ("Job" | "CronJob", "batch")
        | ("Pod" | "PodTemplate" | "ReplicationController", "")
        | ("Rollout", "argoproj.io") => {
            let meta = read_meta(doc, kind, api, problems);
            Object::Workload(read_workload(doc, meta, problems))
        }
        ("Service", "") => {
            let meta = read_meta(doc, kind, api, problems);
            Object::Service(read_service(doc, meta, problems))
        }
        ("Ingress", "networking.k8s.io" | "extensions") => {
            let meta = read_meta(doc, kind, api, problems);
            Object::Ingress(read_ingress(doc, meta, problems))
        }
        ("ConfigMap", "") => {
            let meta = read_meta(doc, kind, api, problems);
            Object::ConfigMap(read_configmap(doc, meta, problems))
        }
        _ => {
            out.other_kinds.push(Spanned::new(kind, kind_span));
            return;
        }
    };
    out.objects.push(object);
}

fn read_meta(doc: &Node, kind: String, api_version: String, p: &mut Vec<Problem>) -> Meta {
    let md = doc.get("metadata");
    let md_span = md.map_or(doc.span, |m| m.span);
    let md = md.filter(|m| expect_map(m, "metadata", p));
    let name = match md.and_then(|m| m.get("name")) {
        Some(n) => match string_text(n, "metadata.name", p) {
            Some(t) => Spanned::new(t.value.clone(), t.span),
            None => Spanned::new(String::new(), n.span),
        },
        None => {
            if md.and_then(|m| m.get("generateName")).is_none() {
                p.push(Problem::parse(
                    md_span,
                    format!("{kind} has no metadata.name; kubectl rejects it"),
                ));
            }
            Spanned::new(String::new(), md_span)
        }
    };
    let namespace = md
        .and_then(|m| m.get("namespace"))
        .and_then(|n| plain_string(n, "metadata.namespace", p));
    let labels = md.map_or_else(Vec::new, |m| {
        string_map(m.get("labels"), "metadata.labels", p)
    });
    let annotations = md.map_or_else(Vec::new, |m| {
        text_map(m.get("annotations"), "metadata.annotations", p)
    });
    Meta {
        kind,
        api_version,
        name,
        namespace,
        labels,
        annotations,
        span: doc.span,
    }
}

fn read_workload(doc: &Node, meta: Meta, p: &mut Vec<Problem>) -> Workload {
    let spec = doc.get("spec").filter(|s| expect_map(s, "spec", p));
    let mut workload_ref = None;
    // Where the pod's labels and spec live for this kind.
    let (labels_owner, pod_spec): (Option<&Node>, Option<&Node>) = match meta.kind.as_str() {
        "Pod" => (doc.get("metadata"), spec),
        "PodTemplate" => {
            let t = doc.get("template");
            (
                t.and_then(|t| t.get("metadata")),
                t.and_then(|t| t.get("spec")),
            )
        }
        "CronJob" => {
            let t = spec
                .and_then(|s| s.get("jobTemplate"))
                .and_then(|j| j.get("spec"))
                .and_then(|s| s.get("template"));
            (
                t.and_then(|t| t.get("metadata")),
                t.and_then(|t| t.get("spec")),
            )
        }
        _ => {
            let t = spec.and_then(|s| s.get("template"));
            if meta.kind == "Rollout"
                && t.is_none()
                && let Some(r) = spec.and_then(|s| s.get("workloadRef"))
            {
                workload_ref = read_workload_ref(r, p);
            }
            (
                t.and_then(|t| t.get("metadata")),
                t.and_then(|t| t.get("spec")),
            )
        }
    };
    let pod_labels = string_map(
        labels_owner.and_then(|m| m.get("labels")),
        "pod template labels",
        p,
    );
    let mut w = Workload {
        pod_labels,
        termination_grace: None,
        containers: Vec::new(),
        init_containers: Vec::new(),
        volumes: Vec::new(),
        pod_spec_span: meta.span,
        workload_ref,
        meta,
    };
    let Some(ps) = pod_spec.filter(|s| expect_map(s, "pod spec", p)) else {
        if w.workload_ref.is_none() {
            p.push(Problem::parse(
                w.meta.name.span,
                format!("{} has no pod template spec", w.meta.kind),
            ));
        } else if let Some(r) = spec.and_then(|s| s.get("workloadRef")) {
            w.pod_spec_span = r.span;
        }
        return w;
    };
    w.pod_spec_span = ps.span;
    if let Some(n) = ps.get("terminationGracePeriodSeconds")
        && let Some(v) = int_value(n, "terminationGracePeriodSeconds", p)
    {
        if v < 0 {
            p.push(Problem::parse(
                n.span,
                format!("terminationGracePeriodSeconds is negative ({v}); it must be >= 0"),
            ));
        }
        if let Ok(v) = i64::try_from(v) {
            w.termination_grace = Some((v, n.span));
        }
    }
    w.containers = seq(ps.get("containers"), "containers", p)
        .iter()
        .filter_map(|c| read_container(c, p))
        .collect();
    w.init_containers = seq(ps.get("initContainers"), "initContainers", p)
        .iter()
        .filter_map(|c| read_container(c, p))
        .collect();
    w.volumes = seq(ps.get("volumes"), "volumes", p)
        .iter()
        .filter_map(|v| read_volume(v, p))
        .collect();
    if w.containers.is_empty() && ps.get("containers").is_none() {
        p.push(Problem::parse(ps.span, "pod spec has no containers"));
    }
    w
}

fn read_workload_ref(r: &Node, p: &mut Vec<Problem>) -> Option<WorkloadRef> {
    if !expect_map(r, "workloadRef", p) {
        return None;
    }
    let name = r
        .get("name")
        .and_then(|n| string_text(n, "workloadRef.name", p))?;
    Some(WorkloadRef {
        api_version: r
            .get("apiVersion")
            .and_then(|n| plain_string(n, "workloadRef.apiVersion", p)),
        kind: r
            .get("kind")
            .and_then(|n| plain_string(n, "workloadRef.kind", p))
            .unwrap_or_default(),
        name: Spanned::new(name.value.clone(), name.span),
    })
}

fn read_container(c: &Node, p: &mut Vec<Problem>) -> Option<Container> {
    if !expect_map(c, "container", p) {
        return None;
    }
    let name = match c
        .get("name")
        .and_then(|n| string_text(n, "container name", p))
    {
        Some(t) => Spanned::new(t.value.clone(), t.span),
        None => {
            p.push(Problem::parse(c.span, "container has no name"));
            Spanned::new(String::new(), c.span)
        }
    };
    let lifecycle = c.get("lifecycle").filter(|l| expect_map(l, "lifecycle", p));
    let pre_stop = lifecycle
        .and_then(|l| l.get("preStop"))
        .and_then(|h| prestop::read(h, p));
    // Problems of the hook are reported by `prestop::read`.
    let pre_stop_program = lifecycle
        .and_then(|l| l.get("preStop"))
        .and_then(|h| h.get("exec"))
        .and_then(|e| e.get("command"))
        .and_then(|cmd| string_list(cmd, "preStop exec command", &mut Vec::new()))
        .and_then(|argv| argv.into_iter().next());
    let stop_signal = lifecycle
        .and_then(|l| l.get("stopSignal"))
        .and_then(|n| string_text(n, "lifecycle.stopSignal", p))
        .cloned();
    Some(Container {
        name,
        image: c
            .get("image")
            .and_then(|n| string_text(n, "image", p))
            .cloned(),
        command: c.get("command").and_then(|n| string_list(n, "command", p)),
        args: c.get("args").and_then(|n| string_list(n, "args", p)),
        env: seq(c.get("env"), "env", p)
            .iter()
            .filter_map(|e| read_env(e, p))
            .collect(),
        env_from: seq(c.get("envFrom"), "envFrom", p)
            .iter()
            .filter_map(|e| read_env_from(e, p))
            .collect(),
        working_dir: c
            .get("workingDir")
            .and_then(|n| string_text(n, "workingDir", p))
            .cloned(),
        ports: seq(c.get("ports"), "ports", p)
            .iter()
            .filter_map(|port| read_container_port(port, p))
            .collect(),
        pre_stop,
        pre_stop_program,
        stop_signal,
        restart_policy: c
            .get("restartPolicy")
            .and_then(|n| plain_string(n, "restartPolicy", p)),
        volume_mounts: seq(c.get("volumeMounts"), "volumeMounts", p)
            .iter()
            .filter_map(|m| read_volume_mount(m, p))
            .collect(),
        span: c.span,
    })
}

fn read_env(e: &Node, p: &mut Vec<Problem>) -> Option<EnvVar> {
    if !expect_map(e, "env entry", p) {
        return None;
    }
    let Some(name) = e.get("name").and_then(|n| string_text(n, "env name", p)) else {
        p.push(Problem::parse(e.span, "env entry has no name"));
        return None;
    };
    let value_from = e
        .get("valueFrom")
        .filter(|v| expect_map(v, "valueFrom", p))
        .and_then(|v| read_value_from(v, p));
    Some(EnvVar {
        name: name.value.clone(),
        name_span: name.span,
        value: e
            .get("value")
            .and_then(|n| string_text(n, "env value", p))
            .cloned(),
        value_from,
    })
}

fn read_value_from(v: &Node, p: &mut Vec<Problem>) -> Option<ValueFrom> {
    let key_ref = |r: &Node, what: &str, p: &mut Vec<Problem>| -> (String, String) {
        let name = r
            .get("name")
            .and_then(|n| plain_string(n, what, p))
            .unwrap_or_default();
        let key = r
            .get("key")
            .and_then(|n| plain_string(n, what, p))
            .unwrap_or_default();
        (name, key)
    };
    if let Some(r) = v
        .get("configMapKeyRef")
        .filter(|r| expect_map(r, "configMapKeyRef", p))
    {
        let (name, key) = key_ref(r, "configMapKeyRef", p);
        return Some(ValueFrom::ConfigMapKey {
            name,
            key,
            span: r.span,
        });
    }
    if let Some(r) = v
        .get("secretKeyRef")
        .filter(|r| expect_map(r, "secretKeyRef", p))
    {
        let (name, key) = key_ref(r, "secretKeyRef", p);
        return Some(ValueFrom::SecretKey {
            name,
            key,
            span: r.span,
        });
    }
    if let Some(r) = v.get("fieldRef") {
        let path = r
            .get("fieldPath")
            .and_then(|n| plain_string(n, "fieldRef.fieldPath", p))
            .unwrap_or_default();
        return Some(ValueFrom::Field(path));
    }
    if let Some(r) = v.get("resourceFieldRef") {
        let res = r
            .get("resource")
            .and_then(|n| plain_string(n, "resourceFieldRef.resource", p))
            .unwrap_or_default();
        return Some(ValueFrom::Resource(res));
    }
    None
}

fn read_env_from(e: &Node, p: &mut Vec<Problem>) -> Option<EnvFrom> {
    if !expect_map(e, "envFrom entry", p) {
        return None;
    }
    let prefix = e
        .get("prefix")
        .and_then(|n| plain_string(n, "envFrom prefix", p));
    let name_of = |r: &Node, p: &mut Vec<Problem>| {
        r.get("name")
            .and_then(|n| plain_string(n, "envFrom name", p))
            .unwrap_or_default()
    };
    if let Some(r) = e
        .get("configMapRef")
        .filter(|r| expect_map(r, "configMapRef", p))
    {
        return Some(EnvFrom::ConfigMap {
            name: name_of(r, p),
            prefix,
            span: r.span,
        });
    }
    if let Some(r) = e.get("secretRef").filter(|r| expect_map(r, "secretRef", p)) {
        return Some(EnvFrom::Secret {
            name: name_of(r, p),
            prefix,
            span: r.span,
        });
    }
    None
}

fn read_container_port(n: &Node, p: &mut Vec<Problem>) -> Option<ContainerPort> {
    if !expect_map(n, "container port", p) {
        return None;
    }
    let Some(v) = n.get("containerPort") else {
        p.push(Problem::parse(
            n.span,
            "container port has no containerPort",
        ));
        return None;
    };
    let port = port_number(v, "containerPort", p)?;
    Some(ContainerPort {
        name: n.get("name").and_then(|x| plain_string(x, "port name", p)),
        port,
        span: v.span,
    })
}

fn read_volume_mount(m: &Node, p: &mut Vec<Problem>) -> Option<VolumeMount> {
    if !expect_map(m, "volumeMount", p) {
        return None;
    }
    let name = m
        .get("name")
        .and_then(|n| plain_string(n, "volumeMount name", p));
    let path = m
        .get("mountPath")
        .and_then(|n| string_text(n, "mountPath", p))
        .cloned();
    let (Some(name), Some(mount_path)) = (name, path) else {
        p.push(Problem::parse(
            m.span,
            "volumeMount needs name and mountPath",
        ));
        return None;
    };
    Some(VolumeMount {
        name,
        mount_path,
        sub_path: m
            .get("subPath")
            .and_then(|n| plain_string(n, "subPath", p))
            .filter(|s| !s.is_empty()),
        span: m.span,
    })
}

fn read_volume(v: &Node, p: &mut Vec<Problem>) -> Option<PodVolume> {
    if !expect_map(v, "volume", p) {
        return None;
    }
    let Some(name) = v
        .get("name")
        .and_then(|n| plain_string(n, "volume name", p))
    else {
        p.push(Problem::parse(v.span, "volume has no name"));
        return None;
    };
    let Some(cm) = v
        .get("configMap")
        .filter(|c| expect_map(c, "configMap volume", p))
    else {
        return Some(PodVolume::Other { name });
    };
    let config_map = cm
        .get("name")
        .and_then(|n| plain_string(n, "configMap name", p))
        .unwrap_or_default();
    let mut items = Vec::new();
    for i in seq(cm.get("items"), "configMap items", p) {
        if !expect_map(i, "configMap item", p) {
            continue;
        }
        let key = i.get("key").and_then(|n| plain_string(n, "item key", p));
        let path = i.get("path").and_then(|n| plain_string(n, "item path", p));
        match (key, path) {
            (Some(key), Some(path)) => items.push((key, path)),
            _ => p.push(Problem::parse(i.span, "configMap item needs key and path")),
        }
    }
    Some(PodVolume::ConfigMap {
        name,
        config_map,
        items,
    })
}

fn read_service(doc: &Node, meta: Meta, p: &mut Vec<Problem>) -> Service {
    let spec = doc.get("spec").filter(|s| expect_map(s, "spec", p));
    let mut svc = Service {
        meta,
        selector: Vec::new(),
        ports: Vec::new(),
        service_type: None,
        external_name: None,
    };
    let Some(spec) = spec else {
        return svc;
    };
    svc.selector = string_map(spec.get("selector"), "spec.selector", p);
    svc.service_type = spec
        .get("type")
        .and_then(|n| plain_string(n, "spec.type", p));
    svc.external_name = spec
        .get("externalName")
        .and_then(|n| plain_string(n, "spec.externalName", p));
    for port in seq(spec.get("ports"), "spec.ports", p) {
        if !expect_map(port, "service port", p) {
            continue;
        }
        let Some(pv) = port.get("port") else {
            p.push(Problem::parse(port.span, "service port has no `port`"));
            continue;
        };
        let Some(number) = port_number(pv, "port", p) else {
            continue;
        };
        let target_port = match port.get("targetPort") {
            None => TargetPort::Default,
            Some(t) => match int_or_string(t, "targetPort", p) {
                Some(IntOrString::Int(n)) => TargetPort::Number(n),
                Some(IntOrString::Str(s)) => TargetPort::Name(s),
                None => TargetPort::Default,
            },
        };
        svc.ports.push(ServicePort {
            name: port
                .get("name")
                .and_then(|n| plain_string(n, "port name", p)),
            port: number,
            target_port,
            span: port.span,
        });
    }
    svc
}

fn read_ingress(doc: &Node, meta: Meta, p: &mut Vec<Problem>) -> Ingress {
    let spec = doc.get("spec").filter(|s| expect_map(s, "spec", p));
    let v1 = meta.api_version == "networking.k8s.io/v1";
    let annotation_class = meta
        .annotations
        .iter()
        .find(|(k, _)| k == "kubernetes.io/ingress.class")
        .map(|(_, t)| t);
    let spec_class = spec
        .and_then(|s| s.get("ingressClassName"))
        .and_then(|n| string_text(n, "ingressClassName", p));
    if let (Some(a), Some(_)) = (annotation_class, spec_class) {
        p.push(Problem::parse(
            a.span,
            "the kubernetes.io/ingress.class annotation cannot be set together with \
             spec.ingressClassName (the API server rejects the Ingress)",
        ));
    }
    let class = spec_class.or(annotation_class).map(|t| t.value.clone());
    let mut backends = Vec::new();
    if let Some(spec) = spec {
        let default_key = if v1 { "defaultBackend" } else { "backend" };
        if let Some(b) = spec.get(default_key)
            && let Some(backend) = read_backend(b, v1, None, None, p)
        {
            backends.push(backend);
        }
        for rule in seq(spec.get("rules"), "spec.rules", p) {
            if !expect_map(rule, "ingress rule", p) {
                continue;
            }
            let host = rule.get("host").and_then(|n| plain_string(n, "host", p));
            let Some(http) = rule.get("http").filter(|h| expect_map(h, "http", p)) else {
                continue;
            };
            for path in seq(http.get("paths"), "http.paths", p) {
                if !expect_map(path, "ingress path", p) {
                    continue;
                }
                let path_value = path.get("path").and_then(|n| plain_string(n, "path", p));
                match path.get("backend") {
                    Some(b) => {
                        if let Some(backend) = read_backend(b, v1, host.clone(), path_value, p) {
                            backends.push(backend);
                        }
                    }
                    None => p.push(Problem::parse(path.span, "ingress path has no backend")),
                }
            }
        }
    }
    let (settings, ignored_annotations) = ingress_nginx::ingress_settings(&meta);
    Ingress {
        meta,
        class,
        backends,
        settings,
        ignored_annotations,
    }
}

/// One Ingress backend in the v1 (`service.name`, `service.port`) or the
/// v1beta1 (`serviceName`, `servicePort`) shape.
fn read_backend(
    b: &Node,
    v1: bool,
    host: Option<String>,
    path: Option<String>,
    p: &mut Vec<Problem>,
) -> Option<IngressBackend> {
    if !expect_map(b, "ingress backend", p) {
        return None;
    }
    let (service, port) = if v1 {
        if b.get("serviceName").is_some() {
            p.push(Problem::parse(
                b.span,
                "`serviceName`/`servicePort` are the v1beta1 backend fields; \
                 networking.k8s.io/v1 wants `service: {name, port: {number|name}}`",
            ));
        }
        let Some(svc) = b
            .get("service")
            .filter(|s| expect_map(s, "backend service", p))
        else {
            // A `resource` backend, or nothing: no Service to follow.
            return None;
        };
        let name = svc
            .get("name")
            .and_then(|n| plain_string(n, "service name", p))
            .unwrap_or_default();
        let port = svc.get("port").and_then(|port| {
            if !expect_map(port, "service port", p) {
                return None;
            }
            if let Some(n) = port.get("number") {
                port_number(n, "port.number", p).map(ServiceRef::Number)
            } else {
                port.get("name")
                    .and_then(|n| plain_string(n, "port.name", p))
                    .map(ServiceRef::Name)
            }
        });
        (name, port)
    } else {
        let Some(name) = b
            .get("serviceName")
            .and_then(|n| plain_string(n, "serviceName", p))
        else {
            if b.get("service").is_some() {
                p.push(Problem::parse(
                    b.span,
                    "`service:` is the networking.k8s.io/v1 backend shape; this \
                     apiVersion wants `serviceName`/`servicePort`",
                ));
            }
            return None;
        };
        let port = b
            .get("servicePort")
            .and_then(|n| int_or_string(n, "servicePort", p))
            .map(|v| match v {
                IntOrString::Int(n) => ServiceRef::Number(n),
                IntOrString::Str(s) => ServiceRef::Name(s),
            });
        (name, port)
    };
    Some(IngressBackend {
        host,
        path,
        service,
        port,
        span: b.span,
    })
}

fn read_configmap(doc: &Node, meta: Meta, p: &mut Vec<Problem>) -> ConfigMap {
    let data = text_map(doc.get("data"), "ConfigMap data", p);
    let binary_keys = match doc.get("binaryData").and_then(Node::as_map) {
        Some(entries) => entries.iter().map(|(k, _)| key_string(k)).collect(),
        None => Vec::new(),
    };
    ConfigMap {
        meta,
        data,
        binary_keys,
    }
}

// ---------------------------------------------------------------------------
// Typed values
// ---------------------------------------------------------------------------

/// True when `n` is a mapping; otherwise reports the type error. Null counts
/// as an empty mapping (JSON null leaves a struct empty).
fn expect_map(n: &Node, what: &str, p: &mut Vec<Problem>) -> bool {
    match n.kind {
        NodeKind::Map(_) => true,
        NodeKind::Null => false,
        _ => {
            p.push(Problem::parse(
                n.span,
                format!("{what} must be a mapping; the API server rejects this object"),
            ));
            false
        }
    }
}

/// A sequence's items; null or absent is empty, anything else a type error.
fn seq<'n>(n: Option<&'n Node>, what: &str, p: &mut Vec<Problem>) -> &'n [Node] {
    let Some(n) = n else { return &[] };
    match &n.kind {
        NodeKind::Seq(items) => items,
        NodeKind::Null => &[],
        _ => {
            p.push(Problem::parse(
                n.span,
                format!("{what} must be a list; the API server rejects this object"),
            ));
            &[]
        }
    }
}

/// A field Kubernetes types as a string. A plain scalar that YAML 1.1 reads
/// as a number or boolean is a type error (the object is rejected), reported
/// here; its text is still returned. Null and non-scalars give `None`.
fn string_text<'n>(n: &'n Node, what: &str, p: &mut Vec<Problem>) -> Option<&'n Text> {
    let r = resolve(n);
    match r {
        None => {
            p.push(Problem::parse(
                n.span,
                format!("{what} must be a string, not a {}", structure_name(n)),
            ));
            None
        }
        Some(Resolved::Null) => None,
        Some(Resolved::Str) => n.as_text(),
        Some(other) => {
            p.push(not_a_string(n, what, &other));
            n.as_text()
        }
    }
}

fn plain_string(n: &Node, what: &str, p: &mut Vec<Problem>) -> Option<String> {
    string_text(n, what, p).map(|t| t.value.clone())
}

fn not_a_string(n: &Node, what: &str, r: &Resolved) -> Problem {
    let written = n.as_str().unwrap_or_default();
    Problem::parse(
        n.span,
        format!(
            "{what} must be a string, but `{written}` is a YAML {} here; kubectl and the \
             API server reject the object (quote it: \"{written}\")",
            r.describe()
        ),
    )
}

fn structure_name(n: &Node) -> &'static str {
    match n.kind {
        NodeKind::Seq(_) => "list",
        NodeKind::Map(_) => "mapping",
        _ => "scalar",
    }
}

/// A field Kubernetes types as an integer (`int32`/`int64`). Quoted digits,
/// booleans and fractions are type errors, reported here.
fn int_value(n: &Node, what: &str, p: &mut Vec<Problem>) -> Option<i128> {
    let r = resolve(n);
    match r {
        Some(Resolved::Null) => None,
        Some(ref r) => match as_integer(r) {
            Some(i) => Some(i),
            None => {
                let written = n.as_str().unwrap_or_default();
                let hint = if matches!(r, Resolved::Str) && scalar::go_atoi(written).is_ok() {
                    format!(" (write it unquoted: {written})")
                } else {
                    String::new()
                };
                p.push(Problem::parse(
                    n.span,
                    format!(
                        "{what} must be an integer, but `{written}` is a YAML {}; the API \
                         server rejects the object{hint}",
                        r.describe()
                    ),
                ));
                None
            }
        },
        None => {
            p.push(Problem::parse(
                n.span,
                format!("{what} must be an integer, not a {}", structure_name(n)),
            ));
            None
        }
    }
}

/// A port number (1..=65535).
fn port_number(n: &Node, what: &str, p: &mut Vec<Problem>) -> Option<u16> {
    let v = int_value(n, what, p)?;
    match u16::try_from(v) {
        Ok(port) if port != 0 => Some(port),
        _ => {
            p.push(Problem::parse(
                n.span,
                format!("{what} {v} is not a port number (1-65535); the API server rejects it"),
            ));
            None
        }
    }
}

enum IntOrString {
    Int(u16),
    Str(String),
}

/// An `IntOrString` port: an integer is a port number, a string a port name
/// (which must contain a letter: `"8080"` quoted is invalid).
fn int_or_string(n: &Node, what: &str, p: &mut Vec<Problem>) -> Option<IntOrString> {
    match resolve(n) {
        Some(Resolved::Null) => None,
        Some(Resolved::Str) => {
            let s = n.as_str().unwrap_or_default().to_owned();
            if !s.bytes().any(|b| b.is_ascii_alphabetic()) {
                p.push(Problem::parse(
                    n.span,
                    format!(
                        "{what} `{s}` is a string, so a port name, and a port name must \
                         contain a letter; the API server rejects it (write the number unquoted)"
                    ),
                ));
            }
            Some(IntOrString::Str(s))
        }
        Some(_) | None => port_number(n, what, p).map(IntOrString::Int),
    }
}

/// A list of strings (`command`, `args`); a scalar in its place is a type
/// error and gives `None`.
fn string_list(n: &Node, what: &str, p: &mut Vec<Problem>) -> Option<Vec<Text>> {
    match &n.kind {
        NodeKind::Null => None,
        NodeKind::Seq(items) => Some(
            items
                .iter()
                .map(|item| {
                    // null in a []string decodes as "".
                    string_text(item, what, p)
                        .cloned()
                        .unwrap_or_else(|| Text::new_literal(String::new(), item.span))
                })
                .collect(),
        ),
        _ => {
            p.push(Problem::parse(
                n.span,
                format!(
                    "{what} must be a list of strings; the API server rejects a single string \
                     (write [\"...\"])"
                ),
            ));
            None
        }
    }
}

/// A map of strings (labels, selector).
fn string_map(n: Option<&Node>, what: &str, p: &mut Vec<Problem>) -> Vec<(String, String)> {
    text_map(n, what, p)
        .into_iter()
        .map(|(k, t)| (k, t.value))
        .collect()
}

/// A map of strings keeping each value's map to the file (annotations,
/// ConfigMap data). A null value is the empty string.
fn text_map(n: Option<&Node>, what: &str, p: &mut Vec<Problem>) -> Vec<(String, Text)> {
    let Some(n) = n else { return Vec::new() };
    let entries = match &n.kind {
        NodeKind::Map(entries) => entries,
        NodeKind::Null => return Vec::new(),
        _ => {
            p.push(Problem::parse(
                n.span,
                format!("{what} must be a mapping of strings"),
            ));
            return Vec::new();
        }
    };
    let mut out = Vec::with_capacity(entries.len());
    for (k, v) in entries {
        let key = key_string(k);
        let value = match &v.kind {
            NodeKind::Null => Text::new_literal(String::new(), v.span),
            NodeKind::Scalar(_) => match string_text(v, &format!("{what} value `{key}`"), p) {
                Some(t) => t.clone(),
                None => continue,
            },
            _ => {
                p.push(Problem::parse(
                    v.span,
                    format!(
                        "{what} value `{key}` must be a string, not a {}",
                        structure_name(v)
                    ),
                ));
                continue;
            }
        };
        out.push((key, value));
    }
    out
}

/// A mapping key as JSON sees it: sigs.k8s.io/yaml writes YAML 1.1 booleans
/// and numbers used as keys in their Go form (`on:` is the key `"true"`).
fn key_string(k: &Node) -> String {
    let text = k.as_str().unwrap_or_default();
    match resolve(k) {
        Some(Resolved::Bool(b)) => b.to_string(),
        Some(Resolved::Int(i)) => i.to_string(),
        Some(Resolved::Null) => "null".to_owned(),
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests;
