-- When the broker's confirm (or the inbox's acknowledgement) was recorded, in Unix
-- milliseconds: with enqueued_ms, the exact delivery latency of each message
-- (`facteur bench hub` reads it; /metrics keeps its histogram). Rows published before
-- this migration keep NULL.
ALTER TABLE outbox ADD COLUMN published_ms INTEGER;
-- The relay claims the oldest unpublished rows across platforms: without this index
-- each claim would walk the published rows at the head of the table again, a cost
-- that grows with everything ever delivered.
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
