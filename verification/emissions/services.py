"""Activity lines, instruments, profile and factor datasets of a case, and its carbon result.

Every figure comes from the pure engine (``verification.carbon``); this module only turns
rows into engine input and checks what the engine cannot know (ownership, certificates
claimed once on the whole platform).
"""

from __future__ import annotations

import hashlib
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..carbon import model as engine
from ..carbon.calc import calculate
from ..carbon.errors import CarbonError
from ..carbon.factors import FactorLibrary, load_csv, shipped_library
from ..carbon.missing import MISSING
from ..cases.models import Case
from ..cases.services import log, methodology_of
from ..extensions import db
from ..i18n import translate
from .models import ActivityLine, CarbonProfile, FactorDataset, Instrument


class EmissionsError(ValueError):
    """Input that cannot be accepted; ``problems`` lists every reason, fit to show."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


def carbon_message(exc: CarbonError) -> list[str]:
    return [translate(exc.message), *(translate(p) for p in exc.problems)]


# --- the factor library: shipped datasets plus those imported by admins -------------------

_library_cache: dict[tuple, FactorLibrary] = {}


def library() -> FactorLibrary:
    """Shipped factors and every imported dataset; cached per set of datasets."""
    rows = db.session.execute(
        select(FactorDataset.id, FactorDataset.sha256).order_by(FactorDataset.id)
    ).all()
    key = tuple(tuple(r) for r in rows)
    if key not in _library_cache:
        factors = list(shipped_library().values())
        for dataset in db.session.scalars(select(FactorDataset).order_by(FactorDataset.id)):
            factors += load_csv(dataset.csv_text, source_name=f"{dataset.name} {dataset.version}")
        _library_cache.clear()
        _library_cache[key] = FactorLibrary(factors)
    return _library_cache[key]


def import_factor_dataset(user: User, name: str, version: str, csv_text: str) -> FactorDataset:
    """Store a new dataset version. Raises :class:`EmissionsError` listing every bad row,
    a name and version already imported, or a key that another dataset already uses."""
    try:
        factors = load_csv(csv_text, source_name=name)
    except CarbonError as exc:
        raise EmissionsError(carbon_message(exc)) from None
    existing = db.session.scalar(
        select(FactorDataset).where(FactorDataset.name == name, FactorDataset.version == version)
    )
    if existing is not None:
        raise EmissionsError(
            [_("%(name)s %(version)s is already imported.", name=name, version=version)]
        )
    taken = sorted({f.key for f in factors} & set(library()))
    if taken:
        raise EmissionsError(
            [
                _(
                    "These factor keys already exist (a new version needs new keys): %(keys)s.",
                    keys=", ".join(taken),
                )
            ]
        )
    dataset = FactorDataset(
        name=name.strip(),
        version=version.strip(),
        sha256=hashlib.sha256(csv_text.encode()).hexdigest(),
        csv_text=csv_text,
        factor_count=len(factors),
        imported_by_id=user.id,
    )
    db.session.add(dataset)
    db.session.flush()
    return dataset


# --- turning rows into engine input -------------------------------------------------------


def lines_of(case: Case) -> list[ActivityLine]:
    return list(
        db.session.scalars(
            select(ActivityLine).where(ActivityLine.case_id == case.id).order_by(ActivityLine.id)
        )
    )


def profile_of(case: Case) -> CarbonProfile:
    profile = db.session.get(CarbonProfile, case.id)
    return profile if profile is not None else CarbonProfile(case_id=case.id)


def _dec(text: str | None) -> Decimal | None:
    return Decimal(text) if text not in (None, "") else None


def _engine_line(row: ActivityLine) -> engine.ActivityLine:
    return engine.ActivityLine(
        id=row.ref,
        scope=row.scope,
        category=row.category,
        factor=row.factor_key,
        quantity=Decimal(row.quantity),
        unit=row.unit,
        site=row.site,
        period_start=row.period_start,
        period_end=row.period_end,
        data_type=row.data_type,
        evidence=tuple(row.evidence_refs.split()),
        verified_quantity=_dec(row.verified_quantity),
        verified_reason=row.verified_reason,
        instruments=tuple(i.tracking_id for i in row.instruments),
    )


def _criterion_lines(case: Case) -> list[engine.ActivityLine]:
    """Carbon criteria of the methodology answered on the checklist count as lines too."""
    found = []
    for criterion in methodology_of(case).criteria:
        answer = case.answer_for(criterion.code)
        if criterion.carbon is None or answer is None:
            continue
        found.append(
            engine.ActivityLine(
                id=criterion.code,
                scope=2,
                category="purchased_electricity",
                factor=criterion.carbon.factor,
                quantity=Decimal(answer.value),
                unit=answer.unit or "",
                site=None,
                period_start=case.period_start,
                period_end=case.period_end,
                data_type="invoice",
                evidence=(),
                verified_quantity=None,
                verified_reason=None,
                instruments=(),
            )
        )
    return found


def engine_input(case: Case) -> engine.CalcInput:
    rows = lines_of(case)
    profile = profile_of(case)
    instruments = [
        engine.Instrument(
            tracking_id=i.tracking_id,
            kind=i.kind,
            volume_mwh=Decimal(i.volume_mwh),
            vintage=i.vintage,
            region=i.region,
            factor_kg_per_kwh=Decimal(i.factor_kg_per_kwh),
        )
        for row in rows
        for i in row.instruments
    ]
    revenue = _dec(profile.revenue)
    production = _dec(profile.production_quantity)
    return engine.CalcInput(
        lines=tuple(_criterion_lines(case) + [_engine_line(r) for r in rows]),
        instruments=tuple(instruments),
        gwp_set=profile.gwp_set or "AR6",
        materiality=Decimal(profile.materiality or "0.05"),
        revenue=(revenue, profile.revenue_currency) if revenue is not None else None,
        employees=_dec(profile.employees),
        production=(production, profile.production_unit or "", profile.declared_unit or "")
        if production is not None
        else None,
        cbam_goods_tonnes=_dec(profile.cbam_goods_tonnes),
        region=profile.region or None,
    )


def result_of(case: Case):
    """(result, None) or (None, problems): a problem is shown, never a guessed number."""
    try:
        return calculate(engine_input(case), library()), None
    except CarbonError as exc:
        return None, carbon_message(exc)


# --- changing the data ---------------------------------------------------------------------


def number(text: str, what: str) -> str:
    """Exact decimal text. Raises :class:`EmissionsError`."""
    try:
        value = Decimal(str(text).replace(",", "").strip())
    except InvalidOperation:
        raise EmissionsError(
            [_("%(what)s: %(text)s is not a number.", what=what, text=text)]
        ) from None
    if not value.is_finite() or value < 0:
        raise EmissionsError([_("%(what)s: enter a number of zero or more.", what=what)])
    return format(value, "f")


def check_line(row: ActivityLine) -> None:
    """Run the engine on the line alone. Raises :class:`EmissionsError` with its reason."""
    try:
        calculate(engine.CalcInput(lines=(_engine_line(row),), instruments=()), library())
    except CarbonError as exc:
        raise EmissionsError(carbon_message(exc)) from None


def add_line(case: Case, user: User, row: ActivityLine) -> ActivityLine:
    """Add a checked line. Raises :class:`EmissionsError`."""
    row.case_id, row.created_by_id = case.id, user.id
    check_line(row)
    db.session.add(row)
    db.session.flush()
    log(
        case,
        user,
        "activity_line_added",
        None,
        None,
        f"{row.ref} {row.quantity} {row.unit} {row.factor_key}",
    )
    return row


def delete_line(case: Case, user: User, row: ActivityLine) -> None:
    """Remove a line and the certificates it claimed (they become free to claim again)."""
    for instrument in row.instruments:
        db.session.delete(instrument)
    db.session.delete(row)
    db.session.flush()
    log(case, user, "activity_line_deleted", None, None, row.ref)


def missing_factors() -> list[tuple[str, str]]:
    """Factors the product was asked for but does not ship, with the reason, translated."""
    return [(translate(m.what), translate(m.why)) for m in MISSING]


def add_instrument(
    case: Case, user: User, line: ActivityLine, instrument: Instrument
) -> Instrument:
    """Claim a certificate for a line. Raises :class:`EmissionsError` when it is claimed
    elsewhere, saying where.

    A certificate covers one claim. Its tracking id may be claimed again only after the
    claims before it lost their force: those in withdrawn cases (never to be issued), and the
    one in the case of a statement this case corrects, which its statement will supersede.
    The new claim then follows the last one, so the chain of claims stays on record.
    """
    last = _last_claim(instrument.tracking_id)
    if last is not None:
        standing = _standing_claim(case, last)
        if standing is not None:
            raise EmissionsError(_used_where(case, standing))
        instrument.follows_id = last.id
    instrument.case_id, instrument.line_id, instrument.created_by_id = case.id, line.id, user.id
    try:
        with db.session.begin_nested():
            db.session.add(instrument)
    except IntegrityError:  # claimed at the same moment by another request
        last = _last_claim(instrument.tracking_id)
        raise EmissionsError(_used_where(case, last) if last else [_("Already claimed.")]) from None
    log(case, user, "instrument_claimed", None, None, f"{instrument.tracking_id} on {line.ref}")
    return instrument


def _last_claim(tracking_id: str) -> Instrument | None:
    """The latest claim of a certificate (a claim only ever follows an earlier one)."""
    return db.session.scalar(
        select(Instrument)
        .where(Instrument.tracking_id == tracking_id)
        .order_by(Instrument.id.desc())
        .limit(1)
    )


def _standing_claim(case: Case, last: Instrument) -> Instrument | None:
    """The claim that stops ``case`` claiming the certificate again, or None."""
    from ..workflow.rules import State

    corrected = _corrected_cases(case)
    claim: Instrument | None = last
    while claim is not None:
        if claim.case_id == case.id:
            return claim
        if db.session.get(Case, claim.case_id).state != State.WITHDRAWN:
            return None if claim.case_id in corrected else claim
        claim = db.session.get(Instrument, claim.follows_id) if claim.follows_id else None
    return None


def _corrected_cases(case: Case) -> set[int]:
    """The cases whose statements ``case`` corrects, directly or through earlier corrections."""
    from ..statements.models import Statement, StatementCorrection

    found: set[int] = set()
    current = case.id
    while (correction := db.session.get(StatementCorrection, current)) is not None:
        current = db.session.get(Statement, correction.statement_id).case_id
        if current in found:
            break
        found.add(current)
    return found


def _used_where(case: Case, earlier: Instrument) -> list[str]:
    owner = db.session.get(Case, earlier.case_id)
    problems = [
        _(
            "Certificate %(id)s is already claimed in case %(case)d of %(org)s (line L%(line)d); "
            "a certificate covers one claim only.",
            id=earlier.tracking_id,
            case=owner.id,
            org=owner.organisation.name,
            line=earlier.line_id,
        )
    ]
    if owner.organisation_id == case.organisation_id and owner.id != case.id:
        problems.append(
            _(
                "If this case corrects the statement of case %(case)d, ask its verification "
                "body to mark this case as the correction: the certificate can then be "
                "claimed again here.",
                case=owner.id,
            )
        )
    return problems


def verify_line(case: Case, user: User, row: ActivityLine, quantity: str, reason: str) -> None:
    row.verified_quantity = number(quantity, row.ref)
    row.verified_reason = reason.strip()
    row.verified_by_id = user.id
    db.session.flush()
    log(
        case,
        user,
        "activity_line_verified",
        None,
        None,
        f"{row.ref}: {row.verified_quantity} ({reason.strip()})",
    )


def stored_profile(case: Case) -> CarbonProfile:
    """The case's stored carbon settings, created with the defaults if there are none."""
    profile = db.session.get(CarbonProfile, case.id)
    if profile is None:
        profile = CarbonProfile(case_id=case.id, gwp_set="AR6", materiality="0.05")
        db.session.add(profile)
    return profile


def save_profile(case: Case, values: dict) -> CarbonProfile:
    """The SME's denominators and settings. Raises :class:`EmissionsError` for a bad number."""
    profile = stored_profile(case)
    for field in ("revenue", "employees", "production_quantity", "cbam_goods_tonnes"):
        raw = values.get(field)
        setattr(profile, field, number(raw, field) if raw not in (None, "") else None)
    for field in ("region", "revenue_currency", "production_unit", "declared_unit", "gwp_set"):
        setattr(profile, field, (values.get(field) or "").strip() or None)
    profile.gwp_set = profile.gwp_set or "AR6"
    if profile.production_quantity and not profile.production_unit:
        raise EmissionsError([_("Give the unit of the production quantity (e.g. t).")])
    if profile.revenue and not profile.revenue_currency:
        raise EmissionsError([_("Give the currency of the revenue.")])
    db.session.flush()
    return profile


def set_materiality(case: Case, user: User, value: str) -> None:
    """The verifier's threshold (a share of the total). Raises :class:`EmissionsError`."""
    share = Decimal(number(value, _("materiality")))
    if not Decimal(0) < share < Decimal(1):
        raise EmissionsError(
            [_("The materiality threshold is a share between 0 and 1, e.g. 0.05.")]
        )
    profile = stored_profile(case)
    profile.materiality = format(share, "f")
    from ..review.models import Conclusion

    conclusion = db.session.get(Conclusion, case.id)
    if conclusion is not None:  # one threshold per case: the conclusion states the same
        conclusion.materiality = profile.materiality
    db.session.flush()
    log(case, user, "materiality_set", None, None, profile.materiality)
