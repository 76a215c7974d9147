#!/usr/bin/env bash
# Debian packages the portal needs: Pango (WeasyPrint's PDFs) and CJK fonts so Chinese renders in
# pages and PDFs; with --browser also chromium for the browser tests. Installed with apt-get when missing.
set -euo pipefail
needed=()
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
have libpango-1.0-0 || needed+=(libpango-1.0-0)
have libpangoft2-1.0-0 || needed+=(libpangoft2-1.0-0)
have fonts-noto-cjk || needed+=(fonts-noto-cjk)
if [ "${1:-}" = "--browser" ]; then
  [ -x /usr/bin/chromium ] || needed+=(chromium)
fi
[ ${#needed[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${needed[*]}"
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
  echo "Please install these Debian packages as root: ${needed[*]}" >&2; exit 1
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null
