"""The database refuses a ledger row that does not continue the chain.

The application's role may append to `audit_event` (docs/postgres-app-role.sql); before this, it could
append anything, and one junk row (seq 0, a made-up prev_hash) broke `audit verify` for ever, since the
ledger is append-only. A BEFORE INSERT trigger now compares each new row with the current head: its seq
must be the head's plus one, its prev_hash the head's hash (the genesis hash on an empty ledger), and its
hashed body must start with the header its columns say. On PostgreSQL the trigger also checks that the
hash is the body's SHA-256, so a row the database accepts is a row `audit verify` accepts (SQLite has no
SHA-256 in SQL). A statement inserting several rows works: a row-level trigger sees the rows its own
statement inserted before it (both databases; tested on both).

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
# The header of the hashed body, from the row's own columns (models.ledger.header): fields joined by the
# unit separator, then a new line.
HEADER_PG = (
    "concat(NEW.seq, E'\\x1f', NEW.at, E'\\x1f', NEW.actor, E'\\x1f', NEW.kind, E'\\x1f', "
    "coalesce(NEW.plan, ''), E'\\x1f', coalesce(NEW.ref, ''), E'\\x1f', NEW.prev_hash, E'\\n')"
)
HEADER_SQLITE = (
    "CAST(NEW.seq || char(31) || NEW.at || char(31) || NEW.actor || char(31) || NEW.kind || char(31) || "
    "coalesce(NEW.plan, '') || char(31) || coalesce(NEW.ref, '') || char(31) || NEW.prev_hash || char(10) "
    "AS BLOB)"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # No % and no :name in the text: the driver and SQLAlchemy would read them as parameters.
        op.execute(
            f"""
            CREATE FUNCTION audit_event_continues_chain() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                head_seq bigint;
                head_hash text;
                expected bytea;
            BEGIN
                SELECT seq, hash INTO head_seq, head_hash FROM audit_event ORDER BY seq DESC LIMIT 1;
                IF NOT FOUND THEN
                    head_seq := 0;
                    head_hash := '{GENESIS}';
                END IF;
                IF NEW.seq IS DISTINCT FROM head_seq + 1 OR NEW.prev_hash IS DISTINCT FROM head_hash THEN
                    RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE = concat(
                        '{REFUSED}: seq ', NEW.seq, ' refused, the next must be seq ', head_seq + 1,
                        ' with prev_hash ', head_hash);
                END IF;
                IF NEW.hash IS DISTINCT FROM encode(sha256(NEW.body), 'hex') THEN
                    RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE = concat(
                        '{REFUSED}: seq ', NEW.seq, ' refused, its hash is not the SHA-256 of its body');
                END IF;
                expected := convert_to({HEADER_PG}, 'UTF8');
                IF substring(NEW.body FROM 1 FOR length(expected)) IS DISTINCT FROM expected THEN
                    RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE = concat(
                        '{REFUSED}: seq ', NEW.seq, ' refused, its body does not start with its columns');
                END IF;
                RETURN NEW;
            END $$;
            """
        )
        op.execute(
            "CREATE TRIGGER audit_event_continues_chain BEFORE INSERT ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_continues_chain()"
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
