-- Which data batches trained the version that is live now? For every deployment (or one:
-- deployment=NAME), the live version and each batch of its training data: dataset, time range,
-- rows, location and content hash. The live version is the subject of the deployment's latest
-- model event (DEPLOYED, PROMOTED), except after ROLLED_BACK, whose subject is the version removed
-- and whose previous_version is the one restored; the version's DEPLOYED event lists its training
-- batch ids.
-- Parameters: deployment=NAME (default: all, a LIKE pattern).
WITH latest AS (
    SELECT deployment, model_name, kind, model_version, previous_version, event_time FROM (
        SELECT m.*,
               ROW_NUMBER() OVER (PARTITION BY deployment ORDER BY event_time DESC, seq DESC)
                   AS rn
        FROM model_versions m
        WHERE deployment LIKE '${deployment:%}'
    ) WHERE rn = 1
),
live AS (
    SELECT deployment, model_name, kind AS last_event, event_time AS since,
           CASE WHEN kind = 'ROLLED_BACK' THEN previous_version ELSE model_version END
               AS live_version
    FROM latest
),
trained AS (
    SELECT l.deployment, l.model_name, l.live_version, l.last_event, l.since, t.batch_id
    FROM live l
    JOIN model_versions m
      ON m.deployment = l.deployment AND m.model_version = l.live_version
     AND m.kind = 'DEPLOYED'
    CROSS JOIN UNNEST(m.training_batch_ids) AS t (batch_id)
)
SELECT tr.deployment, tr.model_name, tr.live_version, tr.last_event, tr.since, tr.batch_id,
       b.dataset, b.range_start, b.range_end, b.row_count, b.location, b.content_hash
FROM trained tr LEFT JOIN data_batches b ON b.batch_id = tr.batch_id
ORDER BY tr.deployment, tr.batch_id
