"""The red round e-receipt seal (电子回单专用章) as vector graphics, and the QR code."""

from __future__ import annotations

import functools
import math

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from reportlab.pdfgen.canvas import Canvas

SEAL_RED = (0.85, 0.07, 0.11)
_ARC_SPAN_DEG = 250.0
_QR_MASK = 2  # fixed mask: qrcode's default search tries all 8 and costs most of the QR time


@functools.lru_cache(maxsize=32)
def _arc_layout(text: str, radius: float) -> tuple[tuple[float, float, float, str], ...]:
    """(x, y, rotation°, char) for each character of `text` along the seal's upper arc."""
    count = len(text)
    span = min(_ARC_SPAN_DEG, 31.0 * max(count - 1, 1))
    start = 90.0 + span / 2
    step = span / (count - 1) if count > 1 else 0.0
    layout = []
    for index, char in enumerate(text):
        angle = math.radians(start - index * step)
        x, y = radius * math.cos(angle), radius * math.sin(angle)
        layout.append((x, y, math.degrees(angle) - 90.0, char))
    return tuple(layout)


@functools.lru_cache(maxsize=8)
def _star_points(radius: float) -> tuple[tuple[float, float], ...]:
    inner = radius * 0.382
    points = []
    for k in range(10):
        r = radius if k % 2 == 0 else inner
        angle = math.radians(90 + 36 * k)
        points.append((r * math.cos(angle), r * math.sin(angle)))
    return tuple(points)


def draw_seal(
    canvas: Canvas,
    cx: float,
    cy: float,
    radius: float,
    *,
    bank_name: str,
    seal_text: str,
    font: str,
) -> None:
    """Draw the round seal centred at (cx, cy): ring, star, bank name on the arc, seal text."""
    canvas.saveState()
    canvas.translate(cx, cy)
    canvas.setStrokeColorRGB(*SEAL_RED)
    canvas.setFillColorRGB(*SEAL_RED)
    canvas.setStrokeAlpha(0.88)
    canvas.setFillAlpha(0.88)
    canvas.setLineWidth(radius * 0.065)
    canvas.circle(0, 0, radius * 0.95, stroke=1, fill=0)
    _draw_star(canvas, radius * 0.3)
    _draw_arc_text(canvas, bank_name, radius, font)
    size = radius * 0.17
    canvas.setFont(font, size)
    canvas.drawCentredString(0, -radius * 0.52, seal_text)
    canvas.restoreState()


def _draw_star(canvas: Canvas, radius: float) -> None:
    points = _star_points(radius)
    path = canvas.beginPath()
    path.moveTo(*points[0])
    for point in points[1:]:
        path.lineTo(*point)
    path.close()
    canvas.drawPath(path, stroke=0, fill=1)


def _draw_arc_text(canvas: Canvas, text: str, radius: float, font: str) -> None:
    size = radius * (0.28 if len(text) <= 10 else 0.22)
    text_radius = radius * 0.95 - radius * 0.065 - size * 0.95
    canvas.setFont(font, size)
    for x, y, rotation, char in _arc_layout(text, text_radius):
        canvas.saveState()
        canvas.translate(x, y)
        canvas.rotate(rotation)
        canvas.drawCentredString(0, 0, char)
        canvas.restoreState()


@functools.lru_cache(maxsize=256)
def qr_modules(text: str) -> tuple[tuple[bool, ...], ...]:
    """The QR matrix (dark = True) for `text`, error correction M, no quiet zone."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, mask_pattern=_QR_MASK)
    code.add_data(text)
    code.make(fit=True)
    return tuple(tuple(row) for row in code.get_matrix())


def draw_qr(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    """Draw `text` as a QR code filling a `size`-point square whose lower-left corner is (x, y)."""
    matrix = qr_modules(text)
    cell = size / len(matrix)
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):
        top = y + size - (row_index + 1) * cell
        start = None
        for col_index, dark in enumerate((*row, False)):
            if dark and start is None:
                start = col_index
            elif not dark and start is not None:
                path.rect(x + start * cell, top, (col_index - start) * cell, cell)
                start = None
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()
