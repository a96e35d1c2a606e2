"""The case workflow: states, transitions and their guards. Pure: no Flask, no database."""
