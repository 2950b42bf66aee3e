"""违法建设治理: illegal-construction control (register, change patches, enforcement steps)."""
