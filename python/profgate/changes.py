"""Which functions a change touches, on both sides, and which benchmark files import each changed file.

Usage:
    python -m profgate.changes REQUEST OUT

REQUEST is a JSON file written by the caller, who ran git (src/adapters/git.ts):
    {"root": DIR,                           the project directory (the harness's working directory)
     "benchmark_files": [PATH, ...],        the files the benchmarks live in, relative to root
     "files": [{"path": PATH,               a changed .py file, relative to root
                "base": FILE or null,       its source on the base side (null: added by the change)
                "head": FILE or null,       its source on the head side (null: deleted by the change)
                "base_lines": [[FIRST, LAST], ...],   lines deleted or modified on the base side
                "head_lines": [[FIRST, LAST], ...]}]} lines added or modified on the head side

OUT receives, per changed file, in the order given:
    {"files": [{"path": PATH,
                "functions": [{"qualname": "C.method", "name": "method", "line": N, "end": N}, ...],
                "module_level": [REASON, ...],
                "importers": [PATH, ...]}]}

``functions`` are the changed functions as the base side defines them, keyed as cProfile keys a function: ``name``
is the code object's name and ``line`` its first line, the first decorator's for a decorated function; ``end`` is its
last line. A line changed on the head side belongs to the base function of the same qualified name; a function the
head side adds has no base identity and counts as a module-level change, since a new definition can change what
other code dispatches to. ``module_level`` says why the file's module body changed (lines outside any function, a
class body, an added function, a source that does not parse, any change to a pytest conftest.py, whose fixtures run
outside the profiled iterations); empty when every change lies inside functions of another file.

``importers`` are the benchmark files that import the changed file, directly or through other project files, found
by reading the import statements of every .py file under root (including imports inside functions): an import of
``a.b.c`` reaches the files whose path ends in a/b/c.py or a/b/c/__init__.py and the packages above them, wherever
they lie (a src/ layout, a benchmark folder on sys.path). A benchmark file imports the conftest.py and __init__.py
files of the folders above it (pytest and asv load them first). Imports built at run time (importlib, __import__,
plugins found by entry point) are not seen.
"""

import ast
import json
import os
import sys

# Folders never searched for project modules: version control, caches, installed packages, virtual environments.
SKIPPED_DIRS = frozenset(("__pycache__", "node_modules", "site-packages", "dist-packages"))


class UsageError(Exception):
    """Bad arguments or request; the message says what to fix."""


def _scopes(tree):
    """Every function (def, async def, lambda) of ``tree`` as (qualname, name, first line, last line), outermost first."""
    found = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                qualname = prefix + child.name
                first = min([child.lineno] + [d.lineno for d in child.decorator_list])
                found.append((qualname, child.name, first, child.end_lineno))
                visit(child, qualname + ".<locals>.")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")
            elif isinstance(child, ast.Lambda):
                qualname = prefix + "<lambda>"
                found.append((qualname, "<lambda>", child.lineno, child.end_lineno))
                visit(child, qualname + ".<locals>.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def _innermost(scopes, line):
    """The innermost scope holding ``line``, or None when it lies at module level or in a class body."""
    best = None
    for scope in scopes:
        _, _, first, last = scope
        if first <= line <= last and (best is None or first >= best[2]):
            best = scope
    return best


def _parse(path, side, reasons):
    if path is None:
        return None
    try:
        with open(path, "rb") as handle:
            return _scopes(ast.parse(handle.read(), filename=path))
    except (SyntaxError, ValueError) as error:
        reasons.append("the {} side does not parse ({})".format(side, error.msg if isinstance(error, SyntaxError) else error))
        return None


def _lines(ranges):
    for first, last in ranges:
        yield from range(first, last + 1)


def analyse_file(entry):
    """The changed functions (base identities) and module-level reasons of one changed file of the request."""
    reasons = []
    base = _parse(entry.get("base"), "base", reasons)
    head = _parse(entry.get("head"), "head", reasons)
    changed = {}
    outside = False

    def add(scope):
        qualname, name, first, last = scope
        changed[(qualname, first)] = {"qualname": qualname, "name": name, "line": first, "end": last}

    if base is not None:
        for line in _lines(entry.get("base_lines", [])):
            scope = _innermost(base, line)
            if scope is None:
                outside = True
            else:
                add(scope)
    if head is not None:
        by_name = {}
        for scope in base or ():
            by_name.setdefault(scope[0], []).append(scope)
        added = set()
        for line in _lines(entry.get("head_lines", [])):
            scope = _innermost(head, line)
            if scope is None:
                outside = True
            elif scope[0] in by_name:
                for match in by_name[scope[0]]:
                    add(match)
            else:
                added.add(scope[0])
        if added:
            reasons.append("adds {}".format(", ".join(sorted(added))))
    if outside:
        reasons.insert(0, "lines outside any function (module level or a class body)")
    if entry.get("base") is None and entry.get("head") is not None:
        reasons.insert(0, "a new file")
    if entry.get("head") is None and entry.get("base") is not None:
        reasons.insert(0, "deleted")
    if entry["path"].rsplit("/", 1)[-1] == "conftest.py" and (changed or outside):
        # Its fixtures and hooks run in set-up, outside the profiled iterations: no call graph shows them.
        reasons.append("a pytest conftest.py, whose fixtures run outside the profiled iterations")
    return sorted(changed.values(), key=lambda f: (f["line"], f["qualname"])), reasons


def _project_files(root):
    """Every .py file under ``root``, relative, with / separators."""
    found = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(
            d for d in dirs
            if not d.startswith(".") and d not in SKIPPED_DIRS and not os.path.exists(os.path.join(directory, d, "pyvenv.cfg"))
        )
        for name in sorted(files):
            if name.endswith(".py"):
                found.append(os.path.relpath(os.path.join(directory, name), root).replace(os.sep, "/"))
    return found


def _module_names(path):
    """The dotted names a file can be imported as: every tail of its path (a/b/c.py: a.b.c, b.c, c)."""
    parts = path[:-3].split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return [".".join(parts[i:]) for i in range(len(parts))]


def _with_parents(dotted):
    parts = dotted.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def _imported_names(tree, path):
    """Dotted names (absolute imports) and relative paths (relative imports) that ``tree`` imports."""
    names = []
    paths = []
    folder = path.rsplit("/", 1)[0] if "/" in path else ""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names.extend(_with_parents(alias.name))
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                names.extend(_with_parents(node.module))
                names.extend(node.module + "." + alias.name for alias in node.names if alias.name != "*")
            elif node.level > 0:
                base = folder.split("/") if folder else []
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                target = base + (node.module.split(".") if node.module else [])
                for depth in range(len(base), len(target) + 1):
                    paths.append("/".join(target[:depth]))
                paths.extend("/".join(target + [alias.name]) for alias in node.names if alias.name != "*")
    return names, paths


def import_graph(root, files):
    """For each project file, the project files it imports (statically, anywhere in its source)."""
    by_name = {}
    by_path = {}
    for path in files:
        for name in _module_names(path):
            by_name.setdefault(name, set()).add(path)
        stem = path[:-3]
        by_path.setdefault(stem[: -len("/__init__")] if stem.endswith("/__init__") else stem, set()).add(path)
    graph = {}
    for path in files:
        try:
            with open(os.path.join(root, path), "rb") as handle:
                tree = ast.parse(handle.read(), filename=path)
        except (SyntaxError, ValueError, OSError):
            graph[path] = set()
            continue
        names, paths = _imported_names(tree, path)
        targets = set()
        for name in names:
            targets.update(by_name.get(name, ()))
        for relative in paths:
            targets.update(by_path.get(relative, ()))
        targets.discard(path)
        graph[path] = targets
    return graph


def _loaded_first(path, known):
    """The conftest.py and __init__.py files of the folders above ``path`` that exist in the project."""
    parts = path.split("/")[:-1]
    found = []
    for depth in range(len(parts) + 1):
        folder = "/".join(parts[:depth])
        for name in ("conftest.py", "__init__.py"):
            candidate = folder + "/" + name if folder else name
            if candidate != path and candidate in known:
                found.append(candidate)
    return found


def importers(graph, benchmark_files, targets):
    """For each target file, the benchmark files that reach it through the import graph (itself included)."""
    known = set(graph)
    reached_by = {}
    for bench in benchmark_files:
        seen = {bench}
        stack = [bench] + _loaded_first(bench, known)
        seen.update(stack)
        while stack:
            current = stack.pop()
            for nxt in graph.get(current, ()):
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        for path in seen:
            reached_by.setdefault(path, set()).add(bench)
    return {target: sorted(reached_by.get(target, ())) for target in targets}


def analyse(request):
    """The answer document for a request document (see the module's docstring)."""
    root = request.get("root")
    files = request.get("files")
    benches = request.get("benchmark_files")
    if not isinstance(root, str) or not isinstance(files, list) or not isinstance(benches, list):
        raise UsageError('expected {"root": DIR, "benchmark_files": [...], "files": [...]}')
    answers = []
    for entry in files:
        functions, reasons = analyse_file(entry)
        answers.append({"path": entry["path"], "functions": functions, "module_level": reasons})
    graph = import_graph(root, _project_files(root))
    reach = importers(graph, benches, [a["path"] for a in answers])
    for answer in answers:
        answer["importers"] = reach[answer["path"]]
    return {"files": answers}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2 or argv[0] in ("-h", "--help"):
        sys.stderr.write(__doc__)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    try:
        with open(argv[0], encoding="utf-8") as handle:
            request = json.load(handle)
        if not isinstance(request, dict):
            raise UsageError("expected a JSON object")
        document = analyse(request)
    except (OSError, ValueError, UsageError, KeyError, TypeError) as error:
        sys.stderr.write("profgate.changes: {}: {}\n".format(argv[0], error))
        return 2
    with open(argv[1], "w", encoding="utf-8") as handle:
        json.dump(document, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
