"""Output formats of `nncc lint` / `nncc check`: text, json, sarif (2.1.0), github (workflow commands)."""
from __future__ import annotations

import os
from typing import Any

from ..diagnostics import Diagnostic, Sources, more_line
from ..diagnostics import render_text as render_one
from ..source import sources_of
from .rules import RULES
from .runner import FileResult

FORMATS = ("text", "json", "sarif", "github")
JSON_FORMAT_VERSION = 1


def _all(results: list[FileResult]) -> list[tuple[Diagnostic, bool]]:
    return [(f.diag, f.fix is not None) for r in results for f in r.findings]


def counts(results: list[FileResult]) -> dict[str, int]:
    ds = _all(results)
    return {
        "files": sum(1 for r in results if not r.skipped),
        "errors": sum(1 for d, _ in ds if d.severity == "error") + sum(r.more for r in results),
        "warnings": sum(1 for d, _ in ds if d.severity == "warning"),
        "fixable": sum(1 for _, fx in ds if fx),
        "fixed": sum(r.fixed for r in results),
    }


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def render(results: list[FileResult], fmt: str, color: bool = False, quiet: bool = False,
           sources: dict[str, str] | None = None) -> str:
    if fmt == "json":
        return render_json(results)
    if fmt == "sarif":
        import json  # (imported where used, as urllib.parse: the text report needs neither)

        return json.dumps(render_sarif(results), indent=2)
    if fmt == "github":
        return render_github(results)
    return render_human(results, color, quiet, sources)


# ---------------------------------------------------------------- text

def render_human(results: list[FileResult], color: bool = False, quiet: bool = False,
                 sources: dict[str, str] | None = None) -> str:
    """The diagnostics, then a count (not with quiet); `sources` holds files not on disk (stdin)."""
    out = []
    for r in results:
        if not r.findings:
            continue
        src = Sources({r.path: sources[r.path]}) if sources and r.path in sources else sources_of([r.path])
        for fnd in r.findings:
            s = render_one(fnd.diag, src, color=color)
            if fnd.fix is not None:
                s += f"\n   = fix: {fnd.fix.description} (nncc lint --fix)"
            out.append(s + "\n")
        if r.more or r.stopped:
            out.append(f"{r.path}: {more_line(r.more, r.stopped)}\n")
    c = counts(results)
    tail = []
    if c["fixed"]:
        tail.append(f"fixed {_plural(c['fixed'], 'problem')}")
    if c["errors"] or c["warnings"]:
        parts = [p for p in (_plural(c["errors"], "error") if c["errors"] else "",
                             _plural(c["warnings"], "warning") if c["warnings"] else "") if p]
        line = f"{', '.join(parts)} in {_plural(c['files'], 'file')}"
        if c["fixable"]:
            line += f" ({c['fixable']} fixable with --fix)"
        tail.append(line)
    else:
        tail.append(f"{_plural(c['files'], 'file')} checked, no problems")
    return "\n".join(out + ([] if quiet else tail))



# ---------------------------------------------------------------- json

def diag_dict(d: Diagnostic, fixable: bool) -> dict[str, Any]:
    out = d.to_dict()
    out["rule"] = RULES[d.code].name
    out["fixable"] = fixable
    return out


def render_json(results: list[FileResult]) -> str:
    import json

    from .. import __version__

    doc = {
        "version": JSON_FORMAT_VERSION,
        "tool": {"name": "nncc", "version": __version__},
        "summary": counts(results),
        "diagnostics": [diag_dict(d, fx) for d, fx in _all(results)],
    }
    return json.dumps(doc, indent=2, sort_keys=True)


# ---------------------------------------------------------------- sarif

def _uri(path: str) -> tuple[str, bool]:
    """A relative URI against %SRCROOT% (the current directory) when possible, else an absolute file URI."""
    from urllib.parse import quote

    rel = os.path.relpath(os.path.abspath(path))
    if not rel.startswith(".."):
        return quote(rel.replace(os.sep, "/")), True
    return "file://" + quote(os.path.abspath(path).replace(os.sep, "/")), False


def render_sarif(results: list[FileResult]) -> dict[str, Any]:
    from urllib.parse import quote

    from .. import __version__

    codes = sorted(RULES)
    index = {c: i for i, c in enumerate(codes)}
    rules = []
    for c in codes:
        r = RULES[c]
        rules.append({
            "id": c,
            "name": "".join(w.capitalize() for w in r.name.split("-")),
            "shortDescription": {"text": r.title},
            "helpUri": f"https://github.com/nncc/nncc/blob/main/docs/rules.md#{c.lower()}",
            "defaultConfiguration": {"level": "error" if r.severity == "error" else "warning"},
        })
    sarif_results = []
    for d, _ in _all(results):
        res: dict[str, Any] = {
            "ruleId": d.code,
            "ruleIndex": index[d.code],
            "level": "error" if d.severity == "error" else ("warning" if d.severity == "warning" else "note"),
            "message": {"text": d.message + (f"\nhelp: {d.help}" if d.help else "")},
        }
        if d.span is not None:
            uri, rel = _uri(d.span.file)
            art: dict[str, Any] = {"uri": uri}
            if rel:
                art["uriBaseId"] = "%SRCROOT%"
            s = d.span
            region = {"startLine": s.line, "startColumn": s.col}
            if (s.end_line, s.end_col) > (s.line, s.col):
                region.update(endLine=s.end_line, endColumn=s.end_col)
            res["locations"] = [{"physicalLocation": {"artifactLocation": art, "region": region}}]
        sarif_results.append(res)
    cwd = os.path.abspath(os.getcwd()).replace(os.sep, "/")
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "nncc", "version": __version__, "semanticVersion": __version__,
                                "informationUri": "https://github.com/nncc/nncc", "rules": rules}},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": "file://" + quote(cwd.rstrip("/") + "/")}},
            "columnKind": "unicodeCodePoints",
            "results": sarif_results,
        }],
    }


# ---------------------------------------------------------------- github

def _esc_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _esc_prop(s: str) -> str:
    return _esc_data(s).replace(":", "%3A").replace(",", "%2C")


def render_github(results: list[FileResult]) -> str:
    """GitHub Actions workflow commands: `::error file=F,line=L,col=C,...::message`."""
    lines = []
    for d, _ in _all(results):
        cmd = "error" if d.severity == "error" else ("warning" if d.severity == "warning" else "notice")
        props = []
        if d.span is not None:
            s = d.span
            props += [f"file={_esc_prop(os.path.relpath(s.file).replace(os.sep, '/'))}", f"line={s.line}",
                      f"col={s.col}"]
            if s.end_line >= s.line:
                props += [f"endLine={s.end_line}"]
                if s.end_line == s.line:
                    props += [f"endColumn={s.end_col}"]
        props.append(f"title={_esc_prop(f'nncc {d.code} ({RULES[d.code].name})')}")
        msg = f"{d.code} {d.message}" + (f"\nhelp: {d.help}" if d.help else "")
        lines.append(f"::{cmd} {','.join(props)}::{_esc_data(msg)}")
    return "\n".join(lines)
