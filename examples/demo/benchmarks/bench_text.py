"""Benchmarks of tokenising and counting: one call of a bench_* function is one iteration."""

import random

from wordfreq import count_words, tokenize, top_words

VOCABULARY = ("the quick brown fox jumps over a lazy dog while an old owl and its friends watch from the tall "
              "trees at dusk it is said that they were there for years").split()

TEXT = {}


def setup():
    rng = random.Random(42)
    for n in (1_000, 10_000):
        TEXT[n] = " ".join(rng.choice(VOCABULARY) for _ in range(n))


def bench_tokenize(n):
    tokenize(TEXT[n])


bench_tokenize.params = {"n": [1_000, 10_000]}


def bench_count_words():
    count_words(TEXT[10_000])


def bench_top_words():
    top_words(TEXT[1_000], 5)
