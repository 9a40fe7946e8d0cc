"""`lumos` command line: one module per subcommand, each a thin caller of the engine.

Each module in ``COMMANDS`` defines ``add_parser(subparsers)`` which registers its
subcommand and sets ``func`` (args -> exit code). Usage errors exit 2 with a message
naming the flag or file (argparse's convention, also used for bad files: see
``usage_error``).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

COMMANDS = (
    "lumos.cli.predict",
    "lumos.cli.demo",
    "lumos.cli.serve",
    "lumos.cli.explain",
    "lumos.cli.highlight",
    "lumos.cli.metrics",
    "lumos.cli.project",
    "lumos.cli.embed_map",
    "lumos.cli.cache",
    "lumos.cli.sanity",
    "lumos.cli.generate",
    "lumos.cli.audit",
    "lumos.cli.plot",
)


class UsageError(Exception):
    """Bad flag value or file: printed as ``lumos: error: ...`` with exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lumos", description="See why an NLP model says what it says.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for mod in COMMANDS:
        importlib.import_module(mod).add_parser(sub)
    _list_required_first(parser)
    _number_messages(parser)
    return parser


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number, e.g. 3, got {text!r}") from None


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number, e.g. 0.5, got {text!r}") from None


def _number_messages(parser: argparse.ArgumentParser) -> None:
    """A flag taking a number says so, with an example, when given something else
    (argparse's own message reads "invalid int value")."""
    for action in parser._actions:
        if action.type is int:
            action.type = _whole_number
        elif action.type is float:
            action.type = _number
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _number_messages(sub)


def _list_required_first(parser: argparse.ArgumentParser) -> None:
    """In each subcommand's --help, list required flags under "required flags", before
    the optional ones (argparse lists them all under "options")."""
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        for sub in action.choices.values():
            required = [a for a in sub._optionals._group_actions
                        if a.required and a.option_strings]
            if required:
                group = sub.add_argument_group("required flags")
                for a in required:
                    sub._optionals._group_actions.remove(a)
                    group._group_actions.append(a)
                sub._action_groups.remove(group)
                sub._action_groups.insert(1, group)
            _list_required_first(sub)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UsageError as e:
        parser.exit(2, f"lumos {args.command}: error: {e}\n")
    except KeyboardInterrupt:
        print("\ninterrupted; finished batches are cached", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (`lumos metrics ... | head`): stop quietly, as Unix tools
        # do; whatever was cached stays cached. Point stdout at /dev/null so that the
        # interpreter's final flush does not raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a killed writer
    return 0


if __name__ == "__main__":  # `python -m lumos.cli.main`: one copy of UsageError
    from lumos.cli.main import main as _main

    sys.exit(_main())
