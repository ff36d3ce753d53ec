"""Import benchmark: a workbook of 10,000 actions, 2,000 milestones and 500 people, imported into a fresh
database, against openpyxl reading the same workbook in read-only mode, in the same process.

    python -m bench.workbook_import --backend sqlite
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import date, timedelta
from functools import partial
from pathlib import Path

import openpyxl

from bench.common import best_of, fresh_database, timed
from workbooks.format import SHEETS
from workbooks.plan_workbook import import_workbook


def build(path: Path, actions: int, milestones: int, people: int) -> None:
    book = openpyxl.Workbook(write_only=True)
    headers = {s.name: [c.header for c in s.columns if not c.export_only] for s in SHEETS}

    def sheet(name: str, rows: list[list[object]]) -> None:
        ws = book.create_sheet(name)
        ws.append(headers[name])
        for row in rows:
            ws.append(row)

    start = date(2017, 9, 4)
    emails = [f"person{i:04d}@example.org" for i in range(people)]
    sheet("Plan", [["Bench Plan", "Bench Council", "ENG", "Europe/London"]])
    sheet(
        "People",
        [
            [e, f"Person {i}", "Officer", emails[i // 10] if i >= 10 else None, None, None, None, None]
            for i, e in enumerate(emails)
        ],
    )
    areas = [f"A{i:02d}" for i in range(13)]
    sheet("Areas", [[a, f"Improvement area {a}", "Practice", emails[i]] for i, a in enumerate(areas)])
    sheet(
        "Actions",
        [
            [
                f"ACT-{i:05d}",
                f"Action number {i} of the bench plan",
                areas[i % 13],
                emails[i % people],
                start + timedelta(days=i % 300),
                start,
                ["not started", "in progress", "complete"][i % 3],
                ["red", "amber", "green"][i % 3],
                [0, (i * 7) % 100, 100][i % 3],  # agreeing with the status, as every door requires
                "N" if i % 17 else "Y",
                None,
                None,
                None,
            ]
            for i in range(actions)
        ],
    )
    sheet(
        "Milestones",
        [
            [
                f"MS-{i:04d}",
                f"Milestone {i}",
                start + timedelta(days=30 + i % 200),
                emails[(i * 3) % people],
                f"ACT-{i:05d}; ACT-{(i + 1) % actions:05d}",
                "not started",
            ]
            for i in range(milestones)
        ],
    )
    sheet("Boards", [["Improvement Board", emails[1], emails[0], "; ".join(emails[2:8]), None]])
    sheet(
        "Meetings",
        [["Improvement Board", start + timedelta(days=28 * i), areas[i % 13], "board"] for i in range(12)],
    )
    book.save(path)


def bare_read(path: Path) -> int:
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    cells = 0
    for ws in book.worksheets:
        for row in ws.iter_rows():
            cells += sum(1 for c in row if c.value is not None)
    book.close()
    return cells


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--actions", type=int, default=10_000)
    parser.add_argument("--milestones", type=int, default=2_000)
    parser.add_argument("--people", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plan.xlsx"
        build(path, args.actions, args.milestones, args.people)
        bare_seconds, cells = best_of(3, lambda: bare_read(path))
        runs = []
        for attempt in range(3):
            engine = fresh_database(args.backend, Path(tmp), f"import{attempt}")
            seconds, outcome = timed(partial(import_workbook, engine, path, actor="bench"))
            assert len(outcome.report.added["actions"]) == args.actions
            runs.append(seconds)
            engine.dispose()
        reimport_engine = fresh_database(args.backend, Path(tmp), "reimport")
        import_workbook(reimport_engine, path, actor="bench")
        reimport_seconds, again = timed(lambda: import_workbook(reimport_engine, path, actor="bench"))
        assert again.report.changes == 0
    best = min(runs)
    print(
        f"backend={args.backend} actions={args.actions:,} milestones={args.milestones:,} "
        f"people={args.people:,} ({cells:,} cells)"
    )
    print(f"openpyxl read-only read  {bare_seconds:7.2f} s")
    print(f"lineofsight import       {best:7.2f} s  = {best / bare_seconds:.2f}x the bare read (best of 3)")
    print(f"re-import, no change     {reimport_seconds:7.2f} s  = {reimport_seconds / bare_seconds:.2f}x")


if __name__ == "__main__":
    main()
