"""clarification threads and in-app notifications

Revision ID: 0009_clarifications
Revises: 0008_accreditations
Create Date: 2026-11-28 11:20:00

"""
from alembic import op
import sqlalchemy as sa
import verification.types


# revision identifiers, used by Alembic.
revision = '0009_clarifications'
down_revision = '0008_accreditations'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('clarification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('criterion_code', sa.String(length=32), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('raised_by_id', sa.Integer(), nullable=False),
    sa.Column('raised_at', verification.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', verification.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', verification.types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('open', 'answered', 'closed')", name=op.f('ck_clarification_status_known')),
    sa.ForeignKeyConstraint(['case_id'], ['verification_case.id'], name=op.f('fk_clarification_case_id_verification_case')),
    sa.ForeignKeyConstraint(['raised_by_id'], ['user_account.id'], name=op.f('fk_clarification_raised_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clarification'))
    )
    with op.batch_alter_table('clarification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clarification_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_clarification_status'), ['status'], unique=False)

    op.create_table('clarification_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clarification_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('at', verification.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('evidence_file_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('length(body) BETWEEN 1 AND 5000', name=op.f('ck_clarification_message_body_length')),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_clarification_message_author_id_user_account')),
    sa.ForeignKeyConstraint(['clarification_id'], ['clarification.id'], name=op.f('fk_clarification_message_clarification_id_clarification')),
    sa.ForeignKeyConstraint(['evidence_file_id'], ['evidence_file.id'], name=op.f('fk_clarification_message_evidence_file_id_evidence_file')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clarification_message'))
    )
    with op.batch_alter_table('clarification_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clarification_message_clarification_id'), ['clarification_id'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=False),
    sa.Column('created_at', verification.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', verification.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_user_id'))

    op.drop_table('notification')
    with op.batch_alter_table('clarification_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clarification_message_clarification_id'))

    op.drop_table('clarification_message')
    with op.batch_alter_table('clarification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clarification_status'))
        batch_op.drop_index(batch_op.f('ix_clarification_case_id'))

    op.drop_table('clarification')
