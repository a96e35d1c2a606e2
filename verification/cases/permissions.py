"""Who may see and do what on a case. Views, templates and tests ask these functions.

None of them raises; each answers for one user and one object in its current state.
"""

from __future__ import annotations

from ..accounts.models import Role
from ..workflow.rules import EDITABLE_STATES, RESPONDING_STATES, REVIEWING_STATES, Actor, State


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def is_member(user, case) -> bool:
    return _signed_in(user) and user.organisation_id == case.organisation_id


def is_vb_admin(user, case) -> bool:
    return (
        _signed_in(user)
        and user.has_role(Role.VB_ADMIN)
        and user.organisation_id == case.verification_body_id
    )


def can_view_case(user, case) -> bool:
    if not _signed_in(user):
        return False
    if user.has_role(Role.PLATFORM_ADMIN) or is_member(user, case):
        return True
    if is_vb_admin(user, case):
        return case.state != State.DRAFT
    return user.id in (case.verifier_id, case.reviewer_id) or is_team_member(user, case)


def is_team_member(user, case) -> bool:
    """On the case's verification team besides the lead (they see the case; the lead acts)."""
    from ..review.accreditation_services import team_ids

    return _signed_in(user) and case.verifier_id is not None and user.id in team_ids(case)


def can_edit_case(user, case) -> bool:
    """Answers and evidence change only in draft, and only by the organisation."""
    return is_member(user, case) and State(case.state) in EDITABLE_STATES


def can_record_finding(user, case) -> bool:
    return (
        _signed_in(user) and user.id == case.verifier_id and State(case.state) in REVIEWING_STATES
    )


def can_raise_clarification(user, case) -> bool:
    """The case's verifier, while reviewing (also whether they may ask again or close)."""
    return can_record_finding(user, case)


def can_answer_clarification(user, case) -> bool:
    """A member of the organisation, while the case is with the verification body."""
    return is_member(user, case) and State(case.state) in RESPONDING_STATES


def can_open_case(user) -> bool:
    return _signed_in(user) and user.has_role(Role.SME_ADMIN, Role.SME_MEMBER)


def actor(user, case) -> Actor:
    """The user described relative to the case, for the workflow guards."""
    if not _signed_in(user):
        return Actor(user_id=None)
    return Actor(
        user_id=user.id,
        is_case_member=is_member(user, case),
        is_case_vb_admin=is_vb_admin(user, case),
        is_case_verifier=user.id == case.verifier_id,
        is_case_reviewer=user.id == case.reviewer_id,
    )
