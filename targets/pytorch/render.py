"""The jinja2 environment of the PyTorch target: templates under `templates/pytorch/`, the `py` filter."""
from __future__ import annotations

import functools
from typing import Any


@functools.lru_cache(maxsize=1)
def environment() -> Any:
    from importlib import resources

    import jinja2

    from nncc.quoting import comment, docstring, python_literal, shell_word

    root = resources.files("nncc.templates")
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: root.joinpath(*name.split("/")).read_text("utf-8")),
        keep_trailing_newline=True, undefined=jinja2.StrictUndefined, autoescape=False,
        trim_blocks=True, lstrip_blocks=True)
    env.filters["py"] = python_literal
    env.filters["sh"] = shell_word
    env.filters["comment"] = comment
    env.filters["doc"] = docstring
    return env


def render(template: str, **values: Any) -> str:
    return environment().get_template(f"pytorch/{template}.j2").render(**values)
