// Versioned schema migrations for PostgreSQL, safe when several replicas
// start at once: each runs them inside one transaction holding a
// transaction-scoped advisory lock (pg_advisory_xact_lock) keyed by the
// schema's name, so one replica migrates and the others then find the
// version current. A table `<schema>_meta` records version and
// compatible_version, as the SQLite layer's meta table does.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "common/pg/connection.h"

namespace dyad::pg {

struct Migration {
  int version;        // 1, 2, ... in order
  const char* sql;    // one or more statements
};

// Brings the schema named `schema` to the last migration's version.
// FAILED_PRECONDITION when the database was written by a newer release
// whose compatible_version is above what this binary knows.
absl::Status Migrate(Connection& conn, const std::string& schema,
                     absl::Span<const Migration> migrations, int compatible_version);

}  // namespace dyad::pg
