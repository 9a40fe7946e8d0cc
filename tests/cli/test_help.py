"""Every flag of every subcommand explains itself: it has help text, and the help states
its default; usage lines show required flags without [brackets]."""

import argparse
import re

import pytest

from lumos.cli.main import build_parser


def _subparsers(parser: argparse.ArgumentParser, prefix: str = "lumos"):
    yield prefix, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _subparsers(sub, f"{prefix} {name}")


def _flags():
    for prog, parser in _subparsers(build_parser()):
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
                continue
            yield prog, parser, action


ALL = list(_flags())


@pytest.mark.parametrize(("prog", "parser", "action"), ALL,
                         ids=[f"{p}:{a.option_strings[0] if a.option_strings else a.dest}"
                              for p, _, a in ALL])
def test_each_flag_has_help_that_states_its_default(prog, parser, action):
    assert action.help and action.help is not argparse.SUPPRESS, \
        f"{prog} {action.option_strings or action.dest}: no help text"
    text = parser._get_formatter()._expand_help(action)
    if action.default is not None and action.default is not argparse.SUPPRESS \
            and action.option_strings and not isinstance(
                action, argparse._StoreTrueAction | argparse._StoreFalseAction) \
            and action.default != []:
        assert "default" in text and str(action.default) in text, \
            f"{prog} {action.option_strings[0]}: help does not state the default " \
            f"{action.default!r}: {text!r}"
    if isinstance(action, argparse._StoreTrueAction) or action.default in (None, []):
        if action.option_strings and not action.required:
            assert re.search(r"default|off|every|none|all|the last|detected", text), \
                f"{prog} {action.option_strings[0]}: help does not say what happens " \
                f"without it: {text!r}"


@pytest.mark.parametrize(("prog", "parser"), list(_subparsers(build_parser())),
                         ids=[p for p, _ in _subparsers(build_parser())])
def test_usage_shows_required_flags_as_required(prog, parser):
    usage = " ".join(parser.format_usage().split())
    for action in parser._actions:
        if action.required and action.option_strings:
            flag = action.option_strings[0]
            assert f"{flag} " in usage and f"[{flag}" not in usage, (prog, flag, usage)


COMMAND_NAMES = ["predict", "demo", "serve", "explain", "metrics", "project", "cache",
                 "agreement", "randomisation", "generate", "audit", "highlight", "embed-map",
                 "plot"]


def test_the_walk_sees_every_subcommand():
    progs = {p for p, _ in _subparsers(build_parser())}
    top = next(a for a in build_parser()._actions
               if isinstance(a, argparse._SubParsersAction)).choices
    assert set(top) == set(COMMAND_NAMES)  # highlight, embed-map, plot, generate, audit...
    assert {f"lumos {c}" for c in COMMAND_NAMES} <= progs
    assert {"lumos cache info", "lumos cache clear", "lumos cache prune"} <= progs
    assert len(ALL) > 50


def test_help_lists_required_flags_first(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["predict", "--help"])
    text = capsys.readouterr().out
    required = text.split("required flags:")[1].split("options:")[0]
    assert "--model" in required and "--dataset" in required and "--out" in required
    assert "--limit" not in required and "--limit" in text.split("options:")[1]


def test_a_reader_that_goes_away_stops_the_command_quietly(capsys):
    """`lumos demo --list | head -1`: the pipe closes while lumos writes; no traceback."""
    import os
    import sys

    from lumos.cli.main import main

    read, write = os.pipe()
    os.close(read)  # the reader is gone before anything is written
    saved = sys.stdout
    sys.stdout = os.fdopen(write, "w", buffering=1)
    try:
        code = main(["demo", "--list"])
        sys.stdout.write("more\n")  # later writes (and the final flush) go nowhere
        sys.stdout.flush()
    finally:
        sys.stdout.close()
        sys.stdout = saved
    assert code == 141
    assert "Traceback" not in capsys.readouterr().err
