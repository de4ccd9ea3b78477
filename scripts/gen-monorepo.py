#!/usr/bin/env python3
"""Generates a synthetic monorepo for parity's benchmark (scripts/bench.sh).

    scripts/gen-monorepo.py N OUT

N services under OUT/services/svc-XXXXX, each a realistic deployment: an nginx
main config with `include conf.d/*.conf`, an upstream file, a server file with
several locations and a snippet include, gunicorn.conf.py (uwsgi.ini for every
third service), a Dockerfile, docker-compose.yml with anchors and merge keys,
Kubernetes manifests (Deployment, Service, Ingress; split over three files for
even services, one multi-document file for odd ones), plus files parity must
skip: source code, docs, and git-ignored node_modules/ and build/ trees (one
of them holds an nginx.conf that must not be read). Deterministic: the same N
gives the same bytes.
"""

import os
import random
import sys

NGINX_MAIN = """user nginx;
worker_processes auto;
events {{ worker_connections 1024; }}
http {{
    include       /etc/nginx/mime.types;
    sendfile      on;
    keepalive_timeout 65s;
    proxy_read_timeout {read}s;
    include conf.d/*.conf;
}}
"""

UPSTREAMS = """upstream {name}_app {{
    server {name}:{port} max_fails=3 fail_timeout=30s;
    keepalive 16;
    keepalive_timeout 60s;
}}
upstream {name}_admin {{
    server {name}-admin:{port};
}}
"""

SERVER = """server {{
    listen 80;
    server_name {name}.example.com;
    client_max_body_size 10m;

    location / {{
        include snippets/proxy.conf;
        proxy_pass http://{name}_app;
    }}
    location /api/ {{
        proxy_read_timeout {api_read}s;
        proxy_connect_timeout 5s;
        proxy_set_header Host $host;
        proxy_pass http://{name}_app;
    }}
    location ~* \\.(css|js|png)$ {{
        expires 7d;
        root /srv/static;
    }}
    location /admin/ {{
        limit_except GET POST {{ deny all; }}
        proxy_pass http://{name}_admin;
    }}
    location /reports/ {{
        if ($http_x_slow) {{ set $slow 1; }}
        proxy_read_timeout 600s;
        proxy_pass http://{name}_app;
    }}
}}
"""

SNIPPET = """proxy_http_version 1.1;
proxy_set_header Connection "";
proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
proxy_set_header X-Forwarded-Proto $scheme;
"""

GUNICORN_CONF = '''"""gunicorn settings for {name}."""
import multiprocessing
import os

bind = "0.0.0.0:{port}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "{worker}"
threads = {threads}
timeout = {timeout}
graceful_timeout = {graceful}
keepalive = {keepalive}
max_requests = 1000
max_requests_jitter = 100
accesslog = "-"


def post_fork(server, worker):
    server.log.info("worker %s spawned", worker.pid)
'''

UWSGI_INI = """[uwsgi]
module = {name}.wsgi:application
master = true
processes = 4
http-socket = :{port}
harakiri = {timeout}
die-on-term = true
vacuum = true
"""

DOCKERFILE = """FROM python:3.12-slim AS build
WORKDIR /build
COPY requirements.txt .
RUN pip wheel -r requirements.txt -w /wheels

FROM python:3.12-slim
WORKDIR /app
COPY --from=build /wheels /wheels
RUN pip install /wheels/*
COPY . /app
STOPSIGNAL SIGTERM
CMD {cmd}
"""

COMPOSE = """x-common: &common
  restart: unless-stopped
  stop_grace_period: {grace}s
  environment:
    LOG_LEVEL: info

services:
  {name}:
    <<: *common
    build: .
    command: {cmd}
    environment:
      DJANGO_SETTINGS_MODULE: {name}.settings
  nginx:
    <<: *common
    image: nginx:1.27.3
    volumes:
      - ./nginx/nginx.conf:/etc/nginx/nginx.conf:ro
      - ./nginx/conf.d:/etc/nginx/conf.d:ro
      - ./nginx/snippets:/etc/nginx/snippets:ro
    ports:
      - "80:80"
"""

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels: {{app: {name}}}
spec:
  replicas: 3
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      terminationGracePeriodSeconds: {grace}
      containers:
        - name: web
          image: registry.example.com/{name}:1.4.2
          command: ["gunicorn"]
          args: ["{name}.wsgi:application", "--bind", "0.0.0.0:{port}", "--timeout", "{timeout}"]
          env:
            - name: GUNICORN_CMD_ARGS
              value: "--graceful-timeout {graceful}"
          ports:
            - name: http
              containerPort: {port}
          readinessProbe:
            httpGet: {{path: /healthz, port: http}}
            timeoutSeconds: 2
          lifecycle:
            preStop:
              sleep: {{seconds: 5}}
"""

SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector: {{app: {name}}}
  ports:
    - port: 80
      targetPort: http
"""

INGRESS = """apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {name}
  annotations:
    nginx.ingress.kubernetes.io/proxy-read-timeout: "{ingress_read}"
    nginx.ingress.kubernetes.io/proxy-connect-timeout: "5"
spec:
  ingressClassName: nginx
  rules:
    - host: {name}.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service: {{name: {name}, port: {{number: 80}}}}
"""

PY_NOISE = '''"""Module {i} of {name}."""


def handler_{i}(request):
    total = 0
    for n in range({i} * 10):
        total += n * n
    return {{"service": "{name}", "total": total}}
'''


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def service(root, i, rng):
    name = f"svc{i:05d}"
    d = os.path.join(root, "services", name)
    port = 8000 + i % 1000
    worker = rng.choice(["sync", "sync", "gthread", "gevent"])
    v = {
        "name": name,
        "port": port,
        "read": rng.choice([60, 120, 300]),
        "api_read": rng.choice([30, 90, 300]),
        "timeout": rng.choice([30, 60, 120, 330]),
        "graceful": rng.choice([10, 30]),
        "keepalive": rng.choice([2, 5, 75]),
        "worker": worker,
        "threads": 4 if worker == "gthread" else 1,
        "grace": rng.choice([10, 30, 45]),
        "ingress_read": rng.choice([60, 120, 300]),
    }
    uwsgi = i % 3 == 2
    if uwsgi:
        v["cmd"] = '["uwsgi", "--ini", "uwsgi.ini"]'
        write(os.path.join(d, "uwsgi.ini"), UWSGI_INI.format(**v))
    else:
        v["cmd"] = f'["gunicorn", "-c", "gunicorn.conf.py", "{name}.wsgi:application"]'
        write(os.path.join(d, "gunicorn.conf.py"), GUNICORN_CONF.format(**v))
    write(os.path.join(d, "nginx", "nginx.conf"), NGINX_MAIN.format(**v))
    write(os.path.join(d, "nginx", "conf.d", "upstreams.conf"), UPSTREAMS.format(**v))
    write(os.path.join(d, "nginx", "conf.d", "server.conf"), SERVER.format(**v))
    write(os.path.join(d, "nginx", "snippets", "proxy.conf"), SNIPPET)
    write(os.path.join(d, "Dockerfile"), DOCKERFILE.format(**v))
    compose_cmd = v["cmd"] if uwsgi else f"gunicorn -c gunicorn.conf.py {name}.wsgi:application"
    write(os.path.join(d, "docker-compose.yml"), COMPOSE.format(**{**v, "cmd": compose_cmd}))
    k8s = os.path.join(d, "deploy", "k8s")
    docs = [DEPLOYMENT.format(**v), SERVICE.format(**v), INGRESS.format(**v)]
    if i % 2 == 0:
        for fname, doc in zip(["deployment.yaml", "service.yaml", "ingress.yaml"], docs):
            write(os.path.join(k8s, fname), doc)
    else:
        write(os.path.join(k8s, "manifests.yaml"), "---\n".join(docs))
    write(os.path.join(d, "requirements.txt"), "django==5.1\ngunicorn==23.0.0\n")
    for j in range(15):
        write(os.path.join(d, name, f"mod{j}.py"), PY_NOISE.format(i=j, name=name))
    write(os.path.join(d, "README.md"), f"# {name}\n\nServes {name}.example.com.\n")
    write(os.path.join(d, ".gitignore"), "node_modules/\nbuild/\n")
    nm = os.path.join(d, "web", "node_modules", "some-pkg")
    write(os.path.join(nm, "nginx.conf"), "this is { not nginx\n")
    for j in range(8):
        write(os.path.join(nm, f"lib{j}.js"), f"module.exports = {j};\n")
    write(os.path.join(d, "build", "lib", name, "settings.yaml"), "debug: true\n")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    n, out = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(20261121)
    for i in range(n):
        service(out, i, rng)


if __name__ == "__main__":
    main()
