#!/usr/bin/env bash
# Set up everything the tests need and run them. Usage: bash scripts/test.sh [pytest args]
# By default slow tests run too; pass -m "not slow" for the quick loop.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
.venv/bin/python -m pytest "$@"
