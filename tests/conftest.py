"""Shared test setup: real servers are started by the fixture modules below."""

pytest_plugins = ["tests.fixtures_mosquitto", "tests.fixtures_influxdb", "tests.fixtures_modbus"]
