"""Compile a model to a PyTorch project and load its modules; shared by the PyTorch target's tests."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from nncc.driver import Result, compile_model
from nncc.output import write_files

ROOT = Path(__file__).resolve().parent.parent


def write_project(path: str, out_dir: Path, **kw) -> Result:
    res = compile_model(path, "pytorch", **kw)
    write_files({str(out_dir / name): data for name, data in res.outputs.items()})
    return res


def load_module(project: Path, name: str) -> ModuleType:
    """Import `name`.py of a generated project (its own modules found first, as when run there)."""
    key = f"nncc_project_{abs(hash(str(project)))}_{name}"
    sys.path.insert(0, str(project))
    try:
        for dep in ("model", "data", "schedule", "config", "heads", "evaluate", "train"):  # a previous project's modules must not be reused
            sys.modules.pop(dep, None)
        spec = importlib.util.spec_from_file_location(key, project / f"{name}.py")
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod
    finally:
        sys.path.remove(str(project))
