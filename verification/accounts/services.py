"""Creating organisations and users, and checking sign-in."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..extensions import db
from ..sectors import is_section
from .models import ADMIN_ROLE_BY_KIND, ROLES_BY_KIND, Organisation, OrgKind, Role, User
from .passwords import check_against_dummy, check_password, hash_password, needs_rehash
from .policy import password_problem


class AccountError(ValueError):
    """A request that cannot be carried out; the message is fit to show the user."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def find_organisation(name: str) -> Organisation | None:
    return db.session.scalar(
        select(Organisation).where(func.lower(Organisation.name) == name.strip().lower())
    )


def _check_sector(sector: str | None) -> None:
    if sector is not None and not is_section(sector):
        raise AccountError(
            _(
                "%(sector)s is not a NACE Rev. 2 section: the sector is a letter A to U.",
                sector=sector,
            )
        )


def _country(country: str | None) -> str | None:
    """An ISO 3166-1 alpha-2 code, upper-cased; None for none. Raises :class:`AccountError`."""
    if country is None or not country.strip():
        return None
    code = country.strip().upper()
    if not (len(code) == 2 and code.isascii() and code.isalpha()):
        raise AccountError(_("The country must be a two-letter ISO code, such as CN or DE."))
    return code


def create_organisation(
    kind: OrgKind, name: str, country: str | None = None, sector: str | None = None
) -> Organisation:
    """Raises :class:`AccountError` if the name is taken, the country is not a two-letter
    code or the sector is not a NACE Rev. 2 section letter (A to U)."""
    country = _country(country)
    _check_sector(sector)
    if find_organisation(name) is not None:
        raise AccountError(_("An organisation named %(name)s already exists.", name=name.strip()))
    org = Organisation(kind=str(kind), name=name.strip(), country=country, sector=sector)
    db.session.add(org)
    db.session.flush()
    return org


def can_edit_organisation(user: User, organisation: Organisation) -> bool:
    """Change the country and sector: the organisation's own admin (SME admin of an SME,
    VB admin of a verification body; lenders have no admin role), or any platform admin."""
    if user.has_role(Role.PLATFORM_ADMIN):
        return True
    admin_role = ADMIN_ROLE_BY_KIND.get(OrgKind(organisation.kind))
    return (
        admin_role is not None
        and user.organisation_id == organisation.id
        and user.has_role(admin_role)
    )


def update_organisation(
    organisation: Organisation, country: str | None, sector: str | None
) -> Organisation:
    """Record the organisation's country (ISO 3166-1 alpha-2, upper-cased; None for none)
    and sector (a NACE Rev. 2 section letter; None for none).

    Cases already opened keep the sector they pinned (``cases.services.open_case``); cases
    opened afterwards pin the new one. Raises :class:`AccountError` for a new country that
    is not two letters or a sector that is not a letter A to U; nothing is changed then.
    The country as stored is kept as it is: ``flask orgs set-sector`` passes it back, and
    organisations made before countries were checked may hold another value.
    """
    if country != organisation.country:
        country = _country(country)
    _check_sector(sector)
    organisation.country = country
    organisation.sector = sector
    db.session.flush()
    return organisation


def create_user(org: Organisation, role: Role, email: str, name: str, password: str) -> User:
    """Raises :class:`AccountError` for a taken email, a weak password, or a role the
    organisation cannot hold."""
    if role not in ROLES_BY_KIND[OrgKind(org.kind)]:
        raise AccountError(
            _("This kind of organisation cannot have a %(role)s user.", role=role.value)
        )
    if find_user(email) is not None:
        raise AccountError(_("An account with this email address already exists."))
    problem = password_problem(password, user_inputs=(email, name))
    if problem:
        raise AccountError(problem)
    user = User(
        organisation_id=org.id,
        role=str(role),
        email=normalise_email(email),
        name=name.strip(),
        password_hash=hash_password(password),
    )
    db.session.add(user)
    db.session.flush()
    return user


def register_sme(
    org_name: str, country: str, sector: str, name: str, email: str, password: str
) -> User:
    """Self-registration: a new SME organisation and its first (admin) user.

    Raises :class:`AccountError`; checks everything before writing anything.
    """
    if find_user(email) is not None:
        raise AccountError(_("An account with this email address already exists."))
    problem = password_problem(password, user_inputs=(email, name))
    if problem:
        raise AccountError(problem)
    org = create_organisation(OrgKind.SME, org_name, country=country, sector=sector)
    return create_user(org, Role.SME_ADMIN, email, name, password)


def authenticate(email: str, password: str) -> User | None:
    """The user if the email and password match an active account, else None (same cost)."""
    user = find_user(email)
    if user is None:
        check_against_dummy(password)
        return None
    if not check_password(user.password_hash, password) or not user.active:
        return None
    if needs_rehash(user.password_hash):  # the cost parameters were raised since
        user.password_hash = hash_password(password)
    return user
