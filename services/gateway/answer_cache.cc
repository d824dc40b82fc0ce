#include "answer_cache.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "release_watch.h"

namespace dyad::gateway {

std::string AnswerCache::Key(absl::string_view method, const google::protobuf::Message& request) {
  // Method names hold no NUL byte, so the key is unambiguous. The backends'
  // releases known now are part of it: once a backend's data moves, answers
  // composed before are no longer found (release_watch.h).
  return absl::StrCat(method, absl::string_view("\0", 1), ReleaseWatch::Tag(),
                      absl::string_view("\0", 1), request.SerializeAsString());
}

std::shared_ptr<const std::string> AnswerCache::Lookup(const std::string& key, absl::Time now) {
  if (!enabled()) return nullptr;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return nullptr;
  if (it->second.expires <= now) {
    bytes_ -= it->first.size() + it->second.bytes->size();
    entries_.erase(it);
    return nullptr;
  }
  return it->second.bytes;
}

void AnswerCache::Remember(const std::string& key, std::shared_ptr<const std::string> answer,
                           const google::protobuf::RepeatedPtrField<dyad::gateway::v1::Part>& parts,
                           absl::Time now) {
  if (!enabled()) return;
  if (!std::all_of(parts.begin(), parts.end(),
                   [](const dyad::gateway::v1::Part& p) { return p.code() == "OK"; })) {
    return;
  }
  auto bytes = std::move(answer);
  const size_t size = key.size() + bytes->size();
  if (size > max_bytes_ / 8) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = entries_.find(key); it != entries_.end()) {
    bytes_ -= it->first.size() + it->second.bytes->size();
    entries_.erase(it);
  }
  if (bytes_ + size > max_bytes_) {
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (it->second.expires <= now) {
        bytes_ -= it->first.size() + it->second.bytes->size();
        it = entries_.erase(it);
      } else {
        ++it;
      }
    }
    if (bytes_ + size > max_bytes_) {
      entries_.clear();
      bytes_ = 0;
    }
  }
  entries_.emplace(key, Entry{now + ttl_, std::move(bytes)});
  bytes_ += size;
}

size_t AnswerCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

size_t AnswerCache::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

}  // namespace dyad::gateway
