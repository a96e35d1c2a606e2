#!/usr/bin/env bash
# Debian packages the tests need beyond Python: poppler (pdfsig, pdfdetach, pdftotext),
# NSS tools (certutil, to trust the demo CA in pdfsig) and Chromium (browser tests).
# Installs only what is missing; needs root or sudo.
set -euo pipefail
need=()
command -v pdfsig >/dev/null || need+=(poppler-utils)
command -v certutil >/dev/null || need+=(libnss3-tools)
command -v chromium >/dev/null || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${need[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
