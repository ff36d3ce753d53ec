"""The database refuses a ledger row that does not continue the chain.

The application's role may append to `audit_event` (docs/postgres-app-role.sql); before this, it could
append anything, and one junk row (seq 0, a made-up prev_hash) broke `audit verify` for ever, since the
ledger is append-only. A trigger now refuses a new row unless its seq is the head's plus one, its prev_hash
the head's hash (the genesis hash on an empty ledger), and its hashed body starts with the header its
columns say. On PostgreSQL it also checks that the hash is the body's SHA-256, so a row the database
accepts is a row `audit verify` accepts (SQLite has no SHA-256 in SQL). PostgreSQL checks once per
statement, over the statement's new rows (a transition table): each must link to the row at seq - 1,
older or inserted by the same statement. SQLite checks each row before it goes in, against the last row,
which includes the rows its own statement inserted before it. Both are tested with single rows, multi-row
INSERTs and executemany batches.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 20:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64  # models.audit.GENESIS_HASH, written out: a migration never changes with the code
REFUSED = "audit_event: a new row must continue the chain"
# The header of the hashed body, from the row's own columns (models.ledger.chain.header): fields joined by the
# unit separator, then a new line.
HEADER_PG = (
    "concat(n.seq, E'\\x1f', n.at, E'\\x1f', n.actor, E'\\x1f', n.kind, E'\\x1f', "
    "coalesce(n.plan, ''), E'\\x1f', coalesce(n.ref, ''), E'\\x1f', n.prev_hash, E'\\n')"
)
HEADER_SQLITE = (
    "CAST(NEW.seq || char(31) || NEW.at || char(31) || NEW.actor || char(31) || NEW.kind || char(31) || "
    "coalesce(NEW.plan, '') || char(31) || coalesce(NEW.ref, '') || char(31) || NEW.prev_hash || char(10) "
    "AS BLOB)"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Once per statement, over the rows it inserted (a batch of a thousand is one check, not a thousand):
        # every new row must link to the row before it (seq - 1), which is older or new in the same
        # statement; with the primary key on seq, that is the chain continuing from the head, without gaps.
        # No % and no :name in the text: the driver and SQLAlchemy would read them as parameters.
        op.execute(
            f"""
            CREATE FUNCTION audit_event_continues_chain() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                bad record;
            BEGIN
                SELECT n.seq,
                       CASE
                           WHEN n.seq < 1 OR n.prev_hash IS DISTINCT FROM
                                CASE WHEN n.seq = 1 THEN '{GENESIS}' ELSE p.hash END
                               THEN 'its seq and prev_hash do not follow the last row'
                           WHEN n.hash IS DISTINCT FROM encode(sha256(n.body), 'hex')
                               THEN 'its hash is not the SHA-256 of its body'
                           ELSE 'its body does not start with its columns'
                       END AS why
                INTO bad
                FROM added n LEFT JOIN audit_event p ON p.seq = n.seq - 1
                WHERE n.seq < 1
                   OR n.prev_hash IS DISTINCT FROM CASE WHEN n.seq = 1 THEN '{GENESIS}' ELSE p.hash END
                   OR n.hash IS DISTINCT FROM encode(sha256(n.body), 'hex')
                   OR substring(n.body FROM 1 FOR length(convert_to({HEADER_PG}, 'UTF8')))
                      IS DISTINCT FROM convert_to({HEADER_PG}, 'UTF8')
                ORDER BY n.seq
                LIMIT 1;
                IF FOUND THEN
                    RAISE EXCEPTION USING ERRCODE = 'check_violation',
                        MESSAGE = concat('{REFUSED}: seq ', bad.seq, ' refused, ', bad.why);
                END IF;
                RETURN NULL;
            END $$;
            """
        )
        op.execute(
            "CREATE TRIGGER audit_event_continues_chain AFTER INSERT ON audit_event "
            "REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION audit_event_continues_chain()"
        )
    else:
        op.execute(
            f"""
            CREATE TRIGGER audit_event_continues_chain BEFORE INSERT ON audit_event
            WHEN NEW.seq IS NOT coalesce((SELECT max(seq) FROM audit_event), 0) + 1
              OR NEW.prev_hash IS NOT coalesce(
                   (SELECT hash FROM audit_event ORDER BY seq DESC LIMIT 1), '{GENESIS}')
              OR substr(NEW.body, 1, length({HEADER_SQLITE})) IS NOT {HEADER_SQLITE}
            BEGIN
                SELECT RAISE(ABORT, '{REFUSED} (seq = head seq + 1, prev_hash = head hash, body = columns)');
            END
            """
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_continues_chain ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_continues_chain()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_continues_chain")
