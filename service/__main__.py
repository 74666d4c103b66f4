"""`python -m service`: serve the API with uvicorn on $HOST:$PORT (default 127.0.0.1:8000), $WORKERS processes."""

from __future__ import annotations

import logging
import os

import uvicorn

__all__ = ["main"]


def main() -> None:
    """Run the server; WORKERS > 1 starts that many processes sharing the port (and the index, read-only)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    workers = int(os.environ.get("WORKERS", "1"))
    if workers > 1:  # each worker imports and builds its own app, so uvicorn needs the factory's import path
        # glibc gives each request thread its own malloc arena (up to 8 per core), and the freed memory each keeps
        # adds up per worker: two arenas cut a 136k-chunk worker by ~100 MiB (README, Memory). Workers are new
        # processes, so the variable reaches their allocator; an explicit value is kept.
        os.environ.setdefault("MALLOC_ARENA_MAX", "2")
        uvicorn.run("service.main:create_served_app", factory=True, host=host, port=port, workers=workers,
                    log_level="info")
    else:
        # Imported here: with several workers this process only supervises them, and the app's libraries (the
        # index, the tokenizers, the embedder) would cost it ~150 MiB for nothing.
        from service.main import create_app

        uvicorn.run(create_app(background=True), host=host, port=port, log_level="info")


if __name__ == "__main__":
    main()
