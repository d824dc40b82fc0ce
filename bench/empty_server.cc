// dyad-bench-empty: the ceiling. The same server stack as every Dyad service
// (ServerRunner: callback API, health, reflection, call counting), with one
// generic handler that answers every call at once with an empty OK reply.
#include "absl/strings/str_cat.h"
#include "common/flags.h"
#include "common/logging.h"
#include "common/server.h"

namespace {

class EmptyService final : public grpc::CallbackGenericService {
 public:
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext*) override {
    return new Reactor();
  }

 private:
  class Reactor final : public grpc::ServerGenericBidiReactor {
   public:
    Reactor() {
      grpc::Slice empty("");
      response_ = grpc::ByteBuffer(&empty, 1);
      StartRead(&request_);
    }
    void OnReadDone(bool ok) override {
      if (!ok) {
        Finish(grpc::Status::OK);
        return;
      }
      StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
    }
    void OnWriteDone(bool) override {}
    void OnDone() override { delete this; }

   private:
    grpc::ByteBuffer request_;
    grpc::ByteBuffer response_;
  };
};

}  // namespace

int main(int argc, char** argv) {
  dyad::ServerRunner::BlockShutdownSignals();
  dyad::ParseFlags(argc, argv, "dyad-bench-empty: empty unary handler for benchmarks");
  (void)dyad::InitLogging("dyad-bench-empty", "info");
  EmptyService empty;
  dyad::ServerRunner runner;
  if (auto s = runner.Start(dyad::ServerConfigFromFlags(50059), {}, {"dyad.bench.Empty"}, &empty);
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
