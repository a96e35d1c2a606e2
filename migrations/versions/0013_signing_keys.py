"""signing keys: imported certificates, rotation, timestamps

Revision ID: 0013_signing_keys
Revises: 0012_lender_watchlist
Create Date: 2026-11-28 11:50:00

"""
from alembic import op
import sqlalchemy as sa
import verification.types


# revision identifiers, used by Alembic.
revision = '0013_signing_keys'
down_revision = '0012_lender_watchlist'
branch_labels = None
depends_on = None


def upgrade():
    # A credential now records when its certificate ends (for `flask keys list` and
    # rotation checks) and when it was rotated out; rotated-out credentials stay.
    with op.batch_alter_table('signing_credential', schema=None) as batch_op:
        batch_op.add_column(sa.Column('not_after', verification.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('rotated_at', verification.types.UTCDateTime(timezone=True), nullable=True))

    # Existing rows: read the end date from the stored certificate.
    from cryptography import x509

    bind = op.get_bind()
    credential = sa.table(
        'signing_credential',
        sa.column('id', sa.Integer()),
        sa.column('cert_pem', sa.Text()),
        sa.column('not_after', verification.types.UTCDateTime(timezone=True)),
    )
    for row_id, pem in bind.execute(sa.select(credential.c.id, credential.c.cert_pem)).all():
        not_after = x509.load_pem_x509_certificate(pem.encode()).not_valid_after_utc
        bind.execute(
            credential.update().where(credential.c.id == row_id).values(not_after=not_after)
        )

    with op.batch_alter_table('signing_credential', schema=None) as batch_op:
        batch_op.alter_column('not_after', existing_type=verification.types.UTCDateTime(timezone=True), nullable=False)


def downgrade():
    with op.batch_alter_table('signing_credential', schema=None) as batch_op:
        batch_op.drop_column('rotated_at')
        batch_op.drop_column('not_after')
