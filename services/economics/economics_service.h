#pragma once

#include "common/auth.h"
#include "dyad/economics/v1/economics.grpc.pb.h"
#include "economics_core.h"

namespace dyad::economics {

// gRPC adapter (callback API): admits the call, checks auth, decodes the
// request, asks EconomicsCore, maps the status. No domain logic here.
// Every method is served raw (ByteBuffer in and out): requests are decoded
// by ParseRequest (common/grpc_util.h), so a malformed one is
// INVALID_ARGUMENT naming the message and unknown fields are dropped before
// anything sees them; cached and stored answers go out as the bytes they
// already are. Replies are byte for byte what the typed API would send.
class EconomicsServiceImpl final
    : public dyad::economics::v1::EconomicsService::WithRawCallbackMethod_ListIndicators<
          dyad::economics::v1::EconomicsService::WithRawCallbackMethod_GetSeries<
          dyad::economics::v1::EconomicsService::WithRawCallbackMethod_ListSeries<
          dyad::economics::v1::EconomicsService::WithRawCallbackMethod_ListObservations<
          dyad::economics::v1::EconomicsService::WithRawCallbackMethod_RecordObservation<
          dyad::economics::v1::EconomicsService::WithRawCallbackMethod_ListSources<
          dyad::economics::v1::EconomicsService::WithRawCallbackMethod_ImportObservations<
          dyad::economics::v1::EconomicsService::WithRawCallbackMethod_ExportObservations<
          dyad::economics::v1::EconomicsService::CallbackService>>>>>>>> {
 public:
  EconomicsServiceImpl(EconomicsCore* core, const WriteAuthorizer* auth) : core_(core), auth_(auth) {}

  grpc::ServerUnaryReactor* ListIndicators(grpc::CallbackServerContext* ctx,
                                     const grpc::ByteBuffer* req,
                                     grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* GetSeries(grpc::CallbackServerContext* ctx,
                                     const grpc::ByteBuffer* req,
                                     grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* ListSeries(grpc::CallbackServerContext* ctx,
                                       const grpc::ByteBuffer* req,
                                       grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* ListObservations(grpc::CallbackServerContext* ctx,
                                     const grpc::ByteBuffer* req,
                                     grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* RecordObservation(grpc::CallbackServerContext* ctx,
                                     const grpc::ByteBuffer* req,
                                     grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* ListSources(grpc::CallbackServerContext* ctx,
                                     const grpc::ByteBuffer* req,
                                     grpc::ByteBuffer* resp) override;
  // economics_import_service.cc: client streaming, one transaction per message.
  grpc::ServerReadReactor<grpc::ByteBuffer>* ImportObservations(grpc::CallbackServerContext* ctx,
                                                                grpc::ByteBuffer* resp) override;

  // economics_export_service.cc: server streaming, one page per message
  // (common/export_reactor.h).
  grpc::ServerWriteReactor<grpc::ByteBuffer>* ExportObservations(grpc::CallbackServerContext* ctx,
                                                       const grpc::ByteBuffer* req) override;

 private:
  EconomicsCore* core_;
  const WriteAuthorizer* auth_;
};

}  // namespace dyad::economics
