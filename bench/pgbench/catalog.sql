-- GET /services/catalog: the catalog's revision counter, the one query a request waits for
-- (one read serves every request that arrived while the previous read ran, and the services
-- are read again only after a write bumped the counter, so this overstates the service's work).
SELECT cache_revisions.revision FROM cache_revisions WHERE cache_revisions.name = 'catalog';
