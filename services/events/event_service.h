#pragma once

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
          dyad::events::v1::EventService::WithRawCallbackMethod_ExportEvents<
          dyad::events::v1::EventService::CallbackService>>>>>>>> {
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

 private:
  EventCore* core_;
  const WriteAuthorizer* auth_;
};

}  // namespace dyad::events
