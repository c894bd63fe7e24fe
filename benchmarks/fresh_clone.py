"""Time a command in a fresh clone of this repository, as a new user or a CI runner runs it.

    python3 benchmarks/fresh_clone.py [--rev REV] [--empty-uv-cache] [--compile-cost]
        [-- COMMAND ...]

Clones the repository at REV (default HEAD) into a temporary directory and runs COMMAND there
with bash (default: README's first command, ``pip install uv && uv run amlstack plan dev``;
``.ci/run`` times the suite as CI runs it). Prints the wall time, the CPU time of everything the
command ran (``os.wait4``), and the load average before and after: other work on the machine
shows in the wall time far more than in the CPU time. `--empty-uv-cache` gives uv an empty cache
(every package downloaded and unpacked again); `--compile-cost` then removes the bytecode of the
clone's site-packages and times uv compiling it again (``uv sync --compile-bytecode``), the cost
``compile-bytecode`` adds to the first run.

Only the standard library: run it with any Python 3.11+, outside the project's environment.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRST_COMMAND = "pip install uv && uv run amlstack plan dev"


def load() -> str:
    return " ".join(f"{figure:.2f}" for figure in os.getloadavg())


def timed(command: str, cwd: Path, env: Mapping[str, str], label: str) -> None:
    """Run `command` with bash in `cwd` and print its wall and CPU time and the load."""
    before = load()
    started = time.perf_counter()
    process = subprocess.Popen(
        ["bash", "-c", command],
        cwd=cwd,
        env=dict(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    error = process.stderr.read() if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command} failed:\n{error}")
    compiled = [line for line in error.splitlines() if line.startswith("Bytecode compiled")]
    print(
        f"{label}: {wall:.1f} s wall, {usage.ru_utime + usage.ru_stime:.1f} s CPU "
        f"(load before {before}, after {load()})" + (f"; uv: {compiled[-1]}" if compiled else "")
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rev", default="HEAD", help="the commit to clone (HEAD)")
    parser.add_argument("--empty-uv-cache", action="store_true", help="start uv with no cache")
    parser.add_argument(
        "--compile-cost", action="store_true", help="then time compiling site-packages again"
    )
    parser.add_argument("command", nargs="*", help=f"the command (default: {FIRST_COMMAND})")
    args = parser.parse_args(argv)
    command = shlex.join(args.command) if args.command else FIRST_COMMAND
    with tempfile.TemporaryDirectory(prefix="amlstack-clone-") as temporary:
        clone = Path(temporary) / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        subprocess.run(["git", "-C", str(clone), "checkout", "-q", args.rev], check=True)
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT"}
        }
        if args.empty_uv_cache:
            env["UV_CACHE_DIR"] = str(Path(temporary) / "uv-cache")
        revision = subprocess.run(
            ["git", "-C", str(clone), "rev-parse", "--short", "HEAD"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        print(
            f"{revision}, {os.cpu_count()} cores, PYTHONDONTWRITEBYTECODE="
            f"{env.get('PYTHONDONTWRITEBYTECODE', '(unset)')}"
            + (", empty uv cache" if args.empty_uv_cache else "")
        )
        timed(command, clone, env, command)
        if args.compile_cost:
            for compiled in (clone / ".venv").rglob("*.pyc"):
                compiled.unlink()
            timed("uv sync --compile-bytecode", clone, env, "compiling site-packages")


if __name__ == "__main__":
    main()
