"""FastJSONRenderer writes what DRF's JSONRenderer writes: the same bytes, but for how a
float's exponent is spelled (``1e-7`` for ``1e-07``: the same number)."""

import datetime
import decimal
import json

from django.utils.translation import gettext_lazy
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.renderers import JSONRenderer

from annotations.api.renderers import FastJSONRenderer

# Everything a serializer hands over: text in every plane (U+2028 and control characters
# included; never lone surrogates, which the API refuses on the way in and DRF cannot
# encode), integers of any size, floats, nested lists and objects.
text = st.text(st.characters(exclude_categories=["Cs"]))


def json_like(scalars):
    return st.recursive(
        scalars, lambda inner: st.lists(inner) | st.dictionaries(text, inner), max_leaves=30
    )


no_floats = st.none() | st.booleans() | st.integers() | text
floats = st.floats(allow_nan=False, allow_infinity=False)


def both(data, media_type="application/json"):
    return (
        FastJSONRenderer().render(data, media_type, {}),
        JSONRenderer().render(data, media_type, {}),
    )


@given(json_like(no_floats))
def test_same_bytes_as_drf(data):
    fast, drf = both(data)
    assert fast == drf


@given(json_like(no_floats | floats))
def test_same_values_as_drf_with_floats(data):
    fast, drf = both(data)
    assert (fast == drf == b"") or json.loads(fast) == json.loads(drf)


def test_types_drf_encodes_itself():
    data = {
        "at": datetime.datetime(2026, 6, 1, 12, 30, 5, tzinfo=datetime.UTC),
        "day": datetime.date(2026, 6, 1),
        "amount": decimal.Decimal("1.50"),
        "lazy": gettext_lazy("Not found."),
        "big": 10**30,
        "separator": "a\u2028b\u2029c",
    }
    fast, drf = both(data)
    assert fast == drf
    assert b'"2026-06-01T12:30:05Z"' in fast
    assert b"\\u2028" in fast


def test_indent_and_none():
    assert (
        both({"a": [1, 2]}, "application/json; indent=4")[0]
        == b'{\n    "a": [\n        1,\n        2\n    ]\n}'
    )
    assert FastJSONRenderer().render(None) == b""
