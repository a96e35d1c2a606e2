"""two-factor authentication: TOTP secrets and recovery codes

Revision ID: 0003_two_factor
Revises: ebdda9cc6474
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

import verification.types  # noqa: F401

revision = "0003_two_factor"
down_revision = "ebdda9cc6474"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
