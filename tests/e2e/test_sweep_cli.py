"""`lineofsight sweep`, `escalations`, `dispatch` and `outbox` as an operator uses them."""

from __future__ import annotations

import re
from pathlib import Path

from tests.factories import OWNER, SECRETARIAT, load_small_plan


def test_sweep_dry_run_then_for_real_then_again(cli, engine) -> None:
    load_small_plan(engine)
    dry = cli("sweep", "--as-of", "2017-10-16T07:00", "--dry-run").stdout
    assert "dry run: nothing changed" in dry and "ACT-1" in dry and "overdue" in dry
    assert "0 notices" in cli("outbox").stdout
    real = cli("sweep", "--as-of", "2017-10-16", "--any-day").stdout  # delivered whatever day the tests run
    assert " new, 0 already made on earlier runs" in real and "Delivered" in real
    assert list(Path(cli.outbox).glob("*.eml"))
    again = cli("sweep", "--as-of", "2017-10-16", "--no-send").stdout
    assert ": 0 new, " in again
    sent = cli("outbox", "--status", "sent", "--recipient", OWNER).stdout
    assert "ACT-1" in sent and OWNER in sent


def test_weekend_sweep_says_so(cli, engine) -> None:
    load_small_plan(engine)
    out = cli("sweep", "--as-of", "2017-10-14").stdout
    assert "is not a working day (Saturday): nothing decided, nothing sent." in out


def test_escalations_and_no_send(cli, engine) -> None:
    load_small_plan(engine)
    out = cli("sweep", "--as-of", "2017-10-16", "--no-send").stdout
    assert "wait in the outbox (--no-send)" in out
    board = cli("escalations", "--level", "3").stdout
    assert "ACT-1" in board and "Improvement Board" in board
    pending = cli("outbox", "--status", "pending").stdout
    assert SECRETARIAT in pending
    assert "due for delivery" in cli("dispatch", "--dry-run").stdout
    assert "Delivered" in cli("dispatch").stdout
    assert "Invalid --as-of" in cli("sweep", "--as-of", "yesterday", expect=2).output


def test_a_future_as_of_needs_dry_run_or_force(cli, engine) -> None:
    load_small_plan(engine)
    refused = cli("sweep", "--as-of", "2099-01-05", expect=2).output
    assert "--as-of 2099-01-05 is after today" in refused and "--dry-run" in refused and "--force" in refused
    assert "Unexpected" not in refused and "0 notices" in cli("outbox").stdout  # nothing was swept
    assert "dry run: nothing changed" in cli("sweep", "--as-of", "2099-01-05", "--dry-run").stdout
    forced = cli("sweep", "--as-of", "2099-01-05", "--force", "--no-send").stdout
    assert "6 decisions for the day: 6 new" in forced and "Monday 5 January 2099" in forced


def test_as_of_is_day_first_bounded_and_never_empty(cli, engine) -> None:
    load_small_plan(engine)
    day_first = cli("sweep", "--as-of", "16/10/2017", "--dry-run").stdout
    assert "Monday 16 October 2017" in day_first and "ACT-1" in day_first
    for bad, expected in [
        ("", "Invalid --as-of ''"),
        ("  ", "Invalid --as-of"),
        ("0001-01-01", "between 2000-01-01 and 2099-12-31"),
        ("9999-12-31", "between 2000-01-01 and 2099-12-31"),
        ("31/12/9999", "between 2000-01-01 and 2099-12-31"),
        ("32/10/2017", "day first"),
    ]:
        output = cli("sweep", "--as-of", bad, "--dry-run", expect=2).output
        assert expected in output and "Unexpected" not in output, (bad, output)


def test_sweep_exits_1_naming_the_plan_that_failed_after_sweeping_the_others(cli, engine) -> None:
    from tests.poison import REFUSAL, poisoned

    for name in ("Healthy Plan", "Poisoned Plan"):
        load_small_plan(engine, name)
    with poisoned(engine, "Poisoned Plan"):
        result = cli("sweep", "--as-of", "2017-10-16", "--any-day", expect=1)
    out = result.output
    assert "Healthy Plan, Monday 16 October 2017" in out and "Delivered" in out
    assert "Poisoned Plan: the sweep failed (" in out and REFUSAL in out
    assert "The sweep failed for 1 plan: 'Poisoned Plan'" in out and "Unexpected" not in out
    assert out.index("Healthy Plan, Monday") < out.index("The sweep failed for 1 plan")
    sent = cli("outbox", "--status", "sent", "--recipient", SECRETARIAT).stdout
    assert "SweepFailed" in sent and "(sweep)" in sent
    assert "ledger intact" in cli("audit", "verify").stdout


def _day_counts(output: str) -> tuple[int, int, int]:
    found = re.search(r"(\d+) decisions? for the day: (\d+) new, (\d+) already made on earlier runs", output)
    assert found, output
    total, new, earlier = (int(n) for n in found.groups())
    return total, new, earlier


def test_counts_add_up_when_a_day_is_swept_again(cli, engine) -> None:
    # 16 October: ACT-1 is 10 working days overdue and goes to the board. The escalation is decided once
    # (the item then stands at level 3, so the ladder does not decide it again): the rerun must still count
    # it among the day's decisions, as already made, not forget it ("4 new (22 made)" then "0 new (24 made)").
    load_small_plan(engine)
    total, new, earlier = _day_counts(cli("sweep", "--as-of", "2017-10-16", "--no-send").stdout)
    assert new and earlier == 0 and total == new
    assert _day_counts(cli("sweep", "--as-of", "2017-10-16", "--no-send").stdout) == (total, 0, total)
    assert "EscalatedToBoard" in cli("audit", "log", "--kind", "EscalatedToBoard").stdout
    dry = cli("sweep", "--as-of", "2017-10-16", "--dry-run").stdout
    assert f"nothing new to decide ({total} decisions already made on earlier runs)" in dry
    assert "┏" not in dry and "Ref" not in dry  # no empty table
    # The next day: what an earlier day decided is not today's decision; new + made is today's total.
    total, new, earlier = _day_counts(cli("sweep", "--as-of", "2017-10-17", "--dry-run").stdout)
    assert total == new + earlier


def _on_a_terminal(args: list[str], env: dict[str, str]) -> tuple[str, str]:
    """Runs `lineofsight ARGS` with stderr on a pseudo-terminal and stdout on a pipe: (terminal, stdout)."""
    import os
    import pty
    import subprocess
    import sys

    main, secondary = pty.openpty()
    env = {**env, "TERM": "xterm-256color", "COLUMNS": "120"}
    env.pop("NO_COLOR", None)
    with subprocess.Popen(
        [str(Path(sys.executable).parent / "lineofsight"), *args],
        stdout=subprocess.PIPE,
        stderr=secondary,
        env=env,
    ) as run:
        os.close(secondary)
        seen = b""
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # the child closed its end
                break
            if not chunk:
                break
            seen += chunk
        out = run.stdout.read().decode() if run.stdout else ""
        assert run.wait(timeout=60) == 0, (seen, out)
    os.close(main)
    return seen.decode(errors="replace"), out


def test_progress_on_a_terminal_and_nothing_off_it(cli, engine, db_url, repo_env) -> None:
    load_small_plan(engine)
    piped = cli("sweep", "--as-of", "2017-10-16", "--no-send")
    assert "Sweeping" not in piped.output and "\x1b[" not in piped.output
    terminal, out = _on_a_terminal(
        ["sweep", "--as-of", "2017-10-17", "--no-send"], {**repo_env, "LINEOFSIGHT_DATABASE_URL": db_url}
    )
    assert "Sweeping" in terminal  # the bar, on the terminal
    assert "Sweeping" not in out and "decisions for the day" in out  # the result alone on the pipe
