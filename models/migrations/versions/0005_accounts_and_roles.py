"""accounts: accounts with Argon2 password hashes, a role per workspace (membership), workshop
guest links and signed-in browsers (only tokens' hashes are stored); who acted, by account, in the log

Revision ID: 8c2f4e61a0d7
Revises: 5d0c1a7e9b42
Create Date: 2026-12-05 08:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401 - autogenerate renders sqlmodel.sql.sqltypes.AutoString
from alembic import op


revision: str = '8c2f4e61a0d7'
down_revision: str | None = '5d0c1a7e9b42'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _audited() -> list[sa.Column]:
    return [
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table('guest_link',
    *_audited(),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('journey_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.ForeignKeyConstraint(['journey_id'], ['journey.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash'),
    )
    op.create_index('ix_guest_link_workspace_id', 'guest_link', ['workspace_id'])
    op.create_index('ix_guest_link_journey_id', 'guest_link', ['journey_id'])
    op.create_table('account',
    *_audited(),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('is_site_admin', sa.Boolean(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('guest_link_id', sa.Integer(), nullable=True),
    sa.Column('failed_sign_ins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_sign_in', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.CheckConstraint('failed_sign_ins >= 0', name='failed_sign_ins_not_negative'),
    sa.ForeignKeyConstraint(['guest_link_id'], ['guest_link.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_account_email', 'account', ['email'], unique=True)
    op.create_index('ix_account_guest_link_id', 'account', ['guest_link_id'])
    op.create_table('membership',
    *_audited(),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('journey_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("role IN ('participant', 'viewer', 'editor', 'facilitator', 'admin')", name='known_role'),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['journey_id'], ['journey.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('workspace_id', 'account_id', name='one_role_per_workspace'),
    )
    op.create_index('ix_membership_workspace_id', 'membership', ['workspace_id'])
    op.create_index('ix_membership_account_id', 'membership', ['account_id'])
    op.create_table('sign_in',
    *_audited(),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('last_seen', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash'),
    )
    op.create_index('ix_sign_in_account_id', 'sign_in', ['account_id'])
    with op.batch_alter_table('activity_entry') as batch:
        batch.add_column(sa.Column('account_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('activity_entry') as batch:
        batch.drop_column('account_id')
    op.drop_table('sign_in')
    op.drop_table('membership')
    op.drop_table('account')
    op.drop_table('guest_link')
