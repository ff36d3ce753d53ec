"""`lineofsight access grant | revoke | list` as an operator runs them: what each did, in words; who did it,
in the ledger; bad dates, roles, plans and addresses refused with exit 2 and a plain message, changing
nothing. Dates are relative to today in the plan's zone (London), as the commands read the clock."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy.engine import Engine

from cli import clock
from models.ledger.verification import verify_database
from tests.e2e.conftest import Cli
from tests.factories import load_small_plan

INSPECTOR = "ann.inspector@inspectorate.example.gov.uk"


def _words(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _said(text: str) -> str:
    return " ".join(text.split())


def test_grant_list_extend_revoke_and_the_ledger_says_who(cli: Cli, engine: Engine) -> None:
    load_small_plan(engine)
    today = clock.today("Europe/London")
    first, later = today + timedelta(days=30), today + timedelta(days=90)
    out = cli(
        "access",
        "grant",
        "--person",
        "Ann.Inspector@Inspectorate.example.gov.uk",
        "--role",
        "inspector",
        "--until",
        first.isoformat(),
        "--name",
        "Ann Inspector",
        "--all-plans",  # said on purpose: here, the one plan there is
    ).stdout
    assert _said(out) == (
        f"Granted: Ann Inspector <{INSPECTOR}> reads plan Test Plan as inspector until the end of "
        f"{_words(first)}."
    )
    listed = _said(cli("access", "list").stdout)
    assert (
        "Live grants" in listed
        and INSPECTOR in listed
        and first.isoformat() in listed
        and "1 grant." in listed
    )
    [row] = json.loads(cli("access", "list", "--format", "json").stdout)
    assert (row["email"], row["name"], row["plan"], row["role"], row["until"], row["state"]) == (
        INSPECTOR,
        "Ann Inspector",
        "Test Plan",
        "inspector",
        first.isoformat(),
        "live",
    )
    assert row["granted_by"] == "system:operator" and row["revoked_at"] is None

    out = cli(
        "access",
        "grant",
        "--person",
        INSPECTOR,
        "--role",
        "inspector",
        "--plan",
        "test plan",
        "--until",
        later.strftime("%d/%m/%Y"),
        "--by",
        "ops@example.org",
    ).stdout
    assert _said(out) == (
        f"Extended: Ann Inspector <{INSPECTOR}> reads plan Test Plan as inspector until the end of "
        f"{_words(later)} (was {_words(first)})."
    )
    assert len(json.loads(cli("access", "list", "--format", "json").stdout)) == 1  # moved, not stacked

    out = cli("access", "revoke", "--person", INSPECTOR, "--by", "ops@example.org").stdout
    assert _said(out) == f"Revoked: Ann Inspector <{INSPECTOR}> no longer reads plan Test Plan as inspector."
    assert json.loads(cli("access", "list", "--format", "json").stdout) == []
    assert "0 grants." in cli("access", "list").stdout
    [ended] = json.loads(cli("access", "list", "--all", "--format", "json").stdout)
    assert (ended["state"], ended["revoked_by"], ended["until"]) == (
        "revoked",
        "ops@example.org",
        later.isoformat(),
    )
    csv = cli("access", "list", "--all", "--format", "csv").stdout.splitlines()
    assert csv[0].startswith("plan,email,name,role,until,state") and len(csv) == 2

    granted = json.loads(cli("audit", "log", "--kind", "AccessGranted", "--format", "json").stdout)
    assert [(e["actor"], e["data"]["change"], e["data"]["until"]) for e in granted] == [
        ("system:operator", "granted", first.isoformat()),
        ("ops@example.org", "extended", later.isoformat()),
    ]
    [revoked] = json.loads(cli("audit", "log", "--kind", "AccessRevoked", "--format", "json").stdout)
    assert (revoked["actor"], revoked["plan"], revoked["data"]["email"]) == (
        "ops@example.org",
        "Test Plan",
        INSPECTOR,
    )
    assert verify_database(engine).ok


def _refusals(today: date) -> list[tuple[list[str], str]]:
    soon = (today + timedelta(days=7)).isoformat()
    too_far = (today + timedelta(days=367)).isoformat()
    yesterday = (today - timedelta(days=1)).isoformat()
    grant = ["access", "grant", "--person", INSPECTOR, "--role", "inspector", "--plan", "Test Plan"]
    unnamed = ["access", "grant", "--person", INSPECTOR, "--role", "inspector", "--until", soon]
    return [
        (unnamed, "or give --all-plans to open every plan in this database, of every organisation"),
        ([*unnamed, "--all-plans", "--plan", "Test Plan"], "not both"),
        ([*grant, "--until", yesterday], f"from {today} (today in plan 'Test Plan')"),
        ([*grant, "--until", too_far], "(366 days ahead)"),
        ([*grant, "--until", "31/02/2027"], "Invalid --until '31/02/2027'"),
        ([*grant, "--until", "next friday"], "Invalid --until 'next friday'"),
        ([*grant, "--until", "9999-12-31"], "between 2000-01-01 and 2099-12-31"),
        ([*grant, "--until", soon, "--plan", "Tset Plan"], "No plan 'Tset Plan'. Did you mean Test Plan?"),
        ([*grant, "--until", soon, "--plan", "Nowhere"], "No plan 'Nowhere'. Choose from: Test Plan."),
        (
            ["access", "grant", "--person", INSPECTOR, "--role", "chair", "--until", soon],
            "inspector or auditor",
        ),
        (
            ["access", "grant", "--person", "ann at home", "--role", "auditor", "--until", soon],
            "Invalid --person",
        ),
        ([*grant, "--until", soon, "--name", "\u202eAnn"], "U+202E"),
        (["access", "revoke", "--person", INSPECTOR], "holds no live grant: nothing to revoke"),
        (["access", "revoke", "--person", INSPECTOR, "--role", "member"], "inspector or auditor"),
        (["access", "list", "--plan", "Nowhere"], "No plan 'Nowhere'"),
    ]


def test_bad_dates_roles_plans_and_addresses_exit_2_with_a_plain_message_and_change_nothing(
    cli: Cli, engine: Engine
) -> None:
    load_small_plan(engine)
    head = verify_database(engine).head
    for argv, said in _refusals(clock.today("Europe/London")):
        result = cli(*argv, expect=2)
        output = _said(result.output)
        assert said in output, (argv, output)
        assert "Traceback" not in output and "Unexpected" not in output, (argv, output)
    assert verify_database(engine).head == head
    assert json.loads(cli("access", "list", "--all", "--format", "json").stdout) == []


@pytest.mark.parametrize("command", ["grant", "revoke", "list"])
def test_every_access_command_explains_itself(cli: Cli, command: str) -> None:
    out = _said(cli("access", command, "--help").stdout)
    assert "--plan" in out and len(out) > 200
    if command == "grant":
        assert "Required unless --all-plans" in out and "of every organisation" in out
    assert command in cli("access", "--help").stdout
