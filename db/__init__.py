"""PostgreSQL access: models, engine and session factory, query helpers."""
