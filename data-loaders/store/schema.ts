/**
 * DuckDB schema. A run is one campaign, one ingest command or one load of the paper's tables;
 * it measures one or more environments; each environment yields steps (one probe invocation or
 * one ingested file), and each step yields samples that point back to the raw bytes by sha256.
 */
export const SCHEMA_VERSION = 1;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);

CREATE TABLE IF NOT EXISTS runs (
  run_id VARCHAR PRIMARY KEY,
  source VARCHAR NOT NULL CHECK (source IN ('run', 'ingest', 'reference')),
  status VARCHAR NOT NULL CHECK (status IN ('running', 'complete', 'failed')),
  started_at TIMESTAMP NOT NULL,
  finished_at TIMESTAMP,
  plan VARCHAR NOT NULL,          -- JSON: the validated plan, or the ingest command's options
  stop_rule VARCHAR,              -- JSON: the repetition rule the samples were taken under
  vmmbench_version VARCHAR NOT NULL,
  tags VARCHAR NOT NULL DEFAULT '{}'
);

CREATE TABLE IF NOT EXISTS environments (
  run_id VARCHAR NOT NULL,
  environment VARCHAR NOT NULL,
  hypervisor VARCHAR NOT NULL,
  hypervisor_version VARCHAR,
  mode VARCHAR NOT NULL,
  guest_os VARCHAR,
  kernel VARCHAR,
  cpu_model VARCHAR,
  vcpus INTEGER,
  memory_mb INTEGER,
  passthrough BOOLEAN,
  host VARCHAR,
  launch VARCHAR,
  extra VARCHAR NOT NULL DEFAULT '{}',
  PRIMARY KEY (run_id, environment)
);

CREATE TABLE IF NOT EXISTS steps (
  run_id VARCHAR NOT NULL,
  step_id VARCHAR NOT NULL,
  environment VARCHAR NOT NULL,
  status VARCHAR NOT NULL CHECK (status IN ('done', 'failed')),
  started_at TIMESTAMP NOT NULL,
  duration_ms DOUBLE NOT NULL,
  message VARCHAR,
  PRIMARY KEY (run_id, step_id)
);

CREATE TABLE IF NOT EXISTS raw_outputs (
  sha256 VARCHAR NOT NULL,
  run_id VARCHAR NOT NULL,
  step_id VARCHAR NOT NULL,
  path VARCHAR NOT NULL,          -- where the verbatim bytes are kept, relative to the data directory
  bytes BIGINT NOT NULL,
  format VARCHAR NOT NULL,
  PRIMARY KEY (run_id, step_id, sha256)
);

CREATE TABLE IF NOT EXISTS samples (
  run_id VARCHAR NOT NULL,
  environment VARCHAR NOT NULL,
  step_id VARCHAR NOT NULL,
  suite VARCHAR NOT NULL,
  metric VARCHAR NOT NULL,
  params VARCHAR NOT NULL,
  unit VARCHAR NOT NULL,
  value DOUBLE,
  repetition INTEGER NOT NULL,
  status VARCHAR NOT NULL,
  note VARCHAR,
  host VARCHAR,
  tool VARCHAR NOT NULL,
  tool_version VARCHAR,
  engine VARCHAR NOT NULL,        -- 'builtin' probe, 'reference' tool run by vmmbench, 'ingest', 'paper'
  raw_sha256 VARCHAR
);

CREATE OR REPLACE VIEW results AS
SELECT
  r.source, s.run_id, s.environment, e.hypervisor, e.hypervisor_version, e.mode, e.guest_os, e.vcpus,
  e.passthrough, s.suite, s.metric, s.params, s.unit, s.value, s.repetition, s.status, s.note,
  s.tool, s.tool_version, s.engine, s.raw_sha256, coalesce(s.host, e.host) AS host, e.kernel,
  e.cpu_model, s.step_id, r.started_at, r.tags
FROM samples s
JOIN runs r USING (run_id)
JOIN environments e USING (run_id, environment);
`;
