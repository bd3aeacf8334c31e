#!/usr/bin/env bash
# Install what tei-pipeline needs on Debian/Ubuntu: Tesseract and fonts from Debian's packages,
# the package and its Python dependencies from PyPI into .venv. Safe to run again.
#   scripts/setup.sh        the pipeline
#   scripts/setup.sh test   the pipeline and what the tests need
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(tesseract-ocr tesseract-ocr-eng tesseract-ocr-osd fonts-courier-prime fonts-freefont-ttf fonts-dejavu-core)
# The tests also load a batch into a real XML database, Debian's BaseX, and drive the review
# page in a real browser, Debian's Chromium with its WebDriver.
[ "${1:-}" = "test" ] && packages+=(basex chromium chromium-driver)
python=${PYTHON:-python3}
# Debian's own Python needs its venv module packaged separately.
if ! "$python" -c "import venv, ensurepip" >/dev/null 2>&1; then packages+=(python3-venv); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
extra=""
[ "${1:-}" = "test" ] && extra="[test]"
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extra}"
# Compiled once here, as pip compiles a regular install: an editable install is compiled at
# each start where Python may not write its cache (PYTHONDONTWRITEBYTECODE, common in
# containers), some 50 ms of every run. A changed source is compiled afresh, never misread.
.venv/bin/python -m compileall -q pipeline >/dev/null
echo "setup: done ($(.venv/bin/tei-pipeline --version), $(tesseract --version 2>&1 | head -1))" >&2
