"""The scoring engine. Pure: no Flask, no database."""
