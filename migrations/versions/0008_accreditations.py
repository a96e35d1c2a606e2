"""accreditations, conflict declarations, case team and due dates

Revision ID: 0008_accreditations
Revises: 0007_audit_chain
Create Date: 2026-11-28 11:20:00

"""
from alembic import op
import sqlalchemy as sa
import verification.types


# revision identifiers, used by Alembic.
revision = '0008_accreditations'
down_revision = '0007_audit_chain'
branch_labels = None
depends_on = None


# The sector was free text from a short list until this revision; it is now a NACE Rev. 2
# section letter (verification/sectors.py). Only unambiguous values are mapped; "food"
# (agriculture or food manufacturing), "services" and "other" become empty, to be set again.
OLD_SECTORS = {
    "textiles": "C",
    "electronics": "C",
    "machinery": "C",
    "chemicals": "C",
    "steel": "C",
    "aluminium": "C",
}


def upgrade():
    op.create_table('accreditation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('verification_body_id', sa.Integer(), nullable=False),
    sa.Column('methodology_codes', sa.Text(), nullable=False),
    sa.Column('sectors', sa.Text(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=False),
    sa.Column('accreditation_body', sa.String(length=100), nullable=False),
    sa.Column('number', sa.String(length=100), nullable=False),
    sa.Column('created_at', verification.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('valid_to >= valid_from', name=op.f('ck_accreditation_validity_ordered')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_accreditation_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_accreditation_user_id_user_account')),
    sa.ForeignKeyConstraint(['verification_body_id'], ['organisation.id'], name=op.f('fk_accreditation_verification_body_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accreditation'))
    )
    with op.batch_alter_table('accreditation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accreditation_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_accreditation_verification_body_id'), ['verification_body_id'], unique=False)

    op.create_table('conflict_declaration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('relationship', sa.String(length=200), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('declared_at', verification.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('declared_by_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('ended_on IS NULL OR ended_on >= started_on', name=op.f('ck_conflict_declaration_period_ordered')),
    sa.ForeignKeyConstraint(['declared_by_id'], ['user_account.id'], name=op.f('fk_conflict_declaration_declared_by_id_user_account')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_conflict_declaration_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_conflict_declaration_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conflict_declaration'))
    )
    with op.batch_alter_table('conflict_declaration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conflict_declaration_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_conflict_declaration_user_id'), ['user_id'], unique=False)

    op.create_table('case_team_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['verification_case.id'], name=op.f('fk_case_team_member_case_id_verification_case')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_case_team_member_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_team_member')),
    sa.UniqueConstraint('case_id', 'user_id', name=op.f('uq_case_team_member_case_id'))
    )
    with op.batch_alter_table('case_team_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_team_member_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_team_member_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('verification_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sector', sa.String(length=1), nullable=True))
        batch_op.add_column(sa.Column('due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('consultant_email', sa.String(length=254), nullable=True))

    organisation = sa.table('organisation', sa.column('id'), sa.column('sector'))
    case = sa.table('verification_case', sa.column('organisation_id'), sa.column('sector'))
    for old, section in OLD_SECTORS.items():
        op.execute(
            organisation.update().where(organisation.c.sector == old).values(sector=section)
        )
    letters = [chr(c) for c in range(ord('A'), ord('U') + 1)]
    op.execute(
        organisation.update()
        .where(organisation.c.sector.is_not(None), organisation.c.sector.not_in(letters))
        .values(sector=None)
    )
    op.execute(
        case.update().values(
            sector=sa.select(organisation.c.sector)
            .where(organisation.c.id == case.c.organisation_id)
            .scalar_subquery()
        )
    )


def downgrade():
    # In place (SQLite 3.35+ drops a plain column): recreating verification_case would
    # fail on SQLite while other tables' rows refer to it, and would lose its CHECKs.
    with op.batch_alter_table('verification_case', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('consultant_email')
        batch_op.drop_column('due_on')
        batch_op.drop_column('sector')

    with op.batch_alter_table('case_team_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_team_member_user_id'))
        batch_op.drop_index(batch_op.f('ix_case_team_member_case_id'))

    op.drop_table('case_team_member')
    with op.batch_alter_table('conflict_declaration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conflict_declaration_user_id'))
        batch_op.drop_index(batch_op.f('ix_conflict_declaration_organisation_id'))

    op.drop_table('conflict_declaration')
    with op.batch_alter_table('accreditation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accreditation_verification_body_id'))
        batch_op.drop_index(batch_op.f('ix_accreditation_user_id'))

    op.drop_table('accreditation')
    # The organisations' sector letters stay as they are (the old short list is not restored).
