#include "common/plugin_host.h"

#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>

#include <openssl/evp.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "dyad/schema_fingerprint.h"
#include "dyad_plugin.h"

namespace dyad {
namespace {

using dyad::plugin::v1::HookRequest;
using dyad::plugin::v1::HookResponse;

absl::Status Fail(absl::string_view plugin, absl::string_view reason) {
  return absl::FailedPreconditionError(absl::StrCat("plugin ", plugin, ": ", reason));
}

std::string BaseName(const std::string& path) {
  auto pos = path.rfind('/');
  return pos == std::string::npos ? path : path.substr(pos + 1);
}

// Label for messages before the plugin's own name is known: its file stem.
std::string Stem(const std::string& path) {
  std::string b = BaseName(path);
  if (absl::EndsWith(b, ".so")) b.resize(b.size() - 3);
  return b;
}

absl::StatusOr<std::string> Sha256Fd(int fd, const std::string& path) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr || EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1) {
    EVP_MD_CTX_free(ctx);
    return absl::InternalError("sha256: cannot initialise OpenSSL digest");
  }
  char buf[1 << 16];
  off_t offset = 0;
  for (;;) {
    ssize_t n = pread(fd, buf, sizeof(buf), offset);
    if (n < 0) {
      EVP_MD_CTX_free(ctx);
      return absl::FailedPreconditionError(absl::StrCat("cannot read ", path));
    }
    if (n == 0) break;
    EVP_DigestUpdate(ctx, buf, static_cast<size_t>(n));
    offset += n;
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, md, &len);
  EVP_MD_CTX_free(ctx);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) {
    hex += kHex[md[i] >> 4];
    hex += kHex[md[i] & 15];
  }
  return hex;
}

struct AllowEntry {
  std::string sha256;
  std::string file;
};

absl::StatusOr<std::vector<AllowEntry>> ReadAllowlist(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Fail("allowlist", absl::StrCat("cannot read ", path));
  std::vector<AllowEntry> out;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    absl::string_view l = absl::StripAsciiWhitespace(line);
    if (l.empty() || l[0] == '#') continue;
    std::vector<std::string> parts =
        absl::StrSplit(l, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (parts.size() != 2 || parts[0].size() != 64) {
      return Fail("allowlist", absl::StrCat(path, ":", n,
                                            ": expected \"<sha256 hex>  <file name>\""));
    }
    std::string file = parts[1];
    if (!file.empty() && file[0] == '*') file.erase(0, 1);  // sha256sum binary mode marker
    out.push_back({absl::AsciiStrToLower(parts[0]), BaseName(file)});
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> ListPluginFiles(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return Fail("directory", absl::StrCat("cannot open plugin directory ", dir));
  std::vector<std::string> files;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (absl::EndsWith(name, ".so")) files.push_back(absl::StrCat(dir, "/", name));
  }
  closedir(d);
  std::sort(files.begin(), files.end());
  return files;
}

// Why `path` cannot be opened, for one log line: a symlink loop and a
// missing file are told apart.
std::string OpenError(const std::string& path, int err) {
  switch (err) {
    case ENOENT:
      return absl::StrCat("missing file ", path);
    case ELOOP:
      return absl::StrCat("symlink loop at ", path, " (too many levels of symbolic links)");
    default:
      return absl::StrCat("cannot open ", path, ": ", std::strerror(err));
  }
}

const char* FileTypeName(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a regular file";
}

// OK when `path` (after symlinks) is a regular file; never opens it.
absl::Status CheckRegularFile(const std::string& label, const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return Fail(label, OpenError(path, errno));
  if (!S_ISREG(st.st_mode)) {
    return Fail(label, absl::StrCat(path, " is ", FileTypeName(st.st_mode),
                                    ", not a regular file: plugins must be shared libraries"));
  }
  return absl::OkStatus();
}

// Copies and frees a buffer the plugin filled.
std::string Take(const DyadPlugin* api, DyadBytes* bytes) {
  std::string out;
  if (bytes->data != nullptr) out.assign(reinterpret_cast<const char*>(bytes->data), bytes->size);
  api->free_bytes(bytes);
  return out;
}

// Loads one file. `expected_sha256` is empty when no allowlist applies.
absl::StatusOr<LoadedPlugin> LoadOne(const std::string& path, const std::string& expected_sha256) {
  const std::string label = Stem(path);
  // Only regular files are opened: open() on a FIFO named *.so would wait
  // forever for a writer, and one on a device may have side effects.
  if (auto s = CheckRegularFile(label, path); !s.ok()) return s;
  // O_NONBLOCK: should the path be swapped for a FIFO after the check, the
  // open still returns, and the fstat below refuses it.
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return Fail(label, OpenError(path, errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return Fail(label, absl::StrCat(path, " is not a regular file"));
  }
  LoadedPlugin p;
  p.path = path;
  // Hash and load the same open file, so the bytes checked are the bytes
  // loaded even if the path is replaced in between.
  auto sha = Sha256Fd(fd, path);
  if (!sha.ok()) {
    close(fd);
    return Fail(label, sha.status().message());
  }
  p.sha256 = *sha;
  if (!expected_sha256.empty() && p.sha256 != expected_sha256) {
    close(fd);
    return Fail(label, absl::StrCat("SHA-256 mismatch: allowlist has ", expected_sha256,
                                    ", file ", path, " has ", p.sha256,
                                    " (changed on disk?)"));
  }
  // The descriptor stays open for the life of the process, like the library
  // itself: glibc recognises loaded objects by path string, so a reused
  // "/proc/self/fd/N" would hand back an earlier plugin.
  const std::string fd_path = absl::StrCat("/proc/self/fd/", fd);
  void* handle = dlopen(fd_path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (handle == nullptr) {
    const char* err = dlerror();
    return Fail(label, absl::StrCat("cannot load ", path, ": ", err ? err : "unknown error"));
  }
  // The handle is deliberately never dlclose'd: generated protobuf code
  // cannot be unloaded.
  auto entry = reinterpret_cast<DyadPluginEntryFn>(dlsym(handle, DYAD_PLUGIN_ENTRY_SYMBOL));
  if (entry == nullptr) {
    return Fail(label, absl::StrCat("missing symbol ", DYAD_PLUGIN_ENTRY_SYMBOL, " in ", path));
  }
  const DyadPlugin* api = entry();
  if (api == nullptr) return Fail(label, "entry point returned null");
  if (api->abi_major != DYAD_PLUGIN_ABI_MAJOR) {
    return Fail(label, absl::StrCat("ABI version ", api->abi_major, ".", api->abi_minor,
                                    " is not supported (host speaks ", DYAD_PLUGIN_ABI_MAJOR, ".",
                                    DYAD_PLUGIN_ABI_MINOR, ")"));
  }
  if (api->abi_minor > DYAD_PLUGIN_ABI_MINOR) {
    return Fail(label, absl::StrCat("ABI version ", api->abi_major, ".", api->abi_minor,
                                    " is newer than the host's ", DYAD_PLUGIN_ABI_MAJOR, ".",
                                    DYAD_PLUGIN_ABI_MINOR));
  }
  if (api->struct_size < sizeof(DyadPlugin) || api->name == nullptr ||
      api->version == nullptr || api->schema_fingerprint == nullptr ||
      api->manifest == nullptr || api->bundle == nullptr || api->call_hook == nullptr ||
      api->free_bytes == nullptr) {
    return Fail(label, "incomplete DyadPlugin struct");
  }
  const std::string name = api->name;
  if (absl::string_view(api->schema_fingerprint) != kSchemaFingerprint) {
    return Fail(name, absl::StrCat("built against another proto schema (fingerprint ",
                                   absl::string_view(api->schema_fingerprint).substr(0, 12),
                                   "…, host has ", absl::string_view(kSchemaFingerprint).substr(0, 12),
                                   "…); rebuild it"));
  }
  p.api = api;
  p.name = name;
  p.version = api->version;

  DyadBytes bytes{nullptr, 0};
  int rc = api->manifest(&bytes);
  std::string manifest = Take(api, &bytes);
  if (rc != DYAD_PLUGIN_OK) return Fail(name, absl::StrCat("manifest failed: ", manifest));
  if (!p.manifest.ParseFromString(manifest)) return Fail(name, "undecodable manifest");
  if (p.manifest.name() != p.name) {
    return Fail(name, absl::StrCat("manifest names another plugin \"", p.manifest.name(), "\""));
  }
  rc = api->bundle(&bytes);
  std::string bundle = Take(api, &bytes);
  if (rc != DYAD_PLUGIN_OK) return Fail(name, absl::StrCat("bundle failed: ", bundle));
  if (!p.bundle.ParseFromString(bundle)) {
    return Fail(name, absl::StrCat("undecodable data bundle (", bundle.size(), " bytes)"));
  }
  return p;
}

}  // namespace

bool LoadedPlugin::Contributes(absl::string_view service) const {
  return std::find(manifest.services().begin(), manifest.services().end(), service) !=
         manifest.services().end();
}

bool LoadedPlugin::Implements(dyad::plugin::v1::Hook hook) const {
  for (int h : manifest.hooks()) {
    if (h == hook) return true;
  }
  return false;
}

absl::StatusOr<std::string> Sha256File(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  auto sha = Sha256Fd(fd, path);
  close(fd);
  return sha;
}

PluginSet::PluginSet(std::vector<LoadedPlugin> plugins) : plugins_(std::move(plugins)) {
  for (const auto& p : plugins_) {
    for (const auto& s : p.bundle.sources()) sources_.push_back(s);
  }
  std::sort(sources_.begin(), sources_.end(),
            [](const auto& a, const auto& b) { return a.id() < b.id(); });
}

absl::StatusOr<std::unique_ptr<PluginSet>> PluginSet::Load(const PluginHostOptions& options) {
  std::vector<std::string> files;
  if (!options.dir.empty()) {
    auto listed = ListPluginFiles(options.dir);
    if (!listed.ok()) return listed.status();
    files = *listed;
  }
  files.insert(files.end(), options.paths.begin(), options.paths.end());

  std::map<std::string, std::string> expected;  // path → sha256
  if (!options.allowlist_file.empty()) {
    auto allow = ReadAllowlist(options.allowlist_file);
    if (!allow.ok()) return allow.status();
    std::map<std::string, std::string> by_file;
    for (const auto& e : *allow) by_file[e.file] = e.sha256;
    std::set<std::string> seen;
    for (const auto& f : files) {
      auto it = by_file.find(BaseName(f));
      if (it == by_file.end()) {
        return Fail(Stem(f), absl::StrCat("not on the allowlist ", options.allowlist_file));
      }
      expected[f] = it->second;
      seen.insert(it->first);
    }
    for (const auto& [file, sha] : by_file) {
      if (!seen.count(file)) {
        return Fail(Stem(file), absl::StrCat("missing file: the allowlist names ", file,
                                             " but it is not in ", options.dir));
      }
    }
  }

  std::vector<LoadedPlugin> loaded;
  for (const auto& f : files) {
    auto it = expected.find(f);
    auto p = LoadOne(f, it == expected.end() ? "" : it->second);
    if (!p.ok()) return p.status();
    loaded.push_back(std::move(*p));
  }
  return FromLoaded(std::move(loaded));
}

absl::StatusOr<std::unique_ptr<PluginSet>> PluginSet::FromLoaded(std::vector<LoadedPlugin> plugins) {
  if (auto s = ValidatePlugins(plugins); !s.ok()) return s;
  return std::unique_ptr<PluginSet>(new PluginSet(std::move(plugins)));
}

const LoadedPlugin* PluginSet::Find(absl::string_view name) const {
  for (const auto& p : plugins_) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::string PluginSet::Summary() const {
  if (plugins_.empty()) return "none";
  return absl::StrJoin(plugins_, ",", [](std::string* out, const LoadedPlugin& p) {
    absl::StrAppend(out, p.name, "@", p.version);
  });
}

absl::StatusOr<HookResponse> PluginSet::CallHook(const LoadedPlugin& plugin,
                                                 const HookRequest& request) const {
  if (plugin.api == nullptr) return absl::FailedPreconditionError("plugin has no code loaded");
  const std::string in = request.SerializeAsString();
  DyadBytes out{nullptr, 0};
  const int rc = plugin.api->call_hook(reinterpret_cast<const uint8_t*>(in.data()), in.size(), &out);
  std::string bytes = Take(plugin.api, &out);
  if (rc != DYAD_PLUGIN_OK) {
    return absl::InternalError(absl::StrCat("plugin ", plugin.name, " hook failed: ", bytes));
  }
  HookResponse resp;
  if (!resp.ParseFromString(bytes)) {
    return absl::InternalError(absl::StrCat("plugin ", plugin.name, ": undecodable hook response"));
  }
  return resp;
}

}  // namespace dyad
