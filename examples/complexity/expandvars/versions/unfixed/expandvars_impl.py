"""posixpath.expandvars as it was before gh-136065 (str only, with the environment passed in)."""
import re

_varprog = re.compile(r"\$(\w+|\{[^}]*\})", re.ASCII)


def expandvars(path, environ):
    if "$" not in path:
        return path
    search = _varprog.search
    i = 0
    while True:
        m = search(path, i)
        if not m:
            break
        i, j = m.span(0)
        name = m.group(1)
        if name.startswith("{") and name.endswith("}"):
            name = name[1:-1]
        try:
            value = environ[name]
        except KeyError:
            i = j
        else:
            tail = path[j:]
            path = path[:i] + value
            i = len(path)
            path += tail
    return path
