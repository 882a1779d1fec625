#!/usr/bin/env python3
"""Generate the a*-*.eml / a*-*.json ATTACHMENT fixtures (.docx and .odt).

The documents are real files written by python-docx and odfpy (what Word and
LibreOffice features python-docx has no API for, such as legacy form fields,
content-control placeholders and tracked changes, are added as the same
WordprocessingML elements Word writes).  Hostile files (zip bombs, billion
laughs, a truncated archive) are built from such a document.  Each file is
attached to a realistic Outlook, Gmail, Apple Mail or Thunderbird message
built with the standard `email` package, saved with CRLF line endings.

The .json next to each .eml is the expected output in the corpus format (see
/work/shared/corpus/README.md); `missing` is computed from `fields`.

Deterministic apart from the zip timestamps, which are fixed.  Usage:

    pip install python-docx odfpy
    python3 tests/gen/make_docx_fixtures.py [OUTDIR]

OUTDIR defaults to tests/fixtures.  Only a*-* files are written.
"""

import base64
import io
import json
import os
import struct
import sys
import zipfile
from email.generator import BytesGenerator
from email._policybase import Compat32
from email.message import Message

import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from odf.opendocument import OpenDocumentText
from odf.table import Table, TableCell, TableColumn, TableRow
from odf.text import H, LineBreak, P, S, Span, Tab

HERE = os.path.dirname(os.path.abspath(__file__))
OUTDIR = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "fixtures")

KEYS = ["organisation", "representative_name", "representative_email", "substitute_name",
        "substitute_email", "internal_channels", "manager_name", "manager_title",
        "manager_contact", "signed_date"]
HEADING = "Anmälan av representant och ersättare"
SUBHEADING = "Länsgrupp Mäns våld mot kvinnor och våld i nära relationer"
CHANNELS = "Interna kontaktvägar där representanten kan delge och inhämta information:"
MANAGER = "Underskrift av ansvarig chef/er för representanter"
FIXED_TIME = (2026, 11, 20, 9, 0, 0)
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT_TYPE = "application/vnd.oasis.opendocument.text"


# --------------------------------------------------------------------------
# Documents
# --------------------------------------------------------------------------

def normalise_zip(data):
    """Rewrites an archive with fixed timestamps, so that output is stable."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, FIXED_TIME)
            fixed.compress_type = zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def new_docx():
    d = docx.Document()
    d.core_properties.author = "Länsstyrelsen Dalarna"
    d.core_properties.created = __import__("datetime").datetime(2026, 10, 1, 8, 0, 0)
    d.core_properties.modified = __import__("datetime").datetime(2026, 11, 20, 8, 0, 0)
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


def tracked(p, old, new, rid):
    d = el("w:del", **{"w:id": str(rid), "w:author": "Anna Holm", "w:date": "2026-11-19T10:00:00Z"})
    r = el("w:r")
    t = el("w:delText")
    t.text = old
    r.append(t)
    d.append(r)
    p._p.append(d)
    i = el("w:ins", **{"w:id": str(rid + 1), "w:author": "Anna Holm", "w:date": "2026-11-19T10:00:00Z"})
    i.append(run(new))
    p._p.append(i)


def docx_legacy_fields(v):
    d = new_docx()
    d.add_paragraph("Fyll i fälten och skicka blanketten till länets strateg.")
    rows = [("Organisation:", v["organisation"]), ("Representant:", v["representative_name"]),
            ("Mejladress:", v["representative_email"]), ("Ersättare:", v["substitute_name"]),
            ("Mejladress:", "")]
    for i, (label, value) in enumerate(rows):
        p = d.add_paragraph()
        p._p.append(run(label + " ", bold=True))
        legacy_field(p, "Text%d" % (i + 1), value)
    d.add_paragraph().add_run(CHANNELS).bold = True
    for i, line in enumerate(v["internal_channels"].split("\n")):
        legacy_field(d.add_paragraph(), "Kanal%d" % (i + 1), line)
    d.add_paragraph().add_run(MANAGER).bold = True
    for i, (label, key) in enumerate([("Namn:", "manager_name"), ("Titel:", "manager_title"),
                                      ("Mejl/telefon:", "manager_contact"), ("Datum:", "signed_date")]):
        p = d.add_paragraph()
        p._p.append(run(label + " ", bold=True))
        legacy_field(p, "Chef%d" % (i + 1), v[key])
    return save_docx(d)


def docx_tracked_changes(v):
    d = new_docx()
    lines = [("Organisation:", v["organisation"])]
    for label, value in lines:
        p = d.add_paragraph()
        p.add_run(label + "\t")
        split_runs(p, value)
    p = d.add_paragraph()
    p.add_run("Representant:\t")
    tracked(p, "Per Olsson", v["representative_name"], 10)
    p = d.add_paragraph()
    p.add_run("Mejladress:\t")
    tracked(p, "per.olsson@smedjebacken.test", v["representative_email"], 12)
    for label, key in [("Ersättare:", "substitute_name"), ("Mejladress:", "substitute_email")]:
        p = d.add_paragraph()
        p.add_run(label + "\t")
        split_runs(p, v[key])
    d.add_paragraph(CHANNELS)
    first, second = v["internal_channels"].split("\n")
    d.add_paragraph(first)
    p = d.add_paragraph()
    tracked(p, "Veckobrevet (nedlagt)", second, 14)
    # A whole paragraph deleted in a tracked change: its text and mark go.
    p = d.add_paragraph()
    ppr = p._p.get_or_add_pPr()
    rpr = el("w:rPr")
    rpr.append(el("w:del", **{"w:id": "20", "w:author": "Anna Holm", "w:date": "2026-11-19T10:00:00Z"}))
    ppr.append(rpr)
    tracked(p, "Arbetsplatsträffar i Smedjebacken", "", 21)
    p._p.remove(p._p[-1])  # keep the deletion only
    d.add_paragraph().add_run(MANAGER).bold = True
    for label, key in [("Namn:", "manager_name"), ("Titel:", "manager_title"),
                       ("Mejl/telefon:", "manager_contact"), ("Datum:", "signed_date")]:
        p = d.add_paragraph()
        p.add_run(label + "\t")
        p.add_run(v[key])
    return save_docx(d)


def docx_one_cell(v):
    d = new_docx()
    t = d.add_table(rows=0, cols=1)
    t.style = "Table Grid"
    for label, key in [("Organisation", "organisation"), ("Representant", "representative_name"),
                       ("Mejladress", "representative_email"), ("Ersättare", "substitute_name"),
                       ("Mejladress", "substitute_email")]:
        cell = t.add_row().cells[0]
        cell.paragraphs[0].add_run(label + ": ").bold = True
        split_runs(cell.paragraphs[0], v[key])
    cell = t.add_row().cells[0]
    cell.paragraphs[0].add_run(CHANNELS).bold = True
    for line in v["internal_channels"].split("\n"):
        cell.add_paragraph(line)
    d.add_paragraph()
    d.add_paragraph().add_run(MANAGER).bold = True
    t = d.add_table(rows=0, cols=2)
    t.style = "Table Grid"
    for label, key in [("Namn", "manager_name"), ("Titel", "manager_title"),
                       ("Mejl/telefon", "manager_contact"), ("Datum", "signed_date")]:
        cells = t.add_row().cells
        cells[0].paragraphs[0].add_run(label).bold = True
        split_runs(cells[1].paragraphs[0], v[key])
    return save_docx(d)


def docx_header_footer(v):
    d = new_docx()
    sec = d.sections[0]
    sec.header.paragraphs[0].text = "Organisation: Länsstyrelsen Dalarna\tDnr 851-2026"
    sec.header.add_paragraph("Mejladress: registrator@lansstyrelsen.test")
    sec.footer.paragraphs[0].text = "Datum: 2025-01-15\tVersion 3"
    sec.footer.add_paragraph("Titel: Blankett länsgrupp")
    bookmark = 0
    for label, key in [("Organisation:", "organisation"), ("Representant:", "representative_name"),
                       ("Mejladress:", "representative_email"), ("Ersättare:", "substitute_name"),
                       ("Mejladress:", "substitute_email")]:
        p = d.add_paragraph()
        p.add_run(label + " ")
        p._p.append(el("w:bookmarkStart", **{"w:id": str(bookmark), "w:name": "F%d" % bookmark}))
        split_runs(p, v[key])
        p._p.append(el("w:bookmarkEnd", **{"w:id": str(bookmark)}))
        bookmark += 1
    d.add_paragraph(CHANNELS)
    for line in v["internal_channels"].split("\n"):
        d.add_paragraph(line, style="List Bullet")
    d.add_paragraph(MANAGER)
    for label, key in [("Namn:", "manager_name"), ("Titel:", "manager_title"),
                       ("Mejl/telefon:", "manager_contact"), ("Datum:", "signed_date")]:
        p = d.add_paragraph()
        p.add_run(label + " ")
        split_runs(p, v[key])
    return save_docx(d)


def docx_plain(v):
    """A paragraph form, used as the base of the hostile files."""
    d = new_docx()
    for label, key in [("Organisation:", "organisation"), ("Representant:", "representative_name"),
                       ("Mejladress:", "representative_email"), ("Ersättare:", "substitute_name"),
                       ("Mejladress:", "substitute_email")]:
        d.add_paragraph("%s %s" % (label, v[key]))
    d.add_paragraph(CHANNELS)
    for line in v["internal_channels"].split("\n"):
        d.add_paragraph(line)
    d.add_paragraph(MANAGER)
    for label, key in [("Namn:", "manager_name"), ("Titel:", "manager_title"),
                       ("Mejl/telefon:", "manager_contact"), ("Datum:", "signed_date")]:
        d.add_paragraph("%s %s" % (label, v[key]))
    return save_docx(d)


def replace_part(data, name, content, lie_size=None):
    """Rewrites one part of an archive. With `lie_size`, the part's declared
    uncompressed size (local header and central directory) is set to it."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, FIXED_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            if info.filename != name:
                dst.writestr(fixed, src.read(info.filename))
                continue
            with dst.open(fixed, "w", force_zip64=lie_size is None) as f:
                for chunk in content:
                    f.write(chunk)
    raw = bytearray(out.getvalue())
    if lie_size is not None:
        info = zipfile.ZipFile(io.BytesIO(bytes(raw))).getinfo(name)
        struct.pack_into("<I", raw, info.header_offset + 22, lie_size)
        pos = 0
        while True:
            pos = raw.find(b"PK\x01\x02", pos)
            n = struct.unpack_from("<H", raw, pos + 28)[0]
            if raw[pos + 46:pos + 46 + n] == name.encode():
                struct.pack_into("<I", raw, pos + 24, lie_size)
                break
            pos += 4
    return bytes(raw)


def document_xml(data):
    return zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode("utf-8")


def zip_bomb(base, inflated, lie_size=None):
    """`word/document.xml` is the real document's start, then `inflated` bytes
    of blanks, then its end: a small file that inflates to `inflated` bytes."""
    xml = document_xml(base)
    cut = xml.index("<w:body>") + len("<w:body>")
    head, tail = xml[:cut].encode(), xml[cut:].encode()

    def chunks():
        yield head
        block = b" " * (1 << 20)
        for _ in range(inflated >> 20):
            yield block
        yield tail

    return replace_part(base, "word/document.xml", chunks(), lie_size)


def billion_laughs(base):
    xml = document_xml(base)
    dtd = ['<!DOCTYPE w:document [', '<!ENTITY lol "lol">']
    dtd.append('<!ENTITY lol1 "%s">' % ("&lol;" * 10))
    for i in range(2, 10):
        dtd.append('<!ENTITY lol%d "%s">' % (i, "&lol%d;" % (i - 1) * 10))
    dtd.append("]>")
    decl_end = xml.index("?>") + 2
    xml = xml[:decl_end] + "\n" + "\n".join(dtd) + xml[decl_end:]
    # The reference stands in the heading, where it would explode if expanded.
    xml = xml.replace(HEADING, HEADING + " &lol9;", 1)
    return replace_part(base, "word/document.xml", [xml.encode()])


def odt_table(v):
    doc = OpenDocumentText()
    doc.text.addElement(H(outlinelevel=1, text=HEADING))
    doc.text.addElement(P(text=SUBHEADING))
    t = Table(name="Blankett")
    t.addElement(TableColumn(numbercolumnsrepeated=2))
    rows = [("Organisation", "organisation"), ("Representant:", "representative_name"),
            ("Mejladress", "representative_email"), ("Ersättare:", "substitute_name"),
            ("Mejladress", "substitute_email"), (CHANNELS, "internal_channels"),
            (MANAGER, None), ("Namn:", "manager_name"), ("Titel", "manager_title"),
            ("Mejl/telefon:", "manager_contact"), ("Datum", "signed_date")]
    for label, key in rows:
        tr = TableRow()
        c = TableCell()
        c.addElement(P(text=label))
        tr.addElement(c)
        c = TableCell()
        for line in (v[key].split("\n") if key else [""]):
            p = P()
            p.addElement(Span(text=line))
            c.addElement(p)
        tr.addElement(c)
        t.addElement(tr)
    doc.text.addElement(t)
    buf = io.BytesIO()
    doc.write(buf)
    return normalise_zip(buf.getvalue())


def odt_line_breaks(v):
    doc = OpenDocumentText()
    doc.text.addElement(H(outlinelevel=1, text=HEADING))
    for label, key in [("Organisation:", "organisation"), ("Representant:", "representative_name"),
                       ("Mejladress:", "representative_email"), ("Ersättare:", "substitute_name"),
                       ("Mejladress:", "substitute_email")]:
        p = P(text=label)
        p.addElement(Tab())
        p.addElement(Span(text=v[key]))
        doc.text.addElement(p)
    doc.text.addElement(P(text=CHANNELS))
    p = P()
    for i, line in enumerate(v["internal_channels"].split("\n")):
        if i:
            p.addElement(LineBreak())
        p.addElement(Span(text=line))
    doc.text.addElement(p)
    doc.text.addElement(P(text=MANAGER))
    doc.text.addElement(P())
    for label, key in [("Namn:", "manager_name"), ("Titel:", "manager_title"),
                       ("Mejl/telefon:", "manager_contact"), ("Datum:", "signed_date")]:
        p = P(text=label)
        p.addElement(S(c=3))
        p.addElement(Span(text=v[key]))
        doc.text.addElement(p)
    buf = io.BytesIO()
    doc.write(buf)
    return normalise_zip(buf.getvalue())


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
    raw = text.encode("cp1252")
    body = "".join(c if c.isascii() and (c.isalnum() or c in "-.") else ("_" if c == " " else "=%02X" % ord(c))
                   for c in raw.decode("latin-1"))
    return "=?iso-8859-1?Q?%s?=" % body


def b_word(text):
    return "=?UTF-8?B?%s?=" % base64.b64encode(text.encode()).decode()


def part(headers, payload):
    m = Message(policy=POLICY)
    for k, v in headers:
        m[k] = v
    m.set_payload(payload)
    return m


def attachment(name, data, ctype, style):
    if style == "outlook":
        encoded = q_word(name)
        disp = 'attachment; filename="%s";\n\tsize=%d' % (encoded, len(data))
        ctype_h = '%s;\n\tname="%s"' % (ctype, encoded)
    elif style == "gmail":
        disp = 'attachment; filename="%s"' % b_word(name)
        ctype_h = '%s; name="%s"' % (ctype, b_word(name))
    else:
        from urllib.parse import quote
        disp = "attachment;\n\tfilename*=utf-8''%s" % quote(name)
        ctype_h = "%s;\n\tx-unix-mode=0644;\n\tname*=utf-8''%s" % (ctype, quote(name))
    return part([("Content-Type", ctype_h), ("Content-Disposition", disp),
                 ("Content-Transfer-Encoding", "base64")],
                base64.encodebytes(data).decode("ascii"))


def text_part(text, style):
    import quopri
    payload = quopri.encodestring(text.replace("\n", "\r\n").encode("utf-8")).decode("ascii")
    return part([("Content-Type", 'text/plain; charset="utf-8"' if style != "thunderbird"
                  else "text/plain; charset=UTF-8; format=flowed"),
                 ("Content-Transfer-Encoding", "quoted-printable")], payload)


def html_part(text):
    import quopri
    body = "".join("<p class=MsoNormal>%s</p>\n" % (line or "&nbsp;") for line in text.split("\n"))
    html = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head>" \
           "<body lang=\"SV\">\n<div class=WordSection1>\n%s</div>\n</body></html>" % body
    return part([("Content-Type", 'text/html; charset="utf-8"'),
                 ("Content-Transfer-Encoding", "quoted-printable")],
                quopri.encodestring(html.encode("utf-8")).decode("ascii"))


def message(c, data):
    style = c["style"]
    sender, addr = c["sender"]
    body = c["body"]
    if style in ("outlook", "gmail"):
        alt = Message(policy=POLICY)
        alt["Content-Type"] = 'multipart/alternative;\n\tboundary="%s"' % ("_000_" + c["id"] + "_")
        alt.attach(text_part(body, style))
        alt.attach(html_part(body))
        first = alt
    else:
        first = text_part(body, style)
    m = Message(policy=POLICY)
    m["Received"] = ("from mx1.lansstyrelsen.test (mx1.lansstyrelsen.test [198.51.100.14])\n"
                     "\tby mbx01.lansstyrelsen.test with ESMTPS id %s\n\tfor <strateg@lansstyrelsen.test>; %s"
                     % (c["id"][:12].upper(), c["date"]))
    m["From"] = "%s <%s>" % (b_word(sender) if not sender.isascii() else sender, addr)
    m["To"] = "%s <strateg@lansstyrelsen.test>" % q_word("Strateg Länsstyrelsen Dalarna")
    m["Subject"] = q_word(c["subject"]) if not c["subject"].isascii() else c["subject"]
    m["Date"] = c["date"]
    m["Message-ID"] = "<%s@%s>" % (c["id"], addr.split("@")[1])
    m["MIME-Version"] = "1.0"
    if style == "outlook":
        m["Accept-Language"] = "sv-SE, en-US"
        m["Content-Language"] = "sv-SE"
        m["X-MS-Has-Attach"] = "yes"
    m["Content-Type"] = 'multipart/mixed;\n\tboundary="%s"' % ("_004_" + c["id"] + "_")
    m.attach(first)
    ext = "odt" if c["kind"] == "odt" else "docx"
    m.attach(attachment(c["file"], data, ODT_TYPE if ext == "odt" else DOCX_TYPE, style))
    buf = io.BytesIO()
    BytesGenerator(buf, mangle_from_=False, policy=POLICY).flatten(m)
    return buf.getvalue().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def expected(c):
    fields = c.get("fields", {})
    if c["status"] == "unreadable":
        return {"status": "unreadable", "source": "attachment:" + c["file"], "fields": {},
                "organisation_id": None, "missing": [], "invalid": [], "note": c["note"]}
    missing = [k for k in KEYS if k not in fields]
    return {"status": "complete" if not missing else "incomplete",
            "source": "attachment:" + c["file"], "fields": fields,
            "organisation_id": c["org_id"], "missing": missing, "invalid": [],
            "note": c["note"]}


# --------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------

def values(org, rep, rep_mail, sub, sub_mail, channels, name, title, contact, date):
    return dict(zip(KEYS, [org, rep, rep_mail, sub, sub_mail, channels, name, title, contact, date]))


SMEDJE = values("Smedjebackens kommun", "Sara Holm", "sara.holm@smedjebacken.test", "Jonas Berg",
                "jonas.berg@smedjebacken.test", "Socialtjänstens ledningsgrupp\nIntranätet Insidan",
                "Lena Wik", "Socialchef", "lena.wik@smedjebacken.test, 0240-660 00", "2026-11-18")
MORA = values("Mora kommun", "Ingrid Mattsson", "ingrid.mattsson@mora.test", "Daniel Hjort",
              "daniel.hjort@mora.test", "Socialtjänstens ledningsgrupp\nMora kommuns intranät",
              "Åsa Nordin", "Socialchef", "asa.nordin@mora.test, 0250-260 00", "2026-11-20")
GAGNEF = values("Gagnefs kommun", "Elin Sundberg", "elin.sundberg@gagnef.test", "Olof Mård",
                "olof.mard@gagnef.test", "Ledningsgruppen IFO\nArbetsplatsträffar\nVeckobrevet",
                "Karin Ek", "Enhetschef", "karin.ek@gagnef.test, 0241-150 00", "2026-11-23")
KVJ = values("Kvinnojouren i Borlänge", "Maria Lund", "maria.lund@kvinnojouren.test", "Eva Strand",
             "eva.strand@kvinnojouren.test", "Styrelsemöten\nMedlemsbrevet", "Anna Dahl",
             "Ordförande", "anna.dahl@kvinnojouren.test, 0243-100 00", "2026-11-25")
RATTVIK = values("Rättviks kommun", "Lars Ek", "lars.ek@rattvik.test", "Sofia Nyberg",
                 "sofia.nyberg@rattvik.test", "Ledningsgruppen\nIntranätet", "Per Ahl",
                 "Förvaltningschef", "per.ahl@rattvik.test, 0248-700 00", "2026-11-26")


def with_empty(v, key):
    return {k: x for k, x in v.items() if k != key}


CASES = [
    dict(name="a01-docx-legacy-form-fields", kind="docx", style="outlook", id="AM0PR09MB5511A01",
         sender=("Sara Holm", "sara.holm@smedjebacken.test"), subject="Blankett länsgrupp",
         date="Wed, 18 Nov 2026 14:05:11 +0000", file="Blankett länsgrupp Smedjebacken.docx",
         body="Hej!\n\nHär kommer blanketten ifylld. Mejladressen till Jonas kommer senare.\n\nHälsningar\nSara",
         make=lambda: docx_legacy_fields(SMEDJE), status="incomplete",
         fields=with_empty(SMEDJE, "substitute_email"), org_id="smedjebackens-kommun",
         note="Outlook with a Word form of legacy text form fields (FORMTEXT: begin/instruction/separate/result/end), "
              "values split over runs; the substitute's Mejladress field is left empty (five en spaces), so "
              "substitute_email is missing; the instruction text is not a value."),
    dict(name="a02-docx-tracked-changes", kind="docx", style="gmail", id="CAF7xk2a02trk",
         sender=("Sara Holm", "sara.holm@smedjebacken.test"), subject="Ny representant i länsgruppen",
         date="Thu, 19 Nov 2026 10:12:40 +0100", file="Blankett Smedjebacken ändrad.docx",
         body="Hej,\n\nVi har bytt representant, se bifogad blankett (ändringarna syns som spårade ändringar).\n\n/Sara",
         make=lambda: docx_tracked_changes(SMEDJE), status="complete", fields=SMEDJE,
         org_id="smedjebackens-kommun",
         note="Gmail with a .docx whose representant and address are tracked changes (the old name and address "
              "deleted, the new ones inserted): read as accepted; a deleted channel paragraph is gone; labels "
              "separated from values by a tab."),
    dict(name="a03-docx-label-value-one-cell", kind="docx", style="outlook", id="DB9PR09MB7125A03",
         sender=("Ingrid Mattsson", "ingrid.mattsson@mora.test"), subject="Blankett länsgrupp Mora",
         date="Fri, 20 Nov 2026 08:52:33 +0000", file="Blankett Mora kommun.docx",
         body="Hej!\n\nSe bifogad blankett.\n\nMvh\nIngrid Mattsson\nSocialsekreterare, Mora kommun",
         make=lambda: docx_one_cell(MORA), status="complete", fields=MORA, org_id="mora-kommun",
         note="Word table with label and value in one cell ('Organisation: Mora kommun'), the channels as the "
              "cell's later paragraphs; the manager block a second table with labels without colons in the "
              "label cell and the value in the next cell."),
    dict(name="a04-docx-header-footer-ignored", kind="docx", style="apple", id="8C1D2E3F-A04H-4F00",
         sender=("Elin Sundberg", "elin.sundberg@gagnef.test"), subject="Blankett länsgruppen",
         date="Mon, 23 Nov 2026 16:40:02 +0100", file="Blankett Gagnef.docx",
         body="Hej Helena!\n\nHär är vår blankett.\n\nElin",
         make=lambda: docx_header_footer(GAGNEF), status="complete", fields=GAGNEF, org_id="gagnefs-kommun",
         note="Apple Mail (RFC 2231 file name) with a .docx whose page header reads 'Organisation: Länsstyrelsen "
              "Dalarna' and 'Mejladress: registrator@...' and whose footer reads 'Datum: 2025-01-15': headers and "
              "footers are never read; values wrapped in bookmarks and split over runs; channels as a bullet list."),
    dict(name="a05-odt-table", kind="odt", style="thunderbird", id="a05odt-3f2e-4d1c",
         sender=("Maria Lund", "maria.lund@kvinnojouren.test"), subject="Blankett länsgrupp",
         date="Wed, 25 Nov 2026 19:03:44 +0100", file="Blankett Kvinnojouren Borlänge.odt",
         body="Hej!\n\nBifogar blanketten från Kvinnojouren.\n\nMaria",
         make=lambda: odt_table(KVJ), status="complete", fields=KVJ, org_id="kvinnojouren-borlange",
         note="Thunderbird with a LibreOffice .odt whose form is a table (label cell | value cell, some labels "
              "without colons), values in text:span, the channels as two paragraphs in one cell."),
    dict(name="a06-odt-line-breaks-channels", kind="odt", style="gmail", id="CAF7xk2a06lb",
         sender=("Elin Sundberg", "elin.sundberg@gagnef.test"), subject="Blankett länsgrupp Gagnef",
         date="Mon, 23 Nov 2026 11:20:00 +0100", file="Blankett Gagnefs kommun.odt",
         body="Hej,\n\nhär kommer blanketten.\n\nElin",
         make=lambda: odt_line_breaks(GAGNEF), status="complete", fields=GAGNEF, org_id="gagnefs-kommun",
         note="Gmail with an .odt: a tab (text:tab) between label and value, the three channels in one paragraph "
              "split by text:line-break, text:s spaces after the manager labels."),
    dict(name="a07-docx-zip-bomb", kind="docx", style="outlook", id="AM0PR09MB5511A07",
         sender=("Lars Ek", "lars.ek@rattvik.test"), subject="Blankett länsgrupp Rättvik",
         date="Thu, 26 Nov 2026 09:14:00 +0000", file="Blankett Rättvik.docx",
         body="Hej!\n\nBifogar blanketten.\n\nLars", status="unreadable",
         make=lambda: zip_bomb(docx_plain(RATTVIK), 1 << 30),
         note="Hostile: a ~1 MB .docx whose word/document.xml inflates to 1 GiB (sizes declared honestly, zip64): "
              "unreadable at once, never inflated."),
    dict(name="a08-docx-zip-bomb-lying-sizes", kind="docx", style="gmail", id="CAF7xk2a08lie",
         sender=("Lars Ek", "lars.ek@rattvik.test"), subject="Blankett länsgrupp",
         date="Thu, 26 Nov 2026 09:30:00 +0100", file="Blankett Rättviks kommun.docx",
         body="Hej, blanketten bifogad.\n\nLars", status="unreadable",
         make=lambda: zip_bomb(docx_plain(RATTVIK), 256 << 20, lie_size=48000),
         note="Hostile: word/document.xml declares 48 000 bytes but inflates to 256 MiB: inflating stops at "
              "limits.max_inflated_bytes and the attachment is unreadable."),
    dict(name="a09-docx-billion-laughs", kind="docx", style="outlook", id="DB9PR09MB7125A09",
         sender=("Lars Ek", "lars.ek@rattvik.test"), subject="Blankett länsgrupp",
         date="Thu, 26 Nov 2026 10:02:00 +0000", file="Blankett länsgrupp Rättvik.docx",
         body="Hej!\n\nSe bifogad fil.\n\nLars", status="complete", fields=RATTVIK, org_id="rattviks-kommun",
         make=lambda: billion_laughs(docx_plain(RATTVIK)),
         note="Hostile: word/document.xml carries a billion-laughs DTD (&lol9; = 10^9 'lol') referenced in the "
              "heading; entities are never expanded, so the form reads normally and fast."),
    dict(name="a10-docx-truncated", kind="docx", style="gmail", id="CAF7xk2a10trn",
         sender=("Lars Ek", "lars.ek@rattvik.test"), subject="Blankett länsgrupp Rättvik",
         date="Thu, 26 Nov 2026 11:45:00 +0100", file="Blankett Rättvik ifylld.docx",
         body="Hej,\n\nbifogar blanketten.\n\nLars", status="unreadable",
         make=lambda: docx_plain(RATTVIK)[:5000],
         note="The attached .docx is cut off after 5000 bytes (no central directory): unreadable, no crash."),
]


def main():
    os.makedirs(OUTDIR, exist_ok=True)
    for c in CASES:
        data = c["make"]()
        with open(os.path.join(OUTDIR, c["name"] + ".eml"), "wb") as f:
            f.write(message(c, data))
        with open(os.path.join(OUTDIR, c["name"] + ".json"), "w", encoding="utf-8") as f:
            f.write(json.dumps(expected(c), ensure_ascii=False, indent=2) + "\n")
        print("%-36s %8d bytes attached" % (c["name"], len(data)))


if __name__ == "__main__":
    main()
