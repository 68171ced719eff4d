"""The address plan's overlap check on integer spans is ``IPv4Network.overlaps``."""

from __future__ import annotations

import ipaddress

from hypothesis import given
from hypothesis import strategies as st

from domain.networks import span, spans_overlap

networks = st.builds(
    lambda address, prefix: ipaddress.IPv4Network((address, prefix), strict=False),
    st.integers(min_value=0, max_value=2**32 - 1),
    st.integers(min_value=0, max_value=32),
)


@given(networks, networks)
def test_spans_overlap_exactly_when_the_networks_do(a, b) -> None:
    assert spans_overlap(span(a), span(b)) is a.overlaps(b)


def test_edges() -> None:
    a, b = ipaddress.IPv4Network("10.0.0.0/24"), ipaddress.IPv4Network("10.0.1.0/24")
    assert not spans_overlap(span(a), span(b))
    assert spans_overlap(span(a), span(ipaddress.IPv4Network("10.0.0.255/32")))
    assert span(a) == (int(a.network_address), int(a.broadcast_address))
