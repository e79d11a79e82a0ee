"""Composition root: CLI, configuration and wiring."""
