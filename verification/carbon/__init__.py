"""The carbon engine: activity data times published emission factors. Pure: no Flask."""
