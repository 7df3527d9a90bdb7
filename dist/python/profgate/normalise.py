"""Making what the harness records portable and within the results schema's bounds.

File names are normalised so that one function or line has the same key on every machine: a path inside the
working directory is relative, the standard library is ``<stdlib>/...``, installed packages ``<site-packages>/...``;
builtins (``~``) and pseudo-files (``<frozen ...>``, ``<string>``) are kept as they are.
"""

import os
import sysconfig

# Results-schema bounds (src/core/results.ts), counted like JavaScript's String.length: in UTF-16 code units.
MAX_TEXT = 4096
MAX_OUTPUT = 16384

HARNESS_DIR = os.path.dirname(os.path.abspath(__file__))

_PACKAGE_DIRS = ("site-packages", "dist-packages")


def utf16_length(text):
    """Length as JavaScript counts it: characters outside the BMP count twice."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def clip(text, limit=MAX_TEXT):
    """The start of ``text``, at most ``limit`` UTF-16 code units."""
    if len(text) * 2 <= limit:
        return text
    text = text[:limit]
    end = len(text)
    excess = utf16_length(text) - limit
    while excess > 0:
        end -= 1
        excess -= 2 if ord(text[end]) > 0xFFFF else 1
    return text[:end]


def tail(text, limit=MAX_OUTPUT):
    """The end of ``text``, at most ``limit`` UTF-16 code units: the end of an output holds the error."""
    if len(text) * 2 <= limit:
        return text
    text = text[-limit:]
    start = 0
    excess = utf16_length(text) - limit
    while excess > 0:
        excess -= 2 if ord(text[start]) > 0xFFFF else 1
        start += 1
    return text[start:]


def one_line(text):
    """The first non-empty line, clipped: failure messages are one line."""
    for line in text.splitlines():
        if line.strip():
            return clip(line.strip())
    return ""


def _is_within(path, directory):
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


def is_harness_file(filename):
    """Whether a code file belongs to the harness, whose frames never appear in results."""
    return _is_within(os.path.abspath(filename), HARNESS_DIR) if os.path.isabs(filename) else False


def _with_real(paths):
    found = []
    for path in paths:
        if path:
            for variant in (os.path.abspath(path), os.path.realpath(path)):
                if variant not in found:
                    found.append(variant)
    return found


class Normaliser:
    """Maps code file names to portable names, relative to ``root`` (the working directory)."""

    def __init__(self, root):
        self.roots = _with_real([root])
        schemes = sysconfig.get_paths()
        self.stdlib = _with_real([schemes.get("stdlib"), schemes.get("platstdlib")])
        self.site = _with_real([schemes.get("purelib"), schemes.get("platlib")])
        self._cache = {}
        self._inside = {}

    def name(self, filename):
        """The portable name of a code file."""
        try:
            return self._cache[filename]
        except KeyError:
            name = self._cache[filename] = self._name(filename)
            return name

    def in_root(self, filename):
        """Whether a code file lies inside the working directory (and is not the harness)."""
        inside = self._inside.get(filename)
        if inside is None:
            inside = self._inside[filename] = (
                os.path.isabs(filename)
                and not is_harness_file(filename)
                and any(_is_within(path, root) for path in (filename, os.path.realpath(filename)) for root in self.roots)
            )
        return inside

    def is_stdlib(self, filename):
        """Whether a code file is the standard library, frozen or otherwise not on disk as project code."""
        return not os.path.isabs(filename) or self.name(filename).startswith("<stdlib>/")

    def _name(self, filename):
        if not os.path.isabs(filename):
            return filename
        candidates = (os.path.normpath(filename), os.path.realpath(filename))
        # Installed packages first: a virtual environment inside the repository is still "installed".
        for path in candidates:
            parts = path.split(os.sep)
            for index in range(len(parts) - 1, -1, -1):
                if parts[index] in _PACKAGE_DIRS:
                    return "/".join(["<site-packages>"] + parts[index + 1:])
            for directory in self.site:
                if _is_within(path, directory):
                    return _prefixed("<site-packages>", path, directory)
        for path in candidates:
            for root in self.roots:
                if _is_within(path, root):
                    return os.path.relpath(path, root).replace(os.sep, "/")
        for path in candidates:
            for directory in self.stdlib:
                if _is_within(path, directory):
                    return _prefixed("<stdlib>", path, directory)
        return filename.replace(os.sep, "/")


def _prefixed(prefix, path, directory):
    return prefix + "/" + os.path.relpath(path, directory).replace(os.sep, "/")
