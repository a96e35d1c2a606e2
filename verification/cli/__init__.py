"""``flask`` sub-commands: users, orgs, keys, demo, serve."""

from flask import Flask


def register(app: Flask) -> None:
    from .accounts import orgs, users
    from .demo import demo
    from .keys import keys
    from .serve import serve

    for command in (users, orgs, keys, demo, serve):
        app.cli.add_command(command)
