#include "common/pg/migrations.h"

#include "absl/strings/str_cat.h"

namespace dyad::pg {

absl::Status Migrate(Connection& conn, const std::string& schema,
                     absl::Span<const Migration> migrations, int compatible_version) {
  Transaction tx(&conn);
  if (auto s = tx.Begin(); !s.ok()) return s;
  // One lock for every schema (they share dyad_meta, whose creation must
  // not race); hashtext gives a stable key. The lock ends with the
  // transaction, so a crashed replica never leaves it held.
  if (auto r = conn.Run("SELECT pg_advisory_xact_lock(hashtext($1))",
                        Params().Text("dyad.migrate"));
      !r.ok()) {
    return r.status();
  }
  // Meta rows keyed by schema name, so several stores can share a database.
  // Created only when missing: a schema already current is checked without
  // writing anything, so a replica can start on a read-only hot standby.
  auto exists = conn.Run("SELECT to_regclass('dyad_meta') IS NOT NULL");
  if (!exists.ok()) return exists.status();
  if (exists->rows() == 0 || exists->Int64(0, 0) == 0) {
    if (auto s = conn.Execute(
            "CREATE TABLE IF NOT EXISTS dyad_meta (schema_name TEXT PRIMARY KEY, "
            "version INTEGER NOT NULL, compatible_version INTEGER NOT NULL)");
        !s.ok()) {
      return s;
    }
  }
  auto meta = conn.Run(
      "SELECT version, compatible_version FROM dyad_meta WHERE schema_name = $1",
      Params().Text(schema));
  if (!meta.ok()) return meta.status();
  int64_t version = 0;
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  if (meta->rows() > 0) {
    version = meta->Int64(0, 0);
    const int64_t compatible = meta->Int64(0, 1);
    if (compatible > latest) {
      return absl::FailedPreconditionError(absl::StrCat(
          schema, " schema is version ", version, " (needs a release that knows version ",
          compatible, "); this binary knows up to ", latest));
    }
  }
  for (const Migration& m : migrations) {
    if (m.version <= version) continue;
    if (auto s = conn.Execute(m.sql); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat("migrating ", schema, " to version ", m.version,
                                                  ": ", s.message()));
    }
  }
  if (version < latest) {
    auto r = conn.Run(
        "INSERT INTO dyad_meta (schema_name, version, compatible_version) VALUES ($1, $2, $3) "
        "ON CONFLICT (schema_name) DO UPDATE SET version = excluded.version, "
        "compatible_version = excluded.compatible_version",
        Params().Text(schema).Int(latest).Int(compatible_version));
    if (!r.ok()) return r.status();
  }
  return tx.Commit();
}

}  // namespace dyad::pg
