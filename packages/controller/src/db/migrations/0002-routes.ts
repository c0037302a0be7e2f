/**
 * Migration 2: HTTP and TCP routes and certificates (reference §5.5, §7.3),
 * with the route rules of the original's triggers:
 *
 * - live HTTP routes are unique by (domain, port, path); the path is
 *   normalised to end in `/`; a sub-path route needs a live `/` route for the
 *   same domain and port, and a `/` route cannot be removed (or moved) while
 *   sub-path routes depend on it. Changes to one domain are serialised with
 *   an advisory lock, so the rule holds under concurrent requests;
 * - live TCP routes have unique ports, never 80 or 443; port 0 picks the
 *   first free port in 3000–3500 (under an advisory lock, so two concurrent
 *   requests never pick the same one);
 * - all live routes of one service agree on drain_backends.
 *
 * Custom SQLSTATEs: FLR01 invalid route, FLR02 root route has dependents,
 * FLR03 no free TCP port, FLR04 drain_backends mismatch.
 */
export const MIGRATION_0002 = `
CREATE TABLE http_routes (
  id uuid PRIMARY KEY,
  parent_ref text NOT NULL,
  service text NOT NULL CHECK (service <> ''),
  domain text NOT NULL CHECK (domain <> ''),
  port integer NOT NULL DEFAULT 0 CHECK (port >= 0 AND port < 65535),
  path text NOT NULL DEFAULT '/',
  leader boolean NOT NULL DEFAULT false,
  sticky boolean NOT NULL DEFAULT false,
  drain_backends boolean NOT NULL DEFAULT true,
  disable_keep_alives boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE UNIQUE INDEX http_routes_domain_port_path_key ON http_routes (domain, port, path) WHERE deleted_at IS NULL;
CREATE INDEX http_routes_parent_ref_idx ON http_routes (parent_ref) WHERE deleted_at IS NULL;
CREATE INDEX http_routes_service_idx ON http_routes (service) WHERE deleted_at IS NULL;

CREATE TABLE tcp_routes (
  id uuid PRIMARY KEY,
  parent_ref text NOT NULL,
  service text NOT NULL CHECK (service <> ''),
  port integer NOT NULL CHECK (port > 0 AND port < 65535 AND port NOT IN (80, 443)),
  leader boolean NOT NULL DEFAULT false,
  drain_backends boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE UNIQUE INDEX tcp_routes_port_key ON tcp_routes (port) WHERE deleted_at IS NULL;
CREATE INDEX tcp_routes_parent_ref_idx ON tcp_routes (parent_ref) WHERE deleted_at IS NULL;

CREATE TABLE certificates (
  id uuid PRIMARY KEY,
  cert text NOT NULL,
  key text NOT NULL,
  cert_sha256 bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE UNIQUE INDEX certificates_cert_sha256_key ON certificates (cert_sha256) WHERE deleted_at IS NULL;

CREATE TABLE route_certificates (
  http_route_id uuid PRIMARY KEY REFERENCES http_routes (id),
  certificate_id uuid NOT NULL REFERENCES certificates (id)
);

CREATE FUNCTION http_route_dependents(d text, p integer) RETURNS integer AS $$
  SELECT count(*)::integer FROM http_routes WHERE domain = d AND port = p AND path <> '/' AND deleted_at IS NULL;
$$ LANGUAGE sql;

CREATE FUNCTION check_http_route() RETURNS trigger AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    PERFORM pg_advisory_xact_lock(${0x666c796f}, hashtext(OLD.domain));
  END IF;
  IF TG_OP <> 'DELETE' THEN
    PERFORM pg_advisory_xact_lock(${0x666c796f}, hashtext(NEW.domain));
  END IF;

  IF TG_OP = 'DELETE' OR NEW.deleted_at IS NOT NULL THEN
    IF OLD.path = '/' AND OLD.deleted_at IS NULL AND http_route_dependents(OLD.domain, OLD.port) > 0 THEN
      RAISE EXCEPTION 'default route for % has dependent routes', OLD.domain USING ERRCODE = 'FLR02';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
  END IF;

  IF NEW.path IS NULL OR NEW.path = '' THEN
    NEW.path := '/';
  END IF;
  IF right(NEW.path, 1) <> '/' THEN
    NEW.path := NEW.path || '/';
  END IF;
  IF NEW.path !~ '^/(.*/)?$' THEN
    RAISE EXCEPTION 'path % is not valid', NEW.path USING ERRCODE = 'FLR01';
  END IF;

  IF TG_OP = 'UPDATE' AND OLD.path = '/' AND OLD.deleted_at IS NULL
     AND (NEW.path <> '/' OR NEW.domain <> OLD.domain OR NEW.port <> OLD.port)
     AND http_route_dependents(OLD.domain, OLD.port) > 0 THEN
    RAISE EXCEPTION 'default route for % has dependent routes', OLD.domain USING ERRCODE = 'FLR02';
  END IF;

  IF NEW.path <> '/' THEN
    PERFORM 1 FROM http_routes
      WHERE domain = NEW.domain AND port = NEW.port AND path = '/' AND deleted_at IS NULL AND id <> NEW.id;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'default route for domain % not found', NEW.domain USING ERRCODE = 'FLR01';
    END IF;
  END IF;

  PERFORM 1 FROM http_routes
    WHERE service = NEW.service AND deleted_at IS NULL AND drain_backends <> NEW.drain_backends AND id <> NEW.id;
  IF FOUND THEN
    RAISE EXCEPTION 'cannot create route with drain_backends mismatch, other routes for service % exist with drain_backends toggled', NEW.service
      USING ERRCODE = 'FLR04';
  END IF;
  NEW.updated_at := now();
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER check_http_route BEFORE INSERT OR UPDATE OR DELETE ON http_routes
  FOR EACH ROW EXECUTE FUNCTION check_http_route();

CREATE FUNCTION check_tcp_route() RETURNS trigger AS $$
BEGIN
  IF NEW.deleted_at IS NOT NULL THEN
    RETURN NEW;
  END IF;
  -- every port assignment is serialised, so an automatic pick never races an explicit one
  PERFORM pg_advisory_xact_lock(${0x666c796e}, 2);
  IF NEW.port IS NULL OR NEW.port = 0 THEN
    SELECT p INTO NEW.port FROM generate_series(3000, 3500) AS p
      WHERE p NOT IN (SELECT port FROM tcp_routes WHERE deleted_at IS NULL AND id <> NEW.id)
      ORDER BY p LIMIT 1;
    IF NEW.port IS NULL THEN
      RAISE EXCEPTION 'no free TCP port in 3000-3500' USING ERRCODE = 'FLR03';
    END IF;
  END IF;
  PERFORM 1 FROM tcp_routes
    WHERE service = NEW.service AND deleted_at IS NULL AND drain_backends <> NEW.drain_backends AND id <> NEW.id;
  IF FOUND THEN
    RAISE EXCEPTION 'cannot create route with drain_backends mismatch, other routes for service % exist with drain_backends toggled', NEW.service
      USING ERRCODE = 'FLR04';
  END IF;
  NEW.updated_at := now();
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER check_tcp_route BEFORE INSERT OR UPDATE ON tcp_routes
  FOR EACH ROW EXECUTE FUNCTION check_tcp_route();
`;
