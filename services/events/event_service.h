#pragma once

#include "absl/time/time.h"
#include "common/auth.h"
#include "dyad/events/v1/event_service.grpc.pb.h"
#include "event_core.h"

namespace dyad::events {

// gRPC adapter (callback API): admits the call, checks auth, decodes the
// request, asks EventCore, maps the status. No domain logic here.
// Every method is served raw (ByteBuffer in and out): requests are decoded
// by ParseRequest (common/grpc_util.h), so a malformed one is
// INVALID_ARGUMENT naming the message and unknown fields are dropped before
// anything sees them; cached and stored answers go out as the bytes they
// already are. Replies are byte for byte what the typed API would send.
class EventServiceImpl final
    : public dyad::events::v1::EventService::WithRawCallbackMethod_GetEvent<
          dyad::events::v1::EventService::WithRawCallbackMethod_ListEvents<
          dyad::events::v1::EventService::WithRawCallbackMethod_ListEventKinds<
          dyad::events::v1::EventService::WithRawCallbackMethod_CreateEvent<
          dyad::events::v1::EventService::WithRawCallbackMethod_ListSources<
          dyad::events::v1::EventService::WithRawCallbackMethod_CountEvents<
          dyad::events::v1::EventService::WithRawCallbackMethod_ImportEvents<
          dyad::events::v1::EventService::WithRawCallbackMethod_UpdateEvent<
          dyad::events::v1::EventService::WithRawCallbackMethod_DeleteEvent<
          dyad::events::v1::EventService::WithRawCallbackMethod_ListReleases<
          dyad::events::v1::EventService::WithRawCallbackMethod_ListChanges<
          dyad::events::v1::EventService::WithRawCallbackMethod_WatchChanges<
          dyad::events::v1::EventService::WithRawCallbackMethod_ExportEvents<
          dyad::events::v1::EventService::CallbackService>>>>>>>>>>>>> {
 public:
  EventServiceImpl(EventCore* core, const WriteAuthorizer* auth) : core_(core), auth_(auth) {}

  grpc::ServerUnaryReactor* GetEvent(grpc::CallbackServerContext* ctx,
                                     const grpc::ByteBuffer* req,
                                     grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* ListEvents(grpc::CallbackServerContext* ctx,
                                     const grpc::ByteBuffer* req,
                                     grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* ListEventKinds(grpc::CallbackServerContext* ctx,
                                     const grpc::ByteBuffer* req,
                                     grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* CreateEvent(grpc::CallbackServerContext* ctx,
                                     const grpc::ByteBuffer* req,
                                     grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* ListSources(grpc::CallbackServerContext* ctx,
                                     const grpc::ByteBuffer* req,
                                     grpc::ByteBuffer* resp) override;
  // event_import_service.cc: client streaming, one transaction per message.
  grpc::ServerReadReactor<grpc::ByteBuffer>* ImportEvents(grpc::CallbackServerContext* ctx,
                                                          grpc::ByteBuffer* resp) override;
  // event_import_service.cc: server streaming, one page per message
  // (common/export_reactor.h).
  grpc::ServerWriteReactor<grpc::ByteBuffer>* ExportEvents(grpc::CallbackServerContext* ctx,
                                                           const grpc::ByteBuffer* req) override;
  grpc::ServerUnaryReactor* CountEvents(grpc::CallbackServerContext* ctx,
                                        const grpc::ByteBuffer* req,
                                        grpc::ByteBuffer* resp) override;
  // event_changes_service.cc: releases, UpdateEvent / DeleteEvent, the
  // change feed.
  grpc::ServerUnaryReactor* UpdateEvent(grpc::CallbackServerContext* ctx,
                                        const grpc::ByteBuffer* req,
                                        grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* DeleteEvent(grpc::CallbackServerContext* ctx,
                                        const grpc::ByteBuffer* req,
                                        grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* ListReleases(grpc::CallbackServerContext* ctx,
                                         const grpc::ByteBuffer* req,
                                         grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* ListChanges(grpc::CallbackServerContext* ctx,
                                        const grpc::ByteBuffer* req,
                                        grpc::ByteBuffer* resp) override;
  // Sends what the log holds after `since`, then polls the store every
  // `watch_poll` for new commits (its own or another replica's); one
  // message in flight at a time. Ends when the client cancels (or the
  // server shuts down).
  grpc::ServerWriteReactor<grpc::ByteBuffer>* WatchChanges(grpc::CallbackServerContext* ctx,
                                                           const grpc::ByteBuffer* req) override;
  void set_watch_poll(absl::Duration d) { watch_poll_ = d; }

 private:
  EventCore* core_;
  const WriteAuthorizer* auth_;
  absl::Duration watch_poll_ = absl::Milliseconds(200);
};

}  // namespace dyad::events
