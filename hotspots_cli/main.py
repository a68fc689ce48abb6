"""Entry point of the ``hotspots`` console script.

Each ``hotspots_cli/cmd_*.py`` module exposes ``register(subparsers)`` which adds its verbs; every
verb's handler returns an exit code.  Errors a user can fix (every
:class:`service.errors.HotspotsError`, and a missing file) print one clear line and exit 2; anything
else is a bug: its traceback is logged and the exit code is 1.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys

import hotspots_cli
from service.errors import HotspotsError

log = logging.getLogger("hotspots")


class CliError(HotspotsError):
    """A problem with the command line: printed as one line, exit code 2 (a :class:`HotspotsError`)."""


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
    except (HotspotsError, FileNotFoundError) as exc:
        print(f"hotspots {args.verb}: error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        log.exception("hotspots %s: internal error", args.verb)
        print(f"hotspots {args.verb}: internal error ({type(exc).__name__}); the traceback is above", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
