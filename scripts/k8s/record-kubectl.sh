#!/bin/sh
# Records how kubectl reads the YAML of tests/fixtures/k8s-oracle/*.yaml:
# `kubectl label --local` decodes each document exactly as `kubectl apply`
# does (sigs.k8s.io/yaml: go-yaml v2 resolution, then JSON), checks
# ObjectMeta's types, and prints the objects as JSON without any cluster.
# The label it adds (parity-oracle=1) is to be ignored by the reader.
#
#   scripts/k8s/record-kubectl.sh     # writes tests/recorded/kubectl/<name>.json
#
# Used by tests/k8s_oracle.rs. Recorded with kubectl v1.32.4.
set -eu
cd "$(dirname "$0")/../.."
out=tests/recorded/kubectl
mkdir -p "$out"
version=$(kubectl version --client -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["clientVersion"]["gitVersion"])')
for f in tests/fixtures/k8s-oracle/*.yaml; do
    name=$(basename "$f" .yaml)
    rc=0
    kubectl label --local -f "$f" parity-oracle=1 -o json >"$out/$name.stdout" 2>"$out/$name.stderr" || rc=$?
    python3 - "$out/$name" "$rc" "$version" "$f" <<'PY'
import json, sys
base, rc, version, fixture = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
text = open(base + ".stdout").read()
dec, i, objects = json.JSONDecoder(), 0, []
while True:
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text):
        break
    obj, i = dec.raw_decode(text, i)
    objects.append(obj)
record = {
    "kubectl": version,
    "command": "kubectl label --local -f " + fixture + " parity-oracle=1 -o json",
    "rc": rc,
    "stderr": open(base + ".stderr").read(),
    "objects": objects,
}
with open(base + ".json", "w") as f:
    json.dump(record, f, indent=1, sort_keys=True)
    f.write("\n")
PY
    rm -f "$out/$name.stdout" "$out/$name.stderr"
done
