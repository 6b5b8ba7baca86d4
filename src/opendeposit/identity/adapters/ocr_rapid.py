"""Local OCR: RapidOCR 3.x on onnxruntime with the PP-OCR models shipped inside its wheel.

The engine is built once per process, lazily and under a lock, with the model files given by
path so that RapidOCR never tries to download anything. Large photos are scaled down to
`max_side` first: an ID card needs no more than ~1300 px across to be read. For speed, text is
detected on a copy at most `det_side` wide (recognition still reads the full-size crops), and
the angle classifier is skipped: a card photographed upright needs none, and a sideways one is
retried turned (steps_document.read_side) — on one core that halves the time per side.

Recognition is most of what is left (a front has ~13 text lines, 0.4 s of 0.6 s). RapidOCR's
defaults batch 6 lines and pad every line of a batch to the widest one and to at least 320 px
(48 px high): a two-character label then costs as much as the ID-number line. Here each line is
read alone (`rec_batch` 1) and padded to at least `rec_min_width` 160 px: the same text, a third
less work. Narrower than 160 px (96) lowered the score of some two-character names below the
0.9 that sends a name to review; measured in docs/performance.md.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from opendeposit.identity.ports import ModelInfo, OcrLine

MODEL_FILES = {"Det": "PP-OCRv6_det_small.onnx", "Rec": "PP-OCRv6_rec_small.onnx",
               "Cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx"}


def models_dir() -> Path:
    import rapidocr

    return Path(rapidocr.__file__).resolve().parent / "models"


class RapidOcrEngine:
    def __init__(self, *, max_side: int = 1400, threads: int = 0, det_side: int = 640,
                 use_cls: bool = False, rec_batch: int = 1, rec_min_width: int = 160) -> None:
        self._max_side = max_side
        self._threads = threads
        self._det_side = det_side
        self._use_cls = use_cls
        self._rec_batch = rec_batch
        self._rec_min_width = rec_min_width
        self._lock = threading.Lock()
        self._infer_lock = threading.Lock()
        self._engine: Any = None
        self.model = ModelInfo(f"rapidocr PP-OCRv6 det/rec small, det ≤{det_side}px, "
                               f"rec ×{rec_batch} ≥{rec_min_width}px"
                               f"{', cls mobile' if use_cls else ''}", _version())

    def _load(self) -> Any:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = self._build()
        return self._engine

    def _build(self) -> Any:
        from rapidocr import RapidOCR

        base = models_dir()
        params: dict[str, Any] = {"Global.log_level": "error", "Det.limit_type": "max",
                                  "Det.limit_side_len": self._det_side,
                                  "Global.use_cls": self._use_cls,
                                  "Rec.rec_batch_num": self._rec_batch,
                                  "Rec.rec_img_shape": [3, 48, self._rec_min_width]}
        for part, name in MODEL_FILES.items():
            path = base / name
            if not path.is_file():
                raise RuntimeError(f"OCR model missing: {path} (pip install rapidocr==3.10.0)")
            params[f"{part}.model_path"] = str(path)
        if self._threads:
            params["EngineConfig.onnxruntime.intra_op_num_threads"] = self._threads
            params["EngineConfig.onnxruntime.inter_op_num_threads"] = self._threads
        return RapidOCR(params=params)

    def warm_up(self) -> None:
        self._load()

    def read(self, image: Any) -> list[OcrLine]:
        import cv2

        engine = self._load()
        h, w = image.shape[:2]
        scale = min(1.0, self._max_side / max(h, w))
        if scale < 1.0:
            image = cv2.resize(image, (round(w * scale), round(h * scale)),
                               interpolation=cv2.INTER_AREA)
        with self._infer_lock:  # one inference at a time per process: predictable latency
            result = engine(image, use_cls=self._use_cls)
        if not result.txts:
            return []
        return [OcrLine(text=str(t), score=float(s),
                        box=tuple((float(x) / scale, float(y) / scale) for x, y in box))
                for box, t, s in zip(result.boxes, result.txts, result.scores, strict=True)]


def _version() -> str:
    try:
        from importlib.metadata import version

        return f"rapidocr {version('rapidocr')}, onnxruntime {version('onnxruntime')}"
    except Exception:  # pragma: no cover - metadata missing in odd installs
        return "unknown"
