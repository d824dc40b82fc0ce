// dyad-bench-empty: the ceiling. The same server stack as every Dyad service
// (ServerRunner: callback API, health, reflection, call counting) with the
// cheapest handler it can have: EventService.GetEvent registered as a raw
// callback method that answers at once with an empty Event, without decoding
// the request. Every other method is UNIMPLEMENTED.
//
// (A generic catch-all service would be a slower "ceiling": gRPC runs
// generic calls through its bidi-streaming reactor.)
#include "absl/strings/str_cat.h"
#include "common/flags.h"
#include "common/logging.h"
#include "common/server.h"
#include "dyad/events/v1/event_service.grpc.pb.h"

namespace {

class EmptyGetEvent final
    : public dyad::events::v1::EventService::WithRawCallbackMethod_GetEvent<
          dyad::events::v1::EventService::CallbackService> {
 public:
  grpc::ServerUnaryReactor* GetEvent(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer*,
                                     grpc::ByteBuffer* resp) override {
    grpc::Slice empty("");  // an Event with no field set
    *resp = grpc::ByteBuffer(&empty, 1);
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

}  // namespace

int main(int argc, char** argv) {
  dyad::ServerRunner::BlockShutdownSignals();
  dyad::ParseFlags(argc, argv, "dyad-bench-empty: empty unary handler for benchmarks");
  (void)dyad::InitLogging("dyad-bench-empty", "info");
  EmptyGetEvent empty;
  dyad::ServerRunner runner;
  if (auto s = runner.Start(dyad::ServerConfigFromFlags(50059), {&empty}, {"dyad.bench.Empty"});
      !s.ok()) {
    dyad::Log().error("startup failed: {}", std::string(s.message()));
    return 1;
  }
  dyad::Log().info("serving service=dyad.bench.Empty address={} port={}", runner.address(),
                   runner.port());
  runner.WaitForShutdownSignal();
  if (runner.abandoned()) std::_Exit(0);
  return 0;
}
