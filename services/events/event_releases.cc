// EventCore: releases, reads as of an earlier release, UpdateEvent and
// DeleteEvent, and the change feed (docs/releases.md).
#include <algorithm>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/page_token.h"
#include "common/partial_date.h"
#include "common/status.h"
#include "common/validation.h"
#include "event_changes.h"
#include "event_core.h"

namespace dyad::events {
namespace {

using dyad::events::v1::Event;

// ListEvents as_of reads every record changed since the release; past this
// many it refuses (GetEvent as_of has no such bound).
constexpr int kMaxAsOfChanged = 10000;
constexpr int kDefaultChangesPage = 100;
constexpr int kMaxChangesPage = 1000;

absl::StatusOr<Event> ParseStored(const std::string& bytes, const std::string& name) {
  Event e;
  if (!e.ParseFromString(bytes)) {
    return absl::DataLossError(absl::StrCat("event \"", name, "\" is stored corrupt"));
  }
  return e;
}

bool After(const Event& e, const std::optional<PageCursor>& cursor) {
  if (!cursor) return true;
  return std::make_tuple(SortKey(e.date()), std::string_view(e.name())) >
         std::make_tuple(cursor->sort_key, std::string_view(cursor->name));
}

bool Before(const Event& x, const Event& y) {
  return std::make_tuple(SortKey(x.date()), std::string_view(x.name())) <
         std::make_tuple(SortKey(y.date()), std::string_view(y.name()));
}

}  // namespace

absl::StatusOr<std::string> EventCore::GetEventSerializedAt(
    const dyad::events::v1::GetEventRequest& req, ReleaseInfo* release) {
  auto id = ParseResourceName(req.name(), "events", "name");
  if (!id.ok()) return id.status();
  if (req.as_of().empty()) {
    auto bytes = store_->GetSerialized(req.name());
    if (!bytes.ok()) return bytes.status();
    // Read after the record: at least as new as what was answered.
    auto latest = store_->LatestRelease();
    if (!latest.ok()) return latest.status();
    *release = std::move(*latest);
    return bytes;
  }
  auto r = store_->FindRelease(req.as_of());
  if (!r.ok()) return r.status();
  *release = *r;
  return store_->GetSerializedAt(req.name(), r->seq);
}

absl::StatusOr<dyad::events::v1::ListEventsResponse> EventCore::QueryEventsAsOf(
    const EventQuery& q, const std::string& as_of, uint64_t filter_fingerprint) {
  if (!q.fts_query.empty()) {
    return InvalidField("query", "cannot be combined with as_of (the text index holds the "
                                 "current records only)");
  }
  auto release = store_->FindRelease(as_of);
  if (!release.ok()) return release.status();
  auto changed = store_->ChangedSince(release->seq, kMaxAsOfChanged + 1);
  if (!changed.ok()) return changed.status();
  if (static_cast<int>(changed->size()) > kMaxAsOfChanged) {
    return absl::FailedPreconditionError(absl::StrCat(
        "as_of: more than ", kMaxAsOfChanged, " events changed since release \"", as_of,
        "\"; ListEvents reads at most that many as of a release (GetEvent has no such limit)"));
  }
  // The records changed since: drop their current rows from the store's
  // page, and put back what they were then where it matches.
  std::set<std::string> names;
  int64_t now_matching = 0;
  int64_t then_matching = 0;
  std::vector<Event> then;
  for (const ChangedRecord& c : *changed) {
    names.insert(c.name);
    if (c.now) {
      auto e = ParseStored(*c.now, c.name);
      if (!e.ok()) return e.status();
      if (MatchesQuery(*e, q)) ++now_matching;
    }
    if (c.then) {
      auto e = ParseStored(*c.then, c.name);
      if (!e.ok()) return e.status();
      if (MatchesQuery(*e, q)) {
        ++then_matching;
        if (After(*e, q.after)) then.push_back(std::move(*e));
      }
    }
  }
  EventQuery current = q;
  current.limit = q.limit + static_cast<int>(names.size());
  auto page = store_->List(current);
  if (!page.ok()) return page.status();
  std::vector<Event> merged;
  merged.reserve(page->bodies.size() + then.size());
  std::optional<Event> last_read;
  for (const std::string& body : page->bodies) {
    auto e = ParseStored(body, "listed event");
    if (!e.ok()) return e.status();
    last_read = *e;
    if (!names.count(e->name())) merged.push_back(*std::move(e));
  }
  for (Event& e : then) {
    // Beyond the last current row read, rows not read yet may come first:
    // those wait for the next page.
    if (page->next && last_read && Before(*last_read, e)) continue;
    merged.push_back(std::move(e));
  }
  std::sort(merged.begin(), merged.end(), Before);
  const bool more = static_cast<int>(merged.size()) > q.limit || page->next.has_value();
  if (static_cast<int>(merged.size()) > q.limit) merged.resize(q.limit);
  dyad::events::v1::ListEventsResponse resp;
  for (Event& e : merged) *resp.add_events() = std::move(e);
  resp.set_total_size(static_cast<int32_t>(page->total_size - now_matching + then_matching));
  if (more && resp.events_size() > 0) {
    const Event& last = resp.events(resp.events_size() - 1);
    resp.set_next_page_token(
        EncodePageToken(PageCursor{filter_fingerprint, SortKey(last.date()), last.name()}));
  }
  *resp.mutable_release() = ReleaseProto(*release);
  return resp;
}

absl::StatusOr<Event> EventCore::UpdateEvent(const dyad::events::v1::UpdateEventRequest& req) {
  if (!req.has_event()) return InvalidField("event", "is required");
  Event e = req.event();
  auto id = ParseResourceName(e.name(), "events", "event.name");
  if (!id.ok()) return id.status();
  if (auto s = ValidateNewEvent(e); !s.ok()) return s;
  e.set_domain(kinds_.at(e.kind()).domain());
  e.clear_plugin();
  e.set_origin(dyad::type::v1::ORIGIN_CURATED);
  e.clear_coded();
  if (auto s = RunValidateHooks(e); !s.ok()) return s;
  if (auto s = store_->Update(e); !s.ok()) return s;
  list_cache_.Invalidate();
  return e;
}

absl::StatusOr<dyad::events::v1::DeleteEventResponse> EventCore::DeleteEvent(
    const dyad::events::v1::DeleteEventRequest& req) {
  auto id = ParseResourceName(req.name(), "events", "name");
  if (!id.ok()) return id.status();
  if (auto s = store_->Delete(req.name()); !s.ok()) return s;
  list_cache_.Invalidate();
  auto latest = store_->LatestRelease();
  if (!latest.ok()) return latest.status();
  dyad::events::v1::DeleteEventResponse resp;
  *resp.mutable_release() = ReleaseProto(*latest);
  return resp;
}

absl::StatusOr<dyad::events::v1::ListReleasesResponse> EventCore::ListReleases(
    const dyad::events::v1::ListReleasesRequest& req) {
  auto size = EffectivePageSize(req.page_size());
  if (!size.ok()) return size.status();
  static const uint64_t kFp = Fingerprint("releases");
  int64_t before = INT64_MAX;
  if (!req.page_token().empty()) {
    auto cursor = DecodePageToken(req.page_token(), kFp);
    if (!cursor.ok()) return cursor.status();
    before = cursor->sort_key;
  }
  auto rows = store_->ListReleases(before, *size + 1);
  if (!rows.ok()) return rows.status();
  dyad::events::v1::ListReleasesResponse resp;
  for (int i = 0; i < static_cast<int>(rows->size()) && i < *size; ++i) {
    *resp.add_releases() = ReleaseProto((*rows)[i]);
  }
  if (static_cast<int>(rows->size()) > *size) {
    resp.set_next_page_token(EncodePageToken(PageCursor{kFp, (*rows)[*size - 1].no, ""}));
  }
  return resp;
}

absl::StatusOr<std::vector<dyad::events::v1::EventChange>> EventCore::ChangesAfter(int64_t since,
                                                                                   int limit) {
  auto rows = store_->ListChanges(since, limit);
  if (!rows.ok()) return rows.status();
  std::vector<dyad::events::v1::EventChange> out;
  out.reserve(rows->size());
  for (const ChangeRecord& r : *rows) {
    dyad::events::v1::EventChange c;
    c.set_seq(r.seq);
    c.set_kind(static_cast<dyad::type::v1::ChangeKind>(r.kind));
    c.set_name(r.name);
    c.set_commit_time_micros(r.commit_time_micros);
    if (r.body && !c.mutable_event()->ParseFromString(*r.body)) {
      return absl::DataLossError(absl::StrCat("event \"", r.name, "\" is stored corrupt"));
    }
    if (r.previous && !c.mutable_previous()->ParseFromString(*r.previous)) {
      return absl::DataLossError(absl::StrCat("history of event \"", r.name, "\" is corrupt"));
    }
    out.push_back(std::move(c));
  }
  return out;
}

absl::StatusOr<dyad::events::v1::ListChangesResponse> EventCore::ListChanges(
    const dyad::events::v1::ListChangesRequest& req) {
  if (req.since() < 0) return InvalidField("since", "must not be negative");
  auto size = EffectivePageSize(req.page_size(), "page_size", kDefaultChangesPage, kMaxChangesPage);
  if (!size.ok()) return size.status();
  // The release first: every change it includes is then in the log below.
  auto latest = store_->LatestRelease();
  if (!latest.ok()) return latest.status();
  auto changes = ChangesAfter(req.since(), *size);
  if (!changes.ok()) return changes.status();
  dyad::events::v1::ListChangesResponse resp;
  int64_t next = req.since();
  for (auto& c : *changes) {
    next = c.seq();
    *resp.add_changes() = std::move(c);
  }
  resp.set_next_since(next);
  *resp.mutable_release() = ReleaseProto(*latest);
  return resp;
}

}  // namespace dyad::events
