//! Kubernetes request paths end to end on small repositories written to a
//! temporary directory: ConfigMap-embedded configs read at their YAML lines,
//! sidecars on loopback, kustomize overlays, ingress-nginx precedence, and
//! the dead ends the linker reports.

use std::path::Path;

use parity::cli::{Analysis, RunOptions, analyze};
use parity::value::Value;

fn repo(files: &[(&str, &str)]) -> (tempfile::TempDir, Analysis) {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
    }
    let a = analyze(&[dir.path().to_path_buf()], &RunOptions::default()).unwrap();
    (dir, a)
}

fn path_of(a: &Analysis, span: parity::span::Span) -> &str {
    Path::new(&a.map.get(span.file).path).to_str().unwrap()
}

const GUNICORN_APP: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
        - name: api
          image: example/api:1
          args: ["gunicorn", "api.wsgi", "-b", "0.0.0.0:8000", "--timeout", "20",
                 "--threads", "1", "--worker-class", "sync", "--graceful-timeout", "10"]
          lifecycle:
            preStop:
              sleep: {seconds: 5}
---
apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  selector: {app: api}
  ports:
    - port: 80
      targetPort: 8000
"#;

#[test]
fn a_double_quoted_configmap_value_maps_back_into_the_quotes() {
    let nginx = r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: conf
data:
  app.conf: "server {\n  location / {\n    proxy_pass http://api;\n    proxy_read_timeout 90s;\n  }\n}\n"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx
spec:
  selector:
    matchLabels: {app: nginx}
  template:
    metadata:
      labels: {app: nginx}
    spec:
      containers:
        - name: nginx
          image: nginx:1.25.4
          volumeMounts:
            - {name: conf, mountPath: /etc/nginx/conf.d}
      volumes:
        - name: conf
          configMap: {name: conf}
"#;
    let (_d, a) = repo(&[("k8s/app.yaml", GUNICORN_APP), ("k8s/nginx.yaml", nginx)]);
    assert!(a.problems.is_empty(), "{:?}", a.problems);
    assert_eq!(a.links.hops.len(), 1, "{:?}", a.links.unlinked);
    let t001 = a.findings.iter().find(|f| f.rule == "PAR-T001").unwrap();
    assert_eq!(path_of(&a, t001.primary.span), "k8s/nginx.yaml");
    // Escapes make the value differ from the file: the span still covers the directive's bytes.
    assert_eq!(a.map.text(t001.primary.span), "proxy_read_timeout 90s");
    let r = a.map.region(t001.primary.span);
    assert_eq!(r.start.line, 6);
}

#[test]
fn an_embedded_syntax_error_is_reported_at_its_yaml_line() {
    let nginx = r"apiVersion: v1
kind: ConfigMap
metadata:
  name: conf
data:
  app.conf: |
    server {
        location / {
            proxy_pass http://api
        }
    }
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx
spec:
  selector:
    matchLabels: {app: nginx}
  template:
    metadata:
      labels: {app: nginx}
    spec:
      containers:
        - name: nginx
          image: nginx:stable
          volumeMounts:
            - {name: conf, mountPath: /etc/nginx/conf.d}
      volumes:
        - name: conf
          configMap: {name: conf}
";
    let (_d, a) = repo(&[("k8s/nginx.yaml", nginx)]);
    let p = a
        .problems
        .iter()
        .find(|p| p.code == "PAR-E001")
        .expect("a syntax error");
    assert_eq!(a.map.get(p.file).path, "k8s/nginx.yaml");
    let line = a.map.region(p.span.unwrap()).start.line;
    assert!((9..=10).contains(&line), "line {line}: {}", p.message);
}

#[test]
fn a_sidecar_nginx_reaches_the_app_container_on_loopback() {
    let pod = r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: proxy
data:
  default.conf: |
    server {
        listen 80;
        location / {
            proxy_pass http://127.0.0.1:8000;
        }
    }
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: nginx
          image: nginx:1.27
          volumeMounts:
            - {name: proxy, mountPath: /etc/nginx/conf.d}
        - name: app
          image: example/web:1
          args: ["gunicorn", "web.wsgi", "--bind", "127.0.0.1:8000"]
      volumes:
        - name: proxy
          configMap: {name: proxy}
"#;
    let (_d, a) = repo(&[("deploy/web.yaml", pod)]);
    assert_eq!(a.links.hops.len(), 1, "{:?}", a.links.unlinked);
    let hop = &a.links.hops[0];
    assert!(hop.reason.contains("same pod"), "{}", hop.reason);
    assert_eq!(hop.service, None);
    let nginx = a
        .model
        .k8s
        .pods
        .iter()
        .flat_map(|p| &p.containers)
        .find(|c| c.nginx)
        .unwrap();
    assert_eq!(nginx.nginx_version.as_deref(), Some("1.27.x"));
}

#[test]
fn kustomize_overlays_link_to_the_base_and_not_to_each_other() {
    let base_svc = r"apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  selector: {app: api}
  ports:
    - port: 80
      targetPort: 8000
";
    let ingress = |host: &str, service: &str| {
        format!(
            r"apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: api
spec:
  rules:
    - host: {host}
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: {service}
                port:
                  number: 80
"
        )
    };
    let app = GUNICORN_APP.split("---").next().unwrap();
    let dev_only = base_svc.replace("name: api", "name: api-debug");
    let prod = ingress("api.example.com", "api");
    let prod_debug = ingress("debug.example.com", "api-debug");
    let (_d, a) = repo(&[
        ("web/base/deployment.yaml", app),
        ("web/base/service.yaml", base_svc),
        ("web/overlays/dev/debug-service.yaml", &dev_only),
        ("web/overlays/prod/ingress.yaml", &prod),
        ("web/overlays/prod/debug-ingress.yaml", &prod_debug),
    ]);
    assert_eq!(a.links.hops.len(), 1, "{:?}", a.links.unlinked);
    assert_eq!(
        a.model.k8s.services[a.links.hops[0].service.unwrap()].path,
        "web/base/service.yaml"
    );
    assert!(
        a.links
            .unlinked
            .iter()
            .any(|u| u.reason.contains("another kustomize overlay")),
        "{:?}",
        a.links.unlinked
    );
}

#[test]
fn ingress_settings_take_the_annotation_then_the_controller_configmap_then_the_default() {
    let controller = r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: ingress-nginx-controller
  namespace: ingress-nginx
data:
  proxy-read-timeout: "90"
  proxy-connect-timeout: "10s"
"#;
    let ingress = r#"apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: api
  annotations:
    nginx.ingress.kubernetes.io/proxy-send-timeout: "30"
spec:
  ingressClassName: nginx
  defaultBackend:
    service:
      name: api
      port:
        number: 80
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: api-traefik
  annotations:
    kubernetes.io/ingress.class: traefik
spec:
  defaultBackend:
    service:
      name: api
      port:
        number: 80
"#;
    let (_d, a) = repo(&[
        ("infra/ingress-nginx/controller.yaml", controller),
        ("k8s/app.yaml", GUNICORN_APP),
        ("k8s/ingress.yaml", ingress),
    ]);
    assert!(a.problems.is_empty(), "{:?}", a.problems);
    let proxies: Vec<_> = a
        .model
        .proxies
        .iter()
        .filter(|p| p.tool == "ingress-nginx")
        .collect();
    assert_eq!(proxies.len(), 1, "the traefik Ingress is not an nginx hop");
    let s = &proxies[0].settings;
    // Controller ConfigMap (in another folder: the only one in the repository).
    assert_eq!(
        s["read_timeout"].value,
        Value::Duration(parity::value::Millis(90_000))
    );
    assert_eq!(
        path_of(&a, s["read_timeout"].origin.span().unwrap()),
        "infra/ingress-nginx/controller.yaml"
    );
    // The annotation wins over both.
    assert_eq!(
        path_of(&a, s["send_timeout"].origin.span().unwrap()),
        "k8s/ingress.yaml"
    );
    // "10s" is rejected by the controller: its default holds, and the rejection is kept.
    assert!(s["connect_timeout"].origin.is_default());
    assert_eq!(s["connect_timeout"].value.to_string(), "5s");
    assert!(
        a.model
            .k8s
            .controller_ignored
            .iter()
            .any(|(k, _, _)| k == "proxy-connect-timeout")
    );
    assert!(a.model.k8s.ignored[0].reason.contains("Traefik"));
    // Upstream keepalive is the controller's upstream's, not the location's.
    assert!(!s.contains_key("keepalive_timeout"));
    let hop = &a.links.hops[0];
    let upstream = &a.model.upstreams[hop.upstream.unwrap()];
    assert_eq!(upstream.settings["keepalive"].value.to_string(), "320");
    assert_eq!(
        upstream.settings["keepalive_timeout"].value.to_string(),
        "60s"
    );
    // 90 s at the Ingress vs gunicorn's 20 s kill (an Ingress hop: PAR-T004).
    assert!(a.findings.iter().any(|f| f.rule == "PAR-T004"));
}

#[test]
fn services_without_pods_to_follow_are_unlinked_with_the_reason() {
    let services = r"apiVersion: v1
kind: Service
metadata:
  name: legacy
spec:
  ports:
    - port: 80
---
apiVersion: v1
kind: Service
metadata:
  name: payments
spec:
  type: ExternalName
  externalName: payments.example.net
---
apiVersion: v1
kind: Service
metadata:
  name: search
spec:
  selector: {app: search}
  ports:
    - port: 80
";
    let nginx = r"apiVersion: v1
kind: ConfigMap
metadata:
  name: conf
data:
  app.conf: |
    server {
        location /legacy/ { proxy_pass http://legacy; }
        location /pay/ { proxy_pass http://payments; }
        location /search/ { proxy_pass http://search; }
        location /other/ { proxy_pass http://web.other.svc.cluster.local; }
        location /x/ { proxy_pass https://api.example.com; }
    }
---
apiVersion: v1
kind: Pod
metadata:
  name: nginx
spec:
  containers:
    - name: nginx
      image: nginx:1.27.3
      volumeMounts:
        - {name: conf, mountPath: /etc/nginx/conf.d}
  volumes:
    - name: conf
      configMap: {name: conf}
";
    let (_d, a) = repo(&[("k8s/services.yaml", services), ("k8s/nginx.yaml", nginx)]);
    assert!(a.links.hops.is_empty());
    let reasons: Vec<&str> = a.links.unlinked.iter().map(|u| u.reason.as_str()).collect();
    assert_eq!(reasons.len(), 5, "{reasons:?}");
    assert!(reasons[0].contains("has no selector"), "{reasons:?}");
    assert!(reasons[1].contains("ExternalName"), "{reasons:?}");
    assert!(
        reasons[2].contains("matches no pod template"),
        "{reasons:?}"
    );
    assert!(
        reasons[3].contains("no Kubernetes Service is named `web`"),
        "{reasons:?}"
    );
    assert!(
        reasons[4].contains("not a Kubernetes Service name"),
        "{reasons:?}"
    );
}

#[test]
fn configmap_items_rename_keys_for_app_server_configs() {
    let app = r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  gunicorn-prod.py: |
    bind = "0.0.0.0:8000"
    timeout = 45
  uwsgi-prod.ini: |
    [uwsgi]
    http-socket = :9000
    harakiri = 25
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
        - name: api
          image: example/api:1
          args: ["gunicorn", "-c", "/etc/app/gunicorn.conf.py", "api.wsgi"]
          volumeMounts:
            - {name: settings, mountPath: /etc/app}
        - name: legacy
          image: example/legacy:1
          command: ["uwsgi", "--ini", "/etc/uwsgi/uwsgi.ini"]
          volumeMounts:
            - {name: settings, mountPath: /etc/uwsgi/uwsgi.ini, subPath: uwsgi.ini}
      volumes:
        - name: settings
          configMap:
            name: settings
            items:
              - {key: gunicorn-prod.py, path: gunicorn.conf.py}
              - {key: uwsgi-prod.ini, path: uwsgi.ini}
"#;
    let (_d, a) = repo(&[("k8s/app.yaml", app)]);
    assert!(a.problems.is_empty(), "{:?}", a.problems);
    let by_kind = |k: &str| a.model.servers.iter().find(|s| s.kind == k).unwrap();
    let g = by_kind("gunicorn");
    assert_eq!(g.settings["timeout"].value.to_string(), "45s");
    let span = g.settings["timeout"].origin.span().unwrap();
    assert_eq!(path_of(&a, span), "k8s/app.yaml");
    assert_eq!(a.map.text(span), "45");
    assert_eq!(a.map.region(span).start.line, 8);
    let u = by_kind("uwsgi");
    assert_eq!(u.settings["harakiri"].value.to_string(), "25s");
    assert_eq!(
        a.map
            .region(u.settings["harakiri"].origin.span().unwrap())
            .start
            .line,
        12
    );
}

#[test]
fn suppression_comments_inside_configmaps_are_not_misreported() {
    let nginx = r"apiVersion: v1
kind: ConfigMap
metadata:
  name: conf
data:
  app.conf: |
    server {
        # parity: ignore[PAR-T001] kept on purpose
        location / { proxy_pass http://api; proxy_read_timeout 90s; }
    }
---
apiVersion: v1
kind: Pod
metadata:
  name: nginx
spec:
  containers:
    - name: nginx
      image: nginx:1.27.3
      volumeMounts:
        - {name: conf, mountPath: /etc/nginx/conf.d}
  volumes:
    - name: conf
      configMap: {name: conf}
";
    let (_d, a) = repo(&[("k8s/app.yaml", GUNICORN_APP), ("k8s/nginx.yaml", nginx)]);
    // The registered ConfigMap key is not scanned for suppressions: no unused-suppression
    // finding points into a file that is not in the repository.
    for f in &a.findings {
        assert!(!a.map.get(f.primary.span.file).path.contains('#'), "{f:?}");
    }
    assert!(a.findings.iter().all(|f| f.rule != "PAR-E002"));
}

#[test]
fn an_nginx_config_baked_into_an_image_reads_defaults_for_its_base_tag() {
    let conf = "events {}\nhttp {\n  server {\n    location / { proxy_pass http://api; }\n  }\n}\n";
    let dockerfile = "FROM nginx:1.25.3-alpine\nCOPY nginx.conf /etc/nginx/nginx.conf\n";
    let (_d, a) = repo(&[("proxy/nginx.conf", conf), ("proxy/Dockerfile", dockerfile)]);
    let v = &a.model.proxies[0].settings["http_version"];
    assert_eq!(
        v.value.to_string(),
        "1.0",
        "nginx 1.25.3 sends HTTP/1.0 upstream"
    );
    // Without the Dockerfile the version is unknown: both sides of 1.29.7 are kept.
    let (_d, b) = repo(&[("proxy/nginx.conf", conf)]);
    assert!(matches!(
        b.model.proxies[0].settings["http_version"].value,
        Value::OneOf(_)
    ));
}
