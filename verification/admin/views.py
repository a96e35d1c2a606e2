"""Platform administration: an overview of organisations, people and issuance."""

from flask import Blueprint, render_template
from sqlalchemy import select

from ..access import signed_in
from ..accounts.models import Organisation, Role, User
from ..extensions import db
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
