"""Benchmarks of rendering a report table."""

from wordfreq import render_table

COUNTS = [(f"word{i}", i * 7) for i in range(500)]


def bench_render_table():
    render_table(COUNTS)
