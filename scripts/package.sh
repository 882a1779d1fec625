#!/usr/bin/env bash
# Builds the Debian package target/debian/blankett_<version>_<arch>.deb with
# cargo-deb (installed when missing, at the version the README names) and
# prints its path on the last line. Extra arguments go to `cargo deb`, e.g.
# `--profile dev` for a quick package in the tests (release is the default).
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO_DEB_VERSION=3.8.0
if ! command -v cargo-deb >/dev/null 2>&1; then
  cargo install cargo-deb --locked --version "$CARGO_DEB_VERSION"
fi
# cargo-deb prints the package's path (under CARGO_TARGET_DIR when set) last.
deb=$(cargo deb "$@" | tail -n 1)
[ -f "$deb" ] || { echo "package.sh: cargo deb made no package" >&2; exit 1; }
echo "$deb"
