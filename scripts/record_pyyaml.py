#!/usr/bin/env python3
"""Record PyYAML's reading of YAML files, as JSON, for parity's YAML tests.

Usage: scripts/record_pyyaml.py [--root DIR] OUT_DIR FILE...

Each FILE becomes OUT_DIR/<name>.json: {"docs": [...]} or {"error": "..."},
where <name> is the basename, or with --root the path relative to DIR with
"/" replaced by "__" (for the corpus, where basenames repeat).
Scalars are kept as strings (only null is resolved) so the comparison is about
the YAML text model (quoting, escapes, folding, block scalars, anchors, merge
keys), not about YAML 1.1 vs 1.2 typing. Mapping keys become strings.
Custom tags (!reset, !Ref) are accepted and ignored.

Recorded with PyYAML 6.0.3 (python3 -c 'import yaml; print(yaml.__version__)').
"""
import json
import os
import sys

import yaml


class Loader(yaml.SafeLoader):
    pass


# Keep only the null and merge implicit resolvers: everything else stays a string.
Loader.yaml_implicit_resolvers = {}
for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items():
    kept = [(tag, rx) for tag, rx in resolvers
            if tag in ("tag:yaml.org,2002:null", "tag:yaml.org,2002:merge")]
    if kept:
        Loader.yaml_implicit_resolvers[first] = kept


def plain(loader, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        # `!reset` / `!reset null` / `!reset ''`: parity reads a local tag on
        # a null-looking plain scalar as null, as compose does.
        if node.style is None and value in ("", "~", "null", "Null", "NULL"):
            return None
        return value
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)


Loader.add_multi_constructor("!", lambda loader, suffix, node: plain(loader, node))
for t in ("int", "float", "bool", "timestamp", "binary", "str"):
    Loader.add_constructor("tag:yaml.org,2002:" + t, yaml.SafeLoader.construct_yaml_str)
Loader.add_constructor("tag:yaml.org,2002:map", lambda l, n: l.construct_mapping(n, deep=True))


def jsonable(value):
    if isinstance(value, dict):
        return {("null" if k is None else str(k)): jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value


def main():
    args = sys.argv[1:]
    root = None
    if args[:1] == ["--root"]:
        root, args = args[1], args[2:]
    out_dir = args[0]
    os.makedirs(out_dir, exist_ok=True)
    for path in args[1:]:
        with open(path, "rb") as f:
            raw = f.read()
        try:
            text = raw.decode("utf-8")
            docs = [jsonable(d) for d in yaml.load_all(text, Loader=Loader)]
            result = {"docs": docs}
        except Exception as e:  # noqa: BLE001 - any failure is the answer
            result = {"error": type(e).__name__ + ": " + str(e).splitlines()[0]}
        if root is None:
            name = os.path.basename(path)
        else:
            name = os.path.relpath(path, root).replace("/", "__")
        name += ".json"
        with open(os.path.join(out_dir, name), "w") as f:
            json.dump(result, f, indent=1, ensure_ascii=False, sort_keys=True)
            f.write("\n")


if __name__ == "__main__":
    main()
