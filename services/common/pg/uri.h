// Which engine a --db value names, and how to show a PostgreSQL URI safely.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace dyad::pg {

// True for a libpq connection URI ("postgresql://…" or "postgres://…");
// anything else (a file path, ":memory:") is SQLite.
bool IsPostgresUri(absl::string_view db);

// The URI with any password replaced by "****" (in the user-info part and
// in a "password=" query parameter), fit for logs and error messages.
std::string MaskPassword(absl::string_view uri);

}  // namespace dyad::pg
