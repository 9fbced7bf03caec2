"""Whose address a request comes from: the peer, or what a trusted reverse proxy says in ``X-Forwarded-For``.

``CUAKHAU_TRUSTED_PROXIES`` lists the proxies (addresses and networks, comma-separated; ``*`` for any peer, only
when nothing but the proxy can reach the server). Unset, no forwarding header is believed, whoever sends it:
otherwise a client could name a fresh address on every request and escape the per-address login limit.

From a trusted peer the client is the right-most address in ``X-Forwarded-For`` that is not itself a trusted
proxy (each proxy appends the address it was reached from; what is left of it was written by the client). The
same rule is applied by uvicorn under ``cuakhau serve`` (``forwarded_allow_ips``) and by :func:`client_address`
for other servers and the tests; applied twice it gives the same answer.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_entries(text: str) -> list[str]:
    """The comma-separated setting as a list, each entry checked (``ValueError`` names a bad one)."""
    entries = [part.strip() for part in text.split(",") if part.strip()]
    for entry in entries:
        if entry != "*":
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"not an address or network: {entry!r}") from None
    return entries


def _host_of(value: str) -> str:
    """An ``X-Forwarded-For`` entry without a port (``1.2.3.4:5``, ``[::1]:5``); other text as it is."""
    value = value.strip()
    if value.startswith("[") and "]" in value:
        return value[1 : value.index("]")]
    if value.count(":") == 1:
        return value.split(":", 1)[0]
    return value


@dataclass(frozen=True, slots=True)
class TrustedProxies:
    entries: tuple[str, ...] = ()
    any_peer: bool = False
    networks: tuple[Network, ...] = field(default=())

    @classmethod
    def of(cls, entries: str | Iterable[str] = ()) -> TrustedProxies:
        listed = parse_entries(entries) if isinstance(entries, str) else parse_entries(",".join(entries))
        networks = tuple(ipaddress.ip_network(e, strict=False) for e in listed if e != "*")
        return cls(tuple(listed), "*" in listed, networks)

    def __bool__(self) -> bool:
        return bool(self.entries)

    def trusts(self, host: str) -> bool:
        if self.any_peer:
            return True
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    def client_address(self, peer: str, forwarded_for: Iterable[str]) -> str:
        """The client's address given the connection's ``peer`` and the ``X-Forwarded-For`` header values."""
        if not self.trusts(peer):
            return peer
        hops = [_host_of(hop) for value in forwarded_for for hop in value.split(",") if hop.strip()]
        for hop in reversed(hops):
            if not self.trusts(hop):
                return hop
        return hops[0] if hops else peer

    @property
    def forwarded_allow_ips(self) -> str:
        """uvicorn's ``forwarded_allow_ips`` for the same rule (with ``proxy_headers`` only when any is listed:
        uvicorn's own default would trust 127.0.0.1)."""
        return ",".join(self.entries)
