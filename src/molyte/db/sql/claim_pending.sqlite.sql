-- The claim on SQLite, the twin of claim_pending.postgresql.sql: the same jobs in the same
-- order, within the same running limits. SQLite has no row locks and no statements that
-- write in a WITH, so api/workers/repository.py runs the sections below in one transaction
-- under its claim lock (serialising claims in this process; SQLite's write lock serialises
-- them against other processes): `pick` the ids in claim order, `lease` them, record their
-- `events`. Parameters are SQLAlchemy's `:name`; a list is bound as a JSON array and read
-- with json_each.
--
-- As on PostgreSQL, what it writes comes from the lifecycle (`Transition.CLAIM`): the new
-- state and the events are bound (`to_state`, `event_*`); the state it claims from is
-- rendered in as the literal {source} and the leased states as {leased}.
--
-- Fair share: an owner's k-th claimable job ranks `active + k` (`share`), where `active`
-- counts the owner's jobs already leased; an owner with a running limit gets jobs only while
-- `share` is within it.

-- name: claimable
j.state = {source} AND j.type IN (SELECT value FROM json_each(:types))
    AND (:any_engine OR j.engine IS NULL OR j.engine IN (SELECT value FROM json_each(:routes)))
    AND (j.partition IS NULL OR j.partition IN (SELECT value FROM json_each(:partitions)))
    AND (j.cluster IS NULL OR j.cluster = :cluster)

-- name: pick
SELECT id FROM (
    SELECT j.id, j.priority, j.created_at,
           COALESCE(active.n, 0) + row_number() OVER (
               PARTITION BY j.owner_id ORDER BY j.priority DESC, j.created_at, j.id) AS share,
           NULLIF(COALESCE(u.max_running_jobs, :default_max_running), 0) AS max_running
    FROM jobs j
    JOIN users u ON u.id = j.owner_id
    LEFT JOIN (
        SELECT owner_id, count(*) AS n FROM jobs WHERE state IN ({leased}) GROUP BY owner_id
    ) active ON active.owner_id = j.owner_id
    WHERE {claimable}
) ranked
WHERE max_running IS NULL OR share <= max_running
ORDER BY priority DESC, share, created_at, id
LIMIT :limit

-- name: lease
UPDATE jobs SET state = :to_state, worker_name = :worker, lease_holder = :actor,
    lease_token = lower(hex(randomblob(16))), lease_expires_at = :expires,
    attempts = attempts + 1, updated_at = :now
WHERE id IN (SELECT value FROM json_each(:ids)) AND state = {source}
RETURNING id, type, name, priority, spec, engine, partition, cluster, attempts, lease_token,
          lease_expires_at, created_at, storage_prefix

-- name: events
INSERT INTO job_events (job_id, time, from_state, to_state, actor, message)
SELECT value, :event_time, :event_from_state, :event_to_state, :event_actor, :event_message
FROM json_each(:ids)
ORDER BY key
