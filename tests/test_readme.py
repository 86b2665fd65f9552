"""The README is the new user's first contact: its commands must be the ones that exist."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from analytics.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text("utf-8")


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("the CLI has no subcommands")


def test_every_cli_command_and_option_is_documented() -> None:
    undocumented = []
    for name, sub in _subcommands(build_parser("en")).items():
        if f"shoplens {name}" not in README:
            undocumented.append(f"shoplens {name}")
        for action in sub._actions:
            for flag in action.option_strings:
                if flag.startswith("--") and flag != "--help" and flag not in README:
                    undocumented.append(f"shoplens {name} {flag}")
    assert not undocumented, f"not in README.md: {undocumented}"


def test_ci_runs_exactly_the_readme_test_command() -> None:
    quick_start = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```bash\n(.+?)\n```", quick_start)
    assert len(commands) == 2, f"the quick start has {len(commands)} commands, not two"
    assert "streamlit run app.py" in commands[0]
    ci_lines = (ROOT / ".ci" / "run").read_text("utf-8").splitlines()
    assert commands[1] in ci_lines
