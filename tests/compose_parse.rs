//! docker-compose services: fields, forms, interpolation and spans.

use parity::sources::compose::{self, Command, ComposeFile, Service, Substituted};
use parity::sources::yaml::{Style, Text};
use parity::span::{FileId, Span};
use parity::value::Millis;

const F: FileId = FileId(3);

fn parse_env(src: &str, env: &[(&str, &str)]) -> ComposeFile {
    let lookup = |name: &str| {
        env.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    };
    let file = compose::parse(F, src, &lookup);
    for svc in &file.services {
        for t in texts(svc) {
            t.verify_against(src)
                .unwrap_or_else(|e| panic!("{:?}: {e}", t.value));
        }
    }
    file
}

fn parse(src: &str) -> ComposeFile {
    parse_env(src, &[])
}

/// Every text of a service, to check their byte maps.
fn texts(s: &Service) -> Vec<&Text> {
    let mut out: Vec<&Text> = Vec::new();
    out.extend(s.image.iter());
    if let Some(b) = &s.build {
        out.push(&b.context);
        out.extend(b.dockerfile.iter());
        out.extend(b.target.iter());
    }
    for c in [&s.command, &s.entrypoint].into_iter().flatten() {
        match c {
            Command::Shell(t) => out.push(t),
            Command::Exec(ts) => out.extend(ts.iter()),
            Command::Null => {}
        }
    }
    out.extend(s.environment.iter().filter_map(|e| e.value.as_ref()));
    out.extend(s.env_files.iter());
    out.extend(s.stop_grace_period.iter().map(|(t, _)| t));
    out.extend(s.stop_signal.iter());
    out.extend(s.working_dir.iter());
    for v in &s.volumes {
        out.extend(v.source.iter());
        out.push(&v.target);
    }
    out.extend(s.aliases.iter());
    out.extend(s.expose.iter());
    out.extend(s.ports.iter());
    out
}

fn at(src: &str, span: Span) -> &str {
    &src[span.range()]
}

fn svc<'a>(file: &'a ComposeFile, name: &str) -> &'a Service {
    file.services
        .iter()
        .find(|s| s.name.value == name)
        .unwrap_or_else(|| panic!("no service {name}"))
}

fn values(ts: &[Text]) -> Vec<&str> {
    ts.iter().map(|t| t.value.as_str()).collect()
}

#[test]
fn service_fields() {
    let src = "\
services:
  web:
    image: nginx:1.27
    container_name: front
    hostname: web-host
    stop_signal: SIGQUIT
    stop_grace_period: 1m30s
    working_dir: /app
    init: true
    expose: [8000, \"9000\"]
    ports:
      - 80:80
      - target: 443
        published: 8443
    networks:
      back:
        aliases: [www, web.local]
      front:
    configs:
      - nginx_conf
      - source: site
        target: /etc/nginx/conf.d/site.conf
  db:
";
    let file = parse(src);
    assert!(file.problems.is_empty(), "{:?}", file.problems);
    assert_eq!(file.services.len(), 2);
    let web = svc(&file, "web");
    assert_eq!(at(src, web.name.span), "web");
    assert_eq!(web.image.as_ref().unwrap().value, "nginx:1.27");
    assert_eq!(at(src, web.image.as_ref().unwrap().span), "nginx:1.27");
    assert_eq!(web.container_name.as_ref().unwrap().value, "front");
    assert_eq!(web.hostname.as_ref().unwrap().value, "web-host");
    assert_eq!(web.stop_signal.as_ref().unwrap().value, "SIGQUIT");
    let (grace, ms) = web.stop_grace_period.as_ref().unwrap();
    assert_eq!(at(src, grace.span), "1m30s");
    assert_eq!(ms, &Ok(Millis(90_000)));
    assert_eq!(web.working_dir.as_ref().unwrap().value, "/app");
    assert_eq!(web.init, Some(true));
    assert_eq!(values(&web.expose), ["8000", "9000"]);
    assert_eq!(values(&web.ports), ["80:80", "8443:443"]);
    assert_eq!(values(&web.aliases), ["www", "web.local"]);
    assert_eq!(web.configs.len(), 2);
    assert_eq!(web.configs[0].0.value, "nginx_conf");
    assert!(web.configs[0].1.is_none());
    assert_eq!(
        web.configs[1].1.as_ref().unwrap().value,
        "/etc/nginx/conf.d/site.conf"
    );
    let db = svc(&file, "db");
    assert!(db.image.is_none());
    assert_eq!(at(src, db.span), "db");
}

#[test]
fn stop_grace_period_bare_integer_is_rejected() {
    let file =
        parse("services:\n  a:\n    stop_grace_period: 10\n  b:\n    stop_grace_period: \"2s\"\n");
    let (t, ms) = svc(&file, "a").stop_grace_period.as_ref().unwrap();
    assert_eq!(t.value, "10");
    assert!(ms.as_ref().unwrap_err().contains("missing unit"));
    let (t, ms) = svc(&file, "b").stop_grace_period.as_ref().unwrap();
    assert_eq!(t.style, Style::DoubleQuoted);
    assert_eq!(ms, &Ok(Millis(2000)));
}

#[test]
fn build_forms() {
    let src = "\
services:
  a:
    build: ./app
  b:
    build:
      context: ./svc
      dockerfile: docker/Dockerfile.prod
      target: runtime
  c:
    build:
      dockerfile: Other
";
    let file = parse(src);
    let a = svc(&file, "a").build.as_ref().unwrap();
    assert_eq!(a.context.value, "./app");
    assert!(a.dockerfile.is_none());
    let b = svc(&file, "b").build.as_ref().unwrap();
    assert_eq!(b.context.value, "./svc");
    assert_eq!(
        b.dockerfile.as_ref().unwrap().value,
        "docker/Dockerfile.prod"
    );
    assert_eq!(b.target.as_ref().unwrap().value, "runtime");
    let c = svc(&file, "c").build.as_ref().unwrap();
    assert_eq!(c.context.value, ".");
}

#[test]
fn command_forms() {
    let src = "\
services:
  shell:
    command: gunicorn app:app --timeout 60
  exec:
    command: [\"gunicorn\", \"app:app\", \"-t\", 60]
    entrypoint:
      - /entrypoint.sh
  null_cmd:
    command: null
  empty:
    command: ''
    entrypoint: []
  block:
    command: >
      gunicorn app:app
      --timeout 45
";
    let file = parse(src);
    match &svc(&file, "shell").command {
        Some(Command::Shell(t)) => {
            assert_eq!(t.value, "gunicorn app:app --timeout 60");
            let i = t.value.find("60").unwrap();
            assert_eq!(at(src, t.span_of(i..i + 2)), "60");
        }
        other => panic!("{other:?}"),
    }
    match &svc(&file, "exec").command {
        Some(Command::Exec(args)) => {
            assert_eq!(values(args), ["gunicorn", "app:app", "-t", "60"]);
            assert_eq!(at(src, args[3].span), "60");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(&svc(&file, "exec").entrypoint, Some(Command::Exec(a)) if a.len() == 1));
    assert_eq!(svc(&file, "null_cmd").command, Some(Command::Null));
    assert!(matches!(&svc(&file, "empty").command, Some(Command::Shell(t)) if t.value.is_empty()));
    assert!(matches!(&svc(&file, "empty").entrypoint, Some(Command::Exec(a)) if a.is_empty()));
    match &svc(&file, "block").command {
        Some(Command::Shell(t)) => {
            assert_eq!(t.value, "gunicorn app:app --timeout 45\n");
            let i = t.value.find("45").unwrap();
            assert_eq!(at(src, t.span_of(i..i + 2)), "45");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn environment_forms() {
    let src = "\
services:
  map:
    environment:
      GUNICORN_CMD_ARGS: \"--timeout 90\"
      WEB_CONCURRENCY: 4
      FROM_HOST:
      EMPTY: ''
  list:
    environment:
      - GUNICORN_CMD_ARGS=--timeout=90 --keep-alive 5
      - FROM_HOST
      - EMPTY=
    env_file:
      - .env
      - path: ./extra.env
        required: false
  single:
    env_file: prod.env
";
    let file = parse(src);
    let env = &svc(&file, "map").environment;
    assert_eq!(env.len(), 4);
    assert_eq!(env[0].name, "GUNICORN_CMD_ARGS");
    assert_eq!(at(src, env[0].name_span), "GUNICORN_CMD_ARGS");
    assert_eq!(env[0].value.as_ref().unwrap().value, "--timeout 90");
    assert_eq!(env[1].value.as_ref().unwrap().value, "4");
    assert!(env[2].value.is_none());
    assert_eq!(env[3].value.as_ref().unwrap().value, "");

    let env = &svc(&file, "list").environment;
    assert_eq!(env.len(), 3);
    assert_eq!(env[0].name, "GUNICORN_CMD_ARGS");
    assert_eq!(at(src, env[0].name_span), "GUNICORN_CMD_ARGS");
    let v = env[0].value.as_ref().unwrap();
    assert_eq!(v.value, "--timeout=90 --keep-alive 5");
    let i = v.value.find("90").unwrap();
    assert_eq!(at(src, v.span_of(i..i + 2)), "90");
    assert!(env[1].value.is_none());
    assert_eq!(env[2].value.as_ref().unwrap().value, "");
    assert_eq!(
        values(&svc(&file, "list").env_files),
        [".env", "./extra.env"]
    );
    assert_eq!(values(&svc(&file, "single").env_files), ["prod.env"]);
}

#[test]
fn volumes_short_and_long() {
    let src = "\
services:
  a:
    volumes:
      - ./conf/nginx.conf:/etc/nginx/nginx.conf:ro
      - data:/var/lib/data
      - /anonymous
      - C:\\data:/data:rw,z
      - type: bind
        source: ./static
        target: /static
        read_only: true
";
    let file = parse(src);
    assert!(file.problems.is_empty(), "{:?}", file.problems);
    let v = &svc(&file, "a").volumes;
    assert_eq!(v.len(), 5);
    assert_eq!(v[0].source.as_ref().unwrap().value, "./conf/nginx.conf");
    assert_eq!(v[0].target.value, "/etc/nginx/nginx.conf");
    assert_eq!(at(src, v[0].target.span), "/etc/nginx/nginx.conf");
    assert!(v[0].read_only);
    assert!(!v[1].read_only);
    assert!(v[2].source.is_none());
    assert_eq!(v[2].target.value, "/anonymous");
    assert_eq!(v[3].source.as_ref().unwrap().value, "C:\\data");
    assert_eq!(v[3].target.value, "/data");
    assert!(!v[3].read_only);
    assert_eq!(v[4].source.as_ref().unwrap().value, "./static");
    assert!(v[4].read_only);
}

#[test]
fn anchors_merges_and_extension_fields() {
    let src = "\
x-common: &common
  image: app:latest
  stop_grace_period: 20s
  environment: &env
    TIMEOUT: \"30\"
services:
  web:
    <<: *common
    command: gunicorn app
  worker:
    <<: *common
    stop_grace_period: 5s
    environment:
      <<: *env
      EXTRA: x
";
    let file = parse(src);
    assert!(file.problems.is_empty(), "{:?}", file.problems);
    assert_eq!(file.services.len(), 2);
    let web = svc(&file, "web");
    assert_eq!(web.image.as_ref().unwrap().value, "app:latest");
    // Merged values point at the anchor's text.
    assert_eq!(at(src, web.image.as_ref().unwrap().span), "app:latest");
    assert!(web.image.as_ref().unwrap().span.start < 40);
    assert_eq!(
        web.stop_grace_period.as_ref().unwrap().1,
        Ok(Millis(20_000))
    );
    let worker = svc(&file, "worker");
    assert_eq!(
        worker.stop_grace_period.as_ref().unwrap().1,
        Ok(Millis(5_000))
    );
    let names: Vec<&str> = worker.environment.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["TIMEOUT", "EXTRA"]);
}

#[test]
fn reset_override_and_extends() {
    let src = "\
services:
  nginx: !reset
  db:
    environment:
      MYSQL_ROOT_PASSWORD: !reset null
      MYSQL_ROOT_PASSWORD_FILE: /run/secrets/db_password
    depends_on: !override
      - cache
    ports: !reset []
  solr:
    extends:
      file: compose.yaml
      service: solr
  short:
    extends: base
";
    let file = parse(src);
    assert!(file.problems.is_empty(), "{:?}", file.problems);
    assert!(svc(&file, "nginx").reset);
    let db = svc(&file, "db");
    assert!(!db.reset);
    assert_eq!(db.reset_keys, ["ports"]);
    assert_eq!(db.override_keys, ["depends_on"]);
    assert!(db.environment[0].reset);
    assert!(db.environment[0].value.is_none());
    assert!(!db.environment[1].reset);
    let (f, s) = svc(&file, "solr").extends.as_ref().unwrap();
    assert_eq!(f.as_ref().unwrap().value, "compose.yaml");
    assert_eq!(s.value, "solr");
    let (f, s) = svc(&file, "short").extends.as_ref().unwrap();
    assert!(f.is_none());
    assert_eq!(s.value, "base");
}

#[test]
fn interpolation_forms() {
    let src = "\
services:
  app:
    image: \"${REGISTRY:-docker.io}/app:${TAG}\"
    command: gunicorn --timeout ${GTIMEOUT:-30} --workers $WORKERS --bind ${BIND-0.0.0.0:8000}
    environment:
      A: ${EMPTY:-fallback}
      B: ${EMPTY-kept}
      C: ${SET:+alt}
      D: ${UNSET:+alt}
      E: ${UNSET:-${NESTED:-deep}}
      F: $${NOT_A_VAR} and $$HOME
      G: ${SET?need it}
";
    let env = [
        ("TAG", "1.2"),
        ("WORKERS", "4"),
        ("EMPTY", ""),
        ("SET", "yes"),
    ];
    let file = parse_env(src, &env);
    assert!(file.problems.is_empty(), "{:?}", file.problems);
    let app = svc(&file, "app");
    let image = app.image.as_ref().unwrap();
    assert_eq!(image.value, "docker.io/app:1.2");
    // A default maps to the default's own bytes; an env value to the whole `${...}`.
    assert_eq!(at(src, image.span_of(0..9)), "docker.io");
    let i = image.value.find("1.2").unwrap();
    assert_eq!(at(src, image.span_of(i..i + 3)), "${TAG}");
    assert_eq!(at(src, image.span_of(10..13)), "app");

    let Some(Command::Shell(cmd)) = &app.command else {
        panic!()
    };
    assert_eq!(
        cmd.value,
        "gunicorn --timeout 30 --workers 4 --bind 0.0.0.0:8000"
    );
    let i = cmd.value.find("30").unwrap();
    assert_eq!(at(src, cmd.span_of(i..i + 2)), "30");
    let i = cmd.value.find(" 4 ").unwrap() + 1;
    assert_eq!(at(src, cmd.span_of(i..i + 1)), "$WORKERS");
    let i = cmd.value.find("--workers").unwrap();
    assert_eq!(at(src, cmd.span_of(i..i + 9)), "--workers");

    let env: Vec<(&str, &str)> = app
        .environment
        .iter()
        .map(|e| (e.name.as_str(), e.value.as_ref().unwrap().value.as_str()))
        .collect();
    assert_eq!(
        env,
        [
            ("A", "fallback"),
            ("B", ""),
            ("C", "alt"),
            ("D", ""),
            ("E", "deep"),
            ("F", "${NOT_A_VAR} and $HOME"),
            ("G", "yes"),
        ]
    );
    let f = app.environment[5].value.as_ref().unwrap();
    assert_eq!(at(src, f.span_of(0..1)), "$$");
    assert_eq!(at(src, f.span_of(1..13)), "{NOT_A_VAR} ");

    let subs: Vec<(&str, &Substituted)> = file
        .interpolations
        .iter()
        .map(|i| (i.var.as_str(), &i.source))
        .collect();
    assert_eq!(subs[0], ("REGISTRY", &Substituted::Default));
    assert_eq!(subs[1], ("TAG", &Substituted::Env("1.2".into())));
    assert_eq!(subs[2], ("GTIMEOUT", &Substituted::Default));
    assert_eq!(at(src, file.interpolations[2].span), "${GTIMEOUT:-30}");
    assert!(subs.contains(&("NESTED", &Substituted::Default)));
    assert!(subs.contains(&("UNSET", &Substituted::Default)));
}

#[test]
fn command_keeps_double_dollar_as_single() {
    let src = "services:\n  a:\n    command: sh -c 'exec gunicorn --timeout $$TIMEOUT'\n";
    let file = parse(src);
    let Some(Command::Shell(t)) = &svc(&file, "a").command else {
        panic!()
    };
    assert_eq!(t.value, "sh -c 'exec gunicorn --timeout $TIMEOUT'");
    assert!(file.interpolations.is_empty());
}

#[test]
fn unresolved_variables_become_empty_and_are_recorded() {
    let src = "services:\n  a:\n    command: gunicorn --timeout ${T} -w $W\n";
    let file = parse(src);
    assert!(file.problems.is_empty());
    let Some(Command::Shell(t)) = &svc(&file, "a").command else {
        panic!()
    };
    assert_eq!(t.value, "gunicorn --timeout  -w ");
    assert_eq!(file.interpolations.len(), 2);
    assert_eq!(file.interpolations[0].source, Substituted::Unset);
    assert_eq!(at(src, file.interpolations[0].span), "${T}");
    assert_eq!(at(src, file.interpolations[1].span), "$W");
}

#[test]
fn interpolation_errors_are_problems() {
    let src = "\
services:
  a:
    image: ${IMAGE:?set IMAGE first}
    command: echo $1 ${
    healthcheck:
      test: ignored
  b:
    image: ${1BAD}
";
    let file = parse(src);
    let msgs: Vec<&str> = file.problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(file.problems.len(), 3, "{msgs:?}");
    assert_eq!(at(src, file.problems[0].span.unwrap()), "$1");
    assert_eq!(at(src, file.problems[1].span.unwrap()), "${");
    assert!(msgs[2].contains("variable name"));
    // A required variable missing from `.env` is recorded, not a Problem:
    // the deployment's shell may set it.
    assert_eq!(svc(&file, "a").image.as_ref().unwrap().value, "");
    let required = &file.interpolations[0];
    assert_eq!(required.var, "IMAGE");
    assert_eq!(
        required.source,
        Substituted::Required("set IMAGE first".into())
    );
    assert_eq!(at(src, required.span), "${IMAGE:?set IMAGE first}");
}

#[test]
fn malformed_services_are_problems_not_panics() {
    let file = parse(
        "services:\n  a: just a string\n  b:\n    image: [x]\n    command: {a: b}\n  c:\n    image: ok\n",
    );
    assert_eq!(file.services.len(), 2);
    assert_eq!(file.problems.len(), 3);
    assert_eq!(svc(&file, "c").image.as_ref().unwrap().value, "ok");
    let file = parse("- not\n- a map\n");
    assert_eq!(file.problems.len(), 1);
    let file = parse("services: [a]\n");
    assert_eq!(file.problems.len(), 1);
    let file = parse("services:\n  a: {image: x\n");
    assert!(file.services.is_empty());
    assert_eq!(file.problems.len(), 1);
}

#[test]
fn duplicate_keys_are_reported() {
    let file = parse(
        "services:\n  zk:\n    environment:\n      A: 1\n    environment:\n      - HOST_IP\n",
    );
    assert_eq!(file.problems.len(), 1);
    assert_eq!(svc(&file, "zk").environment[0].name, "HOST_IP");
}
