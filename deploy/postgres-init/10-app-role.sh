#!/bin/sh
# Runs once, when the PostgreSQL container initialises an empty data directory: creates the
# role the web, worker and beat processes connect as. It owns nothing; the `migrate` service
# (connected as the owner) grants it its rights with `manage.py grant_app_role`.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     -v app_password="${APP_DB_PASSWORD:?set APP_DB_PASSWORD}" <<'SQL'
CREATE ROLE portal_app LOGIN PASSWORD :'app_password'
    NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
SQL
