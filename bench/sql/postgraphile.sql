-- What PostGraphile needs to serve the gateway's tables like the gateway does.
-- Applied by bench/run (through BENCH_PGL_SQL) before PostGraphile starts; safe to apply again.
-- The tables have no foreign keys, so the relations are smart comments; search is a
-- SQL function over the gateway's own search index and phone suffixes.

COMMENT ON TABLE conversations IS E'@unique workspace_id,id\n@foreignKey (workspace_id, customer_id) references customers (workspace_id, id)|@fieldName customer|@foreignFieldName conversations\n@foreignKey (workspace_id, assignee_id) references users (workspace_id, id)|@fieldName assignee|@foreignFieldName assignedConversations';

COMMENT ON TABLE conversation_tags IS E'@foreignKey (workspace_id, conversation_id) references conversations (workspace_id, id)|@fieldName conversation|@foreignFieldName conversationTags';

-- The gateway's search rule: every word a prefix of a word of the conversation's
-- document, or (for 4+ digits) the digits inside the customer's phone number.
-- `words` are already folded words separated by spaces, such as 'water heat'; each
-- becomes a prefix term in the workspace's key (the gateway's search_key).
CREATE OR REPLACE FUNCTION bench_search_conversations(ws text, words text, digits text DEFAULT NULL)
RETURNS SETOF conversations
LANGUAGE sql STABLE
AS $$
  SELECT c.*
  FROM conversations c
  WHERE c.workspace_id = ws
    AND (c.seq IN (SELECT s.seq FROM conversation_search s WHERE s.doc @@ (
                     SELECT string_agg(quote_literal(substr(encode(sha256(convert_to(ws, 'UTF8')), 'hex'), 1, 10) || w)
                                       || ':*', ' & ')
                     FROM regexp_split_to_table(words, '\s+') AS w)::tsquery)
         OR (digits IS NOT NULL
             AND c.customer_id IN (SELECT p.customer_id FROM customer_phone_suffixes p
                                   WHERE p.workspace_id = ws AND p.suffix >= digits AND p.suffix < digits || ':')))
$$;

COMMENT ON FUNCTION bench_search_conversations(text, text, text) IS E'@sortable\n@filterable';
