"""A stand-in embedding server for benchmarks: OpenAI `POST /v1/embeddings`, answered at once with hashed vectors.

Each text becomes a signed hash of its character bigrams folded into `--dimension` buckets (numpy, no model),
so identical texts get identical vectors and texts sharing words are close. It exists so that the scale
benchmark can index and query thousands of documents without waiting for a real model: its retrieval quality
means nothing, its latency is near zero. Never use it for answers.

Run:

    python bench/standin_embeddings.py --port 8081 [--dimension 384]
"""

from __future__ import annotations

import argparse
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np

__all__ = ["hashed_vectors", "serve"]

_MULT = np.uint64(1_000_003)
_MIX = np.uint64(0x9E3779B97F4A7C15)


def hashed_vectors(texts: list[str], dimension: int) -> np.ndarray:
    """(len(texts), dimension) float32 vectors of signed character-bigram hashes, L2-normalised."""
    out = np.zeros((len(texts), dimension), dtype=np.float32)
    for row, text in enumerate(texts):
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        if len(codes) < 2:
            codes = np.concatenate([codes, np.zeros(2 - len(codes), dtype=np.uint64)])
        with np.errstate(over="ignore"):
            keys = (codes[:-1] * _MULT + codes[1:]) * _MIX
        buckets = (keys >> np.uint64(20)) % np.uint64(dimension)
        signs = np.where((keys >> np.uint64(7)) & np.uint64(1), 1.0, -1.0)
        out[row] = np.bincount(buckets.astype(np.int64), weights=signs, minlength=dimension)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms == 0, 1.0, norms)


def _handler(dimension: int) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: the embedder's client reuses its connections

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = json.loads(self.rfile.read(int(self.headers.get("content-length", "0"))))
            texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
            vectors = hashed_vectors(texts, dimension)
            data = [{"object": "embedding", "index": i, "embedding": v.tolist()} for i, v in enumerate(vectors)]
            payload = json.dumps({"object": "list", "data": data, "model": body.get("model", "")}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (quiet: one line per batch is noise)
            return

    return Handler


def serve(port: int, dimension: int) -> None:
    """Serve until killed."""
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(dimension))
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dimension", type=int, default=384)
    args = parser.parse_args()
    serve(args.port, args.dimension)
