/**
 * Migration 1: apps, artifacts, releases, formations, scale requests, jobs,
 * deployments, providers, resources and events (reference §5.5), with soft
 * deletes, partial unique indexes on live rows, and triggers that keep the
 * invariants in the database:
 *
 * - releases are immutable (only `deleted_at` may change, once);
 * - an app's current release cannot be deleted, and an app can only point at
 *   a live release (both sides lock the release row, so concurrent
 *   "set release" and "delete release" cannot both win);
 * - at most one unfinished deployment per app (unique partial index);
 * - a job that is `down` stays down;
 * - events are append-only, and every insert is announced with
 *   `pg_notify('events', '<id>[:<app id>]')`.
 *
 * Custom SQLSTATEs (mapped to API errors in `pg-errors.ts`): FLA01 current
 * release deletion, FLA02 missing release, FLA03 release immutability, FLJ01
 * job state, FLE01 event immutability.
 */
export const MIGRATION_0001 = `
CREATE TABLE deployment_strategies (name text PRIMARY KEY);
INSERT INTO deployment_strategies (name) VALUES
  ('all-at-once'), ('one-by-one'), ('one-down-one-up'), ('in-batches'), ('sirenia'), ('discoverd-meta');

CREATE TABLE event_types (name text PRIMARY KEY);
INSERT INTO event_types (name) VALUES
  ('app'), ('app_deletion'), ('app_release'), ('deployment'), ('job'), ('scale'), ('scale_request'),
  ('scale_request_cancelation'), ('release'), ('release_deletion'), ('artifact'), ('provider'), ('resource'),
  ('resource_deletion'), ('resource_app_deletion'), ('key'), ('key_deletion'), ('route'), ('route_deletion'),
  ('domain_migration'), ('cluster_backup'), ('app_garbage_collection'), ('sink'), ('sink_deletion'), ('volume');

CREATE TABLE job_states (name text PRIMARY KEY);
INSERT INTO job_states (name) VALUES
  ('pending'), ('blocked'), ('starting'), ('up'), ('stopping'), ('down'), ('crashed'), ('failed');

CREATE TABLE scale_request_states (name text PRIMARY KEY);
INSERT INTO scale_request_states (name) VALUES ('pending'), ('cancelled'), ('complete');

CREATE SEQUENCE app_name_ids MINVALUE 0 START 0 MAXVALUE 4294967295;

CREATE TABLE artifacts (
  artifact_id uuid PRIMARY KEY,
  type text NOT NULL CHECK (type IN ('flynn', 'docker', 'file')),
  uri text NOT NULL,
  meta jsonb,
  manifest jsonb,
  hashes jsonb,
  size bigint,
  layer_url_template text,
  created_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  CONSTRAINT flynn_artifact_manifest CHECK (type <> 'flynn' OR manifest IS NOT NULL)
);
CREATE UNIQUE INDEX artifacts_type_uri_key ON artifacts (type, uri) WHERE deleted_at IS NULL;

CREATE TABLE apps (
  app_id uuid PRIMARY KEY,
  name text NOT NULL CONSTRAINT app_name_valid CHECK (name ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(name) <= 100),
  meta jsonb NOT NULL DEFAULT '{}',
  strategy text NOT NULL DEFAULT 'all-at-once' REFERENCES deployment_strategies (name),
  release_id uuid,
  deploy_timeout integer NOT NULL DEFAULT 120 CHECK (deploy_timeout >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE UNIQUE INDEX apps_name_key ON apps (name) WHERE deleted_at IS NULL;
CREATE INDEX apps_created_at_idx ON apps (created_at) WHERE deleted_at IS NULL;

CREATE TABLE releases (
  release_id uuid PRIMARY KEY,
  app_id uuid REFERENCES apps (app_id),
  env jsonb NOT NULL DEFAULT '{}',
  meta jsonb NOT NULL DEFAULT '{}',
  processes jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  CONSTRAINT release_has_app CHECK (app_id IS NOT NULL OR deleted_at IS NOT NULL)
);
CREATE INDEX releases_app_id_idx ON releases (app_id, created_at) WHERE deleted_at IS NULL;
ALTER TABLE apps ADD CONSTRAINT apps_release_fkey FOREIGN KEY (release_id) REFERENCES releases (release_id);

CREATE TABLE release_artifacts (
  release_id uuid NOT NULL REFERENCES releases (release_id),
  artifact_id uuid NOT NULL REFERENCES artifacts (artifact_id),
  index integer NOT NULL,
  deleted_at timestamptz,
  PRIMARY KEY (release_id, artifact_id)
);
CREATE UNIQUE INDEX release_artifacts_index_key ON release_artifacts (release_id, index) WHERE deleted_at IS NULL;

CREATE FUNCTION check_release_immutable() RETURNS trigger AS $$
BEGIN
  IF NEW.release_id <> OLD.release_id OR NEW.app_id IS DISTINCT FROM OLD.app_id OR NEW.env <> OLD.env
     OR NEW.meta <> OLD.meta OR NEW.processes <> OLD.processes OR NEW.created_at <> OLD.created_at
     OR (OLD.deleted_at IS NOT NULL AND NEW.deleted_at IS DISTINCT FROM OLD.deleted_at) THEN
    RAISE EXCEPTION 'releases are immutable' USING ERRCODE = 'FLA03';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER check_release_immutable BEFORE UPDATE ON releases
  FOR EACH ROW EXECUTE FUNCTION check_release_immutable();

CREATE FUNCTION check_release_artifacts_immutable() RETURNS trigger AS $$
BEGIN
  IF NEW.release_id <> OLD.release_id OR NEW.artifact_id <> OLD.artifact_id OR NEW.index <> OLD.index
     OR (OLD.deleted_at IS NOT NULL AND NEW.deleted_at IS DISTINCT FROM OLD.deleted_at) THEN
    RAISE EXCEPTION 'releases are immutable' USING ERRCODE = 'FLA03';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER check_release_artifacts_immutable BEFORE UPDATE ON release_artifacts
  FOR EACH ROW EXECUTE FUNCTION check_release_artifacts_immutable();

CREATE FUNCTION check_release_delete() RETURNS trigger AS $$
BEGIN
  IF NEW.deleted_at IS NOT NULL AND OLD.deleted_at IS NULL
     AND EXISTS (SELECT 1 FROM apps WHERE release_id = NEW.release_id AND deleted_at IS NULL) THEN
    RAISE EXCEPTION 'cannot delete current app release' USING ERRCODE = 'FLA01';
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER check_release_delete AFTER UPDATE ON releases
  FOR EACH ROW EXECUTE FUNCTION check_release_delete();

CREATE FUNCTION check_app_release() RETURNS trigger AS $$
BEGIN
  IF NEW.release_id IS NOT NULL AND NEW.deleted_at IS NULL
     AND (TG_OP = 'INSERT' OR NEW.release_id IS DISTINCT FROM OLD.release_id OR OLD.deleted_at IS NOT NULL) THEN
    -- FOR SHARE blocks on a concurrent deletion and re-checks the row after it commits.
    PERFORM 1 FROM releases WHERE release_id = NEW.release_id AND deleted_at IS NULL FOR SHARE;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'release % does not exist', NEW.release_id USING ERRCODE = 'FLA02';
    END IF;
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER check_app_release BEFORE INSERT OR UPDATE ON apps
  FOR EACH ROW EXECUTE FUNCTION check_app_release();

CREATE TABLE formations (
  app_id uuid NOT NULL REFERENCES apps (app_id),
  release_id uuid NOT NULL REFERENCES releases (release_id),
  processes jsonb,
  tags jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  PRIMARY KEY (app_id, release_id)
);
CREATE INDEX formations_updated_at_idx ON formations (updated_at);
CREATE INDEX formations_release_id_idx ON formations (release_id);

CREATE TABLE scale_requests (
  scale_request_id uuid PRIMARY KEY,
  app_id uuid NOT NULL REFERENCES apps (app_id),
  release_id uuid NOT NULL REFERENCES releases (release_id),
  state text NOT NULL REFERENCES scale_request_states (name),
  old_processes jsonb,
  new_processes jsonb,
  old_tags jsonb,
  new_tags jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX scale_requests_pending_idx ON scale_requests (app_id, release_id) WHERE state = 'pending';

CREATE TABLE job_cache (
  job_id uuid PRIMARY KEY,
  cluster_id text,
  host_id text,
  app_id uuid NOT NULL REFERENCES apps (app_id),
  release_id uuid REFERENCES releases (release_id),
  process_type text,
  state text NOT NULL REFERENCES job_states (name),
  meta jsonb,
  args jsonb,
  volume_ids jsonb,
  exit_status integer,
  host_error text,
  run_at timestamptz,
  restarts integer,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX job_cache_app_id_idx ON job_cache (app_id, created_at);
CREATE INDEX job_cache_active_idx ON job_cache (created_at) WHERE state NOT IN ('down', 'crashed', 'failed');

CREATE FUNCTION check_job_state() RETURNS trigger AS $$
BEGIN
  IF OLD.state IN ('down', 'crashed', 'failed') AND NEW.state NOT IN ('down', 'crashed', 'failed') THEN
    RAISE EXCEPTION 'invalid job state transition: % -> %', OLD.state, NEW.state USING ERRCODE = 'FLJ01';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER check_job_state BEFORE UPDATE ON job_cache
  FOR EACH ROW EXECUTE FUNCTION check_job_state();

CREATE TABLE deployments (
  deployment_id uuid PRIMARY KEY,
  app_id uuid NOT NULL REFERENCES apps (app_id),
  old_release_id uuid REFERENCES releases (release_id),
  new_release_id uuid NOT NULL REFERENCES releases (release_id),
  strategy text NOT NULL REFERENCES deployment_strategies (name),
  type text NOT NULL CHECK (type IN ('code', 'config')),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'complete', 'failed')),
  processes jsonb,
  tags jsonb,
  deploy_timeout integer NOT NULL,
  deploy_batch_size integer,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  CONSTRAINT deployment_finished CHECK ((finished_at IS NOT NULL) = (status IN ('complete', 'failed')))
);
-- one deployment in progress per app
CREATE UNIQUE INDEX isolate_deploys ON deployments (app_id) WHERE finished_at IS NULL;
CREATE INDEX deployments_app_id_idx ON deployments (app_id, created_at);

CREATE TABLE providers (
  provider_id uuid PRIMARY KEY,
  name text NOT NULL,
  url text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE UNIQUE INDEX providers_name_key ON providers (name) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX providers_url_key ON providers (url) WHERE deleted_at IS NULL;

CREATE TABLE resources (
  resource_id uuid PRIMARY KEY,
  provider_id uuid NOT NULL REFERENCES providers (provider_id),
  external_id text NOT NULL,
  env jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE UNIQUE INDEX resources_external_id_key ON resources (provider_id, external_id) WHERE deleted_at IS NULL;

CREATE TABLE app_resources (
  app_id uuid NOT NULL REFERENCES apps (app_id),
  resource_id uuid NOT NULL REFERENCES resources (resource_id),
  created_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE UNIQUE INDEX app_resources_key ON app_resources (app_id, resource_id) WHERE deleted_at IS NULL;
CREATE INDEX app_resources_resource_id_idx ON app_resources (resource_id) WHERE deleted_at IS NULL;

CREATE SEQUENCE event_ids;
CREATE TABLE events (
  event_id bigint PRIMARY KEY DEFAULT nextval('event_ids'),
  app_id uuid,
  object_type text NOT NULL REFERENCES event_types (name),
  object_id text NOT NULL,
  unique_id text,
  data jsonb,
  op text CHECK (op IN ('op_create', 'op_update')),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX events_unique_id_key ON events (unique_id);
CREATE INDEX events_app_id_idx ON events (app_id, event_id);
CREATE INDEX events_object_type_idx ON events (object_type, event_id);
CREATE INDEX events_object_id_idx ON events (object_id, event_id);

CREATE FUNCTION notify_event() RETURNS trigger AS $$
BEGIN
  IF NEW.app_id IS NOT NULL THEN
    PERFORM pg_notify('events', NEW.event_id || ':' || NEW.app_id);
  ELSE
    PERFORM pg_notify('events', NEW.event_id::text);
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER notify_event AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION notify_event();

CREATE FUNCTION check_events_immutable() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'events are append-only' USING ERRCODE = 'FLE01';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER check_events_immutable BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION check_events_immutable();
`;
