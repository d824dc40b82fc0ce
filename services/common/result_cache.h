#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "absl/status/statusor.h"

namespace dyad {

// Serialized answers of read methods, by serialized request. Each service
// process is the only writer of its database, so invalidating on every write
// keeps cached answers exact. A read that raced with a write (it read the
// generation before the write and finishes after it) is not stored.
//
//   return cache.GetOrCompute(request, [&] { return Query(request); });
//
// or, by hand:
//   uint64_t gen;
//   if (auto hit = cache.Lookup(key, &gen)) return hit;
//   ... compute bytes ...
//   cache.Store(key, bytes, gen);
class ResultCache {
 public:
  // `max_entries` 0 disables the cache. When full, it is emptied (simple,
  // bounded, and cheap: entries are recomputed on the next read).
  explicit ResultCache(size_t max_entries) : max_entries_(max_entries) {}

  std::shared_ptr<const std::string> Lookup(const std::string& key, uint64_t* generation) {
    std::lock_guard<std::mutex> lock(mu_);
    *generation = generation_;
    if (max_entries_ == 0) return nullptr;
    auto it = entries_.find(key);
    return it == entries_.end() ? nullptr : it->second;
  }

  void Store(const std::string& key, std::shared_ptr<const std::string> bytes, uint64_t generation) {
    std::lock_guard<std::mutex> lock(mu_);
    if (max_entries_ == 0 || generation != generation_) return;
    if (entries_.size() >= max_entries_) entries_.clear();
    entries_[key] = std::move(bytes);
  }

  // The serialized answer to `request`: the cached one, or `compute()`'s
  // (a StatusOr of a message), serialized and kept. Failures are not kept.
  template <typename Request, typename Compute>
  absl::StatusOr<std::shared_ptr<const std::string>> GetOrCompute(const Request& request,
                                                                  Compute compute) {
    const std::string key = request.SerializeAsString();
    uint64_t generation = 0;
    if (auto hit = Lookup(key, &generation)) return hit;
    auto answer = compute();
    if (!answer.ok()) return answer.status();
    auto bytes = std::make_shared<const std::string>(answer->SerializeAsString());
    Store(key, bytes, generation);
    return bytes;
  }

  // Call after every write.
  void Invalidate() {
    std::lock_guard<std::mutex> lock(mu_);
    ++generation_;
    entries_.clear();
  }

 private:
  const size_t max_entries_;
  std::mutex mu_;
  uint64_t generation_ = 0;
  std::unordered_map<std::string, std::shared_ptr<const std::string>> entries_;
};

}  // namespace dyad
