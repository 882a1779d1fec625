#!/usr/bin/env bash
# Installs what blankett needs on a fresh Debian machine besides Rust:
# Tesseract with Swedish and English (OCR of scanned forms), poppler-utils
# (pdftoppm, to turn scanned PDF pages into images), libheif-examples
# (heif-convert, for HEIC photos), and for the tests a local Dovecot and
# Postfix (scripts/mailserver/install.sh), headless Chromium (the test
# that opens every answer and the digest at phone and desktop width) and
# systemd's tools (the package test verifies the installed unit).
# Safe to run again.
set -euo pipefail

packages=(tesseract-ocr tesseract-ocr-swe tesseract-ocr-eng poppler-utils libheif-examples chromium fonts-dejavu-core systemd)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# The integration tests run a real Dovecot and Postfix on loopback.
if [ "$(id -u)" -eq 0 ]; then
  bash "$(dirname "$0")/mailserver/install.sh"
else
  sudo bash "$(dirname "$0")/mailserver/install.sh"
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo not found: install Rust 1.95 or newer (https://rustup.rs), then run this again" >&2
  exit 1
fi
echo "setup: OCR tools, the test mail server and Rust are ready"
