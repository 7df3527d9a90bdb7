"""os.path.expandvars on text with many "$" (CPython gh-136065, CVE-2025-6075, fixed in October 2025).

expandvars_impl holds a minimal rewrite of posixpath.expandvars before and after the fix (versions/unfixed and
versions/fixed); the benchmark measures whichever one is on the path.
"""
from expandvars_impl import expandvars

ENVIRON = {"HOME": "/home/user"}


def bench_unclosed_braces(n):
    # Each "${" with no closing brace made the old pattern scan to the end of the text: O(N²).
    expandvars("${" * n, ENVIRON)


bench_unclosed_braces.params = {"n": [64, 256, 1024, 4096]}


def bench_defined_variables(n):
    # Each defined variable made the old loop copy the whole text: O(N²) bytes copied.
    expandvars("$HOME/" * n, ENVIRON)


bench_defined_variables.params = {"n": [64, 256, 1024, 4096]}
