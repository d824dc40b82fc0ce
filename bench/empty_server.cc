// dyad-bench-empty: the ceiling. The same server stack as every Dyad service
// (ServerRunner: callback API, health, reflection, call counting) with the
// cheapest handler it can have: EventService.GetEvent registered as a raw
// callback method that answers at once with an empty Event, without decoding
// the request. Every other method is UNIMPLEMENTED. (--reply_bytes makes the
// reply that large, to measure what a payload costs.)
//
// (A generic catch-all service would be a slower "ceiling": gRPC runs
// generic calls through its bidi-streaming reactor.)
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "common/flags.h"
#include "common/grpc_util.h"
#include "common/logging.h"
#include "common/server.h"
#include "dyad/events/v1/event_service.grpc.pb.h"

ABSL_FLAG(int, reply_bytes, 0, "Size of the reply's summary field in bytes (0: an empty reply)");

namespace {

class EmptyGetEvent final
    : public dyad::events::v1::EventService::WithRawCallbackMethod_GetEvent<
          dyad::events::v1::EventService::CallbackService> {
 public:
  // `reply` is the serialized Event every call gets (empty: no field set).
  explicit EmptyGetEvent(std::string reply)
      : reply_(std::make_shared<const std::string>(std::move(reply))) {}

  grpc::ServerUnaryReactor* GetEvent(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer*,
                                     grpc::ByteBuffer* resp) override {
    *resp = dyad::SharedBytesToByteBuffer(reply_);
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  std::shared_ptr<const std::string> reply_;
};

}  // namespace

int main(int argc, char** argv) {
  dyad::ServerRunner::BlockShutdownSignals();
  dyad::ParseFlags(argc, argv, "dyad-bench-empty: empty unary handler for benchmarks");
  (void)dyad::InitLogging("dyad-bench-empty", "info");
  // --reply_bytes: the same handler sending a reply of about that size (an
  // Event whose summary is that long), to tell what a payload costs from
  // what a handler's own work costs.
  dyad::events::v1::Event reply;
  const int reply_bytes = absl::GetFlag(FLAGS_reply_bytes);
  if (reply_bytes > 0) reply.set_summary(std::string(static_cast<size_t>(reply_bytes), 'x'));
  EmptyGetEvent empty(reply.SerializeAsString());
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
