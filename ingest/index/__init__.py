"""The index: the store (vectors, chunk metadata, document registry), the lexical index and the embedders."""
