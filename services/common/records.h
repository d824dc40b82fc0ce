#pragma once

#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/page_token.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/message.h"

namespace dyad {

// A stable fingerprint of a plugin's records (deterministic serialization),
// stored beside the plugin's version: changed data under an unchanged
// version string is still reloaded.
template <typename Message>
std::string RecordsFingerprint(const std::vector<Message>& records) {
  std::string all;
  for (const auto& r : records) {
    std::string bytes;
    {
      google::protobuf::io::StringOutputStream out(&bytes);
      google::protobuf::io::CodedOutputStream coded(&out);
      coded.SetSerializationDeterministic(true);
      r.SerializeToCodedStream(&coded);
    }
    absl::StrAppend(&all, bytes.size(), ":", bytes);
  }
  return absl::StrCat(Fingerprint(all), "-", records.size());
}

// A URL-safe id from a title: lower-case words joined by '-', at most
// `max_len` characters; `fallback` when nothing is left.
inline std::string Slug(absl::string_view title, size_t max_len, absl::string_view fallback) {
  std::string s;
  for (char c : title) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      s += c;
    } else if (c >= 'A' && c <= 'Z') {
      s += static_cast<char>(c - 'A' + 'a');
    } else if (!s.empty() && s.back() != '-') {
      s += '-';
    }
    if (s.size() >= max_len) break;
  }
  while (!s.empty() && s.back() == '-') s.pop_back();
  return s.empty() ? std::string(fallback) : s;
}

// Eight random hex digits, to make server-picked ids unique.
inline std::string RandomSuffix() {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  return absl::StrCat(absl::Hex(rng() & 0xffffffffULL, absl::kZeroPad8));
}

// The id of an imported record: "{dataset}-{upstream_id}" lower-case, every
// run of other characters one '-' ("gdelt-2.0", "882239871" ->
// "gdelt-2-0-882239871"), the same on every import. Longer than 63
// characters, it keeps its first 46 and ends in 16 hex digits of a hash of
// the whole, so distinct rows keep distinct ids.
inline std::string ImportedRecordId(absl::string_view dataset, absl::string_view upstream_id) {
  constexpr size_t kMaxId = 63;
  const std::string raw = absl::StrCat(dataset, "-", upstream_id);
  std::string id;
  id.reserve(raw.size());
  for (char c : raw) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      id += c;
    } else if (c >= 'A' && c <= 'Z') {
      id += static_cast<char>(c - 'A' + 'a');
    } else if (!id.empty() && id.back() != '-') {
      id += '-';
    }
  }
  while (!id.empty() && id.back() == '-') id.pop_back();
  if (id.size() > kMaxId) {
    id.resize(kMaxId - 17);
    while (!id.empty() && id.back() == '-') id.pop_back();
    absl::StrAppend(&id, "-", absl::Hex(Fingerprint(raw), absl::kZeroPad16));
  }
  return id;
}

}  // namespace dyad
