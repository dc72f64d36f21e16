-- PostgreSQL only (the compression of documents and archives); nothing to change on
-- SQLite, which stores them as they are.
SELECT 1;
