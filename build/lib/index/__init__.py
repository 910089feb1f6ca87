"""The Dépêche core: articles, chunks, the store, retrieval, answers and evals. Knows nothing of Telegram."""
