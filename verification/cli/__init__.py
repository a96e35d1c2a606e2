"""``flask`` sub-commands: users, orgs, keys, demo, serve, carbon, backup, restore."""

from flask import Flask


def register(app: Flask) -> None:
    from .accounts import orgs, users
    from .backup import backup, restore
    from .carbon import carbon
    from .demo import demo
    from .keys import keys
    from .serve import serve
    from .twofactor import reset_two_factor  # noqa: F401  (adds `users reset-two-factor`)

    for command in (users, orgs, keys, demo, serve, carbon, backup, restore):
        app.cli.add_command(command)
