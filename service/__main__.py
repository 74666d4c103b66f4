"""`python -m service`: serve the API with uvicorn on $HOST:$PORT (default 127.0.0.1:8000)."""

from __future__ import annotations

import logging
import os

import uvicorn

from service.main import create_app


def main() -> None:
    """Run the server."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    uvicorn.run(create_app(background=True), host=host, port=port, log_level="info")


if __name__ == "__main__":
    main()
