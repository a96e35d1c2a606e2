#!/usr/bin/env bash
# Debian packages the tests need beyond Python: poppler (pdfsig, pdfdetach, pdftotext),
# NSS tools (certutil, to trust the demo CA in pdfsig), Chromium (browser tests),
# HarfBuzz's subsetter (WeasyPrint) and the fonts the statement PDF embeds.
# Installs only what is missing; needs root or sudo. `sysdeps.sh run` installs only what the
# product itself needs to render statements (fonts, HarfBuzz), not the test tools.
set -euo pipefail
need=()
if [ "${1:-test}" != "run" ]; then
  command -v pdfsig >/dev/null || need+=(poppler-utils)
  command -v certutil >/dev/null || need+=(libnss3-tools)
  command -v chromium >/dev/null || need+=(chromium)
fi
# WeasyPrint subsets embedded fonts with HarfBuzz (it warns, and the tests fail, without it).
ldconfig -p | grep -q libharfbuzz-subset || need+=(libharfbuzz-subset0)
# The statement PDF embeds its fonts (PDF/A): Latin text in Liberation Sans / DejaVu, the
# Simplified Chinese labels and the signature block in Noto Sans CJK SC.
families=$(fc-list : family 2>/dev/null || true)  # read once: grep -q in a pipe trips pipefail
grep -q "Liberation Sans" <<<"$families" || need+=(fonts-liberation)
grep -q "DejaVu Sans Mono" <<<"$families" || need+=(fonts-dejavu-core)
[ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || need+=(fonts-noto-cjk)
[ ${#need[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${need[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
