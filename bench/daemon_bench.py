#!/usr/bin/env python3
"""Daemon benchmark against the local Dovecot + Postfix (scripts/mailserver).

Measures, with the release build of blankett:
  1. latency: SMTP delivery of a form -> blankett's answer in the sender's
     INBOX, with `blankett run` idling (IDLE), over 50 forms (median, p95);
  2. backlog: 1,000 mixed messages (forms, incomplete forms, questions,
     auto-replies) delivered while blankett is stopped, then handled and
     answered by `blankett run` (seconds until the last answer is sent);
  3. memory: the daemon's resident set idle and its peak under the backlog.

Usage: bench/daemon_bench.py [--forms 50] [--backlog 1000]
Run from the project folder after `cargo build --release`.
"""
import argparse, imaplib, os, pathlib, signal, smtplib, sqlite3, statistics, subprocess, sys, time
from email.message import EmailMessage

ROOT = pathlib.Path(__file__).resolve().parent.parent
MAIL_DIR = "/tmp/blankett-mail"  # the same server the tests use
FIXTURES = ROOT / "tests" / "fixtures"


def env():
    subprocess.run([str(ROOT / "scripts/mailserver/start.sh"), MAIL_DIR], check=True,
                   stdout=subprocess.DEVNULL)
    values = {}
    for line in open(f"{MAIL_DIR}/env"):
        if "=" in line:
            k, v = line.strip().replace("export ", "").split("=", 1)
            values[k] = v.strip("'\"")
    return values


def form(sender, n, complete=True):
    m = EmailMessage()
    m["From"] = sender
    m["To"] = BOT
    m["Subject"] = f"Blankett {n}"
    m["Message-ID"] = f"<bench-{n}-{time.time_ns()}@bench.test>"
    body = ("Organisation: Mora kommun\nRepresentant: Anna Berg\nMejladress: anna.berg@mora.test\n"
            "Ersättare: Erik Lind\nMejladress: erik.lind@mora.test\n"
            "Interna kontaktvägar där representanten kan delge och inhämta information:\nAPT\n"
            "Underskrift av ansvarig chef/er för representanter\nNamn: Karin Ek\nTitel: Socialchef\n"
            "Mejl/telefon: karin.ek@mora.test\n")
    body += "Datum: 2026-11-28\n" if complete else ""
    m.set_content(body + "\nMed vänlig hälsning\nAnna\n")
    return m


def other(sender, n, kind):
    m = EmailMessage()
    m["From"] = sender
    m["To"] = BOT
    m["Message-ID"] = f"<bench-o{n}-{time.time_ns()}@bench.test>"
    if kind == "auto":
        m["Subject"] = "Automatiskt svar: Blankett"
        m["Auto-Submitted"] = "auto-replied"
        m.set_content("Jag är ledig.")
    else:
        m["Subject"] = "Nästa möte?"
        m.set_content("Hej! När är nästa möte i länsgruppen?\n")
    return m


def count(e, user):
    imap = imaplib.IMAP4("127.0.0.1", int(e["MAIL_IMAP_PORT"]))
    imap.login(user, e["MAIL_PASSWORD"])
    typ, data = imap.select("INBOX", readonly=True)
    n = int(data[0])
    imap.logout()
    return n


def rss(pid, key):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(key):
            return int(line.split()[1]) / 1024
    return 0.0


def start_daemon(config, log):
    return subprocess.Popen([str(ROOT / "target/release/blankett"), "--config", str(config), "run"],
                            stdout=log, stderr=log)


def main():
    global BOT
    ap = argparse.ArgumentParser()
    ap.add_argument("--forms", type=int, default=50)
    ap.add_argument("--backlog", type=int, default=1000)
    args = ap.parse_args()
    e = env()
    tag = str(os.getpid())
    BOT = f"bench-bot-{tag}@lansstyrelsen.test"
    work = pathlib.Path(f"/tmp/blankett-bench-{tag}")
    work.mkdir(parents=True, exist_ok=True)
    config = work / "blankett.toml"
    config.write_text(f"""
[imap]
host = "127.0.0.1"
port = {e['MAIL_IMAP_PORT']}
security = "none"
username = "{BOT}"
password = "{e['MAIL_PASSWORD']}"
poll_interval = "60s"

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
max_per_recipient_per_day = 100000
""")
    log = open(work / "daemon.log", "w")
    smtp = smtplib.SMTP("127.0.0.1", int(e["MAIL_SMTP_PORT"]))
    # Make the bot's mailbox exist before the first start.
    smtp.send_message(other("setup@bench.test", 0, "question"))
    time.sleep(0.5)
    daemon = start_daemon(config, log)
    time.sleep(2.0)
    idle_rss = rss(daemon.pid, "VmRSS")

    # 1. Latency.
    latencies = []
    for i in range(args.forms):
        sender = f"bench-lat-{tag}-{i}@mora.test"
        smtp.send_message(form(sender, i))
        t0 = time.monotonic()
        while True:
            try:
                if count(e, sender) > 0:
                    break
            except imaplib.IMAP4.error:
                pass
            if time.monotonic() - t0 > 30:
                print(f"no answer for form {i} within 30 s", file=sys.stderr)
                break
            time.sleep(0.02)
        latencies.append(time.monotonic() - t0)
    latencies.sort()
    p95 = latencies[max(0, int(round(0.95 * len(latencies))) - 1)]
    print(f"latency over {len(latencies)} forms: median {statistics.median(latencies):.3f} s, "
          f"p95 {p95:.3f} s (SMTP delivery -> answer in the sender's INBOX, with IDLE)")
    print(f"daemon memory idle: {idle_rss:.1f} MB resident")

    # 2. Backlog while stopped.
    daemon.send_signal(signal.SIGTERM)
    daemon.wait(timeout=30)
    senders = set()
    for i in range(args.backlog):
        kind = i % 4
        sender = f"bench-bl-{tag}-{i % 200}@mora.test"
        if kind == 0:
            m = form(sender, 10000 + i)
            senders.add(sender)
        elif kind == 1:
            m = form(sender, 10000 + i, complete=False)
            senders.add(sender)
        elif kind == 2:
            m = other(sender, i, "question")
        else:
            m = other(sender, i, "auto")
        smtp.send_message(m)
    smtp.quit()
    expected = sum(1 for i in range(args.backlog) if i % 4 in (0, 1))
    # Wait until all are delivered.
    t0 = time.monotonic()
    while count(e, BOT) < args.backlog + 1 and time.monotonic() - t0 < 120:
        time.sleep(0.2)
    start = time.monotonic()
    daemon = start_daemon(config, log)
    peak = 0.0
    db = work / "blankett.sqlite"
    while True:
        peak = max(peak, rss(daemon.pid, "VmRSS"))
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
                done = conn.execute("SELECT COUNT(*) FROM outbox WHERE state='sent'").fetchone()[0]
        except sqlite3.Error:
            done = 0
        sent = done - args.forms
        if sent >= expected or time.monotonic() - start > 600:
            break
        time.sleep(0.1)
    took = time.monotonic() - start
    peak = max(peak, rss(daemon.pid, "VmHWM"))
    print(f"backlog of {args.backlog} mixed messages ({expected} forms): all answered in {took:.1f} s")
    print(f"daemon memory under the backlog: peak {peak:.1f} MB resident")
    daemon.send_signal(signal.SIGTERM)
    daemon.wait(timeout=60)


if __name__ == "__main__":
    main()
