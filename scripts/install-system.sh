#!/usr/bin/env bash
# Debian packages the test suite needs: PostgreSQL, Chromium with CJK and Mongolian fonts for
# the browser tests, gettext for the translation checks. Installs only what is missing.
set -euo pipefail
need=()
command -v pg_ctlcluster >/dev/null || need+=(postgresql)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -d /usr/share/fonts/opentype/noto ] || need+=(fonts-noto-cjk)
[ -d /usr/share/fonts/truetype/noto ] || need+=(fonts-noto-core)
command -v msgfmt >/dev/null || need+=(gettext)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  echo "Installing Debian packages: ${need[*]}"
  $SUDO apt-get update -q -o DPkg::Lock::Timeout=300
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q -o DPkg::Lock::Timeout=300 "${need[@]}"
fi
