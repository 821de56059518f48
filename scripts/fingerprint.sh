#!/usr/bin/env bash
# Prints a short hash of everything a trained model is built from: config, domain, training data, the
# knowledge base (cue lexicon), the tokenizer and cue-matcher code and the pinned dependencies. Code
# that only runs at inference (scoring, share parsing) is loaded from the source tree, not the model.
set -euo pipefail
cd "$(dirname "$0")/.."
{
  find config.yml domain.yml requirements.lock data/nlu data/stories data/rules knowledge components \
       keqing/text.py keqing/tokenize.py keqing/lexicon.py keqing/cues.py keqing/classifier.py keqing/resources \
       -type f \( -name '*.yml' -o -name '*.py' -o -name '*.txt' -o -name '*.lock' \) \
       -not -path '*/__pycache__/*' 2>/dev/null | LC_ALL=C sort
} | while read -r f; do printf '%s\n' "$f"; cat "$f"; done | sha256sum | cut -c1-12
