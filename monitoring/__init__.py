"""Monitoring: collector, stores, quarantine. Imports ``sensors`` and nothing else of ours."""
