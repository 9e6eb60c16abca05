"""Packaging: what `pip install` builds holds every file nncc reads at run time.

setuptools only ships directories listed as packages; a template or schema directory that is
missing from `[tool.setuptools] packages` works from a checkout and fails once installed.
"""
from __future__ import annotations

import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_shipped_directory_is_a_listed_package():
    cfg = _config()
    listed = set(cfg["packages"])
    dirs = {pkg: ROOT / path for pkg, path in cfg["package-dir"].items()}
    missing = []
    for pkg, top in dirs.items():
        for d in [top, *sorted(p for p in top.rglob("*") if p.is_dir())]:
            if d.name == "__pycache__" or not any(f.is_file() for f in d.iterdir()):
                continue
            name = ".".join([pkg, *d.relative_to(top).parts])
            if name not in listed:
                missing.append(name)
    assert not missing, f"add to [tool.setuptools] packages: {missing}"


def test_locks_cover_the_extras():
    """Each set-up command installs from a lock that pins every requirement of its extras."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    def pinned(lock: str) -> set[str]:
        names = set()
        for line in (ROOT / "requirements" / lock).read_text().splitlines():
            if line and not line[0].isspace() and not line.startswith("#") and "==" in line:
                names.add(line.split("==")[0].lower().replace("_", "-"))
        return names

    def wanted(*extras: str) -> set[str]:
        import re

        reqs = list(project["dependencies"])
        for e in extras:
            reqs += project["optional-dependencies"][e]
        out = set()
        for r in reqs:
            if "python_version<" in r.replace(" ", ""):
                continue  # a back-port for older Pythons than the lock's
            out.add(re.split(r"[<>=!~;\[ ]", r, maxsplit=1)[0].lower().replace("_", "-"))
        return out

    # test.lock holds the demo's extra too: `make test` then `make demo` share one .venv
    for lock, extras in [("demo.lock", ("demo",)), ("test.lock", ("demo", "test")),
                         ("bench.lock", ("demo", "test", "bench"))]:
        missing = wanted(*extras) - pinned(lock)
        assert not missing, f"{lock} lacks {missing}: run `make lock`"
        for line in (ROOT / "requirements" / lock).read_text().splitlines():
            if "==" in line and not line.startswith("#"):
                assert line.rstrip().endswith("\\"), f"{lock}: {line} has no hash"
