#!/usr/bin/env bash
# Debian packages the test suite needs: PostgreSQL, Chromium with CJK and Mongolian fonts for
# the browser tests, gettext for the translation checks, Pango for WeasyPrint. Installs only
# what is missing.
set -euo pipefail
need=()
command -v pg_ctlcluster >/dev/null || need+=(postgresql)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -d /usr/share/fonts/opentype/noto ] || need+=(fonts-noto-cjk)
[ -d /usr/share/fonts/truetype/noto ] || need+=(fonts-noto-core)
command -v msgfmt >/dev/null || need+=(gettext)
# WeasyPrint (the monthly report as PDF) draws text with Pango; poppler-utils turns a page of
# the PDF into a PNG in the report tests.
compgen -G "/usr/lib/*/libpango-1.0.so.0" >/dev/null || need+=(libpango-1.0-0)
compgen -G "/usr/lib/*/libpangoft2-1.0.so.0" >/dev/null || need+=(libpangoft2-1.0-0)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  echo "Installing Debian packages: ${need[*]}"
  $SUDO apt-get update -q -o DPkg::Lock::Timeout=300
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q -o DPkg::Lock::Timeout=300 "${need[@]}"
fi
