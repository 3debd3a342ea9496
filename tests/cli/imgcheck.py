"""imgcheck.py - decode-level checks of call graph images (standard library only).

Used by tests/cli/images.py and tests/http/images_test.py. Each check returns
None when the bytes are a well-formed image of the format, else the reason.
"""
import re
import struct
import xml.etree.ElementTree as ET
import zlib

PNG_SIG = b"\x89PNG\r\n\x1a\n"
XLINK = "{http://www.w3.org/1999/xlink}"


def check_png(b):
    """Signature, every chunk's CRC, IHDR size, and the IDAT stream inflating to
    exactly height rows of (1 filter byte + width * bytes per pixel)."""
    if not b.startswith(PNG_SIG):
        return "no PNG signature"
    i, ihdr, idat, end = 8, None, b"", False
    while i + 8 <= len(b):
        n, typ = struct.unpack(">I4s", b[i:i + 8])
        data = b[i + 8:i + 8 + n]
        if len(data) != n or i + 12 + n > len(b):
            return "truncated %r chunk" % typ
        crc = struct.unpack(">I", b[i + 8 + n:i + 12 + n])[0]
        if zlib.crc32(typ + data) & 0xFFFFFFFF != crc:
            return "bad CRC in %r chunk" % typ
        if typ == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", data)
        elif typ == b"IDAT":
            idat += data
        elif typ == b"IEND":
            end = True
            break
        i += 12 + n
    if not ihdr or not end:
        return "no IHDR or IEND chunk"
    w, h, depth, color, _, _, interlace = ihdr
    if not (0 < w < 100000 and 0 < h < 100000):
        return "implausible size %dx%d" % (w, h)
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(color)
    if depth != 8 or channels is None or interlace != 0:
        return "unexpected PNG format depth=%d color=%d interlace=%d" % (depth, color, interlace)
    try:
        raw = zlib.decompress(idat)
    except zlib.error as e:
        return "IDAT does not inflate: %s" % e
    if len(raw) != h * (1 + w * channels):
        return "IDAT holds %d bytes, want %d for %dx%d" % (len(raw), h * (1 + w * channels), w, h)
    return None


def png_size(b):
    return struct.unpack(">II", b[16:24])


def svg_names(b):
    """The SVG parsed as XML: (None, set of node titles and tooltips) or (reason, None)."""
    try:
        root = ET.fromstring(b)
    except ET.ParseError as e:
        return "not XML: %s" % e, None
    if not root.tag.endswith("svg"):
        return "root element is %s, not svg" % root.tag, None
    names = set()
    for el in root.iter():
        if el.tag.endswith("title") and el.text:
            names.add(el.text)
        t = el.get(XLINK + "title")
        if t:
            names.add(t)
    return None, names


def tooltip_names(names):
    """Function names from node tooltips "NAME (VALUE)"."""
    out = set()
    for n in names:
        m = re.match(r"^(.*) \([^()]*\)$", n)
        if m and " -> " not in n and " ... " not in n:
            out.add(m.group(1))
    return out


def check_pdf(b):
    if not b.startswith(b"%PDF-"):
        return "does not start with %PDF-"
    if b"%%EOF" not in b[-64:]:
        return "no %%EOF at the end"
    return None


def check_gif(b):
    if b[:6] not in (b"GIF87a", b"GIF89a"):
        return "no GIF87a/GIF89a signature"
    w, h = struct.unpack("<HH", b[6:10])
    if not (w > 0 and h > 0):
        return "implausible size %dx%d" % (w, h)
    if not b.endswith(b"\x3b"):
        return "no GIF trailer"
    return None


CHECK = {"png": check_png, "pdf": check_pdf, "gif": check_gif,
         "svg": lambda b: svg_names(b)[0]}
