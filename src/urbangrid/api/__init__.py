"""HTTP API: app factory, shared dependencies and error rendering."""
