#!/usr/bin/env python3
"""floors.py - the include rules between the floors of server/ (docs/architecture.md).

Every C/C++ file under server/<floor>/ and every header in include/hearth/ may
include hearth headers of its own floor and of the floors below it only, and
none of the libraries of the floors above it:

    cmd      main, CLI          may include every floor
    http     civetweb, routes   service, store, core, lib
    service  caches, ingest     store, core, lib (libcurl, libgvc, no civetweb)
    store    SQLite, blobs      lib (no civetweb; libcurl for S3 blobs)
    core     decode, views      lib (no civetweb, SQLite, curl, OpenSSL)
    lib      containers, JSON   lib only

Within and across floors, modules (x.c with its hearth/x.h or private x.h)
must not include each other in a circle: a module only includes the headers of
modules below it (a header with no source file of its name, such as db_int.h or
views.h, is looked through).

A hearth header belongs to the floor of the server file with its name
(hearth/store.h -> server/store/store.c) or to the floor FLOOR_OF says. A
header of unknown floor, or a file in an unknown folder, is an error too, so
a new module has to be placed. Exit 0: the rules hold; 1: they do not (each
breach printed as file:line).

usage: floors.py [ROOT]   (ROOT: the repository, default: this file's ../..)
"""
import os
import re
import sys

# Which floors each floor may include (its own included).
MAY_INCLUDE = {
    "lib": {"lib"},
    "core": {"lib", "core"},
    "store": {"lib", "store"},
    "service": {"lib", "core", "store", "service"},
    "http": {"lib", "core", "store", "service", "http"},
    "cmd": {"lib", "core", "store", "service", "http", "cmd"},
}
# System headers a floor must not include (prefix match on the <...> name).
BANNED_SYSTEM = {
    "lib": ("civetweb.h", "sqlite3.h", "curl/", "openssl/", "graphviz/"),
    "core": ("civetweb.h", "sqlite3.h", "curl/", "openssl/", "graphviz/"),
    "store": ("civetweb.h", "graphviz/"),  # curl: blobs_s3.c (S3 blobs)
    "service": ("civetweb.h",),
    "http": (),
    "cmd": (),
}
# Headers with no server file of the same name.
FLOOR_OF = {
    "num.h": "lib",
    "banned.h": "lib",     # git-style banned functions, included last everywhere
    "views.h": "core",      # top.c, flame.c, callgraph.c
    "series.h": "store",    # series_store.c
    "profile.h": "core",
    "service.h": "service",
    "http.h": "http",
    "cli.h": "cmd",
}

# Generated headers (build/gen) and the floor that may include them.
GENERATED = {"profile.pb-c.h": {"core"}, "hearth_version.h": {"lib"}}

INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..")
    server = os.path.join(root, "server")
    inc = os.path.join(root, "include", "hearth")
    bad = []

    floor_of = dict(FLOOR_OF)
    sources = []  # (path, floor)
    for dirpath, _, files in os.walk(server):
        rel = os.path.relpath(dirpath, server)
        for f in sorted(files):
            if not f.endswith((".c", ".h", ".cc")):
                continue
            path = os.path.join(dirpath, f)
            floor = rel.split(os.sep)[0]
            if floor not in MAY_INCLUDE:
                bad.append(f"{path}: not in a floor folder ({', '.join(MAY_INCLUDE)})")
                continue
            sources.append((path, floor))
            stem = os.path.splitext(f)[0]
            if f.endswith((".c", ".cc")):
                floor_of.setdefault(stem + ".h", floor)
    headers = []
    if os.path.isdir(inc):
        for f in sorted(os.listdir(inc)):
            if f.endswith(".h"):
                if f not in floor_of:
                    bad.append(f"{os.path.join(inc, f)}: no floor (add it to FLOOR_OF in {__file__})")
                    continue
                headers.append((os.path.join(inc, f), floor_of[f]))

    deps = {}  # module -> modules it includes (a module: a file pair x.c + hearth/x.h)
    for path, floor in sources + headers:
        mod = os.path.splitext(os.path.basename(path))[0]
        mine = deps.setdefault(mod, set())
        with open(path, encoding="utf-8", errors="replace") as fh:
            for n, line in enumerate(fh, 1):
                m = INCLUDE_RE.match(line)
                if not m:
                    continue
                kind, name = m.groups()
                where = f"{os.path.relpath(path, root)}:{n}"
                if name.endswith(".h") and (name.startswith("hearth/") or kind == '"'):
                    dep = os.path.splitext(os.path.basename(name))[0]
                    if dep != mod and dep != "banned":
                        mine.add(dep)
                if name.startswith("hearth/"):
                    h = name[len("hearth/"):]
                    hf = floor_of.get(h)
                    if hf is None:
                        bad.append(f"{where}: {name} has no floor")
                    elif hf not in MAY_INCLUDE[floor]:
                        bad.append(f"{where}: {floor} includes {name} ({hf} floor)")
                elif name in GENERATED:
                    if floor not in GENERATED[name]:
                        bad.append(f"{where}: {floor} includes generated {name}")
                elif kind == '"':
                    # a private header: only from the including file's own folder
                    if "/" in name or not os.path.exists(os.path.join(os.path.dirname(path), name)):
                        bad.append(f"{where}: private header {name} not in the same folder")
                else:
                    for p in BANNED_SYSTEM[floor]:
                        if name.startswith(p):
                            bad.append(f"{where}: {floor} includes <{name}>")
    # a header with no source file of its name (db_int.h, views.h) is not a module: what
    # includes it includes what it includes
    modules = {os.path.splitext(os.path.basename(path))[0] for path, _ in sources
               if path.endswith((".c", ".cc"))}
    for cycle in cycles(collapse(deps, modules)):
        bad.append("modules that include each other (a circle; a lower module must not include "
                   "a higher one's header): " + " -> ".join(cycle + [cycle[0]]))
    for b in bad:
        print(b)
    print(f"floors: {len(sources)} server files, {len(headers)} headers, {len(bad)} breaches")
    return 1 if bad else 0


def collapse(deps, modules):
    """deps between modules only, looking through the headers that are not modules."""
    out = {}
    for m in modules:
        seen, todo, reach = {m}, list(deps.get(m, ())), set()
        while todo:
            d = todo.pop()
            if d in seen:
                continue
            seen.add(d)
            if d in modules:
                reach.add(d)
            else:
                todo.extend(deps.get(d, ()))
        out[m] = reach - {m}
    return out


def cycles(deps):
    """The strongly connected groups of more than one module (Tarjan), each as a path."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(deps.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(path_through(deps, sorted(group)))

    sys.setrecursionlimit(10000)
    for v in sorted(deps):
        if v not in index:
            visit(v)
    return out


def path_through(deps, group):
    """One circle inside group, from its first module back to it (breadth first)."""
    start, inside = group[0], set(group)
    prev, todo = {start: None}, [start]
    while todo:
        v = todo.pop(0)
        for w in sorted(deps.get(v, ())):
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return list(reversed(path))
            if w in inside and w not in prev:
                prev[w] = v
                todo.append(w)
    return group


if __name__ == "__main__":
    sys.exit(main())
