#!/usr/bin/env python3
"""Crash test: kill -9 the daemon at random points while it works through a
backlog, 50 times, then check that nothing was lost or done twice.

A backlog of forms (two versions per organisation, from distinct senders) is
delivered to a fresh mailbox on the local Dovecot + Postfix
(scripts/mailserver). Then, RUNS times: `blankett run` starts, is killed
with SIGKILL after a random 0.05-1.5 s, and more mail may arrive. Finally
`blankett once` finishes the work, and the script checks:
  - every organisation is on the roster exactly once, with the newest form;
  - the history has one entry per form that changed something (none doubled);
  - every sender got its confirmation at least once;
and counts the senders who got an answer more than once (duplicates, the
only thing a crash may cause). Exit 1 on a lost or doubled roster entry.

Usage: tests/crash/kill9.py [--runs 50] [--binary target/debug/blankett]
"""
import argparse, imaplib, json, os, pathlib, random, signal, smtplib, sqlite3, subprocess, sys, time
from email.message import EmailMessage

ROOT = pathlib.Path(__file__).resolve().parents[2]
MAIL_DIR = "/tmp/blankett-mail"

ORGS = [("falu-kommun", "Falu kommun", "falun.test"), ("mora-kommun", "Mora kommun", "mora.test"),
        ("ludvika-kommun", "Ludvika kommun", "ludvika.test"), ("avesta-kommun", "Avesta kommun", "avesta.test"),
        ("borlange-kommun", "Borlänge kommun", "borlange.test"), ("orsa-kommun", "Orsa kommun", "orsa.test"),
        ("leksands-kommun", "Leksands kommun", "leksand.test"), ("hedemora-kommun", "Hedemora kommun", "hedemora.test"),
        ("vansbro-kommun", "Vansbro kommun", "vansbro.test"), ("saters-kommun", "Säters kommun", "sater.test"),
        ("polismyndigheten", "Polismyndigheten", "polisen.test"), ("kriminalvarden", "Kriminalvården", "kriminalvarden.test")]


def env():
    subprocess.run([str(ROOT / "scripts/mailserver/start.sh"), MAIL_DIR], check=True, stdout=subprocess.DEVNULL)
    values = {}
    for line in open(f"{MAIL_DIR}/env"):
        if "=" in line:
            k, v = line.strip().replace("export ", "").split("=", 1)
            values[k] = v.strip("'\"")
    return values


def form(tag, org, version):
    oid, name, domain = org
    sender = f"k9-{tag}-{oid}-{version}@{domain}"
    m = EmailMessage()
    m["From"] = sender
    m["To"] = BOT
    m["Subject"] = f"Blankett {name}"
    m["Message-ID"] = f"<k9-{tag}-{oid}-{version}@{domain}>"
    m.set_content(
        f"Organisation: {name}\nRepresentant: Rep {oid}\nMejladress: rep-{tag}-{oid}@{domain}\n"
        f"Ersättare: Sub {version} {oid}\nMejladress: sub{version}-{tag}-{oid}@{domain}\n"
        "Interna kontaktvägar där representanten kan delge och inhämta information:\nAPT\n"
        "Underskrift av ansvarig chef/er för representanter\nNamn: Chef Chefsson\nTitel: Chef\n"
        f"Mejl/telefon: chef@{domain}\nDatum: 2026-11-2{version}\n\nMed vänlig hälsning\n")
    return sender, m


def inbox_count(e, user):
    try:
        imap = imaplib.IMAP4("127.0.0.1", int(e["MAIL_IMAP_PORT"]))
        imap.login(user, e["MAIL_PASSWORD"])
        typ, data = imap.select("INBOX", readonly=True)
        imap.logout()
        return int(data[0])
    except imaplib.IMAP4.error:
        return 0


def main():
    global BOT
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--binary", default=str(ROOT / "target/debug/blankett"))
    args = ap.parse_args()
    e = env()
    tag = f"{os.getpid()}"
    BOT = f"k9-bot-{tag}@lansstyrelsen.test"
    work = pathlib.Path(f"/tmp/blankett-kill9-{tag}")
    work.mkdir(parents=True, exist_ok=True)
    config = work / "blankett.toml"
    config.write_text(f"""
[imap]
host = "127.0.0.1"
port = {e['MAIL_IMAP_PORT']}
security = "none"
username = "{BOT}"
password = "{e['MAIL_PASSWORD']}"
poll_interval = "1s"
[smtp]
host = "127.0.0.1"
port = {e['MAIL_SMTP_PORT']}
security = "none"
from = "Länsgruppen MVK <{BOT}>"
[strategist]
address = "{BOT}"
[database]
path = "{work}/blankett.sqlite"
[answers]
max_per_recipient_per_day = 1000
notify_registered = false
notify_replaced = false
strategist_changes = "digest"
""")
    smtp = smtplib.SMTP("127.0.0.1", int(e["MAIL_SMTP_PORT"]))
    setup = EmailMessage()
    setup["From"], setup["To"], setup["Subject"] = "setup@x.test", BOT, "setup"
    setup.set_content("hej")
    smtp.send_message(setup)
    time.sleep(0.5)
    # First start on the (almost) empty mailbox, so the backlog counts as new.
    subprocess.run([args.binary, "--config", str(config), "once"], check=True, capture_output=True)
    pending = [form(tag, org, v) for v in (1, 2) for org in ORGS]
    senders = [s for s, _ in pending]
    random.seed(int(tag))
    half = len(pending) // 2
    for _, m in pending[:half]:
        smtp.send_message(m)
    log = open(work / "daemon.log", "w")
    rng = random.Random(42)
    for run in range(args.runs):
        if run == args.runs // 3:
            for _, m in pending[half:]:
                smtp.send_message(m)
        daemon = subprocess.Popen([args.binary, "--config", str(config), "run"], stdout=log, stderr=log)
        time.sleep(rng.uniform(0.05, 1.5))
        daemon.send_signal(signal.SIGKILL)
        daemon.wait()
    smtp.quit()
    time.sleep(1.0)
    for _ in range(3):
        subprocess.run([args.binary, "--config", str(config), "once"], check=True, capture_output=True)
    db = sqlite3.connect(f"file:{work}/blankett.sqlite?mode=ro", uri=True)
    registrations = db.execute("SELECT organisation_key, fields FROM registrations").fetchall()
    history = db.execute("SELECT organisation_key, COUNT(*) FROM history GROUP BY organisation_key").fetchall()
    problems = []
    if len(registrations) != len(ORGS):
        problems.append(f"{len(registrations)} registrations, expected {len(ORGS)}")
    for key, fields in registrations:
        if not json.loads(fields).get("substitute_name", "").startswith("Sub 2"):
            problems.append(f"{key}: not the newest form")
    for key, n in history:
        if n != 2:
            problems.append(f"{key}: {n} history entries, expected 2")
    time.sleep(1.0)
    answered = {s: inbox_count(e, s) for s in senders}
    lost = [s for s, n in answered.items() if n == 0]
    doubled = [s for s, n in answered.items() if n > 1]
    print(f"runs: {args.runs}, forms: {len(senders)}, killed daemons: {args.runs}")
    print(f"roster: {len(registrations)} organisations; history entries: {sum(n for _, n in history)}")
    print(f"answers lost: {len(lost)}; senders answered more than once: {len(doubled)}")
    for p in problems + [f"no answer to {s}" for s in lost]:
        print("PROBLEM:", p)
    sys.exit(1 if problems or lost else 0)


if __name__ == "__main__":
    main()
