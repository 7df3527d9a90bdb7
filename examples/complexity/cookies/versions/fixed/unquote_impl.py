"""http.cookies._unquote as gh-123067 rewrote it: one re.sub pass over the value."""
import re

_unquote_sub = re.compile(r"\\(?:([0-3][0-7][0-7])|(.))").sub


def _replace(m):
    if m.group(1):
        return chr(int(m.group(1), 8))
    return m.group(2)


def unquote(text):
    if text is None or len(text) < 2 or text[0] != '"' or text[-1] != '"':
        return text
    return _unquote_sub(_replace, text[1:-1])
