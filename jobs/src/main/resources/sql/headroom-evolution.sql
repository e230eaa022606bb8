-- How did the scaling headroom evolve, and why? Every update of the learned policy parameter
-- (headroom by default; parameter=warmup_ms, capacity_per_replica, ...) of every deployment (or
-- deployment=NAME), in order: the value before and after, the reason with its figures, the command
-- whose outcome taught it and that command's latest outcome.
-- Parameters: parameter=NAME (default headroom), deployment=NAME (default: all, a LIKE pattern).
WITH latest AS (
    SELECT command_id, status, detail FROM (
        SELECT o.command_id, o.status, o.detail,
               ROW_NUMBER() OVER (PARTITION BY o.command_id ORDER BY o.event_time DESC, o.seq DESC)
                   AS rn
        FROM command_outcomes o
    ) WHERE rn = 1
)
SELECT u.event_time, u.deployment, u.`parameter`, u.value_before, u.value_after,
       ROUND(u.value_after - u.value_before, 4) AS `change`, u.reason, u.command_id,
       c.kind AS command_kind,
       CASE WHEN c.kind = 'SCALE' THEN CONCAT('replicas ', CAST(c.from_replicas AS STRING), ' -> ',
                                             CAST(c.target_replicas AS STRING))
       END AS command_action,
       l.status AS command_outcome, l.detail AS outcome_detail
FROM policy_updates u
LEFT JOIN commands c ON c.command_id = u.command_id
LEFT JOIN latest l ON l.command_id = u.command_id
WHERE u.deployment LIKE '${deployment:%}' AND u.`parameter` = '${parameter:headroom}'
ORDER BY u.deployment, u.event_time, u.seq
