#include "common/sqlite/migrations.h"

#include <sqlite3.h>

#include <algorithm>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/sqlite/database.h"
#include "common/sqlite/statement.h"
#include "common/sqlite/transaction.h"

namespace dyad::sql {
namespace {

constexpr char kMetaExistsSql[] =
    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'";
constexpr char kCreateMetaSql[] =
    "CREATE TABLE IF NOT EXISTS meta (key TEXT NOT NULL PRIMARY KEY, value TEXT)";
constexpr char kGetMetaSql[] = "SELECT value FROM meta WHERE key = ?";
constexpr char kPutMetaSql[] = "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)";

constexpr char kVersionKey[] = "version";
constexpr char kCompatibleVersionKey[] = "compatible_version";

// The integer stored in meta under `key`; 0 when the table or the row is
// missing (a fresh database).
absl::StatusOr<int> ReadMeta(Database* db, const char* key) {
  absl::StatusOr<std::unique_ptr<Statement>> exists = db->Prepare(kMetaExistsSql);
  if (!exists.ok()) return exists.status();
  if (!(*exists)->Step()) {
    if (!(*exists)->Succeeded()) return (*exists)->status();
    return 0;  // no meta table
  }

  absl::StatusOr<std::unique_ptr<Statement>> get = db->Prepare(kGetMetaSql);
  if (!get.ok()) return get.status();
  (*get)->BindText(1, key);
  if (!(*get)->Step()) {
    if (!(*get)->Succeeded()) return (*get)->status();
    return 0;  // no such row
  }
  const std::string text = (*get)->ColumnText(0);
  int value = 0;
  if (!absl::SimpleAtoi(text, &value) || value < 0) {
    return absl::DataLossError(absl::StrCat("sqlite database \"", db->path(), "\": meta ", key,
                                            " is \"", text, "\", not a version number"));
  }
  return value;
}

absl::Status WriteMeta(Database* db, const char* key, int value) {
  absl::StatusOr<std::unique_ptr<Statement>> put = db->Prepare(kPutMetaSql);
  if (!put.ok()) return put.status();
  (*put)->BindText(1, key).BindText(2, absl::StrCat(value));
  return (*put)->Run();
}

// FailedPrecondition when the database was written by code newer than ours
// (its compatible_version is above the newest version we know).
absl::Status CheckCompatible(Database* db, int newest) {
  absl::StatusOr<int> compatible = ReadMeta(db, kCompatibleVersionKey);
  if (!compatible.ok()) return compatible.status();
  if (*compatible > newest) {
    return absl::FailedPreconditionError(
        absl::StrCat("sqlite database \"", db->path(), "\" has compatible_version ", *compatible,
                     " but this code knows schema versions up to ", newest,
                     " only: it was written by newer code"));
  }
  return absl::OkStatus();
}

absl::Status Annotate(const absl::Status& s, int version) {
  return absl::Status(s.code(), absl::StrCat("migration to version ", version, ": ", s.message()));
}

// Applies `m` unless the database already has it, in one transaction: the
// check, the migration and the new version commit (or vanish) together.
absl::Status ApplyOne(Database* db, const Migration& m, int newest, int compatible_version) {
  Transaction tx(db);
  if (absl::Status s = tx.Begin(); !s.ok()) return Annotate(s, m.version);
  // Look again under the write lock: another connection may have migrated.
  if (absl::Status s = CheckCompatible(db, newest); !s.ok()) return s;
  absl::StatusOr<int> version = SchemaVersion(db);
  if (!version.ok()) return version.status();
  if (*version >= m.version) return absl::OkStatus();  // tx rolls back: nothing done

  if (absl::Status s = db->Execute(kCreateMetaSql); !s.ok()) return Annotate(s, m.version);
  if (absl::Status s = db->Execute(m.sql); !s.ok()) return Annotate(s, m.version);
  if (sqlite3_get_autocommit(db->raw())) {
    return absl::InvalidArgumentError(absl::StrCat("migration to version ", m.version,
                                                   " ended its own transaction (COMMIT inside?)"));
  }
  // `compatible_version` describes the newest schema. An intermediate one
  // (left behind if a later migration fails) is recorded as usable by code
  // that knows it: min(compatible_version, m.version). After the last
  // migration this is exactly `compatible_version`.
  if (absl::Status s = WriteMeta(db, kVersionKey, m.version); !s.ok()) {
    return Annotate(s, m.version);
  }
  if (absl::Status s =
          WriteMeta(db, kCompatibleVersionKey, std::min(compatible_version, m.version));
      !s.ok()) {
    return Annotate(s, m.version);
  }
  if (absl::Status s = tx.Commit(); !s.ok()) return Annotate(s, m.version);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<int> SchemaVersion(Database* db) { return ReadMeta(db, kVersionKey); }

absl::Status Migrate(Database* db, absl::Span<const Migration> migrations, int compatible_version) {
  // The list is code, so a bad one is a programming error: say so plainly.
  if (migrations.empty()) return absl::InvalidArgumentError("Migrate: no migrations");
  for (size_t i = 0; i < migrations.size(); ++i) {
    const int previous = i == 0 ? 0 : migrations[i - 1].version;
    if (migrations[i].version <= previous || (i == 0 && migrations[i].version != 1)) {
      return absl::InvalidArgumentError(
          absl::StrCat("Migrate: versions must increase strictly from 1; found ",
                       migrations[i].version, " at position ", i));
    }
    if (migrations[i].sql == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("Migrate: migration ", migrations[i].version, " has no SQL"));
    }
  }
  const int newest = migrations.back().version;
  if (compatible_version < 1 || compatible_version > newest) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Migrate: compatible_version ", compatible_version, " is not in [1, ", newest, "]"));
  }

  // Without taking the write lock: refuse a too-new database, and skip the
  // migrations already applied (the usual case is that all of them are).
  if (absl::Status s = CheckCompatible(db, newest); !s.ok()) return s;
  absl::StatusOr<int> version = SchemaVersion(db);
  if (!version.ok()) return version.status();
  for (const Migration& m : migrations) {
    if (m.version <= *version) continue;
    if (absl::Status s = ApplyOne(db, m, newest, compatible_version); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace dyad::sql
