"""The public registry, the statement page, the PDF, the verify page and /trust.

These URLs are stable: lenders script against them.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, send_file
from sqlalchemy import select

from ..access import public
from ..extensions import db
from ..statements.models import TrustAnchor
from . import services
from .forms import VerifyForm
from .uploads import UploadTooLarge, read_bounded

bp = Blueprint("registry", __name__)


PER_PAGE = 25


def _page_number(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and 0 < int(raw) <= 100_000 else 1


def methodology_choices() -> list[tuple[str, str]]:
    """(code, title) of every methodology, one per code (the registry filter)."""
    from ..methodologies import registry as methodologies

    titles: dict[str, str] = {}
    for m in methodologies.all_methodologies():
        titles.setdefault(m.code, m.title)
    return sorted(titles.items())


@bp.route("/registry")
@public
def index():
    q = request.args.get("q", "")[:200]
    methodologies = methodology_choices()
    methodology = request.args.get("methodology", "")
    methodology = methodology if methodology in dict(methodologies) else ""
    status = request.args.get("status", "")
    status = status if status in services.STATUSES else ""
    results = services.find_statements(
        text=q,
        methodology=methodology or None,
        status=status or None,
        page=_page_number(request.args.get("page")),
        per_page=PER_PAGE,
    )
    return render_template(
        "registry/index.html",
        q=q,
        methodology=methodology,
        status=status,
        methodologies=methodologies,
        statuses=services.STATUSES,
        results=results,
        statements=results.items,
        today=services.today(),
    )


@bp.route("/registry/<number>.pdf")
@public
def pdf(number: str):
    statement = services.find(number)
    if statement is None:
        abort(404)
    store = current_app.extensions["file_store"]
    return send_file(
        store.path(statement.pdf_sha256),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"{statement.number}.pdf",
        etag=statement.pdf_sha256,
    )


@bp.route("/registry/<number>")
@public
def statement(number: str):
    statement = services.find(number)
    if statement is None:
        abort(404)
    import json

    from flask_login import current_user

    from ..statements import permissions as statement_permissions

    return render_template(
        "registry/statement.html",
        statement=statement,
        data=json.loads(statement.data_json),
        status=statement.current_status(services.today()),
        status_sentence=services.status_sentence(
            statement, statement.current_status(services.today())
        ),
        can_revoke=statement_permissions.can_revoke(current_user, statement),
        can_supersede=statement_permissions.can_supersede(current_user, statement),
    )


@bp.route("/verify", methods=["GET", "POST"])
@public
def verify():
    form = VerifyForm()
    report, error = None, None
    if form.validate_on_submit():
        try:
            report = services.verify_pdf(read_bounded(form.file.data))
        except UploadTooLarge as exc:
            error = str(exc)
    return render_template("registry/verify.html", form=form, report=report, error=error)


@bp.route("/trust")
@public
def trust():
    anchors = db.session.scalars(select(TrustAnchor).order_by(TrustAnchor.id)).all()
    return render_template("registry/trust.html", anchors=anchors)


@bp.route("/trust/<fingerprint>.pem")
@public
def trust_pem(fingerprint: str):
    anchor = db.session.scalar(select(TrustAnchor).where(TrustAnchor.fingerprint == fingerprint))
    if anchor is None:
        abort(404)
    from io import BytesIO

    return send_file(
        BytesIO(anchor.cert_pem.encode()),
        mimetype="application/x-pem-file",
        as_attachment=True,
        download_name=f"{fingerprint[:16]}.pem",
    )
