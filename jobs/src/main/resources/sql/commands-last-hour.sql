-- What did every command of the last hour do, and how long did it take to show an effect? For
-- each command issued in the hour up to now (or up to now=YYYY-MM-DD HH:MM:SS, UTC), what it
-- asked for, the controller's latest report on it, the seconds from issue until the controller
-- applied it and until the first verdict on its effect (EFFECTIVE or NOT_EFFECTIVE).
-- Parameters: now (default: the current time, UTC), deployment=NAME (default: all, a LIKE
-- pattern).
WITH recent AS (
    SELECT * FROM commands
    WHERE issued_at > CAST(TIMESTAMP '${now}' - INTERVAL '1' HOUR AS TIMESTAMP_LTZ(3))
      AND issued_at <= CAST(TIMESTAMP '${now}' AS TIMESTAMP_LTZ(3))
      AND deployment LIKE '${deployment:%}'
),
times AS (
    SELECT command_id,
           MIN(CASE WHEN status = 'APPLIED' THEN event_time END) AS applied_at,
           MIN(CASE WHEN status IN ('EFFECTIVE', 'NOT_EFFECTIVE') THEN event_time END)
               AS verdict_at
    FROM command_outcomes
    GROUP BY command_id
),
latest AS (
    SELECT command_id, status, detail FROM (
        SELECT o.command_id, o.status, o.detail,
               ROW_NUMBER() OVER (PARTITION BY o.command_id ORDER BY o.event_time DESC, o.seq DESC)
                   AS rn
        FROM command_outcomes o
    ) WHERE rn = 1
)
SELECT c.issued_at, c.deployment, c.kind, c.command_id,
       CASE c.kind
           WHEN 'SCALE' THEN CONCAT('replicas ', CAST(c.from_replicas AS STRING), ' -> ',
                                    CAST(c.target_replicas AS STRING))
           WHEN 'ROLLBACK' THEN CONCAT(c.rollback_from_version, ' -> ', c.rollback_to_version)
           ELSE c.reason
       END AS action,
       COALESCE(l.status, 'NO OUTCOME') AS outcome,
       TIMESTAMPDIFF(SECOND, c.issued_at, t.applied_at) AS applied_after_s,
       TIMESTAMPDIFF(SECOND, c.issued_at, t.verdict_at) AS effect_after_s,
       l.detail
FROM recent c
LEFT JOIN times t ON t.command_id = c.command_id
LEFT JOIN latest l ON l.command_id = c.command_id
ORDER BY c.issued_at, c.command_id
