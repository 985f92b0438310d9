"""The production recipe, read from one place: bench/scale/Procfile. The README's
"Running in production" lists the same commands (tests/test_deployment.py compares
them), and the scale-out bench starts the app's instances and workers with exactly
these, with the environment that the README's exports set."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from string import Template

PROCFILE = Path(__file__).resolve().with_name("Procfile")


def commands(procfile: Path = PROCFILE) -> dict[str, str]:
    """The Procfile's process types and their commands, in order."""
    found = {}
    for line in procfile.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, command = line.partition(":")
            found[name.strip()] = command.strip()
    return found


def argv(name: str, env: dict[str, str]) -> list[str]:
    """The process type's command as arguments, $VARIABLES taken from `env` (as a
    Procfile runner or systemd does), its program the one in this Python's folder."""
    words = [Template(word).substitute(env) for word in shlex.split(commands()[name])]
    beside = Path(sys.executable).with_name(words[0])
    return [str(beside) if beside.exists() else words[0], *words[1:]]
