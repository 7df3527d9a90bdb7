"""http.cookies._unquote as it was before gh-123067: two searches from the current position per escape."""
import re

_octal = re.compile(r"\\[0-3][0-7][0-7]")
_quote = re.compile(r"[\\].")


def unquote(text):
    if text is None or len(text) < 2 or text[0] != '"' or text[-1] != '"':
        return text
    text = text[1:-1]
    i = 0
    n = len(text)
    res = []
    while 0 <= i < n:
        o_match = _octal.search(text, i)
        q_match = _quote.search(text, i)
        if not o_match and not q_match:
            res.append(text[i:])
            break
        j = o_match.start(0) if o_match else -1
        k = q_match.start(0) if q_match else -1
        if q_match and (not o_match or k < j):
            res.append(text[i:k])
            res.append(text[k + 1])
            i = k + 2
        else:
            res.append(text[i:j])
            res.append(chr(int(text[j + 1 : j + 4], 8)))
            i = j + 4
    return "".join(res)
