"""lender administrators: the role that keeps a lender organisation's team and details

Existing lender organisations keep their analysts; a platform admin invites their first
lender admin (docs/lender.md).

Revision ID: 0017_lender_admin
Revises: 0016_instrument_claim_chain
Create Date: 2026-11-28 18:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0017_lender_admin'
down_revision = '0016_instrument_claim_chain'
branch_labels = None
depends_on = None

ROLES_OLD = "role IN ('sme_admin', 'sme_member', 'vb_admin', 'verifier', 'reviewer', 'lender_analyst', 'platform_admin')"
ROLES_NEW = "role IN ('sme_admin', 'sme_member', 'vb_admin', 'verifier', 'reviewer', 'lender_admin', 'lender_analyst', 'platform_admin')"


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_user_account_role_known'), type_='check')
        batch_op.create_check_constraint('role_known', ROLES_NEW)


def downgrade():
    # Lender admins become analysts again: the old schema knows no other lender role.
    op.execute("UPDATE user_account SET role = 'lender_analyst' WHERE role = 'lender_admin'")
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_user_account_role_known'), type_='check')
        batch_op.create_check_constraint('role_known', ROLES_OLD)
