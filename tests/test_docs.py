"""Documentation that is generated or promised stays true."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cli.reference import reference

ROOT = Path(__file__).resolve().parents[1]


def test_the_cli_reference_is_current() -> None:
    current = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert current == reference(), "run: python -m cli.reference > docs/cli.md"


def test_the_quick_start_is_two_commands_install_and_demo_then_tests() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.+?)\n```", quick, flags=re.S)
    assert len(commands) == 2
    assert all("\n" not in c for c in commands)
    assert "pip install ." in commands[0] and commands[0].endswith("collective demo")
    assert "'.[dev]'" in commands[1] and commands[1].endswith("pytest")


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = re.findall(r"```sh\n(.+?)\n```", readme)[1]
    assert test_command in ci


AGENDA = """problem = "Informal waste pickers are excluded from social security."
vision = "Every waste-picker family lives with dignity and security."
[[outcomes]]
code = "SS-O1"
title = "ಸಾಮಾಜಿಕ ಭದ್ರತೆ Social security and entitlements"
[[outcomes]]
code = "SS-O2"
title = "Children's education"
"""


PARTNER_FILE = """indicator,organisation,period,sex,age,value,note,reason
SS-EDU-01,bal-raksha-bharat,2020Q4,female,6-14,215,ಶಾಲಾ ದಾಖಲಾತಿ,
SS-EDU-01,bal-raksha-bharat,2020Q4,male,6-14,201,,
SS-EDU-01,bal-raksha-bharat,2020Q4,,,416,,
"""


def test_the_guide_shows_the_partner_file_it_imports() -> None:
    guide = (ROOT / "docs" / "guide.md").read_text(encoding="utf-8")
    assert PARTNER_FILE.strip() in guide


def test_every_command_in_the_guide_works_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shlex

    from click.testing import CliRunner

    from cli.main import main

    guide = (ROOT / "docs" / "guide.md").read_text(encoding="utf-8")
    commands = [
        line
        for block in re.findall(r"```sh\n(.+?)\n```", guide, flags=re.S)
        for line in block.splitlines()
        if line.startswith("collective ")
    ]
    assert len(commands) > 30
    monkeypatch.chdir(tmp_path)
    (tmp_path / "agenda.toml").write_text(AGENDA, encoding="utf-8")
    (tmp_path / "bal-raksha-2020q4.csv").write_text(PARTNER_FILE, encoding="utf-8-sig")
    env = {"COLLECTIVE_ACTOR": "meera", "COLLECTIVE_STORE": str(tmp_path / "collective.db")}
    for command in commands:
        result = CliRunner().invoke(main, shlex.split(command)[1:], env=env)
        assert result.exit_code == 0, (command, result.output, result.stderr)
