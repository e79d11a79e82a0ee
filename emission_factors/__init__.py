"""emission_factors package (built in later issues)."""
