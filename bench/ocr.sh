#!/usr/bin/env bash
# OCR seconds per page: `blankett parse` (release build) on the one-page scans
# of the fixtures, three runs each, mean wall time. Needs tesseract-ocr-swe and
# poppler-utils (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/blankett
[ -x "$bin" ] || cargo build --release
# One-page scans, then phone photos sent inline, turned by EXIF, and scans
# fed in sideways or upside down (read a second time with orientation
# detection), whichever fixtures are there.
for file in tests/fixtures/p13-scan-image-pdf.eml tests/fixtures/f05-png-phone-photo-ocr.eml \
  tests/fixtures/f08-heic-iphone-photo-ocr.eml tests/fixtures/g0[1-9]-*.eml; do
  case=$(basename "$file" .eml)
  [ -f "$file" ] || continue
  start=$(date +%s.%N)
  for _ in 1 2 3; do "$bin" parse "$file" >/dev/null; done
  end=$(date +%s.%N)
  echo "$case: $(echo "($end - $start) / 3" | bc -l | cut -c1-5) s per page (mean of 3)"
done
