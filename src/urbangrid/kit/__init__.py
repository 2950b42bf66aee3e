"""Shared helpers used by every domain (errors, column types, pagination, text)."""
