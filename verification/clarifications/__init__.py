"""Clarification requests: the verifier asks, the organisation answers, per criterion."""
