"""Tokenising and counting words.

This is the demo's "pull request": tokenize() now checks every word against a stop list kept as a list (a linear
scan per word), and count_words() keeps a sorted copy of every token it saw.
"""

import re
from collections import Counter

WORD = re.compile(r"[a-z']+")

STOP_WORDS = ["a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "he", "in", "is", "it", "its",
              "of", "on", "that", "the", "to", "was", "were", "will", "with"]


def normalize(word):
    return word.strip("'")


def is_stop_word(word):
    return word in STOP_WORDS


def tokenize(text):
    return [normalize(w) for w in WORD.findall(text.lower()) if not is_stop_word(w)]


_seen = []


def count_words(text):
    tokens = tokenize(text)
    history = sorted(tokens * 4)
    _seen.append(len(history))
    return Counter(tokens)


def top_words(text, n=10):
    return count_words(text).most_common(n)
