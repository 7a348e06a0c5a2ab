"""public ids for jobs and scenarios, per-owner job numbers, the submitting client, indexes for the fair order

Revision ID: 7d1f0c2a9b3e
Revises: cba6aab78735
Create Date: 2026-11-29 16:10:00

"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = '7d1f0c2a9b3e'
down_revision = 'cba6aab78735'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_id', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('number', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('client', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_job_client'), ['client'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_started_at'), ['started_at'], unique=False)
        batch_op.create_index('ix_job_status_kind', ['status', 'kind'], unique=False)
    with op.batch_alter_table('scenario', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_id', sa.String(length=32), nullable=True))

    # existing rows: an unguessable id each, and their number within their owner's queue
    bind = op.get_bind()
    job = sa.table('job', sa.column('id', sa.Integer), sa.column('owner', sa.String),
                   sa.column('public_id', sa.String), sa.column('number', sa.Integer))
    counts = {}
    for row_id, owner in bind.execute(sa.select(job.c.id, job.c.owner).order_by(job.c.id)).all():
        counts[owner] = counts.get(owner, 0) + 1
        bind.execute(job.update().where(job.c.id == row_id)
                     .values(public_id=secrets.token_hex(16), number=counts[owner]))
    scenario = sa.table('scenario', sa.column('id', sa.Integer), sa.column('public_id', sa.String))
    for (row_id,) in bind.execute(sa.select(scenario.c.id)).all():
        bind.execute(scenario.update().where(scenario.c.id == row_id).values(public_id=secrets.token_hex(16)))

    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.alter_column('public_id', existing_type=sa.String(length=32), nullable=False)
        batch_op.create_unique_constraint('uq_job_public_id', ['public_id'])
    with op.batch_alter_table('scenario', schema=None) as batch_op:
        batch_op.alter_column('public_id', existing_type=sa.String(length=32), nullable=False)
        batch_op.create_unique_constraint('uq_scenario_public_id', ['public_id'])


def downgrade():
    with op.batch_alter_table('scenario', schema=None) as batch_op:
        batch_op.drop_constraint('uq_scenario_public_id', type_='unique')
        batch_op.drop_column('public_id')
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_constraint('uq_job_public_id', type_='unique')
        batch_op.drop_index('ix_job_status_kind')
        batch_op.drop_index(batch_op.f('ix_job_started_at'))
        batch_op.drop_index(batch_op.f('ix_job_client'))
        batch_op.drop_column('client')
        batch_op.drop_column('number')
        batch_op.drop_column('public_id')
