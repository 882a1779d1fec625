#!/usr/bin/env python3
"""Generate the f08 fixture: an iPhone photo of a filled-in form, in HEIC.

iPhones take photos in HEIC, which Tesseract cannot read; blankett converts
them with `heif-convert` first.  The photo is drawn like f05's (Pillow, via
make_pdf_fixtures.form_image: slightly rotated, shaded, noisy), turned into
colour as a phone takes it and encoded with `heif-enc` (x265), both from
Debian's libheif-examples.

Needs what make_pdf_fixtures.py needs, and `apt-get install libheif-examples`.
x265 output is stable for one version of it; another version may give other
bytes but the same picture.  Usage:

    python3 tests/gen/make_heic_fixtures.py [OUTDIR]
"""

import json
import os
import subprocess
import sys
import tempfile

from PIL import Image

from make_pdf_fixtures import expected, fields_of, form_image, message, person

HERE = os.path.dirname(os.path.abspath(__file__))
OUTDIR = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "fixtures")
NAME = "f08-heic-iphone-photo-ocr"
FILE = "IMG_3107.HEIC"
QUALITY = "60"

VALUES = person("Säters kommun", "Maria Holm", "maria.holm@sater.test",
                "Johan Berg", "johan.berg@sater.test",
                "Ledningsgruppen för socialtjänsten\nIntranätet",
                "Anna Lund", "Socialchef", "0225-550 12, 070-123 45 67",
                "2026-12-08", "2026-12-08")
ORG_ID = "saters-kommun"


def heic(img):
    """The picture in colour (a phone's warm light), as HEIC."""
    rgb = img.convert("RGB")
    r, g, b = rgb.split()
    rgb = Image.merge("RGB", (r, g.point(lambda v: v * 0.97), b.point(lambda v: v * 0.9)))
    with tempfile.TemporaryDirectory() as tmp:
        png, out = os.path.join(tmp, "photo.png"), os.path.join(tmp, "photo.heic")
        rgb.save(png)
        subprocess.run(["heif-enc", "-q", QUALITY, "-o", out, png], check=True,
                       stdout=subprocess.DEVNULL)
        with open(out, "rb") as f:
            return f.read()


def main():
    data = heic(form_image(VALUES, photo=True))
    eml = message(8, "Maria Holm <maria.holm@sater.test>", "Blanketten",
                  "Hej, här är blanketten, fotad med mobilen.\n\nSkickat från min iPhone\n",
                  FILE, data, "image", "heic")
    want = expected("unreadable", "attachment:" + FILE, {}, None,
                    "iPhone photo (HEIC) of a filled-in form, slightly rotated, shaded and "
                    "noisy: converted with heif-convert and read with OCR when both are "
                    "installed, otherwise a person must look.",
                    ocr_fields=fields_of(VALUES), ocr_org=ORG_ID)
    want["ocr_needs"] = ["heif-convert"]
    os.makedirs(OUTDIR, exist_ok=True)
    with open(os.path.join(OUTDIR, NAME + ".eml"), "wb") as f:
        f.write(eml.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    with open(os.path.join(OUTDIR, NAME + ".json"), "w", encoding="utf-8") as f:
        json.dump(want, f, ensure_ascii=False, indent=2)
        f.write("\n")
    print(NAME, len(data), "bytes of HEIC")


if __name__ == "__main__":
    main()
