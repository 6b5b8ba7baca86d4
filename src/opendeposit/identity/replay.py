"""The replay registry: every picture of every liveness attempt, by exact digest and perceptual
hash, so that a picture seen before — on any attempt, of any application — is refused.

Near copies are found with a multi-index: the 64-bit hash is cut into four 16-bit bands, and a
copy at most three bits away shares at least one band exactly (an indexed lookup); candidates
are then confirmed by bit distance and by their 16×16 thumbnails.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit import clock
from opendeposit.identity.antispoof import Check, SpoofPolicy, bands, hamming, thumb_distance
from opendeposit.identity.models import liveness_frame_seen as seen


async def find(conn: AsyncConnection, *, digests: list[str], hashes: list[tuple[int, bytes]],
               policy: SpoofPolicy, exact_only: set[int] | None = None) -> Check:
    """The replay check of one upload (pictures in order, selfie first). Positions in
    `exact_only` (the sandbox's signed kit pictures) are matched by their digest alone."""
    exact = set((await conn.execute(select(seen.c.sha256).where(
        seen.c.sha256.in_(digests)))).scalars())
    for pos, digest in enumerate(digests):
        if digest in exact:
            return Check("replay", 0.0, False, "the same file as in an earlier attempt", pos)
    for pos, (value, thumb) in enumerate(hashes):
        if exact_only and pos in exact_only:
            continue
        b = bands(value)
        rows = (await conn.execute(select(seen.c.phash, seen.c.thumb).where(or_(
            seen.c.b0 == b[0], seen.c.b1 == b[1], seen.c.b2 == b[2], seen.c.b3 == b[3]))
            .limit(500))).all()
        for row in rows:
            bits = hamming(value, row.phash)
            if bits <= policy.replay_bits and \
                    thumb_distance(thumb, row.thumb) <= policy.replay_thumb:
                return Check("replay", float(bits), False, "a copy of an earlier picture", pos)
    return Check("replay", 64.0, True)


async def remember(conn: AsyncConnection, *, application_id: int, attempt: int,
                   digests: list[str], hashes: list[tuple[int, bytes]]) -> None:
    now = clock.utcnow()
    rows = []
    for pos, (digest, (value, thumb)) in enumerate(zip(digests, hashes, strict=True)):
        b = bands(value)
        rows.append({"application_id": application_id, "attempt": attempt,
                     "kind": "selfie" if pos == 0 else "frame", "sha256": digest,
                     "phash": value, "b0": b[0], "b1": b[1], "b2": b[2], "b3": b[3],
                     "thumb": thumb, "created_at": now})
    if rows:
        await conn.execute(seen.insert(), rows)
