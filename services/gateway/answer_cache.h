// Whole composed answers kept for a short time (--answer_cache_ttl), so a
// popular question (this year in review, the overview) costs one lookup
// instead of a fan-out to the three backends.
//
// Unlike the backends' result caches, which are exact because each backend
// is the only writer of its database and clears its cache on every write,
// the gateway sees no writes: an answer may be up to `ttl` older than the
// backends' data. That is why the cache is off unless configured, and why
// only whole answers (every part OK) are kept: a partial answer is never
// served again.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "dyad/gateway/v1/gateway.pb.h"
#include "google/protobuf/message.h"

namespace dyad::gateway {

class AnswerCache {
 public:
  // `ttl` zero (or `max_bytes` zero) disables the cache. `max_bytes` bounds
  // the answers kept (their serialized size); an answer larger than an
  // eighth of it is not kept at all.
  AnswerCache(absl::Duration ttl, size_t max_bytes) : ttl_(ttl), max_bytes_(max_bytes) {}

  bool enabled() const { return ttl_ > absl::ZeroDuration() && max_bytes_ > 0; }
  absl::Duration ttl() const { return ttl_; }

  // The key of a method's answer to `request`.
  static std::string Key(absl::string_view method, const google::protobuf::Message& request);

  // The stored answer under `key` when it is younger than the ttl.
  std::shared_ptr<const std::string> Lookup(const std::string& key, absl::Time now = absl::Now());

  // Keeps `answer` (serialized) under `key` when every one of its `parts` is
  // OK. When it would not fit, expired answers go first; if that is not
  // enough, the cache is emptied (bounded and cheap: answers are composed
  // again on the next call).
  void Remember(const std::string& key, std::shared_ptr<const std::string> answer,
                const google::protobuf::RepeatedPtrField<dyad::gateway::v1::Part>& parts,
                absl::Time now = absl::Now());

  // Answers kept, and their bytes.
  size_t size() const;
  size_t bytes() const;

 private:
  struct Entry {
    absl::Time expires;
    std::shared_ptr<const std::string> bytes;
  };
  const absl::Duration ttl_;
  const size_t max_bytes_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  size_t bytes_ = 0;  // keys and answers
};

}  // namespace dyad::gateway
