-- When each outbox row was written, in Unix milliseconds: the start of the delivery
-- latency (acceptance to broker confirm) that /metrics reports. Rows written before
-- this migration keep 0, read as "unknown".
ALTER TABLE outbox ADD COLUMN enqueued_ms BIGINT NOT NULL DEFAULT 0;
