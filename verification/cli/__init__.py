"""``flask`` sub-commands: users, orgs, keys, demo, serve, carbon."""

from flask import Flask


def register(app: Flask) -> None:
    from .accounts import orgs, users
    from .carbon import carbon
    from .demo import demo
    from .keys import keys
    from .serve import serve

    for command in (users, orgs, keys, demo, serve, carbon):
        app.cli.add_command(command)
