"""Word frequencies of plain text."""

from wordfreq.text import count_words, tokenize, top_words
from wordfreq.report import render_table

__all__ = ["count_words", "render_table", "tokenize", "top_words"]
