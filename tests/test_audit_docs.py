"""docs/audit.md: every command an auditor or backbone is told to run works, in order."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ok

from cli.main import main

ROOT = Path(__file__).resolve().parents[1]


def test_every_command_in_the_audit_guide_works_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    guide = (ROOT / "docs" / "audit.md").read_text(encoding="utf-8")
    commands = [
        line
        for block in re.findall(r"```sh\n(.+?)\n```", guide, flags=re.S)
        for line in block.splitlines()
        if line.startswith("collective ")
    ]
    assert len(commands) == 7
    monkeypatch.chdir(tmp_path)
    env = {"COLLECTIVE_ACTOR": "meera", "COLLECTIVE_STORE": str(tmp_path / "collective.db")}
    runner = CliRunner()
    ok(runner.invoke(main, ["init", "saamuhika-shakti", "--name", "Saamuhika Shakti"], env=env))
    for n in range(3):
        args = ["org", "add", f"org-{n}", "--name", f"Org {n}", "--type", "implementing"]
        ok(runner.invoke(main, args, env=env))
    vkey = ""
    for command in commands:
        args = [vkey if word == "$VKEY" else word for word in shlex.split(command)[1:]]
        result = ok(runner.invoke(main, args, env=env))
        if args[:2] == ["keys", "generate"]:
            vkey = result.stdout.strip()
        if "verify" in args:
            assert result.stdout.splitlines()[-1].startswith("OK: "), (command, result.stdout)
