#!/usr/bin/env bash
# The Debian package, as an administrator meets it: builds it with
# scripts/package.sh (arguments go to `cargo deb`; .ci/run passes
# `--profile dev` to reuse the test build), installs it with apt-get on this
# machine, checks what the README promises, then removes and purges it.
# Needs root; changes /etc/blankett and /var/lib/blankett, so it refuses to
# run where blankett is already installed unless BLANKETT_PACKAGE_TEST=1.
set -euo pipefail
cd "$(dirname "$0")/../.."
passed=0
fail() { echo -e "package check: FAILED: $*" >&2; exit 1; }
ok() { passed=$((passed + 1)); echo "package check: ok: $*"; }
[ "$(id -u)" -eq 0 ] || fail "run as root (it installs the package)"
if dpkg -s blankett >/dev/null 2>&1 && [ "${BLANKETT_PACKAGE_TEST:-}" != 1 ]; then
  fail "blankett is installed here already; set BLANKETT_PACKAGE_TEST=1 to let the test replace it"
fi
deb=$(scripts/package.sh "$@" | tail -n 1)
[ -f "$deb" ] || fail "scripts/package.sh made no package"
# apt-get takes a file only as a path with a slash.
case "$deb" in /*) ;; *) deb="./$deb" ;; esac
ok "built $deb"
dpkg-deb -f "$deb" Depends | grep -q adduser || fail "the package does not depend on adduser"
dpkg-deb -f "$deb" Recommends | grep -q tesseract-ocr-swe || fail "the package does not recommend Tesseract (swe)"
ok "depends and recommends: $(dpkg-deb -f "$deb" Depends); $(dpkg-deb -f "$deb" Recommends)"

export DEBIAN_FRONTEND=noninteractive
apt-get purge -y -qq blankett >/dev/null 2>&1 || true
rm -rf /etc/blankett /var/lib/blankett
apt-get install -y -qq "$deb" >/dev/null || fail "apt-get install $deb failed"
ok "installed with apt-get install $deb"

getent passwd blankett >/dev/null || fail "no blankett system user"
[ "$(getent passwd blankett | cut -d: -f3)" -lt 1000 ] || fail "the blankett user is not a system user"
ok "system user blankett"
mode() { stat -c '%U:%G %a' "$1"; }
[ "$(mode /etc/blankett)" = "root:blankett 750" ] || fail "/etc/blankett is $(mode /etc/blankett), want root:blankett 750"
[ "$(mode /etc/blankett/blankett.toml)" = "root:blankett 640" ] || fail "blankett.toml is $(mode /etc/blankett/blankett.toml), want root:blankett 640"
[ -f /etc/blankett/organisations.toml ] || fail "no organisation list in /etc/blankett"
[ -f /etc/blankett/templates/confirmation.txt ] || fail "no templates in /etc/blankett/templates"
grep -q '^\[trust\]' /etc/blankett/blankett.toml || fail "the configuration is not the commented example"
if ls /etc/blankett/*password* >/dev/null 2>&1; then fail "a password file was created"; fi
[ "$(mode /var/lib/blankett)" = "blankett:blankett 700" ] || fail "/var/lib/blankett is $(mode /var/lib/blankett), want blankett:blankett 700"
ok "/etc/blankett (750, config 640, no password file) and /var/lib/blankett (700)"

unit=$(dpkg -L blankett | grep '/blankett.service$' | head -n 1)
[ -n "$unit" ] || fail "no systemd unit in the package"
systemd-analyze verify "$unit" || fail "systemd-analyze verify $unit"
ok "systemd-analyze verify $unit"
blankett --version | grep -q '^blankett ' || fail "blankett --version"
ok "$(blankett --version)"
set +e
doctor=$(blankett --config /etc/blankett/blankett.toml doctor 2>&1)
code=$?
set -e
[ "$code" -eq 1 ] || fail "doctor on the unedited configuration exited $code, want 1:\n$doctor"
echo "$doctor" | grep -q 'FAIL  imap password.*does not exist' || fail "doctor does not say which password file to write:\n$doctor"
echo "$doctor" | grep -q 'fix the FAIL lines above' || fail "doctor does not end with what to do:\n$doctor"
ok "doctor fails cleanly on the unedited configuration, naming what to edit"

# A database as the service would have written it.
install -o blankett -g blankett -m 600 /dev/null /var/lib/blankett/blankett.sqlite
apt-get remove -y -qq blankett >/dev/null || fail "apt-get remove"
[ -f /etc/blankett/blankett.toml ] || fail "remove deleted the configuration"
[ -f /var/lib/blankett/blankett.sqlite ] || fail "remove deleted the database"
ok "remove keeps /etc/blankett and the database"
apt-get install -y -qq "$deb" >/dev/null || fail "reinstall"
[ "$(mode /etc/blankett/blankett.toml)" = "root:blankett 640" ] || fail "reinstall changed the configuration's mode"
apt-get purge -y -qq blankett >/dev/null || fail "apt-get purge"
[ ! -e /etc/blankett ] || fail "purge kept /etc/blankett"
[ -f /var/lib/blankett/blankett.sqlite ] || fail "purge deleted the database"
ok "purge removes the configuration, never the database"
rm -rf /var/lib/blankett
echo "package check: all $passed checks passed"
