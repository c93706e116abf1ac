"""Edits of a model.json's text that keep every other byte as it is (re-serialising would rewrite its numbers and
layout): set one top-level key to a block of JSON text, placed last, replacing the key's earlier block if any.
model.json is written with two-space indentation (core's serializeModelJson), so top-level keys start a line
with exactly two spaces."""
import json
import re

_TOP_KEY = re.compile(r',\n  "([^"]+)": ')


def with_top_level(text, key, block):
    """`text` with `"key": block` as its last top-level entry; `block` is JSON text, indented as it should appear."""
    json.loads(block)  # the block must be valid JSON on its own
    body = text.rstrip()
    assert body.endswith("\n}"), "model.json must end with its closing brace"
    starts = [m for m in _TOP_KEY.finditer(body)]
    for i, m in enumerate(starts):
        if m.group(1) == key:
            end = starts[i + 1].start() if i + 1 < len(starts) else len(body) - 2
            body = body[:m.start()] + body[end:]
            break
    out = body[:-2] + f',\n  "{key}": {block}' + "\n}\n"
    json.loads(out)
    return out
