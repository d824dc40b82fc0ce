#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "absl/status/statusor.h"
#include "common/metrics.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/message.h"

namespace dyad {

// 64 MiB: --result_cache_mib's default.
inline constexpr size_t kDefaultResultCacheBytes = size_t{64} << 20;

// The cache key of a request: a deterministic serialization of its known
// fields only. Unknown fields (which a client can make as big as the
// transport allows) are dropped, recursively, so they neither grow the key
// nor split one question into many cache entries.
inline std::string CanonicalRequestKey(const google::protobuf::Message& request) {
  std::unique_ptr<google::protobuf::Message> known(request.New());
  known->CopyFrom(request);
  known->DiscardUnknownFields();
  std::string key;
  {
    google::protobuf::io::StringOutputStream out(&key);
    google::protobuf::io::CodedOutputStream coded(&out);
    coded.SetSerializationDeterministic(true);
    known->SerializeWithCachedSizes(&coded);
  }
  return key;
}

// Serialized answers of read methods, by canonical request (above). Each
// service process is the only writer of its database, so invalidating on
// every write keeps cached answers exact. A read that raced with a write (it
// read the generation before the write and finishes after it) is not stored.
//
//   return cache.GetOrCompute(request, [&] { return Query(request); });
//
// or, by hand:
//   uint64_t gen;
//   if (auto hit = cache.Lookup(key, &gen)) return hit;
//   ... compute bytes ...
//   cache.Store(key, bytes, gen);
//
// Bounded two ways: at most `max_entries` entries and at most `max_bytes`
// bytes of keys plus answers (plus a fixed per-entry overhead). An answer
// bigger than an eighth of `max_bytes` is not kept at all. When a new entry
// would cross either bound, the cache is emptied first (simple, bounded,
// and cheap: entries are recomputed on the next read).
class ResultCache {
 public:
  // Bookkeeping charged per entry on top of key and answer bytes.
  static constexpr size_t kEntryOverhead = 128;

  // `max_entries` 0 or `max_bytes` 0 disables the cache.
  explicit ResultCache(size_t max_entries, size_t max_bytes = kDefaultResultCacheBytes)
      : max_entries_(max_entries), max_bytes_(max_bytes) {}

  std::shared_ptr<const std::string> Lookup(const std::string& key, uint64_t* generation) {
    std::lock_guard<std::mutex> lock(mu_);
    *generation = generation_;
    if (!enabled()) return nullptr;
    auto it = entries_.find(key);
    metrics::ResultCacheLookup(it != entries_.end());
    return it == entries_.end() ? nullptr : it->second;
  }

  // Keeps `bytes` for `key` unless a write happened since `generation` was
  // read or the entry is too big (see the class comment).
  void Store(const std::string& key, std::shared_ptr<const std::string> bytes, uint64_t generation) {
    const size_t cost = key.size() + bytes->size() + kEntryOverhead;
    std::lock_guard<std::mutex> lock(mu_);
    if (!enabled() || generation != generation_) return;
    if (cost > max_bytes_ / 8) return;
    auto it = entries_.find(key);
    if (it != entries_.end()) {
      bytes_ -= key.size() + it->second->size() + kEntryOverhead;
      entries_.erase(it);
    }
    if (entries_.size() >= max_entries_ || bytes_ + cost > max_bytes_) {
      entries_.clear();
      bytes_ = 0;
    }
    entries_.emplace(key, std::move(bytes));
    bytes_ += cost;
  }

  // The serialized answer to `request`: the cached one, or `compute()`'s
  // (a StatusOr of a message), serialized and kept. Failures are not kept.
  template <typename Request, typename Compute>
  absl::StatusOr<std::shared_ptr<const std::string>> GetOrCompute(const Request& request,
                                                                  Compute compute) {
    return GetOrComputeBytes(request, [&]() -> absl::StatusOr<std::string> {
      auto answer = compute();
      if (!answer.ok()) return answer.status();
      return answer->SerializeAsString();
    });
  }

  // The same for a `compute()` that returns the answer already serialized
  // (a StatusOr<std::string>), e.g. assembled from stored bytes (wire.h).
  // With the cache off, no key is made.
  template <typename Request, typename Compute>
  absl::StatusOr<std::shared_ptr<const std::string>> GetOrComputeBytes(const Request& request,
                                                                       Compute compute) {
    if (!enabled()) {
      absl::StatusOr<std::string> answer = compute();
      if (!answer.ok()) return answer.status();
      return std::make_shared<const std::string>(std::move(*answer));
    }
    const std::string key = CanonicalRequestKey(request);
    uint64_t generation = 0;
    if (auto hit = Lookup(key, &generation)) return hit;
    absl::StatusOr<std::string> answer = compute();
    if (!answer.ok()) return answer.status();
    auto bytes = std::make_shared<const std::string>(std::move(*answer));
    Store(key, bytes, generation);
    return bytes;
  }

  // Call after every write.
  void Invalidate() {
    std::lock_guard<std::mutex> lock(mu_);
    ++generation_;
    entries_.clear();
    bytes_ = 0;
  }

  // What is kept now: entries, and bytes as charged against max_bytes.
  size_t size() {
    std::lock_guard<std::mutex> lock(mu_);
    return entries_.size();
  }
  size_t bytes() {
    std::lock_guard<std::mutex> lock(mu_);
    return bytes_;
  }

 private:
  bool enabled() const { return max_entries_ > 0 && max_bytes_ > 0; }

  const size_t max_entries_;
  const size_t max_bytes_;
  std::mutex mu_;
  uint64_t generation_ = 0;
  size_t bytes_ = 0;
  std::unordered_map<std::string, std::shared_ptr<const std::string>> entries_;
};

}  // namespace dyad
