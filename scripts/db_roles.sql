-- The two PostgreSQL roles of Anxin Auto (DESIGN.md "Database roles"), idempotent: run it again at any time.
--
--   owner  owns the database, every table, sequence and trigger function; runs `manage.py migrate`
--          (DATABASE_OWNER_URL, given only to the release step).
--   app    what the web processes and Celery workers connect as (DATABASE_URL): owns nothing, is not a
--          superuser, may read and write rows but not empty, alter or re-trigger a table. So it can switch
--          off none of the triggers that keep signed contracts and published reports unchanged.
--
-- Run as a superuser, e.g.
--   psql -h 127.0.0.1 -U postgres -v owner=anxin_owner -v app=anxin_app -v db=anxin \
--        -v owner_password="$OWNER_PW" -v app_password="$APP_PW" -f scripts/db_roles.sql
-- Passwords are optional (omit them with trust or peer authentication); -v owner_createdb=1 lets the owner
-- create databases (the test suite creates its own test database), -v owner_createdb=0 takes that away
-- (production does not need it); without it the owner keeps what it has.
-- An existing database whose tables belong to someone else (e.g. `postgres`) is handed to the owner.
\set ON_ERROR_STOP on
\set QUIET on

-- --- roles ---------------------------------------------------------------------------------------------
-- One run at a time (CI runs may start together); the lock ends with this session's first connection.
SELECT pg_advisory_lock(hashtext('anxin scripts/db_roles.sql')) AS roles_lock \gset
SELECT format('CREATE ROLE %I LOGIN', :'owner') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I LOGIN', :'app') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app') \gexec
-- Whatever they were before: neither is a superuser; the app role has no way to raise its rights.
SELECT format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEROLE NOREPLICATION NOBYPASSRLS', :'owner') \gexec
SELECT format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT', :'app') \gexec
SELECT format('REVOKE %I FROM %I', m.rolname, :'app') FROM pg_auth_members a
    JOIN pg_roles m ON m.oid = a.roleid JOIN pg_roles u ON u.oid = a.member WHERE u.rolname = :'app' \gexec
\if :{?owner_createdb}
SELECT format('ALTER ROLE %I %s', :'owner', CASE WHEN :'owner_createdb' = '1' THEN 'CREATEDB' ELSE 'NOCREATEDB' END) \gexec
\endif
\if :{?owner_password}
SELECT format('ALTER ROLE %I PASSWORD %L', :'owner', :'owner_password') \gexec
\endif
\if :{?app_password}
SELECT format('ALTER ROLE %I PASSWORD %L', :'app', :'app_password') \gexec
\endif

-- --- the database, owned by the owner ------------------------------------------------------------------
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'owner') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SELECT format('ALTER DATABASE %I OWNER TO %I', :'db', :'owner') \gexec
\connect :db
\set ON_ERROR_STOP on
SELECT format('ALTER SCHEMA public OWNER TO %I', :'owner') \gexec
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
-- Tables, sequences, views and functions somebody else created (an install from before the split).
SELECT format('ALTER TABLE %I.%I OWNER TO %I', n.nspname, c.relname, :'owner') FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_roles r ON r.oid = c.relowner
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND r.rolname <> :'owner'
    AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e') \gexec
SELECT format('ALTER SEQUENCE %I.%I OWNER TO %I', n.nspname, c.relname, :'owner') FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_roles r ON r.oid = c.relowner
    WHERE n.nspname = 'public' AND c.relkind = 'S' AND r.rolname <> :'owner'
    AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i', 'e')) \gexec
SELECT format('ALTER FUNCTION %s OWNER TO %I', p.oid::regprocedure, :'owner') FROM pg_proc p
    JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_roles r ON r.oid = p.proowner
    WHERE n.nspname = 'public' AND r.rolname <> :'owner'
    AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') \gexec

-- --- what the app role may do: rows only, on every table the owner has and will create -------------------
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', :'db', :'app') \gexec
SELECT format('GRANT USAGE ON SCHEMA public TO %I', :'app') \gexec
SELECT format('REVOKE ALL ON ALL TABLES IN SCHEMA public FROM %I', :'app') \gexec
SELECT format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %I', :'app') \gexec
SELECT format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM %I', :'app') \gexec
SELECT format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO %I', :'app') \gexec
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', :'owner', :'app') \gexec
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT USAGE ON SEQUENCES TO %I', :'owner', :'app') \gexec
\echo roles ready: owner :owner, app :app, database :db
