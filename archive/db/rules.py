"""Rules the database enforces that a CHECK constraint cannot express.

- A take's publication date is not in the future (SQLite refuses today's date in a CHECK); one
  day of slack allows for time zones ahead of UTC.
- A position's stance belongs to the position's question; its evidence quote is from the same take.
- A response's quote is from the responding take.
- A stance cannot move to another question, nor a quote to another take, while rows rely on it.

Triggers run whatever writes the rows: the admin, the ORM, bulk inserts, loaddata or raw SQL.
Each raises an integrity error whose message starts with the rule's name.

``install()`` is idempotent. Migration 0002 calls it, and so does every ``migrate`` (post_migrate,
through the registry in archive/db/__init__.py):
SQLite drops a table's triggers when Django rebuilds the table to alter it, so later migrations
would otherwise lose them silently.
"""

from django.db.backends.base.base import BaseDatabaseWrapper

SQLITE_TRIGGERS = {
    "archive_take_published_not_in_future_ins": """
        CREATE TRIGGER IF NOT EXISTS archive_take_published_not_in_future_ins BEFORE INSERT ON archive_take
        WHEN NEW.published IS NOT NULL AND NEW.published > date('now', '+1 day')
        BEGIN SELECT RAISE(ABORT, 'take_published_not_in_future: a take cannot be published in the future'); END
    """,
    "archive_take_published_not_in_future_upd": """
        CREATE TRIGGER IF NOT EXISTS archive_take_published_not_in_future_upd BEFORE UPDATE OF published ON archive_take
        WHEN NEW.published IS NOT NULL AND NEW.published > date('now', '+1 day')
        BEGIN SELECT RAISE(ABORT, 'take_published_not_in_future: a take cannot be published in the future'); END
    """,
    "archive_position_consistent_ins": """
        CREATE TRIGGER IF NOT EXISTS archive_position_consistent_ins BEFORE INSERT ON archive_position
        BEGIN
            SELECT RAISE(ABORT, 'position_stance_of_question: the stance belongs to another question')
            WHERE (SELECT question_id FROM archive_stance WHERE id = NEW.stance_id) IS NOT NEW.question_id;
            SELECT RAISE(ABORT, 'position_evidence_same_take: the evidence quote is from another take')
            WHERE NEW.evidence_id IS NOT NULL
              AND (SELECT take_id FROM archive_quote WHERE id = NEW.evidence_id) IS NOT NEW.take_id;
        END
    """,
    "archive_position_consistent_upd": """
        CREATE TRIGGER IF NOT EXISTS archive_position_consistent_upd BEFORE UPDATE ON archive_position
        BEGIN
            SELECT RAISE(ABORT, 'position_stance_of_question: the stance belongs to another question')
            WHERE (SELECT question_id FROM archive_stance WHERE id = NEW.stance_id) IS NOT NEW.question_id;
            SELECT RAISE(ABORT, 'position_evidence_same_take: the evidence quote is from another take')
            WHERE NEW.evidence_id IS NOT NULL
              AND (SELECT take_id FROM archive_quote WHERE id = NEW.evidence_id) IS NOT NEW.take_id;
        END
    """,
    "archive_response_quote_same_take_ins": """
        CREATE TRIGGER IF NOT EXISTS archive_response_quote_same_take_ins BEFORE INSERT ON archive_response
        WHEN NEW.quote_id IS NOT NULL
         AND (SELECT take_id FROM archive_quote WHERE id = NEW.quote_id) IS NOT NEW.take_id
        BEGIN SELECT RAISE(ABORT, 'response_quote_same_take: the quote is from another take'); END
    """,
    "archive_response_quote_same_take_upd": """
        CREATE TRIGGER IF NOT EXISTS archive_response_quote_same_take_upd BEFORE UPDATE ON archive_response
        WHEN NEW.quote_id IS NOT NULL
         AND (SELECT take_id FROM archive_quote WHERE id = NEW.quote_id) IS NOT NEW.take_id
        BEGIN SELECT RAISE(ABORT, 'response_quote_same_take: the quote is from another take'); END
    """,
    "archive_stance_keeps_question": """
        CREATE TRIGGER IF NOT EXISTS archive_stance_keeps_question BEFORE UPDATE OF question_id ON archive_stance
        WHEN NEW.question_id IS NOT OLD.question_id
         AND EXISTS (SELECT 1 FROM archive_position WHERE stance_id = OLD.id)
        BEGIN SELECT RAISE(ABORT, 'position_stance_of_question: positions use this stance'); END
    """,
    "archive_quote_keeps_take": """
        CREATE TRIGGER IF NOT EXISTS archive_quote_keeps_take BEFORE UPDATE OF take_id ON archive_quote
        WHEN NEW.take_id IS NOT OLD.take_id
         AND (EXISTS (SELECT 1 FROM archive_position WHERE evidence_id = OLD.id)
              OR EXISTS (SELECT 1 FROM archive_response WHERE quote_id = OLD.id))
        BEGIN SELECT RAISE(ABORT, 'position_evidence_same_take: the quote is used by another row of its take'); END
    """,
}

POSTGRES_FORWARD = """
CREATE OR REPLACE FUNCTION archive_take_published_not_in_future() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.published IS NOT NULL AND NEW.published > current_date + 1 THEN
        RAISE EXCEPTION 'take_published_not_in_future: a take cannot be published in the future'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS archive_take_published_not_in_future ON archive_take;
CREATE TRIGGER archive_take_published_not_in_future BEFORE INSERT OR UPDATE OF published ON archive_take
    FOR EACH ROW EXECUTE FUNCTION archive_take_published_not_in_future();

CREATE OR REPLACE FUNCTION archive_position_consistent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT question_id FROM archive_stance WHERE id = NEW.stance_id) IS DISTINCT FROM NEW.question_id THEN
        RAISE EXCEPTION 'position_stance_of_question: the stance belongs to another question'
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.evidence_id IS NOT NULL
       AND (SELECT take_id FROM archive_quote WHERE id = NEW.evidence_id) IS DISTINCT FROM NEW.take_id THEN
        RAISE EXCEPTION 'position_evidence_same_take: the evidence quote is from another take'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS archive_position_consistent ON archive_position;
CREATE TRIGGER archive_position_consistent BEFORE INSERT OR UPDATE ON archive_position
    FOR EACH ROW EXECUTE FUNCTION archive_position_consistent();

CREATE OR REPLACE FUNCTION archive_response_quote_same_take() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.quote_id IS NOT NULL
       AND (SELECT take_id FROM archive_quote WHERE id = NEW.quote_id) IS DISTINCT FROM NEW.take_id THEN
        RAISE EXCEPTION 'response_quote_same_take: the quote is from another take'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS archive_response_quote_same_take ON archive_response;
CREATE TRIGGER archive_response_quote_same_take BEFORE INSERT OR UPDATE ON archive_response
    FOR EACH ROW EXECUTE FUNCTION archive_response_quote_same_take();

CREATE OR REPLACE FUNCTION archive_stance_keeps_question() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.question_id IS DISTINCT FROM OLD.question_id
       AND EXISTS (SELECT 1 FROM archive_position WHERE stance_id = OLD.id) THEN
        RAISE EXCEPTION 'position_stance_of_question: positions use this stance'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS archive_stance_keeps_question ON archive_stance;
CREATE TRIGGER archive_stance_keeps_question BEFORE UPDATE OF question_id ON archive_stance
    FOR EACH ROW EXECUTE FUNCTION archive_stance_keeps_question();

CREATE OR REPLACE FUNCTION archive_quote_keeps_take() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.take_id IS DISTINCT FROM OLD.take_id
       AND (EXISTS (SELECT 1 FROM archive_position WHERE evidence_id = OLD.id)
            OR EXISTS (SELECT 1 FROM archive_response WHERE quote_id = OLD.id)) THEN
        RAISE EXCEPTION 'position_evidence_same_take: the quote is used by another row of its take'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS archive_quote_keeps_take ON archive_quote;
CREATE TRIGGER archive_quote_keeps_take BEFORE UPDATE OF take_id ON archive_quote
    FOR EACH ROW EXECUTE FUNCTION archive_quote_keeps_take();
"""

POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS archive_take_published_not_in_future ON archive_take;
DROP TRIGGER IF EXISTS archive_position_consistent ON archive_position;
DROP TRIGGER IF EXISTS archive_response_quote_same_take ON archive_response;
DROP TRIGGER IF EXISTS archive_stance_keeps_question ON archive_stance;
DROP TRIGGER IF EXISTS archive_quote_keeps_take ON archive_quote;
DROP FUNCTION IF EXISTS archive_take_published_not_in_future();
DROP FUNCTION IF EXISTS archive_position_consistent();
DROP FUNCTION IF EXISTS archive_response_quote_same_take();
DROP FUNCTION IF EXISTS archive_stance_keeps_question();
DROP FUNCTION IF EXISTS archive_quote_keeps_take();
"""


def install(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRES_FORWARD)
        elif connection.vendor == "sqlite":
            for sql in SQLITE_TRIGGERS.values():
                cursor.execute(sql)
        else:
            raise RuntimeError(f"The archive supports PostgreSQL and SQLite, not {connection.vendor}.")


def uninstall(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRES_BACKWARD)
        else:
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
