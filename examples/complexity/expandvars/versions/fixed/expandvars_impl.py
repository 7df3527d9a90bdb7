"""posixpath.expandvars as gh-136065 rewrote it: one re.sub pass, a brace that never closes left as it is."""
import re

_varsub = re.compile(r"\$(\w+|\{[^}]*\}?)", re.ASCII).sub


def expandvars(path, environ):
    if "$" not in path:
        return path

    def repl(m):
        name = m.group(1)
        if name.startswith("{"):
            if not name.endswith("}"):
                return m.group(0)
            name = name[1:-1]
        try:
            return environ[name]
        except KeyError:
            return m.group(0)

    return _varsub(repl, path)
