"""http.cookies' _unquote on a quoted value of N escaped characters (CPython gh-123067, CVE-2024-7592).

unquote_impl holds a minimal rewrite of http.cookies._unquote before and after the fix (versions/unfixed and
versions/fixed); the benchmark measures whichever one is on the path.
"""
from unquote_impl import unquote


def bench_escaped_backslashes(n):
    # Each escaped character made the old loop search for an octal escape through the whole rest of the value.
    unquote('"' + "\\\\" * n + '"')


bench_escaped_backslashes.params = {"n": [64, 256, 1024, 4096]}
