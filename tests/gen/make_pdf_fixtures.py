#!/usr/bin/env python3
"""Generate the f*-*.eml / f*-*.json PDF and scan fixtures for `blankett parse`.

Real files, made with reportlab (text and fillable PDFs), pypdf (encryption)
and Pillow (a photographed form, a scanned page), attached to RFC 5322
messages built with the standard `email` package and written with CRLF line
endings.  The .json next to each .eml is the expected output in the corpus
format (see /work/shared/corpus/README.md); scan cases carry `ocr_fields`.

Needs: pip install reportlab pypdf Pillow; DejaVu fonts (fonts-dejavu-core).
Deterministic apart from nothing: fixed dates, fixed ids, no randomness
without a seed.  Usage:

    python3 tests/gen/make_pdf_fixtures.py [OUTDIR]
"""

import io
import json
import os
import random
import sys
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
import datetime as dt

from PIL import Image, ImageDraw, ImageFilter, ImageFont
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

HERE = os.path.dirname(os.path.abspath(__file__))
OUTDIR = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "fixtures")
FONT_DIR = "/usr/share/fonts/truetype/dejavu"

KEYS = [
    "organisation", "representative_name", "representative_email",
    "substitute_name", "substitute_email", "internal_channels",
    "manager_name", "manager_title", "manager_contact", "signed_date",
]

pdfmetrics.registerFont(TTFont("DejaVu", os.path.join(FONT_DIR, "DejaVuSans.ttf")))
pdfmetrics.registerFont(TTFont("DejaVuBd", os.path.join(FONT_DIR, "DejaVuSans-Bold.ttf")))

LABELS = [
    ("Organisation:", "organisation"),
    ("Representant:", "representative_name"),
    ("Mejladress:", "representative_email"),
    ("Ersättare:", "substitute_name"),
    ("Mejladress:", "substitute_email"),
]
MANAGER = [
    ("Namn:", "manager_name"),
    ("Titel:", "manager_title"),
    ("Mejl/telefon:", "manager_contact"),
    ("Datum:", "signed_date_written"),
]
CHANNELS = "Interna kontaktvägar där representanten kan delge och inhämta information:"


def person(org, rep, rep_mail, sub, sub_mail, channels, boss, title, contact, date_written, date_iso):
    return {
        "organisation": org, "representative_name": rep, "representative_email": rep_mail,
        "substitute_name": sub, "substitute_email": sub_mail, "internal_channels": channels,
        "manager_name": boss, "manager_title": title, "manager_contact": contact,
        "signed_date_written": date_written, "signed_date": date_iso,
    }


def heading(c, y=790):
    c.setFont("DejaVuBd", 14)
    c.drawString(70, y, "Anmälan av representant och ersättare")
    c.setFont("DejaVu", 10)
    c.drawString(70, y - 18, "Länsgrupp Mäns våld mot kvinnor och våld i nära relationer")


# --------------------------------------------------------------------------
# PDFs
# --------------------------------------------------------------------------

def text_pdf_runs_apart(v):
    """Labels in one column, values in another, each its own text object; one
    value split into two runs, one value a point off the label's baseline."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    heading(c)
    y = 730
    for label, key in LABELS:
        c.setFont("DejaVuBd", 10.5)
        c.drawString(70, y, label)
        c.setFont("DejaVu", 10.5)
        if key == "representative_name":
            first, last = v[key].split(" ", 1)
            c.drawString(230, y, first)
            c.drawString(230 + pdfmetrics.stringWidth(first + " ", "DejaVu", 10.5), y, last)
        else:
            c.drawString(230, y + (1.2 if key == "substitute_name" else 0), v[key])
        y -= 24
    c.setFont("DejaVuBd", 10.5)
    c.drawString(70, y, CHANNELS)
    c.setFont("DejaVu", 10.5)
    for line in v["internal_channels"].split("\n"):
        y -= 15
        c.drawString(90, y, line)
    y -= 40
    c.setFont("DejaVuBd", 10.5)
    c.drawString(70, y, "Underskrift av ansvarig chef/er för representanter")
    y -= 36
    for label, key in MANAGER:
        c.setFont("DejaVuBd", 10.5)
        c.drawString(70, y, label)
        c.setFont("DejaVu", 10.5)
        c.drawString(230, y, v[key])
        y -= 24
    c.showPage()
    c.save()
    return buf.getvalue()


def fillable_pdf(v, names, print_labels=True):
    """A fillable form whose values live only in AcroForm text fields."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    heading(c)
    form = c.acroForm
    y = 730
    rows = LABELS + [(CHANNELS, "internal_channels")] + MANAGER
    for (label, key), name in zip(rows, names):
        c.setFont("DejaVu", 10.5)
        if key == "internal_channels":
            c.drawString(70, y, label)
            form.textfield(name=name, x=70, y=y - 56, width=460, height=46, value=v[key],
                           fieldFlags="multiline", borderWidth=0, fontSize=10)
            y -= 90
            c.drawString(70, y + 22, "Underskrift av ansvarig chef/er för representanter")
            continue
        c.drawString(70, y, label)
        form.textfield(name=name, x=160, y=y - 5, width=370, height=17, value=v[key],
                       borderWidth=0, fontSize=10)
        y -= 26
    c.showPage()
    c.save()
    return buf.getvalue()


def encrypted_pdf(v):
    """A text PDF encrypted with an empty user password (owner password set)."""
    reader = PdfReader(io.BytesIO(text_pdf_runs_apart(v)))
    writer = PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    writer.encrypt(user_password="", owner_password="agare-2026", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def form_image(v, width=1700, photo=False):
    """The printed form filled in, as a picture (a phone photo when `photo`)."""
    scale = width / 1700
    height = int(2200 * scale)
    img = Image.new("L", (width, height), 255)
    d = ImageDraw.Draw(img)
    size = int(34 * scale)
    font = ImageFont.truetype(os.path.join(FONT_DIR, "DejaVuSans.ttf"), size)
    bold = ImageFont.truetype(os.path.join(FONT_DIR, "DejaVuSans-Bold.ttf"), size)
    x, y, step = int(120 * scale), int(140 * scale), int(62 * scale)
    d.text((x, y), "Anmälan av representant och ersättare", font=bold, fill=0)
    y += 2 * step
    for label, key in LABELS:
        d.text((x, y), f"{label} {v[key]}", font=font, fill=0)
        y += step
    d.text((x, y), "Interna kontaktvägar:", font=font, fill=0)
    for line in v["internal_channels"].split("\n"):
        y += step
        d.text((x, y), line, font=font, fill=0)
    y += 2 * step
    d.text((x, y), "Underskrift av ansvarig chef/er för representanter", font=bold, fill=0)
    y += 2 * step
    for label, key in MANAGER:
        d.text((x, y), f"{label} {v[key]}", font=font, fill=0)
        y += step
    if photo:
        rng = random.Random(2041)
        img = img.rotate(0.8, resample=Image.BICUBIC, fillcolor=235, expand=False)
        px = img.load()
        for _ in range(width * height // 250):
            i, j = rng.randrange(width), rng.randrange(height)
            px[i, j] = max(0, px[i, j] - rng.randrange(40, 90))
        shade = Image.linear_gradient("L").resize((width, height)).point(lambda p: 255 - p // 8)
        img = Image.composite(img, shade, img.point(lambda p: 255 if p < 200 else 0))
        img = img.filter(ImageFilter.GaussianBlur(0.6))
    return img


def png_bytes(img):
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


def scan_with_text_layer(v):
    """A scanned page (JPEG) with an invisible OCR text layer on top, as
    copiers and OCRmyPDF make them."""
    img = form_image(v, width=1240)
    jpg = io.BytesIO()
    img.save(jpg, format="JPEG", quality=70)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    w, h = A4
    c.drawImage(ImageReader(io.BytesIO(jpg.getvalue())), 0, h - w * 2200 / 1700, width=w,
                height=w * 2200 / 1700)
    text = c.beginText()
    text.setTextRenderMode(3)
    text.setFont("Helvetica", 9)
    pt = w / 1700  # points per pixel of the 1700-wide layout
    y = h - (140 + 34) * pt
    lines = ["Anmälan av representant och ersättare", ""]
    lines += [f"{label} {v[key]}" for label, key in LABELS]
    lines += ["Interna kontaktvägar:"] + v["internal_channels"].split("\n") + ["", ""]
    lines += ["Underskrift av ansvarig chef/er för representanter", ""]
    lines += [f"{label} {v[key]}" for label, key in MANAGER]
    for line in lines:
        text.setTextOrigin(120 * pt, y)
        text.textOut(line)
        y -= 62 * pt
    c.drawText(text)
    c.showPage()
    c.save()
    return buf.getvalue()


def circular_xref_pdf():
    """A damaged PDF: the page tree is cut off, and its two cross-reference
    sections name each other as /Prev, so following them never ends."""
    good = text_pdf_runs_apart(VALUES["f01"])
    head = good[: good.index(b"endobj") + len(b"endobj\n")]
    body = head + b"2 0 obj\n<< /Type /Catalog /Pages 3 0 R >>\nendobj\n"
    a = len(body)
    xref_a = (b"xref\n0 3\n0000000000 65535 f \n" + b"%010d 00000 n \n" % 9
              + b"%010d 00000 n \n" % (a - 50))
    b_off = a + len(xref_a) + 80
    trailer_a = b"trailer\n<< /Size 3 /Root 2 0 R /Prev %d >>\n" % b_off
    trailer_a = trailer_a.ljust(80, b" ")
    xref_b = b"xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 3 /Root 2 0 R /Prev %d >>\n" % a
    return body + xref_a + trailer_a + xref_b + b"startxref\n%d\n%%%%EOF\n" % b_off


# --------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------

VALUES = {
    "f01": person("Leksands kommun", "Anna Dahlgren", "anna.dahlgren@leksand.test",
                  "Mikael Öberg", "mikael.oberg@leksand.test",
                  "Socialtjänstens ledningsgrupp\nIntranätet Insidan",
                  "Lena Forsberg", "Socialchef", "lena.forsberg@leksand.test, 0247-800 00",
                  "1 december 2026", "2026-12-01"),
    "f02": person("Gagnefs kommun", "Sara Nyström", "sara.nystrom@gagnef.test",
                  "Olle Björk", "olle.bjork@gagnef.test",
                  "APT i individ- och familjeomsorgen\nNyhetsbrevet Gagnef inne",
                  "Helena Berg", "Förvaltningschef", "0241-150 00",
                  "2026-12-02", "2026-12-02"),
    "f03": person("Hedemora kommun", "Johan Ek", "johan.ek@hedemora.test",
                  "Maria Holm", "maria.holm@hedemora.test",
                  "Ledningsgruppen\nVerksamhetsträffar varje månad",
                  "Peter Sund", "Socialchef", "peter.sund@hedemora.test",
                  "03.12.2026", "2026-12-03"),
    "f04": person("Mora kommun", "Karin Wik", "karin.wik@mora.test",
                  "Nils Strand", "nils.strand@mora.test",
                  "Enhetschefsmöten",
                  "Eva Lund", "Avdelningschef", "eva.lund@mora.test, 0250-260 00",
                  "4/12 2026", "2026-12-04"),
    "f05": person("Orsa kommun", "Linnea Ström", "linnea.strom@orsa.test",
                  "Erik Jansson", "e.jansson@orsa.test",
                  "Ledningsgruppen för socialtjänsten\nIntranätet",
                  "Ulla Persson", "Socialchef", "ulla.persson@orsa.test, 0250-552 00",
                  "2026-12-05", "2026-12-05"),
    "f06": person("Vansbro kommun", "Petra Lind", "petra.lind@vansbro.test",
                  "Anders Falk", "anders.falk@vansbro.test",
                  "Ledningsgruppen\nIntranätet",
                  "Gunilla Ek", "Socialchef", "gunilla.ek@vansbro.test",
                  "2026-12-06", "2026-12-06"),
}
ORG_IDS = {"f01": "leksands-kommun", "f02": "gagnefs-kommun", "f03": "hedemora-kommun",
           "f04": "mora-kommun", "f05": "orsa-kommun", "f06": "vansbro-kommun"}


def message(n, sender, subject, body, name, data, maintype, subtype):
    msg = EmailMessage(policy=SMTP)
    msg["From"] = sender
    msg["To"] = "Länsstrateg <strateg@lansstyrelsen.test>"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(dt.datetime(2026, 12, n, 9, 30, tzinfo=dt.timezone.utc))
    msg["Message-ID"] = f"<f{n:02d}.fixture@blankett.test>"
    msg.set_content(body)
    msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes(policy=SMTP)


def fields_of(v):
    return {k: v[k] for k in KEYS}


def expected(status, source, fields, org_id, note, method=None, ocr_fields=None, ocr_org=None):
    out = {
        "status": status, "source": source, "fields": fields, "organisation_id": org_id,
        "missing": [k for k in KEYS if k not in fields] if status in ("complete", "incomplete") else [],
        "invalid": [], "note": note,
    }
    if method:
        out["method"] = method
    if ocr_fields is not None:
        out["ocr_fields"] = ocr_fields
        out["ocr_organisation_id"] = ocr_org
    return out


def cases():
    body = "Hej!\n\nHär kommer vår blankett för länsgruppen.\n\nVänliga hälsningar\n"
    yield ("f01-pdf-text-label-value-runs-apart",
           message(1, "Anna Dahlgren <anna.dahlgren@leksand.test>", "Blankett länsgruppen",
                   body, "Blankett Leksand.pdf", text_pdf_runs_apart(VALUES["f01"]),
                   "application", "pdf"),
           expected("complete", "attachment:Blankett Leksand.pdf", fields_of(VALUES["f01"]),
                    ORG_IDS["f01"], "Text PDF where every label and value is its own text "
                    "object in two columns; one value split into two runs, one a point off "
                    "the label's baseline: pairs are joined by position.", "pdf-text"))
    odd = ["txtOrg", "Rep_namn", "Epost1", "Ersattare_namn", "Epost2", "Kanaler",
           "ChefNamn", "ChefTitel", "Chef_tel", "Datum_underskrift"]
    yield ("f02-pdf-fillable-odd-field-names",
           message(2, "Sara Nyström <sara.nystrom@gagnef.test>", "SV: Blankett",
                   body, "blankett_ifylld.pdf", fillable_pdf(VALUES["f02"], odd),
                   "application", "octet-stream"),
           expected("complete", "attachment:blankett_ifylld.pdf", fields_of(VALUES["f02"]),
                    ORG_IDS["f02"], "Fillable PDF with odd field names (txtOrg, Rep_namn, "
                    "Epost1, Epost2, Kanaler, ChefNamn, Chef_tel, ...): values matched to "
                    "keys by name; sent as application/octet-stream.", "pdf-form"))
    generic = [f"Text{i}" for i in range(1, 11)]
    yield ("f03-pdf-fillable-text1-names-labels-beside",
           message(3, "Johan Ek <johan.ek@hedemora.test>", "Blankett Hedemora",
                   body, "Blankett Hedemora.pdf", fillable_pdf(VALUES["f03"], generic),
                   "application", "pdf"),
           expected("complete", "attachment:Blankett Hedemora.pdf", fields_of(VALUES["f03"]),
                    ORG_IDS["f03"], "Fillable PDF whose fields are named Text1..Text10: "
                    "each value is tied to the label printed left of (or above) its widget.",
                    "pdf-form"))
    yield ("f04-pdf-encrypted-empty-user-password",
           message(4, "Karin Wik <karin.wik@mora.test>", "Blankett Mora kommun",
                   body, "Blankett Mora.pdf", encrypted_pdf(VALUES["f04"]),
                   "application", "pdf"),
           expected("complete", "attachment:Blankett Mora.pdf", fields_of(VALUES["f04"]),
                    ORG_IDS["f04"], "Text PDF encrypted (RC4-128) with an empty user password "
                    "and an owner password: opens without asking; date '4/12 2026'.", "pdf-text"))
    yield ("f05-png-phone-photo-ocr",
           message(5, "Linnea Ström <linnea.strom@orsa.test>", "Blanketten",
                   "Hej, här är ett foto av blanketten.\n", "IMG_2041.png",
                   png_bytes(form_image(VALUES["f05"], photo=True)), "image", "png"),
           expected("unreadable", "attachment:IMG_2041.png", {}, None,
                    "Phone photo (PNG) of a filled-in form, slightly rotated, shaded and "
                    "noisy: read with OCR when installed, otherwise a person must look.",
                    ocr_fields=fields_of(VALUES["f05"]), ocr_org=ORG_IDS["f05"]))
    yield ("f06-pdf-scan-with-invisible-ocr-layer",
           message(6, "Petra Lind <petra.lind@vansbro.test>", "Inskannad blankett",
                   body, "SKM_C250i26120609300.pdf", scan_with_text_layer(VALUES["f06"]),
                   "application", "pdf"),
           expected("complete", "attachment:SKM_C250i26120609300.pdf", fields_of(VALUES["f06"]),
                    ORG_IDS["f06"], "Scanned page (JPEG) with an invisible OCR text layer "
                    "(render mode 3): the layer counts as text, no OCR needed.", "pdf-text"))
    yield ("f07-pdf-corrupt-circular-xref",
           message(7, "Per Sten <per.sten@falun.test>", "Blankett Falu kommun",
                   body, "Blankett Falun.pdf", circular_xref_pdf(), "application", "pdf"),
           expected("unreadable", "attachment:Blankett Falun.pdf", {}, None,
                    "Hostile: a PDF cut off after its first object whose two cross-reference "
                    "sections name each other as /Prev: unreadable, quickly, no hang."))


def main():
    os.makedirs(OUTDIR, exist_ok=True)
    for name, eml, want in cases():
        with open(os.path.join(OUTDIR, name + ".eml"), "wb") as f:
            f.write(eml.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
        with open(os.path.join(OUTDIR, name + ".json"), "w", encoding="utf-8") as f:
            json.dump(want, f, ensure_ascii=False, indent=2)
            f.write("\n")
        print(name, len(eml))


if __name__ == "__main__":
    main()
