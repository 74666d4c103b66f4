"""Retrieval, answering and the HTTP service on top of the `ingest` index."""
