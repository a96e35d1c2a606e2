"""cases record their sites and organisational boundary, for the statement

Revision ID: 0018_case_sites_boundary
Revises: 0017_lender_admin
Create Date: 2026-11-28 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_case_sites_boundary'
down_revision = '0017_lender_admin'
branch_labels = None
depends_on = None

BOUNDARY_KNOWN = (
    "boundary IS NULL OR boundary IN ('operational_control', 'financial_control', 'equity_share')"
)


def upgrade():
    # Cases opened before keep both empty: their statements say "not available".
    with op.batch_alter_table('verification_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sites', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('boundary', sa.String(length=32), nullable=True))
        batch_op.create_check_constraint('boundary_known', BOUNDARY_KNOWN)


def downgrade():
    with op.batch_alter_table('verification_case', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_verification_case_boundary_known'), type_='check')
        batch_op.drop_column('boundary')
        batch_op.drop_column('sites')
