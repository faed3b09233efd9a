"""Every flag of every sub-command has help text in plain words (no Python or reStructuredText
markup), and `convert --help` is grouped (issue 19 point 11)."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator

from dicmodel.cli import build_parser

# words of the code, not of the command line
_PYTHON_SPEAK = re.compile(r"``|:class:|:func:|:meth:|Describer instance|one of \(|\bNone\b|\bTrue\b|"
                           r"\bFalse\b|\bdict\b|Python API")


def _parsers(parser: argparse.ArgumentParser, path: str) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, f"{path} {name}")


def test_every_flag_has_plain_help() -> None:
    bad = []
    for path, parser in _parsers(build_parser(), "dicmodel"):
        for action in parser._actions:
            if isinstance(action, (argparse._HelpAction, argparse._VersionAction, argparse._SubParsersAction)):
                continue
            flag = "/".join(action.option_strings) or action.dest
            text = action.help or ""
            if not text.strip() or text == argparse.SUPPRESS:
                bad.append(f"{path} {flag}: no help")
            elif _PYTHON_SPEAK.search(text):
                bad.append(f"{path} {flag}: {text!r}")
        for text in (parser.description or "", parser.epilog or ""):
            if _PYTHON_SPEAK.search(text):
                bad.append(f"{path} description: {_PYTHON_SPEAK.search(text).group()!r}")
    assert not bad, "\n".join(bad)


def test_convert_help_is_grouped() -> None:
    convert = dict(_parsers(build_parser(), "dicmodel"))["dicmodel convert"]
    groups = {g.title: [a.dest for a in g._group_actions] for g in convert._action_groups}
    for title in ("outputs", "run", "describer", "ingest options"):
        assert groups.get(title), sorted(groups)
    # only -h and the positional input stay outside the groups
    loose = [d for t, ds in groups.items() if t in ("options", "optional arguments") for d in ds]
    assert loose == ["help"], loose
