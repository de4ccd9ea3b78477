use super::*;
use crate::value::{Millis, Value};

const F: FileId = FileId(7);

fn at(src: &str, span: Span) -> &str {
    &src[span.range()]
}

fn clean(src: &str) -> K8sFile {
    let f = parse(F, src);
    assert!(f.problems.is_empty(), "{:#?}", f.problems);
    f
}

fn workloads(f: &K8sFile) -> Vec<&Workload> {
    f.objects
        .iter()
        .filter_map(|o| match o {
            Object::Workload(w) => Some(w),
            _ => None,
        })
        .collect()
}

fn only_workload(f: &K8sFile) -> &Workload {
    let ws = workloads(f);
    assert_eq!(ws.len(), 1, "{:#?}", f.objects);
    ws[0]
}

fn only_ingress(f: &K8sFile) -> &Ingress {
    match f.objects.as_slice() {
        [Object::Ingress(i)] => i,
        other => panic!("{other:#?}"),
    }
}

fn only_configmap(f: &K8sFile) -> &ConfigMap {
    match f.objects.as_slice() {
        [Object::ConfigMap(c)] => c,
        other => panic!("{other:#?}"),
    }
}

fn problem_at<'a>(f: &K8sFile, src: &'a str, needle: &str) -> &'a str {
    let p = f
        .problems
        .iter()
        .find(|p| p.message.contains(needle))
        .unwrap_or_else(|| panic!("no problem mentioning {needle:?}: {:#?}", f.problems));
    at(src, p.span.unwrap())
}

const DEPLOYMENT: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web}
  annotations:
    note: "hello"
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web, tier: front}
    spec:
      terminationGracePeriodSeconds: 45
      initContainers:
        - name: proxy
          image: envoy
          restartPolicy: Always
      containers:
        - name: app
          image: "registry/app:1.2"
          command: ["gunicorn"]
          args: ["--timeout", "$(TIMEOUT)", "app:app"]
          workingDir: /srv
          env:
            - name: TIMEOUT
              value: "120"
            - name: FROM_CM
              valueFrom:
                configMapKeyRef: {name: settings, key: timeout}
            - name: PASSWORD
              valueFrom:
                secretKeyRef: {name: creds, key: pw}
            - name: POD_IP
              valueFrom:
                fieldRef: {fieldPath: status.podIP}
            - name: CPUS
              valueFrom:
                resourceFieldRef: {resource: limits.cpu}
            - name: EMPTY
          envFrom:
            - configMapRef: {name: app-env}
              prefix: APP_
            - secretRef: {name: app-secrets}
          ports:
            - {name: http, containerPort: 8000}
            - containerPort: 9100
          lifecycle:
            stopSignal: SIGQUIT
            preStop:
              exec:
                command: ["sh", "-c", "sleep 5"]
          volumeMounts:
            - {name: conf, mountPath: /etc/gunicorn, readOnly: true}
            - {name: nginx, mountPath: /etc/nginx/nginx.conf, subPath: nginx.conf}
      volumes:
        - name: conf
          configMap:
            name: gunicorn-conf
            items:
              - {key: gunicorn.conf.py, path: gunicorn.conf.py}
        - name: nginx
          configMap: {name: nginx-conf}
        - name: scratch
          emptyDir: {}
"#;

#[test]
fn deployment_pod_spec_facts() {
    let f = clean(DEPLOYMENT);
    let w = only_workload(&f);
    assert_eq!(w.meta.kind, "Deployment");
    assert_eq!(w.meta.api_version, "apps/v1");
    assert_eq!(w.meta.name.value, "web");
    assert_eq!(at(DEPLOYMENT, w.meta.name.span), "web");
    assert_eq!(w.meta.namespace.as_deref(), Some("shop"));
    assert_eq!(w.meta.labels, vec![("app".into(), "web".into())]);
    assert_eq!(w.meta.annotations[0].0, "note");
    assert_eq!(at(DEPLOYMENT, w.meta.annotations[0].1.span), "\"hello\"");
    assert!(at(DEPLOYMENT, w.meta.span).starts_with("apiVersion: apps/v1"));
    assert_eq!(
        w.pod_labels,
        vec![
            ("app".into(), "web".into()),
            ("tier".into(), "front".into())
        ]
    );
    let (grace, span) = w.termination_grace.unwrap();
    assert_eq!(grace, 45);
    assert_eq!(at(DEPLOYMENT, span), "45");
    assert!(at(DEPLOYMENT, w.pod_spec_span).starts_with("terminationGracePeriodSeconds"));
    assert_eq!(w.init_containers.len(), 1);
    assert_eq!(
        w.init_containers[0].restart_policy.as_deref(),
        Some("Always")
    );

    let c = &w.containers[0];
    assert_eq!(c.name.value, "app");
    assert_eq!(c.image.as_ref().unwrap().value, "registry/app:1.2");
    let cmd: Vec<&str> = c
        .command
        .as_ref()
        .unwrap()
        .iter()
        .map(|t| t.value.as_str())
        .collect();
    assert_eq!(cmd, ["gunicorn"]);
    let args = c.args.as_ref().unwrap();
    assert_eq!(args[1].value, "$(TIMEOUT)");
    assert_eq!(at(DEPLOYMENT, args[1].span), "\"$(TIMEOUT)\"");
    assert_eq!(c.working_dir.as_ref().unwrap().value, "/srv");
    assert_eq!(c.stop_signal.as_ref().unwrap().value, "SIGQUIT");

    let env: Vec<(&str, Option<&str>)> = c
        .env
        .iter()
        .map(|e| (e.name.as_str(), e.value.as_ref().map(|t| t.value.as_str())))
        .collect();
    assert_eq!(env[0], ("TIMEOUT", Some("120")));
    assert_eq!(env[5], ("EMPTY", None));
    assert_eq!(at(DEPLOYMENT, c.env[0].name_span), "TIMEOUT");
    assert!(matches!(
        &c.env[1].value_from,
        Some(ValueFrom::ConfigMapKey { name, key, .. }) if name == "settings" && key == "timeout"
    ));
    assert!(matches!(
        &c.env[2].value_from,
        Some(ValueFrom::SecretKey { name, key, .. }) if name == "creds" && key == "pw"
    ));
    assert_eq!(
        c.env[3].value_from,
        Some(ValueFrom::Field("status.podIP".into()))
    );
    assert_eq!(
        c.env[4].value_from,
        Some(ValueFrom::Resource("limits.cpu".into()))
    );
    assert!(matches!(
        &c.env_from[0],
        EnvFrom::ConfigMap { name, prefix: Some(p), .. } if name == "app-env" && p == "APP_"
    ));
    assert!(matches!(
        &c.env_from[1],
        EnvFrom::Secret { name, prefix: None, .. } if name == "app-secrets"
    ));
    assert_eq!(c.ports.len(), 2);
    assert_eq!(c.ports[0].name.as_deref(), Some("http"));
    assert_eq!(c.ports[0].port, 8000);
    assert_eq!(at(DEPLOYMENT, c.ports[0].span), "8000");
    assert_eq!(c.ports[1].name, None);
    match &c.pre_stop {
        Some(PreStop::ExecSleep {
            seconds: Some(s),
            span,
            other_commands: false,
            sleep_first: true,
        }) => {
            assert_eq!(*s, 5.0);
            assert_eq!(at(DEPLOYMENT, *span), "5");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(c.volume_mounts.len(), 2);
    assert_eq!(c.volume_mounts[0].mount_path.value, "/etc/gunicorn");
    assert_eq!(c.volume_mounts[1].sub_path.as_deref(), Some("nginx.conf"));
    assert_eq!(
        w.volumes,
        vec![
            PodVolume::ConfigMap {
                name: "conf".into(),
                config_map: "gunicorn-conf".into(),
                items: vec![("gunicorn.conf.py".into(), "gunicorn.conf.py".into())],
            },
            PodVolume::ConfigMap {
                name: "nginx".into(),
                config_map: "nginx-conf".into(),
                items: vec![],
            },
            PodVolume::Other {
                name: "scratch".into()
            },
        ]
    );
    assert_eq!(w.volumes[2].name(), "scratch");
}

#[test]
fn every_workload_kind_finds_its_pod_spec() {
    let pod = |labels: &str| {
        format!(
            "    metadata: {{labels: {{{labels}}}}}\n    spec:\n      containers: [{{name: c, image: i}}]\n"
        )
    };
    let mut src = String::new();
    for (api, kind) in [
        ("apps/v1", "Deployment"),
        ("apps/v1", "StatefulSet"),
        ("apps/v1", "DaemonSet"),
        ("apps/v1", "ReplicaSet"),
        ("extensions/v1beta1", "Deployment"),
        ("v1", "ReplicationController"),
        ("batch/v1", "Job"),
        ("argoproj.io/v1alpha1", "Rollout"),
    ] {
        src.push_str(&format!(
            "---\napiVersion: {api}\nkind: {kind}\nmetadata: {{name: {}}}\nspec:\n  template:\n{}",
            kind.to_lowercase(),
            pod("a: b")
        ));
    }
    src.push_str(
        "---\napiVersion: batch/v1\nkind: CronJob\nmetadata: {name: cron}\nspec:\n  schedule: '* * * * *'\n  jobTemplate:\n    spec:\n      template:\n        metadata: {labels: {a: b}}\n        spec:\n          containers: [{name: c, image: i}]\n",
    );
    src.push_str(
        "---\napiVersion: v1\nkind: Pod\nmetadata: {name: pod, labels: {a: b}}\nspec:\n  containers: [{name: c, image: i}]\n",
    );
    src.push_str(
        "---\napiVersion: v1\nkind: PodTemplate\nmetadata: {name: tpl}\ntemplate:\n  metadata: {labels: {a: b}}\n  spec:\n    containers: [{name: c, image: i}]\n",
    );
    let f = clean(&src);
    let ws = workloads(&f);
    let kinds: Vec<&str> = ws.iter().map(|w| w.meta.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "Deployment",
            "StatefulSet",
            "DaemonSet",
            "ReplicaSet",
            "Deployment",
            "ReplicationController",
            "Job",
            "Rollout",
            "CronJob",
            "Pod",
            "PodTemplate"
        ]
    );
    for w in &ws {
        assert_eq!(w.containers.len(), 1, "{}", w.meta.kind);
        assert_eq!(w.containers[0].name.value, "c");
        assert_eq!(
            w.pod_labels,
            vec![("a".into(), "b".into())],
            "{}",
            w.meta.kind
        );
        assert_eq!(w.termination_grace, None);
        assert!(
            at(&src, w.pod_spec_span).starts_with("containers"),
            "{}",
            w.meta.kind
        );
    }
}

#[test]
fn rollout_with_workload_ref_is_recorded_only() {
    let src = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec:\n  workloadRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: web\n";
    let f = clean(src);
    let w = only_workload(&f);
    assert!(w.containers.is_empty());
    let r = w.workload_ref.as_ref().unwrap();
    assert_eq!(r.kind, "Deployment");
    assert_eq!(r.api_version.as_deref(), Some("apps/v1"));
    assert_eq!(r.name.value, "web");
    assert_eq!(at(src, r.name.span), "web");
    assert!(at(src, w.pod_spec_span).starts_with("apiVersion: apps/v1"));
}

#[test]
fn multi_document_lists_and_unknown_kinds() {
    let src = "\
# leading comment
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: sa}
---
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Service
    metadata: {name: a}
    spec: {ports: [{port: 80}]}
  - apiVersion: v1
    kind: List
    items:
      - apiVersion: v1
        kind: ConfigMap
        metadata: {name: nested}
---
---
apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: knative}
---
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [a.yaml]
";
    let f = clean(src);
    let names: Vec<&str> = f
        .objects
        .iter()
        .map(|o| o.meta().name.value.as_str())
        .collect();
    assert_eq!(names, ["a", "nested"]);
    let span_a = f.objects[0].meta().span;
    assert!(at(src, span_a).starts_with("apiVersion: v1\n    kind: Service"));
    let others: Vec<&str> = f.other_kinds.iter().map(|k| k.value.as_str()).collect();
    // A Knative Service is not a core Service.
    assert_eq!(others, ["ServiceAccount", "Service", "Kustomization"]);
    assert_eq!(at(src, f.other_kinds[0].span), "ServiceAccount");
}

#[test]
fn services_and_target_ports() {
    let src = "\
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports:
    - {name: http, port: 80, targetPort: http}
    - {port: 443, targetPort: 8443}
    - {port: 9000}
---
apiVersion: v1
kind: Service
metadata: {name: ext}
spec:
  type: ExternalName
  externalName: db.example.com
";
    let f = clean(src);
    let Object::Service(s) = &f.objects[0] else {
        panic!()
    };
    assert_eq!(s.selector, vec![("app".into(), "web".into())]);
    assert_eq!(s.service_type.as_deref(), Some("NodePort"));
    assert_eq!(s.ports[0].target_port, TargetPort::Name("http".into()));
    assert_eq!(s.ports[0].name.as_deref(), Some("http"));
    assert_eq!(s.ports[1].port, 443);
    assert_eq!(s.ports[1].target_port, TargetPort::Number(8443));
    assert_eq!(s.ports[2].target_port, TargetPort::Default);
    assert_eq!(at(src, s.ports[2].span), "{port: 9000}");
    let Object::Service(e) = &f.objects[1] else {
        panic!()
    };
    assert_eq!(e.external_name.as_deref(), Some("db.example.com"));
}

#[test]
fn quoted_numeric_target_port_is_invalid() {
    let src = "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports: [{port: 80, targetPort: \"8080\"}, {port: 0}, {port: 70000}]\n";
    let f = parse(F, src);
    assert_eq!(problem_at(&f, src, "must contain a letter"), "\"8080\"");
    assert_eq!(problem_at(&f, src, "port 0 is not a port"), "0");
    assert_eq!(problem_at(&f, src, "port 70000"), "70000");
    let Object::Service(s) = &f.objects[0] else {
        panic!()
    };
    assert_eq!(s.ports.len(), 1);
}

const INGRESS_V1: &str = r#"
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations:
    nginx.ingress.kubernetes.io/proxy-read-timeout: "300"
    nginx.ingress.kubernetes.io/proxy-send-timeout: "60s"
    nginx.ingress.kubernetes.io/proxy-connect-timeout: "1m"
    nginx.ingress.kubernetes.io/proxy-next-upstream: "error timeout http_502"
    nginx.ingress.kubernetes.io/proxy-next-upstream-tries: "+2"
    nginx.ingress.kubernetes.io/proxy-next-upstream-timeout: ""
    nginx.ingress.kubernetes.io/upstream-keepalive-timeout: "5"
spec:
  ingressClassName: nginx
  defaultBackend:
    service: {name: fallback, port: {number: 80}}
  rules:
    - host: shop.example.com
      http:
        paths:
          - path: /api
            pathType: Prefix
            backend:
              service:
                name: api
                port: {name: http}
          - path: /
            pathType: Prefix
            backend:
              service: {name: web, port: {number: 8080}}
          - path: /static
            pathType: Prefix
            backend:
              resource: {apiGroup: k8s.example.com, kind: Bucket, name: static}
"#;

#[test]
fn ingress_v1_backends_and_annotations() {
    let f = clean(INGRESS_V1);
    let i = only_ingress(&f);
    assert_eq!(i.class.as_deref(), Some("nginx"));
    type Row<'a> = (
        Option<&'a str>,
        Option<&'a str>,
        &'a str,
        Option<&'a ServiceRef>,
    );
    let b: Vec<Row> = i
        .backends
        .iter()
        .map(|b| {
            (
                b.host.as_deref(),
                b.path.as_deref(),
                b.service.as_str(),
                b.port.as_ref(),
            )
        })
        .collect();
    assert_eq!(
        b,
        [
            (None, None, "fallback", Some(&ServiceRef::Number(80))),
            (
                Some("shop.example.com"),
                Some("/api"),
                "api",
                Some(&ServiceRef::Name("http".into()))
            ),
            (
                Some("shop.example.com"),
                Some("/"),
                "web",
                Some(&ServiceRef::Number(8080))
            ),
        ]
    );

    let s = &i.settings;
    assert_eq!(
        s["read_timeout"].value,
        Value::Duration(Millis::from_secs(300))
    );
    assert_eq!(
        at(INGRESS_V1, s["read_timeout"].origin.span().unwrap()),
        "\"300\""
    );
    assert_eq!(s["next_upstream_tries"].value, Value::Int(2));
    assert_eq!(
        s["next_upstream"].value,
        Value::List(vec![
            Value::Str("error".into()),
            Value::Str("timeout".into()),
            Value::Str("http_502".into())
        ])
    );
    // "60s", "1m" and "" are not integers: the defaults apply.
    for (key, default) in [
        ("send_timeout", 60),
        ("connect_timeout", 5),
        ("next_upstream_timeout", 0),
        ("keepalive_timeout", 60),
    ] {
        assert_eq!(
            s[key].value,
            Value::Duration(Millis::from_secs(default)),
            "{key}"
        );
        assert!(s[key].origin.is_default(), "{key}");
        assert_eq!(at(INGRESS_V1, s[key].origin.span().unwrap()), "web");
    }
    assert_eq!(s["keepalive_connections"].value, Value::Int(320));
    assert_eq!(s["keepalive_requests"].value, Value::Int(10000));
    // config.go defaults: proxy-buffering off, proxy-request-buffering on, HTTP/1.1.
    assert_eq!(s["buffering"].value, Value::Bool(false));
    assert_eq!(s["request_buffering"].value, Value::Bool(true));
    assert_eq!(s["http_version"].value, Value::Str("1.1".into()));
    assert_eq!(s.len(), 12);

    let ignored: Vec<(&str, &str)> = i
        .ignored_annotations
        .iter()
        .map(|(name, span, _)| (name.as_str(), at(INGRESS_V1, *span)))
        .collect();
    assert_eq!(
        ignored,
        [
            (
                "nginx.ingress.kubernetes.io/proxy-connect-timeout",
                "\"1m\""
            ),
            ("nginx.ingress.kubernetes.io/proxy-send-timeout", "\"60s\""),
            (
                "nginx.ingress.kubernetes.io/proxy-next-upstream-timeout",
                "\"\""
            ),
            (
                "nginx.ingress.kubernetes.io/upstream-keepalive-timeout",
                "\"5\""
            ),
        ]
    );
    let why_send = &i.ignored_annotations[1].2;
    assert!(why_send.contains("not an integer"), "{why_send}");
    assert!(why_send.contains("bare seconds"), "{why_send}");
    assert!(why_send.contains("default 60"), "{why_send}");
    assert!(i.ignored_annotations[3].2.contains("ConfigMap"));
}

#[test]
fn ingress_v1beta1_backends() {
    let src = "\
apiVersion: extensions/v1beta1
kind: Ingress
metadata:
  name: old
  annotations:
    kubernetes.io/ingress.class: nginx
    nginx.ingress.kubernetes.io/proxy-next-upstream: \"error  timeout\"
    nginx.ingress.kubernetes.io/proxy-read-timeout: \"-5\"
spec:
  backend: {serviceName: fallback, servicePort: 80}
  rules:
    - host: a.example.com
      http:
        paths:
          - path: /
            backend: {serviceName: web, servicePort: http}
---
apiVersion: networking.k8s.io/v1beta1
kind: Ingress
metadata: {name: beta}
spec:
  rules:
    - http:
        paths:
          - backend: {serviceName: api, servicePort: 8080}
";
    let f = clean(src);
    let Object::Ingress(i) = &f.objects[0] else {
        panic!()
    };
    assert_eq!(i.class.as_deref(), Some("nginx"));
    assert_eq!(i.backends[0].service, "fallback");
    assert_eq!(i.backends[0].port, Some(ServiceRef::Number(80)));
    assert_eq!(i.backends[1].service, "web");
    assert_eq!(i.backends[1].host.as_deref(), Some("a.example.com"));
    assert_eq!(i.backends[1].port, Some(ServiceRef::Name("http".into())));
    // Two spaces fail the validation regex: the default list applies.
    assert!(i.settings["next_upstream"].origin.is_default());
    assert!(i.ignored_annotations[0].2.contains("validation"));
    // A negative timeout passes Atoi but nginx rejects it.
    assert!(
        matches!(&i.settings["read_timeout"].value, Value::Unknown(w) if w.contains("negative"))
    );
    assert!(!i.settings["read_timeout"].origin.is_default());
    let Object::Ingress(beta) = &f.objects[1] else {
        panic!()
    };
    assert_eq!(beta.backends[0].service, "api");
    assert_eq!(beta.backends[0].host, None);
    assert_eq!(beta.backends[0].path, None);
    assert_eq!(beta.backends[0].port, Some(ServiceRef::Number(8080)));
}

#[test]
fn ingress_backend_shape_mismatches_are_problems() {
    let src = "\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: mixed
  annotations: {kubernetes.io/ingress.class: nginx}
spec:
  ingressClassName: nginx
  defaultBackend: {serviceName: web, servicePort: 80}
";
    let f = parse(F, src);
    assert!(problem_at(&f, src, "v1beta1 backend").starts_with("{serviceName"));
    assert_eq!(problem_at(&f, src, "ingressClassName"), "nginx");
}

#[test]
fn unquoted_annotation_is_a_type_error_but_kept() {
    let src = "\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: t
  annotations:
    nginx.ingress.kubernetes.io/proxy-read-timeout: 120
spec: {}
";
    let f = parse(F, src);
    assert_eq!(problem_at(&f, src, "YAML integer"), "120");
    let i = only_ingress(&f);
    assert_eq!(
        i.settings["read_timeout"].value,
        Value::Duration(Millis::from_secs(120))
    );
}

const CONFIGMAP: &str = "\
apiVersion: v1
kind: ConfigMap
metadata: {name: nginx-conf}
data:
  plain: hello world
  quoted: \"t\\tx\"
  nginx.conf: |
    server {
        listen 80;
        proxy_read_timeout 300s;
    }
  folded: >
    one
    two
  on: yes-key
  12: twelve
  empty:
binaryData:
  blob: aGVsbG8=
";

#[test]
fn configmap_values_keep_exact_spans() {
    let f = clean(CONFIGMAP);
    let cm = only_configmap(&f);
    let keys: Vec<&str> = cm.data.iter().map(|(k, _)| k.as_str()).collect();
    // `on` and `12` are a boolean and an integer to YAML 1.1; JSON keys are their Go text.
    assert_eq!(
        keys,
        [
            "plain",
            "quoted",
            "nginx.conf",
            "folded",
            "true",
            "12",
            "empty"
        ]
    );
    let get = |k: &str| &cm.data.iter().find(|(key, _)| key == k).unwrap().1;
    let plain = get("plain");
    assert_eq!(at(CONFIGMAP, plain.span), "hello world");
    assert_eq!(at(CONFIGMAP, plain.span_of(6..11)), "world");
    let quoted = get("quoted");
    assert_eq!(quoted.value, "t\tx");
    assert_eq!(at(CONFIGMAP, quoted.span_of(1..2)), "\\t");
    let block = get("nginx.conf");
    assert_eq!(
        block.value,
        "server {\n    listen 80;\n    proxy_read_timeout 300s;\n}\n"
    );
    block.verify_against(CONFIGMAP).unwrap();
    let i = block.value.find("300s").unwrap();
    assert_eq!(at(CONFIGMAP, block.span_of(i..i + 4)), "300s");
    let j = block.value.find("proxy_read_timeout").unwrap();
    let span = block.span_of(j..i + 4);
    assert_eq!(at(CONFIGMAP, span), "proxy_read_timeout 300s");
    assert!(at(CONFIGMAP, block.span).starts_with('|'));
    assert_eq!(get("folded").value, "one two\n");
    assert_eq!(get("empty").value, "");
    assert_eq!(cm.binary_keys, ["blob"]);
}

#[test]
fn controller_configmap_settings() {
    let src = "\
apiVersion: v1
kind: ConfigMap
metadata: {name: ingress-nginx-controller}
data:
  proxy-read-timeout: \"600\"
  proxy-send-timeout: \"60s\"
  Proxy-Connect-Timeout: \"0x0A\"
  upstream-keepalive-timeout: \"010\"
  upstream-keepalive-connections: \"\"
  upstream-keepalive-requests: \"1_000\"
  proxy-next-upstream: \"error timeout non_idempotent\"
  proxy-next-upstream-tries: |
    5
";
    let f = clean(src);
    let cm = only_configmap(&f);
    let cfg = ingress_nginx_controller_config(cm);
    let s = &cfg.settings;
    let secs = |n| Value::Duration(Millis::from_secs(n));
    assert_eq!(s["read_timeout"].value, secs(600));
    assert_eq!(at(src, s["read_timeout"].origin.span().unwrap()), "\"600\"");
    // mapstructure: ParseInt base 0 and a case-insensitive key match.
    assert_eq!(s["connect_timeout"].value, secs(10));
    assert_eq!(s["keepalive_timeout"].value, secs(8));
    assert_eq!(s["keepalive_connections"].value, Value::Int(0));
    assert_eq!(s["keepalive_requests"].value, Value::Int(1000));
    assert_eq!(
        s["next_upstream"].value.to_string(),
        "error timeout non_idempotent"
    );
    // "60s" and "5\n" fail: defaults, with the reason.
    assert_eq!(s["send_timeout"].value, secs(60));
    assert!(s["send_timeout"].origin.is_default());
    assert_eq!(s["next_upstream_tries"].value, Value::Int(3));
    assert_eq!(s["next_upstream_timeout"].value, secs(0));
    let ignored: Vec<&str> = cfg.ignored.iter().map(|(k, _, _)| k.as_str()).collect();
    assert_eq!(ignored, ["proxy-send-timeout", "proxy-next-upstream-tries"]);
    assert!(cfg.ignored[0].2.contains("not an integer"));
    assert_eq!(ingress_nginx_configmap(cm), cfg.settings);
}

fn pre_stop_of(command: &str) -> (PreStop, String) {
    let src = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers:\n    - name: c\n      lifecycle:\n        preStop:\n{command}\n"
    );
    let f = clean(&src);
    let w = only_workload(&f);
    (w.containers[0].pre_stop.clone().unwrap(), src)
}

#[test]
fn pre_stop_variants() {
    let exec = |cmd: &str| pre_stop_of(&format!("          exec:\n            command: {cmd}"));
    let sleep_secs = |p: &PreStop| match p {
        PreStop::ExecSleep { seconds, .. } => *seconds,
        other => panic!("{other:?}"),
    };

    let (p, src) = pre_stop_of("          sleep: {seconds: 15}");
    let PreStop::Sleep { seconds, span } = p else {
        panic!()
    };
    assert_eq!(seconds, 15);
    assert_eq!(at(&src, span), "15");

    let (p, src) = exec(r#"["sleep", "5"]"#);
    assert_eq!(sleep_secs(&p), Some(5.0));
    let PreStop::ExecSleep { span, .. } = p else {
        panic!()
    };
    // The duration inside its quotes.
    assert_eq!(at(&src, span), "5");
    assert_eq!(sleep_secs(&exec(r#"["/bin/sleep", "5"]"#).0), Some(5.0));
    assert_eq!(
        sleep_secs(&exec(r#"["busybox", "sleep", "1m"]"#).0),
        Some(60.0)
    );
    assert_eq!(sleep_secs(&exec(r#"["sleep", "1", "0.5"]"#).0), Some(1.5));
    assert_eq!(sleep_secs(&exec(r#"["sh", "-c", "sleep 5"]"#).0), Some(5.0));
    assert_eq!(
        sleep_secs(&exec(r#"["/bin/bash", "-ec", "exec sleep 7"]"#).0),
        Some(7.0)
    );

    let (p, src) = exec(r#"["/bin/sh", "-c", "sleep 5 && nginx -s quit"]"#);
    let PreStop::ExecSleep {
        seconds,
        span,
        other_commands,
        sleep_first,
    } = p
    else {
        panic!()
    };
    assert_eq!(seconds, Some(5.0));
    assert!(other_commands && sleep_first);
    assert_eq!(at(&src, span), "5");

    let (p, _) = exec(r#"["sh", "-c", "nginx -s quit; sleep 3"]"#);
    assert!(matches!(
        p,
        PreStop::ExecSleep {
            seconds: Some(3.0),
            other_commands: true,
            sleep_first: false,
            ..
        }
    ));
    // Unknown durations.
    assert_eq!(sleep_secs(&exec(r#"["sh", "-c", "sleep $DELAY"]"#).0), None);
    assert_eq!(sleep_secs(&exec(r#"["sleep", "$(DELAY)"]"#).0), None);
    assert_eq!(
        sleep_secs(&exec(r#"["sh", "-c", "while pgrep app; do sleep 1; done"]"#).0),
        None
    );
    // Not a sleep.
    let (p, src) = exec(r#"["/usr/sbin/nginx", "-s", "quit"]"#);
    let PreStop::Exec { span } = p else { panic!() };
    assert_eq!(at(&src, span), r#"["/usr/sbin/nginx", "-s", "quit"]"#);
    assert!(matches!(
        exec(r#"["sh", "/drain.sh"]"#).0,
        PreStop::Exec { .. }
    ));
    let (p, src) = pre_stop_of("          httpGet: {path: /drain, port: 8080}");
    let PreStop::HttpGet { span } = p else {
        panic!()
    };
    assert_eq!(at(&src, span), "{path: /drain, port: 8080}");
}

#[test]
fn pre_stop_block_list_command() {
    let (p, src) = pre_stop_of(
        "          exec:\n            command:\n              - /bin/sh\n              - -c\n              - |\n                sleep 10\n                kill -QUIT 1\n",
    );
    let PreStop::ExecSleep {
        seconds,
        span,
        other_commands,
        ..
    } = p
    else {
        panic!("{p:?}")
    };
    assert_eq!(seconds, Some(10.0));
    assert!(other_commands);
    assert_eq!(at(&src, span), "10");
}

#[test]
fn wrong_types_are_problems_with_spans() {
    let src = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: w}
spec:
  template:
    spec:
      terminationGracePeriodSeconds: \"30\"
      containers:
        - name: app
          command: gunicorn app:app
          args: [yes, 5]
          env:
            - {name: PORT, value: 8080}
            - {name: DEBUG, value: on}
          ports: [{containerPort: \"8080\"}]
          lifecycle:
            preStop:
              sleep: {seconds: 5.5}
";
    let f = parse(F, src);
    let w = only_workload(&f);
    assert_eq!(w.termination_grace, None);
    assert!(
        problem_at(&f, src, "terminationGracePeriodSeconds must be an integer").contains("\"30\"")
    );
    assert!(
        f.problems
            .iter()
            .any(|p| p.message.contains("write it unquoted: 30"))
    );
    assert_eq!(problem_at(&f, src, "list of strings"), "gunicorn app:app");
    assert_eq!(problem_at(&f, src, "`yes` is a YAML boolean"), "yes");
    assert_eq!(problem_at(&f, src, "`8080` is a YAML integer"), "8080");
    assert_eq!(problem_at(&f, src, "`on` is a YAML boolean"), "on");
    assert_eq!(
        problem_at(&f, src, "containerPort must be an integer"),
        "\"8080\""
    );
    assert_eq!(
        problem_at(&f, src, "sleep.seconds must be an integer"),
        "5.5"
    );
    let c = &w.containers[0];
    // The text as written is still there for messages.
    assert_eq!(c.env[0].value.as_ref().unwrap().value, "8080");
    assert_eq!(c.args.as_ref().unwrap()[0].value, "yes");
    assert!(c.command.is_none());
    assert!(c.ports.is_empty());
    assert!(c.pre_stop.is_none());
    assert_eq!(f.problems.len(), 8, "{:#?}", f.problems);
}

#[test]
fn yaml11_numbers_in_integer_fields() {
    let src = "\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  terminationGracePeriodSeconds: 0x1E
  containers:
    - name: c
      ports: [{containerPort: 8_000}, {containerPort: 017}, {containerPort: 08}, {containerPort: 80.0}]
";
    let f = clean(src);
    let w = only_workload(&f);
    assert_eq!(w.termination_grace.map(|g| g.0), Some(30));
    let ports: Vec<u16> = w.containers[0].ports.iter().map(|p| p.port).collect();
    assert_eq!(ports, [8000, 15, 8, 80]);
}

#[test]
fn negative_grace_is_kept_and_reported() {
    let src = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  terminationGracePeriodSeconds: -1\n  containers: [{name: c}]\n";
    let f = parse(F, src);
    assert_eq!(problem_at(&f, src, "negative"), "-1");
    assert_eq!(only_workload(&f).termination_grace.map(|g| g.0), Some(-1));
}

#[test]
fn missing_identity_is_reported() {
    let src = "\
kind: Service
metadata: {name: x}
---
apiVersion: v1
kind: ConfigMap
metadata: {}
---
apiVersion: batch/v1
kind: Job
metadata: {generateName: job-}
spec: {template: {spec: {containers: [{name: c}]}}}
---
just a string
";
    let f = parse(F, src);
    assert!(problem_at(&f, src, "no `apiVersion`").starts_with("kind: Service"));
    assert_eq!(problem_at(&f, src, "no metadata.name"), "{}");
    assert_eq!(problem_at(&f, src, "not a mapping"), "just a string");
    assert_eq!(f.problems.len(), 3, "{:#?}", f.problems);
    // The Job with generateName is kept, with an empty name.
    let names: Vec<&str> = f
        .objects
        .iter()
        .map(|o| o.meta().name.value.as_str())
        .collect();
    assert_eq!(names, ["", ""]);
}

#[test]
fn var_refs_expand_like_the_kubelet() {
    let src = "args: [\"--timeout=$(TIMEOUT) $(MISSING) $$(ESCAPED) $PLAIN $(\"]";
    let docs = yaml::parse(F, src);
    let t = docs.docs[0].get("args").unwrap().as_seq().unwrap()[0]
        .as_text()
        .unwrap()
        .clone();
    let lookup = |name: &str| (name == "TIMEOUT").then(|| "120".to_owned());
    let out = expand_var_refs(&t, &lookup);
    assert_eq!(out.value, "--timeout=120 $(MISSING) $(ESCAPED) $PLAIN $(");
    assert_eq!(at(src, out.span_of(10..13)), "$(TIMEOUT)");
    assert_eq!(at(src, out.span_of(0..9)), "--timeout");
    let m = out.value.find("$(MISSING)").unwrap();
    assert_eq!(at(src, out.span_of(m..m + 10)), "$(MISSING)");
}

#[test]
fn garbage_never_panics() {
    let inputs = [
        "",
        "---\n---\n",
        "- a\n- b\n",
        "apiVersion: v1\nkind: Pod\nmetadata: []\nspec: 3\n",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: [1]}\nspec: {containers: {a: b}}\n",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: {spec: {containers: [3, {name: c, env: 4, ports: [{containerPort: {}}], lifecycle: {preStop: {exec: {command: [[1]]}}}}]}}}\n",
        "apiVersion: v1\nkind: List\nitems: 5\n",
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i, annotations: [1]}\nspec: {rules: [{http: {paths: [{backend: {service: {port: {number: x}}}}]}}]}\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: [1], b: {c: d}}\n",
        "{{ .Values.x }}\n",
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 99999999999999999999999}]}\n",
    ];
    for src in inputs {
        let f = parse(F, src);
        for p in &f.problems {
            if let Some(s) = p.span {
                assert!(s.end as usize <= src.len(), "{src:?}: {p:?}");
            }
        }
    }
    // Deeply nested lists stop at the limit instead of recursing on.
    let mut deep = String::from("apiVersion: v1\nkind: List\nitems:\n");
    for d in 1..12 {
        let pad = "  ".repeat(d - 1);
        deep.push_str(&format!(
            "{pad}- apiVersion: v1\n{pad}  kind: List\n{pad}  items:\n"
        ));
    }
    let f = parse(F, &deep);
    assert!(
        f.problems.iter().any(|p| p.message.contains("nested")),
        "{:#?}",
        f.problems
    );
}

#[test]
fn ingress_word_annotations_accept_only_what_nginx_takes() {
    let doc = |ann: &str| {
        format!(
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  annotations:\n{ann}\nspec:\n  ingressClassName: nginx\n  defaultBackend:\n    service: {{name: web, port: {{number: 80}}}}\n"
        )
    };
    let text = doc(
        "    nginx.ingress.kubernetes.io/proxy-buffering: \"on\"\n    nginx.ingress.kubernetes.io/proxy-http-version: \"2\"",
    );
    let f = parse(FileId(0), &text);
    let Some(Object::Ingress(i)) = f.objects.first() else {
        panic!("{:?}", f.objects)
    };
    assert_eq!(i.settings["buffering"].value, Value::Bool(true));
    assert!(!i.settings["buffering"].origin.is_default());
    // "2" is no HTTP version nginx's proxy module speaks: ignored, default kept.
    assert_eq!(i.settings["http_version"].value, Value::Str("1.1".into()));
    assert!(i.settings["http_version"].origin.is_default());
    assert!(
        i.ignored_annotations
            .iter()
            .any(|(k, _, why)| k.ends_with("proxy-http-version") && why.contains("1.0, 1.1"))
    );
}
