"""The attack set next to the genuine set, through the same checks the face and ID-card steps
run: which check refuses each attack, and how often each check refuses a genuine capture.

Used by bench/kyc_bench.py (the table in identity/docs.md) and, on a few cases, by the tests.
Liveness: genuine = simulated live captures (liveshot.live_sequence); attacks = the sandbox's
own warps without its signature, a still moved as a whole, a still animated by a smooth
landmark warp (with and without fresh noise), the genuine selfie on a simulated screen at three
pixel pitches, and replays of a genuine attempt (exact, re-encoded, resized, cropped).
Documents: genuine = generated cards, clean and phone-like; attacks = copy, screen re-shoot,
glare, cropped, thumb over the card, a field pasted after the photo, a temporary card.
"""

from __future__ import annotations

import random
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from opendeposit.identity import antispoof, doccheck, idcard, images
from opendeposit.identity.ports import Action

ACTIONS = [Action.TURN_LEFT, Action.BLINK, Action.OPEN_MOUTH, Action.TURN_RIGHT, Action.BLINK]
PHOTOS = ("obama", "obama2", "obama3", "biden", "astronaut")


def _verdict(checker: Any, engine: Any, selfie: Any, frames: list[Any],
             seen: list[tuple[int, bytes]]) -> tuple[str, list[str]]:
    """(the refusing check or "pass", every signal check that failed) for one attempt."""
    from opendeposit.identity.liveness import significant

    hashes = [antispoof.picture_hash(p) for p in [selfie, *frames]]
    pol = checker.policy
    for value, thumb in hashes:
        if any(antispoof.hamming(value, v) <= pol.replay_bits and
               antispoof.thumb_distance(thumb, t) <= pol.replay_thumb for v, t in seen):
            return "replay", ["replay"]
    faces = significant(engine.detect(selfie))
    if len(faces) != 1:
        return "face_not_found", []
    result = checker.check(actions=ACTIONS, selfie=selfie, selfie_face=faces[0], frames=frames,
                           frame_digests=[str(i) for i in range(len(frames))], mirrored=False)
    if result.problem == "LIVENESS_SCREEN":  # checked first, on the selfie alone
        return "screen", ["screen"]
    if not result.passed:
        return "action:" + str(result.problem), []
    failed = [c.name for c in result.signals if not c.passed]
    problem, deciding = antispoof.judge(result.signals, pol)
    return (deciding.name if problem and deciding else "pass"), failed


def liveness(engine: Any, photos: dict[str, Path], seeds: int) -> dict[str, Any]:
    import cv2

    from opendeposit.identity.liveness import ActionLiveness
    from opendeposit.identity.sandbox import facekit, liveshot

    checker = ActionLiveness(engine)
    out: dict[str, Counter[str]] = defaultdict(Counter)
    failing: dict[str, Counter[str]] = defaultdict(Counter)
    seen: list[tuple[int, bytes]] = []
    for name in PHOTOS:
        if name not in photos:
            continue
        img = cv2.imread(str(photos[name]))
        for seed in range(seeds):
            genuine = liveshot.live_sequence(engine, img, ACTIONS, seed=seed)
            cases = {
                "genuine (simulated live)": genuine,
                "genuine retry (same person, new capture)":
                    liveshot.live_sequence(engine, img, ACTIONS, seed=seed + 100),
                "sandbox warps, unsigned": facekit.face_kit(engine, img, ACTIONS, seed=seed),
                "still moved as a whole": liveshot.still_moved(engine, img, ACTIONS, seed=seed),
                "still, landmark warp": liveshot.still_animated(engine, img, ACTIONS,
                                                                seed=seed),
                "still, landmark warp + fresh noise": liveshot.still_animated(
                    engine, img, ACTIONS, seed=seed, fresh_noise=3.0),
            }
            for pitch in (1.3, 1.8, 2.6):
                cases[f"screen, pitch {pitch}"] = (liveshot.on_screen(genuine[0], pitch=pitch,
                                                                      seed=seed), genuine[1])
            for kind in ("exact", "reencoded", "resized", "cropped"):
                cases[f"replay, {kind}"] = liveshot.replays(*genuine, kind, seed=seed)
            first = [antispoof.picture_hash(p) for p in [genuine[0], *genuine[1]]]
            for label, (selfie, frames) in cases.items():
                known = seen + first if label.startswith(("replay", "genuine retry")) else seen
                verdict, failed = _verdict(checker, engine, selfie, frames, known)
                out[label][verdict] += 1
                failing[label].update(failed)
    return {label: {"n": sum(c.values()), "passed": c["pass"], "refused_by": dict(c),
                     "signals_failed": dict(failing[label])} for label, c in out.items()}


def documents(ocr: Any, engine: Any, portrait: Any, n: int) -> dict[str, Any]:
    from opendeposit.identity.sandbox import cardgen, people

    out: dict[str, Counter[str]] = defaultdict(Counter)
    times: list[float] = []
    for i, p in enumerate(people.people(n, seed=31)):
        front, back = cardgen.front(p, portrait, seed=i), cardgen.back(p, seed=i)
        photo = cardgen.phone_photo(front, seed=i)
        cases = {
            ("genuine, clean", "front"): front, ("genuine, clean", "back"): back,
            ("genuine, phone photo", "front"): photo,
            ("genuine, phone photo", "back"): cardgen.phone_photo(back, seed=i + 500),
            ("copy (grayscale)", "front"): cardgen.phone_photo(cardgen.grey_copy(front),
                                                               seed=i),
            ("screen re-shoot", "front"): cardgen.on_screen_card(
                cardgen.phone_photo(front, seed=i, blur=0.5), seed=i),
            ("glare", "front"): cardgen.with_glare(photo, seed=i),
            ("cropped", "front"): cardgen.cropped(photo),
            ("thumb over the card", "front"): cardgen.with_thumb(photo, seed=i),
            ("field pasted after the photo", "front"): cardgen.edited_name(
                photo.crop((100, 100, photo.width - 100, photo.height - 100)), p,
                random.Random(i).choice(["王小明", "李建华", "陈思远"])),
            ("temporary card", "back"): cardgen.phone_photo(cardgen.temporary_back(p),
                                                            seed=i),
        }
        for (label, side), img in cases.items():
            image = images.decode(cardgen.to_jpeg(img, 90)).image
            lines = ocr.read(image)
            t = time.process_time()
            found = doccheck.check_side(image, lines, side, find_face=lambda x: min(
                x.shape[:2]) < 40 or bool(engine.detect(x)))
            times.append(time.process_time() - t)
            codes = sorted({f.code for f in found})
            if side == "back":
                v = idcard.parse_back(lines).validity
                if v and doccheck.temporary_by_validity(v.valid_from, v.valid_to):
                    codes = sorted({*codes, "ID_CARD_TEMPORARY"})
            if idcard.side_of(lines) != side:
                codes = sorted({*codes, "unreadable"})
            out[label][",".join(codes) or "none"] += 1
    return {"cases": {label: dict(c) for label, c in out.items()},
            "check_cpu_s_p50": round(sorted(times)[len(times) // 2], 4)}


def run(ocr: Any, engine: Any, photos: dict[str, Path], *, seeds: int = 3,
        cards: int = 8) -> dict[str, Any]:
    from PIL import Image

    portrait = Image.open(photos["obama"]) if "obama" in photos else None
    return {"liveness": liveness(engine, photos, seeds) if photos else "no photos",
            "documents": documents(ocr, engine, portrait, cards)}


def markdown(report: dict[str, Any]) -> str:
    """The two tables of identity/docs.md."""
    rows = ["| liveness case | n | passed | refused by (count) | signal checks that failed |",
            "|---|---|---|---|---|"]
    for label, r in (report.get("liveness") or {}).items():
        by = ", ".join(f"{k} {v}" for k, v in sorted(r["refused_by"].items()) if k != "pass")
        sig = ", ".join(f"{k} {v}" for k, v in sorted(r["signals_failed"].items()))
        rows.append(f"| {label} | {r['n']} | {r['passed']} | {by or '—'} | {sig or '—'} |")
    rows += ["", "| ID-card case | warnings raised (count) |", "|---|---|"]
    for label, c in report["documents"]["cases"].items():
        rows.append(f"| {label} | {', '.join(f'{k} {v}' for k, v in sorted(c.items()))} |")
    return "\n".join(rows)
