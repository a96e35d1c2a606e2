"""statement lifecycle: revocation, supersession, expiry

Revision ID: 0011_statement_lifecycle
Revises: 0010_scorecards
Create Date: 2026-11-28 11:50:00

"""
from alembic import op
import sqlalchemy as sa
import verification.types


# revision identifiers, used by Alembic.
revision = '0011_statement_lifecycle'
down_revision = '0010_scorecards'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('statement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revoked_at', verification.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('revoked_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('revocation_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('superseded_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('superseded_at', verification.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('supersession_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('supersedes_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('expired_marked_at', verification.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_statement_revoked_by_id_user_account'), 'user_account', ['revoked_by_id'], ['id'])
        # Deferred: a restore inserts rows in id order, and the superseding statement is newer.
        batch_op.create_foreign_key(batch_op.f('fk_statement_superseded_by_id_statement'), 'statement', ['superseded_by_id'], ['id'], deferrable=True, initially='DEFERRED')
        batch_op.create_foreign_key(batch_op.f('fk_statement_supersedes_id_statement'), 'statement', ['supersedes_id'], ['id'])

    op.create_table('statement_correction',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('marked_by_id', sa.Integer(), nullable=False),
    sa.Column('marked_at', verification.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['verification_case.id'], name=op.f('fk_statement_correction_case_id_verification_case')),
    sa.ForeignKeyConstraint(['marked_by_id'], ['user_account.id'], name=op.f('fk_statement_correction_marked_by_id_user_account')),
    sa.ForeignKeyConstraint(['statement_id'], ['statement.id'], name=op.f('fk_statement_correction_statement_id_statement')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_statement_correction'))
    )
    with op.batch_alter_table('statement_correction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_correction_statement_id'), ['statement_id'], unique=False)


def downgrade():
    op.drop_table('statement_correction')
    with op.batch_alter_table('statement', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_statement_supersedes_id_statement'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_statement_superseded_by_id_statement'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_statement_revoked_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('expired_marked_at')
        batch_op.drop_column('supersedes_id')
        batch_op.drop_column('supersession_reason')
        batch_op.drop_column('superseded_at')
        batch_op.drop_column('superseded_by_id')
        batch_op.drop_column('revocation_reason')
        batch_op.drop_column('revoked_by_id')
        batch_op.drop_column('revoked_at')
