"""reports package (built in later issues)."""
