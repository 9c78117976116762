"""The PostgreSQL plant historian: schema migrations and the store-and-forward of station journals.

Needs the `plant` install profile (psycopg); nothing here is imported unless `[plant]` is configured.
"""
