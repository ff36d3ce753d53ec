"""The command line's start: each read command on the demo database against the bare import of the libraries
it is built on, in the same run.

    python -m bench.cli_start [--runs 15] [--demo DIR] [--against CHECKOUT]

The side measured is the installed `lineofsight` script (the console script beside this interpreter) running
this checkout's code (PYTHONPATH points at it), with stdout to /dev/null: `status`, `show TAP-16`,
`escalations`, `outbox`, `audit log` and `--help`, on the demo database (`lineofsight demo --no-prefect`,
built first in a temporary folder, or the one in `--demo`, built there when missing). The baseline is
`python -c "import sqlalchemy, pydantic, typer, rich"`, with the same interpreter.

Each round runs every command once, each right after or right before a bare import (the order swaps every
round), so the machine's noise falls on both sides; each command's median and best over `--runs` rounds are
printed against the medians and best of the bare runs paired with it, and their ratio (issue 18's goal: at
most 1.4x the bare import's median). A last row, "(floor)", is the bare import plus sqlmodel and
pydantic-settings, which every command that reads the database imports as the product is built; "(stack
floor)" is `bench/cli_floor.py`: the same options read by Typer, the same settings by pydantic-settings, the
demo's items read by one Core statement and drawn by Rich, with no module of ours: the least a `status` could
cost in this stack.
`--against` adds a third side: the same commands run on another checkout's code (a copy of the commit
before), in the same rounds, for a before/after in one run. Every setting comes from the bench's own
LINEOFSIGHT_* variables, never the user's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from flows.demo_plan import AS_OF

ROOT = Path(__file__).resolve().parents[1]
LINEOFSIGHT = str(Path(sys.executable).parent / "lineofsight")
BARE = [sys.executable, "-c", "import sqlalchemy, pydantic, typer, rich"]
# What a command that reads the tables cannot start without today: the tables are SQLModel classes (so the
# ORM and pydantic's models come with them) and the settings are pydantic-settings. Measured as a reference,
# paired with a bare import of its own: the lowest ratio `status`, `show` and the rest can reach as built.
FLOOR = [sys.executable, "-c", "import sqlalchemy, pydantic, typer, rich, sqlmodel, pydantic_settings"]
FLOOR_NAME = "(floor)"
# The least a `status` could do in this stack, importing nothing of ours (bench/cli_floor.py): the part of
# every command's start that belongs to typer, pydantic-settings, Rich and SQLAlchemy's engine, not to us.
STACK = [
    sys.executable,
    str(Path(__file__).with_name("cli_floor.py")),
    "status",
    "--as-of",
    AS_OF.isoformat(),
]
STACK_NAME = "(stack floor)"
DAY = AS_OF.isoformat()
COMMANDS: dict[str, list[str]] = {
    "status": ["status", "--as-of", DAY],
    "show": ["show", "TAP-16", "--as-of", DAY],
    "escalations": ["escalations"],
    "outbox": ["outbox"],
    "audit log": ["audit", "log"],
    "--help": ["--help"],
}


def environment(demo: Path, code: Path) -> dict[str, str]:
    """The bench's own settings, pointing into the demo's folder, and the code to run on the path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINEOFSIGHT_", "PREFECT_"))}
    env |= {
        "PYTHONPATH": str(code),
        "LINEOFSIGHT_DATABASE_URL": f"sqlite:///{demo / 'lineofsight.db'}",
        "LINEOFSIGHT_OUTBOX_DIR": str(demo / "outbox"),
        "LINEOFSIGHT_PACKS_DIR": str(demo / "packs"),
        "COLUMNS": "150",
    }
    return env


def build_demo(demo: Path, env: dict[str, str]) -> None:
    if (demo / "lineofsight.db").exists():
        return
    print(f"building the demo in {demo} (about 15 s) ...", flush=True)
    subprocess.run(
        [LINEOFSIGHT, "demo", "--dir", str(demo), "--no-prefect"],
        env=env,
        cwd=demo.parent,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def run(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def check(sides: dict[str, dict[str, str]]) -> None:
    """Every command answers, and says the same on every side measured (the byte-for-byte promise)."""
    for args in COMMANDS.values():
        outputs = {
            side: subprocess.run([LINEOFSIGHT, *args], env=env, capture_output=True, check=True).stdout
            for side, env in sides.items()
        }
        if not all(outputs.values()) or len(set(outputs.values())) != 1:
            raise SystemExit(f"`lineofsight {' '.join(args)}` said nothing, or differs between {list(sides)}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--runs", type=int, default=15, help="rounds: each command and its bare pair per round"
    )
    parser.add_argument("--demo", type=Path, help="the demo's folder (built there when missing)")
    parser.add_argument("--against", type=Path, help="another checkout to measure in the same rounds")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-cli-") as scratch:
        demo = (args.demo or Path(scratch) / "demo").resolve()
        demo.parent.mkdir(parents=True, exist_ok=True)
        sides = {"this checkout": environment(demo, ROOT)}
        if args.against is not None:
            sides[f"{args.against}"] = environment(demo, args.against.resolve())
        build_demo(demo, sides["this checkout"])
        check(sides)
        bare_env = environment(demo, ROOT)
        bare: dict[str, list[float]] = {name: [] for name in [*COMMANDS, FLOOR_NAME, STACK_NAME]}
        times: dict[tuple[str, str], list[float]] = {(s, n): [] for s in sides for n in COMMANDS}
        floor: list[float] = []
        stack: list[float] = []
        for round_ in range(args.runs):
            for name, command in COMMANDS.items():
                pair = [("bare", BARE, bare_env)] + [
                    (s, [LINEOFSIGHT, *command], e) for s, e in sides.items()
                ]
                if round_ % 2:
                    pair.reverse()
                for side, argv, env in pair:
                    took = run(argv, env)
                    (bare[name] if side == "bare" else times[(side, name)]).append(took)
            for side, argv in ([("bare", BARE), ("floor", FLOOR)])[:: -1 if round_ % 2 else 1]:
                (bare[FLOOR_NAME] if side == "bare" else floor).append(run(argv, bare_env))
            for side, argv in ([("bare", BARE), ("stack", STACK)])[:: -1 if round_ % 2 else 1]:
                (bare[STACK_NAME] if side == "bare" else stack).append(run(argv, bare_env))
            print(f"round {round_ + 1}/{args.runs}", file=sys.stderr, flush=True)

    print(f"{args.runs} rounds; each command alternates with a bare `{' '.join(BARE[1:])}`")
    print(
        f"{'command':<14}{'side':<24}{'bare median/best':>18}{'command median/best':>22}{'ratio median':>14}"
        f"{'ratio best':>12}"
    )
    references = {FLOOR_NAME: ("+ sqlmodel, pyd.-settings", floor), STACK_NAME: ("bench/cli_floor.py", stack)}
    for name in [*COMMANDS, *references]:
        b_med, b_best = statistics.median(bare[name]), min(bare[name])
        for side in [references[name][0]] if name in references else sides:
            t = references[name][1] if name in references else times[(side, name)]
            med, best = statistics.median(t), min(t)
            print(
                f"{name:<14}{side[-23:]:<24}{b_med * 1000:>10.0f}/{b_best * 1000:.0f} ms"
                f"{med * 1000:>14.0f}/{best * 1000:.0f} ms{med / b_med:>13.2f}x{best / b_best:>11.2f}x"
            )


if __name__ == "__main__":
    main()
