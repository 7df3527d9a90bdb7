"""Import circles among a package's modules: prints each and exits 1, or exits 0 when there are none.

Usage: python3 scripts/import-cycles.py PACKAGE_DIR

Every import counts, at module level or inside a function: a function-level import only hides a circle until the
function runs. Standard library only.
"""
import ast
import sys
from pathlib import Path


def imports_of(path, package, modules):
    """The package's modules that the module at `path` imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level > 0:
                base = package if node.module is None else f"{package}.{node.module}"
            elif node.module is not None and (node.module == package or node.module.startswith(package + ".")):
                base = node.module
            else:
                continue
            # `from pkg import mod` imports the module; `from pkg.mod import name` imports pkg.mod.
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        found.update(name for name in names if name in modules)
    return found


def cycles(graph):
    """The strongly connected components of more than one module, or of one that imports itself (Tarjan)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph[node]:
                out.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return out


def main(argv):
    if len(argv) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    root = Path(argv[0])
    package = root.name
    files = {f"{package}.{path.stem}" if path.stem != "__init__" else package: path for path in sorted(root.glob("*.py"))}
    graph = {name: imports_of(path, package, files) for name, path in files.items()}
    found = cycles(graph)
    for component in found:
        print(f"import circle: {' -> '.join(component)}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
