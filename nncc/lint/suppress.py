"""Inline suppression comments, read from the YAML source text.

    lr_boost: 3     # nncc: ignore[W102]          this line, these codes
    x: relu(y)      # nncc: ignore                this line, every code
    # nncc: ignore-file[W111, W105]               the whole file, these codes

A code in brackets may be a prefix (`W1`). The comment must be a YAML comment:
a `#` at the start of a line or after whitespace.
"""
from __future__ import annotations

import re

_COMMENT = re.compile(r"(?:^|\s)#\s*nncc:\s*ignore(-file)?\s*(?:\[([^\]]*)\])?", re.IGNORECASE)

ALL = ("",)


class Suppressions:
    def __init__(self, text: str):
        self.lines: dict[int, tuple[str, ...]] = {}
        self.file: tuple[str, ...] = ()
        if _COMMENT.search(text) is None:  # any line's match is one in the whole text (lines part at blanks)
            return
        for i, line in enumerate(text.splitlines(), 1):
            if "#" not in line:
                continue
            for m in _COMMENT.finditer(line):
                codes = ALL if m.group(2) is None else tuple(
                    c.strip().upper() for c in m.group(2).split(",") if c.strip())
                if m.group(1):
                    self.file += codes
                else:
                    self.lines[i] = self.lines.get(i, ()) + codes

    def suppressed(self, code: str, line: int | None) -> bool:
        if any(code.startswith(p) for p in self.file):
            return True
        if line is None:
            return False
        return any(code.startswith(p) for p in self.lines.get(line, ()))
