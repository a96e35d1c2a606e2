"""methodology releases, answer types, evidence links and history, corrections, conclusion, site visits

Revision ID: 0006_workflow_depth
Revises: 0005_api_tokens
Create Date: 2026-11-28 11:20:00

"""
from alembic import op
import sqlalchemy as sa
import verification.types


# revision identifiers, used by Alembic.
revision = '0006_workflow_depth'
down_revision = '0005_api_tokens'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('methodology_release',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('published_at', verification.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['published_by_id'], ['user_account.id'], name=op.f('fk_methodology_release_published_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_methodology_release')),
    sa.UniqueConstraint('code', 'version', name=op.f('uq_methodology_release_code'))
    )
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reused_from_case_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reused_from_criterion', sa.String(length=32), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_answer_reused_from_case_id_verification_case'), 'verification_case', ['reused_from_case_id'], ['id'])

    with op.batch_alter_table('evidence_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replaces_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('superseded_at', verification.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_evidence_file_replaces_id_evidence_file'), 'evidence_file', ['replaces_id'], ['id'])

    op.create_table('evidence_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('criterion_code', sa.String(length=32), nullable=False),
    sa.Column('linked_by_id', sa.Integer(), nullable=False),
    sa.Column('linked_at', verification.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['verification_case.id'], name=op.f('fk_evidence_link_case_id_verification_case')),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence_file.id'], name=op.f('fk_evidence_link_evidence_id_evidence_file')),
    sa.ForeignKeyConstraint(['linked_by_id'], ['user_account.id'], name=op.f('fk_evidence_link_linked_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_link')),
    sa.UniqueConstraint('evidence_id', 'criterion_code', name=op.f('uq_evidence_link_evidence_id'))
    )
    with op.batch_alter_table('evidence_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_link_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_link_evidence_id'), ['evidence_id'], unique=False)
    # Every existing file supports the criterion it was uploaded for.
    op.execute(
        "INSERT INTO evidence_link (evidence_id, case_id, criterion_code, linked_by_id, linked_at) "
        "SELECT id, case_id, criterion_code, uploaded_by_id, uploaded_at FROM evidence_file"
    )

    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nc_status', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('closed_at', verification.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('closed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_finding_closed_by_id_user_account'), 'user_account', ['closed_by_id'], ['id'])
    op.execute("UPDATE finding SET nc_status = 'open' WHERE outcome IN ('minor_nc', 'major_nc')")

    op.create_table('nc_correction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('finding_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('at', verification.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('correction', 'kept_open', 'closed')", name=op.f('ck_nc_correction_kind_known')),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_nc_correction_author_id_user_account')),
    sa.ForeignKeyConstraint(['case_id'], ['verification_case.id'], name=op.f('fk_nc_correction_case_id_verification_case')),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence_file.id'], name=op.f('fk_nc_correction_evidence_id_evidence_file')),
    sa.ForeignKeyConstraint(['finding_id'], ['finding.id'], name=op.f('fk_nc_correction_finding_id_finding')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nc_correction'))
    )
    with op.batch_alter_table('nc_correction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nc_correction_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_nc_correction_finding_id'), ['finding_id'], unique=False)

    op.create_table('case_conclusion',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('assurance_level', sa.String(length=16), nullable=False),
    sa.Column('materiality', sa.String(length=16), nullable=False),
    sa.Column('opinion', sa.String(length=16), nullable=False),
    sa.Column('basis', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', verification.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("assurance_level IN ('limited', 'reasonable')", name=op.f('ck_case_conclusion_assurance_known')),
    sa.CheckConstraint("opinion IN ('unmodified', 'modified', 'adverse', 'disclaimer')", name=op.f('ck_case_conclusion_opinion_known')),
    sa.ForeignKeyConstraint(['case_id'], ['verification_case.id'], name=op.f('fk_case_conclusion_case_id_verification_case')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_case_conclusion_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_conclusion'))
    )
    op.create_table('site_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('site', sa.String(length=200), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', verification.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("mode IN ('physical', 'virtual')", name=op.f('ck_site_visit_mode_known')),
    sa.ForeignKeyConstraint(['case_id'], ['verification_case.id'], name=op.f('fk_site_visit_case_id_verification_case')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_site_visit_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_visit'))
    )
    with op.batch_alter_table('site_visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_visit_case_id'), ['case_id'], unique=False)

    # The new state "awaiting_client" is known and, like review, needs a staffed case.
    with op.batch_alter_table('verification_case', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_verification_case_state_known'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_verification_case_staffed_after_assignment'), type_='check')
        batch_op.create_check_constraint('state_known', STATES_NEW)
        batch_op.create_check_constraint('staffed_after_assignment', STAFFED_NEW)


STATES_OLD = "state IN ('draft', 'submitted', 'assigned', 'in_review', 'in_technical_review', 'approved', 'issued', 'withdrawn')"
STATES_NEW = "state IN ('draft', 'submitted', 'assigned', 'in_review', 'awaiting_client', 'in_technical_review', 'approved', 'issued', 'withdrawn')"
STAFFED_OLD = "state NOT IN ('assigned', 'in_review', 'in_technical_review', 'approved', 'issued') OR (verifier_id IS NOT NULL AND reviewer_id IS NOT NULL)"
STAFFED_NEW = "state NOT IN ('assigned', 'in_review', 'awaiting_client', 'in_technical_review', 'approved', 'issued') OR (verifier_id IS NOT NULL AND reviewer_id IS NOT NULL)"


def downgrade():
    op.execute("UPDATE verification_case SET state = 'in_review' WHERE state = 'awaiting_client'")
    with op.batch_alter_table('verification_case', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_verification_case_state_known'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_verification_case_staffed_after_assignment'), type_='check')
        batch_op.create_check_constraint('state_known', STATES_OLD)
        batch_op.create_check_constraint('staffed_after_assignment', STAFFED_OLD)
    op.drop_table('site_visit')
    op.drop_table('case_conclusion')
    op.drop_table('nc_correction')
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_finding_closed_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('closed_by_id')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('nc_status')
    op.drop_table('evidence_link')
    with op.batch_alter_table('evidence_file', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_evidence_file_replaces_id_evidence_file'), type_='foreignkey')
        batch_op.drop_column('superseded_at')
        batch_op.drop_column('replaces_id')
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_answer_reused_from_case_id_verification_case'), type_='foreignkey')
        batch_op.drop_column('reused_from_criterion')
        batch_op.drop_column('reused_from_case_id')
    op.drop_table('methodology_release')
