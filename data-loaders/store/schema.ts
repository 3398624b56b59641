/**
 * DuckDB schema. A run is one campaign, one ingest command or one load of the paper's tables;
 * it measures one or more environments; each environment yields steps (one probe invocation or
 * one ingested file) that point to their raw bytes by sha256, and each step yields samples.
 *
 * Samples hold only numbers: what a sample measures (suite, metric, params, unit) is a row of
 * `series`, and where it came from is its step. That keeps a million-sample ingest to numeric
 * columns (≈1 s instead of ≈7 s with every text column repeated per sample); the `results` view
 * joins it all back into one row per sample.
 */
export const SCHEMA_VERSION = 2;

/** The `results` view's query: one row per sample with everything known about it. */
export const RESULTS_SELECT = `
SELECT
  r.source, st.run_id, st.environment, e.hypervisor, e.hypervisor_version, e.mode, e.guest_os, e.vcpus,
  e.passthrough,
  -- the emulator a nested lab environment ran inside (NULL on real hardware): the report compares
  -- an environment only with the bare machine at its own nesting
  json_extract_string(e.extra, '$.nested_under') AS nested_under,
  se.suite, se.metric, se.params, se.unit, s.value, s.repetition,
  CASE WHEN s.failed THEN 'failed' ELSE 'ok' END AS status, s.note,
  st.tool, st.tool_version, st.engine, st.raw_sha256, e.host, e.kernel, e.cpu_model, st.step_id,
  r.started_at, r.tags
FROM samples s
JOIN series se USING (series_id)
JOIN steps st USING (step_no)
JOIN runs r ON r.run_id = st.run_id
JOIN environments e ON e.run_id = st.run_id AND e.environment = st.environment`;

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
  step_no INTEGER PRIMARY KEY,    -- assigned by the store, referenced by samples
  run_id VARCHAR NOT NULL,
  step_id VARCHAR NOT NULL,
  environment VARCHAR NOT NULL,
  status VARCHAR NOT NULL CHECK (status IN ('done', 'failed')),
  started_at TIMESTAMP NOT NULL,
  duration_ms DOUBLE NOT NULL,
  message VARCHAR,
  tool VARCHAR NOT NULL,
  tool_version VARCHAR,
  engine VARCHAR NOT NULL,        -- 'builtin' probe, 'reference' tool run by vmmbench, 'ingest', 'paper'
  raw_sha256 VARCHAR,             -- the step's main raw output
  UNIQUE (run_id, step_id)
);

CREATE TABLE IF NOT EXISTS raw_outputs (
  sha256 VARCHAR NOT NULL,
  run_id VARCHAR NOT NULL,
  step_id VARCHAR NOT NULL,
  path VARCHAR NOT NULL,          -- where the verbatim bytes are kept, relative to the data directory
  bytes BIGINT NOT NULL,
  format VARCHAR NOT NULL,
  byte_offset BIGINT,             -- where they start inside path when it is an ingest's tar archive; NULL: the whole file
  PRIMARY KEY (run_id, step_id, sha256)
);
-- Databases written before ingests kept their raw outputs in one archive.
ALTER TABLE raw_outputs ADD COLUMN IF NOT EXISTS byte_offset BIGINT;

CREATE TABLE IF NOT EXISTS series (
  series_id INTEGER PRIMARY KEY,
  suite VARCHAR NOT NULL,
  metric VARCHAR NOT NULL,
  params VARCHAR NOT NULL,        -- JSON text, keys sorted
  unit VARCHAR NOT NULL,
  UNIQUE (suite, metric, params, unit)
);

CREATE TABLE IF NOT EXISTS samples (
  step_no INTEGER NOT NULL,
  series_id INTEGER NOT NULL,
  value DOUBLE,
  repetition INTEGER NOT NULL,
  failed BOOLEAN NOT NULL,
  note VARCHAR
);

CREATE OR REPLACE VIEW results AS ${RESULTS_SELECT};
`;
