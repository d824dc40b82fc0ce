#pragma once

#include <map>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/export_source.h"
#include "common/plugin_host.h"
#include "common/result_cache.h"
#include "dyad/events/v1/event_service.pb.h"
#include "event_store.h"

namespace dyad::events {

// A serialized ListEventsResponse holding `page`'s stored events as they
// are (not parsed: each body is framed as one `events` field, common/wire.h),
// its total_size and `next_page_token`. Parses to the message the typed API
// would build from the same page, and is byte for byte its serialization.
std::string SerializeListEventsResponse(const EventPage& page, const std::string& next_page_token);

// The events domain, free of gRPC: request validation, the taxonomy from
// plugins, plugin record loading, and queries over an EventStore.
class EventCore {
 public:
  // `plugins` may be null (no plugins: no kinds, no curated records).
  // `list_cache_entries` bounds the ListEvents result cache (0 disables it).
  EventCore(std::unique_ptr<EventStore> store, const PluginSet* plugins,
            size_t list_cache_entries = 1024,
                  size_t list_cache_bytes = kDefaultResultCacheBytes);

  // Loads every plugin's events into the store (idempotent: unchanged
  // plugins are skipped) and drops records of plugins no longer present.
  // Returns one human line per plugin for the log.
  absl::StatusOr<std::vector<std::string>> LoadPluginRecords();

  absl::StatusOr<dyad::events::v1::Event> GetEvent(const dyad::events::v1::GetEventRequest& req);
  // The stored event's bytes, sent without decoding.
  absl::StatusOr<std::string> GetEventSerialized(const dyad::events::v1::GetEventRequest& req);
  absl::StatusOr<dyad::events::v1::ListEventsResponse> ListEvents(
      const dyad::events::v1::ListEventsRequest& req);
  // The same answer as serialized bytes, shared with the result cache: the
  // transport sends them without copying or re-encoding.
  absl::StatusOr<std::shared_ptr<const std::string>> ListEventsSerialized(
      const dyad::events::v1::ListEventsRequest& req);
  absl::StatusOr<dyad::events::v1::ListEventKindsResponse> ListEventKinds(
      const dyad::events::v1::ListEventKindsRequest& req) const;
  // Authorization is the caller's job (the transport checks the token).
  absl::StatusOr<dyad::events::v1::Event> CreateEvent(const dyad::events::v1::CreateEventRequest& req);
  dyad::events::v1::ListSourcesResponse ListSources() const;

  // Releases and the change feed (event_releases.cc, docs/releases.md).
  // GetEvent's bytes as of `req.as_of` (or now); `*release` is the release
  // answered from.
  absl::StatusOr<std::string> GetEventSerializedAt(const dyad::events::v1::GetEventRequest& req,
                                                   ReleaseInfo* release);
  absl::StatusOr<dyad::events::v1::Event> UpdateEvent(
      const dyad::events::v1::UpdateEventRequest& req);
  absl::StatusOr<dyad::events::v1::DeleteEventResponse> DeleteEvent(
      const dyad::events::v1::DeleteEventRequest& req);
  absl::StatusOr<dyad::events::v1::ListReleasesResponse> ListReleases(
      const dyad::events::v1::ListReleasesRequest& req);
  absl::StatusOr<dyad::events::v1::ListChangesResponse> ListChanges(
      const dyad::events::v1::ListChangesRequest& req);
  // Up to `limit` changes after position `since`, in order (WatchChanges).
  absl::StatusOr<std::vector<dyad::events::v1::EventChange>> ChangesAfter(int64_t since,
                                                                          int limit);
  absl::StatusOr<ReleaseInfo> LatestRelease() { return store_->LatestRelease(); }
  // Drops the history up to `seq` (operators and tests).
  absl::Status PruneHistory(int64_t seq) { return store_->PruneHistory(seq); }

  // Bytes the ListEvents result cache holds now (keys and answers).
  size_t ListCacheBytes() { return list_cache_.bytes(); }
  // One message of an ImportEvents stream, checked and mapped but not yet
  // written (PrepareImport). It owns its request, whose records were
  // mapped in place and are what `batch` points to.
  struct PreparedImport {
    std::unique_ptr<dyad::events::v1::ImportEventsRequest> request;
    int64_t first_index = 0;                  // stream position of its first record
    std::vector<ImportedEvent> batch;          // the valid records
    std::vector<int64_t> batch_index;          // stream position of each
    std::vector<dyad::type::v1::ImportRejection> rejections;
    int64_t rows() const { return request->events_size(); }
  };
  // Checks and maps one message (event_import.cc). Safe to run while
  // another thread is in CommitImport: it reads only the taxonomy. An error
  // means the message as a whole is invalid (too many records).
  absl::StatusOr<PreparedImport> PrepareImport(
      std::unique_ptr<dyad::events::v1::ImportEventsRequest> request, int64_t first_index) const;
  // Writes the valid records of `group` (consecutive messages of a stream)
  // in one transaction and adds what happened to `summary`. A storage error
  // is returned with nothing of the group written and `summary` untouched.
  absl::Status CommitImport(std::vector<PreparedImport>& group,
                            dyad::events::v1::ImportEventsResponse* summary);
  // One message prepared and committed on its own. `next_index` is the
  // stream position of its first record and is advanced past it.
  absl::Status ImportEvents(dyad::events::v1::ImportEventsRequest* req, int64_t* next_index,
                            dyad::events::v1::ImportEventsResponse* summary);
  // The same on a copy of `req`.
  absl::Status ImportEvents(const dyad::events::v1::ImportEventsRequest& req, int64_t* next_index,
                            dyad::events::v1::ImportEventsResponse* summary) {
    dyad::events::v1::ImportEventsRequest copy = req;
    return ImportEvents(&copy, next_index, summary);
  }
  // After the last message of an ImportEvents stream (or its failure):
  // makes what it wrote durable before the call is answered.
  absl::Status FinishImport() { return store_->Flush(); }
  // count_events.cc.
  absl::StatusOr<dyad::events::v1::CountEventsResponse> CountEvents(
      const dyad::events::v1::CountEventsRequest& req) const;
  // event_export.cc: an ExportEvents stream, one batch per Next(), read
  // from the store page by page (keyset) and never from the result cache.
  // A bad resume_token is INVALID_ARGUMENT naming it; the filters are
  // checked by the first Next(), as ListEvents checks them.
  absl::StatusOr<std::unique_ptr<ExportSource>> ExportEvents(
      const dyad::events::v1::ExportEventsRequest& req);

 private:
  absl::Status ValidateNewEvent(const dyad::events::v1::Event& e) const;
  // The sources a citation may name: those of the loaded plugins.
  const std::vector<dyad::type::v1::Source>& SourceCatalog() const;

  // How QueryEvents serves an export page rather than a ListEvents one.
  struct QueryOptions {
    bool count_total = true;  // total_size (one COUNT per page: exports count once)
    int limit = 0;            // rows per page beyond ListEvents' cap; 0: page_size
  };
  // The serialized ListEventsResponse, framed from the stored bytes.
  absl::StatusOr<std::string> QueryEvents(const dyad::events::v1::ListEventsRequest& req,
                                          const QueryOptions& options);
  absl::StatusOr<std::string> QueryEvents(const dyad::events::v1::ListEventsRequest& req) {
    return QueryEvents(req, QueryOptions());
  }
  // ListEvents as of an earlier release (event_releases.cc).
  absl::StatusOr<dyad::events::v1::ListEventsResponse> QueryEventsAsOf(
      const EventQuery& q, const std::string& as_of, uint64_t filter_fingerprint);
  // The plugins' validate hooks on a record about to be written.
  absl::Status RunValidateHooks(const dyad::events::v1::Event& e) const;
  // Fingerprint of ListEvents' filters (page tokens are bound to it).
  static uint64_t FilterFingerprint(const dyad::events::v1::ListEventsRequest& req);
  class Export;

  std::unique_ptr<EventStore> store_;
  ResultCache list_cache_;  // ListEvents pages; cleared by every write
  const PluginSet* plugins_;
  std::map<std::string, dyad::events::v1::EventKind> kinds_;  // by id
  // Kinds of taxonomy "cameo" by cameo_code, and the catalog's source ids,
  // for the import path (event_import.cc).
  void IndexImportTables();
  // Validates a record and makes it the event to store, in place.
  absl::StatusOr<ImportedEvent> MapImported(dyad::events::v1::Event* e) const;
  std::map<std::string, const dyad::events::v1::EventKind*> cameo_kinds_;
  std::set<std::string> source_ids_;
};

}  // namespace dyad::events
