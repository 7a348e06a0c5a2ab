"""share links: read-only links to finished analyses

Revision ID: 3b8e5d41c7a2
Revises: 7d1f0c2a9b3e
Create Date: 2026-11-30 07:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '3b8e5d41c7a2'
down_revision = '7d1f0c2a9b3e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'share',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('job_id', sa.Integer(), nullable=False),
        sa.Column('owner', sa.String(length=64), nullable=False),
        sa.Column('dataset_state', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['job_id'], ['job.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token'),
    )
    with op.batch_alter_table('share', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_share_job_id'), ['job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_share_owner'), ['owner'], unique=False)


def downgrade():
    with op.batch_alter_table('share', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_share_owner'))
        batch_op.drop_index(batch_op.f('ix_share_job_id'))
    op.drop_table('share')
