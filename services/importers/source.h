// Byte sources for importers: a plain file or the first member of a .zip
// archive, read as a stream in bounded chunks (never the whole file).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/status/statusor.h"

namespace dyad::importers {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `n` bytes into `buf`; returns 0 at the end. A read error or a
  // truncated archive is DATA_LOSS naming the file.
  virtual absl::StatusOr<size_t> Read(char* buf, size_t n) = 0;
  // Bytes of the file on disk consumed so far (for a .zip the compressed
  // bytes), for progress reports; 0 when unknown.
  virtual int64_t consumed() const { return 0; }
};

// Opens `path`. A file starting with the zip signature is read through
// libarchive: its first regular member is the data (GDELT publishes one CSV
// per zip). NOT_FOUND when the file does not exist; INVALID_ARGUMENT for an
// archive with no member.
absl::StatusOr<std::unique_ptr<ByteSource>> OpenByteSource(const std::string& path);

// Base name of a path ("a/b/c.CSV" -> "c.CSV").
std::string BaseName(const std::string& path);

}  // namespace dyad::importers
