#!/usr/bin/env python3
"""Checks that includes point one way, and prints the folder include graph.

  scripts/check_layers.py            # exit 1 with the offending includes when a rule is broken
  scripts/check_layers.py --graph    # also print io's folder -> folder edges

Rules:
  - io/ folders form no cycle (no folder includes, directly or through others, a folder that
    includes it), so every io folder can be read, tested and linked above the ones it uses;
  - io/ includes nothing of viewer/ or app/, and no Qt or VTK header;
  - viewer/ includes nothing of app/.
Includes are read from "#include "folder/..."" lines; a folder is the first path component
below io/ (or viewer/)."""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def sources(top):
    for d, _, files in os.walk(os.path.join(ROOT, top)):
        for f in sorted(files):
            if f.endswith((".h", ".cpp")):
                yield os.path.join(d, f)


def folder_graph(top):
    """{folder: {included folder: [(file, include), ...]}} for the folders of `top`."""
    base = os.path.join(ROOT, top)
    folders = {f for f in os.listdir(base) if os.path.isdir(os.path.join(base, f))}
    graph = {f: {} for f in folders}
    for path in sources(top):
        rel = os.path.relpath(path, base)
        if os.sep not in rel:
            continue
        src = rel.split(os.sep)[0]
        for _, inc in INCLUDE.findall(open(path, encoding="utf-8").read()):
            dst = inc.split("/")[0]
            if dst in folders and dst != src and "/" in inc:
                graph[src].setdefault(dst, []).append((os.path.relpath(path, ROOT), inc))
    return graph


def cycles(graph):
    """Strongly connected components with more than one folder (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main():
    problems = []
    graph = folder_graph("io")
    for comp in cycles(graph):
        problems.append("io folders include each other in a cycle: " + " <-> ".join(comp))
        for a in comp:
            for b in comp:
                for path, inc in graph[a].get(b, [])[:3]:
                    problems.append(f"  {path}: #include \"{inc}\"  ({a} -> {b})")
    for path in sources("io"):
        for kind, inc in INCLUDE.findall(open(path, encoding="utf-8").read()):
            first = inc.split("/")[0]
            if (kind == "<" and re.match(r"(Q[A-Z]|Qt|vtk)", inc)) or \
               (kind == '"' and first in ("viewer", "app")):
                problems.append(f"{os.path.relpath(path, ROOT)}: io/ includes {inc}")
    for path in sources("viewer"):
        for kind, inc in INCLUDE.findall(open(path, encoding="utf-8").read()):
            if kind == '"' and inc.split("/")[0] == "app":
                problems.append(f"{os.path.relpath(path, ROOT)}: viewer/ includes {inc}")
    if "--graph" in sys.argv:
        for a in sorted(graph):
            print(f"{a} -> {' '.join(sorted(graph[a])) or '(nothing)'}")
    if problems:
        print("\n".join(problems))
        return 1
    print(f"layers ok: {len(graph)} io folders, no cycle; io free of Qt/VTK/viewer/app; "
          "viewer free of app")
    return 0


if __name__ == "__main__":
    sys.exit(main())
