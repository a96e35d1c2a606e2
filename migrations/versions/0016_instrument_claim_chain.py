"""instrument claims: a certificate claimed again follows the claim before it

A tracking id is claimed afresh once on the whole platform (a unique index over the claims
that follow no other); a later claim of it records the claim it follows, each claim followed
at most once. The rule for when a later claim is allowed (the earlier case withdrawn, or the
case of a statement being corrected) is in emissions/services.py.

Revision ID: 0016_instrument_claim_chain
Revises: 0015_statement_timestamp
Create Date: 2026-11-28 18:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_instrument_claim_chain'
down_revision = '0015_statement_timestamp'
branch_labels = None
depends_on = None

FIRST_CLAIM = sa.text("follows_id IS NULL")


def upgrade():
    with op.batch_alter_table('instrument', schema=None) as batch_op:
        batch_op.add_column(sa.Column('follows_id', sa.Integer(), nullable=True))
        batch_op.drop_constraint('uq_instrument_tracking_id', type_='unique')
        batch_op.create_unique_constraint(op.f('uq_instrument_follows_id'), ['follows_id'])
        batch_op.create_foreign_key(
            op.f('fk_instrument_follows_id_instrument'), 'instrument', ['follows_id'], ['id']
        )
        batch_op.create_index(op.f('ix_instrument_tracking_id'), ['tracking_id'], unique=False)
        batch_op.create_index(
            'uq_instrument_first_claim',
            ['tracking_id'],
            unique=True,
            sqlite_where=FIRST_CLAIM,
            postgresql_where=FIRST_CLAIM,
        )


def downgrade():
    # Refused by the unique constraint if a certificate has been claimed again meanwhile.
    with op.batch_alter_table('instrument', schema=None) as batch_op:
        batch_op.drop_index('uq_instrument_first_claim')
        batch_op.drop_index(op.f('ix_instrument_tracking_id'))
        batch_op.drop_constraint(op.f('fk_instrument_follows_id_instrument'), type_='foreignkey')
        batch_op.drop_constraint(op.f('uq_instrument_follows_id'), type_='unique')
        batch_op.create_unique_constraint('uq_instrument_tracking_id', ['tracking_id'])
        batch_op.drop_column('follows_id')
