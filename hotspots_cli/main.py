"""Entry point of the ``hotspots`` console script.

Each ``hotspots_cli/cmd_*.py`` module exposes ``register(subparsers)`` which adds its verbs; every
verb's handler returns an exit code.  Errors a user can fix (:class:`CliError` and the library's
ValueError subclasses) print one clear line and exit non-zero, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import hotspots_cli


class CliError(Exception):
    """A problem with the user's input: printed as one line, exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every ``cmd_*`` module's verbs registered."""
    parser = argparse.ArgumentParser(
        prog="hotspots",
        description="Crime and anti-social behaviour hotspots for Community Safety Partnerships.",
    )
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    sub.required = True
    for mod in sorted(m.name for m in pkgutil.iter_modules(hotspots_cli.__path__) if m.name.startswith("cmd_")):
        importlib.import_module(f"hotspots_cli.{mod}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        print("hotspots: interrupted", file=sys.stderr)
        return 130
    except (CliError, ValueError, FileNotFoundError) as exc:
        print(f"hotspots {args.verb}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
