"""vybory.store: persistence with SQLAlchemy 2 (SQLite by default, PostgreSQL by URL).

- :class:`Database` opens a database, runs migrations and gives transactions;
- :mod:`vybory.store.tables` the tables; :mod:`vybory.store.board` the board's rows;
- :mod:`vybory.store.users` web logins with argon2id hashes.

The store decides nothing about elections: the service does, through the protocol.
"""

from vybory.store.database import DEFAULT_URL, Database, database_url, make_engine

__all__ = ["DEFAULT_URL", "Database", "database_url", "make_engine"]
