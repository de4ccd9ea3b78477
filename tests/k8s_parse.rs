//! A small deployment (tests/fixtures/k8s-app) read through the public API:
//! the facts the linker needs, each pointing at the right bytes.

use std::path::Path;

use parity::sources::k8s::{
    self, K8sFile, Object, PodVolume, PreStop, ServiceRef, TargetPort,
    ingress_nginx_controller_config,
};
use parity::span::{FileId, Span};
use parity::value::{Millis, Value};

fn load(name: &str) -> (String, K8sFile) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/k8s-app")
        .join(name);
    let src = std::fs::read_to_string(path).unwrap();
    let file = k8s::parse(FileId(1), &src);
    assert!(file.problems.is_empty(), "{name}: {:#?}", file.problems);
    (src, file)
}

fn at(src: &str, span: Span) -> &str {
    &src[span.range()]
}

/// The line of `src` that `span` starts on.
fn line_of(src: &str, span: Span) -> &str {
    let start = span.start as usize;
    let from = src[..start].rfind('\n').map_or(0, |i| i + 1);
    let to = src[start..].find('\n').map_or(src.len(), |i| start + i);
    src[from..to].trim()
}

#[test]
fn app_deployment_service_and_config() {
    let (src, file) = load("app.yaml");
    let [
        Object::ConfigMap(cm),
        Object::Workload(web),
        Object::Service(svc),
    ] = file.objects.as_slice()
    else {
        panic!("{:#?}", file.objects)
    };

    // The gunicorn config file, with a map from every byte back to the YAML.
    let (key, conf) = &cm.data[0];
    assert_eq!(key, "gunicorn.conf.py");
    let i = conf.value.find("graceful_timeout = 20").unwrap();
    let span = conf.span_of(i..i + "graceful_timeout = 20".len());
    assert_eq!(at(&src, span), "graceful_timeout = 20");
    assert_eq!(line_of(&src, span), "graceful_timeout = 20");

    assert_eq!(web.termination_grace.map(|g| g.0), Some(25));
    let c = &web.containers[0];
    let args: Vec<&str> = c
        .args
        .as_ref()
        .unwrap()
        .iter()
        .map(|t| t.value.as_str())
        .collect();
    assert_eq!(
        args,
        [
            "gunicorn",
            "-c",
            "/etc/gunicorn/gunicorn.conf.py",
            "app.wsgi"
        ]
    );
    assert!(c.command.is_none());
    assert_eq!(c.env[0].name, "GUNICORN_TIMEOUT");
    assert_eq!(
        line_of(&src, c.env[0].value.as_ref().unwrap().span),
        "value: \"120\""
    );
    let PreStop::ExecSleep {
        seconds: Some(delay),
        span,
        ..
    } = c.pre_stop.clone().unwrap()
    else {
        panic!("{:?}", c.pre_stop)
    };
    assert_eq!(delay, 10.0);
    assert_eq!(at(&src, span), "10");
    assert_eq!(c.volume_mounts[0].mount_path.value, "/etc/gunicorn");
    assert!(matches!(
        &web.volumes[0],
        PodVolume::ConfigMap { name, config_map, items }
            if name == "gunicorn" && config_map == "web-gunicorn" && items.is_empty()
    ));

    // Service -> pods: selector and the named target port.
    assert_eq!(svc.selector, vec![("app".to_owned(), "web".to_owned())]);
    assert!(svc.selector.iter().all(|kv| web.pod_labels.contains(kv)));
    assert_eq!(svc.ports[0].target_port, TargetPort::Name("http".into()));
    assert_eq!(c.ports[0].name.as_deref(), Some("http"));
    assert_eq!(c.ports[0].port, 8000);
}

#[test]
fn ingress_and_controller_settings() {
    let (src, file) = load("ingress.yaml");
    let [Object::Ingress(ing)] = file.objects.as_slice() else {
        panic!()
    };
    assert_eq!(ing.class.as_deref(), Some("nginx"));
    let b = &ing.backends[0];
    assert_eq!(b.host.as_deref(), Some("web.example.com"));
    assert_eq!(b.service, "web");
    assert_eq!(b.port, Some(ServiceRef::Name("http".into())));
    let read = &ing.settings["read_timeout"];
    assert_eq!(read.value, Value::Duration(Millis::from_secs(120)));
    assert_eq!(
        line_of(&src, read.origin.span().unwrap()),
        "nginx.ingress.kubernetes.io/proxy-read-timeout: \"120\""
    );
    let send = &ing.settings["send_timeout"];
    assert!(send.origin.is_default());
    assert_eq!(send.value, Value::Duration(Millis::from_secs(60)));
    let (name, span, why) = &ing.ignored_annotations[0];
    assert_eq!(name, "nginx.ingress.kubernetes.io/proxy-send-timeout");
    assert_eq!(at(&src, *span), "\"2m\"");
    assert!(why.contains("not an integer"), "{why}");

    let (src, file) = load("controller.yaml");
    let [Object::ConfigMap(cm)] = file.objects.as_slice() else {
        panic!()
    };
    let cfg = ingress_nginx_controller_config(cm);
    let ka = &cfg.settings["keepalive_timeout"];
    assert_eq!(ka.value, Value::Duration(Millis::from_secs(75)));
    assert_eq!(at(&src, ka.origin.span().unwrap()), "\"75\"");
    assert_eq!(cfg.settings["next_upstream_tries"].value, Value::Int(5));
    assert!(cfg.settings["read_timeout"].origin.is_default());
    assert_eq!(cfg.ignored.len(), 1);
    assert_eq!(cfg.ignored[0].0, "proxy-read-timeout");
    assert_eq!(at(&src, cfg.ignored[0].1), "\"60s\"");
}

/// Prefixes of every fixture (cut at char boundaries) parse without a
/// panic and with spans inside the text.
#[test]
fn truncated_manifests_never_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut parsed = 0;
    for sub in ["k8s-app", "k8s-oracle"] {
        for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
            let src = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            // Every third cut keeps the test quick; lines and tokens still
            // get cut everywhere over the fixtures.
            for (cut, _) in src.char_indices().step_by(3) {
                let text = &src[..cut];
                let file = k8s::parse(FileId(0), text);
                for p in &file.problems {
                    assert!(p.span.is_none_or(|s| s.end as usize <= text.len()));
                }
                for o in &file.objects {
                    assert!(o.meta().span.end as usize <= text.len());
                }
                parsed += 1;
            }
        }
    }
    assert!(parsed > 1000, "{parsed}");
}
