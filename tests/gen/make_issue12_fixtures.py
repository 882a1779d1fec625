#!/usr/bin/env python3
"""Generate the g*-*.eml / g*-*.json fixtures: photos and scans in every
orientation, older Word formats (.doc, .rtf, a winmail.dat RTF body), several
forms in one message, and documents or images that do not open.

Real files, attached to (or inlined in) realistic iPhone, Gmail-on-Android,
Gmail, Outlook, Thunderbird and copier messages built with the standard
`email` package and written with CRLF line endings:

  g01-g05, g08  phone photos (JPEG) of the printed form, rendered with DejaVu
                by Pillow: inline without Content-ID (iPhone), inline by cid
                (Gmail on Android), pixels stored sideways or upside down with
                EXIF Orientation 6, 8 and 3, tilted 3 degrees on a grey table;
  g06, g07, g09 scans: an image-only PDF upside down (300 dpi, reportlab), a
                PNG fed sideways, a two-page PDF whose form is on page 2;
  g10-g13       .doc and .rtf made by LibreOffice from python-docx documents
                (legacy form fields, a table, paragraphs);
  g14           a winmail.dat (TNEF, written byte by byte) whose message body
                is RTF in PidTagRtfCompressed, compressed here with an LZFu
                compressor (MS-OXRTFCP, with back-references, checked by a
                decompressor below);
  g15-g17       several forms in one message (rule 13);
  g18-g24       hostile or broken parts: a .docx cut in its central
                directory, a PDF with a user password, a compound file whose
                WordDocument stream is garbage, an RTF nested 100,000 groups
                deep, a signature logo padded to 60 KB, a 20,000 x 20,000 px
                PNG (a decompression bomb), random bytes named blankett.jpg.

The .json next to each .eml is the expected output in the corpus format (see
/work/shared/corpus/README.md); `missing` is computed from `fields` with the
default required keys.  Scans have status "unreadable", empty fields and
`ocr_fields` / `ocr_organisation_id`: what OCR of the upright picture must
read.  Several forms: the first in message order is the top object, the
others are in `more_forms` (form-contract rule 13).

Needs:
    pip install Pillow reportlab pypdf python-docx
    apt-get install fonts-dejavu-core libreoffice-writer-nogui   # soffice
  and, only for --verify:
    apt-get install tesseract-ocr tesseract-ocr-swe poppler-utils antiword
    pip install compressed_rtf   # optional: a second LZFu decompressor

Deterministic: fixed dates, ids and seeds; LibreOffice keeps the documents'
fixed core-property dates.  Usage:

    python3 tests/gen/make_issue12_fixtures.py [--verify] [OUTDIR]

OUTDIR defaults to tests/fixtures.  Only g*-* files are written.  With
--verify, every scan is read back from the written bytes (EXIF applied, PDF
pages rendered with pdftoppm, turned upright), run through
`tesseract IMG - -l swe+eng --psm 6` and compared line by line with its
ocr_fields, both as that command prints it and as blankett's reader reads
it (TSV, Sauvola thresholding, Swedish letters from a swe-only pass); the
.doc/.rtf files are converted back to text and checked for every value; the
LZFu stream is decompressed and compared; the broken files are checked not
to open.
"""

import base64
import datetime
import difflib
import io
import json
import os
import quopri
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from email._policybase import Compat32
from email.generator import BytesGenerator
from email.message import Message
from urllib.parse import quote

import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont, ImageOps
from PIL.PngImagePlugin import PngInfo
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, ByteStringObject
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

HERE = os.path.dirname(os.path.abspath(__file__))
ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
VERIFY = "--verify" in sys.argv[1:]
OUTDIR = ARGS[0] if ARGS else os.path.join(HERE, "..", "fixtures")
FONT_DIR = "/usr/share/fonts/truetype/dejavu"

KEYS = ["organisation", "representative_name", "representative_email", "substitute_name",
        "substitute_email", "internal_channels", "manager_name", "manager_title",
        "manager_contact", "signed_date"]
HEADING = "Anmälan av representant och ersättare"
SUBHEADING = "Länsgrupp Mäns våld mot kvinnor och våld i nära relationer"
CHANNELS = "Interna kontaktvägar där representanten kan delge och inhämta information:"
MANAGER = "Underskrift av ansvarig chef/er för representanter"
LABELS = [("Organisation:", "organisation"), ("Representant:", "representative_name"),
          ("Mejladress:", "representative_email"), ("Ersättare:", "substitute_name"),
          ("Mejladress:", "substitute_email")]
MANAGER_LABELS = [("Namn:", "manager_name"), ("Titel:", "manager_title"),
                  ("Mejl/telefon:", "manager_contact"), ("Datum:", "date_written")]
FIXED_TIME = (2026, 12, 1, 9, 0, 0)
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

pdfmetrics.registerFont(TTFont("DejaVu", os.path.join(FONT_DIR, "DejaVuSans.ttf")))
pdfmetrics.registerFont(TTFont("DejaVuBd", os.path.join(FONT_DIR, "DejaVuSans-Bold.ttf")))


# --------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------

def values(org, rep, rep_mail, sub, sub_mail, channels, name, title, contact, written, iso):
    v = dict(zip(KEYS, [org, rep, rep_mail, sub, sub_mail, channels, name, title, contact, iso]))
    v["date_written"] = written
    return v


def fields_of(v, drop=()):
    return {k: v[k] for k in KEYS if k not in drop and v.get(k)}


V = {
    "g01": values("Leksands kommun", "Hanna Lindqvist", "hanna.lindqvist@leksand.test",
                  "Jonas Ekström", "jonas.ekstrom@leksand.test",
                  "Socialtjänstens ledningsgrupp\nIntranätet Insidan",
                  "Birgitta Hedlund", "Socialchef", "birgitta.hedlund@leksand.test, 0247-801 10",
                  "2026-12-07", "2026-12-07"),
    "g02": values("Gagnefs kommun", "Sofia Bergqvist", "sofia.bergqvist@gagnef.test",
                  "Martin Holmgren", "martin.holmgren@gagnef.test",
                  "Ledningsgruppen IFO\nArbetsplatsträffar",
                  "Annika Sjöberg", "Förvaltningschef", "0241-151 20",
                  "8 december 2026", "2026-12-08"),
    "g03": values("Hedemora kommun", "Emil Nordström", "emil.nordstrom@hedemora.test",
                  "Frida Åkesson", "frida.akesson@hedemora.test",
                  "Enhetschefsmöten\nIntranätet",
                  "Tomas Wallin", "Socialchef", "tomas.wallin@hedemora.test",
                  "2026-12-09", "2026-12-09"),
    "g04": values("Ludvika kommun", "Malin Eriksson", "malin.eriksson@ludvika.test",
                  "Oskar Lundgren", "oskar.lundgren@ludvika.test",
                  "Ledningsgruppen för socialtjänsten\nNyhetsbrevet",
                  "Cecilia Dahl", "Avdelningschef", "cecilia.dahl@ludvika.test, 0240-860 00",
                  "10.12.2026", "2026-12-10"),
    "g05": values("Avesta kommun", "Johanna Sandin", "johanna.sandin@avesta.test",
                  "Viktor Hedberg", "viktor.hedberg@avesta.test",
                  "Socialtjänstens ledningsgrupp\nVeckobrevet",
                  "Gunnar Olsson", "Socialchef", "0226-645 00",
                  "2026-12-11", "2026-12-11"),
    "g06": values("Vansbro kommun", "Ida Falk", "ida.falk@vansbro.test",
                  "Patrik Söderberg", "patrik.soderberg@vansbro.test",
                  "Ledningsgruppen\nIntranätet",
                  "Marie Backman", "Socialchef", "marie.backman@vansbro.test, 0281-750 00",
                  "12/12 2026", "2026-12-12"),
    "g07": values("Säters kommun", "Lena Forslund", "lena.forslund@sater.test",
                  "Anton Berglund", "anton.berglund@sater.test",
                  "Ledningsgruppen för vård och omsorg\nIntranätet",
                  "Karl Nyman", "Förvaltningschef", "karl.nyman@sater.test",
                  "2026-12-13", "2026-12-13"),
    "g08": values("Rättviks kommun", "Elsa Mårtensson", "elsa.martensson@rattvik.test",
                  "Fredrik Hansson", "fredrik.hansson@rattvik.test",
                  "Ledningsgruppen\nArbetsplatsträffar",
                  "Ingela Strömberg", "Socialchef", "ingela.stromberg@rattvik.test, 0248-700 10",
                  "14 december 2026", "2026-12-14"),
    "g09": values("Malung-Sälens kommun", "Kristina Persson", "kristina.persson@malung-salen.test",
                  "Henrik Dahlberg", "henrik.dahlberg@malung-salen.test",
                  "Socialtjänstens ledningsgrupp\nIntranätet",
                  "Eva Norling", "Socialchef", "0280-181 00",
                  "2026-12-15", "2026-12-15"),
    "g10": values("Borlänge kommun", "Amanda Nilsson", "amanda.nilsson@borlange.test",
                  "Robert Lindholm", "robert.lindholm@borlange.test",
                  "Ledningsgruppen IFO\nIntranätet Insidan",
                  "Susanne Lindgren", "Socialchef", "susanne.lindgren@borlange.test, 0243-740 00",
                  "2026-12-16", "2026-12-16"),
    "g11": values("Falu kommun", "Therese Wikström", "therese.wikstrom@falun.test",
                  "Mattias Björklund", "mattias.bjorklund@falun.test",
                  "Socialförvaltningens ledningsgrupp\nVeckobrevet\nIntranätet",
                  "Ola Hägglund", "Förvaltningschef", "ola.hagglund@falun.test, 023-830 00",
                  "17 december 2026", "2026-12-17"),
    "g12": values("Kvinnojouren i Falun", "Sanna Holmberg", "sanna.holmberg@kvinnojourenfalun.test",
                  "Lisa Engström", "lisa.engstrom@kvinnojourenfalun.test",
                  "Styrelsemöten\nMedlemsbrevet",
                  "Kerstin Bodin", "Ordförande", "kerstin.bodin@kvinnojourenfalun.test, 023-100 20",
                  "18.12.2026", "2026-12-18"),
    "g13": values("Brottsofferjouren Dalarna", "Peter Gustafsson", "peter.gustafsson@boj-dalarna.test",
                  "Camilla Ahlström", "camilla.ahlstrom@boj-dalarna.test",
                  "Styrelsen\nStödpersonernas månadsträffar",
                  "Göran Edlund", "Verksamhetsledare", "goran.edlund@boj-dalarna.test",
                  "2026-12-18", "2026-12-18"),
    "g14": values("Region Dalarna", "Jenny Lindberg", "jenny.lindberg@regiondalarna.test",
                  "Mikael Sjödin", "mikael.sjodin@regiondalarna.test",
                  "Hälso- och sjukvårdens ledningsgrupp\nRegionens intranät",
                  "Agneta Forsman", "Divisionschef", "agneta.forsman@regiondalarna.test, 023-49 00 00",
                  "21/12 2026", "2026-12-21"),
    "g15a": values("Mora kommun", "Louise Jonsson", "louise.jonsson@mora.test",
                   "Pontus Ek", "pontus.ek@mora.test",
                   "Socialtjänstens ledningsgrupp\nMora kommuns intranät",
                   "Helena Grahn", "Socialchef", "helena.grahn@mora.test, 0250-261 00",
                   "2026-12-01", "2026-12-01"),
    "g15b": values("Orsa kommun", "Sara Mattsson", "sara.mattsson@orsa.test",
                   "Gustav Eriksson", "gustav.eriksson@orsa.test",
                   "Ledningsgruppen för socialtjänsten\nArbetsplatsträffar",
                   "Per-Olof Backlund", "Socialchef", "per-olof.backlund@orsa.test, 0250-552 10",
                   "2026-12-01", "2026-12-01"),
    "g15c": values("Älvdalens kommun", "Mona Morén", "mona.moren@alvdalen.test",
                   "Nils Andersson", "nils.andersson@alvdalen.test",
                   "Individ- och familjeomsorgens ledningsgrupp\nIntranätet",
                   "Britt Lärka", "Socialchef", "britt.larka@alvdalen.test, 0251-800 00",
                   "2026-12-02", "2026-12-02"),
    "g16a": values("Orsa kommun", "Karolina Hed", "karolina.hed@orsa.test",
                   "Joel Ståhl", "joel.stahl@orsa.test",
                   "Ledningsgruppen IFO\nIntranätet",
                   "Maria Nises", "Enhetschef", "maria.nises@orsa.test, 0250-552 30",
                   "3 december 2026", "2026-12-03"),
    "g16b": values("Mora kommun", "Anneli Zetterlund", "anneli.zetterlund@mora.test",
                   "Tobias Mård", "tobias.mard@mora.test",
                   "Socialtjänstens ledningsgrupp\nVeckobrevet",
                   "Helena Grahn", "Socialchef", "helena.grahn@mora.test, 0250-261 00",
                   "3 december 2026", "2026-12-03"),
    "g17": values("Smedjebackens kommun", "Jessica Wiberg", "jessica.wiberg@smedjebacken.test",
                  "Alexander Rask", "alexander.rask@smedjebacken.test",
                  "Socialtjänstens ledningsgrupp\nIntranätet",
                  "Ulrika Haglund", "Socialchef", "ulrika.haglund@smedjebacken.test, 0240-660 20",
                  "2026-12-04", "2026-12-04"),
    "g18": values("Avesta kommun", "Camilla Nord", "camilla.nord@avesta.test",
                  "Erik Lundin", "erik.lundin@avesta.test", "Ledningsgruppen",
                  "Gunnar Olsson", "Socialchef", "0226-645 00", "2026-12-04", "2026-12-04"),
    "g19": values("Ludvika kommun", "Nora Hellström", "nora.hellstrom@ludvika.test",
                  "David Bäck", "david.back@ludvika.test", "Ledningsgruppen\nIntranätet",
                  "Cecilia Dahl", "Avdelningschef", "cecilia.dahl@ludvika.test",
                  "2026-12-05", "2026-12-05"),
    "g21": values("Hedemora kommun", "Stina Blom", "stina.blom@hedemora.test",
                  "Rasmus Vik", "rasmus.vik@hedemora.test", "Ledningsgruppen",
                  "Tomas Wallin", "Socialchef", "tomas.wallin@hedemora.test",
                  "2026-12-06", "2026-12-06"),
    "g22": values("Arbetsförmedlingen", "Josefin Larsson", "josefin.larsson@arbetsformedlingen.test",
                  "Mohammed Ali", "mohammed.ali@arbetsformedlingen.test",
                  "Sektionens ledningsgrupp\nIntranätet Vis",
                  "Katarina Holm", "Sektionschef", "katarina.holm@arbetsformedlingen.test, 010-486 00 00",
                  "2026-12-07", "2026-12-07"),
}
ORG_IDS = {"Leksands kommun": "leksands-kommun", "Gagnefs kommun": "gagnefs-kommun",
           "Hedemora kommun": "hedemora-kommun", "Ludvika kommun": "ludvika-kommun",
           "Avesta kommun": "avesta-kommun", "Vansbro kommun": "vansbro-kommun",
           "Säters kommun": "saters-kommun", "Rättviks kommun": "rattviks-kommun",
           "Malung-Sälens kommun": "malung-salens-kommun", "Borlänge kommun": "borlange-kommun",
           "Falu kommun": "falu-kommun", "Kvinnojouren i Falun": "kvinnojouren-falun",
           "Brottsofferjouren Dalarna": "brottsofferjouren-dalarna",
           "Region Dalarna": "region-dalarna", "Mora kommun": "mora-kommun",
           "Orsa kommun": "orsa-kommun", "Älvdalens kommun": "alvdalens-kommun",
           "Smedjebackens kommun": "smedjebackens-kommun",
           "Arbetsförmedlingen": "arbetsformedlingen"}


def written_lines(v):
    """The form as printed and filled in, one line per label (scans)."""
    lines = [f"{label} {v[key]}" for label, key in LABELS]
    lines += ["Interna kontaktvägar:"] + v["internal_channels"].split("\n")
    lines += [MANAGER]
    lines += [f"{label} {v[key]}" for label, key in MANAGER_LABELS]
    return lines


# --------------------------------------------------------------------------
# Pictures: the printed form, photos, scans
# --------------------------------------------------------------------------

# DejaVu Serif: with DejaVu Sans, `-l swe+eng` reads '@' as 'Q' in about a
# third of the address lines (eng alone reads them right but loses å/ä/ö).
FORM_FONT = ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf")
FORM_SIZE = 34     # px on a 1700 px wide page: about 11.5 pt


def font(size, bold=False, faces=None):
    regular, heavy = faces or FORM_FONT
    return ImageFont.truetype(os.path.join(FONT_DIR, heavy if bold else regular), size)


def form_page(v, width, height, scribble_seed=None):
    """The printed form filled in, on a white page of `width` x `height` px
    (A4 proportions), every value on its own `Label: value` line, in DejaVu
    at about 12 pt for the page's resolution."""
    s = width / 1700
    img = Image.new("L", (width, height), 255)
    d = ImageDraw.Draw(img)
    regular, bold, small = font(round(FORM_SIZE * s)), font(round(FORM_SIZE * s), True), font(round(28 * s))
    x, y, step = round(130 * s), round(150 * s), round(64 * s)
    d.text((x, y), HEADING, font=bold, fill=0)
    y += step
    d.text((x, y), SUBHEADING, font=small, fill=0)
    y += 2 * step
    for label, key in LABELS:
        d.text((x, y), f"{label} {v[key]}", font=regular, fill=0)
        y += step
    d.text((x, y), "Interna kontaktvägar:", font=regular, fill=0)
    for line in v["internal_channels"].split("\n"):
        y += step
        d.text((x, y), line, font=regular, fill=0)
    y += 2 * step
    d.text((x, y), MANAGER, font=bold, fill=0)
    if scribble_seed is not None:
        # A signature in ink, in the gap below the heading.
        rng = random.Random(scribble_seed)
        pts, px = [], x + round(40 * s)
        for i in range(40):
            px += rng.randrange(round(6 * s), round(14 * s))
            pts.append((px, y + round(1.35 * step) + round(rng.uniform(-0.35, 0.35) * step)))
        d.line(pts, fill=70, width=max(2, round(3 * s)), joint="curve")
    y += 2 * step + round(10 * s)
    for label, key in MANAGER_LABELS:
        d.text((x, y), f"{label} {v[key]}", font=regular, fill=0)
        y += step
    return img


def letter_page(lines, width, height):
    """A typed cover letter page (no form labels)."""
    s = width / 1700
    img = Image.new("L", (width, height), 255)
    d = ImageDraw.Draw(img)
    regular = font(round(36 * s))
    x, y, step = round(150 * s), round(200 * s), round(60 * s)
    for line in lines:
        d.text((x, y), line, font=regular, fill=0)
        y += step
    return img


def noise_layer(size, seed, strength):
    """Deterministic grain: random bytes scaled down to 0..strength."""
    rng = random.Random(seed)
    raw = Image.frombytes("L", size, rng.randbytes(size[0] * size[1]))
    return raw.point(lambda p: p * strength // 255)


def phone_photo(page, seed, size=(1512, 2016), angle=0.0, background=(118, 108, 96)):
    """A phone photo of a sheet of paper lying on a table: the page (mode L)
    slightly warm, lit unevenly, on a textured background, grain and a
    little blur.  Returns an RGB image of `size`."""
    W, H = size
    rng = random.Random(seed)
    bg = Image.new("RGB", size, background)
    bg = Image.blend(bg, Image.merge("RGB", [noise_layer(size, seed + 1, 255)] * 3), 0.08)
    paper = Image.merge("RGB", [page.point(lambda p, m=m: p * m // 255) for m in (246, 242, 232)])
    mask = Image.new("L", page.size, 255)
    if angle:
        paper = paper.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=(0, 0, 0))
        mask = mask.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=0)
    ox = (W - paper.width) // 2 + rng.randrange(-8, 9)
    oy = (H - paper.height) // 2 + rng.randrange(-8, 9)
    bg.paste(paper, (ox, oy), mask)
    # Uneven light: darker towards the bottom and the edges (up to 18 %).
    light = Image.blend(Image.linear_gradient("L").resize(size), Image.radial_gradient("L").resize(size), 0.5)
    light = light.point(lambda p: 255 - p * 46 // 255)
    photo = ImageChops.multiply(bg, Image.merge("RGB", [light] * 3))
    grain = noise_layer(size, seed + 2, 22)
    photo = ImageChops.subtract(photo, Image.merge("RGB", [grain] * 3))
    return photo.filter(ImageFilter.GaussianBlur(0.7))


def jpeg_bytes(img, quality=85, orientation=None, phone=None, when="2026:12:07 10:15:12"):
    exif = Image.Exif()
    if phone:
        exif[0x010F], exif[0x0110] = phone
        exif[0x0131] = "18.1"
    exif[0x0132] = when
    if orientation is not None:
        exif[0x0112] = orientation
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=quality, exif=exif.tobytes())
    return out.getvalue()


def stored_for(img, orientation):
    """The pixels as a camera stores them for EXIF `orientation` (a viewer
    applying the tag shows `img` upright)."""
    return {1: img, 3: img.transpose(Image.ROTATE_180), 6: img.transpose(Image.ROTATE_90),
            8: img.transpose(Image.ROTATE_270)}[orientation]


def scanner_noise(img, seed):
    """A copier's page: light grey speckles and a faint grey cast."""
    rng = random.Random(seed)
    px = img.load()
    w, h = img.size
    for _ in range(w * h // 1500):
        i, j = rng.randrange(w), rng.randrange(h)
        px[i, j] = max(0, px[i, j] - rng.randrange(20, 70))
    return img.point(lambda p: 8 + p * 240 // 255)


def scan_pdf(pages, quality=75):
    """An image-only PDF as a copier writes it: each page one JPEG covering
    the A4 page, no text layer."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.setCreator("KONICA MINOLTA bizhub C300i")
    w, h = A4
    for img in pages:
        jpg = io.BytesIO()
        img.save(jpg, format="JPEG", quality=quality, dpi=(300, 300))
        c.drawImage(ImageReader(io.BytesIO(jpg.getvalue())), 0, 0, width=w, height=h)
        c.showPage()
    c.save()
    return buf.getvalue()


def png_bytes(img, **kw):
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True, **kw)
    return out.getvalue()


A4_300 = (2480, 3508)
A4_200 = (1654, 2339)
PHOTO_PAGE = (1380, 1951)


def photo_of(key, seed, angle=0.0, background=(118, 108, 96), page=PHOTO_PAGE):
    return phone_photo(form_page(V[key], *page, scribble_seed=seed), seed, angle=angle, background=background)


def upside_down_scan():
    page = scanner_noise(form_page(V["g06"], *A4_300, scribble_seed=606), 6060)
    return scan_pdf([page.transpose(Image.ROTATE_180)])


def sideways_png():
    page = form_page(V["g07"], *A4_200, scribble_seed=707)
    return png_bytes(page.transpose(Image.ROTATE_270), dpi=(200, 200))


COVER = ["Malung 15 december 2026", "", "Länsstyrelsen Dalarna", "Till länets strateg", "",
         "Hej!", "",
         "Vi har utsett en ny representant och en ny ersättare i länsgruppen.",
         "Den ifyllda och underskrivna blanketten finns på nästa sida.",
         "Hör gärna av dig om något är oklart.", "",
         "Med vänliga hälsningar", "", "Eva Norling", "Socialchef, Malung-Sälens kommun"]


def two_page_scan():
    cover = scanner_noise(letter_page(COVER, *A4_300), 9090)
    form = scanner_noise(form_page(V["g09"], *A4_300, scribble_seed=909), 9091)
    return scan_pdf([cover, form])


# --------------------------------------------------------------------------
# Word documents (python-docx), .doc and .rtf through LibreOffice
# --------------------------------------------------------------------------

def normalise_zip(data):
    """Rewrites an archive with fixed timestamps, so that output is stable."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, FIXED_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def new_docx(author):
    d = docx.Document()
    d.core_properties.author = author
    d.core_properties.last_modified_by = author
    d.core_properties.created = datetime.datetime(2026, 10, 1, 8, 0, 0)
    d.core_properties.modified = datetime.datetime(2026, 12, 1, 8, 0, 0)
    d.core_properties.revision = 3
    d.add_heading(HEADING, level=1)
    d.add_paragraph(SUBHEADING)
    return d


def save_docx(d):
    buf = io.BytesIO()
    d.save(buf)
    return normalise_zip(buf.getvalue())


def el(tag, **attrs):
    e = OxmlElement(tag)
    for k, v in attrs.items():
        e.set(qn(k), v)
    return e


def run(text, bold=False):
    r = el("w:r")
    if bold:
        rpr = el("w:rPr")
        rpr.append(el("w:b"))
        r.append(rpr)
    t = el("w:t")
    t.text = text
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    r.append(t)
    return r


def split_runs(p, text):
    """A value typed in several goes: runs with spell-check marks between."""
    cut = max(1, len(text) // 2)
    p._p.append(run(text[:cut]))
    p._p.append(el("w:proofErr", **{"w:type": "spellStart"}))
    p._p.append(run(text[cut:]))
    p._p.append(el("w:proofErr", **{"w:type": "spellEnd"}))


def legacy_field(p, name, value):
    """A legacy text form field (Word's FORMTEXT): begin, instruction,
    separate, the result runs, end.  Empty fields show five en spaces."""
    begin = el("w:r")
    fld = el("w:fldChar", **{"w:fldCharType": "begin"})
    ff = el("w:ffData")
    ff.append(el("w:name", **{"w:val": name}))
    ff.append(el("w:enabled"))
    ff.append(el("w:calcOnExit", **{"w:val": "0"}))
    ff.append(el("w:textInput"))
    fld.append(ff)
    begin.append(fld)
    p._p.append(begin)
    instr = el("w:r")
    it = el("w:instrText")
    it.text = " FORMTEXT "
    it.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    instr.append(it)
    p._p.append(instr)
    sep = el("w:r")
    sep.append(el("w:fldChar", **{"w:fldCharType": "separate"}))
    p._p.append(sep)
    if value:
        split_runs(p, value)
    else:
        p._p.append(run("\u2002" * 5))
    end = el("w:r")
    end.append(el("w:fldChar", **{"w:fldCharType": "end"}))
    p._p.append(end)


MANAGER_DOC = [("Namn:", "manager_name"), ("Titel:", "manager_title"),
               ("Mejl/telefon:", "manager_contact"), ("Datum:", "date_written")]


def docx_legacy_fields(v, author):
    """Labels in bold, each value a legacy FORMTEXT field (Word 2003 style)."""
    d = new_docx(author)
    d.add_paragraph("Fyll i fälten och skicka blanketten till länets strateg.")
    for i, (label, key) in enumerate(LABELS):
        p = d.add_paragraph()
        p._p.append(run(label + " ", bold=True))
        legacy_field(p, "Text%d" % (i + 1), v.get(key, ""))
    d.add_paragraph().add_run(CHANNELS).bold = True
    for i, line in enumerate(v["internal_channels"].split("\n")):
        legacy_field(d.add_paragraph(), "Kanal%d" % (i + 1), line)
    d.add_paragraph().add_run(MANAGER).bold = True
    for i, (label, key) in enumerate(MANAGER_DOC):
        p = d.add_paragraph()
        p._p.append(run(label + " ", bold=True))
        legacy_field(p, "Chef%d" % (i + 1), v[key])
    return save_docx(d)


def docx_table(v, author):
    """The form as a two-column table: label cell | value cell."""
    d = new_docx(author)
    t = d.add_table(rows=0, cols=2)
    t.style = "Table Grid"
    rows = LABELS + [(CHANNELS, "internal_channels"), (MANAGER, None)] + MANAGER_DOC
    for label, key in rows:
        cells = t.add_row().cells
        cells[0].paragraphs[0].add_run(label).bold = True
        if key is None:
            continue
        for i, line in enumerate(v.get(key, "").split("\n")):
            p = cells[1].paragraphs[0] if i == 0 else cells[1].add_paragraph()
            if line:
                split_runs(p, line)
    return save_docx(d)


def docx_paragraphs(v, author, sep=" "):
    """One paragraph per label, `Label:<sep>value`; empty values leave the
    label alone on its line."""
    d = new_docx(author)
    for label, key in LABELS:
        p = d.add_paragraph()
        p.add_run(label + sep)
        if v.get(key):
            split_runs(p, v[key])
    d.add_paragraph(CHANNELS)
    for line in v["internal_channels"].split("\n"):
        d.add_paragraph(line)
    d.add_paragraph()
    d.add_paragraph().add_run(MANAGER).bold = True
    d.add_paragraph()
    for label, key in MANAGER_DOC:
        p = d.add_paragraph()
        p.add_run(label + sep)
        p.add_run(v[key])
    return save_docx(d)


def soffice_convert(data, ext, target):
    """Converts a .docx with LibreOffice (headless) to `target` (doc, rtf)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        raise SystemExit("soffice not found: apt-get install libreoffice-writer-nogui")
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "blankett." + ext)
        with open(src, "wb") as f:
            f.write(data)
        out = os.path.join(tmp, "out")
        subprocess.run([soffice, "-env:UserInstallation=file://%s/profile" % tmp, "--headless",
                        "--convert-to", target, "--outdir", out, src],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
        with open(os.path.join(out, "blankett." + target), "rb") as f:
            return f.read()


# --------------------------------------------------------------------------
# RTF by hand (Outlook's rich-text body) and LZFu (MS-OXRTFCP)
# --------------------------------------------------------------------------

def rtf_escape(text):
    out = []
    for ch in text:
        if ch in "\\{}":
            out.append("\\" + ch)
        elif ord(ch) < 128:
            out.append(ch)
        else:
            try:
                out.append("\\'%02x" % ch.encode("cp1252")[0])
            except UnicodeEncodeError:
                out.append("\\u%d?" % (ord(ch) if ord(ch) < 32768 else ord(ch) - 65536))
    return "".join(out)


def outlook_rtf(paragraphs):
    """A message body as Outlook's rich-text editor (RichEdit 2.0) writes it."""
    head = ("{\\rtf1\\ansi\\ansicpg1252\\deff0\\nouicompat\\deflang1053{\\fonttbl{\\f0\\fswiss\\fcharset0 "
            "Calibri;}}\r\n{\\colortbl ;\\red0\\green0\\blue255;}\r\n{\\*\\generator Riched20 "
            "16.0.17928}\\viewkind4\\uc1 \r\n\\pard\\f0\\fs22\\lang1053 ")
    body = "".join(rtf_escape(p) + "\\par\r\n" for p in paragraphs)
    return (head + body + "}\r\n\0").encode("ascii")


LZFU_PREBUF = (b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss "
               b"\\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier"
               b"{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx")
assert len(LZFU_PREBUF) == 207


def lzfu_crc(data):
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
        table.append(c)
    crc = 0
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def lzfu_compress(raw):
    """Compressed RTF (MS-OXRTFCP, type LZFu): greedy longest match in the
    4096-byte circular dictionary that starts with the 207-byte prebuffer;
    references only read bytes already written and never the range being
    written; the stream ends with a reference to the write position."""
    dic = bytearray(4096)
    dic[:207] = LZFU_PREBUF
    wp, filled = 207, 207          # write position; bytes ever written (capped)
    out, tokens = bytearray(), []
    i = 0
    while i < len(raw):
        best_len, best_off = 0, 0
        limit = min(17, len(raw) - i)
        if limit >= 2:
            for off in range(4096):
                if off == wp or (filled < 4096 and off >= filled):
                    continue
                n = 0
                while n < limit:
                    pos = (off + n) % 4096
                    if filled < 4096 and pos >= filled:
                        break
                    if (pos - wp) % 4096 < limit:   # inside the range being written
                        break
                    if dic[pos] != raw[i + n]:
                        break
                    n += 1
                if n > best_len:
                    best_len, best_off = n, off
                    if n == limit:
                        break
        if best_len >= 2:
            tokens.append((True, struct.pack(">H", (best_off << 4) | (best_len - 2))))
            chunk = raw[i:i + best_len]
        else:
            tokens.append((False, raw[i:i + 1]))
            chunk = raw[i:i + 1]
        for b in chunk:
            dic[wp] = b
            wp = (wp + 1) % 4096
            filled = min(4096, filled + 1)
        i += len(chunk)
    tokens.append((True, struct.pack(">H", wp << 4)))  # the end marker
    for k in range(0, len(tokens), 8):
        group = tokens[k:k + 8]
        out.append(sum(1 << j for j, (ref, _) in enumerate(group) if ref))
        for _, b in group:
            out += b
    return struct.pack("<IIII", len(out) + 12, len(raw), 0x75465A4C, lzfu_crc(out)) + bytes(out)


def lzfu_decompress(data):
    comp_size, raw_size, magic, crc = struct.unpack_from("<IIII", data)
    assert magic == 0x75465A4C and comp_size == len(data) - 4
    body = data[16:]
    assert crc == lzfu_crc(body)
    dic = bytearray(4096)
    dic[:207] = LZFU_PREBUF
    wp, out, i = 207, bytearray(), 0
    while i < len(body):
        control = body[i]
        i += 1
        for bit in range(8):
            if i >= len(body):
                break
            if control & (1 << bit):
                word = struct.unpack_from(">H", body, i)[0]
                i += 2
                off, n = word >> 4, (word & 15) + 2
                if off == wp:
                    assert len(out) == raw_size
                    return bytes(out)
                for k in range(n):
                    b = dic[(off + k) % 4096]
                    out.append(b)
                    dic[wp] = b
                    wp = (wp + 1) % 4096
            else:
                out.append(body[i])
                dic[wp] = body[i]
                wp = (wp + 1) % 4096
                i += 1
    raise ValueError("no end marker")


# --------------------------------------------------------------------------
# TNEF (MS-OXTNEF): a rich-text message body, no attachments
# --------------------------------------------------------------------------

LVL_MESSAGE = 1
ATT_TNEF_VERSION, ATT_OEM_CODEPAGE = 0x00089006, 0x00069007
ATT_MESSAGE_CLASS, ATT_SUBJECT, ATT_DATE_SENT = 0x00078008, 0x00018004, 0x00038005
ATT_MESSAGE_ID, ATT_MSG_PROPS = 0x00018009, 0x00069003
PT_LONG, PT_BOOLEAN, PT_STRING8, PT_BINARY = 0x0003, 0x000B, 0x001E, 0x0102


def attribute(level, att_id, data):
    return struct.pack("<BII", level, att_id, len(data)) + data + struct.pack("<H", sum(data) % 65536)


def pad(data):
    return data + b"\0" * (-len(data) % 4)


def prop(ptype, pid, value):
    out = struct.pack("<HH", ptype, pid)
    if ptype in (PT_STRING8, PT_BINARY):
        return out + struct.pack("<II", 1, len(value)) + pad(value)
    return out + struct.pack("<I", value & 0xFFFFFFFF)


def string8(text):
    return text.encode("cp1252") + b"\0"


def winmail_rtf_body(subject, rtf_compressed, message_id):
    """A winmail.dat whose only content is the message: its properties hold
    PidTagRtfCompressed (0x1009) and PidTagRtfInSync; no PidTagBody."""
    out = bytearray(struct.pack("<IH", 0x223E9F78, 0x6E31))
    out += attribute(LVL_MESSAGE, ATT_TNEF_VERSION, struct.pack("<I", 0x00010000))
    out += attribute(LVL_MESSAGE, ATT_OEM_CODEPAGE, struct.pack("<II", 1252, 0))
    out += attribute(LVL_MESSAGE, ATT_MESSAGE_CLASS, b"IPM.Microsoft Mail.Note\0")
    out += attribute(LVL_MESSAGE, ATT_SUBJECT, string8(subject))
    out += attribute(LVL_MESSAGE, ATT_DATE_SENT, struct.pack("<7H", 2026, 12, 21, 10, 4, 0, 1))
    out += attribute(LVL_MESSAGE, ATT_MESSAGE_ID, string8(message_id))
    items = [
        prop(PT_STRING8, 0x0037, string8(subject)),        # PidTagSubject
        prop(PT_LONG, 0x3FFD, 1252),                        # PidTagMessageCodepage
        prop(PT_LONG, 0x3FDE, 1252),                        # PidTagInternetCodepage
        prop(PT_BOOLEAN, 0x0E1F, 1),                        # PidTagRtfInSync
        prop(PT_LONG, 0x1016, 2),                           # PidTagNativeBody: 2 = RTF
        prop(PT_BINARY, 0x1009, rtf_compressed),            # PidTagRtfCompressed
    ]
    out += attribute(LVL_MESSAGE, ATT_MSG_PROPS, struct.pack("<I", len(items)) + b"".join(items))
    return bytes(out)


# --------------------------------------------------------------------------
# Broken and hostile files
# --------------------------------------------------------------------------

def truncated_central_directory(data):
    """Cut inside the central directory: every local entry is whole, the
    directory stops half-way and the end record is gone."""
    start = data.index(b"PK\x01\x02")
    end = data.index(b"PK\x05\x06")
    return data[:start + (end - start) // 2]


def encrypted_pdf(v):
    """A text PDF that needs a (non-empty) user password to open."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.setFont("DejaVuBd", 14)
    c.drawString(70, 790, HEADING)
    c.setFont("DejaVu", 10.5)
    y = 740
    for line in written_lines(v):
        c.drawString(70, y, line)
        y -= 22
    c.showPage()
    c.save()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(buf.getvalue())))
    fixed = ByteStringObject(bytes.fromhex("5b1e0c2a9d7f44e1a6c38b0f12e4d719"))
    writer.generate_file_identifiers = lambda: setattr(writer, "_ID", ArrayObject((fixed, fixed)))
    writer.encrypt(user_password="Ludvika2026", owner_password="agare-ludvika",
                   algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def compound_file(streams):
    """A minimal Compound File Binary (v3, 512-byte sectors) holding the
    given streams (each at least 4096 bytes, so no mini stream)."""
    ENDOFCHAIN, FREESECT, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    sectors, fat = [], [FATSECT, ENDOFCHAIN]   # sector 0: FAT, sector 1: directory
    starts = []
    next_sector = 2
    for _, data in streams:
        assert len(data) >= 4096
        n = (len(data) + 511) // 512
        starts.append(next_sector)
        fat += [next_sector + k + 1 for k in range(n - 1)] + [ENDOFCHAIN]
        sectors.append(data + b"\0" * (n * 512 - len(data)))
        next_sector += n
    assert len(fat) <= 128
    fat += [FREESECT] * (128 - len(fat))

    def entry(name, kind, left, right, child, start, size):
        wide = (name + "\0").encode("utf-16-le") if name else b""
        return (wide.ljust(64, b"\0") + struct.pack("<HBB", len(wide), kind, 1)
                + struct.pack("<III", left, right, child) + b"\0" * 16 + struct.pack("<I", 0)
                + b"\0" * 16 + struct.pack("<IQ", start, size))

    # Tree: the root's child is streams[0]; streams[1:] hang to its left
    # (names compare by length first, and the later names are shorter).
    ents = [entry("Root Entry", 5, NOSTREAM, NOSTREAM, 1, ENDOFCHAIN, 0)]
    for k, (name, data) in enumerate(streams):
        left = k + 2 if k + 1 < len(streams) else NOSTREAM
        ents.append(entry(name, 2, left, NOSTREAM, NOSTREAM, starts[k], len(data)))
    while len(ents) % 4:
        ents.append(entry("", 0, NOSTREAM, NOSTREAM, NOSTREAM, 0, 0))
    assert len(ents) == 4
    header = (bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 16
              + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, ENDOFCHAIN, 0, ENDOFCHAIN, 0)
              + struct.pack("<I", 0) + struct.pack("<I", FREESECT) * 108)
    assert len(header) == 512
    fat_sector = struct.pack("<128I", *fat)
    return header + fat_sector + b"".join(ents) + b"".join(sectors)


def broken_doc():
    """A Word 97 file whose compound file is sound but whose WordDocument
    stream is garbage after a plausible FIB: the text length and the piece
    table (fcClx/lcbClx) point far past the end of the streams."""
    rng = random.Random(2020)
    word = bytearray(rng.randbytes(6144))
    fib_base = struct.pack("<HHHHHH", 0xA5EC, 0x00C1, 0x0000, 0x041D, 0x0000, 0x0200)  # fWhichTblStm
    fib_base += struct.pack("<HIBBHHI", 0x00BF, 0, 0, 0, 0, 0, 0)
    fib_base += struct.pack("<I", 0)
    fib_base = fib_base[:32].ljust(32, b"\0")
    word[0:32] = fib_base
    struct.pack_into("<H", word, 32, 14)                    # csw
    word[34:62] = b"\0" * 28                                # fibRgW
    struct.pack_into("<H", word, 62, 22)                    # cslw
    lw = [0] * 22
    lw[0] = 6144                                            # cbMac
    lw[3] = 0x00FFFFF0                                      # ccpText: 16 M characters
    word[64:152] = struct.pack("<22I", *lw)
    struct.pack_into("<H", word, 152, 0x005D)               # cbRgFcLcb
    fclcb = [rng.randrange(1 << 31) for _ in range(2 * 0x5D)]
    fclcb[2 * 33], fclcb[2 * 33 + 1] = 0x7FFFFF00, 0x00100000   # fcClx, lcbClx
    word[154:154 + 8 * 0x5D] = struct.pack("<%dI" % (2 * 0x5D), *fclcb)
    table = rng.randbytes(4096)
    return compound_file([("WordDocument", bytes(word)), ("1Table", table)])


def nested_rtf(v, depth=100000):
    """The form's text inside 100,000 nested groups."""
    head = "{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fswiss Calibri;}}\\f0\\fs22 "
    body = "".join(rtf_escape(line) + "\\par " for line in written_lines(v))
    return (head + "{" * depth + body + "}" * depth + "}\r\n").encode("ascii")


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width=20000, height=20000):
    """A white 8-bit greyscale PNG of width x height px, compressed row by
    row with zlib (never held in memory): ~400 MB of pixels in ~400 KB."""
    comp = zlib.compressobj(9)
    row = b"\0" + b"\xff" * width        # filter type 0, then the pixels
    idat = bytearray()
    for _ in range(height):
        idat += comp.compress(row)
    idat += comp.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    out = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)
    out += png_chunk(b"pHYs", struct.pack(">IIB", 7874, 7874, 1))
    for k in range(0, len(idat), 1 << 16):
        out += png_chunk(b"IDAT", bytes(idat[k:k + (1 << 16)]))
    return out + png_chunk(b"IEND", b"")


def signature_logo():
    """A 200 x 60 px signature logo, ~60 KB: a little noise in the picture
    and a large uncompressed XMP packet (iTXt), as some image editors save."""
    rng = random.Random(2222)
    img = Image.new("RGB", (200, 60), (255, 255, 255))
    d = ImageDraw.Draw(img)
    d.rectangle((0, 0, 54, 59), fill=(0, 75, 135))
    d.ellipse((12, 14, 42, 44), outline=(255, 255, 255), width=4)
    sans = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
    d.text((62, 10), "Arbets-", font=font(16, True, sans), fill=(0, 75, 135))
    d.text((62, 30), "förmedlingen", font=font(16, True, sans), fill=(0, 75, 135))
    px = img.load()
    for _ in range(3000):
        x, y = rng.randrange(56, 200), rng.randrange(60)
        r, g, b = px[x, y]
        k = rng.randrange(-6, 7)
        px[x, y] = (min(255, max(0, r + k)), min(255, max(0, g + k)), min(255, max(0, b + k)))
    xmp = ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
           '<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core 9.1-c002">\n'
           ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
           '  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/"'
           ' xmp:CreatorTool="Adobe Photoshop 26.1 (Windows)" xmp:CreateDate="2024-03-11T10:21:07+01:00"/>\n'
           ' </rdf:RDF>\n</x:xmpmeta>\n')
    history = "".join('<!-- stEvt:instanceID="xmp.iid:%032x" stEvt:action="saved" -->\n'
                      % rng.getrandbits(128) for _ in range(500))
    xmp += history + " " * 8000 + '\n<?xpacket end="w"?>'
    info = PngInfo()
    info.add_itxt("XML:com.adobe.xmp", xmp, zip=False)
    return png_bytes(img, pnginfo=info)


# --------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------

class Verbatim(Compat32):
    """Header values are written as given (pre-encoded), folds become CRLF."""

    def fold(self, name, value):
        return name + ": " + value.replace("\r\n", "\n").replace("\n", self.linesep) + self.linesep

    def fold_binary(self, name, value):
        return self.fold(name, value).encode("ascii", "surrogateescape")


POLICY = Verbatim(linesep="\r\n")


def q_word(text):
    raw = text.encode("cp1252").decode("latin-1")
    body = "".join(c if c.isascii() and (c.isalnum() or c in "-.") else ("_" if c == " " else "=%02X" % ord(c))
                   for c in raw)
    return "=?iso-8859-1?Q?%s?=" % body


def b_word(text):
    return "=?UTF-8?B?%s?=" % base64.b64encode(text.encode()).decode()


def hdr_text(text, enc=q_word):
    return text if text.isascii() else enc(text)


def part(headers, payload):
    m = Message(policy=POLICY)
    for k, v in headers:
        m[k] = v
    m.set_payload(payload)
    return m


def multipart(subtype, boundary, parts, extra=""):
    m = Message(policy=POLICY)
    m["Content-Type"] = 'multipart/%s;\n\tboundary="%s"%s' % (subtype, boundary, extra)
    for p in parts:
        m.attach(p)
    return m


def qp(text, charset="utf-8"):
    return quopri.encodestring(text.replace("\n", "\r\n").encode(charset)).decode("ascii")


def text_part(text, ctype='text/plain; charset="utf-8"', charset="utf-8"):
    return part([("Content-Type", ctype), ("Content-Transfer-Encoding", "quoted-printable")],
                qp(text, charset))


def html_part(html, ctype='text/html; charset="utf-8"'):
    return part([("Content-Type", ctype), ("Content-Transfer-Encoding", "quoted-printable")],
                qp(html))


def b64(data):
    return base64.encodebytes(data).decode("ascii")


def file_part(name, data, ctype, style, disposition="attachment", cid=None, extra=()):
    """An attachment (or inline part) with the file name as `style` writes it."""
    if style == "outlook":
        enc = q_word(name) if not name.isascii() else name
        ctype_h = '%s;\n\tname="%s"' % (ctype, enc)
        disp = '%s; filename="%s";\n\tsize=%d;\n\tcreation-date="Mon, 07 Dec 2026 09:12:00 GMT";\n\t' \
               'modification-date="Mon, 07 Dec 2026 09:12:00 GMT"' % (disposition, enc, len(data))
    elif style == "gmail":
        enc = b_word(name) if not name.isascii() else name
        ctype_h = '%s; name="%s"' % (ctype, enc)
        disp = '%s; filename="%s"' % (disposition, enc)
    elif style == "apple":
        if name.isascii():
            ctype_h = '%s;\n\tname="%s"' % (ctype, name)
            disp = '%s;\n\tfilename="%s"' % (disposition, name)
        else:
            ctype_h = "%s;\n\tx-unix-mode=0644;\n\tname*=utf-8''%s" % (ctype, quote(name))
            disp = "%s;\n\tfilename*=utf-8''%s" % (disposition, quote(name))
    else:  # plain: what most other programs write
        ctype_h = '%s; name="%s"' % (ctype, name)
        disp = '%s; filename="%s"' % (disposition, name)
    headers = [("Content-Type", ctype_h), ("Content-Disposition", disp),
               ("Content-Transfer-Encoding", "base64")]
    if cid:
        headers.append(("Content-ID", "<%s>" % cid))
    headers += list(extra)
    return part(headers, b64(data))


def envelope(m, c):
    """Top-level headers, in the order the sending client writes them."""
    sender, addr = c["sender"]
    top = Message(policy=POLICY)
    domain = addr.split("@")[1]
    top["Received"] = ("from mx1.lansstyrelsen.test (mx1.lansstyrelsen.test [198.51.100.14])\n"
                       "\tby mbx01.lansstyrelsen.test with ESMTPS id %s\n\tfor <strateg@lansstyrelsen.test>; %s"
                       % (c["id"][:12].upper().replace("-", "").replace(".", ""), c["date"]))
    top["From"] = "%s <%s>" % (hdr_text(sender, b_word), addr)
    top["To"] = "%s <strateg@lansstyrelsen.test>" % q_word("Strateg Länsstyrelsen Dalarna")
    top["Subject"] = hdr_text(c["subject"])
    top["Date"] = c["date"]
    top["Message-ID"] = "<%s@%s>" % (c["id"], c.get("msgid_domain", domain))
    style = c["style"]
    if style == "outlook":
        top["Thread-Topic"] = hdr_text(c["subject"])
        top["Accept-Language"] = "sv-SE, en-US"
        top["Content-Language"] = "sv-SE"
        top["X-MS-Has-Attach"] = "yes" if c.get("has_attach", True) else ""
    elif style == "apple":
        top["X-Mailer"] = c.get("mailer", "iPhone Mail (22B91)")
    elif style == "thunderbird":
        top["User-Agent"] = "Mozilla Thunderbird"
        top["Content-Language"] = "sv"
    for k, v in c.get("headers", []):
        top[k] = v
    top["MIME-Version"] = "1.0 (1.0)" if style == "apple" else "1.0"
    for k, v in m.items():
        top[k] = v
    if m.is_multipart():
        for p in m.get_payload():
            top.attach(p)
    else:
        top.set_payload(m.get_payload())
    buf = io.BytesIO()
    BytesGenerator(buf, mangle_from_=False, policy=POLICY).flatten(top)
    return buf.getvalue().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def html_paragraphs(text):
    body = "".join("<p class=MsoNormal>%s<o:p></o:p></p>\n" % (line or "&nbsp;") for line in text.split("\n"))
    return ("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">"
            "<meta name=\"Generator\" content=\"Microsoft Word 15 (filtered medium)\"></head>"
            "<body lang=\"SV\" link=\"#467886\" vlink=\"#96607D\">\n<div class=WordSection1>\n%s</div>\n</body></html>"
            % body)


def gmail_html(text):
    return "<div dir=\"ltr\">%s</div>\n" % "".join(
        "<div>%s</div>" % (line or "<br>") for line in text.split("\n"))


def mail_with_files(c, files):
    """Body (text, or text + HTML) then the files as attachments."""
    style, body = c["style"], c["body"]
    if style == "outlook":
        first = multipart("alternative", "_000_%s_" % c["id"],
                          [text_part(body), html_part(html_paragraphs(body))])
    elif style == "gmail":
        first = multipart("alternative", "0000000000%s" % c["id"][-8:].lower().replace("-", "0") + "a",
                          [text_part(body, 'text/plain; charset="UTF-8"'),
                           html_part(gmail_html(body), 'text/html; charset="UTF-8"')])
    elif style == "thunderbird":
        first = text_part(body, "text/plain; charset=UTF-8; format=flowed")
    else:
        first = text_part(body, "text/plain;\n\tcharset=utf-8")
    boundary = {"outlook": "_004_%s_" % c["id"], "gmail": "0000000000%sb" % c["id"][-8:].lower(),
                "apple": "Apple-Mail-%s" % c["id"], "thunderbird": "------------%s" % c["id"],
                "plain": "----=_Part_%s" % c["id"]}[style]
    parts = [first] + [file_part(name, data, ctype, style) for name, data, ctype in files]
    return envelope(multipart("mixed", boundary, parts), c)


# --------------------------------------------------------------------------
# Expected results
# --------------------------------------------------------------------------

def form_result(v, source, method, drop=()):
    fields = fields_of(v, drop)
    missing = [k for k in KEYS if k not in fields]
    return {"status": "incomplete" if missing else "complete", "source": source, "fields": fields,
            "organisation_id": ORG_IDS.get(v["organisation"]), "missing": missing, "invalid": [],
            "method": method}


def expected_form(v, source, method, note, more=()):
    out = form_result(v, source, method)
    method = out.pop("method")
    out["note"] = note
    out["method"] = method
    if more:
        out["more_forms"] = list(more)
    return out


def expected_unreadable(source, note):
    return {"status": "unreadable", "source": source, "fields": {}, "organisation_id": None,
            "missing": [], "invalid": [], "note": note}


def expected_scan(v, source, note):
    out = expected_unreadable(source, note)
    out["ocr_fields"] = fields_of(v)
    out["ocr_organisation_id"] = ORG_IDS[v["organisation"]]
    return out


# --------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------

def form_text(v):
    lines = [f"{label} {v[key]}" for label, key in LABELS]
    lines += [CHANNELS] + v["internal_channels"].split("\n") + ["", MANAGER, ""]
    lines += [f"{label} {v[key]}" for label, key in MANAGER_DOC]
    return "\n".join(lines)


def g01():
    c = dict(style="apple", id="6E2B1F4A-0C3D-4B8E-9A71-3C5D2E8F4411", sender=("Hanna Lindqvist",
             "hanna.lindqvist@leksand.test"), subject="Blankett", date="Mon, 7 Dec 2026 10:16:03 +0100",
             msgid_domain="leksand.test")
    jpg = jpeg_bytes(photo_of("g01", 101), orientation=1, phone=("Apple", "iPhone 13"))
    b = "Apple-Mail-%s" % c["id"]
    m = multipart("mixed", b, [
        text_part("Hej! Här är blanketten.\n", "text/plain;\n\tcharset=utf-8"),
        part([("Content-Type", 'image/jpeg;\n\tname="IMG_4411.jpeg";\n\tx-apple-part-url=%s' % c["id"]),
              ("Content-Disposition", 'inline; filename="IMG_4411.jpeg"'),
              ("Content-Transfer-Encoding", "base64")], b64(jpg)),
        text_part("\nSkickat från min iPhone", "text/plain;\n\tcharset=utf-8"),
    ])
    return envelope(m, c), expected_scan(
        V["g01"], "attachment:IMG_4411.jpeg",
        "iPhone Mail: the photo (JPEG, EXIF Orientation 1) is an inline part with a file name and no "
        "Content-ID between two text/plain parts ('Skickat från min iPhone'): a page-sized photo is read "
        "with OCR like any attachment."), [("IMG_4411.jpeg", jpg, "jpeg", 0)]


def g02():
    c = dict(style="gmail", id="CAJx7Rm2pQ9wLk3Vn0sT5bYh8dGf4e1Zc6uN9aXo2iE4Bq7pW3A",
             sender=("Sofia Bergqvist", "sofia.bergqvist@gagnef.test"), subject="Blankett länsgruppen",
             date="Tue, 8 Dec 2026 11:02:47 +0100", msgid_domain="mail.gmail.com",
             headers=[])
    jpg = jpeg_bytes(photo_of("g02", 202), orientation=1, phone=("samsung", "SM-S921B"),
                     when="2026:12:08 11:01:30")
    name, cid = "IMG_20261208_110130.jpg", "ii_mbx4k2r70"
    body = "Hej,\nhär kommer blanketten. Hoppas det går att läsa.\n[image: %s]\n\nMvh Sofia\n" % name
    html = ('<div dir="auto">Hej,<div dir="auto">här kommer blanketten. Hoppas det går att läsa.</div>'
            '<div dir="auto"><img src="cid:%s" alt="%s" width="562" height="750"><br></div>'
            '<div dir="auto"><br></div><div dir="auto">Mvh Sofia</div></div>\n' % (cid, name))
    alt = multipart("alternative", "000000000000b3f1e80625e8c1a2",
                    [text_part(body, 'text/plain; charset="UTF-8"'),
                     html_part(html, 'text/html; charset="UTF-8"')])
    img = file_part(name, jpg, "image/jpeg", "gmail", disposition="inline", cid=cid,
                    extra=[("X-Attachment-Id", cid)])
    m = multipart("related", "000000000000b3f1e90625e8c1a3", [alt, img])
    return envelope(m, c), expected_scan(
        V["g02"], "attachment:" + name,
        "Gmail on Android: multipart/related whose HTML shows the photo with <img src=\"cid:...\">; "
        "the JPEG (1512x2016) is inline with Content-ID and X-Attachment-Id: a page-sized image referenced "
        "by cid is still read with OCR."), [(name, jpg, "jpeg", 0)]


def g03():
    c = dict(style="outlook", id="GV1PR09MB8123G03A4F", sender=("Emil Nordström", "emil.nordstrom@hedemora.test"),
             subject="Blankett länsgrupp Hedemora", date="Wed, 9 Dec 2026 08:41:19 +0000",
             body="Hej!\n\nBifogar ett foto av den underskrivna blanketten.\n\nMed vänliga hälsningar\n"
                  "Emil Nordström\nHedemora kommun")
    up = photo_of("g03", 303)
    jpg = jpeg_bytes(stored_for(up, 6), orientation=6, phone=("Apple", "iPhone 14"), when="2026:12:09 08:35:02")
    name = "IMG_5102.jpg"
    return mail_with_files(c, [(name, jpg, "image/jpeg")]), expected_scan(
        V["g03"], "attachment:" + name,
        "Outlook attachment: a phone photo whose pixels are stored sideways (2016x1512) with EXIF "
        "Orientation 6 (rotate 90° clockwise to view): the reader must apply the tag before OCR."), \
        [(name, jpg, "jpeg", 6)]


def g04():
    c = dict(style="apple", id="0D8C3A55-7E21-4F0B-B2A9-91E6C4D7A504", sender=("Malin Eriksson",
             "malin.eriksson@ludvika.test"), subject="Blankett Ludvika", date="Thu, 10 Dec 2026 13:27:40 +0100",
             msgid_domain="ludvika.test")
    up = photo_of("g04", 404)
    jpg = jpeg_bytes(stored_for(up, 8), orientation=8, phone=("Apple", "iPhone 12"), when="2026:12:10 13:26:55")
    name = "IMG_0958.jpeg"
    m = multipart("mixed", "Apple-Mail-%s" % c["id"], [
        text_part("Hej!\nBlanketten som bild.\n", "text/plain;\n\tcharset=utf-8"),
        part([("Content-Type", 'image/jpeg;\n\tname="%s";\n\tx-apple-part-url=%s' % (name, c["id"])),
              ("Content-Disposition", 'inline;\n\tfilename="%s"' % name),
              ("Content-Transfer-Encoding", "base64")], b64(jpg)),
        text_part("\nSkickat från min iPhone", "text/plain;\n\tcharset=utf-8"),
    ])
    return envelope(m, c), expected_scan(
        V["g04"], "attachment:" + name,
        "iPhone Mail inline photo (no Content-ID) whose pixels are stored sideways with EXIF Orientation 8 "
        "(rotate 90° counter-clockwise to view): apply the tag, then OCR."), [(name, jpg, "jpeg", 8)]


def g05():
    c = dict(style="gmail", id="CAK9fT2uYw8Rn4Lp6Qz1Hs3Vb7Jd0Xe5Gm2Ac8Nk4Wr6Ty1Eo9A",
             sender=("Johanna Sandin", "johanna.sandin@avesta.test"), subject="Blankett Avesta kommun",
             date="Fri, 11 Dec 2026 15:08:12 +0100", msgid_domain="mail.gmail.com",
             body="Hej!\n\nHär är blanketten för Avesta. Fotot blev upp och ner, hoppas det går bra ändå.\n\n"
                  "Hälsningar\nJohanna")
    up = photo_of("g05", 505)
    jpg = jpeg_bytes(stored_for(up, 3), orientation=3, phone=("Google", "Pixel 8"), when="2026:12:11 15:05:40")
    name = "PXL_20261211_140540123.jpg"
    return mail_with_files(c, [(name, jpg, "image/jpeg")]), expected_scan(
        V["g05"], "attachment:" + name,
        "Gmail attachment: a photo whose pixels are stored upside down with EXIF Orientation 3 (rotate "
        "180° to view): apply the tag, then OCR."), [(name, jpg, "jpeg", 3)]


def g06():
    c = dict(style="plain", id="SKM_C300i26121209412", sender=("Skrivare Vansbro kommunhus",
             "skanner@vansbro.test"), subject="Skannat dokument", date="Sat, 12 Dec 2026 09:41:27 +0100",
             body="Skannad bild från KONICA MINOLTA bizhub C300i\n\nEnhetens namn: SKR-KH-02\n"
                  "Platsinformation: Kommunhuset plan 2\n")
    pdf = upside_down_scan()
    name = "SKM_C300i26121209412.pdf"
    return mail_with_files(c, [(name, pdf, "application/pdf")]), \
        expected_scan(V["g06"], "attachment:" + name,
                      "Copier scan-to-email (not automated): an image-only PDF (one 300 dpi JPEG page, no "
                      "text layer) fed upside down: the page must be turned 180° (e.g. Tesseract OSD) "
                      "before OCR."), [(name, pdf, "pdf", 180)]


def g07():
    c = dict(style="thunderbird", id="7a1c0e52-3b9d-4f61-a8e4-2d07c5b3e907", sender=("Lena Forslund",
             "lena.forslund@sater.test"), subject="Ifylld blankett", date="Sun, 13 Dec 2026 18:22:05 +0100",
             body="Hej!\n\nHär kommer den inskannade blanketten för Säters kommun.\n\nLena")
    png = sideways_png()
    name = "Skanning 2026-12-13.png"
    return mail_with_files(c, [(name, png, "image/png")]), expected_scan(
        V["g07"], "attachment:" + name,
        "Thunderbird attachment: a 200 dpi PNG scan fed sideways (the page turned 90° clockwise, "
        "2339x1654, no EXIF): the page must be turned upright (e.g. Tesseract OSD) before OCR."), \
        [(name, png, "png", 90)]


def g08():
    c = dict(style="outlook", id="AS8PR09MB6620G08B1C", sender=("Elsa Mårtensson", "elsa.martensson@rattvik.test"),
             subject="Blankett Rättvik", date="Mon, 14 Dec 2026 12:55:31 +0000",
             body="Hej!\n\nSe bifogat foto av blanketten.\n\nVänliga hälsningar\nElsa Mårtensson\nRättviks kommun")
    img = photo_of("g08", 808, angle=3.0, background=(128, 128, 128), page=(1300, 1838))
    jpg = jpeg_bytes(img, phone=("Apple", "iPhone 15"), when="2026:12:14 12:50:10")
    name = "IMG_7730.JPG"
    return mail_with_files(c, [(name, jpg, "image/jpeg")]), expected_scan(
        V["g08"], "attachment:" + name,
        "Outlook attachment: a photo of the form lying tilted about 3° on a grey table, uneven light and "
        "grain: read with OCR (small skew)."), [(name, jpg, "jpeg", 0)]


def g09():
    c = dict(style="outlook", id="DB8PR09MB4410G09C2D", sender=("Eva Norling", "eva.norling@malung-salen.test"),
             subject="Länsgruppen: ny representant", date="Tue, 15 Dec 2026 10:12:44 +0000",
             body="Hej!\n\nBifogar följebrev och blankett i samma fil.\n\nMed vänliga hälsningar\nEva Norling\n"
                  "Socialchef, Malung-Sälens kommun")
    pdf = two_page_scan()
    name = "Följebrev och blankett.pdf"
    return mail_with_files(c, [(name, pdf, "application/pdf")]), expected_scan(
        V["g09"], "attachment:" + name,
        "Image-only PDF (300 dpi, two pages, no text layer): page 1 a cover letter without form labels, "
        "page 2 the filled form: every page is read with OCR, the form is on page 2."), [(name, pdf, "pdf", 0)]


def g10():
    c = dict(style="outlook", id="HE1PR09MB3317G10D4E", sender=("Amanda Nilsson", "amanda.nilsson@borlange.test"),
             subject="Blankett länsgrupp Borlänge", date="Wed, 16 Dec 2026 09:03:58 +0000",
             body="Hej!\n\nHär kommer blanketten ifylld (Word 97-2003).\n\nMvh\nAmanda Nilsson\nBorlänge kommun")
    doc = soffice_convert(docx_legacy_fields(V["g10"], "Amanda Nilsson"), "docx", "doc")
    name = "Blankett länsgrupp Borlänge.doc"
    return mail_with_files(c, [(name, doc, "application/msword")]), expected_form(
        V["g10"], "attachment:" + name, "doc",
        "Outlook with a Word 97-2003 .doc (saved by LibreOffice) whose values are legacy text form fields "
        "(FORMTEXT, field result between 0x14 and 0x15); the RFC 2047 file name inside quotes."), \
        [(name, doc, "doc", V["g10"])]


def g11():
    c = dict(style="gmail", id="CAM4hY8sQ2dNw6Kz0Lb3Rt9Vp1Fx5Jc7Ge2Um8Ai4Sn6Wo0Tq3B",
             sender=("Therese Wikström", "therese.wikstrom@falun.test"), subject="Blankett Falu kommun",
             date="Thu, 17 Dec 2026 14:31:09 +0100", msgid_domain="mail.gmail.com",
             body="Hej,\n\nbifogar blanketten.\n\n/Therese")
    doc = soffice_convert(docx_table(V["g11"], "Therese Wikström"), "docx", "doc")
    name = "Blankett Falun.doc"
    return mail_with_files(c, [(name, doc, "application/msword")]), expected_form(
        V["g11"], "attachment:" + name, "doc",
        "Gmail with a Word 97-2003 .doc whose form is a table (label cell | value cell, cells end with "
        "0x07), the three channels as paragraphs in one cell; date '17 december 2026'."), \
        [(name, doc, "doc", V["g11"])]


def g12():
    c = dict(style="thunderbird", id="1e9f3c27-5a80-4d1b-9c6e-0b4a7d2f8e12", sender=("Sanna Holmberg",
             "sanna.holmberg@kvinnojourenfalun.test"), subject="Blankett Kvinnojouren",
             date="Fri, 18 Dec 2026 20:14:33 +0100",
             body="Hej!\n\nBlanketten bifogas som RTF.\n\nSanna\nKvinnojouren i Falun")
    rtf = soffice_convert(docx_paragraphs(V["g12"], "Sanna Holmberg", sep="\t"), "docx", "rtf")
    name = "Blankett Kvinnojouren i Falun.rtf"
    return mail_with_files(c, [(name, rtf, "application/rtf")]), expected_form(
        V["g12"], "attachment:" + name, "rtf",
        "Thunderbird with an .rtf (application/rtf, written by LibreOffice): one paragraph per label, a "
        "tab between label and value, å/ä/ö as \\uN with a \\'xx fallback; date '18.12.2026'."), \
        [(name, rtf, "rtf", V["g12"])]


def g13():
    c = dict(style="outlook", id="VI1PR09MB2296G13E5F", sender=("Peter Gustafsson",
             "peter.gustafsson@boj-dalarna.test"), subject="Blankett BOJ Dalarna",
             date="Fri, 18 Dec 2026 11:47:02 +0000",
             body="Hej!\n\nBifogar vår blankett.\n\nVänliga hälsningar\nPeter Gustafsson\nBrottsofferjouren Dalarna")
    rtf = soffice_convert(docx_table(V["g13"], "Peter Gustafsson"), "docx", "rtf")
    name = "Blankett Brottsofferjouren.rtf"
    return mail_with_files(c, [(name, rtf, "text/rtf")]), expected_form(
        V["g13"], "attachment:" + name, "rtf",
        "Outlook with an .rtf sent as text/rtf (an attachment, not a body): the form is an RTF table "
        "(\\trowd ... \\cell ... \\row), label cell | value cell, the channels two paragraphs in one cell."), \
        [(name, rtf, "rtf", V["g13"])]


def g14():
    v = V["g14"]
    paragraphs = ["Hej!", "", "Här kommer vår blankett för länsgruppen.", ""]
    paragraphs += form_text(v).split("\n")
    paragraphs += ["", "Med vänliga hälsningar", "Jenny Lindberg", "Region Dalarna"]
    rtf = outlook_rtf(paragraphs)
    comp = lzfu_compress(rtf)
    assert lzfu_decompress(comp) == rtf
    c = dict(style="outlook", id="DU2PR09MB5561G14TNEF", sender=("Jenny Lindberg", "jenny.lindberg@regiondalarna.test"),
             subject="Blankett länsgrupp Region Dalarna", date="Mon, 21 Dec 2026 09:04:00 +0000",
             has_attach=False,
             headers=[("X-MS-TNEF-Correlator", "<DU2PR09MB5561G14TNEF@regiondalarna.test>")])
    tnef = winmail_rtf_body(c["subject"], comp, "DU2PR09MB5561G14TNEF")
    m = part([("Content-Type", 'application/ms-tnef; name="winmail.dat"'),
              ("Content-Disposition", 'attachment; filename="winmail.dat"'),
              ("Content-Transfer-Encoding", "base64")], b64(tnef))
    return envelope(m, c), expected_form(
        v, "body", "rtf",
        "Outlook 'Rich Text' mail sent as TNEF only (the whole message is application/ms-tnef, "
        "winmail.dat; no text/plain or HTML part): the body is RTF in PidTagRtfCompressed (0x1009), LZFu "
        "with back-references; decompressed, its \\par paragraphs hold the form. Source 'body'."), \
        [("winmail.dat", tnef, "lzfu", rtf)]


def g15():
    c = dict(style="outlook", id="AM9PR09MB7745G15F60", sender=("Maria Dahlberg", "maria.dahlberg@mora.test"),
             subject="Blanketter länsgruppen: Mora, Orsa och Älvdalen", date="Wed, 2 Dec 2026 15:20:11 +0000",
             body="Hej!\n\nJag samordnar socialtjänsten i norra Dalarna och skickar härmed blanketterna för "
                  "Mora, Orsa och Älvdalen, en fil per kommun.\n\nMed vänliga hälsningar\nMaria Dahlberg\n"
                  "Samordnare, Mora kommun\n0250-261 50")
    files = [("Blankett Mora kommun.docx", docx_paragraphs(V["g15a"], "Maria Dahlberg")),
             ("Blankett Orsa kommun.docx", docx_table(V["g15b"], "Maria Dahlberg")),
             ("Blankett Älvdalens kommun.docx", docx_legacy_fields(V["g15c"], "Maria Dahlberg"))]
    more = [form_result(V["g15b"], "attachment:" + files[1][0], "docx"),
            form_result(V["g15c"], "attachment:" + files[2][0], "docx")]
    return mail_with_files(c, [(n, d, DOCX_TYPE) for n, d in files]), expected_form(
        V["g15a"], "attachment:" + files[0][0], "docx",
        "One mail from a coordinator with three .docx forms for three organisations (paragraphs, a table, "
        "legacy fields): three forms; the first attachment's is the top object, the others in more_forms "
        "in attachment order.", more), []


def g16():
    a, b = V["g16a"], V["g16b"]
    body = ("Hej!\n\nOrsa och Mora har gemensam individ- och familjeomsorg, så här kommer båda "
            "kommunernas blanketter.\n\n" + form_text(a) + "\n\n\n" + form_text(b)
            + "\n\nMed vänliga hälsningar\nKarolina Hed\nIFO Orsa/Mora\n")
    c = dict(style="thunderbird", id="4c2e8a10-6f3b-4d95-b7a1-e0c9d2f5b316", sender=("Karolina Hed",
             "karolina.hed@orsa.test"), subject="Blanketter länsgrupp Orsa och Mora",
             date="Thu, 3 Dec 2026 16:45:20 +0100")
    m = text_part(body, "text/plain; charset=UTF-8")
    more = [form_result(b, "body", "text")]
    return envelope(m, c), expected_form(
        a, "body", "text",
        "Plain-text body with two complete forms one after the other (Orsa, then Mora): 'Organisation:' "
        "after Datum starts the second form; both have source 'body', Orsa's is the top object.", more), []


def g17():
    v = V["g17"]
    draft = dict(v, substitute_name="", substitute_email="")
    c = dict(style="gmail", id="CAP2bW6nE8sT0yHq4Kd7Lm1Xc9Vr3Zj5Fu8Ag2Bo6Ni0Ye4Ts7C",
             sender=("Jessica Wiberg", "jessica.wiberg@smedjebacken.test"), subject="Blankett Smedjebacken",
             date="Fri, 4 Dec 2026 08:30:55 +0100", msgid_domain="mail.gmail.com",
             body="Hej!\n\nBifogar blanketten. Jag fick med ett utkast också, det är den andra filen som "
                  "gäller.\n\n/Jessica")
    files = [("Blankett Smedjebacken utkast.docx", docx_paragraphs(draft, "Jessica Wiberg")),
             ("Blankett Smedjebacken.docx", docx_paragraphs(v, "Jessica Wiberg"))]
    return mail_with_files(c, [(n, d, DOCX_TYPE) for n, d in files]), expected_form(
        v, "attachment:" + files[1][0], "docx",
        "Two .docx for the same organisation: the first a draft without the substitute (Ersättare and the "
        "second Mejladress empty), the second complete: one form, the most complete one (the second "
        "attachment); no more_forms."), []


def g18():
    c = dict(style="outlook", id="PR3PR09MB6612G18A7B", sender=("Camilla Nord", "camilla.nord@avesta.test"),
             subject="Dokument", date="Fri, 4 Dec 2026 13:14:15 +0000", body="Se bifogad fil.\n\nCamilla")
    data = truncated_central_directory(docx_paragraphs(V["g18"], "Camilla Nord"))
    name = "Dokument1.docx"
    return mail_with_files(c, [(name, data, DOCX_TYPE)]), expected_unreadable(
        "attachment:" + name,
        "A .docx cut inside its central directory (local entries whole, no end record) in a mail whose "
        "subject ('Dokument') and body ('Se bifogad fil.') never mention a form: it may be the form, so "
        "unreadable (rule 14)."), [(name, data, "zip", None)]


def g19():
    c = dict(style="outlook", id="AM6PR09MB3390G19B8C", sender=("Nora Hellström", "nora.hellstrom@ludvika.test"),
             subject="Blankett Ludvika kommun", date="Sat, 5 Dec 2026 10:01:44 +0000",
             body="Hej!\n\nHär är blanketten. Lösenordet skickar jag i ett separat mejl.\n\nNora")
    data = encrypted_pdf(V["g19"])
    name = "Blankett Ludvika.pdf"
    return mail_with_files(c, [(name, data, "application/pdf")]), expected_unreadable(
        "attachment:" + name,
        "A text PDF encrypted (RC4-128) with a non-empty user password: it cannot be opened without the "
        "password, so unreadable, no crash."), [(name, data, "pdfpw", None)]


def g20():
    c = dict(style="outlook", id="DB7PR09MB2281G20C9D", sender=("Olle Wester", "olle.wester@gagnef.test"),
             subject="Blankett Gagnef", date="Sun, 6 Dec 2026 19:25:36 +0000",
             body="Hej!\n\nBifogar blanketten.\n\nOlle Wester\nGagnefs kommun")
    data = broken_doc()
    name = "Blankett Gagnef.doc"
    return mail_with_files(c, [(name, data, "application/msword")]), expected_unreadable(
        "attachment:" + name,
        "Hostile .doc: a sound compound file (WordDocument and 1Table streams) whose FIB claims 16 M "
        "characters of text and a piece table (fcClx) far past the end of 1Table, the rest garbage: "
        "unreadable, quickly, no crash."), [(name, data, "cfb", None)]


def g21():
    c = dict(style="outlook", id="AS2PR09MB9904G21DAE", sender=("Stina Blom", "stina.blom@hedemora.test"),
             subject="Blankett Hedemora", date="Sun, 6 Dec 2026 20:40:00 +0000",
             body="Hej!\n\nBlanketten bifogad.\n\nStina")
    data = nested_rtf(V["g21"])
    name = "Blankett Hedemora.rtf"
    return mail_with_files(c, [(name, data, "application/rtf")]), expected_unreadable(
        "attachment:" + name,
        "Hostile .rtf: the form's text sits inside 100,000 nested { groups: reading stops at the nesting "
        "limit (no stack overflow), the document is unreadable."), []


def g22():
    v = V["g22"]
    cid = "image001.png@01DB4F2A.6C1D3E90"
    logo = signature_logo()
    intro = "Hej!\n\nHär kommer vår blankett ifylld.\n\n"
    sig = ("\n\nMed vänliga hälsningar\n\nJosefin Larsson\nHandläggare\nArbetsförmedlingen Falun\n"
           "Telefon: 010-486 12 34\n")
    plain_form = form_text(v)
    for key in ("representative_email", "substitute_email"):
        plain_form = plain_form.replace(v[key], "%s<mailto:%s>" % (v[key], v[key]))
    plain = intro + plain_form + sig + "[cid:%s]\n" % cid
    html = html_paragraphs(intro + form_text(v) + sig).replace(
        "</div>\n</body>",
        "<p class=MsoNormal><img width=200 height=60 style=\"width:2.0833in;height:.625in\" "
        "id=\"Bild_x0020_1\" src=\"cid:%s\" alt=\"Arbetsförmedlingen\"><o:p></o:p></p>\n</div>\n</body>" % cid)
    c = dict(style="outlook", id="GVXPR09MB6934G22EBF", sender=("Josefin Larsson",
             "josefin.larsson@arbetsformedlingen.test"), subject="Blankett länsgrupp Arbetsförmedlingen",
             date="Mon, 7 Dec 2026 09:58:21 +0000", has_attach=False)
    alt = multipart("alternative", "_000_GVXPR09MB6934G22EBF_", [text_part(plain), html_part(html)])
    img = part([("Content-Type", 'image/png; name="image001.png"'),
                ("Content-Description", "image001.png"),
                ("Content-Disposition", 'inline; filename="image001.png"; size=%d;\n\t'
                 'creation-date="Mon, 07 Dec 2026 09:58:21 GMT";\n\tmodification-date="Mon, 07 Dec 2026 09:58:21 GMT"'
                 % len(logo)),
                ("Content-ID", "<%s>" % cid), ("Content-Transfer-Encoding", "base64")], b64(logo))
    m = multipart("related", "_006_GVXPR09MB6934G22EBF_", [alt, img], ';\n\ttype="multipart/alternative"')
    return envelope(m, c), expected_form(
        v, "body", "text",
        "Outlook text + HTML in multipart/related with a complete typed form in the body and a 200x60 "
        "signature logo (%d bytes: a large XMP iTXt chunk) inline by cid: the logo is not a page and is "
        "never OCR'd; the form is the body's ('addr<mailto:addr>' artefacts in the text part)." % len(logo)), []


def g23():
    c = dict(style="outlook", id="DB9PR09MB8870G23F0A", sender=("Johan Lindahl", "johan.lindahl@polisen.test"),
             subject="Blankett", date="Tue, 8 Dec 2026 07:45:09 +0000",
             body="Hej!\n\nHär är den inskannade blanketten.\n\nJohan Lindahl\nPolisregion Bergslagen")
    data = png_bomb()
    name = "Skanning.png"
    return mail_with_files(c, [(name, data, "image/png")]), expected_unreadable(
        "attachment:" + name,
        "Hostile: a %d-byte PNG declaring 20,000 x 20,000 px (8-bit grey, 400 MB of pixels when decoded): "
        "the pixel limit is checked from the header before decoding; unreadable, quickly." % len(data)), \
        [(name, data, "bomb", None)]


def g24():
    c = dict(style="gmail", id="CAN5cV1mR7pK3Wz9Hd2Ls6Qf0Xb4Ty8Ju1Ge5Ao9Si3Nw7Ek2Yr6D",
             sender=("Leila Haddad", "leila.haddad@migrationsverket.test"), subject="Blankett",
             date="Wed, 9 Dec 2026 16:12:38 +0100", msgid_domain="mail.gmail.com",
             body="Hej,\n\nblanketten bifogad.\n\nLeila")
    rng = random.Random(2424)
    data = bytearray(rng.randbytes(120000))
    data[0:2] = b"\x1f\x9e"   # certainly not a JPEG (FF D8) nor any other image signature
    name = "blankett.jpg"
    return mail_with_files(c, [(name, bytes(data), "image/jpeg")]), expected_unreadable(
        "attachment:" + name,
        "An attachment declared image/jpeg and named blankett.jpg whose 120,000 bytes are random (no "
        "image signature): unreadable, no crash."), [(name, bytes(data), "notimage", None)]


CASES = [
    ("g01-iphone-inline-photo-no-cid", g01),
    ("g02-android-gmail-inline-cid-photo", g02),
    ("g03-photo-exif-orientation-6", g03),
    ("g04-photo-exif-orientation-8-inline", g04),
    ("g05-photo-exif-orientation-3", g05),
    ("g06-scan-pdf-upside-down", g06),
    ("g07-scan-png-sideways", g07),
    ("g08-photo-tilted-grey-background", g08),
    ("g09-scan-pdf-form-on-page-2", g09),
    ("g10-doc-legacy-form-fields", g10),
    ("g11-doc-table", g11),
    ("g12-rtf-paragraphs", g12),
    ("g13-rtf-table-text-rtf", g13),
    ("g14-tnef-rtf-compressed-body", g14),
    ("g15-three-docx-three-organisations", g15),
    ("g16-two-forms-in-body", g16),
    ("g17-two-docx-same-organisation", g17),
    ("g18-docx-truncated-central-directory", g18),
    ("g19-pdf-user-password", g19),
    ("g20-doc-garbage-piece-table", g20),
    ("g21-rtf-deeply-nested-groups", g21),
    ("g22-body-form-signature-logo", g22),
    ("g23-png-decompression-bomb", g23),
    ("g24-jpeg-random-bytes", g24),
]


# --------------------------------------------------------------------------
# Verification (--verify): OCR, document text, LZFu
# --------------------------------------------------------------------------

def upright_images(data, kind, turn):
    """The picture(s) as a reader should see them, taken from the bytes."""
    if kind == "jpeg":
        img = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
        return [img]
    if kind == "png":
        return [Image.open(io.BytesIO(data)).rotate(turn, expand=True)]
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "scan.pdf")
        with open(src, "wb") as f:
            f.write(data)
        subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", src, os.path.join(tmp, "p")], check=True)
        pages = sorted(p for p in os.listdir(tmp) if p.startswith("p"))
        return [Image.open(os.path.join(tmp, p)).rotate(turn, expand=True) for p in pages]


def tesseract(img, psm="6"):
    """What `tesseract IMG - -l swe+eng --psm 6` prints."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "img.png")
        img.save(path)
        return subprocess.run(["tesseract", path, "-", "-l", "swe+eng", "--psm", psm],
                              capture_output=True, text=True, check=True).stdout


def tsv_words(path, base, languages):
    subprocess.run(["tesseract", path, base, "-l", languages, "--psm", "6", "-c", "thresholding_method=2",
                    "tsv"], capture_output=True, check=True, env=dict(os.environ, OMP_THREAD_LIMIT="1"))
    words = []
    with open(base + ".tsv", encoding="utf-8") as f:
        for row in f.read().splitlines()[1:]:
            cols = row.split("\t")
            if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
                continue
            n = [int(x) for x in cols[1:10]]
            words.append(dict(text=cols[11].strip(), line=tuple(n[0:4]), left=n[5], top=n[6], width=n[7],
                              height=n[8]))
    return words


def reader_lines(img):
    """The lines as blankett's OCR reads them (src/attach/ocr.rs): TSV with
    Sauvola thresholding, swe+eng, Swedish letters taken from a swe-only
    reading of the same word, words joined into lines."""
    fold = str.maketrans("åäÅÄöÖé", "aaAAoOe")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "img.png")
        img.save(path)
        mixed = tsv_words(path, os.path.join(tmp, "a"), "swe+eng")
        swedish = tsv_words(path, os.path.join(tmp, "b"), "swe")
    for w in mixed:
        for s in swedish:
            if abs(s["left"] - w["left"]) * 2 < max(w["height"], 1) and \
                    abs(s["top"] - w["top"]) * 2 < max(w["height"], 1):
                if s["text"] != w["text"] and s["text"].translate(fold) == w["text"] and \
                        any(c in "åäöÅÄÖé" for c in s["text"]):
                    w["text"] = s["text"]
                break
    lines, current = [], None
    for w in mixed:
        if current and current[0] == w["line"]:
            current[1].append(w["text"])
        else:
            if current:
                lines.append(" ".join(current[1]))
            current = (w["line"], [w["text"]])
    if current:
        lines.append(" ".join(current[1]))
    return lines


SWEDISH_FOLD = str.maketrans("åäÅÄöÖé", "aaAAoOe")


def compare_lines(v, got, fold=False):
    """The form's lines that OCR did not read exactly (with `fold`, a line
    that differs only by å/ä/ö read as a/o counts as read)."""
    if fold:
        got = got + [line.translate(SWEDISH_FOLD) for line in got]
    bad = []
    for line in written_lines(v):
        if line not in got and not (fold and line.translate(SWEDISH_FOLD) in got):
            close = difflib.get_close_matches(line, got, n=1, cutoff=0.5)
            bad.append("%r read as %r" % (line, close[0] if close else None))
    return bad


def verify_scan(name, want, data, kind, turn):
    v = next(x for x in V.values() if x["organisation"] == want["ocr_fields"]["organisation"]
             and x["representative_name"] == want["ocr_fields"]["representative_name"])
    images = upright_images(data, kind, turn)
    text = "\n".join(tesseract(img) for img in images)
    got = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    bad = compare_lines(v, got)
    n = len(written_lines(v))
    print("  OCR %s (swe+eng --psm 6): %s" % (name, "all %d lines exact" % n if not bad else "; ".join(bad)))
    reader = compare_lines(v, [line for img in images for line in reader_lines(img)])
    print("    as the reader reads it: %s" % ("all %d lines exact" % n if not reader else "; ".join(reader)))
    # Passes when the reader's reading is exact and swe+eng lost at most
    # Swedish letters (which the reader takes from its swe-only reading).
    if kind == "jpeg":
        raw = Image.open(io.BytesIO(data))
        print("    stored %dx%d, EXIF orientation %s" % (raw.width, raw.height, raw.getexif().get(0x0112)))
    return not reader and not compare_lines(v, got, fold=True)


def verify_document(name, data, kind, v):
    ext = {"doc": "doc", "rtf": "rtf"}[kind]
    txt = soffice_convert(data, ext, "txt").decode("utf-8", "replace")
    if kind == "doc" and shutil.which("antiword"):
        with tempfile.NamedTemporaryFile(suffix=".doc") as f:
            f.write(data)
            f.flush()
            txt += "\n" + subprocess.run(["antiword", "-m", "UTF-8.txt", f.name], capture_output=True,
                                         text=True).stdout
    flat = " ".join(txt.split())
    wanted = []
    for k in KEYS[:-1] + ["date_written"]:
        wanted += v[k].split("\n")
    missing = [w for w in wanted if w not in flat]
    print("  %s %s: %s" % (kind, name, "all values present" if not missing else "missing %r" % missing))
    return not missing


def verify_lzfu(tnef, rtf):
    """Finds PidTagRtfCompressed in the winmail.dat and decompresses it (with
    the decompressor above, and with the compressed_rtf package if installed)."""
    at = tnef.index(struct.pack("<HH", PT_BINARY, 0x1009))
    size = struct.unpack_from("<I", tnef, at + 8)[0]
    comp = tnef[at + 12:at + 12 + size]
    same = lzfu_decompress(comp) == rtf
    try:
        import compressed_rtf
        other = "compressed_rtf agrees" if compressed_rtf.decompress(comp) == rtf else "compressed_rtf DIFFERS"
        same &= other.endswith("agrees")
    except ImportError:
        other = "compressed_rtf not installed"
    print("  LZFu: %d bytes of RTF in %d bytes, round trip %s; %s"
          % (len(rtf), len(comp), "ok" if same else "FAILED", other))
    return same


def verify_broken(name, data, kind):
    """Checks that a broken file really does not open."""
    try:
        if kind == "zip":
            zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
        elif kind == "pdfpw":
            reader = PdfReader(io.BytesIO(data))
            if not reader.is_encrypted or reader.decrypt(""):
                raise SystemExit("the PDF opens without a password")
            reader.pages[0].extract_text()
        elif kind == "cfb":
            assert data[:8] == bytes.fromhex("d0cf11e0a1b11ae1")
            if not shutil.which("antiword"):
                print("  %s: antiword not installed, not checked" % name)
                return True
            with tempfile.NamedTemporaryFile(suffix=".doc") as f:
                f.write(data)
                f.flush()
                run_ = subprocess.run(["antiword", f.name], capture_output=True, text=True, timeout=60)
            if run_.returncode == 0 and "Organisation" in run_.stdout:
                raise SystemExit("antiword reads the broken .doc")
            raise ValueError("antiword: " + (run_.stderr.strip().splitlines() or ["exit %d" % run_.returncode])[0])
        elif kind in ("bomb", "notimage"):
            Image.open(io.BytesIO(data)).load()
        print("  %s: OPENS (%s)" % (name, kind))
        return False
    except SystemExit:
        raise
    except Exception as e:  # the expected outcome: it does not open
        print("  %s: does not open (%s: %s)" % (name, type(e).__name__, str(e)[:100]))
        return True


def main():
    os.makedirs(OUTDIR, exist_ok=True)
    ok = True
    for name, make in CASES:
        eml, want, checks = make()
        with open(os.path.join(OUTDIR, name + ".eml"), "wb") as f:
            f.write(eml)
        with open(os.path.join(OUTDIR, name + ".json"), "w", encoding="utf-8") as f:
            f.write(json.dumps(want, ensure_ascii=False, indent=2) + "\n")
        print("%-42s %9d bytes  %s" % (name, len(eml), want["status"]))
        if VERIFY:
            for fname, data, kind, extra in checks:
                if kind in ("jpeg", "png", "pdf"):
                    ok &= verify_scan(fname, want, data, kind, extra)
                elif kind in ("doc", "rtf"):
                    ok &= verify_document(fname, data, kind, extra)
                elif kind == "lzfu":
                    ok &= verify_lzfu(data, extra)
                else:
                    ok &= verify_broken(fname, data, kind)
    if VERIFY and not ok:
        raise SystemExit("verification failed")


if __name__ == "__main__":
    main()
