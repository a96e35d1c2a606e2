"""Methodologies are data: versioned YAML files validated on load. Pure: no Flask."""
