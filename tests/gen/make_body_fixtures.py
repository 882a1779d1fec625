#!/usr/bin/env python3
"""Generate the b*-*.eml / b*-*.json BODY-form fixtures for `blankett parse`.

Every case is a complete RFC 5322 message built with the standard library
`email` package (Message + BytesGenerator), written with CRLF line endings the
way real clients save them: Outlook multipart/alternative (text + HTML,
quoted-printable), Gmail, Apple Mail and Thunderbird format=flowed (real soft
line breaks: trailing space + CRLF, DelSp), base64, iso-8859-1 / windows-1252 /
utf-8 bodies and RFC 2047 encoded From/Subject.

The .json next to each .eml is the expected output in the corpus format
(see /work/shared/corpus/README.md).  `missing` is computed from `fields` and
`invalid` so that the two cannot disagree.

Deterministic: running it twice gives identical files.  Usage:

    python3 tests/gen/make_body_fixtures.py [OUTDIR]

OUTDIR defaults to tests/fixtures next to this directory.  Only b*-* files are
written; existing p*-* fixtures are never touched.  A self-check at the end
re-reads every .eml with the `email` package and verifies that each expected
value can actually be found in the decoded text.
"""

import base64
import datetime as dt
import html
import io
import json
import os
import quopri
import re
import sys
from email import message_from_bytes
from email import policy as email_policy
from email._policybase import Compat32
from email.generator import BytesGenerator
from email.message import Message
from email.utils import format_datetime

HERE = os.path.dirname(os.path.abspath(__file__))
OUTDIR = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "fixtures")

KEYS = [
    "organisation",
    "representative_name",
    "representative_email",
    "substitute_name",
    "substitute_email",
    "internal_channels",
    "manager_name",
    "manager_title",
    "manager_contact",
    "signed_date",
]


# --------------------------------------------------------------------------
# MIME plumbing
# --------------------------------------------------------------------------

class Verbatim(Compat32):
    """Write header values exactly as given (they are pre-encoded and
    pre-folded here, the way each client folds them); only turn the folds
    into CRLF."""

    def fold(self, name, value):
        if value == "":
            return name + ":" + self.linesep  # Outlook writes empty headers without a space
        return name + ": " + value.replace("\r\n", "\n").replace("\n", self.linesep) + self.linesep

    def fold_binary(self, name, value):
        return self.fold(name, value).encode("ascii", "surrogateescape")


POLICY = Verbatim(linesep="\r\n")

CODECS = {"utf-8": "utf-8", "iso-8859-1": "cp1252", "windows-1252": "cp1252", "us-ascii": "ascii"}


def codec(cs):
    # iso-8859-1 is written as windows-1252, exactly like Outlook does (an en
    # dash 0x96 in a part that is declared iso-8859-1).
    return CODECS[cs.lower()]


def ew(text, cs="utf-8", enc="B", label=None):
    """RFC 2047 encoded words (folded with CRLF+space), max 75 chars each."""
    label = label or cs

    def one(chunk):
        raw = chunk.encode(codec(cs))
        if enc.upper() == "B":
            body = base64.b64encode(raw).decode("ascii")
        else:
            out = []
            for b in raw:
                c = chr(b)
                if c == " ":
                    out.append("_")
                elif c.isascii() and (c.isalnum() or c in "!*+-/"):
                    out.append(c)
                else:
                    out.append("=%02X" % b)
            body = "".join(out)
        return "=?%s?%s?%s?=" % (label, enc, body)

    words, cur = [], ""
    for ch in text:
        if cur and len(one(cur + ch)) > 75:
            words.append(one(cur))
            cur = ch
        else:
            cur += ch
    if cur:
        words.append(one(cur))
    return "\n ".join(words)


def needs_encoding(s):
    return any(ord(c) > 127 for c in s)


def addr(name, email, cs="utf-8", enc="B", label=None, quote=False):
    if not name:
        return email
    if needs_encoding(name):
        return "%s <%s>" % (ew(name, cs, enc, label), email)
    if quote or any(c in name for c in ",.;:()"):
        return '"%s" <%s>' % (name, email)
    return "%s <%s>" % (name, email)


def subj(s, cs="utf-8", enc="B", label=None):
    return ew(s, cs, enc, label) if needs_encoding(s) else s


def flow(text, width=72, delsp=False, quoted=False):
    """RFC 3676 format=flowed: soft line break = trailing space + CRLF.
    With DelSp=yes the generator adds one more space that the reader deletes.
    With quoted=True, lines starting with '>' are quoted text (Thunderbird
    writes '> '): they are wrapped with the same prefix on every piece, as a
    flowed quote is."""
    out = []

    def stuff(line):
        if line.startswith(" ") or line.startswith(">") or line.startswith("From "):
            return " " + line
        return line

    for line in text.split("\n"):
        if line == "-- ":  # signature separator stays as it is
            out.append(line)
            continue
        prefix = ""
        if quoted and line.startswith(">"):
            m = re.match(r"^(>+) ?", line)
            depth = m.group(1)
            line = line[m.end():]
            prefix = depth + " "
            if line == "":
                out.append(depth)
                continue
        line = line.rstrip(" ")
        room = width - len(prefix)
        while len(line) > room:
            cut = line.rfind(" ", 0, room)
            if cut <= 0:
                break
            chunk, line = line[: cut + 1], line[cut + 1:]
            out.append(prefix + stuff(chunk + (" " if delsp else "")) if not prefix else prefix + chunk + (" " if delsp else ""))
        out.append(stuff(line) if not prefix else prefix + line)
    return "\n".join(out)


def encode_body(text, cs, cte):
    data = text.replace("\r\n", "\n").encode(codec(cs))
    cte = cte.lower()
    if cte == "quoted-printable":
        return quopri.encodestring(data).decode("ascii")
    if cte == "base64":
        return base64.encodebytes(data).decode("ascii")
    if cte in ("8bit", "7bit"):
        return data.decode("ascii", "surrogateescape")
    raise ValueError(cte)


def leaf(ctype, text, cs, cte, extra=()):
    m = Message(policy=POLICY)
    m["Content-Type"] = ctype
    m["Content-Transfer-Encoding"] = cte
    for k, v in extra:
        m[k] = v
    m.set_payload(encode_body(text, cs, cte))
    return m


def raw_leaf(headers, payload):
    """A leaf whose payload is already encoded (e.g. a report part)."""
    m = Message(policy=POLICY)
    for k, v in headers:
        m[k] = v
    m.set_payload(payload)
    return m


def multi(ctype, parts, extra=(), preamble=None):
    m = Message(policy=POLICY)
    m["Content-Type"] = ctype
    for k, v in extra:
        m[k] = v
    for p in parts:
        m.attach(p)
    if preamble is not None:
        m.preamble = preamble
    return m


def rfc822(inner, headers):
    m = Message(policy=POLICY)
    for k, v in headers:
        m[k] = v
    m.attach(inner)
    return m


def top(headers, body):
    """A message: the given header block followed by the body entity's own
    headers (Content-Type and so on) at the place marked by None."""
    m = Message(policy=POLICY)
    body_hdrs = list(body._headers)
    placed = False
    for h in headers:
        if h is None:
            for k, v in body_hdrs:
                m[k] = v
            placed = True
        else:
            m[h[0]] = h[1]
    if not placed:
        for k, v in body_hdrs:
            m[k] = v
    m._payload = body._payload
    m.preamble = body.preamble
    return m


def flatten(msg):
    buf = io.BytesIO()
    BytesGenerator(buf, mangle_from_=False, policy=POLICY).flatten(msg)
    data = buf.getvalue()
    data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").replace(b"\n", b"\r\n")
    return data


def date(y, mo, d, h, mi, s, off_h=1):
    tz = dt.timezone(dt.timedelta(hours=off_h))
    return format_datetime(dt.datetime(y, mo, d, h, mi, s, tzinfo=tz))


def received(by, frm, ip, qid, when):
    return ("Received", "from %s (%s [%s])\n\tby %s with ESMTPS id %s\n\tfor <strateg@lansstyrelsen.test>; %s"
            % (frm, frm, ip, by, qid, when))


def rcv_pair(client_host, ip, qid1, qid2, when):
    return [
        ("Received", "from mx1.lansstyrelsen.test (mx1.lansstyrelsen.test [198.51.100.14])\n"
                     "\tby mbx01.lansstyrelsen.test with ESMTPS id %s\n\tfor <strateg@lansstyrelsen.test>; %s" % (qid1, when)),
        ("Received", "from %s (%s)\n\tby mx1.lansstyrelsen.test (Postfix) with ESMTPS id %s\n"
                     "\tfor <strateg@lansstyrelsen.test>; %s" % (client_host, ip, qid2, when)),
    ]


STRATEG = "Helena Rydberg"
STRATEG_ADDR = "strateg@lansstyrelsen.test"
TO_STRATEG_OUTLOOK = "%s <%s>" % (ew("Strateg Länsstyrelsen Dalarna", "utf-8", "B"), STRATEG_ADDR)
TO_STRATEG_GMAIL = "%s <%s>" % (ew("Strateg Länsstyrelsen Dalarna", "UTF-8", "Q"), STRATEG_ADDR)
ORIG_SUBJECT = "Representant och ersättare i länsgruppen 2027 – blankett"
ORIG_MSGID = "<DB9PR09MB71257A1C0E3F44B2A8D6C5E1F0A9B8C7D6E5@DB9PR09MB7125.eurprd09.prod.outlook.com>"


# --------------------------------------------------------------------------
# HTML renderers
# --------------------------------------------------------------------------

EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
OUTLOOK_HDR = ("Från:", "Skickat:", "Till:", "Kopia:", "Ämne:", "From:", "Sent:", "To:", "Subject:")


def inline_html(line, link=True):
    line = re.sub(r"<mailto:[^>]*>", "", line)
    esc = html.escape(line, quote=False)
    if link:
        esc = EMAIL_RE.sub(lambda m: '<a href="mailto:%s">%s</a>' % (m.group(0), m.group(0)), esc)
    return esc.replace("\u00a0", "&nbsp;")


OUTLOOK_HEAD = """<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" xmlns="http://www.w3.org/TR/REC-html40">
<head>
<meta http-equiv="Content-Type" content="text/html; charset={cs}">
<meta name="Generator" content="Microsoft Word 15 (filtered medium)">
<style><!--
/* Font Definitions */
@font-face
\t{{font-family:"Cambria Math";
\tpanose-1:2 4 5 3 5 4 6 3 2 4;}}
@font-face
\t{{font-family:Aptos;}}
/* Style Definitions */
p.MsoNormal, li.MsoNormal, div.MsoNormal
\t{{margin:0cm;
\tfont-size:11.0pt;
\tfont-family:"Aptos",sans-serif;
\tmso-ligatures:standardcontextual;
\tmso-fareast-language:EN-US;}}
a:link, span.MsoHyperlink
\t{{mso-style-priority:99;
\tcolor:#467886;
\ttext-decoration:underline;}}
span.E-postmall17
\t{{mso-style-type:personal-compose;
\tfont-family:"Aptos",sans-serif;
\tcolor:windowtext;}}
.MsoChpDefault
\t{{mso-style-type:export-only;
\tfont-size:10.0pt;
\tmso-ligatures:none;}}
@page WordSection1
\t{{size:612.0pt 792.0pt;
\tmargin:70.85pt 70.85pt 70.85pt 70.85pt;}}
div.WordSection1
\t{{page:WordSection1;}}
--></style>
</head>
<body lang="SV" link="#467886" vlink="#96607D" style="word-wrap:break-word">
<div class="WordSection1">
"""


def outlook_html(text, cs="utf-8", special=None):
    """Outlook (Word) HTML: one <p class=MsoNormal> per line."""
    out = [OUTLOOK_HEAD.format(cs=cs)]
    for line in text.split("\n"):
        if special and line in special:
            out.append(special[line])
            continue
        if line.strip() == "":
            out.append('<p class="MsoNormal"><o:p>&nbsp;</o:p></p>')
        elif line.startswith("________________"):
            out.append('<div id="mail-editor-reference-message-container">'
                       '<div class="MsoNormal" align="center" style="text-align:center">'
                       '<hr size="1" width="98%" align="center"></div>')
        elif line.startswith(OUTLOOK_HDR):
            name, rest = line.split(":", 1)
            out.append('<p class="MsoNormal"><b>%s:</b>%s<o:p></o:p></p>' % (name, inline_html(rest)))
        else:
            out.append('<p class="MsoNormal">%s<o:p></o:p></p>' % inline_html(line))
    out.append("</div>\n</body>\n</html>\n")
    return "\n".join(out)


def gmail_html(text):
    """Gmail: <div> per line, runs of '> ' lines become a blockquote."""
    lines = text.split("\n")
    out = ['<div dir="ltr">']
    in_quote = False
    i = 0
    while i < len(lines):
        if in_quote and lines[i].strip() == "":
            i += 1  # Gmail's text part has blank lines in the quote area the HTML does not
            continue
        if lines[i].startswith(">"):
            q = []
            while i < len(lines) and lines[i].startswith(">"):
                q.append(lines[i][2:] if lines[i].startswith("> ") else lines[i][1:])
                i += 1
            out.append('<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;'
                       'border-left:1px solid rgb(204,204,204);padding-left:1ex">'
                       + "<br>".join(inline_html(x) for x in q) + "</blockquote>")
        else:
            line = lines[i]
            if line.strip() == "":
                out.append("<div><br></div>")
            elif re.match(r"^Den .* skrev .*:$", line):
                out.append('</div><br><div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">%s<br></div>'
                           % inline_html(line))
                in_quote = True
            else:
                out.append("<div>%s</div>" % inline_html(line))
            i += 1
    out.append("</div>\n")
    return "".join(out)  # closes the ltr div, or the gmail_quote div after an attribution


def apple_html(text):
    """iOS / Apple Mail: <div> per line, quoted lines in <blockquote type=cite>."""
    lines = text.split("\n")
    out = ['<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head>'
           '<body dir="auto">']
    i = 0
    while i < len(lines):
        if lines[i].startswith(">"):
            q = []
            while i < len(lines) and lines[i].startswith(">"):
                q.append(lines[i][2:] if lines[i].startswith("> ") else lines[i][1:])
                i += 1
            out.append('<blockquote type="cite"><div dir="ltr">'
                       + "".join("<div>%s</div>" % (inline_html(x, link=False) or "<br>") for x in q)
                       + "</div></blockquote>")
        else:
            line = lines[i]
            out.append("<div dir=\"ltr\">%s</div>" % (inline_html(line, link=False) if line.strip() else "<br>"))
            i += 1
    out.append("</body></html>")
    return "\n".join(out)


# --------------------------------------------------------------------------
# Shared texts
# --------------------------------------------------------------------------

EMPTY_FORM = """Organisation:.....
Representant:.....
Mejladress:.....
Ersättare:.....
Mejladress:.....
Interna kontaktvägar där representanten kan delge och inhämta information:
.....
.....
Underskrift av ansvarig chef/er för representanter
.....
Namn:.....
Titel:.....
Mejl/telefon:.....
Datum:....."""

STRATEG_SIG = """Vänliga hälsningar
Helena Rydberg
Strateg mäns våld mot kvinnor
Länsstyrelsen Dalarna
010-225 04 18"""

STRATEG_INTRO = """Hej!

Nu är det dags att se över vilka som representerar er organisation i Länsgrupp Mäns våld mot kvinnor och våld i nära relationer under 2027.

Fyll i uppgifterna nedan och svara på det här mejlet senast fredag 4 december. Det går också bra att bifoga blanketten som fil."""


def strateg_mail(form=EMPTY_FORM):
    return STRATEG_INTRO + "\n\n" + form + "\n\nTack!\n\n" + STRATEG_SIG


def quote(text):
    return "\n".join(("> " + l) if l else ">" for l in text.split("\n"))


OUTLOOK_QUOTE_HDR = """Från: Helena Rydberg <strateg@lansstyrelsen.test>
Skickat: den 17 november 2026 08:45
Till: Helena Rydberg <strateg@lansstyrelsen.test>
Ämne: Representant och ersättare i länsgruppen 2027 – blankett"""


def outlook_headers(from_, subject, when, msgid, topic=None, reply=False, extra=()):
    h = [
        ("From", from_),
        ("To", TO_STRATEG_OUTLOOK),
        ("Subject", subj(subject)),
        ("Thread-Topic", subj(topic or re.sub(r"^(SV|VB|RE|FW): ", "", subject))),
        ("Thread-Index", "AQHZ" + base64.b64encode(msgid.encode()).decode()[:24] + "=="),
        ("Date", when),
        ("Message-ID", msgid),
    ]
    if reply:
        h += [("References", ORIG_MSGID), ("In-Reply-To", ORIG_MSGID)]
    h += [
        ("Accept-Language", "sv-SE, en-US"),
        ("Content-Language", "sv-SE"),
        ("X-MS-Has-Attach", ""),
        ("X-MS-TNEF-Correlator", ""),
    ]
    h += list(extra)
    h += [None, ("MIME-Version", "1.0")]
    return h


def outlook_alt(text, boundary, cs="utf-8", html_text=None, special=None, cte="quoted-printable"):
    return multi('multipart/alternative;\n\tboundary="%s"' % boundary, [
        leaf('text/plain; charset="%s"' % cs, text, cs, cte),
        leaf('text/html; charset="%s"' % cs,
             outlook_html(html_text if html_text is not None else text, cs, special), cs, cte),
    ])


def gmail_alt(text, boundary, html_text=None):
    return multi('multipart/alternative; boundary="%s"' % boundary, [
        leaf('text/plain; charset="UTF-8"', text, "utf-8", "quoted-printable"),
        leaf('text/html; charset="UTF-8"', gmail_html(html_text or text), "utf-8", "quoted-printable"),
    ])


# --------------------------------------------------------------------------
# Expected output
# --------------------------------------------------------------------------

def form_expected(fields, org_id, note, invalid_values=None, source="body"):
    invalid_values = invalid_values or {}
    for k in fields:
        assert k in KEYS, k
    for k in invalid_values:
        assert k not in fields, k
    missing = [k for k in KEYS if k not in fields and k not in invalid_values]
    bad = [k for k in KEYS if k in invalid_values]
    status = "complete" if not missing and not bad else "incomplete"
    out = {
        "status": status,
        "source": source,
        "fields": {k: fields[k] for k in KEYS if k in fields},
        "organisation_id": org_id,
        "missing": missing,
        "invalid": bad,
        "note": note,
    }
    if invalid_values:
        out["invalid_values"] = {k: invalid_values[k] for k in KEYS if k in invalid_values}
    return out


def nonform_expected(status, note):
    assert status in ("automated", "not_a_form")
    return {
        "status": status,
        "source": "body",
        "fields": {},
        "organisation_id": None,
        "missing": [],
        "invalid": [],
        "note": note,
    }


CASES = []


def case(name):
    def deco(fn):
        CASES.append((name, fn))
        return fn
    return deco


# --------------------------------------------------------------------------
# The cases
# --------------------------------------------------------------------------

@case("b01-english-labels-gmail")
def b01():
    fields = {
        "organisation": "Dalarna University",
        "representative_name": "Rebecca Hall",
        "representative_email": "rha@du.test",
        "substitute_name": "Tomas Grönlund",
        "substitute_email": "tgr@du.test",
        "internal_channels": "Staff meetings at the School of Health and Welfare\nThe university intranet (Inside)",
        "manager_name": "Katarina Wiik",
        "manager_title": "Head of School",
        "manager_contact": "kwi@du.test, 023-77 84 10",
        "signed_date": "2026-11-26",
    }
    text = """Dear Helena,

Please find our details for the county group below. Sorry for answering in English, our new colleague from the international office helped me fill it in.

Organisation: Dalarna University
Representative: Rebecca Hall
E-mail: rha@du.test
Substitute: Tomas Grönlund
E-mail: tgr@du.test
Internal channels:
Staff meetings at the School of Health and Welfare
The university intranet (Inside)
Manager: Katarina Wiik
Title: Head of School
E-mail/phone: kwi@du.test, 023-77 84 10
Date: 26/11/2026

Kind regards,
Rebecca Hall
Senior Lecturer in Social Work
School of Health and Welfare, Dalarna University
Phone: +46 23 77 84 55
www.du.test
"""
    h = [
        ("Received", "from mail-ej1-f54.google.test (mail-ej1-f54.google.test [203.0.113.54])\n"
                     "\tby mx1.lansstyrelsen.test (Postfix) with ESMTPS id 0A1B2C3D4E\n"
                     "\tfor <strateg@lansstyrelsen.test>; Thu, 26 Nov 2026 15:21:09 +0100"),
        ("MIME-Version", "1.0"),
        ("From", "Rebecca Hall <rha@du.test>"),
        ("Date", date(2026, 11, 26, 15, 21, 2)),
        ("Message-ID", "<CAH7pQ2b+x3M9kYtR0vUe1WqZnJd5sLfA8oPgHc4iVu6@mail.gmail.com>"),
        ("Subject", "Form - representative and substitute, Dalarna University"),
        ("To", TO_STRATEG_GMAIL),
        None,
    ]
    msg = top(h, gmail_alt(text, "000000000000a1c3e90614f2b7d1"))
    return msg, form_expected(fields, "hogskolan-dalarna",
        "Gmail (text+HTML, UTF-8 quoted-printable) with the English labels Organisation, Representative, E-mail (twice), "
        "Substitute, Internal channels, Manager, Title, E-mail/phone, Date; 'Dalarna University' is an alias of "
        "hogskolan-dalarna; date '26/11/2026'; 'Phone:' in the signature is not a form label.")


@case("b02-thunderbird-flowed-epost-labels")
def b02():
    ch1 = "Arbetsplatsträffar inom individ- och familjeomsorgen, första onsdagen varje månad"
    ch2 = "Ledningsgruppen för socialförvaltningen där representanten deltar en gång per kvartal"
    fields = {
        "organisation": "Smedjebackens kommun",
        "representative_name": "Jessica Törnqvist",
        "representative_email": "jessica.tornqvist@smedjebacken.test",
        "substitute_name": "Viktor Sandström",
        "substitute_email": "viktor.sandstrom@smedjebacken.test",
        "internal_channels": ch1 + "\n" + ch2,
        "manager_name": "Roger Lindahl",
        "manager_title": "Socialchef",
        "manager_contact": "roger.lindahl@smedjebacken.test, 0240-66 00 00",
        "signed_date": "2026-11-23",
    }
    text = """Hej Helena!

Här kommer våra uppgifter till länsgruppen. Vi har bytt ersättare sedan förra året eftersom Lars har gått i pension.

Organisation: Smedjebackens kommun
Representant: Jessica Törnqvist
Epost: jessica.tornqvist@smedjebacken.test
Ersättare: Viktor Sandström
E-post: viktor.sandstrom@smedjebacken.test
Interna kontaktvägar där representanten kan delge och inhämta information:
%s
%s
Underskrift av ansvarig chef/er för representanter
Namn: Roger Lindahl
Titel: Socialchef
E-post/telefon: roger.lindahl@smedjebacken.test, 0240-66 00 00
Datum: 23-11-2026

Hälsningar
Jessica

-- 
Jessica Törnqvist
Socialsekreterare, vuxenenheten
Smedjebackens kommun
0240-66 02 57
""" % (ch1, ch2)
    body = leaf("text/plain; charset=UTF-8; format=flowed", flow(text, 72), "utf-8", "8bit")
    h = [
        ("Received", "from smtp.smedjebacken.test (smtp.smedjebacken.test [192.0.2.88])\n"
                     "\tby mx1.lansstyrelsen.test (Postfix) with ESMTPS id 7C21D0A9F3\n"
                     "\tfor <strateg@lansstyrelsen.test>; Mon, 23 Nov 2026 13:47:31 +0100"),
        ("Message-ID", "<7b1e0c52-3f4a-4d8e-9a61-2c5d8e0f1a37@smedjebacken.test>"),
        ("Date", date(2026, 11, 23, 13, 47, 29)),
        ("MIME-Version", "1.0"),
        ("User-Agent", "Mozilla Thunderbird"),
        ("Content-Language", "sv-SE"),
        ("To", TO_STRATEG_OUTLOOK.replace("utf-8", "UTF-8")),
        ("From", addr("Jessica Törnqvist", "jessica.tornqvist@smedjebacken.test", "UTF-8", "Q")),
        ("Subject", subj("Blankett länsgruppen – Smedjebackens kommun", "UTF-8", "B")),
        None,
    ]
    return top(h, body), form_expected(fields, "smedjebackens-kommun",
        "Thunderbird plain text, format=flowed (DelSp=no), 8bit UTF-8: the long channel lines and the 'Interna "
        "kontaktvägar ...' label are soft-wrapped (trailing space + CRLF) and must be unwrapped; address labels "
        "'Epost:' and 'E-post:', manager contact label 'E-post/telefon:'; date '23-11-2026'; '-- ' signature.")


@case("b03-applemail-flowed-delsp-bullets")
def b03():
    ch = [
        "Enhetsmöten på försörjningsstöd och socialt stöd",
        "Leksands kommuns intranät Insidan",
        "Nätverksträffar med skolkuratorerna och elevhälsan på högstadiet och gymnasiet i Leksand",
    ]
    fields = {
        "organisation": "Leksands kommuns",
        "representative_name": "Sanna Rehn",
        "representative_email": "sanna.rehn@leksand.test",
        "substitute_name": "Oscar Lindgren",
        "substitute_email": "oscar.lindgren@leksand.test",
        "internal_channels": "\n".join(ch),
        "manager_name": "Marita Ollas",
        "manager_title": "Verksamhetschef socialtjänst",
        "manager_contact": "marita.ollas@leksand.test / 0247-800 00",
        "signed_date": "2026-11-24",
    }
    text = """Hej!

Här är Leksands uppgifter. Vi har tyvärr ingen ny ersättare ännu, så Oscar fortsätter tills vidare.

Organisation: Leksands kommuns
Representant: Sanna Rehn
Mail: sanna.rehn@leksand.test
Ersättare: Oscar Lindgren
Mejl: oscar.lindgren@leksand.test
Interna kontaktvägar där representanten kan delge och inhämta information:
• %s
• %s
• %s
Underskrift av ansvarig chef/er för representanter
Namn: Marita Ollas
Titel: Verksamhetschef socialtjänst
Mejl/tel: marita.ollas@leksand.test / 0247-800 00
Datum: 24 nov. 2026

Mvh Sanna

Sanna Rehn
Socialsekreterare
Leksands kommun
0247-802 31
""" % tuple(ch)
    body = leaf("text/plain;\n\tcharset=utf-8;\n\tdelsp=yes;\n\tformat=flowed",
                flow(text, 72, delsp=True), "utf-8", "quoted-printable")
    h = [
        ("Received", "from smtpclient.apple (h-98-128-4-17.leksand.test [198.51.100.117])\n"
                     "\tby mx1.lansstyrelsen.test (Postfix) with ESMTPSA id 3E9A6F1B20\n"
                     "\tfor <strateg@lansstyrelsen.test>; Tue, 24 Nov 2026 21:08:57 +0100"),
        None,
        ("Mime-Version", "1.0 (Mac OS X Mail 16.0 \\(3826.400.131.1.6\\))"),
        ("Subject", subj("Blankett länsgruppen Leksand", "utf-8", "Q")),
        ("From", "Sanna Rehn <sanna.rehn@leksand.test>"),
        ("Date", "Tue, 24 Nov 2026 21:08:51 +0100"),
        ("Message-Id", "<5E2F7A1C-9B3D-4C6E-8A0F-1D2E3F4A5B6C@leksand.test>"),
        ("To", TO_STRATEG_OUTLOOK),
        ("X-Mailer", "Apple Mail (2.3826.400.131.1.6)"),
    ]
    return top(h, body), form_expected(fields, "leksands-kommun",
        "Apple Mail plain text, format=flowed with DelSp=yes, quoted-printable (the soft-break spaces are QP "
        "'=20'): when unwrapping, the one space added before each soft break is deleted; channels are '•' bullets "
        "(markers dropped), one of them soft-wrapped; address labels 'Mail:' and 'Mejl:'; 'Mejl/tel:'; genitive "
        "'Leksands kommuns' maps to leksands-kommun; date '24 nov. 2026'.")


@case("b04-gmail-name-angle-address-org-unit")
def b04():
    fields = {
        "organisation": "Hedemora kommun, socialförvaltningen",
        "representative_name": "Petra Hallberg",
        "representative_email": "petra.hallberg@hedemora.test",
        "substitute_name": "Samir Begić",
        "substitute_email": "samir.begic@hedemora.test",
        "internal_channels": "Socialförvaltningens ledningsgrupp\nHedemora kommuns intranät",
        "manager_name": "Leif Sundqvist",
        "manager_title": "Förvaltningschef",
        "manager_contact": "leif.sundqvist@hedemora.test, 0225-340 00",
        "signed_date": "2026-11-27",
    }
    text = """Hej Helena,

Här kommer Hedemoras blankett. Leif har godkänt via mejl i dag.

Organisation: Hedemora kommun, socialförvaltningen
Representant: Petra Hallberg
Mejladress: Petra Hallberg <Petra.Hallberg@hedemora.test>
Ersättare: Samir Begić
Mejladress: Samir Begić <Samir.Begic@Hedemora.test>
Interna kontaktvägar där representanten kan delge och inhämta information:
Socialförvaltningens ledningsgrupp
Hedemora kommuns intranät
Underskrift av ansvarig chef/er för representanter
Namn: Leif Sundqvist
Titel: Förvaltningschef
Mejl/telefon: leif.sundqvist@hedemora.test, 0225-340 00
Datum: Hedemora den 27 november 2026

Med vänlig hälsning
Petra Hallberg
Utvecklingsledare, socialförvaltningen
Hedemora kommun
0225-341 76
"""
    h = [
        ("Received", "from mail-wr1-f49.google.test (mail-wr1-f49.google.test [203.0.113.49])\n"
                     "\tby mx1.lansstyrelsen.test (Postfix) with ESMTPS id 5D0E3A77C1\n"
                     "\tfor <strateg@lansstyrelsen.test>; Fri, 27 Nov 2026 11:02:44 +0100"),
        ("MIME-Version", "1.0"),
        ("From", "Petra Hallberg <petra.hallberg@hedemora.test>"),
        ("Date", date(2026, 11, 27, 11, 2, 37)),
        ("Message-ID", "<CAF3sWq9R1-hT0bZ7yKx4nPe2LmVc8dJ6gUo5aQi3rN1@mail.gmail.com>"),
        ("Subject", subj("Blankett länsgruppen, Hedemora", "UTF-8", "Q")),
        ("To", TO_STRATEG_GMAIL),
        None,
    ]
    return top(h, gmail_alt(text, "00000000000072b1d50614f3c0e8")), form_expected(fields, "hedemora-kommun",
        "Gmail: both address lines written 'Name <Addr>' with capitals (the address is taken from the angle "
        "brackets and lower-cased); organisation with a unit after a comma ('Hedemora kommun, "
        "socialförvaltningen') maps to hedemora-kommun; date with a place prefix 'Hedemora den 27 november 2026'.")


@case("b05-outlook-mailto-uppercase-misspelt-org")
def b05():
    fields = {
        "organisation": "Ludvika komun",
        "representative_name": "Johanna Nilsson",
        "representative_email": "johanna.nilsson@ludvika.test",
        "substitute_name": "Ali Yousef",
        "substitute_email": "ali.yousef@ludvika.test",
        "internal_channels": "Ledningsgruppen för socialtjänsten\nMånatliga APT på vuxenenheten",
        "manager_name": "Lotta Berglund",
        "manager_title": "Enhetschef vuxenenheten",
        "manager_contact": "Lotta.Berglund@Ludvika.test, 0240-861 50",
        "signed_date": "2026-11-25",
    }
    text = """Hej!

Skriver in uppgifterna direkt i mejlet i stället för att bifoga blanketten.

Organisation: Ludvika komun
Representant: Johanna Nilsson
Mejladress: Johanna.Nilsson@Ludvika.test<mailto:Johanna.Nilsson@Ludvika.test>
Ersättare: Ali Yousef
Mejladress: Ali.Yousef@ludvika.test<mailto:Ali.Yousef@ludvika.test>
Interna kontaktvägar där representanten kan delge och inhämta information: Ledningsgruppen för socialtjänsten
Månatliga APT på vuxenenheten
Underskrift av ansvarig chef/er för representanter

Namn: Lotta Berglund
Titel: Enhetschef vuxenenheten
Mejl/telefon: Lotta.Berglund@Ludvika.test<mailto:Lotta.Berglund@Ludvika.test>, 0240-861 50
Datum: 2026-11-25

Med vänliga hälsningar

Johanna Nilsson
Socialsekreterare
Vuxenenheten, Ludvika kommun
Tel: 0240-861 72
www.ludvika.test<https://www.ludvika.test/>

Ludvika kommun behandlar personuppgifter enligt dataskyddsförordningen (GDPR). Läs mer på www.ludvika.test/personuppgifter<https://www.ludvika.test/personuppgifter>.
"""
    msgid = "<GV1PR09MB8841C3A2D6E04F1B9A7C5D3E2F1A0B9C8D7E@GV1PR09MB8841.eurprd09.prod.outlook.com>"
    h = rcv_pair("GV1PR09MB8841.eurprd09.prod.outlook.com", "192.0.2.84", "A1F3C5E7B9D2", "B47C19E2D0",
                 "Wed, 25 Nov 2026 09:14:33 +0100")
    h += outlook_headers(addr("Johanna Nilsson", "Johanna.Nilsson@Ludvika.test"), "Blankett länsgruppen",
                         date(2026, 11, 25, 8, 14, 27, 0), msgid)
    return top(h, outlook_alt(text, "_000_GV1PR09MB8841C3A2D6E04F1B9A7C5D3E2F1A0B9C8D7EGV1PR09MB8841eurp_")), \
        form_expected(fields, "ludvika-kommun",
        "Outlook text+HTML: addresses with capitals and Outlook's 'addr<mailto:addr>' artefacts in the text part "
        "(lower-cased, artefact dropped); manager_contact keeps its capitals but loses the mailto artefact; the "
        "first channel stands after the label's colon; misspelt 'Ludvika komun' maps to ludvika-kommun.")


@case("b06-invalid-address-space-comma-feb30")
def b06():
    fields = {
        "organisation": "Kommunen i Orsa",
        "representative_name": "Emelie Svärd",
        "substitute_name": "Mattias Knutsson",
        "internal_channels": "Socialtjänstens ledningsgrupp\nNätverket mot våld i nära relationer i Orsa",
        "manager_name": "Gunnel Mård",
        "manager_title": "Socialchef",
        "manager_contact": "gunnel.mard@orsa.test, 0250-552 00",
    }
    invalid = {
        "representative_email": "emelie.svard@orsa .test",
        "substitute_email": "mattias.knutsson@orsa,test",
        "signed_date": "30.02.2026",
    }
    text = """Hej, här kommer Orsas uppgifter!

Organisation: Kommunen i Orsa
Representant: Emelie Svärd
Mejladress: emelie.svard@orsa .test
Ersättare: Mattias Knutsson
Mejladress: mattias.knutsson@orsa,test
Interna kontaktvägar där representanten kan delge och inhämta information:
Socialtjänstens ledningsgrupp
Nätverket mot våld i nära relationer i Orsa
Underskrift av ansvarig chef/er för representanter
Namn: Gunnel Mård
Titel: Socialchef
Mejl/telefon: gunnel.mard@orsa.test, 0250-552 00
Datum: 30.02.2026

Mvh
Emelie

Skickat från min iPhone"""
    body = multi('multipart/alternative; boundary=Apple-Mail-4C1E9A2B-7D3F-4E5A-9B8C-0D1E2F3A4B5C', [
        leaf("text/plain;\n\tcharset=utf-8", text, "utf-8", "quoted-printable"),
        leaf("text/html;\n\tcharset=utf-8", apple_html(text), "utf-8", "quoted-printable"),
    ])
    h = [
        ("Received", "from smtpclient.apple (c-83-251-40-7.bredband.test [198.51.100.77])\n"
                     "\tby mx1.lansstyrelsen.test (Postfix) with ESMTPSA id 9F8E7D6C5B\n"
                     "\tfor <strateg@lansstyrelsen.test>; Sun, 29 Nov 2026 20:31:12 +0100"),
        None,
        ("From", addr("Emelie Svärd", "emelie.svard@orsa.test", "utf-8", "Q")),
        ("Mime-Version", "1.0 (1.0)"),
        ("Date", "Sun, 29 Nov 2026 20:31:05 +0100"),
        ("Subject", subj("Blankett Orsa", "utf-8", "Q")),
        ("Message-Id", "<A7D2E9F1-3B4C-4D5E-8F6A-7B8C9D0E1F2A@orsa.test>"),
        ("To", STRATEG_ADDR),
        ("X-Mailer", "iPhone Mail (22B91)"),
    ]
    return top(h, body), form_expected(fields, "orsa-kommun",
        "iPhone Mail: representative address with a space ('emelie.svard@orsa .test'), substitute address with a "
        "comma ('mattias.knutsson@orsa,test') and a date that does not exist ('30.02.2026'): all three present "
        "but invalid, never repaired; 'Kommunen i Orsa' maps to orsa-kommun.",
        invalid_values=invalid)


@case("b07-uppercase-org-empty-date-latin1")
def b07():
    fields = {
        "organisation": "RÄTTVIKS KOMMUN",
        "representative_name": "Stina Åkesson",
        "representative_email": "stina.akesson@rattvik.test",
        "substitute_name": "Kent Backlund",
        "substitute_email": "kent.backlund@rattvik.test",
        "internal_channels": "Individ- och familjeomsorgens ledningsgrupp\nSamverkansgruppen mot våld – socialtjänst, polis och skola",
        "manager_name": "Monica Jons",
        "manager_title": "Socialchef",
        "manager_contact": "monica.jons@rattvik.test, 0248-700 00",
    }
    text = """Hej!

Vi har skrivit in våra uppgifter nedan. Datum fyller Monica i när hon har skrivit under, hoppas det går bra ändå.

Organisation: RÄTTVIKS KOMMUN
Representant: Stina Åkesson
Mejladress: stina.akesson@rattvik.test
Ersättare: Kent Backlund
Mejladress: kent.backlund@rattvik.test
Interna kontaktvägar där representanten kan delge och inhämta information:
Individ- och familjeomsorgens ledningsgrupp
Samverkansgruppen mot våld – socialtjänst, polis och skola
Underskrift av ansvarig chef/er för representanter
Namn: Monica Jons
Titel: Socialchef
Mejl/telefon: monica.jons@rattvik.test, 0248-700 00
Datum:

Med vänliga hälsningar

Stina Åkesson
Familjebehandlare
Rättviks kommun
0248-702 15
"""
    body = leaf('text/plain;\n\tcharset="iso-8859-1"', text, "iso-8859-1", "quoted-printable")
    msgid = "<000c01db3f2a$5c6d7e80$15486980$@rattvik.test>"
    h = [
        received("mx1.lansstyrelsen.test (Postfix)", "smtp.rattvik.test", "192.0.2.140", "C3B2A19F08",
                 "Wed, 25 Nov 2026 16:40:12 +0100"),
        ("From", addr("Stina Åkesson", "stina.akesson@rattvik.test", "iso-8859-1", "Q")),
        ("To", "<strateg@lansstyrelsen.test>"),
        ("Subject", subj("Blankett till länsgruppen", "iso-8859-1", "Q")),
        ("Date", "Wed, 25 Nov 2026 16:40:05 +0100"),
        ("Message-ID", msgid),
        ("MIME-Version", "1.0"),
        None,
        ("X-Mailer", "Microsoft Outlook 16.0"),
        ("Thread-Index", "AdtfKlxtfoBFSGmAhW8z1GqL0n4T2w=="),
        ("Content-Language", "sv"),
    ]
    return top(h, body), form_expected(fields, "rattviks-kommun",
        "Outlook in plain-text mode, iso-8859-1 quoted-printable with RFC 2047 iso-8859-1 From/Subject; the en "
        "dash in a channel is byte 0x96 (iso-8859-1 read as windows-1252); organisation in capitals 'RÄTTVIKS "
        "KOMMUN' maps to rattviks-kommun; 'Datum:' is left empty (followed by a blank line and the sign-off, which "
        "is not a value): signed_date is missing.")


@case("b08-gmail-inline-answers-in-quote")
def b08():
    fields = {
        "organisation": "Vansbro kommun",
        "representative_name": "Rickard Ekholm",
        "representative_email": "rickard.ekholm@vansbro.test",
        "substitute_name": "Sofie Lagerqvist",
        "substitute_email": "sofie.lagerqvist@vansbro.test",
        "internal_channels": "Socialtjänstens ledningsgrupp\nVeckomöten i mottagningsgruppen",
        "manager_name": "Hans Wikström",
        "manager_title": "Socialchef",
        "manager_contact": "hans.wikstrom@vansbro.test, 0281-750 00",
        "signed_date": "2026-11-24",
    }
    answers = {
        "Organisation:.....": "Vansbro kommun",
        "Representant:.....": "Rickard Ekholm",
        "Ersättare:.....": "Sofie Lagerqvist",
        "Interna kontaktvägar där representanten kan delge och inhämta information:":
            "Socialtjänstens ledningsgrupp\nVeckomöten i mottagningsgruppen",
        "Namn:.....": "Hans Wikström",
        "Titel:.....": "Socialchef",
        "Mejl/telefon:.....": "hans.wikstrom@vansbro.test, 0281-750 00",
        "Datum:.....": "24/11 2026",
    }
    mejl = iter(["rickard.ekholm@vansbro.test", "sofie.lagerqvist@vansbro.test"])
    q = []
    for line in strateg_mail().split("\n"):
        q.append(("> " + line) if line else ">")
        if line == "Mejladress:.....":
            q.append(next(mejl))
        elif line in answers:
            q.append(answers[line])
    text = """Hej Helena!

Jag har svarat direkt i ditt mejl nedan.

/Rickard

Den tis 17 nov. 2026 kl 08:45 skrev Helena Rydberg <strateg@lansstyrelsen.test>:

""" + "\n".join(q) + "\n"
    h = [
        ("Received", "from mail-lj1-f170.google.test (mail-lj1-f170.google.test [203.0.113.170])\n"
                     "\tby mx1.lansstyrelsen.test (Postfix) with ESMTPS id E1D2C3B4A5\n"
                     "\tfor <strateg@lansstyrelsen.test>; Tue, 24 Nov 2026 10:55:48 +0100"),
        ("MIME-Version", "1.0"),
        ("References", ORIG_MSGID),
        ("In-Reply-To", ORIG_MSGID),
        ("From", "Rickard Ekholm <rickard.ekholm@vansbro.test>"),
        ("Date", date(2026, 11, 24, 10, 55, 41)),
        ("Message-ID", "<CAKv9Xo1pT4zLm7Q2rWs8dYf3Gh6jNb0cEa5uIx7oVk2@mail.gmail.com>"),
        ("Subject", ew("Re: " + ORIG_SUBJECT, "UTF-8", "Q")),
        ("To", "Helena Rydberg <strateg@lansstyrelsen.test>"),
        None,
    ]
    return top(h, gmail_alt(text, "0000000000003e9f2a0614f1a6c5")), form_expected(fields, "vansbro-kommun",
        "Gmail reply where the sender typed each value on its own unquoted line directly below the matching '> ' "
        "line of the strategist's quoted empty form (the quote split around the answers); values typed inline into "
        "the quote count, the quoted '.....' blanks do not; date '24/11 2026'.")


@case("b09-top-form-wins-over-filled-quote")
def b09():
    fields = {
        "organisation": "Älvdalens kommun",
        "representative_name": "Linda Halvarsson",
        "representative_email": "linda.halvarsson@alvdalen.test",
        "substitute_name": "Nils Zakrisson",
        "substitute_email": "nils.zakrisson@alvdalen.test",
        "internal_channels": "Ledningsgruppen för omsorg och socialtjänst\nÄlvdalens kommuns intranät",
        "manager_name": "Eva-Lena Back",
        "manager_title": "Förvaltningschef",
        "manager_contact": "eva-lena.back@alvdalen.test, 0251-801 10",
        "signed_date": "2026-11-27",
    }
    old_form = """Organisation: Älvdalens kommun
Representant: Inger Jakobsson
Mejladress: inger.jakobsson@alvdalen.test
Ersättare: Bo Ersson
Mejladress: bo.ersson@alvdalen.test
Interna kontaktvägar där representanten kan delge och inhämta information:
Socialtjänstens APT
Folkhälsorådet
Underskrift av ansvarig chef/er för representanter
Namn: Lars-Erik Myhr
Titel: Socialchef
Mejl/telefon: lars-erik.myhr@alvdalen.test, 0251-800 00
Datum: 2025-11-18"""
    strateg = """Hej!

Enligt våra uppgifter är det här som gäller för Älvdalens kommun sedan förra året. Stämmer det fortfarande? Om något har ändrats vill jag ha en ny blankett.

""" + old_form + "\n\n" + STRATEG_SIG
    text = """Hej Helena!

Nej, det har ändrats en hel del. Inger har slutat och Lars-Erik har gått i pension. Här är de nya uppgifterna:

Organisation: Älvdalens kommun
Representant: Linda Halvarsson
Mejladress: linda.halvarsson@alvdalen.test
Ersättare: Nils Zakrisson
Mejladress: nils.zakrisson@alvdalen.test
Interna kontaktvägar där representanten kan delge och inhämta information:
Ledningsgruppen för omsorg och socialtjänst
Älvdalens kommuns intranät
Underskrift av ansvarig chef/er för representanter
Namn: Eva-Lena Back
Titel: Förvaltningschef
Mejl/telefon: eva-lena.back@alvdalen.test, 0251-801 10
Datum: 27.11.2026

Hälsningar Linda

Skickat från min iPad

> 20 nov. 2026 kl. 14:02 skrev Helena Rydberg <strateg@lansstyrelsen.test>:
>
""" + quote(strateg) + "\n"
    body = multi('multipart/alternative; boundary=Apple-Mail-9D8C7B6A-5F4E-4D3C-2B1A-0F9E8D7C6B5A', [
        leaf("text/plain;\n\tcharset=utf-8", text, "utf-8", "quoted-printable"),
        leaf("text/html;\n\tcharset=utf-8", apple_html(text), "utf-8", "quoted-printable"),
    ])
    h = [
        ("Received", "from smtpclient.apple (m90-131-2-44.alvdalen.test [198.51.100.44])\n"
                     "\tby mx1.lansstyrelsen.test (Postfix) with ESMTPSA id 1A2B3C4D5E\n"
                     "\tfor <strateg@lansstyrelsen.test>; Fri, 27 Nov 2026 07:58:20 +0100"),
        None,
        ("From", "Linda Halvarsson <linda.halvarsson@alvdalen.test>"),
        ("Mime-Version", "1.0 (1.0)"),
        ("Subject", ew("Re: Uppgifter för Älvdalens kommun i länsgruppen", "utf-8", "Q")),
        ("Date", "Fri, 27 Nov 2026 07:58:14 +0100"),
        ("Message-Id", "<3C4D5E6F-7A8B-4C9D-0E1F-2A3B4C5D6E7F@alvdalen.test>"),
        ("References", "<DB9PR09MB7125F0E1D2C3B4A5968778695A4B3C2D1E0F@DB9PR09MB7125.eurprd09.prod.outlook.com>"),
        ("In-Reply-To", "<DB9PR09MB7125F0E1D2C3B4A5968778695A4B3C2D1E0F@DB9PR09MB7125.eurprd09.prod.outlook.com>"),
        ("To", "Helena Rydberg <strateg@lansstyrelsen.test>"),
        ("X-Mailer", "iPad Mail (22B91)"),
    ]
    return top(h, body), form_expected(fields, "alvdalens-kommun",
        "iPad Mail reply: a complete new form on top; below it, quoted with '> ', the strategist's mail containing "
        "LAST year's filled form with different people, addresses, channels, manager and date (2025-11-18). "
        "Values in the quoted original never count: every field comes from the top form; date '27.11.2026'.")


@case("b10-outlook-typed-into-quoted-form")
def b10():
    fields = {
        "organisation": "Malung-Sälens kommun",
        "representative_name": "Marie Grönberg",
        "representative_email": "marie.gronberg@malung-salen.test",
        "substitute_name": "Rolf Ahlin",
        "substitute_email": "rolf.ahlin@malung-salen.test",
        "internal_channels": "Socialtjänstens ledningsgrupp\nEnhetsträffar IFO",
        "manager_name": "Sven Halvars",
        "manager_title": "Socialchef",
        "manager_contact": "sven.halvars@malung-salen.test, 0280-181 00",
        "signed_date": "2026-11-25",
    }
    form = """Organisation:..... Malung-Sälens kommun
Representant: Marie Grönberg
Mejladress: marie.gronberg@malung-salen.test<mailto:marie.gronberg@malung-salen.test>
Ersättare:.....Rolf Ahlin.....
Mejladress:.....rolf.ahlin@malung-salen.test<mailto:rolf.ahlin@malung-salen.test>
Interna kontaktvägar där representanten kan delge och inhämta information:
Socialtjänstens ledningsgrupp
Enhetsträffar IFO
Underskrift av ansvarig chef/er för representanter
.....
Namn: Sven Halvars
Titel: Socialchef
Mejl/telefon: sven.halvars@malung-salen.test<mailto:sven.halvars@malung-salen.test>, 0280-181 00
Datum: 2026-11-25"""
    text = """Se svar nedan.

Mvh
Marie Grönberg
Socialsekreterare
Malung-Sälens kommun
0280-181 23

""" + OUTLOOK_QUOTE_HDR + "\n\n" + strateg_mail(form).replace(
        "strateg@lansstyrelsen.test", "strateg@lansstyrelsen.test<mailto:strateg@lansstyrelsen.test>") + "\n"
    text = text.replace("<strateg@lansstyrelsen.test<mailto:strateg@lansstyrelsen.test>>", "<strateg@lansstyrelsen.test>")
    msgid = "<AM9PR09MB6612D4E5F6A7B8C9D0E1F2A3B4C5D6E7F8A9@AM9PR09MB6612.eurprd09.prod.outlook.com>"
    h = rcv_pair("AM9PR09MB6612.eurprd09.prod.outlook.com", "192.0.2.66", "D5E6F7A8B9C0", "9A8B7C6D5E",
                 "Wed, 25 Nov 2026 14:19:40 +0100")
    h += outlook_headers(addr("Marie Grönberg", "marie.gronberg@malung-salen.test"), "SV: " + ORIG_SUBJECT,
                         date(2026, 11, 25, 13, 19, 34, 0), msgid, reply=True)
    return top(h, outlook_alt(text, "_000_AM9PR09MB6612D4E5F6A7B8C9D0E1F2A3B4C5D6E7F8A9AM9PR09MB6612eurp_")), \
        form_expected(fields, "malung-salens-kommun",
        "Outlook reply with only 'Se svar nedan.' and a signature above 'Från:/Skickat:/Till:/Ämne:'; the sender "
        "typed the values into the strategist's quoted empty form below (no '>' prefixes): some dots replaced, "
        "some values appended after the dots, one with the dots on both sides ('.....Rolf Ahlin.....'); the "
        "typed values count; the untouched '.....' under the manager heading is empty.")


@case("b11-gmail-reply-quoted-empty-form-only")
def b11():
    text = """Hej Helena!

Tack för påminnelsen. Vi har fått en ny enhetschef och hon vill själv godkänna vem som blir ersättare, så blanketten kommer efter nästa ledningsgruppsmöte den 10 december.

Vänligen
Carina Ljung
Enhetschef, Säters kommun
0225-551 40

Den tis 17 nov. 2026 kl 08:45 skrev Helena Rydberg <strateg@lansstyrelsen.test>:

""" + quote(strateg_mail()) + "\n"
    h = [
        ("Received", "from mail-ed1-f43.google.test (mail-ed1-f43.google.test [203.0.113.43])\n"
                     "\tby mx1.lansstyrelsen.test (Postfix) with ESMTPS id 6B7C8D9E0F\n"
                     "\tfor <strateg@lansstyrelsen.test>; Thu, 19 Nov 2026 12:03:17 +0100"),
        ("MIME-Version", "1.0"),
        ("References", ORIG_MSGID),
        ("In-Reply-To", ORIG_MSGID),
        ("From", "Carina Ljung <carina.ljung@sater.test>"),
        ("Date", date(2026, 11, 19, 12, 3, 10)),
        ("Message-ID", "<CAM2rT8kVb5-Yq1nHx0Zc3Wp7LsDf4GjE9aKu6iOo2Ne@mail.gmail.com>"),
        ("Subject", ew("Re: " + ORIG_SUBJECT, "UTF-8", "Q")),
        ("To", "Helena Rydberg <strateg@lansstyrelsen.test>"),
        None,
    ]
    return top(h, gmail_alt(text, "000000000000c5d2f10614e9b4a7")), nonform_expected("not_a_form",
        "Gmail reply that only says the form will come later; the only form in it is the strategist's empty one "
        "quoted with '> ': not a submission, never answered as 'incomplete'.")


@case("b12-strategist-own-mail-empty-form")
def b12():
    text = strateg_mail() + "\n"
    msgid = ORIG_MSGID
    h = [
        ("Received", "from DB9PR09MB7125.eurprd09.prod.outlook.com (192.0.2.12)\n"
                     "\tby mbx01.lansstyrelsen.test with ESMTPS id 0F1E2D3C4B5A\n"
                     "\tfor <strateg@lansstyrelsen.test>; Tue, 17 Nov 2026 08:45:13 +0100"),
        ("From", "%s <%s>" % (STRATEG, STRATEG_ADDR)),
        ("To", "%s <%s>" % (STRATEG, STRATEG_ADDR)),
        ("Subject", subj(ORIG_SUBJECT)),
        ("Thread-Topic", subj(ORIG_SUBJECT)),
        ("Thread-Index", "AQHZ1a2b3c4d5e6f7a8b9c0d1e2f3a=="),
        ("Date", "Tue, 17 Nov 2026 07:45:08 +0000"),
        ("Message-ID", msgid),
        ("Accept-Language", "sv-SE, en-US"),
        ("Content-Language", "sv-SE"),
        ("X-MS-Has-Attach", ""),
        ("X-MS-Exchange-Organization-SCL", "-1"),
        None,
        ("MIME-Version", "1.0"),
    ]
    return top(h, outlook_alt(text, "_000_DB9PR09MB71257A1C0E3F44B2A8D6C5E1F0A9B8C7D6E5DB9PR09MB7125eurp_")), \
        nonform_expected("not_a_form",
        "The strategist's own outgoing mail (From strateg@lansstyrelsen.test, recipients in Bcc) with the empty "
        "form unquoted in the body: every label present but no value anywhere, so not a form.")


@case("b13-outlook-forward-vb-signature-epost")
def b13():
    fields = {
        "organisation": "Polisen Dalarna",
        "representative_name": "Mikael Rosén",
        "representative_email": "mikael.rosen@polisen.test",
        "substitute_name": "Jenny Lundh",
        "substitute_email": "jenny.lundh@polisen.test",
        "internal_channels": "Brottsoffer- och personsäkerhetsgruppens veckomöten\nLPO Borlänges ledningsgrupp",
        "manager_name": "Tobias Granberg",
        "manager_title": "Lokalpolisområdeschef",
        "manager_contact": "tobias.granberg@polisen.test, 114 14",
        "signed_date": "2026-11-25",
    }
    text = """Hej Helena,

Det här kom till registraturen, jag vidarebefordrar till dig. Ärendet är inte diariefört.

Vänliga hälsningar
Ebba Lindholm
Registrator
Länsstyrelsen Dalarna
E-post: ebba.lindholm@lansstyrelsen.test<mailto:ebba.lindholm@lansstyrelsen.test>
Telefon: 010-225 00 00

________________________________
Från: Mikael Rosén <mikael.rosen@polisen.test>
Skickat: den 25 november 2026 14:02
Till: Länsstyrelsen Dalarna <dalarna@lansstyrelsen.test>
Ämne: Blankett länsgruppen - Polisen

Hej,
Här kommer blanketten från oss på polisen.

Organisation: Polisen Dalarna
Representant: Mikael Rosén
Mejladress: mikael.rosen@polisen.test<mailto:mikael.rosen@polisen.test>
Ersättare: Jenny Lundh
Mejladress: jenny.lundh@polisen.test<mailto:jenny.lundh@polisen.test>
Interna kontaktvägar där representanten kan delge och inhämta information:
Brottsoffer- och personsäkerhetsgruppens veckomöten
LPO Borlänges ledningsgrupp
Underskrift av ansvarig chef/er för representanter

Namn: Tobias Granberg
Titel: Lokalpolisområdeschef
Mejl/telefon: tobias.granberg@polisen.test<mailto:tobias.granberg@polisen.test>, 114 14
Datum: 25/11 2026

Med vänlig hälsning
Mikael Rosén
Gruppchef, brottsoffer- och personsäkerhetsgruppen
Polisregion Bergslagen, LPO Borlänge
Tel: 010-563 27 14
"""
    msgid = "<HE1PR09MB3301A9B8C7D6E5F4A3B2C1D0E9F8A7B6C5D4@HE1PR09MB3301.eurprd09.prod.outlook.com>"
    h = [
        ("Received", "from HE1PR09MB3301.eurprd09.prod.outlook.com (192.0.2.33)\n"
                     "\tby mbx01.lansstyrelsen.test with ESMTPS id 2B3C4D5E6F7A\n"
                     "\tfor <strateg@lansstyrelsen.test>; Thu, 26 Nov 2026 09:12:50 +0100"),
    ]
    h += outlook_headers(addr("Ebba Lindholm", "ebba.lindholm@lansstyrelsen.test"),
                         "VB: Blankett länsgruppen - Polisen", "Thu, 26 Nov 2026 08:12:44 +0000", msgid)
    return top(h, outlook_alt(text, "_000_HE1PR09MB3301A9B8C7D6E5F4A3B2C1D0E9F8A7B6C5D4HE1PR09MB3301eurp_")), \
        form_expected(fields, "polismyndigheten",
        "Outlook forward ('VB:') by a registrar whose own signature has 'E-post: ...@lansstyrelsen.test' and "
        "'Telefon:'; the forwarded mail follows a '________________________________' line and "
        "'Från:/Skickat:/Till:/Ämne:'; only the forwarded form counts; 'Polisen Dalarna' maps to polismyndigheten; "
        "date '25/11 2026'.")


@case("b14-forward-as-attached-message")
def b14():
    fields = {
        "organisation": "Gagnefs kommun",
        "representative_name": "Ida Westberg",
        "representative_email": "ida.westberg@gagnef.test",
        "substitute_name": "Henrik Mossberg",
        "substitute_email": "henrik.mossberg@gagnef.test",
        "internal_channels": "Ledningsgruppen för socialtjänsten\nGagnefs kommuns intranät Gnistan",
        "manager_name": "Pernilla Åström",
        "manager_title": "Socialchef",
        "manager_contact": "pernilla.astrom@gagnef.test, 0241-150 00",
        "signed_date": "2026-11-20",
    }
    inner_text = """Hej Helena!

Här kommer Gagnefs uppgifter till länsgruppen.

Organisation: Gagnefs kommun
Representant: Ida Westberg
Mejladress: ida.westberg@gagnef.test<mailto:ida.westberg@gagnef.test>
Ersättare: Henrik Mossberg
Mejladress: henrik.mossberg@gagnef.test<mailto:henrik.mossberg@gagnef.test>
Interna kontaktvägar där representanten kan delge och inhämta information:
Ledningsgruppen för socialtjänsten
Gagnefs kommuns intranät Gnistan
Underskrift av ansvarig chef/er för representanter

Namn: Pernilla Åström
Titel: Socialchef
Mejl/telefon: pernilla.astrom@gagnef.test<mailto:pernilla.astrom@gagnef.test>, 0241-150 00
Datum: 2026-11-20

Med vänlig hälsning
Ida Westberg
Socialsekreterare, Gagnefs kommun
0241-152 38
"""
    inner_id = "<VI1PR09MB4420B1C2D3E4F5A6B7C8D9E0F1A2B3C4D5E6@VI1PR09MB4420.eurprd09.prod.outlook.com>"
    ih = [
        ("Received", "from VI1PR09MB4420.eurprd09.prod.outlook.com (192.0.2.44)\n"
                     "\tby mx1.gagnef.test with ESMTPS id 4420AB12CD\n"
                     "\tfor <helena.rydberg@lansstyrelsen.test>; Fri, 20 Nov 2026 10:31:07 +0100"),
        ("From", "Ida Westberg <ida.westberg@gagnef.test>"),
        ("To", "Helena Rydberg <helena.rydberg@lansstyrelsen.test>"),
        ("Subject", "Blankett Gagnef"),
        ("Thread-Topic", "Blankett Gagnef"),
        ("Thread-Index", "AQHZ4yXt0aB1c2D3e4F5g6H7i8J9kA=="),
        ("Date", "Fri, 20 Nov 2026 09:31:02 +0000"),
        ("Message-ID", inner_id),
        ("Accept-Language", "sv-SE, en-US"),
        ("Content-Language", "sv-SE"),
        ("X-MS-Has-Attach", ""),
        ("X-MS-TNEF-Correlator", ""),
        None,
        ("MIME-Version", "1.0"),
    ]
    inner = top(ih, outlook_alt(inner_text, "_000_VI1PR09MB4420B1C2D3E4F5A6B7C8D9E0F1A2B3C4D5E6VI1PR09MB4420eurp_"))
    outer_text = """Hej!

Skickar vidare Gagnefs blankett som bilaga, den kom till min egen adress i stället för till funktionsbrevlådan.

/Helena
"""
    att = rfc822(inner, [
        ("Content-Type", 'message/rfc822; charset=UTF-8; name="Blankett Gagnef.eml"'),
        ("Content-Disposition", 'attachment; filename="Blankett Gagnef.eml"'),
    ])
    body = multi('multipart/mixed; boundary="------------b8D3kQz0XpLmN5vR2tYw7JcA"', [
        leaf("text/plain; charset=UTF-8; format=flowed", flow(outer_text), "utf-8", "8bit"),
        att,
    ], preamble="This is a multi-part message in MIME format.")
    h = [
        ("Received", "from [10.20.4.17] (ws-4417.lansstyrelsen.test [10.20.4.17])\n"
                     "\tby mbx01.lansstyrelsen.test with ESMTPSA id 5F6E7D8C9B0A\n"
                     "\tfor <strateg@lansstyrelsen.test>; Mon, 23 Nov 2026 08:20:31 +0100"),
        ("Message-ID", "<1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b@lansstyrelsen.test>"),
        ("Date", "Mon, 23 Nov 2026 08:20:29 +0100"),
        ("MIME-Version", "1.0"),
        ("User-Agent", "Mozilla Thunderbird"),
        ("Content-Language", "sv-SE"),
        ("To", TO_STRATEG_OUTLOOK.replace("utf-8", "UTF-8")),
        ("From", "Helena Rydberg <helena.rydberg@lansstyrelsen.test>"),
        ("Subject", "Fwd: Blankett Gagnef"),
        None,
    ]
    return top(h, body), form_expected(fields, "gagnefs-kommun",
        "Thunderbird 'forward as attachment': the outer body has no form; the organisation's Outlook mail is an "
        "attached message/rfc822 part named 'Blankett Gagnef.eml' (Content-Disposition filename and Content-Type "
        "name) whose body holds the complete form, so source is 'attachment:Blankett Gagnef.eml'.",
        source="attachment:Blankett Gagnef.eml")


@case("b15-numbered-channels-blank-lines")
def b15():
    ch = ["Kammarens veckomöten", "Åklagarmyndighetens intranät",
          "Åklagarmyndighetens nätverk för våld i nära relation"]
    fields = {
        "organisation": "Åklagarmyndigheten Falun",
        "representative_name": "Sandra Eklund",
        "representative_email": "sandra.eklund@aklagare.test",
        "substitute_name": "Fredrik Tholin",
        "substitute_email": "fredrik.tholin@aklagare.test",
        "internal_channels": "\n".join(ch),
        "manager_name": "Christer Vik",
        "manager_title": "Chefsåklagare",
        "manager_contact": "christer.vik@aklagare.test, 010-562 50 00",
        "signed_date": "2026-11-26",
    }
    text = """Hej!

Här kommer uppgifterna från Åklagarkammaren i Falun.

Organisation: Åklagarmyndigheten Falun
Representant: Sandra Eklund
Mejladress: sandra.eklund@aklagare.test
Ersättare: Fredrik Tholin
Mejladress: fredrik.tholin@aklagare.test
Interna kontaktvägar där representanten kan delge och inhämta information:

  1.  %s

  2.  %s

  3.  %s

Underskrift av ansvarig chef/er för representanter

Namn: Christer Vik
Titel: Chefsåklagare
Mejl/telefon: christer.vik@aklagare.test, 010-562 50 00
Datum: 2026-11-26

Med vänlig hälsning

Sandra Eklund
Kammaråklagare
Åklagarkammaren i Falun
Telefon: 010-562 51 37
""" % tuple(ch)
    html_src = text
    special = {}
    for i, c in enumerate(ch, 1):
        key = "  %d.  %s" % (i, c)
        special[key] = ('<p class="MsoListParagraph" style="margin-left:36.0pt;text-indent:-18.0pt;'
                        'mso-list:l0 level1 lfo1"><![if !supportLists]><span style="mso-list:Ignore">%d.'
                        '<span style="font:7.0pt &quot;Times New Roman&quot;">&nbsp;&nbsp;&nbsp;&nbsp;&nbsp; '
                        '</span></span><![endif]>%s<o:p></o:p></p>' % (i, html.escape(c)))
    msgid = "<PR3PR09MB5523E1F2A3B4C5D6E7F8A9B0C1D2E3F4A5B6@PR3PR09MB5523.eurprd09.prod.outlook.com>"
    h = rcv_pair("PR3PR09MB5523.eurprd09.prod.outlook.com", "192.0.2.55", "E7F8A9B0C1D2", "5523EF01AB",
                 "Thu, 26 Nov 2026 16:05:22 +0100")
    h += outlook_headers(addr("Sandra Eklund", "sandra.eklund@aklagare.test"), "Blankett länsgruppen",
                         "Thu, 26 Nov 2026 15:05:17 +0000", msgid)
    return top(h, outlook_alt(text, "_000_PR3PR09MB5523E1F2A3B4C5D6E7F8A9B0C1D2E3F4A5B6PR3PR09MB5523eurp_",
                              html_text=html_src, special=special)), \
        form_expected(fields, "aklagarkammaren-falun",
        "Outlook text+HTML: the channels are a numbered Word list ('  1.  ...' in the text part, "
        "MsoListParagraph in HTML) with blank lines between the items: markers and empty lines dropped; "
        "'Åklagarmyndigheten Falun' maps to aklagarkammaren-falun.")


@case("b16-channels-end-at-signoff-no-manager")
def b16():
    ch = ["Kvinnokliniken, veckovisa avdelningsmöten", "Primärvårdens samverkansforum",
          "Nätverket för våld i nära relationer inom Region Dalarna"]
    fields = {
        "organisation": "Landstinget Dalarna",
        "representative_name": "Britt Öhman",
        "representative_email": "britt.ohman@regiondalarna.test",
        "substitute_name": "Karl-Johan Nord",
        "substitute_email": "karl-johan.nord@regiondalarna.test",
        "internal_channels": "\n".join(ch),
    }
    text = """Hej!

Här kommer representant och ersättare för oss. Vår chef är på semester, så hennes del av blanketten skickar hon själv när hon är tillbaka.

Organisation: Landstinget Dalarna
Representant: Britt Öhman
Mejladress: britt.ohman@regiondalarna.test
Ersättare: Karl-Johan Nord
Mejladress: karl-johan.nord@regiondalarna.test
Interna kontaktvägar där representanten kan delge och inhämta information:
- %s
- %s
- %s

Med vänlig hälsning

Britt Öhman
Kurator, Kvinnokliniken Falu lasarett
Region Dalarna
Telefon: 023-49 22 87
britt.ohman@regiondalarna.test

Region Dalarna behandlar personuppgifter i enlighet med dataskyddsförordningen. Mer information finns på www.regiondalarna.test/personuppgifter. Detta meddelande kan innehålla sekretessbelagd information. Om du inte är rätt mottagare, meddela avsändaren och radera meddelandet.
""" % tuple(ch)
    msgid = "<DU2PR09MB7734F6A5B4C3D2E1F0A9B8C7D6E5F4A3B2C1@DU2PR09MB7734.eurprd09.prod.outlook.com>"
    h = rcv_pair("DU2PR09MB7734.eurprd09.prod.outlook.com", "192.0.2.77", "F6A5B4C3D2E1", "7734CD56EF",
                 "Mon, 30 Nov 2026 10:44:09 +0100")
    h += outlook_headers(addr("Britt Öhman", "britt.ohman@regiondalarna.test"), "Blankett länsgrupp - Region Dalarna",
                         "Mon, 30 Nov 2026 09:44:03 +0000", msgid)
    return top(h, outlook_alt(text, "_000_DU2PR09MB7734F6A5B4C3D2E1F0A9B8C7D6E5F4A3B2C1DU2PR09MB7734eurp_")), \
        form_expected(fields, "region-dalarna",
        "The channels ('- ' list, markers dropped) are the last part of the form: the field ends at the sign-off "
        "'Med vänlig hälsning' and nothing of the signature (name, title, 'Telefon:', address) or the disclaimer "
        "leaks into it; the whole manager block is left out, so the four manager keys are missing; 'Landstinget "
        "Dalarna' maps to region-dalarna.")


@case("b17-base64-cp1252-af-star-bullets")
def b17():
    ch = ["Sektionsmöten – lokalkontoret i Falun", "Medarbetarwebben"]
    fields = {
        "organisation": "AF",
        "representative_name": "Hassan Abdi",
        "representative_email": "hassan.abdi@arbetsformedlingen.test",
        "substitute_name": "Josefin Råberg",
        "substitute_email": "josefin.raberg@arbetsformedlingen.test",
        "internal_channels": "\n".join(ch),
        "manager_name": "Anders Qvist",
        "manager_title": "Sektionschef",
        "manager_contact": "anders.qvist@arbetsformedlingen.test, 010-486 00 00",
        "signed_date": "2026-12-01",
    }
    text = """Hej,

Enligt önskemål skickar jag Arbetsförmedlingens uppgifter till länsgruppen.

Organisation: AF
Representant: Hassan Abdi
Mejladress: hassan.abdi@arbetsformedlingen.test
Ersättare: Josefin Råberg
Mejladress: josefin.raberg@arbetsformedlingen.test
Interna kontaktvägar där representanten kan delge och inhämta information:
* %s
* %s
Underskrift av ansvarig chef/er för representanter
Namn: Anders Qvist
Titel: Sektionschef
Mejl/telefon: anders.qvist@arbetsformedlingen.test, 010-486 00 00
Datum: 1 december 2026

Med vänlig hälsning
Hassan Abdi
Arbetsförmedlare
Arbetsförmedlingen, Falun
Tel: 010-487 32 10
""" % tuple(ch)
    body = leaf('text/plain; charset="windows-1252"', text, "windows-1252", "base64")
    h = [
        received("mx1.lansstyrelsen.test (Postfix)", "mailgw2.arbetsformedlingen.test", "192.0.2.171",
                 "17AF00B1C2", "Tue, 1 Dec 2026 08:03:55 +0100"),
        ("From", addr("Hassan Abdi", "hassan.abdi@arbetsformedlingen.test")),
        ("To", "strateg@lansstyrelsen.test"),
        ("Subject", subj("Länsgruppen – blankett från Arbetsförmedlingen", "windows-1252", "Q")),
        ("Date", "Tue, 1 Dec 2026 08:03:49 +0100"),
        ("Message-ID", "<OF1A2B3C4D.5E6F7A8B-ONC1258B2F.00293A1F-C1258B2F.0029C4E7@arbetsformedlingen.test>"),
        ("MIME-Version", "1.0"),
        None,
        ("X-Mailer", "HCL Notes Release 12.0.2 November 03, 2022"),
    ]
    return top(h, body), form_expected(fields, "arbetsformedlingen",
        "Plain text only, base64, windows-1252 (an en dash 0x96 in a channel) with a windows-1252 RFC 2047 "
        "subject; channels as '* ' bullets (markers dropped); organisation written as the alias 'AF'; date "
        "'1 december 2026'.")


@case("b18-out-of-office-english-x-autoreply")
def b18():
    text = """I am out of the office until 7 December with limited access to e-mail. For urgent matters, please contact the School of Health and Welfare, phone +46 23 77 80 00.

Jag är ledig till och med 7 december och läser inte mejl regelbundet. Vid brådskande ärenden, kontakta Akademin Hälsa och välfärd, telefon 023-77 80 00.

Nadia Karim
Dalarna University
"""
    body = leaf('text/plain; charset="utf-8"', text, "utf-8", "quoted-printable")
    h = [
        received("mx1.lansstyrelsen.test (Postfix)", "mail.du.test", "192.0.2.23", "DA7E1B2C3D",
                 "Tue, 17 Nov 2026 08:46:02 +0100"),
        ("From", "Nadia Karim <nadia.karim@du.test>"),
        ("To", "Helena Rydberg <strateg@lansstyrelsen.test>"),
        ("Subject", ew("Out of Office: " + ORIG_SUBJECT, "utf-8", "B")),
        ("Date", "Tue, 17 Nov 2026 08:45:59 +0100"),
        ("Message-ID", "<autoreply.20261117084559.77a1@mail.du.test>"),
        ("In-Reply-To", ORIG_MSGID),
        ("References", ORIG_MSGID),
        ("X-Autoreply", "yes"),
        ("MIME-Version", "1.0"),
        None,
    ]
    return top(h, body), nonform_expected("automated",
        "English out-of-office: 'Out of Office:' subject and 'X-Autoreply: yes' (no Auto-Submitted header): "
        "automated, never answered.")


@case("b19-precedence-bulk-eservice-form")
def b19():
    text = """En ny blankett har skickats in via e-tjänsten "Representant i länsgrupp".

Organisation: Säters kommun
Representant: Anneli Bergkvist
Mejladress: anneli.bergkvist@sater.test
Ersättare: Joakim Rask
Mejladress: joakim.rask@sater.test
Interna kontaktvägar där representanten kan delge och inhämta information:
Socialtjänstens ledningsgrupp
Underskrift av ansvarig chef/er för representanter
Namn: Ylva Hammarström
Titel: Socialchef
Mejl/telefon: ylva.hammarstrom@sater.test, 0225-550 00
Datum: 2026-11-20

Detta meddelande har skickats automatiskt och går inte att svara på.
Säters kommun – e-tjänster
"""
    body = leaf('text/plain; charset="UTF-8"', text, "utf-8", "quoted-printable")
    h = [
        received("mx1.lansstyrelsen.test (Postfix)", "etjanst.sater.test", "192.0.2.201", "E7A1D3F5B9",
                 "Fri, 20 Nov 2026 13:37:08 +0100"),
        ("From", "%s <noreply@etjanst.sater.test>" % ew("Säters kommun e-tjänster", "UTF-8", "Q")),
        ("To", "strateg@lansstyrelsen.test"),
        ("Subject", ew("Ny inlämning: Representant i länsgrupp", "UTF-8", "Q")),
        ("Date", "Fri, 20 Nov 2026 13:37:06 +0100"),
        ("Message-ID", "<20261120123706.8841.52177@etjanst.sater.test>"),
        ("Precedence", "bulk"),
        ("MIME-Version", "1.0"),
        None,
        ("X-Mailer", "eTjanst-Notifier 4.2"),
    ]
    return top(h, body), nonform_expected("automated",
        "A system notification sent with 'Precedence: bulk' (no other automation headers) that happens to "
        "contain a complete form: automated wins, nothing extracted, never answered.")


@case("b20-read-receipt-mdn")
def b20():
    human = """Ditt meddelande

  Till: Ronny Vestin
  Ämne: Representant och ersättare i länsgruppen 2027 – blankett
  Skickat: den 17 november 2026 08:45:08 (UTC+01:00) Amsterdam, Berlin, Bern, Rom, Stockholm, Wien

lästes den 18 november 2026 10:02:51 (UTC+01:00) Amsterdam, Berlin, Bern, Rom, Stockholm, Wien.
"""
    mdn = ("Reporting-UA: HE1PR09MB2210.eurprd09.prod.outlook.com; Microsoft Exchange Server\r\n"
           "Final-Recipient: rfc822;ronny.vestin@kriminalvarden.test\r\n"
           "Original-Message-ID: %s\r\n"
           "Disposition: manual-action/MDN-sent-manually; displayed\r\n" % ORIG_MSGID)
    body = multi('multipart/report; report-type=disposition-notification;\n\tboundary="_000_HE1PR09MB2210READ_"', [
        leaf('text/plain; charset="utf-8"', human, "utf-8", "quoted-printable"),
        raw_leaf([("Content-Type", "message/disposition-notification")], mdn),
    ])
    h = [
        ("Received", "from HE1PR09MB2210.eurprd09.prod.outlook.com (192.0.2.210)\n"
                     "\tby mx1.lansstyrelsen.test (Postfix) with ESMTPS id 2210ABCDEF\n"
                     "\tfor <strateg@lansstyrelsen.test>; Wed, 18 Nov 2026 10:02:55 +0100"),
        ("From", "Ronny Vestin <ronny.vestin@kriminalvarden.test>"),
        ("To", "Helena Rydberg <strateg@lansstyrelsen.test>"),
        ("Subject", ew("Läst: " + ORIG_SUBJECT, "utf-8", "B")),
        ("Thread-Topic", ew(ORIG_SUBJECT, "utf-8", "B")),
        ("Date", "Wed, 18 Nov 2026 09:02:51 +0000"),
        ("Message-ID", "<HE1PR09MB2210C0FFEE0123456789ABCDEF0123456789@HE1PR09MB2210.eurprd09.prod.outlook.com>"),
        ("References", ORIG_MSGID),
        ("In-Reply-To", ORIG_MSGID),
        ("Content-Language", "sv-SE"),
        ("X-MS-Has-Attach", ""),
        None,
        ("MIME-Version", "1.0"),
    ]
    return top(h, body), nonform_expected("automated",
        "Outlook read receipt ('Läst:'): multipart/report; report-type=disposition-notification with a "
        "message/disposition-notification part: automated, never answered.")


@case("b21-franvaro-subject-with-contact-labels")
def b21():
    text = """Hej!

Jag är föräldraledig till och med 31 januari 2027 och läser inte min e-post.

Ärenden som gäller länsgruppen tas om hand av min kollega:
Namn: Tomas Rydén
E-post: tomas.ryden@mora.test
Telefon: 0250-262 14

Vänliga hälsningar
Ewa Sjöholm
Mora kommun
"""
    body = leaf('text/plain; charset="iso-8859-1"', text, "iso-8859-1", "quoted-printable")
    h = [
        received("mx1.lansstyrelsen.test (Postfix)", "smtp.mora.test", "192.0.2.125", "F1A2B3C4D5",
                 "Tue, 17 Nov 2026 08:46:20 +0100"),
        ("From", addr("Ewa Sjöholm", "ewa.sjoholm@mora.test", "iso-8859-1", "Q")),
        ("To", "strateg@lansstyrelsen.test"),
        ("Subject", ew("Frånvaro: " + ORIG_SUBJECT.replace("–", "-"), "iso-8859-1", "Q")),
        ("Date", "Tue, 17 Nov 2026 08:46:17 +0100"),
        ("Message-ID", "<franvaro-7f3a91c2@smtp.mora.test>"),
        ("MIME-Version", "1.0"),
        None,
    ]
    return top(h, body), nonform_expected("automated",
        "Swedish absence notice recognised only by its 'Frånvaro:' subject (RFC 2047 iso-8859-1, no automation "
        "headers); its 'Namn:/E-post:/Telefon:' contact lines look like form labels with values but it is "
        "automated, never answered.")


@case("b22-autosvar-subject")
def b22():
    text = """Tack för ditt mejl!

Kvinnojouren i Borlänge har kansliet bemannat måndag–torsdag kl. 9–15. Vi svarar så snart vi kan.

Behöver du stöd nu? Ring Kvinnofridslinjen 020-50 50 50 (dygnet runt).

Kvinnojouren i Borlänge
"""
    body = multi('multipart/alternative; boundary="000000000000e7c1a20614f0d3b8"', [
        leaf('text/plain; charset="UTF-8"', text, "utf-8", "quoted-printable"),
        leaf('text/html; charset="UTF-8"', gmail_html(text), "utf-8", "quoted-printable"),
    ])
    h = [
        ("Received", "from mail-pj1-f66.google.test (mail-pj1-f66.google.test [203.0.113.66])\n"
                     "\tby mx1.lansstyrelsen.test (Postfix) with ESMTPS id 0B1C2D3E4F\n"
                     "\tfor <strateg@lansstyrelsen.test>; Tue, 17 Nov 2026 08:47:01 +0100"),
        ("MIME-Version", "1.0"),
        ("From", "Kvinnojouren i Borlänge <info@kvinnojourenborlange.test>".replace(
            "Kvinnojouren i Borlänge", ew("Kvinnojouren i Borlänge", "UTF-8", "Q"))),
        ("Date", "Tue, 17 Nov 2026 08:46:58 +0100"),
        ("Message-ID", "<CAJq2Lr0-autosvar-Wx7Yb9Zc1Dd3Ee5Ff7Gg9Hh@mail.gmail.com>"),
        ("Subject", ew("Autosvar: " + ORIG_SUBJECT, "UTF-8", "Q")),
        ("To", "Helena Rydberg <strateg@lansstyrelsen.test>"),
        None,
    ]
    return top(h, body), nonform_expected("automated",
        "Vacation responder recognised by its 'Autosvar:' subject alone (no Auto-Submitted, X-Autoreply or "
        "Precedence header): automated, never answered.")


@case("b23-signature-single-label-only")
def b23():
    text = """Hej Helena!

Tack för ett bra möte i går. Här är länken till presentationen om barnrättsperspektivet som jag lovade att skicka: https://www.rb.test/dalarna/presentation-lansgruppen

Säg till om något är oklart.

Vänliga hälsningar
Oskar Nyman
Regional samordnare
Rädda Barnen Dalarna
E-post: oskar.nyman@rb.test
Telefon: 08-698 90 00
"""
    h = [
        ("Received", "from mail-qk1-f180.google.test (mail-qk1-f180.google.test [203.0.113.180])\n"
                     "\tby mx1.lansstyrelsen.test (Postfix) with ESMTPS id 3F4E5D6C7B\n"
                     "\tfor <strateg@lansstyrelsen.test>; Fri, 27 Nov 2026 09:30:44 +0100"),
        ("MIME-Version", "1.0"),
        ("From", "Oskar Nyman <oskar.nyman@rb.test>"),
        ("Date", date(2026, 11, 27, 9, 30, 38)),
        ("Message-ID", "<CAN4Hq7sPz2-Lk9Mb3Xc5Vd1Wf8Ge0Rh6Tj2Yk4Ul7@mail.gmail.com>"),
        ("Subject", ew("Presentationen från länsgruppsmötet", "UTF-8", "Q")),
        ("To", TO_STRATEG_GMAIL),
        None,
    ]
    return top(h, gmail_alt(text, "000000000000f4a8b30614f3e1c2")), nonform_expected("not_a_form",
        "Ordinary thank-you mail from a member organisation; the only label-like line is 'E-post: ...' in the "
        "signature (plus 'Telefon:'): one label is not a form, so not_a_form.")


@case("b24-question-about-the-form")
def b24():
    text = """Hej!

Jag håller på att fylla i blanketten för länsgruppen men undrar två saker:

1. Under "Mejl/telefon" – ska det vara chefens uppgifter eller representantens?
2. Måste chefen skriva under för hand, eller räcker det att hennes namn och titel står med?

Vår ersättare är inte utsedd ännu. Går det bra att skicka in blanketten utan ersättare och komplettera senare?

Tack på förhand!

Lovisa Hedin
Folkhälsostrateg
Avesta kommun
0226-64 51 23
"""
    msgid = "<AS4PR09MB9001A1B2C3D4E5F6A7B8C9D0E1F2A3B4C5D6@AS4PR09MB9001.eurprd09.prod.outlook.com>"
    h = rcv_pair("AS4PR09MB9001.eurprd09.prod.outlook.com", "192.0.2.90", "A1B2C3D4E5F6", "9001AA11BB",
                 "Wed, 18 Nov 2026 15:12:33 +0100")
    h += outlook_headers(addr("Lovisa Hedin", "lovisa.hedin@avesta.test"), "Fråga om blanketten till länsgruppen",
                         "Wed, 18 Nov 2026 14:12:28 +0000", msgid)
    return top(h, outlook_alt(text, "_000_AS4PR09MB9001A1B2C3D4E5F6A7B8C9D0E1F2A3B4C5D6AS4PR09MB9001eurp_")), \
        nonform_expected("not_a_form",
        "A question about how to fill in the form; it names labels inside sentences ('Under \"Mejl/telefon\"', "
        "'ersättare') but contains no form: not_a_form, never answered as incomplete.")


@case("b25-nbsp-bom-underscores-placeholder")
def b25():
    NB, BOM = "\u00a0", "\ufeff"
    fields = {
        "organisation": "Migrationsverket",
        "representative_name": "Farah Osman",
        "representative_email": "farah.osman@migrationsverket.test",
        "internal_channels": "Enhetens arbetsplatsträffar\nMigrationsverkets intranät Inblick",
        "manager_name": "Pontus Sjögren",
        "manager_contact": "pontus.sjogren@migrationsverket.test, 010-485 10 00",
        "signed_date": "2026-11-30",
    }
    placeholder = "Klicka eller tryck här för att ange text."
    text = f"""Hej!

Jag kopierade in blanketten från Word-mallen. Vi har inte utsett någon ersättare än, och titeln fyller Pontus i själv när han är tillbaka.

Organisation: {BOM}Migrationsverket
Representant:{NB}Farah Osman{NB}
Mejladress: {NB}farah.osman@migrationsverket.test
Ersättare: ____________________
Mejladress: ____________________
Interna kontaktvägar där representanten kan delge och inhämta information:
{NB}Enhetens arbetsplatsträffar
Migrationsverkets intranät Inblick{NB}{NB}
Underskrift av ansvarig chef/er för representanter

Namn:{NB}Pontus Sjögren
Titel: {placeholder}
Mejl/telefon: pontus.sjogren@migrationsverket.test, 010-485 10 00{NB}
Datum:{NB}2026-11-30{BOM}

Med vänlig hälsning
Farah Osman
Handläggare, Migrationsverket
010-485 23 61
"""
    gray = '<span style="color:#808080">%s</span>' % placeholder
    html_body = outlook_html(text).replace(html.escape(placeholder), gray)
    msgid = "<PA4PR09MB6120B6C5D4E3F2A1B0C9D8E7F6A5B4C3D2E1@PA4PR09MB6120.eurprd09.prod.outlook.com>"
    h = rcv_pair("PA4PR09MB6120.eurprd09.prod.outlook.com", "192.0.2.61", "B6C5D4E3F2A1", "6120FE98DC",
                 "Mon, 30 Nov 2026 13:28:19 +0100")
    h += outlook_headers(addr("Farah Osman", "farah.osman@migrationsverket.test"), "Blankett länsgruppen Migrationsverket",
                         "Mon, 30 Nov 2026 12:28:14 +0000", msgid)
    body = multi('multipart/alternative;\n\tboundary="_000_PA4PR09MB6120B6C5D4E3F2A1B0C9D8E7F6A5B4C3D2E1PA4PR09MB6120eurp_"', [
        leaf('text/plain; charset="utf-8"', text, "utf-8", "quoted-printable"),
        leaf('text/html; charset="utf-8"', html_body, "utf-8", "quoted-printable"),
    ])
    return top(h, body), form_expected(fields, "migrationsverket",
        "Text pasted from the Word template: U+FEFF and U+00A0 (no-break space) around values are trimmed; the "
        "substitute's name and address are '____' underscore blanks (empty, so missing); Titel holds Word's "
        "placeholder 'Klicka eller tryck här för att ange text.' (empty, so manager_title is missing).")


@case("b26-html-only-table-no-colons")
def b26():
    fields = {
        "organisation": "Mora kommun",
        "representative_name": "Rebecka Nises",
        "representative_email": "rebecka.nises@mora.test",
        "substitute_name": "Lars Zetterlund",
        "substitute_email": "lars.zetterlund@mora.test",
        "internal_channels": "Enhetsmöten på socialkontoret\nMora kommuns personalportal",
        "manager_name": "Cecilia Stenberg",
        "manager_title": "Individ- och familjeomsorgschef",
        "manager_contact": "cecilia.stenberg@mora.test, 0250-261 40",
        "signed_date": "2026-11-30",
    }
    rows = [
        ("Organisation", ["Mora kommun"]),
        ("Representant", ["Rebecka Nises"]),
        ("Mejladress", ['<a href="mailto:rebecka.nises@mora.test">rebecka.nises@mora.test</a>']),
        ("Ersättare", ["Lars Zetterlund"]),
        ("Mejladress", ['<a href="mailto:lars.zetterlund@mora.test">lars.zetterlund@mora.test</a>']),
        ("Interna kontaktvägar där representanten kan delge och inhämta information",
         ["Enhetsmöten på socialkontoret", "Mora kommuns personalportal"]),
        ("Underskrift av ansvarig chef/er för representanter", []),
        ("Namn", ["Cecilia Stenberg"]),
        ("Titel", ["Individ- och familjeomsorgschef"]),
        ("Mejl/telefon", ['<a href="mailto:cecilia.stenberg@mora.test">cecilia.stenberg@mora.test</a>, 0250-261 40']),
        ("Datum", ["2026-11-30"]),
    ]
    td_l = '<td width="227" valign="top" style="width:6.0cm;border:solid windowtext 1.0pt;padding:0cm 5.4pt 0cm 5.4pt">'
    td_r = ('<td width="378" valign="top" style="width:10.0cm;border:solid windowtext 1.0pt;border-left:none;'
            'padding:0cm 5.4pt 0cm 5.4pt">')
    trs = []
    for label, vals in rows:
        left = '<p class="MsoNormal">%s<o:p></o:p></p>' % html.escape(label)
        if vals:
            right = "".join('<p class="MsoNormal">%s<o:p></o:p></p>' % v for v in vals)
        else:
            right = '<p class="MsoNormal"><o:p>&nbsp;</o:p></p>'
        trs.append("<tr>\n%s\n%s\n</td>\n%s\n%s\n</td>\n</tr>" % (td_l, left, td_r, right))
    pre = ["Hej Helena!", "", "Här kommer blanketten från Mora, jag klistrade in tabellen direkt i mejlet.", ""]
    post = ["", "Vänliga hälsningar", "", "Rebecka Nises", "Socialsekreterare, vuxengruppen", "Mora kommun",
            "0250-263 08"]
    page = outlook_html("\n".join(pre)).replace("</div>\n</body>\n</html>\n", "")
    page += ('\n<table class="MsoTableGrid" border="1" cellspacing="0" cellpadding="0" '
             'style="border-collapse:collapse;border:none">\n<tbody>\n' + "\n".join(trs) + "\n</tbody>\n</table>\n")
    page += outlook_html("\n".join(post)).split('<div class="WordSection1">\n', 1)[1]
    body = leaf('text/html; charset="utf-8"', page, "utf-8", "quoted-printable")
    msgid = "<AM6PR09MB3051C1D2E3F4A5B6C7D8E9F0A1B2C3D4E5F6@AM6PR09MB3051.eurprd09.prod.outlook.com>"
    h = rcv_pair("AM6PR09MB3051.eurprd09.prod.outlook.com", "192.0.2.51", "C1D2E3F4A5B6", "3051AB12CD",
                 "Mon, 30 Nov 2026 15:51:47 +0100")
    h += outlook_headers("Rebecka Nises <rebecka.nises@mora.test>", "Blankett Mora kommun",
                         "Mon, 30 Nov 2026 14:51:41 +0000", msgid)
    return top(h, body), form_expected(fields, "mora-kommun",
        "HTML-only Outlook mail (no text/plain) with the form as a two-column table whose label cells have NO "
        "colon ('Organisation' | 'Mora kommun'); the channels cell has two paragraphs; the empty cell next to the "
        "manager heading is ignored.")


@case("b27-unknown-org-tjejjouren")
def b27():
    fields = {
        "organisation": "Tjejjouren i Falun",
        "representative_name": "Wilma Jansson",
        "representative_email": "wilma.jansson@tjejjourenfalun.test",
        "substitute_name": "Elsa Norberg",
        "substitute_email": "elsa.norberg@tjejjourenfalun.test",
        "internal_channels": "Styrelsemöten varannan vecka\nVolontärträffar",
        "manager_name": "Hanna Rask",
        "manager_title": "Ordförande",
        "manager_contact": "070-812 44 90",
        "signed_date": "2026-11-22",
    }
    text = """Hej!

Vi i Tjejjouren vill gärna vara med i länsgruppen och skickar här våra uppgifter.

Organisation: Tjejjouren i Falun
Representant: Wilma Jansson
Mejladress: wilma.jansson@tjejjourenfalun.test
Ersättare: Elsa Norberg
Mejladress: elsa.norberg@tjejjourenfalun.test
Interna kontaktvägar där representanten kan delge och inhämta information:
Styrelsemöten varannan vecka
Volontärträffar
Underskrift av ansvarig chef/er för representanter
Namn: Hanna Rask
Titel: Ordförande
Mejl/telefon: 070-812 44 90
Datum: 2026-11-22

Varma hälsningar
Wilma Jansson
Tjejjouren i Falun
"""
    h = [
        ("Received", "from mail-wm1-f41.google.test (mail-wm1-f41.google.test [203.0.113.41])\n"
                     "\tby mx1.lansstyrelsen.test (Postfix) with ESMTPS id 8D9E0F1A2B\n"
                     "\tfor <strateg@lansstyrelsen.test>; Sun, 22 Nov 2026 19:44:12 +0100"),
        ("MIME-Version", "1.0"),
        ("From", "Wilma Jansson <wilma.jansson@tjejjourenfalun.test>"),
        ("Date", date(2026, 11, 22, 19, 44, 5)),
        ("Message-ID", "<CAP8Vn3qLx6-Tb1Wc9Yd4Ze7Af2Bg5Ch8Di3Ej6Fk0@mail.gmail.com>"),
        ("Subject", ew("Blankett länsgruppen – Tjejjouren i Falun", "UTF-8", "Q")),
        ("To", TO_STRATEG_GMAIL),
        None,
    ]
    return top(h, gmail_alt(text, "0000000000008b3c5d0614f2a9e4")), form_expected(fields, None,
        "A complete form from an organisation that is not in the list but resembles two that are ('Tjejjouren i "
        "Falun' vs 'Kvinnojouren i Falun' and the alias 'Falun'): organisation_id null, never matched to a wrong "
        "id, and the unknown organisation alone does not make the status incomplete.")


@case("b28-unknown-org-hela-manniskan-nextline")
def b28():
    fields = {
        "organisation": "Stiftelsen Hela Människan Mora",
        "representative_name": "Örjan Sellin",
        "representative_email": "orjan.sellin@helamanniskan.test",
        "substitute_name": "Agnes Mattsdotter",
        "substitute_email": "agnes.mattsdotter@helamanniskan.test",
        "internal_channels": "Personalmöten varje måndag\nStiftelsens styrelse",
        "manager_name": "Gudrun Elfström",
        "manager_title": "Verksamhetsledare",
        "manager_contact": "gudrun.elfstrom@helamanniskan.test, 0250-129 30",
        "signed_date": "2026-11-19",
    }
    text = """Hej Helena!

Som vi pratade om på telefon kommer här vår blankett. Vi har ett nytt skyddat boende i Mora sedan i höstas.

Organisation:
Stiftelsen Hela Människan Mora

Representant:
Örjan Sellin

Mejladress:
orjan.sellin@helamanniskan.test

Ersättare:
Agnes Mattsdotter

Mejladress:
agnes.mattsdotter@helamanniskan.test

Interna kontaktvägar där representanten kan delge och inhämta information:
Personalmöten varje måndag
Stiftelsens styrelse

Underskrift av ansvarig chef/er för representanter

Namn:
Gudrun Elfström

Titel:
Verksamhetsledare

Mejl/telefon:
gudrun.elfstrom@helamanniskan.test, 0250-129 30

Datum:
19 november 2026

Hälsningar
Örjan Sellin
Stiftelsen Hela Människan Mora
0250-129 33
"""
    body = leaf('text/plain; charset="Windows-1252"', text, "windows-1252", "quoted-printable")
    h = [
        received("mx1.lansstyrelsen.test (Postfix)", "smtp.helamanniskan.test", "192.0.2.190", "A9B8C7D6E5",
                 "Thu, 19 Nov 2026 11:16:40 +0100"),
        ("From", addr("Örjan Sellin", "orjan.sellin@helamanniskan.test", "windows-1252", "Q", "Windows-1252")),
        ("To", "<strateg@lansstyrelsen.test>"),
        ("Subject", subj("Blankett till Länsgruppen", "windows-1252", "Q", "Windows-1252")),
        ("Date", "Thu, 19 Nov 2026 11:16:37 +0100"),
        ("Message-ID", "<003501db3a6f$1e2d3c4b$5a697887$@helamanniskan.test>"),
        ("MIME-Version", "1.0"),
        None,
        ("X-Mailer", "Microsoft Outlook 16.0"),
        ("Content-Language", "sv"),
    ]
    return top(h, body), form_expected(fields, None,
        "Unknown organisation 'Stiftelsen Hela Människan Mora' (it contains 'Mora', which alone is an alias of "
        "mora-kommun): organisation_id null, status still complete; every value on the line after its label with "
        "blank lines between; windows-1252 quoted-printable with a Windows-1252 RFC 2047 From; date "
        "'19 november 2026'.")


@case("b29-thunderbird-reply-flowed-quote")
def b29():
    fields = {
        "organisation": "Kvinnojouren i Borlänge",
        "representative_name": "Josefine Ahlberg",
        "representative_email": "josefine.ahlberg@kvinnojourenborlange.test",
        "substitute_name": "Maria Lönn",
        "substitute_email": "maria.lonn@kvinnojourenborlange.test",
        "internal_channels": ("Jourens styrelsemöte den första tisdagen i varje månad, där representanten "
                              "rapporterar från länsgruppen\nMedlemsutskicket"),
        "manager_name": "Kristin Säfström",
        "manager_title": "Ordförande",
        "manager_contact": "ordforande@kvinnojourenborlange.test, 072-345 11 90",
        "signed_date": "2026-11-28",
    }
    text = """Hej Helena,

Här kommer vår blankett.

Organisation: Kvinnojouren i Borlänge
Representant: Josefine Ahlberg
Mejladress: josefine.ahlberg@kvinnojourenborlange.test
Ersättare: Maria Lönn
Mejladress: maria.lonn@kvinnojourenborlange.test
Interna kontaktvägar där representanten kan delge och inhämta information:
%s
Underskrift av ansvarig chef/er för representanter
Namn: Kristin Säfström
Titel: Ordförande
Mejl/telefon: ordforande@kvinnojourenborlange.test, 072-345 11 90
Datum: 28 november 2026

Hälsningar
Josefine Ahlberg
Kvinnojouren i Borlänge

Den 2026-11-17 kl. 08:45, skrev Helena Rydberg:
""" % fields["internal_channels"] + quote(strateg_mail()) + "\n"
    body = leaf("text/plain; charset=UTF-8; format=flowed", flow(text, 72, quoted=True), "utf-8", "8bit")
    h = [
        ("Received", "from mail.kvinnojourenborlange.test (mail.kvinnojourenborlange.test [192.0.2.97])\n"
                     "\tby mx1.lansstyrelsen.test (Postfix) with ESMTPS id 97C0FFEE11\n"
                     "\tfor <strateg@lansstyrelsen.test>; Sat, 28 Nov 2026 10:12:40 +0100"),
        ("Message-ID", "<c0a8e1f2-77b3-4e2d-9f01-5a6b7c8d9e0f@kvinnojourenborlange.test>"),
        ("Date", "Sat, 28 Nov 2026 10:12:37 +0100"),
        ("MIME-Version", "1.0"),
        ("User-Agent", "Mozilla Thunderbird"),
        ("Subject", ew("Re: " + ORIG_SUBJECT, "UTF-8", "B")),
        ("Content-Language", "sv-SE"),
        ("To", "Helena Rydberg <strateg@lansstyrelsen.test>"),
        ("References", ORIG_MSGID),
        ("From", addr("Josefine Ahlberg", "josefine.ahlberg@kvinnojourenborlange.test")),
        ("In-Reply-To", ORIG_MSGID),
        None,
    ]
    return top(h, body), form_expected(fields, "kvinnojouren-borlange",
        "Thunderbird reply, format=flowed 8bit: the filled form on top with a long channel line soft-wrapped over "
        "two lines (one channel after unwrapping); below, the strategist's empty form quoted with '> ' where the "
        "long quoted lines (including the 'Interna kontaktvägar ...' label) are themselves soft-wrapped inside "
        "the quote; quoted blanks never count; date '28 november 2026'.")


@case("b30-outlook-name-angle-mailto-place-date")
def b30():
    fields = {
        "organisation": "Rädda Barnen Dalarna",
        "representative_name": "Amanda Lindqvist",
        "representative_email": "amanda.lindqvist@rb.test",
        "substitute_name": "Erik Sjöstedt",
        "substitute_email": "erik.sjostedt@rb.test",
        "internal_channels": "Regionstyrelsens möten\nLokalföreningarnas ordförandenätverk",
        "manager_name": "Gun Persson",
        "manager_title": "Regionchef",
        "manager_contact": "Gun.Persson@rb.test, 08-698 90 12",
        "signed_date": "2026-11-28",
    }
    text = """Hej!

Här är uppgifterna från Rädda Barnen.

Organisation: Rädda Barnen Dalarna
Representant: Amanda Lindqvist
Mejladress: Amanda Lindqvist <Amanda.Lindqvist@rb.test<mailto:Amanda.Lindqvist@rb.test>>
Ersättare: Erik Sjöstedt
Mejladress: Erik Sjöstedt <Erik.Sjostedt@rb.test<mailto:Erik.Sjostedt@rb.test>>
Interna kontaktvägar där representanten kan delge och inhämta information:
Regionstyrelsens möten
Lokalföreningarnas ordförandenätverk
Underskrift av ansvarig chef/er för representanter

Namn: Gun Persson
Titel: Regionchef
Mejl/telefon: Gun.Persson@rb.test<mailto:Gun.Persson@rb.test>, 08-698 90 12
Datum: Falun den 28 november 2026

Vänliga hälsningar
Amanda Lindqvist
Regional utvecklare
Rädda Barnen Dalarna
www.rb.test<https://www.rb.test/>
"""
    msgid = "<DB8PR09MB4412A0B1C2D3E4F5A6B7C8D9E0F1A2B3C4D5@DB8PR09MB4412.eurprd09.prod.outlook.com>"
    h = rcv_pair("DB8PR09MB4412.eurprd09.prod.outlook.com", "192.0.2.112", "A0B1C2D3E4F5", "4412BEEF01",
                 "Sat, 28 Nov 2026 12:40:05 +0100")
    h += outlook_headers(addr("Amanda Lindqvist", "Amanda.Lindqvist@rb.test"), "Blankett länsgruppen – Rädda Barnen",
                         "Sat, 28 Nov 2026 11:39:59 +0000", msgid)
    return top(h, outlook_alt(text, "_000_DB8PR09MB4412A0B1C2D3E4F5A6B7C8D9E0F1A2B3C4D5DB8PR09MB4412eurp_")), \
        form_expected(fields, "radda-barnen-dalarna",
        "Outlook text+HTML: address lines written 'Name <Addr>' which Outlook's text part turns into "
        "'Name <Addr<mailto:Addr>>': the address is taken from the brackets, the artefact dropped, lower-cased; "
        "manager_contact keeps its capitals minus the artefact; date 'Falun den 28 november 2026'.")


# --------------------------------------------------------------------------
# Self-check: every expected value must be findable in the decoded message
# --------------------------------------------------------------------------

def unflow(text, delsp):
    """RFC 3676 reader: join soft-broken lines of the same quote depth."""
    out, cur, cur_depth = [], None, None
    for line in text.split("\n"):
        m = re.match(r"^(>*)", line)
        depth = len(m.group(1))
        body = line[depth:]
        if body.startswith(" "):
            body = body[1:]
        soft = body.endswith(" ") and body != "-- "
        if soft and delsp:
            body = body[:-1]
        if cur is not None and depth != cur_depth:
            out.append(cur)
            cur = None
        if cur is None:
            cur, cur_depth = (">" * depth + " " if depth else "") + body, depth
        else:
            cur += body
        if not soft:
            out.append(cur)
            cur = None
    if cur is not None:
        out.append(cur)
    return "\n".join(out)


def decoded_text(data):
    msg = message_from_bytes(data, policy=email_policy.default)
    texts = []
    for part in msg.walk():
        if part.get_content_maintype() != "text":
            continue
        raw = part.get_payload(decode=True)
        cs = (part.get_content_charset() or "utf-8").lower()
        t = raw.decode(codec(cs) if cs in CODECS else cs).replace("\r\n", "\n")
        if part.get_param("format", "").lower() == "flowed":
            t = unflow(t, part.get_param("delsp", "no").lower() == "yes")
        if part.get_content_subtype() == "html":
            t = re.sub(r"</?(a|span|b|o:p)\b[^>]*>", "", t)
            t = re.sub(r"<[^>]+>", "\n", t)
            t = html.unescape(t)
        texts.append(t)
    return msg, "\n".join(texts)


def self_check(name, data, exp):
    problems = []
    if re.search(rb"(?<!\r)\n", data) or re.search(rb"\r(?!\n)", data):
        problems.append("bare LF/CR")
    if any(len(l) > 998 for l in data.split(b"\r\n")):
        problems.append("line longer than 998")
    msg, text = decoded_text(data)
    clean = re.sub(r"<mailto:[^>]*>", "", text)
    norm = clean.replace("\u00a0", " ").replace("\ufeff", "")
    for k, v in exp["fields"].items():
        if k == "signed_date":
            continue
        pieces = v.split("\n") if k == "internal_channels" else [v]
        for p in pieces:
            hay = norm.lower() if k.endswith("_email") else norm
            if p not in hay:
                problems.append("%s value %r not found" % (k, p))
    for k, v in exp.get("invalid_values", {}).items():
        if v not in norm:
            problems.append("invalid %s raw %r not found" % (k, v))
    if problems:
        raise SystemExit("%s: %s" % (name, "; ".join(problems)))


def main():
    os.makedirs(OUTDIR, exist_ok=True)
    seen = set()
    for name, fn in CASES:
        assert name not in seen, name
        seen.add(name)
        assert name.startswith("b"), name
        msg, exp = fn()
        data = flatten(msg)
        self_check(name, data, exp)
        with open(os.path.join(OUTDIR, name + ".eml"), "wb") as f:
            f.write(data)
        with open(os.path.join(OUTDIR, name + ".json"), "w", encoding="utf-8", newline="\n") as f:
            f.write(json.dumps(exp, ensure_ascii=False, indent=2) + "\n")
        print("%-46s %-11s %s" % (name, exp["status"], exp["organisation_id"]))
    print("%d cases written to %s" % (len(CASES), os.path.normpath(OUTDIR)))


if __name__ == "__main__":
    main()
