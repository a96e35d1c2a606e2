"""``flask`` sub-commands: users, orgs, keys, demo, serve, carbon, backup, restore, audit,
methodology, score."""

from flask import Flask


def register(app: Flask) -> None:
    from ..audit.cli import audit
    from .accounts import orgs, users
    from .backup import backup, restore
    from .carbon import carbon
    from .demo import demo
    from .keys import keys
    from .methodology import methodology
    from .score import score
    from .serve import serve
    from .twofactor import reset_two_factor  # noqa: F401  (adds `users reset-two-factor`)

    for command in (
        users,
        orgs,
        keys,
        demo,
        serve,
        carbon,
        backup,
        restore,
        audit,
        methodology,
        score,
    ):
        app.cli.add_command(command)
