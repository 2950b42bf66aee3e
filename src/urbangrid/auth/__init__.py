"""Authentication: password hashing, bearer tokens and the caller's principal."""
