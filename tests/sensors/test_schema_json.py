"""The payload decoder reads JSON with orjson, falling back to the standard decoder.

Differential tests: for every payload, :func:`decode_payload` gives the same readings, or
the same reason and message, as it did with the standard decoder alone (issue 15). The
quarantine's reasons and the operators' messages must not change with the decoder.
"""

from __future__ import annotations

import json
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sensors import schema
from sensors.errors import PayloadError
from sensors.schema import decode_payload

SAME = settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
ID = {"site": "minh-khai", "line": "line-1", "sensor": "zone1_temp"}


def _outcome(payload: bytes) -> tuple:
    try:
        readings = decode_payload(payload, **ID)
    except PayloadError as exc:
        return ("error", exc.reason, str(exc))
    # repr keeps int vs float and -0.0 apart, which == would not.
    return ("ok", [(r.ts_us, repr(r.value), r.seq, r.unit, r.household) for r in readings])


def _same_as_standard(payload: bytes) -> None:
    fast = _outcome(payload)
    with mock.patch.object(schema, "FAST_JSON", False):
        plain = _outcome(payload)
    assert fast == plain


def _in_fields(text: str) -> list[bytes]:
    """``text`` as the payload, and in place of each field of a valid reading."""
    body = '{"v":1,"unit":"degC","ts":1559523600250,"value":1.5,"seq":3}'
    out = [text.encode()]
    for field, valid in (("v", "1"), ("unit", '"degC"'), ("ts", "1559523600250")):
        out.append(body.replace(f'"{field}":{valid}', f'"{field}":{text}', 1).encode())
    out.append(body.replace('"value":1.5', f'"value":{text}', 1).encode())
    out.append(body.replace('"seq":3', f'"seq":{text}', 1).encode())
    out.append(
        f'{{"v":1,"unit":"degC","readings":[{{"ts":1,"value":1.0,"seq":1}},{text}]}}'.encode()
    )
    return out


numbers = st.from_regex(r"\A-?(0|[1-9][0-9]{0,25})(\.[0-9]{1,25})?([eE][-+]?[0-9]{1,3})?\Z")
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=15,
)


@settings(SAME, max_examples=150)
@given(numbers)
def test_numbers_read_alike(text):
    for payload in _in_fields(text):
        _same_as_standard(payload)


@SAME
@given(json_values)
def test_json_documents_read_alike(doc):
    for ascii_only in (True, False):
        for payload in _in_fields(json.dumps(doc, allow_nan=True, ensure_ascii=ascii_only)):
            _same_as_standard(payload)


@SAME
@given(st.binary(max_size=200))
def test_random_bytes_read_alike(payload):
    _same_as_standard(payload)


@pytest.mark.parametrize(
    "payload",
    [
        b'{"v":1,"unit":"degC","ts":1559523600250,"value":NaN,"seq":1}',
        b'{"v":1,"unit":"degC","ts":1559523600250,"value":Infinity,"seq":1}',
        b'{"v":1,"unit":"degC","ts":1559523600250,"value":1e400,"seq":1}',
        b'{"v":1,"unit":"degC","ts":12345678901234567890123,"value":1.0,"seq":1}',
        b'{"v":1,"unit":"degC","ts":1559523600250,"value":1.0,"seq":18446744073709551616}',
        b'{"v":1,"unit":"degC","ts":1559523600250,"value":18446744073709551617,"seq":1}',
        b'{"v":1,"unit":"degC","ts":1559523600250,"value":-9223372036854775809,"seq":1}',
        b'{"v":1.0,"unit":"degC","ts":1559523600250,"value":1.0,"seq":1}',
        b'{"v":100000000000000000000,"unit":"degC"}',
        b'{"v":1,"unit":"\\ud800","ts":1559523600250,"value":1.0,"seq":1}',
        b'\xef\xbb\xbf{"v":1}',
        b'{"v":1,"unit":"degC","ts":1559523600250,"value":1.0,"seq":1}\xff',
        b'{"v":1,"unit":"deg\x01C"}',
        b'{"v":1,"v":2}',
        b"[" * 5000 + b"]" * 5000,
        b" \t\r\n{}\n",
        b"",
    ],
)
def test_what_orjson_refuses_keeps_the_standard_reason_and_message(payload):
    _same_as_standard(payload)


def test_an_integer_beyond_a_double_is_refused_not_a_crash():
    payload = b'{"v":1,"unit":"degC","ts":1559523600250,"value":' + b"9" * 400 + b',"seq":1}'
    with pytest.raises(PayloadError) as caught:
        decode_payload(payload, **ID)
    assert caught.value.reason == "non_finite"
    assert "400 digits" in str(caught.value)


def test_nan_is_still_refused_as_non_finite():
    payload = b'{"v":1,"unit":"degC","ts":1559523600250,"value":NaN,"seq":1}'
    with pytest.raises(PayloadError) as caught:
        decode_payload(payload, **ID)
    assert caught.value.reason == "non_finite"
