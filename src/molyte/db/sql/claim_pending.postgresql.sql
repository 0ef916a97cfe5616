-- The claim on PostgreSQL: PENDING jobs leased to a worker, in ONE statement (pick, lock,
-- lease, record the events), run by api/workers/repository.py with psycopg `%(name)s`
-- parameters on the claims' own async connection pool, not the ORM. Its SQLite twin is
-- claim_pending.sqlite.sql.
--
-- What it writes comes from the lifecycle (api/jobs/lifecycle.py, `Transition.CLAIM`): the new
-- state and each job's event are bound (`to_state`, `event_*`); the state it claims from is
-- rendered in as the literal {source}, and the leased states as {leased}, because the partial
-- indexes (ix_jobs_owner_pending, ix_jobs_owner_active) are usable only where the statement
-- says their WHERE literally, and the claim runs on a generic plan.
--
-- The claim order (README, "Scheduling"): priority first; within a priority, fair share: an
-- owner's k-th claimable job ranks `active + k`, where `active` counts the owner's jobs already
-- leased, so owners take turns and one owner's long queue does not starve another's few jobs;
-- then age. An owner with a running limit gets at most `limit - active` jobs.
--
-- Each owner's queue is an index range of ix_jobs_owner_pending, walked in claim order; a walk
-- that locks uses SKIP LOCKED, so concurrent claimers pass each other's locked rows instead of
-- waiting on them.
-- - How much of each queue to lock (`quota`), two ways to the same order:
--   * few accounts (accounts x limit <= direct_locks): lock up to `limit` jobs of every
--     account's queue at once, one walk each, and keep the best `limit`;
--   * else read first (`firsts`, `heads`, without locks): only owners whose first job ranks
--     in the top `limit` can be in the batch, and the top `limit` of their queues say how many
--     jobs each gets; then lock just those, about `limit` rows.
-- - Leased jobs are counted only where it matters: not for a lone owner without a limit, and
--   for a limited owner only up to its limit (`LIMIT NULL` is no limit).
-- - `fill` (second way only) runs when `fair` came up short because other claims held an
--   owner's last jobs: jobs of owners without a running limit, in priority order, so a claim is
--   never empty while a job it may take is free.
-- - The updates take their rows by id from an array: an index look-up whatever the planner
--   guesses of the batch size (the plan is generic: see `ClaimPools`).
-- - Running limits under concurrency: the counts come from this statement's snapshot, so a
--   claim for a limited owner locks the owner's row (in id order: no deadlock) and goes on only
--   if `claim_seq` is unchanged, i.e. no other claim for that owner committed since the
--   snapshot (PostgreSQL re-checks the WHERE clause on the newest version of a row it waited
--   for), then bumps `claim_seq`. Losing that race leaves the owner's jobs PENDING, and the
--   statement says so (a picked row without its claimed row) so the caller can try again.

-- name: claimable
j.state = {source} AND j.type = ANY(%(types)s)
    AND (%(any_engine)s OR j.engine IS NULL OR j.engine = ANY(%(routes)s))
    AND (j.partition IS NULL OR j.partition = ANY(%(partitions)s))
    AND (j.cluster IS NULL OR j.cluster = CAST(%(cluster)s AS text))

-- name: claim_pending
WITH accounts AS (
    SELECT id, claim_seq,
           NULLIF(COALESCE(max_running_jobs, %(default_max_running)s), 0) AS max_running
    FROM users
), direct AS (
    SELECT count(*) * %(limit)s <= %(direct_locks)s AS yes FROM accounts
), firsts AS (
    SELECT a.id, a.claim_seq, a.max_running, f.priority, f.created_at, f.id AS job_id
    FROM accounts a CROSS JOIN LATERAL (
        SELECT j.id, j.priority, j.created_at FROM jobs j
        WHERE j.owner_id = a.id AND {claimable}
        ORDER BY j.owner_id, j.priority DESC, j.created_at, j.id LIMIT 1
    ) f
    WHERE NOT (SELECT yes FROM direct)
), owners AS (
    SELECT * FROM firsts
    UNION ALL
    SELECT id, claim_seq, max_running, NULL, NULL, NULL FROM accounts
    WHERE (SELECT yes FROM direct)
), rooms AS (
    SELECT o.*, LEAST(%(limit)s, COALESCE(o.max_running - o.active, %(limit)s)) AS room
    FROM (
        SELECT owners.*,
               CASE WHEN max_running IS NOT NULL OR (SELECT count(*) FROM owners) > 1
                    THEN (SELECT count(*) FROM (
                        SELECT 1 FROM jobs a
                        WHERE a.owner_id = owners.id AND a.state IN ({leased})
                        LIMIT owners.max_running
                    ) a)
                    ELSE 0 END AS active
        FROM owners
    ) o
    WHERE o.max_running IS NULL OR o.active < o.max_running
), leaders AS (
    SELECT * FROM rooms WHERE NOT (SELECT yes FROM direct)
    ORDER BY priority DESC, active, created_at, job_id LIMIT %(limit)s
), heads AS (
    SELECT l.id AS owner_id, h.priority, h.created_at, h.id,
           l.active + row_number() OVER (
               PARTITION BY l.id ORDER BY h.priority DESC, h.created_at, h.id) AS share
    FROM leaders l CROSS JOIN LATERAL (
        SELECT j.id, j.priority, j.created_at FROM jobs j
        WHERE j.owner_id = l.id AND {claimable}
        ORDER BY j.owner_id, j.priority DESC, j.created_at, j.id LIMIT l.room
    ) h
), quota AS (
    SELECT owner_id, count(*) AS n FROM (
        SELECT owner_id FROM heads ORDER BY priority DESC, share, created_at, id LIMIT %(limit)s
    ) top GROUP BY owner_id
    UNION ALL
    SELECT id, room FROM rooms WHERE (SELECT yes FROM direct)
), fair AS (
    SELECT c.id, c.owner_id, c.priority, c.created_at, r.claim_seq, r.max_running,
           r.active + row_number() OVER (
               PARTITION BY c.owner_id ORDER BY c.priority DESC, c.created_at, c.id) AS share
    FROM quota q JOIN rooms r ON r.id = q.owner_id CROSS JOIN LATERAL (
        SELECT j.id, j.owner_id, j.priority, j.created_at FROM jobs j
        WHERE j.owner_id = q.owner_id AND {claimable}
        ORDER BY j.owner_id, j.priority DESC, j.created_at, j.id LIMIT q.n
        FOR UPDATE SKIP LOCKED
    ) c
), picked AS (
    SELECT * FROM (
        (SELECT 0 AS tier, id, owner_id, priority, created_at, claim_seq, max_running, share
         FROM fair ORDER BY priority DESC, share, created_at, id LIMIT %(limit)s)
        UNION ALL
        SELECT 1, id, owner_id, priority, created_at, 0, NULL, NULL FROM (
            SELECT j.id, j.owner_id, j.priority, j.created_at FROM jobs j
            WHERE {claimable}
              AND j.id NOT IN (SELECT id FROM fair)
              AND j.owner_id IN (SELECT id FROM owners WHERE max_running IS NULL)
              AND NOT (SELECT yes FROM direct)
            ORDER BY j.priority DESC, j.created_at, j.id LIMIT %(limit)s
            FOR UPDATE SKIP LOCKED
        ) fill
    ) both_tiers LIMIT %(limit)s
), fenced AS (
    SELECT u.id FROM users u
    JOIN (SELECT DISTINCT owner_id, claim_seq FROM picked WHERE max_running IS NOT NULL) p
      ON p.owner_id = u.id
    WHERE u.claim_seq = p.claim_seq
    ORDER BY u.id
    FOR NO KEY UPDATE OF u
), bumped AS (
    UPDATE users SET claim_seq = users.claim_seq + 1
    WHERE users.id = ANY(ARRAY(SELECT id FROM fenced))
), granted AS (
    SELECT id FROM picked
    WHERE max_running IS NULL OR owner_id IN (SELECT id FROM fenced)
), claimed AS (
    UPDATE jobs SET state = %(to_state)s, worker_name = %(worker)s, lease_holder = %(actor)s,
        lease_token = replace(CAST(gen_random_uuid() AS text), '-', ''),
        lease_expires_at = %(expires)s, attempts = jobs.attempts + 1, updated_at = %(now)s
    WHERE jobs.id = ANY(ARRAY(SELECT id FROM granted))
    RETURNING jobs.id, jobs.type, jobs.name, jobs.priority, jobs.spec, jobs.engine,
              jobs.partition, jobs.cluster, jobs.attempts, jobs.lease_token,
              jobs.lease_expires_at, jobs.created_at, jobs.storage_prefix
), events AS (
    INSERT INTO job_events (job_id, time, from_state, to_state, actor, message)
    SELECT id, %(event_time)s, %(event_from_state)s, %(event_to_state)s, %(event_actor)s,
           %(event_message)s
    FROM claimed
)
SELECT c.*, p.id AS picked_id FROM picked p LEFT JOIN claimed c ON c.id = p.id
ORDER BY p.tier, p.priority DESC, p.share, p.created_at, p.id
