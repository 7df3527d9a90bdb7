"""sqlparse: grouping an N-column select list (sqlparse PR #848, released in 0.6.0).

Before 0.6.0, TokenList.group_tokens(extend=True) recomputed the group's value by flattening its whole subtree each
time one more identifier joined the list: O(N²) tokens visited for N columns. Run against sqlparse 0.6.0 (fixed) and
0.5.5 (unfixed) installed in two virtual environments.
"""
import sqlparse


def bench_parse_columns(n):
    sqlparse.parse("SELECT " + ", ".join("c{}".format(i) for i in range(n)) + " FROM t")


bench_parse_columns.params = {"n": [8, 16, 32, 64]}
