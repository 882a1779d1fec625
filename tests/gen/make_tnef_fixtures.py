#!/usr/bin/env python3
"""Generate the Outlook winmail.dat (TNEF) fixtures a11 and a12.

Outlook sends a message written in rich text as a plain-text body and an
`application/ms-tnef` part named winmail.dat that packs the real attachments.
This script writes such a winmail.dat byte by byte, as Outlook lays it out
(MS-OXTNEF): the signature 0x223E9F78, a legacy key, then attributes, each
`level u8, id u32 (type in the high word), length u32, data, checksum u16`,
the checksum being the sum of the data bytes mod 65536.  Message attributes
come first (TNEF version, code page, message class, subject, date, MAPI
properties), then per attachment attAttachRendData, attAttachTitle (the 8.3
name), the dates, attAttachData (the bytes) and attAttachment (MAPI
properties with PR_ATTACH_LONG_FILENAME and the MIME tag).

The packed file is the Word form of p08-docx-table.eml, taken out of that
message with the `email` package, so no document library is needed:

    python3 tests/gen/make_tnef_fixtures.py [OUTDIR]

OUTDIR defaults to tests/fixtures.  Deterministic.  Writes:
  a11-tnef-winmail-dat            the form inside a whole winmail.dat: complete
  a12-tnef-winmail-dat-truncated  the winmail.dat cut inside the form's bytes:
                                  unreadable, source attachment:winmail.dat
"""

import base64
import email
import email.policy
import io
import json
import os
import struct
import sys
from email.generator import BytesGenerator
from email._policybase import Compat32
from email.message import Message

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures")
OUTDIR = sys.argv[1] if len(sys.argv) > 1 else FIXTURES

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# Attribute levels and ids (type << 16 | id), from MS-OXTNEF.
LVL_MESSAGE, LVL_ATTACHMENT = 1, 2
ATT_TNEF_VERSION = 0x00089006
ATT_OEM_CODEPAGE = 0x00069007
ATT_MESSAGE_CLASS = 0x00078008
ATT_SUBJECT = 0x00018004
ATT_DATE_SENT = 0x00038005
ATT_MSG_PROPS = 0x00069003
ATT_ATTACH_REND_DATA = 0x00069002
ATT_ATTACH_TITLE = 0x00018010
ATT_ATTACH_CREATE_DATE = 0x00038012
ATT_ATTACH_MODIFY_DATE = 0x00038013
ATT_ATTACH_DATA = 0x0006800F
ATT_ATTACHMENT = 0x00069005

# MAPI property types.
PT_LONG, PT_BOOLEAN, PT_SYSTIME = 0x0003, 0x000B, 0x0040
PT_STRING8, PT_UNICODE, PT_BINARY = 0x001E, 0x001F, 0x0102

# A FILETIME for 2026-11-20 08:40 UTC, and the same as a TNEF date.
FILETIME = (1795164000 + 11644473600) * 10_000_000
DTR = struct.pack("<7H", 2026, 11, 20, 9, 40, 0, 5)


def attribute(level, att_id, data):
    checksum = sum(data) % 65536
    return struct.pack("<BII", level, att_id, len(data)) + data + struct.pack("<H", checksum)


def pad(data):
    return data + b"\0" * (-len(data) % 4)


def prop(ptype, pid, value, named=None):
    """One MAPI property as TNEF writes it; `named` is (guid, name) for ids
    at or above 0x8000."""
    out = struct.pack("<HH", ptype, pid)
    if named:
        guid, name = named
        wide = (name + "\0").encode("utf-16-le")
        out += guid + struct.pack("<II", 1, len(wide)) + pad(wide)
    if ptype in (PT_STRING8, PT_UNICODE, PT_BINARY):
        out += struct.pack("<II", 1, len(value)) + pad(value)
    elif ptype == PT_SYSTIME:
        out += struct.pack("<Q", value)
    else:
        out += struct.pack("<I", value & 0xFFFFFFFF)
    return out


def props(*items):
    return struct.pack("<I", len(items)) + b"".join(items)


def string8(text):
    return text.encode("cp1252") + b"\0"


def unicode(text):
    return (text + "\0").encode("utf-16-le")


def winmail(name, data, subject):
    short = "BLANKE~1.DOC"
    publishing = bytes.fromhex("0820060000000000c000000000000046")
    out = bytearray(struct.pack("<IH", 0x223E9F78, 0x5A1B))
    out += attribute(LVL_MESSAGE, ATT_TNEF_VERSION, struct.pack("<I", 0x00010000))
    out += attribute(LVL_MESSAGE, ATT_OEM_CODEPAGE, struct.pack("<II", 1252, 0))
    out += attribute(LVL_MESSAGE, ATT_MESSAGE_CLASS, b"IPM.Microsoft Mail.Note\0")
    out += attribute(LVL_MESSAGE, ATT_SUBJECT, string8(subject))
    out += attribute(LVL_MESSAGE, ATT_DATE_SENT, DTR)
    out += attribute(LVL_MESSAGE, ATT_MSG_PROPS, props(
        prop(PT_STRING8, 0x0037, string8(subject)),               # PR_SUBJECT
        prop(PT_LONG, 0x3FFD, 1252),                               # PR_MESSAGE_CODEPAGE
        prop(PT_BOOLEAN, 0x8001, 0, (publishing, "x-ms-exchange-organization-hasattach")),
    ))
    out += attribute(LVL_ATTACHMENT, ATT_ATTACH_REND_DATA,
                     struct.pack("<HIHHI", 1, 0xFFFFFFFF, 0, 0, 0))
    out += attribute(LVL_ATTACHMENT, ATT_ATTACH_TITLE, string8(short))
    out += attribute(LVL_ATTACHMENT, ATT_ATTACH_CREATE_DATE, DTR)
    out += attribute(LVL_ATTACHMENT, ATT_ATTACH_MODIFY_DATE, DTR)
    out += attribute(LVL_ATTACHMENT, ATT_ATTACH_DATA, data)
    out += attribute(LVL_ATTACHMENT, ATT_ATTACHMENT, props(
        prop(PT_LONG, 0x0E20, len(data)),                          # PR_ATTACH_SIZE
        prop(PT_UNICODE, 0x3001, unicode(name)),                   # PR_DISPLAY_NAME
        prop(PT_SYSTIME, 0x3007, FILETIME),                        # PR_CREATION_TIME
        prop(PT_BINARY, 0x3702, b""),                              # PR_ATTACH_ENCODING
        prop(PT_STRING8, 0x3703, string8(".docx")),                # PR_ATTACH_EXTENSION
        prop(PT_STRING8, 0x3704, string8(short)),                  # PR_ATTACH_FILENAME
        prop(PT_LONG, 0x3705, 1),                                  # PR_ATTACH_METHOD: by value
        prop(PT_STRING8, 0x3707, string8(name)),                   # PR_ATTACH_LONG_FILENAME
        prop(PT_LONG, 0x370B, -1),                                 # PR_RENDERING_POSITION
        prop(PT_STRING8, 0x370E, string8(DOCX_TYPE)),              # PR_ATTACH_MIME_TAG
    ))
    return bytes(out)


def p08_docx():
    with open(os.path.join(FIXTURES, "p08-docx-table.eml"), "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    for part in msg.iter_attachments():
        if part.get_content_type() == DOCX_TYPE:
            return part.get_filename(), part.get_payload(decode=True)
    raise SystemExit("p08-docx-table.eml has no .docx")


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


def part(headers, payload):
    m = Message(policy=POLICY)
    for k, v in headers:
        m[k] = v
    m.set_payload(payload)
    return m


def message(c, tnef):
    import quopri
    sender, addr = c["sender"]
    boundary = "_004_%s_" % c["id"]
    m = Message(policy=POLICY)
    m["Received"] = ("from mx1.lansstyrelsen.test (mx1.lansstyrelsen.test [198.51.100.14])\n"
                     "\tby mbx01.lansstyrelsen.test with ESMTPS id %s\n\tfor <strateg@lansstyrelsen.test>; %s"
                     % (c["id"][:12].upper(), c["date"]))
    m["From"] = "%s <%s>" % (sender, addr)
    m["To"] = "%s <strateg@lansstyrelsen.test>" % q_word("Strateg Länsstyrelsen Dalarna")
    m["Subject"] = q_word(c["subject"])
    m["Thread-Topic"] = q_word(c["subject"])
    m["Date"] = c["date"]
    m["Message-ID"] = "<%s@%s>" % (c["id"], addr.split("@")[1])
    m["Accept-Language"] = "sv-SE, en-US"
    m["Content-Language"] = "sv-SE"
    m["X-MS-Has-Attach"] = "yes"
    m["X-MS-TNEF-Correlator"] = "<%s@%s>" % (c["id"], addr.split("@")[1])
    m["Content-Type"] = 'multipart/mixed;\n\tboundary="%s"' % boundary
    m["MIME-Version"] = "1.0"
    body = c["body"].replace("\n", "\r\n").encode("cp1252")
    m.attach(part([("Content-Type", 'text/plain; charset="iso-8859-1"'),
                   ("Content-Transfer-Encoding", "quoted-printable")],
                  quopri.encodestring(body).decode("ascii")))
    m.attach(part([("Content-Type", 'application/ms-tnef; name="winmail.dat"'),
                   ("Content-Disposition", 'attachment; filename="winmail.dat"'),
                   ("Content-Transfer-Encoding", "base64")],
                  base64.encodebytes(tnef).decode("ascii")))
    buf = io.BytesIO()
    BytesGenerator(buf, mangle_from_=False, policy=POLICY).flatten(m)
    return buf.getvalue().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def main():
    name, docx = p08_docx()
    with open(os.path.join(FIXTURES, "p08-docx-table.json"), encoding="utf-8") as f:
        p08 = json.load(f)
    whole = winmail(name, docx, "Blankett länsgrupp")
    # Cut inside attAttachData: the form's bytes are half there.
    cut = whole.find(b"PK\x03\x04") + len(docx) // 2
    cases = [
        dict(name="a11-tnef-winmail-dat", tnef=whole, id="DU0PR09MB7712TNEF01",
             sender=("Ingrid Mattsson", "ingrid.mattsson@mora.test"),
             subject="Blankett länsgrupp", date="Mon, 23 Nov 2026 09:41:07 +0000",
             body="Hej!\n\nHär kommer blanketten ifylld.\n\nMvh\nIngrid Mattsson\n"
                  "Socialsekreterare, Mora kommun\n",
             expected=dict(p08, source="attachment:" + name,
                           note="Outlook sent the message as rich text: the Word form of p08 is packed "
                                "in an application/ms-tnef part named winmail.dat (TNEF), its long "
                                "name in PR_ATTACH_LONG_FILENAME (Windows-1252), its 8.3 name in "
                                "attAttachTitle. The form is read from the unpacked file.")),
        dict(name="a12-tnef-winmail-dat-truncated", tnef=whole[:cut], id="DU0PR09MB7712TNEF02",
             sender=("Per Sundin", "per.sundin@orsa.test"),
             subject="Blankett länsgrupp Orsa", date="Tue, 24 Nov 2026 13:05:51 +0000",
             body="Hej,\n\nbifogar blanketten för Orsa kommun.\n\nHälsningar\nPer Sundin\n",
             expected=dict(status="unreadable", source="attachment:winmail.dat", fields={},
                           organisation_id=None, missing=[], invalid=[],
                           note="The winmail.dat is cut off inside the packed .docx's bytes "
                                "(attAttachData): no file can be unpacked, the body speaks of "
                                "the form, so it is unreadable with the winmail.dat as source.")),
    ]
    os.makedirs(OUTDIR, exist_ok=True)
    for c in cases:
        with open(os.path.join(OUTDIR, c["name"] + ".eml"), "wb") as f:
            f.write(message(c, c["tnef"]))
        with open(os.path.join(OUTDIR, c["name"] + ".json"), "w", encoding="utf-8") as f:
            f.write(json.dumps(c["expected"], ensure_ascii=False, indent=2) + "\n")
        print("%-36s %8d bytes winmail.dat" % (c["name"], len(c["tnef"])))


if __name__ == "__main__":
    main()
