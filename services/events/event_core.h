#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/plugin_host.h"
#include "dyad/events/v1/event_service.pb.h"
#include "event_store.h"

namespace dyad::events {

// The events domain, free of gRPC: request validation, the taxonomy from
// plugins, plugin record loading, and queries over an EventStore.
class EventCore {
 public:
  // `plugins` may be null (no plugins: no kinds, no curated records).
  EventCore(std::unique_ptr<EventStore> store, const PluginSet* plugins);

  // Loads every plugin's events into the store (idempotent: unchanged
  // plugins are skipped) and drops records of plugins no longer present.
  // Returns one human line per plugin for the log.
  absl::StatusOr<std::vector<std::string>> LoadPluginRecords();

  absl::StatusOr<dyad::events::v1::Event> GetEvent(const dyad::events::v1::GetEventRequest& req);
  absl::StatusOr<dyad::events::v1::ListEventsResponse> ListEvents(
      const dyad::events::v1::ListEventsRequest& req);
  absl::StatusOr<dyad::events::v1::ListEventKindsResponse> ListEventKinds(
      const dyad::events::v1::ListEventKindsRequest& req) const;
  // Authorization is the caller's job (the transport checks the token).
  absl::StatusOr<dyad::events::v1::Event> CreateEvent(const dyad::events::v1::CreateEventRequest& req);
  dyad::events::v1::ListSourcesResponse ListSources() const;

 private:
  absl::Status ValidateNewEvent(const dyad::events::v1::Event& e) const;

  std::unique_ptr<EventStore> store_;
  const PluginSet* plugins_;
  std::map<std::string, dyad::events::v1::EventKind> kinds_;  // by id
};

}  // namespace dyad::events
