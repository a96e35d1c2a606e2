"""lender watchlists and alerts

Revision ID: 0012_lender_watchlist
Revises: 0011_statement_lifecycle
Create Date: 2026-11-28 11:50:00

"""
from alembic import op
import sqlalchemy as sa
import verification.types


# revision identifiers, used by Alembic.
revision = '0012_lender_watchlist'
down_revision = '0011_statement_lifecycle'
branch_labels = None
depends_on = None


def upgrade():
    # The lender portal's watchlist; alerts reuse the notification table (docs/lender.md).
    op.create_table('watch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lender_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_at', verification.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['user_account.id'], name=op.f('fk_watch_added_by_id_user_account')),
    sa.ForeignKeyConstraint(['lender_id'], ['organisation.id'], name=op.f('fk_watch_lender_id_organisation')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_watch_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_watch')),
    sa.UniqueConstraint('lender_id', 'organisation_id', name=op.f('uq_watch_lender_id'))
    )
    with op.batch_alter_table('watch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_watch_lender_id'), ['lender_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_watch_organisation_id'), ['organisation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('watch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_watch_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_watch_lender_id'))

    op.drop_table('watch')
