-- When the broker's confirm (or the inbox's acknowledgement) was recorded, in Unix
-- milliseconds: with enqueued_ms, the exact delivery latency of each message
-- (`facteur bench hub` reads it; /metrics keeps its histogram). Rows published before
-- this migration keep NULL.
ALTER TABLE outbox ADD COLUMN published_ms BIGINT;
-- The relay claims the oldest unpublished rows across platforms: without this index
-- each claim would walk the published rows at the head of the table again, a cost
-- that grows with everything ever delivered.
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
-- Publishing an invoice updates its current status (201): room left in each page lets
-- PostgreSQL update the row in place (a HOT update, status being in no index) instead
-- of inserting into every index of the table again. Physical only; applies to the
-- pages written from now on.
ALTER TABLE invoices SET (fillfactor = 80);
