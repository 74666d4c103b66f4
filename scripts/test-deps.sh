#!/usr/bin/env bash
# What the test suite needs from the system: Debian's Chromium and CJK fonts (the web page test).
# Installs them with apt when missing and running as root; otherwise prints the command and fails.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "noto sans cjk" || dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
  exit 0
fi
echo "The tests need ${missing[*]}: run \`sudo apt-get update && sudo apt-get install -y ${missing[*]}\` (or \`make test-fast\`, which needs neither)." >&2
exit 1
