-- Replicas that watch Digdag servers, seen through their heartbeats: the number alive sets each one's fair share of
-- servers (ceil(servers / live replicas)).
CREATE TABLE watch_replica (
    replica           VARCHAR(200) PRIMARY KEY,
    -- the replica counts as alive until then; renewed every poll cycle, like its server leases
    heartbeat_until   TIMESTAMP WITH TIME ZONE NOT NULL,
    started_at        TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
);
