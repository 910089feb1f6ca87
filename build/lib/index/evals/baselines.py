"""LlamaIndex's stock retrievers, run over the same Chroma collection and chunks as the pipeline."""

from __future__ import annotations

from collections.abc import Callable

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from index.embeddings import Embedder

RANK_DEPTH = 10  # articles are ranked from this many retrieved passages (MRR@10, nDCG@10)


class LlamaIndexEmbedding(BaseEmbedding):
    """Our loaded model behind LlamaIndex's embedding interface (for its stock retrievers)."""

    _embedder: Embedder = PrivateAttr()

    def __init__(self, embedder: Embedder) -> None:
        super().__init__(model_name=embedder.name, embed_batch_size=embedder.batch_size)
        self._embedder = embedder

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embedder.encode_query(query).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embedder.encode_passages([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embedder.encode_passages(texts).tolist()


def llamaindex_baselines(engine, loaded) -> dict[str, Callable[[str], list]]:
    """LlamaIndex's stock retrievers over the same Chroma collection and the same chunk texts."""
    from llama_index.core import VectorStoreIndex
    from llama_index.core.llms import MockLLM
    from llama_index.core.retrievers import QueryFusionRetriever
    from llama_index.retrievers.bm25 import BM25Retriever
    from llama_index.vector_stores.chroma import ChromaVectorStore

    store = ChromaVectorStore(chroma_collection=loaded.retriever.store.collection)
    index = VectorStoreIndex.from_vector_store(store, embed_model=LlamaIndexEmbedding(engine.embedder))
    vector = index.as_retriever(similarity_top_k=RANK_DEPTH)
    # The nodes as the vector store returns them, so fusion sees one node (one hash) per chunk.
    nodes = [node for node in store.get_nodes(None) if node.node_id in loaded.snapshot.chunks]
    bm25 = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=RANK_DEPTH)
    # num_queries=1 generates no extra query, so the LLM is never called; MockLLM keeps the
    # retriever from resolving the global Settings.llm (OpenAI) at construction.
    fusion = QueryFusionRetriever(
        [vector, bm25],
        llm=MockLLM(),
        mode="reciprocal_rerank",
        num_queries=1,
        similarity_top_k=RANK_DEPTH,
        use_async=False,
    )
    return {"llamaindex-vector": vector.retrieve, "llamaindex-fusion": fusion.retrieve}
