"""What a context vector costs and buys (issue 20 item 4): `depeche eval --json` with each
sentence's context vector made from stored vectors — the sentence's own plus ALPHA times the
previous sentence's, normalised — instead of the encoded "previous sentence + sentence" text, so
a rebuild would encode no context texts. Answers only: retrieval is unchanged.

    DEPECHE_DATA_DIR=DIR DEPECHE_EMBEDDING__THREADS=2 .venv/bin/python benchmarks/context_mix.py --alpha 0.5 > mix.json

Compare with `depeche eval --json` on the same data dir (BENCHMARKS.md §12 has the figures: the
mix loses a question in several categories, so it is not what answers use).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path[:0] = [str(Path(__file__).resolve().parents[1])]

import index.sentences as sentences  # noqa: E402


def mixed(alpha: float):
    """`SentenceLookup.vectors` with context vectors mixed from stored sentence vectors."""
    stored = sentences.SentenceLookup.vectors

    def vectors(self, pairs):
        plain, _ = stored(self, [("", text) for _, text in pairs])
        context = plain.copy()
        before = [(i, prev) for i, (prev, _) in enumerate(pairs) if prev]
        if before:
            previous, _ = stored(self, [("", prev) for _, prev in before])
            for row, (i, _) in enumerate(before):
                mix = plain[i] + alpha * previous[row]
                context[i] = mix / (np.linalg.norm(mix) or 1.0)
        return plain, context

    return vectors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alpha", type=float, default=0.5, help="weight of the previous sentence's vector")
    args = parser.parse_args()
    sentences.SentenceLookup.vectors = mixed(args.alpha)
    from bot.cli import main as depeche

    return depeche(["eval", "--json"])


if __name__ == "__main__":
    sys.exit(main())
