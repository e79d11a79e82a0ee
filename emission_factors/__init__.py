"""Emission-factor library: sourced factors with provenance and a loader.

Imports nothing of ours. See :mod:`emission_factors.library`.
"""
