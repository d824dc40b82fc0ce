#include "source.h"

#include <archive.h>
#include <archive_entry.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace dyad::importers {
namespace {

class FileSource : public ByteSource {
 public:
  FileSource(FILE* f, std::string path) : f_(f), path_(std::move(path)) {}
  ~FileSource() override { std::fclose(f_); }

  absl::StatusOr<size_t> Read(char* buf, size_t n) override {
    size_t got = std::fread(buf, 1, n, f_);
    if (got < n && std::ferror(f_)) {
      return absl::DataLossError(absl::StrCat(path_, ": read error: ", std::strerror(errno)));
    }
    consumed_ += got;
    return got;
  }
  int64_t consumed() const override { return consumed_; }

 private:
  FILE* f_;
  std::string path_;
  int64_t consumed_ = 0;
};

class ZipSource : public ByteSource {
 public:
  ZipSource(archive* a, std::string path) : a_(a), path_(std::move(path)) {}
  ~ZipSource() override { archive_read_free(a_); }

  absl::StatusOr<size_t> Read(char* buf, size_t n) override {
    la_ssize_t got = archive_read_data(a_, buf, n);
    if (got < 0) {
      return absl::DataLossError(absl::StrCat(path_, ": truncated or corrupt zip archive: ",
                                              archive_error_string(a_)));
    }
    return static_cast<size_t>(got);
  }
  // What libarchive has read from the file itself, i.e. compressed bytes.
  int64_t consumed() const override { return archive_filter_bytes(a_, -1); }

 private:
  archive* a_;
  std::string path_;
};

}  // namespace

std::string BaseName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

absl::StatusOr<std::unique_ptr<ByteSource>> OpenByteSource(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat(path, ": no such file"));
    return absl::InvalidArgumentError(absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  }
  char magic[4] = {0, 0, 0, 0};
  size_t got = std::fread(magic, 1, sizeof magic, f);
  if (got < 4 || std::memcmp(magic, "PK\x03\x04", 4) != 0) {
    std::rewind(f);
    return std::unique_ptr<ByteSource>(new FileSource(f, path));
  }
  std::fclose(f);
  archive* a = archive_read_new();
  archive_read_support_format_zip(a);
  archive_read_support_filter_all(a);
  if (archive_read_open_filename(a, path.c_str(), 64 * 1024) != ARCHIVE_OK) {
    std::string msg = absl::StrCat(path, ": truncated or corrupt zip archive: ",
                                   archive_error_string(a));
    archive_read_free(a);
    return absl::DataLossError(msg);
  }
  archive_entry* entry = nullptr;
  while (true) {
    int r = archive_read_next_header(a, &entry);
    if (r == ARCHIVE_EOF) {
      archive_read_free(a);
      return absl::InvalidArgumentError(absl::StrCat(path, ": zip archive has no file in it"));
    }
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      std::string msg = absl::StrCat(path, ": truncated or corrupt zip archive: ",
                                     archive_error_string(a));
      archive_read_free(a);
      return absl::DataLossError(msg);
    }
    if (archive_entry_filetype(entry) == AE_IFREG) break;
  }
  return std::unique_ptr<ByteSource>(new ZipSource(a, path));
}

}  // namespace dyad::importers
