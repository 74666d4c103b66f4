"""The HTTP layer: schemas, dependencies, error mapping and routes."""
