#!/usr/bin/env bash
# Installs the Debian packages Charter needs (WeasyPrint's libraries, fonts, pdftotext for the
# PDF tests, Chromium for the browser tests, xmlsec1 for SAML signatures, a Java runtime for
# the Nu Html Checker, HAProxy and PgBouncer for `make bench-cluster`) when they are missing.
# Needs root or sudo.
set -euo pipefail
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils chromium xmlsec1 default-jre-headless haproxy pgbouncer)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "Missing system packages: ${missing[*]} (install them as root)" >&2; exit 0
  fi
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 || {
  $SUDO apt-get update -q >/dev/null
  $SUDO apt-get install -y -q "${missing[@]}" >/dev/null
}
