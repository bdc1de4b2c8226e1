"""The CLI reference (docs/cli.md), generated from every command's ``--help``.

Run ``python -m cli.reference > docs/cli.md`` after changing a command; a test checks that the
file is current.
"""

from __future__ import annotations

import click

from cli.main import main

__all__ = ["reference"]


def _commands(
    group: click.Group, path: tuple[str, ...]
) -> list[tuple[tuple[str, ...], click.Command]]:
    ctx = click.Context(group)
    found: list[tuple[tuple[str, ...], click.Command]] = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None:
            continue
        found.append(((*path, name), command))
        if isinstance(command, click.Group):
            found += _commands(command, (*path, name))
    return found


def _help(path: tuple[str, ...], command: click.Command) -> str:
    with click.Context(
        command,
        info_name=" ".join(path),
        terminal_width=100,
        max_content_width=100,
        help_option_names=["-h", "--help"],
    ) as ctx:
        return command.get_help(ctx)


def reference() -> str:
    parts = [
        "# The `collective` command: reference",
        "",
        "Generated from `--help` by `python -m cli.reference > docs/cli.md`; do not edit by hand.",
        "",
        "## collective",
        "",
        "```",
        _help(("collective",), main),
        "```",
    ]
    for path, command in _commands(main, ("collective",)):
        parts += ["", f"## {' '.join(path)}", "", "```", _help(path, command), "```"]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    click.echo(reference(), nl=False)
