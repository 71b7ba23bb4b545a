"""Which node owns which platform: a 12345 node owns 12345, a 110 node owns 110 and 122, integrated owns both."""

from __future__ import annotations

from liandong.config import NodeRole, Peer, Settings, get_settings

OWNED: dict[NodeRole, frozenset[str]] = {
    NodeRole.HOTLINE_12345: frozenset({"12345"}),
    NodeRole.POLICE_110: frozenset({"110", "122"}),
    NodeRole.INTEGRATED: frozenset({"12345", "110", "122"}),
}


def peer_for_platform(platform: str, settings: Settings | None = None) -> Peer | None:
    """The peer node that runs `platform`, or None when it is local or an external hotline (119/120/utility)."""
    settings = settings or get_settings()
    if settings.node_role == NodeRole.INTEGRATED or platform in OWNED[settings.node_role]:
        return None
    return next((p for p in settings.peers if platform in OWNED.get(p.role, frozenset())), None)


def remote_platforms(settings: Settings | None = None) -> set[str]:
    """Platforms run by a peer node: their transfers are answered (or expired) there, not here."""
    settings = settings or get_settings()
    return {p for p in ("12345", "110", "122") if peer_for_platform(p, settings) is not None}


def peer_by_id(node_id: str, settings: Settings | None = None) -> Peer | None:
    settings = settings or get_settings()
    return next((p for p in settings.peers if p.node_id == node_id), None)
