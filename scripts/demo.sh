#!/usr/bin/env bash
# Set up dicmodel and convert the bundled example PDF to Markdown, offline, with the default
# (structural) describer. Usage: bash scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh core
.venv/bin/dicmodel convert examples/ict_example.pdf -o out --format md,json,jsonl --images --overwrite
echo
echo "Markdown: $(pwd)/out/ict_example.md"
echo "JSON:     $(pwd)/out/ict_example.json   chunks: $(pwd)/out/ict_example.chunks.jsonl"
