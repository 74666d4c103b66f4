"""Corpus model and index: loading, parsing documents into measures, embedding and storing them."""
