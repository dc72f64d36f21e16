-- Who may see an invoice in the portal: the parties' names (the counterpart filter)
-- and their routing codes (a service sees only the invoices addressed to it, BT-49,
-- or issued from it, BT-34), read from the document at submission. Indexed by party
-- so that a structure's list is a range scan, newest first.
ALTER TABLE invoices ADD COLUMN seller_name TEXT;
ALTER TABLE invoices ADD COLUMN buyer_name TEXT;
ALTER TABLE invoices ADD COLUMN seller_routing_code TEXT;
ALTER TABLE invoices ADD COLUMN buyer_routing_code TEXT;
CREATE INDEX invoices_seller_party ON invoices (seller_siren, received_at);
CREATE INDEX invoices_buyer_party ON invoices (buyer_siren, received_at);
