"""e-KYC on the local models: OCR field accuracy on generated ID cards (both sides; clean,
phone-like and rough photos — blur 1.6, noise, JPEG 55, ±10° — and rare characters), face
false accepts / rejects with score distributions, latency (p50/p95) per OCR side, per face
comparison and per liveness check of 5 frames — and the attack set: attack-pass and
genuine-reject rates per check for liveness (warped stills, replays, screens) and for the
ID-card document checks (copies, screen re-shoots, glare, cropped, covered, edited, temporary).

    .venv/bin/python bench/kyc_bench.py [--people 30] [--runs 15] [--out result.json]
    .venv/bin/python bench/kyc_bench.py --only attacks     # just the attack table
    .venv/bin/python bench/kyc_bench.py --only liveness --runs 30   # just liveness latency

"One core": onnxruntime and OpenCV run with one thread; latency is reported as CPU time
(time.process_time, what one core spends) next to wall-clock time and the load average,
because the machine may be shared. Models load once, before timing. Face photos come from PyPI
packages (identity/sandbox/samples.py, cached in ~/.cache/opendeposit/sample-faces); cards are
generated with Pillow; the live captures are simulated (identity/sandbox/liveshot.py).
"""

from __future__ import annotations

import argparse
import json
import os
import platform as pyplatform
import random
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

from opendeposit.identity import idcard, images
from opendeposit.identity.adapters.face_opencv import OpenCvFaceEngine
from opendeposit.identity.adapters.ocr_rapid import RapidOcrEngine
from opendeposit.identity.liveness import ActionLiveness, significant
from opendeposit.identity.ports import Action
from opendeposit.identity.sandbox import attackbench, cardgen, facekit, people, samples
from opendeposit.identity.sandbox.identities import BY_KEY

CACHE = Path(os.environ.get("OPENDEPOSIT_SAMPLE_FACES_DIR",
                            Path.home() / ".cache" / "opendeposit" / "sample-faces"))
FIELDS = ("name", "sex", "ethnicity", "birth", "address", "id_number", "authority",
          "valid_from", "valid_to")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(fn: Any, *args: Any) -> tuple[Any, float]:
    """(result, CPU seconds of this process) — one core's work, whatever the machine's load."""
    t = time.process_time()
    out = fn(*args)
    return out, time.process_time() - t


def walled(fn: Any, *args: Any) -> tuple[Any, float, float]:
    """(result, CPU seconds, wall seconds)."""
    w, t = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, time.process_time() - t, time.perf_counter() - w


# --------------------------------------------------------------------------- OCR


def read_card(ocr: RapidOcrEngine, img: Any) -> tuple[Any, float]:
    """OCR of one side as the service runs it (upright first), CPU seconds."""
    return timed(ocr.read, images.decode(cardgen.to_jpeg(img, 92)).image)


def ocr_bench(ocr: RapidOcrEngine, n: int, portrait: Any) -> dict[str, Any]:
    ok: Counter[str] = Counter()
    total: Counter[str] = Counter()
    errors, times = [], {"front": [], "back": []}
    rare_ok = rare_total = 0
    for i, p in enumerate(people.people(n, seed=2025)):
        front, back = cardgen.front(p, portrait, seed=i), cardgen.back(p, seed=i)
        rough = {"blur": 1.6, "noise": 10.0, "quality": 55,
                 "angle": random.Random(i).uniform(-10, 10)}
        variants = {"clean": (front, back),
                    "phone": (cardgen.phone_photo(front, seed=i),
                              cardgen.phone_photo(back, seed=1000 + i)),
                    "rough": (cardgen.phone_photo(front, seed=i, **rough),  # type: ignore[arg-type]
                              cardgen.phone_photo(back, seed=1000 + i, **rough))}
        for variant, (fi, bi) in variants.items():
            fl, tf = read_card(ocr, fi)
            bl, tb = read_card(ocr, bi)
            times["front"].append(tf)
            times["back"].append(tb)
            f, b = idcard.parse_front(fl), idcard.parse_back(bl)
            v = b.validity
            got = {"name": f.name, "sex": f.sex, "ethnicity": f.ethnicity,
                   "birth": f.birth_date, "address": f.address, "id_number": f.id_number,
                   "authority": b.authority, "valid_from": v and v.valid_from,
                   "valid_to": v.valid_to if v else "missing"}
            want = {"name": p.name, "sex": p.sex, "ethnicity": p.ethnicity, "birth": p.birth,
                    "address": p.address, "id_number": p.id_number, "authority": p.authority,
                    "valid_from": p.valid_from, "valid_to": p.valid_to}
            for field in FIELDS:
                total[f"{variant}:{field}"] += 1
                if got[field] == want[field]:
                    ok[f"{variant}:{field}"] += 1
                else:
                    errors.append({"person": i, "variant": variant, "field": field,
                                   "want": str(want[field]), "got": str(got[field])})
            rare = any(ch in people.RARE for ch in p.name)
            if rare:
                rare_total += 1
                rare_ok += got["name"] == p.name
    all_ok, all_total = sum(ok.values()), sum(total.values())
    by_field = {fld: round(sum(ok[k] for k in total if k.endswith(f":{fld}")) /
                           sum(n for k, n in total.items() if k.endswith(f":{fld}")), 4)
                for fld in FIELDS}
    return {"cards": n, "field_instances": all_total, "correct": all_ok,
            "accuracy": round(all_ok / all_total, 4),
            "accuracy_clean": _share(ok, total, "clean"),
            "accuracy_phone": _share(ok, total, "phone"),
            "accuracy_rough": _share(ok, total, "rough"), "by_field": by_field,
            "rare_name_reads": f"{rare_ok}/{rare_total}", "errors": errors,
            "latency_s": {side: {"p50": round(statistics.median(t), 3),
                                 "p95": round(pct(t, 0.95), 3), "n": len(t)}
                          for side, t in times.items()}}


def _share(ok: Counter[str], total: Counter[str], variant: str) -> float:
    keys = [k for k in total if k.startswith(variant)]
    return round(sum(ok[k] for k in keys) / sum(total[k] for k in keys), 4)


# --------------------------------------------------------------------------- faces


def face_set(engine: OpenCvFaceEngine, photos: dict[str, Path]) -> list[tuple[str, Any]]:
    """(person, image): every sample photo, three phone-like variants of each, group faces."""
    import cv2

    out = []
    rnd = random.Random(7)
    for name, path in sorted(photos.items()):
        image = cv2.imread(str(path))
        if name == "t1_group":
            for k, face in enumerate(significant(engine.detect(image), ratio=0.1)):
                out.append((f"group{k}", facekit.crop_around(image, face, min_side=240)))
            continue
        person = "obama" if name.startswith("obama") else name
        faces = engine.detect(image)
        if not faces:
            continue
        base = facekit.crop_around(image, faces[0], min_side=360)
        out.append((person, base))
        for _ in range(2):
            shot = facekit.jitter(base, rnd, max_deg=8, max_shift=0.05, max_scale=0.1)
            _, buf = cv2.imencode(".jpg", cv2.GaussianBlur(shot, (3, 3), 0.8),
                                   [cv2.IMWRITE_JPEG_QUALITY, 60])
            out.append((person, cv2.imdecode(buf, cv2.IMREAD_COLOR)))
    return out


def face_bench(engine: OpenCvFaceEngine, photos: dict[str, Path], runs: int,
               match: float, review: float) -> dict[str, Any]:
    items = face_set(engine, photos)
    vecs = []
    for person, image in items:
        found = engine.detect(image)
        if found:
            vecs.append((person, engine.embed(engine.aligned(image, found[0]))))
    same, diff = [], []
    for i in range(len(vecs)):
        for j in range(i + 1, len(vecs)):
            score = float((vecs[i][1] * vecs[j][1]).sum())
            (same if vecs[i][0] == vecs[j][0] else diff).append(score)

    def stats(xs: list[float]) -> dict[str, float]:
        return {"n": len(xs), "min": round(min(xs), 3), "p05": round(pct(xs, 0.05), 3),
                "median": round(statistics.median(xs), 3), "p95": round(pct(xs, 0.95), 3),
                "max": round(max(xs), 3)}

    times = []
    a, b = items[0][1], items[1][1]
    for _ in range(runs):
        _, t = timed(_compare, engine, a, b)
        times.append(t)
    return {"images": len(vecs), "people": len({p for p, _ in vecs}),
            "same": stats(same), "different": stats(diff),
            "at_match_threshold": {"threshold": match,
                                   "false_rejects": sum(s < match for s in same),
                                   "false_accepts": sum(s >= match for s in diff)},
            "at_review_threshold": {"threshold": review,
                                    "false_rejects": sum(s < review for s in same),
                                    "false_accepts": sum(s >= review for s in diff)},
            "grey_band": {"same": sum(review <= s < match for s in same),
                          "different": sum(review <= s < match for s in diff)},
            "compare_latency_s": {"p50": round(statistics.median(times), 3),
                                  "p95": round(pct(times, 0.95), 3), "n": runs}}


def _compare(engine: OpenCvFaceEngine, a: Any, b: Any) -> float:
    engine.forget_embeddings()  # the same two pictures each run: time SFace, not the memory
    va = engine.embed(engine.aligned(a, engine.detect(a)[0]))
    vb = engine.embed(engine.aligned(b, engine.detect(b)[0]))
    return float((va * vb).sum())


def liveness_bench(engine: OpenCvFaceEngine, photo: Path, runs: int) -> dict[str, Any]:
    import cv2

    checker = ActionLiveness(engine)
    image = cv2.imread(str(photo))
    actions = [Action.TURN_LEFT, Action.BLINK, Action.OPEN_MOUTH, Action.TURN_RIGHT,
               Action.BLINK]
    times, walls, passed = [], [], 0
    def as_sent(picture: Any) -> Any:  # the kit's JPEG files as the face step decodes them
        return cv2.imdecode(cv2.imencode(".jpg", picture, [cv2.IMWRITE_JPEG_QUALITY, 90])[1],
                            cv2.IMREAD_COLOR)

    for run in range(runs):
        selfie, frames = facekit.face_kit(engine, image, actions, seed=run)
        selfie, frames = as_sent(selfie), [as_sent(f) for f in frames]
        face = significant(engine.detect(selfie))[0]
        engine.forget_embeddings()
        result, t, w = walled(lambda s=selfie, f=face, fr=frames: checker.check(
            actions=actions, selfie=s, selfie_face=f, frames=fr,
            frame_digests=[str(k) for k in range(len(fr))], mirrored=False))
        times.append(t)
        walls.append(w)
        passed += result.passed
    return {"frames": len(actions), "runs": runs, "action_checks_passed": passed,
            "cpu_s": {"p50": round(statistics.median(times), 3),
                      "p95": round(pct(times, 0.95), 3)},
            "wall_s": {"p50": round(statistics.median(walls), 3),
                       "p95": round(pct(walls, 0.95), 3)}}


def main() -> None:
    import cv2

    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=30)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--seeds", type=int, default=3, help="attack set: sequences per photo")
    ap.add_argument("--only", choices=["all", "attacks", "liveness"], default="all")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    cv2.setNumThreads(1)
    photos = samples.sample_photos(CACHE)
    ocr, faces = RapidOcrEngine(threads=1), OpenCvFaceEngine()
    if args.only == "attacks":
        report = attackbench.run(ocr, faces, photos, seeds=args.seeds, cards=args.people)
        print(json.dumps(report, ensure_ascii=False, indent=2, default=str))
        print(attackbench.markdown(report))
        if args.out:
            args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
        return
    if args.only == "liveness":
        faces.warm_up()
        report = {"load_avg": os.getloadavg(), "liveness": liveness_bench(
            faces, photos[BY_KEY["gd-shenzhen"].photo], args.runs)}
        print(json.dumps(report, indent=2))
        return
    _, load_ocr = timed(ocr.warm_up)
    _, load_face = timed(faces.warm_up)
    portrait = None
    if "obama" in photos:
        from PIL import Image

        portrait = Image.open(photos["obama"])
    report = {
        "machine": f"{os.cpu_count()} cores, {pyplatform.processor() or pyplatform.machine()}, "
                   f"load avg {os.getloadavg()[0]:.1f}, Python {pyplatform.python_version()}; "
                   "one thread for onnxruntime and OpenCV; latency = CPU time",
        "model_load_s": {"ocr": round(load_ocr, 2), "face": round(load_face, 2)},
        "ocr": ocr_bench(ocr, args.people, portrait),
        "face": face_bench(faces, photos, args.runs, 0.45, 0.363) if photos else "no photos",
        "liveness": liveness_bench(faces, photos[BY_KEY["gd-shenzhen"].photo], args.runs)
        if photos else "no photos",
        "attacks": attackbench.run(ocr, faces, photos, seeds=args.seeds, cards=8),
    }
    text = json.dumps(report, ensure_ascii=False, indent=2, default=str)
    print(text)
    print(attackbench.markdown(report["attacks"]))
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
