"""The first schema: elections, the append-only board, indexes, roll, logins.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TZ = sa.DateTime(timezone=True)

APPEND_ONLY = "the bulletin board is append-only: events can never be changed or removed"

PG_TRIGGERS = [
    f"""
    CREATE FUNCTION vybory_board_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{APPEND_ONLY} (% refused)', TG_OP
            USING ERRCODE = 'integrity_constraint_violation';
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER board_events_append_only BEFORE UPDATE OR DELETE ON board_events
    FOR EACH ROW EXECUTE FUNCTION vybory_board_append_only()
    """,
    """
    CREATE TRIGGER board_events_no_truncate BEFORE TRUNCATE ON board_events
    FOR EACH STATEMENT EXECUTE FUNCTION vybory_board_append_only()
    """,
]

SQLITE_TRIGGERS = [
    f"""
    CREATE TRIGGER board_events_no_update BEFORE UPDATE ON board_events
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY} (UPDATE refused)'); END
    """,
    f"""
    CREATE TRIGGER board_events_no_delete BEFORE DELETE ON board_events
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY} (DELETE refused)'); END
    """,
]


def upgrade() -> None:
    op.create_table(
        "elections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("slug", sa.String(100), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("definition_source", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_elections"),
        sa.UniqueConstraint("slug", name="uq_elections_slug"),
        sa.UniqueConstraint("fingerprint", name="uq_elections_fingerprint"),
    )
    op.create_table(
        "board_events",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("previous_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("recorded_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_board_events"),
        sa.ForeignKeyConstraint(["election_id"], ["elections.id"], name="fk_board_events_election_id_elections"),
        sa.UniqueConstraint("election_id", "position", name="uq_board_events_election_id_position"),
        sa.UniqueConstraint("hash", name="uq_board_events_hash"),
    )
    op.create_index("ix_board_events_election_id_kind", "board_events", ["election_id", "kind"])
    op.create_table(
        "ballots",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("tracking_code", sa.String(64), nullable=False),
        sa.Column("credential", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ballots"),
        sa.ForeignKeyConstraint(["election_id"], ["elections.id"], name="fk_ballots_election_id_elections"),
        sa.UniqueConstraint("election_id", "tracking_code", name="uq_ballots_election_id_tracking_code"),
    )
    op.create_index("ix_ballots_election_id_round_credential", "ballots", ["election_id", "round", "credential"])
    op.create_table(
        "ciphertexts",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ciphertexts"),
        sa.ForeignKeyConstraint(["election_id"], ["elections.id"], name="fk_ciphertexts_election_id_elections"),
        sa.UniqueConstraint("election_id", "digest", name="uq_ciphertexts_election_id_digest"),
    )
    op.create_table(
        "credentials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("credential", sa.String(64), nullable=False),
        sa.Column("district", sa.String(100), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_credentials"),
        sa.ForeignKeyConstraint(["election_id"], ["elections.id"], name="fk_credentials_election_id_elections"),
        sa.UniqueConstraint("election_id", "credential", name="uq_credentials_election_id_credential"),
    )
    op.create_table(
        "voters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("voter_id", sa.String(100), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("district", sa.String(100), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_voters"),
        sa.ForeignKeyConstraint(["election_id"], ["elections.id"], name="fk_voters_election_id_elections"),
        sa.UniqueConstraint("election_id", "voter_id", name="uq_voters_election_id_voter_id"),
    )
    op.create_index("ix_voters_election_id_district", "voters", ["election_id", "district"])
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("election_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(100), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.ForeignKeyConstraint(["election_id"], ["elections.id"], name="fk_users_election_id_elections"),
        sa.UniqueConstraint("username", name="uq_users_username"),
    )
    triggers = PG_TRIGGERS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS board_events_no_truncate ON board_events")
        op.execute("DROP TRIGGER IF EXISTS board_events_append_only ON board_events")
        op.execute("DROP FUNCTION IF EXISTS vybory_board_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS board_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS board_events_no_delete")
    for table in ("users", "voters", "credentials", "ciphertexts", "ballots", "board_events", "elections"):
        op.drop_table(table)
