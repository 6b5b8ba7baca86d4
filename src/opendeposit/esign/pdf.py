"""The receipt PDF, written directly with a fixed object layout (no PDF library per receipt).

Objects 1–6 are the template's (form XObject with the static page, the CJK font subset):
serialised once, byte for byte the same in every receipt of that template. The receipt adds
catalog, page, its content stream, info, the signed-fields attachment, optionally the
signature field and signature dictionary (one revision: the signature covers the whole file),
and Type 3 fonts for characters outside the subset. `SignedLayout` remembers where /ByteRange
and /Contents sit, so signing is: fill the byte range, hash, patch the CMS in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zlib
from dataclasses import dataclass

from opendeposit.esign.canvas import STATIC_FONT, TextFonts
from opendeposit.esign.fonts import Glyph, StaticFont, to_unicode_cmap

FIELDS_FILE_NAME = "receipt-fields.json"
TEMPLATE_XOBJECT = "Tpl"
_HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
_BYTE_RANGE_WIDTH = 48  # "[0 a b c]" padded with spaces: 10-digit numbers fit
_STATIC_COUNT = 6  # objects 1..6 belong to the template


def text_string(value: str) -> str:
    """A PDF text string: literal for plain ASCII, UTF-16BE hex (with BOM) otherwise."""
    if value.isascii():
        escaped = value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        return f"({escaped})"
    return "<FEFF" + value.encode("utf-16-be").hex().upper() + ">"


def pdf_date(moment: dt.datetime) -> str:
    """D:YYYYMMDDHHmmSS+08'00' in the moment's own offset (Beijing on receipts)."""
    offset = moment.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"D:{moment:%Y%m%d%H%M%S}{sign}{hours:02d}'{mins:02d}'"


def stream(number: int, entries: str, data: bytes) -> bytes:
    """`number 0 obj << entries /Length n >> stream … endstream endobj`."""
    return (f"{number} 0 obj\n<<{entries} /Length {len(data)}>>\nstream\n".encode("ascii")
            + data + b"\nendstream\nendobj\n")


def obj(number: int, body: str) -> bytes:
    return f"{number} 0 obj\n{body}\nendobj\n".encode("ascii")


@dataclass(frozen=True)
class TemplateObjects:
    """Objects 1–6 as bytes (offsets fixed), plus the page size."""

    blob: bytes
    offsets: tuple[int, ...]
    width: float
    height: float


def template_objects(static_content: bytes, font: StaticFont, width: float,
                     height: float) -> TemplateObjects:
    """Serialise the template's page (a form XObject) and font subset once."""
    resources = (f"<< /Font << /{STATIC_FONT} 2 0 R >> /ExtGState << /GSeal << /ca 0.88 "
                 f"/CA 0.88 >> >> >>")
    bbox = " ".join(str(v) for v in font.bbox)
    parts = [
        stream(1, f" /Type /XObject /Subtype /Form /BBox [0 0 {width:.4f} {height:.4f}] "
                  f"/Resources {resources} /Filter /FlateDecode",
               zlib.compress(static_content, 9)),
        obj(2, f"<< /Type /Font /Subtype /Type0 /BaseFont /{font.name} /Encoding /Identity-H "
               f"/DescendantFonts [3 0 R] /ToUnicode 6 0 R >>"),
        obj(3, f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{font.name} /CIDSystemInfo "
               f"<< /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor "
               f"4 0 R /DW 1000 /W {font.w_array} /CIDToGIDMap /Identity >>"),
        obj(4, f"<< /Type /FontDescriptor /FontName /{font.name} /Flags 4 /FontBBox [{bbox}] "
               f"/ItalicAngle 0 /Ascent {font.ascent} /Descent {font.descent} /CapHeight "
               f"{font.cap_height} /StemV 80 /FontFile2 5 0 R >>"),
        stream(5, f" /Length1 {font.font_file_length} /Filter /FlateDecode", font.font_file),
        stream(6, " /Filter /FlateDecode", font.to_unicode),
    ]
    offsets, position = [], len(_HEADER)
    for part in parts:
        offsets.append(position)
        position += len(part)
    return TemplateObjects(b"".join(parts), tuple(offsets), width, height)


@dataclass(frozen=True)
class Signature:
    """What the signature dictionary says besides the CMS (reason, signer name, time)."""

    field_name: str
    name: str
    reason: str
    signing_time: dt.datetime
    reserved: int  # hex digits kept for the CMS in /Contents


@dataclass
class SignedLayout:
    """A written receipt whose /Contents is a placeholder: `digest`, then `finish`."""

    buffer: bytearray
    contents_start: int  # offset of "<"
    contents_end: int  # offset just after ">"

    def digest(self) -> bytes:
        """SHA-256 over the /ByteRange (everything but the /Contents string)."""
        view = memoryview(self.buffer)
        h = hashlib.sha256(view[:self.contents_start])
        h.update(view[self.contents_end:])
        return h.digest()

    @property
    def capacity(self) -> int:
        return self.contents_end - self.contents_start - 2

    def finish(self, cms_der: bytes) -> bytes:
        hexed = cms_der.hex().upper().encode("ascii")
        if len(hexed) > self.capacity:
            raise ValueError("the signature does not fit its placeholder")
        self.buffer[self.contents_start + 1:self.contents_start + 1 + len(hexed)] = hexed
        return bytes(self.buffer)


def write_receipt(tpl: TemplateObjects, fonts: TextFonts, content: bytes, *, fields: bytes,
                  info: dict[str, str], document_id: bytes,
                  signature: Signature | None = None) -> bytes | SignedLayout:
    """The whole file: unsigned bytes, or a `SignedLayout` when `signature` is given."""
    w = _Writer(tpl)
    signed = signature is not None
    first_type3 = _STATIC_COUNT + 8 + (2 if signed else 0)
    type3_refs, type3_objects = _type3_fonts(fonts, first_type3)
    font_refs = " ".join(f"/T{i + 1} {ref} 0 R" for i, ref in enumerate(type3_refs))
    annots = " /Annots [14 0 R]" if signed else ""
    acro = " /AcroForm << /Fields [14 0 R] /SigFlags 3 >> /Perms << /DocMDP 15 0 R >>" \
        if signed else ""
    w.add(f"<< /Type /Catalog /Pages 8 0 R /Names << /EmbeddedFiles << /Names "
          f"[{text_string(FIELDS_FILE_NAME)} 13 0 R] >> >> /AF [13 0 R]{acro} >>")
    w.add("<< /Type /Pages /Kids [9 0 R] /Count 1 >>")
    w.add(f"<< /Type /Page /Parent 8 0 R /MediaBox [0 0 {tpl.width:.4f} {tpl.height:.4f}] "
          f"/Resources << /Font << /{STATIC_FONT} 2 0 R {font_refs} >> /XObject << "
          f"/{TEMPLATE_XOBJECT} 1 0 R >> >> /Contents 10 0 R{annots} >>")
    w.add_stream(" /Filter /FlateDecode",
                 zlib.compress(f"q /{TEMPLATE_XOBJECT} Do Q\n".encode() + content, 6))
    w.add("<< " + " ".join(f"/{k} {text_string(v)}" for k, v in info.items()) + " >>")
    w.add_stream(" /Type /EmbeddedFile /Subtype /application#2Fjson", fields)
    name = text_string(FIELDS_FILE_NAME)
    w.add(f"<< /Type /Filespec /F {name} /UF {name} /Desc (Signed receipt fields) "
          f"/AFRelationship /Data /EF << /F 12 0 R >> >>")
    layout = None
    if signature is not None:
        w.add(f"<< /Type /Annot /Subtype /Widget /FT /Sig /F 132 /T "
              f"{text_string(signature.field_name)} /Rect [0 0 0 0] /P 9 0 R /V 15 0 R >>")
        layout = w.add_signature(signature)
    for item in type3_objects:
        w.add_raw(item)
    data = w.close(document_id)
    if layout is None:
        return bytes(data)
    layout.buffer = data
    byte_range = (f"[0 {layout.contents_start} {layout.contents_end} "
                  f"{len(data) - layout.contents_end}]").ljust(_BYTE_RANGE_WIDTH).encode()
    data[w.byte_range_at:w.byte_range_at + _BYTE_RANGE_WIDTH] = byte_range
    return layout


def _type3_fonts(fonts: TextFonts, first: int) -> tuple[list[int], list[tuple[str, bytes]]]:
    """Object numbers of the Type 3 fonts, and (kind, body) of each object from `first` on."""
    refs, items, number = [], [], first
    for glyphs in fonts.type3_fonts():
        font_no, cmap_no = number, number + 1
        procs = {f"g{code}": font_no + 2 + i for i, code in enumerate(range(1, len(glyphs) + 1))}
        refs.append(font_no)
        items.append(("obj", _type3_dict(glyphs, procs, cmap_no)))
        cmap = to_unicode_cmap({i + 1: ch for i, (ch, _g) in enumerate(glyphs)}, 1)
        items.append(("stream", " /Filter /FlateDecode", zlib.compress(cmap, 6)))  # type: ignore[arg-type]
        items += [("stream", " /Filter /FlateDecode", g.procedure)  # type: ignore[misc]
                  for _ch, g in glyphs]
        number += 2 + len(glyphs)
    return refs, items  # type: ignore[return-value]


def _type3_dict(glyphs: list[tuple[str, Glyph]], procs: dict[str, int], cmap_no: int) -> str:
    boxes = [g.bbox for _ch, g in glyphs]
    bbox = (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))
    char_procs = " ".join(f"/{name} {ref} 0 R" for name, ref in procs.items())
    widths = " ".join(f"{g.width:g}" for _ch, g in glyphs)
    return (f"<< /Type /Font /Subtype /Type3 /FontBBox [{' '.join(map(str, bbox))}] "
            f"/FontMatrix [0.001 0 0 0.001 0 0] /CharProcs << {char_procs} >> /Encoding << "
            f"/Type /Encoding /Differences [1 {' '.join('/' + n for n in procs)}] >> "
            f"/FirstChar 1 /LastChar {len(glyphs)} /Widths [{widths}] /ToUnicode {cmap_no} 0 R "
            f"/Resources << >> >>")


class _Writer:
    """Appends numbered objects after the template's, then writes xref and trailer."""

    def __init__(self, tpl: TemplateObjects) -> None:
        self.parts: list[bytes] = [_HEADER, tpl.blob]
        self.offsets = list(tpl.offsets)
        self.position = len(_HEADER) + len(tpl.blob)
        self.byte_range_at = -1

    @property
    def next_number(self) -> int:
        return len(self.offsets) + 1

    def _append(self, data: bytes) -> None:
        self.offsets.append(self.position)
        self.parts.append(data)
        self.position += len(data)

    def add(self, body: str) -> None:
        self._append(obj(self.next_number, body))

    def add_stream(self, entries: str, data: bytes) -> None:
        self._append(stream(self.next_number, entries, data))

    def add_raw(self, item: tuple) -> None:  # type: ignore[type-arg]
        if item[0] == "obj":
            self.add(item[1])
        else:
            self.add_stream(item[1], item[2])

    def add_signature(self, sig: Signature) -> SignedLayout:
        head = (f"{self.next_number} 0 obj\n<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter "
                f"/ETSI.CAdES.detached /M {text_string(pdf_date(sig.signing_time))} /Name "
                f"{text_string(sig.name)} /Reason {text_string(sig.reason)} /Reference [<< "
                f"/Type /SigRef /TransformMethod /DocMDP /TransformParams << /Type "
                f"/TransformParams /V /1.2 /P 1 >> >>] /ByteRange ").encode()
        self.byte_range_at = self.position + len(head)
        contents_start = self.byte_range_at + _BYTE_RANGE_WIDTH + len(b" /Contents ")
        body = (head + b" " * _BYTE_RANGE_WIDTH + b" /Contents <" + b"0" * sig.reserved
                + b">\n>>\nendobj\n")
        self._append(body)
        return SignedLayout(bytearray(), contents_start, contents_start + sig.reserved + 2)

    def close(self, document_id: bytes) -> bytearray:
        xref_at = self.position
        lines = [f"xref\n0 {len(self.offsets) + 1}\n0000000000 65535 f \n"]
        lines += [f"{offset:010d} 00000 n \n" for offset in self.offsets]
        ident = document_id.hex().upper()
        lines.append(f"trailer\n<< /Size {len(self.offsets) + 1} /Root 7 0 R /Info 11 0 R "
                     f"/ID [<{ident}> <{ident}>] >>\nstartxref\n{xref_at}\n%%EOF\n")
        self.parts.append("".join(lines).encode("ascii"))
        return bytearray(b"".join(self.parts))
