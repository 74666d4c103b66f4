"""Retrieval: query analysis, hybrid search, fusion, filters and reranking."""
