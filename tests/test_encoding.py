"""Re-encoding a view reuses the bytes of unchanged parts and gives exactly what the codec gives."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from server.hub.encoding import ViewEncoder
from server.protocol import CODECS

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),  # any script, quotes, backslashes, control characters
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=6), st.dictionaries(st.text(max_size=6), inner, max_size=6)),
    max_leaves=60,
)


def replace_some(value: Any, flips: list[bool]) -> Any:
    """A new version of ``value``: some parts rebuilt (new objects, maybe new content), the rest the same objects."""
    if not flips:
        return value
    flip = flips.pop()
    if isinstance(value, dict):
        return {k: replace_some(v, flips) for k, v in value.items()} if flip else value
    if isinstance(value, list):
        return [*(replace_some(v, flips) for v in value), "new"] if flip else value
    return value


@settings(max_examples=300, deadline=None)
@given(
    st.lists(values, min_size=1, max_size=4), st.lists(st.booleans(), max_size=40), st.sampled_from(["json", "msgpack"])
)
def test_successive_versions_encode_exactly_as_the_codec_does(
    versions: list[Any], flips: list[bool], codec: str
) -> None:
    encoder = ViewEncoder(codec)
    shared = {"people": [{"id": f"p{i}", "name": f"Person {i}"} for i in range(50)], "n": 1}
    for version in versions:
        for view in (
            {"type": "view", "data": {"v": version, "shared": shared}},
            {"type": "view", "data": {"v": replace_some(version, list(flips)), "shared": shared}},
        ):
            assert encoder.encode(view) == CODECS[codec].encode(view)


class Counting(ViewEncoder):
    """Records the length of every container it had to encode (not found by identity)."""

    __slots__ = ("encoded",)

    def _dump(self, value: Any, depth: int, out: list[str]) -> list[str]:
        if type(value) in (dict, list) and self._hit(value) is None:
            self.encoded.append(len(value))
        return super()._dump(value, depth, out)


def test_unchanged_parts_are_not_encoded_again() -> None:
    encoder = Counting("json")
    encoder.encoded = []
    big = [{"id": f"p{i}", "name": "x" * 50} for i in range(3000)]
    first = encoder.encode({"data": {"people": big, "speaker": "Ana"}})
    assert 3000 in encoder.encoded
    encoder.encoded = []
    second = encoder.encode({"data": {"people": big, "speaker": "Bo"}})
    assert first.replace('"Ana"', '"Bo"') == second
    assert 3000 not in encoder.encoded and sorted(encoder.encoded) == [1, 2]  # the message and its data, not the list
    encoder.encoded = []
    third = encoder.encode({"data": {"people": [*big, {"id": "new"}], "speaker": "Bo"}})  # a join: a new list
    assert 3001 in encoder.encoded and third.endswith('{"id":"new"}],"speaker":"Bo"}}')
