"""models package (built in later issues)."""
