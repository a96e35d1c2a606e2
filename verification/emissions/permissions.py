"""Who may change a case's carbon data. None of these raises."""

from __future__ import annotations

from ..cases import permissions as case_permissions


def can_edit_activity(user, case) -> bool:
    """Activity lines, instruments and denominators change with the answers: draft only."""
    return case_permissions.can_edit_case(user, case)


def can_verify_activity(user, case) -> bool:
    """Verified values and materiality are the verifier's, while reviewing."""
    return case_permissions.can_record_finding(user, case)
