"""stored scorecards with input and output hashes

Revision ID: 0010_scorecards
Revises: 0009_clarifications
Create Date: 2026-11-28 11:50:00

"""
from alembic import op
import sqlalchemy as sa
import verification.types


# revision identifiers, used by Alembic.
revision = '0010_scorecards'
down_revision = '0009_clarifications'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scorecard',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('statement_number', sa.String(length=32), nullable=True),
    sa.Column('engine_version', sa.String(length=16), nullable=False),
    sa.Column('methodology_code', sa.String(length=64), nullable=False),
    sa.Column('methodology_version', sa.String(length=32), nullable=False),
    sa.Column('methodology_hash', sa.String(length=64), nullable=False),
    sa.Column('sector', sa.String(length=1), nullable=True),
    sa.Column('overall', sa.String(length=40), nullable=True),
    sa.Column('grade', sa.String(length=8), nullable=True),
    sa.Column('intensity_kg', sa.String(length=64), nullable=True),
    sa.Column('intensity_basis', sa.String(length=16), nullable=True),
    sa.Column('intensity_per', sa.String(length=32), nullable=True),
    sa.Column('input_hash', sa.String(length=64), nullable=False),
    sa.Column('output_hash', sa.String(length=64), nullable=False),
    sa.Column('inputs', sa.Text(), nullable=False),
    sa.Column('output', sa.Text(), nullable=False),
    sa.Column('created_at', verification.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['verification_case.id'], name=op.f('fk_scorecard_case_id_verification_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scorecard'))
    )
    with op.batch_alter_table('scorecard', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scorecard_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_scorecard_methodology_code'), ['methodology_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_scorecard_sector'), ['sector'], unique=False)
        batch_op.create_index(batch_op.f('ix_scorecard_statement_number'), ['statement_number'], unique=False)


def downgrade():
    op.drop_table('scorecard')
