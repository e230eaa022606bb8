-- Why was deployment X rolled back at time T? The evidence chain behind the deployment's last
-- ROLLBACK command issued at or before T, one row per link, in order: the command; the decision
-- that issued it (policy, reason, figures); the signals it weighed (detector, statistic, value
-- against baseline, window); the baselines of the rolled-back and the restored version as they
-- stood just before the command; the two model versions with the data batches that trained them;
-- the outcomes the controller reported.
-- Parameters: deployment=NAME, at=YYYY-MM-DD HH:MM:SS (UTC).
WITH rb AS (
    SELECT command_id, deployment, issued_at, reason, signal_ids,
           rollback_from_version, rollback_to_version
    FROM commands
    WHERE deployment = '${deployment}' AND kind = 'ROLLBACK'
      AND issued_at <= CAST(TIMESTAMP '${at}' AS TIMESTAMP_LTZ(3))
    ORDER BY issued_at DESC
    LIMIT 1
),
decn AS (
    SELECT d.decision_id, d.decided_at, d.policy, d.outcome, d.reason, d.signal_ids, d.statistics
    FROM decisions d JOIN rb ON d.command_id = rb.command_id
),
sid AS (
    SELECT t.sid FROM decn CROSS JOIN UNNEST(decn.signal_ids) AS t (sid)
    UNION
    SELECT t.sid FROM rb CROSS JOIN UNNEST(rb.signal_ids) AS t (sid)
),
sig AS (
    SELECT s.* FROM signals s JOIN sid ON s.signal_id = sid.sid
),
bl AS (
    SELECT * FROM (
        SELECT b.snapshot_id, b.event_time, b.model_version, b.signal_name, b.observations,
               b.level, b.spread,
               ROW_NUMBER() OVER (
                   PARTITION BY b.model_version, b.signal_name ORDER BY b.event_time DESC) AS rn
        FROM baselines b JOIN rb ON b.deployment = rb.deployment
        WHERE b.event_time <= rb.issued_at
          AND b.model_version IN (rb.rollback_from_version, rb.rollback_to_version)
          AND b.signal_name IN (SELECT signal_name FROM sig)
    ) WHERE rn = 1
),
mv AS (
    SELECT m.event_id, m.event_time, m.model_name, m.model_version, m.training_batch_ids
    FROM model_versions m JOIN rb ON m.deployment = rb.deployment
    WHERE m.kind = 'DEPLOYED'
      AND m.model_version IN (rb.rollback_from_version, rb.rollback_to_version)
),
mvb AS (
    SELECT mv.event_id,
           LISTAGG(CONCAT(t.bid, ' (', COALESCE(db.dataset, 'unknown batch'), ', ',
                          COALESCE(CAST(db.row_count AS STRING), '?'), ' rows)'), ', ')
               AS batches
    FROM mv CROSS JOIN UNNEST(mv.training_batch_ids) AS t (bid)
    LEFT JOIN data_batches db ON db.batch_id = t.bid
    GROUP BY mv.event_id
),
outc AS (
    SELECT o.command_id, o.event_time, o.status, o.detail
    FROM command_outcomes o JOIN rb ON o.command_id = rb.command_id
)
SELECT step, `at`, link, id, detail FROM (
    SELECT 1 AS step, issued_at AS `at`, CAST('command' AS STRING) AS link, command_id AS id,
           CONCAT('ROLLBACK ', rollback_from_version, ' -> ', rollback_to_version, ': ', reason)
               AS detail
    FROM rb
    UNION ALL
    SELECT 2, decided_at, CAST('decision' AS STRING), decision_id,
           CONCAT(policy, ' ', outcome, ': ', reason)
    FROM decn
    UNION ALL
    SELECT 3, event_time, CAST('signal' AS STRING), signal_id,
           CONCAT(kind, ' ', signal_name, ' of ', model_version, ' = ',
                  CAST(ROUND(`value`, 1) AS STRING), ' vs baseline ',
                  COALESCE(CAST(ROUND(baseline['level'], 1) AS STRING), '?'), ' (', detector, ' ',
                  statistic, ' = ', CAST(statistic_value AS STRING), ', threshold ',
                  CAST(threshold AS STRING), ', ', CAST(window_count AS STRING), ' obs)')
    FROM sig
    UNION ALL
    SELECT 4, event_time, CAST('baseline' AS STRING), snapshot_id,
           CONCAT(model_version, ' ', signal_name, ' level ', CAST(ROUND(level, 1) AS STRING),
                  ' spread ', CAST(ROUND(spread, 1) AS STRING), ' from ',
                  CAST(observations AS STRING), ' obs')
    FROM bl
    UNION ALL
    SELECT 5, mv.event_time, CAST('model version' AS STRING), mv.event_id,
           CONCAT(mv.model_name, ' ', mv.model_version, ' deployed, trained on ',
                  COALESCE(mvb.batches, 'no recorded batches'))
    FROM mv LEFT JOIN mvb ON mvb.event_id = mv.event_id
    UNION ALL
    SELECT 6, event_time, CAST('outcome' AS STRING), command_id, CONCAT(status, ': ', detail)
    FROM outc
)
ORDER BY step, `at`, id
