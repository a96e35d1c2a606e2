"""Platform administration: an overview of organisations, people and issuance."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..access import signed_in
from ..accounts.models import Organisation, Role, User
from ..emissions import services as emissions
from ..emissions.forms import FactorDatasetForm
from ..emissions.models import FactorDataset
from ..extensions import db
from ..mail.models import OutboundEmail
from ..statements.models import IssuanceJob

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@signed_in(Role.PLATFORM_ADMIN)
def index():
    return render_template(
        "admin/index.html",
        organisations=db.session.scalars(select(Organisation).order_by(Organisation.name)).all(),
        users=db.session.scalars(select(User).order_by(User.email)).all(),
        jobs=db.session.scalars(
            select(IssuanceJob).order_by(IssuanceJob.id.desc()).limit(50)
        ).all(),
    )


@bp.route("/factors", methods=["GET", "POST"])
@signed_in(Role.PLATFORM_ADMIN)
def factors():
    """The factor library; an admin imports a new dataset version from CSV."""
    form = FactorDatasetForm()
    if form.validate_on_submit():
        raw = form.file.data.stream.read(5 * 1024 * 1024 + 1)
        try:
            if len(raw) > 5 * 1024 * 1024:
                raise emissions.EmissionsError([_("Factor files are limited to 5 MB.")])
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise emissions.EmissionsError([_("The file is not UTF-8 text.")]) from None
            dataset = emissions.import_factor_dataset(
                current_user, form.name.data, form.version.data, text
            )
        except emissions.EmissionsError as exc:
            db.session.rollback()
            for problem in exc.problems[:50]:
                flash(problem, "error")
            flash(_("Nothing was imported."), "error")
        else:
            flash(
                _(
                    "%(n)d factors imported as %(name)s %(version)s.",
                    n=dataset.factor_count,
                    name=dataset.name,
                    version=dataset.version,
                ),
                "success",
            )
            return redirect(url_for("admin.factors"))
    return render_template(
        "admin/factors.html",
        form=form,
        library=sorted(emissions.library().values(), key=lambda f: (f.dataset, f.key)),
        datasets=db.session.scalars(select(FactorDataset).order_by(FactorDataset.id)).all(),
        missing=emissions.missing_factors(),
    )


@bp.route("/outbox")
@signed_in(Role.PLATFORM_ADMIN)
def outbox():
    """Mail kept instead of sent, while mail goes to the log or to files (a laptop, a demo)."""
    from ..mail.services import backend_name, file_dir

    backend = backend_name(current_app.config)
    if backend == "smtp":
        abort(404)
    messages = db.session.scalars(
        select(OutboundEmail).order_by(OutboundEmail.id.desc()).limit(100)
    ).all()
    return render_template(
        "admin/outbox.html",
        messages=messages,
        backend=backend,
        mail_dir=str(file_dir(current_app)) if backend == "file" else "",
    )
