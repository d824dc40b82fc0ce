// Schema versioning (after Chromium's sql::MetaTable).
//
//   constexpr sql::Migration kMigrations[] = {
//       {1, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"},
//       {2, "ALTER TABLE t ADD COLUMN note TEXT;"},
//   };
//   constexpr int kCompatibleVersion = 1;  // code knowing only v1 can still use a v2 db
//   if (absl::Status s = sql::Migrate(db, kMigrations, kCompatibleVersion); !s.ok()) ...
//
// The database keeps a table `meta (key TEXT PRIMARY KEY, value TEXT)` with
// two rows:
//   "version"            the newest migration applied;
//   "compatible_version" the oldest version a program must know to use the
//                        database; code whose newest version is below it
//                        refuses to touch the database.
// A migration must not contain BEGIN / COMMIT (each runs inside its own
// transaction), and `PRAGMA foreign_keys` has no effect inside it.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace dyad::sql {

class Database;

struct Migration {
  int version;      // 1, 2, 3, ...
  const char* sql;  // one or more statements
};

// Brings the schema to the newest version in `migrations`: every migration
// above the stored version is applied, in order, each in its own
// BEGIN IMMEDIATE transaction that also records the new version, so a
// failing migration leaves the database at the version before it (and two
// processes migrating the same file at once apply each step only once).
//
// Errors:
//   InvalidArgument     `migrations` empty, not strictly increasing from 1, a
//                       null sql, or compatible_version not in
//                       [1, newest version];
//   FailedPrecondition  the database's compatible_version is above the newest
//                       version known here (it was written by newer code);
//   the failing statement's error, prefixed with "migration to version N".
//
// `compatible_version` is stored after the last migration; a database that
// is newer than this code but still compatible is left as it is.
absl::Status Migrate(Database* db, absl::Span<const Migration> migrations, int compatible_version);

// The stored schema version; 0 for a fresh database.
absl::StatusOr<int> SchemaVersion(Database* db);

}  // namespace dyad::sql
