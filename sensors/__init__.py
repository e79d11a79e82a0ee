"""Line sensors: reading schema, MQTT topics, sensor catalogue and line simulators.

This package imports nothing else of ours; every other layer builds on it.
"""

from sensors.catalog import Catalog, SensorSpec
from sensors.errors import PayloadError, SensorsError, TopicError, ValidationError
from sensors.schema import SCHEMA_VERSION, Reading, decode_payload, encode_payload
from sensors.topics import TopicParts, build_topic, parse_topic

__all__ = [
    "SCHEMA_VERSION",
    "Catalog",
    "PayloadError",
    "Reading",
    "SensorSpec",
    "SensorsError",
    "TopicError",
    "TopicParts",
    "ValidationError",
    "build_topic",
    "decode_payload",
    "encode_payload",
    "parse_topic",
]
