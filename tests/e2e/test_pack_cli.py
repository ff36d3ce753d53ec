"""`lineofsight pack` and `lineofsight meeting` as a user meets them: help, building, listing, showing,
sending, and clean errors with exit code 2 for bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.pack_fixtures import MEMBER, load_pack_plan
from tests.word_helpers import docx_text, template_of

SUBCOMMANDS = [
    ["pack", "build"],
    ["pack", "approve"],
    ["pack", "send"],
    ["pack", "list"],
    ["pack", "show"],
    ["pack", "cover"],
    ["pack", "template", "check"],
    ["pack", "template", "default"],
    ["pack", "template", "set"],
    ["meeting", "add"],
]


@pytest.mark.parametrize("args", SUBCOMMANDS)
def test_every_pack_command_has_help(cli, args) -> None:
    result = cli(*args, "--help")
    summary = result.output.split("Options")[0]
    assert len(summary.split()) > 8, summary


def test_build_list_show_and_rebuild(cli, engine, tmp_path) -> None:
    load_pack_plan(engine)
    out = tmp_path / "packs"
    built = cli("pack", "build", "--meeting", "2017-10-03", "--out", str(out)).output
    assert "Pack 1 (built)" in built and "Pack 2 (built)" in built and "pack date 25 September 2017" in built
    assert len(list(out.rglob("*.pdf"))) == 2 and len(list(out.rglob("*.html"))) == 2
    listed = cli("pack", "list").output
    assert "public" in listed and "board" in listed and "2 packs." in listed
    shown = cli("pack", "show", "1").output
    assert "intact" in shown and "Built from:    ledger" in shown
    again = cli("pack", "build", "--meeting", "03/10/2017", "--audience", "board", "--out", str(out)).output
    assert "Pack 1 (unchanged)" in again and "Pack 2" not in again
    next(out.rglob("*board.pdf")).write_bytes(b"tampered")
    assert "changed" in cli("pack", "show", "1").output


def test_build_and_send(cli, engine, tmp_path) -> None:
    load_pack_plan(engine)
    result = cli(
        "pack", "build", "--meeting", "2017-10-03", "--audience", "public", "--out", str(tmp_path), "--send"
    )
    assert "4 new notices" in result.output and MEMBER in result.output
    emails = [p.read_bytes() for p in (tmp_path / "outbox").glob("*.eml")]
    assert len([e for e in emails if b"application/pdf" in e]) == 4
    assert all(
        b"\nAuto-Submitted: auto-generated\n" in e and b"X-Auto-Response-Suppress: All" in e for e in emails
    )


def test_build_and_send_is_recorded_as_the_operators_approval(cli, engine, tmp_path) -> None:
    load_pack_plan(engine)
    cli("pack", "build", "--meeting", "2017-10-03", "--audience", "board", "--out", str(tmp_path), "--send")
    log = cli("audit", "log", "--kind", "PackApproved", "--format", "json").output
    [approved] = json.loads(log)
    assert approved["actor"] == "system:operator"
    assert approved["data"]["reason"] == "approved and sent from the command line"


def test_approve_then_send_a_draft(cli, engine, tmp_path) -> None:
    load_pack_plan(engine)
    cli("pack", "build", "--meeting", "2017-10-03", "--audience", "board", "--out", str(tmp_path))
    refused = cli("pack", "send", "--pack", "1", expect=2)
    assert "approve it before sending" in refused.output
    assert _stages(cli) == ["draft"] and "Approved:      not yet: a draft" in cli("pack", "show", "1").output
    approved = cli("pack", "approve", "--pack", "1", "--by", "secretariat@example.org").output
    assert "Pack 1 is approved by secretariat@example.org" in approved
    assert _stages(cli) == ["approved"] and "approved" in cli("pack", "list").output
    shown = cli("pack", "show", "1").output
    assert "Approved:" in shown and "UTC by secretariat@example.org" in shown
    sent = cli("pack", "send", "--pack", "1", "--by", "secretariat@example.org").output
    assert "new notices" in sent and MEMBER in sent
    again = cli("pack", "send", "--pack", "1", expect=2)
    assert "already been sent" in again.output
    [published] = json.loads(cli("audit", "log", "--kind", "PackPublished", "--format", "json").output)
    assert published["actor"] == "secretariat@example.org"
    [listed] = json.loads(cli("pack", "list", "--format", "json").output)
    assert listed["stage"] == "sent" and listed["approved_by"] == "secretariat@example.org"


def _stages(cli) -> list[str]:
    return [row["stage"] for row in json.loads(cli("pack", "list", "--format", "json").output)]


def test_meeting_add_then_its_pack(cli, engine, tmp_path) -> None:
    load_pack_plan(engine)
    added = cli(
        "meeting", "add", "--board", "improvement board", "--date", "2018-01-09", "--theme", "a2"
    ).output
    assert "its pack will be built on Friday 29 December 2017" in added
    again = cli("meeting", "add", "--board", "Improvement Board", "--date", "2018-01-09", expect=2)
    assert "already has a board meeting" in again.output
    assert "Pack 1 (built)" in cli("pack", "build", "--meeting", "2018-01-09", "--out", str(tmp_path)).output
    assert "MeetingAdded" in cli("audit", "log", "--kind", "MeetingAdded").output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["pack", "build", "--meeting", "2017-10-04"],
            "No meeting on '2017-10-04'. Did you mean 2017-10-03?",
        ),
        (["pack", "build", "--meeting", "tomorrow"], "Invalid --meeting 'tomorrow'"),
        (
            ["pack", "build", "--meeting", "2017-10-03", "--board", "Improvment Bord"],
            "Did you mean Improvement Board?",
        ),
        (
            ["pack", "build", "--meeting", "2017-10-03", "--audience", "press"],
            "one of board, scrutiny, public",
        ),
        (["pack", "show", "99"], "No pack '99'"),
        (["meeting", "add", "--board", "Nope", "--date", "2018-01-09"], "No board 'Nope'"),
        (
            ["meeting", "add", "--board", "Improvement Board", "--date", "2018-01-09", "--theme", "A9"],
            "No area 'A9'",
        ),
    ],
)
def test_bad_input_is_one_clean_line(cli, engine, args, message) -> None:
    load_pack_plan(engine)
    result = cli(*args, expect=2)
    assert message in " ".join(result.output.split()) and "Traceback" not in result.output


def test_read_only_pack_commands_stay_light(engine, db_url, repo_env, tmp_path) -> None:
    load_pack_plan(engine)
    probe = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from cli.app import app\n"
        f"for args in (['pack', 'list'], ['pack', 'show', '1'], ['pack', '--help']):\n"
        f"    r = CliRunner().invoke(app, args, env={{'LINEOFSIGHT_DATABASE_URL': {db_url!r}}})\n"
        "    assert r.exit_code in (0, 2), r.output\n"
        "heavy = {'prefect', 'weasyprint', 'matplotlib'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=repo_env, check=True
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_rebuild_restores_a_modified_file_and_copies_to_a_new_folder(cli, engine, tmp_path) -> None:
    load_pack_plan(engine)
    out, elsewhere = tmp_path / "packs", tmp_path / "new"
    cli("pack", "build", "--meeting", "2017-10-03", "--audience", "board", "--out", str(out))
    pdf = next(out.rglob("*board.pdf"))
    pdf.write_bytes(b"tampered")
    again = cli("pack", "build", "--meeting", "2017-10-03", "--audience", "board", "--out", str(out)).output
    assert "Pack 1 (unchanged)" in again and f"Rewrote {pdf.name}" in again
    assert "intact" in cli("pack", "show", "1").output and "changed" not in cli("pack", "show", "1").output
    moved = cli("pack", "build", "--meeting", "2017-10-03", "--audience", "board", "--out", str(elsewhere))
    assert "Pack 1 (unchanged)" in moved.output and f"copies written to {elsewhere}" in moved.output
    copies = sorted(elsewhere.rglob("*"))
    assert {p.suffix for p in copies if p.is_file()} == {".pdf", ".html", ".docx"}
    assert next(elsewhere.rglob("*.pdf")).read_bytes() == pdf.read_bytes()


def test_out_is_the_folder_itself_and_another_packs_file_needs_force(cli, engine, tmp_path) -> None:
    load_pack_plan(engine)
    out = tmp_path / "here"
    out.mkdir()
    stranger = out / "2017-10-03-improvement-board-board.pdf"
    stranger.write_bytes(b"another pack")
    refused = cli(
        "pack", "build", "--meeting", "2017-10-03", "--audience", "board", "--out", str(out), expect=2
    )
    message = " ".join(refused.output.split())
    assert "already exists and is not this pack's file" in message and "--force" in message
    assert stranger.read_bytes() == b"another pack" and "0 packs." in cli("pack", "list").output
    built = cli(
        "pack", "build", "--meeting", "2017-10-03", "--audience", "board", "--out", str(out), "--force"
    )
    assert "Pack 1 (built)" in built.output and "Building packs" not in built.output  # no bar off a terminal
    assert {p.name for p in out.iterdir()} == {
        stranger.with_suffix(s).name for s in (".pdf", ".html", ".docx")
    }
    assert stranger.read_bytes()[:4] == b"%PDF"


def test_a_sent_pack_built_again_is_a_new_version_shown_in_list_and_show(cli, engine, tmp_path) -> None:
    load_pack_plan(engine)
    out = str(tmp_path / "packs")
    cli("pack", "build", "--meeting", "2017-10-03", "--audience", "board", "--out", out, "--send")
    again = cli(
        "pack",
        "build",
        "--meeting",
        "2017-10-03",
        "--audience",
        "board",
        "--out",
        out,
        "--as-of",
        "2017-09-30",
    ).output
    assert "Pack 2 (version 2; pack 1, already sent, is kept as it was)" in again
    assert "Data as at end of Saturday 30 September 2017 (chosen with --as-of)" in again
    listed = json.loads(cli("pack", "list", "--format", "json").output)
    assert [(p["id"], p["version"], p["supersedes"], p["superseded_by"]) for p in listed] == [
        (1, 1, None, 2),
        (2, 2, 1, None),
    ]
    assert listed[0]["sent_at"] and listed[1]["sent_at"] is None
    assert listed[1]["data_as_of"].startswith("2017-09-30T23:00:00")
    old, new = cli("pack", "show", "1").output, cli("pack", "show", "2").output
    assert "pack 2 is a newer version" in old and "Sent:          20" in old
    assert "Version:       2, after pack 1 (sent, kept as it was)" in new
    assert "Data as at:    end of Saturday 30 September 2017 (chosen with --as-of)" in new


def test_pack_list_plan_option_has_help(cli) -> None:
    assert "Only this plan's packs" in " ".join(cli("pack", "list", "--help").output.split())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "someday"], "Invalid --as-of 'someday'"),
        (["--as-of", "2098-01-01"], "is in the future"),
        (["--out", "/no/such/folder/packs"], "the folder /no/such/folder does not exist"),
    ],
)
def test_build_refuses_a_bad_moment_or_folder(cli, engine, args, message) -> None:
    load_pack_plan(engine)
    result = cli("pack", "build", "--meeting", "2017-10-03", *args, expect=2)
    assert message in " ".join(result.output.split()) and "Traceback" not in result.output
    assert "0 packs." in cli("pack", "list").output


def test_a_board_that_asks_for_word_is_sent_the_docx_beside_the_pdf(cli, engine, tmp_path) -> None:
    load_pack_plan(engine)
    said = cli(
        "pack",
        "cover",
        "--board",
        "Improvement Board",
        "--word",
        "--lead-officer",
        "Jo Lead",
        "--meeting",
        "2017-10-03",
        "--agenda-item",
        "7",
    ).output
    assert "lead_officer, wants_word changed" in said and "agenda item 7 (2 meeting rows changed)" in said
    out = tmp_path / "packs"
    built = cli(
        "pack", "build", "--meeting", "2017-10-03", "--audience", "public", "--out", str(out), "--send"
    ).output
    assert "-public.docx" in built
    emails = [p.read_bytes() for p in (tmp_path / "outbox").glob("*.eml")]
    word = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert len(emails) == 4 and all(b"application/pdf" in e and word in e for e in emails)
    shown = cli("pack", "show", "1").output
    assert ".docx" in shown and "intact" in shown
    cover = docx_text(next(out.rglob("*public.docx")).read_bytes())
    assert "AGENDA ITEM:\n7" in cover and "LEAD OFFICER:\nJo Lead" in cover


def test_the_default_template_is_written_out_and_checks_clean(cli, tmp_path) -> None:
    path = tmp_path / "ours.docx"
    assert "Wrote" in cli("pack", "template", "default", str(path)).output
    assert "already exists" in cli("pack", "template", "default", str(path), expect=2).output
    assert "every tag is known" in cli("pack", "template", "check", str(path)).output


def test_template_check_lists_unknown_tags_and_set_stores_a_good_one(cli, engine, tmp_path) -> None:
    load_pack_plan(engine)
    broken, good = tmp_path / "broken.docx", tmp_path / "council.docx"
    broken.write_bytes(template_of("REPORT TO {{ report_to }}", "WARDS: {{ wards_affected }}"))
    good.write_bytes(template_of("REPORT TO {{ report_to }}", "WARDS AFFECTED: All"))
    checked = " ".join(cli("pack", "template", "check", str(broken), expect=1).output.split())
    assert "unknown tag 'wards_affected'" in checked and 'paragraph "WARDS: {{ wards_affected }}"' in checked
    assert "report_to" in checked and "Traceback" not in checked
    assert "every tag is known" in cli("pack", "template", "check", str(good)).output
    refused = cli("pack", "template", "set", str(broken), "--board", "Improvement Board", expect=2).output
    assert "wards_affected" in refused and "Traceback" not in refused
    stored = " ".join(
        cli("pack", "template", "set", str(good), "--board", "Improvement Board").output.split()
    )
    assert "now builds its Word packs from council.docx" in stored
    built = cli(
        "pack", "build", "--meeting", "2017-10-03", "--audience", "board", "--out", str(tmp_path / "p")
    )
    assert "No Word file" not in built.output
    docx = next((tmp_path / "p").glob("*board.docx"))
    assert "WARDS AFFECTED: All" in docx_text(docx.read_bytes())


def test_pack_cover_with_one_bad_value_changes_nothing(cli, engine) -> None:
    load_pack_plan(engine)
    before = cli("audit", "log", "--format", "json").stdout
    refused = cli(
        "pack",
        "cover",
        "--board",
        "Improvement Board",
        "--meeting",
        "2017-10-03",
        "--agenda-item",
        "7",
        "--lead-officer",
        "x" * 400,
        expect=2,
    ).output
    assert "--lead-officer must be one line of at most" in refused and "Traceback" not in refused
    assert cli("audit", "log", "--format", "json").stdout == before  # no MeetingChanged, no BoardChanged


def test_a_rebuild_whose_word_file_fails_leaves_no_old_docx_beside_the_new_pdf(cli, engine, tmp_path) -> None:
    load_pack_plan(engine)
    out = tmp_path / "packs"
    args = ("pack", "build", "--meeting", "2017-10-03", "--audience", "board", "--out", str(out))
    cli(*args)
    [docx] = out.rglob("*.docx")
    failing = tmp_path / "council.docx"
    failing.write_bytes(
        template_of("REPORT TO {{ report_to }}", "Share {{ 1 / 0 }}")
    )  # fails only once filled
    cli("pack", "template", "set", str(failing), "--board", "Improvement Board")
    rebuilt = " ".join(cli(*args).output.split())
    assert "ZeroDivisionError" in rebuilt and "Traceback" not in rebuilt
    assert not docx.exists() and list(out.rglob("*.pdf")) and list(out.rglob("*.html"))
    shown = " ".join(cli("pack", "show", "1").output.split())
    assert "Word file: not built:" in shown and "ZeroDivisionError" in shown and "board.docx" not in shown
