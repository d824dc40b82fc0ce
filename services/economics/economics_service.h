#pragma once

#include "common/auth.h"
#include "dyad/economics/v1/economics.grpc.pb.h"
#include "economics_core.h"

namespace dyad::economics {

// gRPC adapter (callback API): unpacks the call, asks EconomicsCore, maps the
// status. No domain logic here.
// GetSeries is served raw from the result cache's bytes.
class EconomicsServiceImpl final
    : public dyad::economics::v1::EconomicsService::WithRawCallbackMethod_GetSeries<
          dyad::economics::v1::EconomicsService::CallbackService> {
 public:
  EconomicsServiceImpl(EconomicsCore* core, const WriteAuthorizer* auth)
      : core_(core), auth_(auth) {}

  grpc::ServerUnaryReactor* ListIndicators(
      grpc::CallbackServerContext* ctx, const dyad::economics::v1::ListIndicatorsRequest* req,
      dyad::economics::v1::ListIndicatorsResponse* resp) override;
  grpc::ServerUnaryReactor* GetSeries(grpc::CallbackServerContext* ctx,
                                      const grpc::ByteBuffer* req,
                                      grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* ListObservations(
      grpc::CallbackServerContext* ctx, const dyad::economics::v1::ListObservationsRequest* req,
      dyad::economics::v1::ListObservationsResponse* resp) override;
  grpc::ServerUnaryReactor* RecordObservation(
      grpc::CallbackServerContext* ctx, const dyad::economics::v1::RecordObservationRequest* req,
      dyad::economics::v1::Observation* resp) override;
  grpc::ServerUnaryReactor* ListSources(grpc::CallbackServerContext* ctx,
                                        const dyad::economics::v1::ListSourcesRequest* req,
                                        dyad::economics::v1::ListSourcesResponse* resp) override;
  // economics_import_service.cc: client streaming, one transaction per message.
  grpc::ServerReadReactor<dyad::economics::v1::ImportObservationsRequest>* ImportObservations(
      grpc::CallbackServerContext* ctx,
      dyad::economics::v1::ImportObservationsResponse* resp) override;

 private:
  EconomicsCore* core_;
  const WriteAuthorizer* auth_;
};

}  // namespace dyad::economics
