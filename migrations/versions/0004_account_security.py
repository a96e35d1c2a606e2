"""account security: one-time tokens, outbound mail, login attempts, security stamp

Revision ID: 0004_account_security
Revises: 0003_two_factor
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

import verification.types  # noqa: F401

revision = "0004_account_security"
down_revision = "0003_two_factor"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
