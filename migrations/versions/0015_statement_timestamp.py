"""statement signature timestamps: the time the RFC 3161 token attests

Revision ID: 0015_statement_timestamp
Revises: 0014_statement_notify
Create Date: 2026-11-28 15:40:00

"""
from alembic import op
import sqlalchemy as sa
import verification.types


# revision identifiers, used by Alembic.
revision = '0015_statement_timestamp'
down_revision = '0014_statement_notify'
branch_labels = None
depends_on = None


def upgrade():
    # Statements issued before this column keep null: their PDFs still carry the token,
    # and /verify reports it.
    with op.batch_alter_table('statement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timestamped_at', verification.types.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('statement', schema=None) as batch_op:
        batch_op.drop_column('timestamped_at')
