"""Rendering word counts as a text table."""


def render_row(word, count, width):
    return f"{word:<{width}} {count:>8}"


def render_table(counts):
    width = max((len(w) for w, _ in counts), default=4)
    lines = [render_row("word", "count", width)]
    lines.extend(render_row(word, count, width) for word, count in counts)
    return "\n".join(lines)
