#!/usr/bin/env bash
# Prints a short hash of everything a trained model is built from: config, domain, training data, the
# knowledge base (cue lexicon), the pinned dependencies, the components and every core module they train
# with (text normalisation, tokenisation and names, the NLU package, the compliance package, the taxonomy,
# the jieba dictionaries). A change to any of them means a new model.
set -euo pipefail
cd "$(dirname "$0")/.."
{
  find config.yml domain.yml requirements.lock data knowledge components \
       keqing/taxonomy.py keqing/settings.py keqing/text keqing/nlu keqing/compliance keqing/resources \
       -type f \( -name '*.yml' -o -name '*.py' -o -name '*.txt' -o -name '*.lock' \) \
       -not -path '*/__pycache__/*' 2>/dev/null | LC_ALL=C sort
} | while read -r f; do printf '%s\n' "$f"; cat "$f"; done | sha256sum | cut -c1-12
