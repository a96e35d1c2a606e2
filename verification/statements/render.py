"""Render a verification statement to a PDF/A-3b file with its data embedded as JSON.

Pure library code (no Flask): a standalone Jinja2 environment renders
``statements/statement.html``; WeasyPrint lays it out. The only files WeasyPrint may
read are those under ``static_dir``; nothing is fetched from the network.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import hashlib
import json
import logging
import mimetypes
import re
import warnings
from decimal import ROUND_HALF_UP, Decimal
from io import BytesIO
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import jinja2
import segno
from markupsafe import Markup
from weasyprint import CSS, HTML, Attachment
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .. import charts

TEMPLATE_NAME = "statements/statement.html"
STYLESHEET_NAME = "statement.css"
ATTACHMENT_NAME = "statement.json"
PDF_VARIANT = "pdf/a-3b"

_MM = 72 / 25.4
#: The box statement.css keeps free for the visible signature, on the last page:
#: (left, bottom, right, top) in PDF points. ``.signature-block`` is 95 x 22 mm in the
#: bottom-right corner of the page area (A4, 210 mm wide; margins 16 mm right, 17 mm bottom).
SIGNATURE_BOX = (
    round((210 - 16 - 95) * _MM, 2),
    round(17 * _MM, 2),
    round((210 - 16) * _MM, 2),
    round((17 + 22) * _MM, 2),
)

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")

logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


class Translations(Protocol):
    """What Jinja2's i18n extension needs (``gettext.NullTranslations`` fits)."""

    def gettext(self, message: str) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int) -> str: ...


class ResourceRefused(ValueError):
    """The template asked for a URL outside ``static_dir``; it is not fetched."""


class StaticOnlyFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves files under one directory and nothing else.

    Served: ``file:`` URLs of files inside ``static_dir``; URLs that start with
    ``base_url`` (mapped onto ``static_dir``, read from disk, never requested);
    ``data:`` URLs (decoded in memory). Everything else raises ``ResourceRefused``,
    which WeasyPrint logs (as an error) before leaving the resource out.
    """

    def __init__(self, static_dir: Path, base_url: str) -> None:
        super().__init__(allowed_protocols=("data",), allow_redirects=False)
        self._root = static_dir.resolve()
        self._base = _base_url(base_url)

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        """Return the resource at ``url``; raises ResourceRefused for anything not allowed."""
        if url.startswith("data:"):
            return super().fetch(url, headers)
        path = self.resolve(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            url, body=path.read_bytes(), headers={"Content-Type": content_type}
        )

    def resolve(self, url: str) -> Path:
        """Map ``url`` to an existing file under ``static_dir`` or raise ResourceRefused."""
        parts = urlsplit(url)
        if url.startswith(self._base):
            relative = unquote(urlsplit(url[len(self._base) :]).path)
            candidate = self._root / relative
        elif parts.scheme == "file" and parts.netloc in ("", "localhost"):
            candidate = Path(url2pathname(parts.path))
        else:
            raise ResourceRefused(f"refusing to fetch {url!r}: only static files are served")
        path = candidate.resolve()
        if not path.is_relative_to(self._root) or not path.is_file():
            raise ResourceRefused(f"refusing to fetch {url!r}: not a file under the static folder")
        return path


def statement_json_bytes(data: dict) -> bytes:
    """The exact bytes embedded as ``statement.json`` (UTF-8, sorted keys, indent 2).

    Raises:
        ValueError: ``data`` contains a circular reference.
    """
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, indent=2, default=str)
    return text.encode("utf-8")


def render_statement_pdf(
    data: dict,
    *,
    templates_dir: Path,
    static_dir: Path,
    base_url: str,
    translations: Translations | None = None,
) -> bytes:
    """Render ``data`` as a PDF/A-3b verification statement and return the PDF bytes.

    ``base_url`` is the URL that stands for ``static_dir`` (for instance
    ``static_dir.as_uri()``, the app's ``/static/`` URL, or simply the folder's path):
    relative links in the template resolve against it, and URLs under it are read from
    ``static_dir``. The statement JSON
    (``statement_json_bytes(data)``) is embedded as ``statement.json`` with relationship
    ``Data`` and its SHA-256 is printed on the page. A QR code links to
    ``data["registry_url"]`` when present. Missing figures print as "not available".

    Raises:
        ValueError: ``data`` has no "number".
        jinja2.TemplateNotFound: ``statements/statement.html`` is not in ``templates_dir``.
        FileNotFoundError: ``statement.css`` is not in ``static_dir``.
    """
    if not data.get("number"):
        raise ValueError("statement data needs a 'number'")
    payload = statement_json_bytes(data)
    digest = hashlib.sha256(payload).hexdigest()
    registry_url = data.get("registry_url")
    qr_uri = (
        segno.make(str(registry_url), error="m").svg_data_uri(scale=4, border=0, dark="#1b2733")
        if registry_url
        else None
    )
    env = _environment(templates_dir.resolve(), translations or _NULL_TRANSLATIONS)
    html = env.get_template(TEMPLATE_NAME).render(s=data, json_sha256=digest, qr_uri=qr_uri)

    base = _base_url(base_url)
    fetcher = StaticOnlyFetcher(static_dir, base)
    stylesheet = CSS(
        string=(static_dir / STYLESHEET_NAME).read_text(encoding="utf-8"),
        base_url=base,
        url_fetcher=fetcher,
    )
    issued = _parse_datetime(data.get("issued_at")) or dt.datetime.now(dt.UTC)
    attachment = Attachment(
        file_obj=BytesIO(payload),
        url_fetcher=fetcher,
        name=ATTACHMENT_NAME,
        description="Machine-readable data of this verification statement (JSON)",
        # WeasyPrint writes these with a literal "Z" suffix, so hand it UTC.
        created=issued.astimezone(dt.UTC),
        modified=issued.astimezone(dt.UTC),
        relationship="Data",
    )
    document = HTML(string=html, base_url=base, url_fetcher=fetcher)
    with warnings.catch_warnings():
        # WeasyPrint 70 opens its sRGB profile for the PDF/A output intent and never closes
        # it; the ResourceWarning is harmless but fatal under "-W error". Only this exact
        # warning is silenced. (catch_warnings is process-global; the worst a concurrent
        # render can do is leave this narrow filter installed.)
        warnings.filterwarnings(
            "ignore", message=r"unclosed file .*sRGB2014\.icc", category=ResourceWarning
        )
        return document.write_pdf(
            stylesheets=[stylesheet],
            attachments=[attachment],
            pdf_variant=PDF_VARIANT,
            finisher=_dedupe_associated_files,
        )


def _dedupe_associated_files(_document: Any, pdf: Any) -> None:
    """Drop duplicate entries from the catalog's /AF array.

    WeasyPrint 70 lists each attachment twice there (once from the EmbeddedFiles name
    tree, once from its scan for /Filespec objects).
    """
    associated = pdf.catalog.get("AF")
    if associated:
        associated[:] = list(dict.fromkeys(associated))


_NULL_TRANSLATIONS = gettext.NullTranslations()


@functools.lru_cache(maxsize=16)
def _environment(templates_dir: Path, translations: Translations) -> jinja2.Environment:
    """One environment per (folder, translations); cached because compiling costs time."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir),
        autoescape=True,
        undefined=jinja2.ChainableUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    env.filters["when"] = _format_when
    env.filters["decimals"] = _decimals
    # Charts drawn from the data while rendering (inline SVG; WeasyPrint lays it out).
    env.globals["pillar_bars"] = lambda *a, **k: Markup(charts.pillar_bars(*a, **k))
    env.globals["scope_bars"] = lambda *a, **k: Markup(charts.scope_bars(*a, **k))
    return env


def _decimals(value: Any, places: int = 1) -> Any:
    """A number printed with ``places`` decimals (half up); anything else as given."""
    number = charts.number(value)
    if number is None:
        return value
    step = Decimal(1).scaleb(-places)
    return format(number.quantize(step, rounding=ROUND_HALF_UP), "f")


def _format_when(value: Any) -> str:
    """ISO date stays ``YYYY-MM-DD``; an ISO timestamp becomes ``YYYY-MM-DD HH:MM UTC``.

    Anything unparseable is printed as given (never guessed at).
    """
    text = str(value)
    if len(text) == 10:
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            return text
    moment = _parse_datetime(text)
    if moment is None:
        return text
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _parse_datetime(value: Any) -> dt.datetime | None:
    """Parse an ISO 8601 timestamp with an offset; None if absent, naive or malformed."""
    if not isinstance(value, str | dt.datetime):
        return None
    try:
        moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _base_url(base_url: str) -> str:
    """``base_url`` as a URL ending in "/"; a plain filesystem path becomes a file: URL."""
    if not _SCHEME.match(base_url):
        base_url = Path(base_url).resolve().as_uri()
    return base_url if base_url.endswith("/") else base_url + "/"
