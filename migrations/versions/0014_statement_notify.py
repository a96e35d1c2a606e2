"""statement change notifications (PostgreSQL): the lookup API's cache hears of every change

Revision ID: 0014_statement_notify
Revises: 0013_signing_keys
Create Date: 2026-11-28 15:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0014_statement_notify'
down_revision = '0013_signing_keys'
branch_labels = None
depends_on = None

# verification/registry/cache.py listens on this channel. The payload is the number of the
# statement whose row changed, or '' when any record may have changed (an organisation
# renamed, the table emptied). Triggers, not application code, so that every writer is
# heard: the web app, the worker, a restore, a hand-run SQL fix. SQLite has no
# notifications; the cache is off there.
UPGRADE = """
CREATE FUNCTION statement_changed_notify() RETURNS trigger AS $$
BEGIN
    IF TG_LEVEL = 'STATEMENT' THEN
        PERFORM pg_notify('statement_changed', '');
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('statement_changed', OLD.number);
    ELSE
        PERFORM pg_notify('statement_changed', NEW.number);
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER statement_changed AFTER INSERT OR UPDATE OR DELETE ON statement
    FOR EACH ROW EXECUTE FUNCTION statement_changed_notify();
CREATE TRIGGER statement_truncated AFTER TRUNCATE ON statement
    FOR EACH STATEMENT EXECUTE FUNCTION statement_changed_notify();
CREATE TRIGGER organisation_renamed AFTER UPDATE OF name ON organisation
    FOR EACH STATEMENT EXECUTE FUNCTION statement_changed_notify();
"""

DOWNGRADE = """
DROP TRIGGER organisation_renamed ON organisation;
DROP TRIGGER statement_truncated ON statement;
DROP TRIGGER statement_changed ON statement;
DROP FUNCTION statement_changed_notify();
"""


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(UPGRADE)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(DOWNGRADE)
