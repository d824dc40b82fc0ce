#pragma once

#include "common/auth.h"
#include "dyad/events/v1/event_service.grpc.pb.h"
#include "event_core.h"

namespace dyad::events {

// gRPC adapter (callback API): unpacks the call, asks EventCore, maps the
// status. No domain logic here.
// GetEvent and ListEvents are served raw: an event is stored serialized and a
// page's bytes come from the result cache, so they go out without being
// decoded into a message and encoded again.
class EventServiceImpl final
    : public dyad::events::v1::EventService::WithRawCallbackMethod_GetEvent<
          dyad::events::v1::EventService::WithRawCallbackMethod_ListEvents<
              dyad::events::v1::EventService::CallbackService>> {
 public:
  EventServiceImpl(EventCore* core, const WriteAuthorizer* auth) : core_(core), auth_(auth) {}

  grpc::ServerUnaryReactor* GetEvent(grpc::CallbackServerContext* ctx,
                                     const grpc::ByteBuffer* req,
                                     grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* ListEvents(grpc::CallbackServerContext* ctx,
                                       const grpc::ByteBuffer* req,
                                       grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* ListEventKinds(grpc::CallbackServerContext* ctx,
                                           const dyad::events::v1::ListEventKindsRequest* req,
                                           dyad::events::v1::ListEventKindsResponse* resp) override;
  grpc::ServerUnaryReactor* CreateEvent(grpc::CallbackServerContext* ctx,
                                        const dyad::events::v1::CreateEventRequest* req,
                                        dyad::events::v1::Event* resp) override;
  grpc::ServerUnaryReactor* ListSources(grpc::CallbackServerContext* ctx,
                                        const dyad::events::v1::ListSourcesRequest* req,
                                        dyad::events::v1::ListSourcesResponse* resp) override;
  // event_import_service.cc: client streaming, one transaction per message.
  grpc::ServerReadReactor<dyad::events::v1::ImportEventsRequest>* ImportEvents(
      grpc::CallbackServerContext* ctx, dyad::events::v1::ImportEventsResponse* resp) override;
  grpc::ServerUnaryReactor* CountEvents(grpc::CallbackServerContext* ctx,
                                        const dyad::events::v1::CountEventsRequest* req,
                                        dyad::events::v1::CountEventsResponse* resp) override;

 private:
  EventCore* core_;
  const WriteAuthorizer* auth_;
};

}  // namespace dyad::events
