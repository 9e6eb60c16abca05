"""The commands that list what nncc knows: targets (with their options) and ops."""
from __future__ import annotations

import click

from .cliutil import suggest, target_name

@click.command()
@click.argument("names", nargs=-1, metavar="[TARGET]...")
def targets(names: tuple[str, ...]) -> None:
    """List the targets and their options (with defaults); or only the TARGETs named."""
    from . import target as T

    chosen = [target_name(n) for n in names] if names else T.available()
    for name in chosen:
        t = T.get(name or "")
        assert t is not None
        click.echo(f"{t.name:<8} {t.description}")
        for o in t.options:
            choices = f" [{'|'.join(map(str, o.choices))}]" if o.choices else \
                f" [{o.lo}..{o.hi}]" if o.kind == "int" else ""
            click.echo(f"    {o.name:<20} default {o.default!r:<14} {o.help}{choices}")
        click.echo()


@click.command()
@click.argument("name", required=False)
def ops(name: str | None) -> None:
    """List the op catalogue, or show one op's signature."""
    from .ops import lookup, public

    visible = public()
    if name:
        o = lookup(name)
        if o is None or o.hidden:
            raise click.BadParameter(suggest("op", name, [v.name for v in visible]), param_hint="NAME")
        click.echo(o.signature())
        click.echo(f"  {o.doc}")
        return
    for o in visible:
        click.echo(f"{o.signature()}\n    {o.doc}")
