"""Tokenising and counting words."""

import re
from collections import Counter

WORD = re.compile(r"[a-z']+")


def normalize(word):
    return word.strip("'")


def tokenize(text):
    return [normalize(w) for w in WORD.findall(text.lower())]


def count_words(text):
    return Counter(tokenize(text))


def top_words(text, n=10):
    return count_words(text).most_common(n)
