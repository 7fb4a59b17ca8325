#!/bin/sh
# Creates Temporal's two Postgres databases when missing and brings both schemas to the
# version the sql tool embeds (postgres12). Safe on every start: `create-database` keeps an
# existing database, `setup-schema -v 0.0` adds only the version tables (and leaves a newer
# version alone), `update-schema` applies the steps after the current version. Any failure
# exits non-zero, so the Temporal server, which waits for this job, never starts on a
# half-made schema.
#
# The tool reads its connection from SQL_HOST, SQL_PORT, SQL_USER and SQL_PASSWORD (the
# password stays off the command line). TEMPORAL_SQL_TOOL: the tool's path when it is not
# `temporal-sql-tool` on PATH (as in the temporalio/admin-tools image).
set -eu
tool=${TEMPORAL_SQL_TOOL:-temporal-sql-tool}
export SQL_PLUGIN=postgres12

setup() {
  "$tool" --db "$1" create-database
  "$tool" --db "$1" setup-schema -v 0.0
  "$tool" --db "$1" update-schema --schema-name "postgresql/v12/$2"
  echo "schema ready: $1 ($2)"
}

setup "${DBNAME:-temporal}" temporal
setup "${VISIBILITY_DBNAME:-temporal_visibility}" visibility
