"""``flask carbon calc FILE.json``: the engine on a JSON document, result as JSON."""

import json

import click
from flask.cli import with_appcontext

from ..carbon.calc import calculate
from ..carbon.document import parse_document, result_to_dict
from ..carbon.errors import CarbonError
from ..emissions.services import library


@click.group(help="The carbon engine.")
def carbon():
    pass


@carbon.command("calc")
@click.argument("document", type=click.File("rb"))
@with_appcontext
def calc(document):
    """Calculate the document (format: docs/carbon.md) and print the full result."""
    try:
        doc = json.loads(document.read())
        result = calculate(parse_document(doc), library())
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"not valid JSON: {exc}") from None
    except CarbonError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(result_to_dict(result), indent=2, ensure_ascii=False))
