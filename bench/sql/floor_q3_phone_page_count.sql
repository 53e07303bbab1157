-- Raw-SQL floor (Q3 page + COUNT with a phone fragment: words of the index OR digits of the phone): what an ideal server sends for it (search terms start with the workspace's key). Run by bench/run with pgbench -M prepared.
-- Variables (pgbench -D): :ws :digits
SELECT c.id, c.summary, c.priority, c.status, c.last_activity_at,
       cu.id AS customer_id, cu.name AS customer_name, cu.phone AS customer_phone,
       u.id AS assignee_id, u.name AS assignee_name,
       ARRAY(SELECT t.tag FROM conversation_tags t
             WHERE t.workspace_id = c.workspace_id AND t.conversation_id = c.id
             ORDER BY t.seq) AS tags
FROM (SELECT * FROM conversations
      WHERE workspace_id = :ws AND status = 'open' AND channel IN ('voice', 'sms')
        AND seq IN (SELECT s.seq FROM conversation_search s WHERE s.doc @@ (substr(encode(sha256(convert_to(:ws, 'UTF8')), 'hex'), 1, 10) || :digits || ':*')::tsquery
                    UNION
                    SELECT k.seq FROM customer_phone_suffixes p
                    JOIN conversations k ON k.workspace_id = p.workspace_id AND k.customer_id = p.customer_id
                    WHERE p.workspace_id = :ws AND p.suffix >= :digits AND p.suffix < :digits || ':')
      ORDER BY last_activity_at DESC, id DESC
      LIMIT 21) c
JOIN customers cu ON cu.workspace_id = c.workspace_id AND cu.id = c.customer_id
LEFT JOIN users u ON u.workspace_id = c.workspace_id AND u.id = c.assignee_id
ORDER BY c.last_activity_at DESC, c.id DESC;
SELECT count(*) FROM conversations
WHERE workspace_id = :ws AND status = 'open' AND channel IN ('voice', 'sms')
        AND seq IN (SELECT s.seq FROM conversation_search s WHERE s.doc @@ (substr(encode(sha256(convert_to(:ws, 'UTF8')), 'hex'), 1, 10) || :digits || ':*')::tsquery
                    UNION
                    SELECT k.seq FROM customer_phone_suffixes p
                    JOIN conversations k ON k.workspace_id = p.workspace_id AND k.customer_id = p.customer_id
                    WHERE p.workspace_id = :ws AND p.suffix >= :digits AND p.suffix < :digits || ':');
