// Small in-process stand-ins for the three backends, for the gateway's
// tests: each serves the read methods the gateway calls over a few records
// held in memory (filters, order and paging as the real services document
// them), on its own server on a free loopback port, and can be told to fail
// UNAVAILABLE, to hang until the call is cancelled, or be stopped.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "dyad/economics/v1/economics.grpc.pb.h"
#include "dyad/events/v1/event_service.grpc.pb.h"
#include "dyad/institutions/v1/institutions.grpc.pb.h"

namespace dyad::testing {

// How a fake answers its calls, and what it saw. Thread-safe.
class FakeControl {
 public:
  enum class Mode {
    kServe,        // answer from the records
    kUnavailable,  // every call fails UNAVAILABLE
    kHang,         // never answer; finish CANCELLED once the caller cancels
    kInternal,     // every call fails INTERNAL with kInternalMessage
  };
  // What a kInternal fake says: internals (SQL, a path, an address) that
  // must never reach the gateway's client.
  static constexpr char kInternalMessage[] =
      "sqlite3_step failed: SELECT name FROM events WHERE secret_column = ?1 "
      "(/var/lib/dyad/events.db, peer ipv4:10.9.8.7:50051)";
  void set_mode(Mode m) { mode_.store(m); }
  Mode mode() const { return mode_.load(); }
  // The next `n` calls fail UNAVAILABLE, then the mode applies.
  void FailNext(int n) { fail_next_.store(n); }
  // Every call of `method` fails UNAVAILABLE (the other methods answer).
  void FailMethod(const std::string& method) {
    std::lock_guard<std::mutex> lock(mu_);
    failing_.insert(method);
  }

  // Calls received, per method name ("ListEvents").
  int calls(const std::string& method) const;
  int total_calls() const;
  // Calls hanging right now, and hung calls that ended by cancellation.
  int hanging() const { return hanging_.load(); }
  int cancelled() const { return cancelled_.load(); }
  // The last request of a method, serialized.
  std::string last_request(const std::string& method) const;

  // Called by the fakes: records the call and says how to answer it. Returns
  // a reactor when the call is already answered (failed or hanging), else
  // nullptr.
  grpc::ServerUnaryReactor* Begin(grpc::CallbackServerContext* ctx, const std::string& method,
                                  const google::protobuf::Message& request);

 private:
  std::atomic<Mode> mode_{Mode::kServe};
  std::atomic<int> fail_next_{0};
  std::atomic<int> hanging_{0};
  std::atomic<int> cancelled_{0};
  mutable std::mutex mu_;
  std::map<std::string, int> calls_;
  std::map<std::string, std::string> last_request_;
  std::set<std::string> failing_;
};

class FakeEventService final : public dyad::events::v1::EventService::CallbackService {
 public:
  std::vector<dyad::events::v1::Event> events;
  std::vector<dyad::type::v1::Source> sources;
  // Served by ListEventKinds; FakeBackends fills it with the kinds (and
  // domains) of `events`.
  std::vector<dyad::events::v1::EventKind> kinds;
  FakeControl control;

  grpc::ServerUnaryReactor* ListEvents(grpc::CallbackServerContext* ctx,
                                       const dyad::events::v1::ListEventsRequest* req,
                                       dyad::events::v1::ListEventsResponse* resp) override;
  grpc::ServerUnaryReactor* ListEventKinds(grpc::CallbackServerContext* ctx,
                                           const dyad::events::v1::ListEventKindsRequest* req,
                                           dyad::events::v1::ListEventKindsResponse* resp) override;
  // Counts `events` as the real service documents it (countries, both
  // directions or the coded ones, start date inside the period, kinds,
  // origin, granularity, group_by kind), with the coded Goldstein and tone.
  grpc::ServerUnaryReactor* CountEvents(grpc::CallbackServerContext* ctx,
                                        const dyad::events::v1::CountEventsRequest* req,
                                        dyad::events::v1::CountEventsResponse* resp) override;
  grpc::ServerUnaryReactor* ListSources(grpc::CallbackServerContext* ctx,
                                        const dyad::events::v1::ListSourcesRequest* req,
                                        dyad::events::v1::ListSourcesResponse* resp) override;
};

class FakeEconomicsService final : public dyad::economics::v1::EconomicsService::CallbackService {
 public:
  std::vector<dyad::economics::v1::Indicator> indicators;
  std::vector<dyad::economics::v1::Observation> observations;
  std::vector<dyad::type::v1::Source> sources;
  // Hand-written series by "indicator reporter partner" (an undirected one
  // under both orders). GetSeries serves a listed series as written (points
  // filtered by the request's period) instead of reconciling the
  // observations, so gateway tests compare the gateway's composition with
  // known values, not with what the economics code computes.
  std::map<std::string, dyad::economics::v1::Series> fixed_series;
  FakeControl control;

  grpc::ServerUnaryReactor* ListIndicators(grpc::CallbackServerContext* ctx,
                                           const dyad::economics::v1::ListIndicatorsRequest* req,
                                           dyad::economics::v1::ListIndicatorsResponse* resp) override;
  grpc::ServerUnaryReactor* GetSeries(grpc::CallbackServerContext* ctx,
                                      const dyad::economics::v1::GetSeriesRequest* req,
                                      dyad::economics::v1::Series* resp) override;
  // The series GetSeries gives for every series with a figure of the
  // countries in the period, as the real service finds them.
  grpc::ServerUnaryReactor* ListSeries(grpc::CallbackServerContext* ctx,
                                       const dyad::economics::v1::ListSeriesRequest* req,
                                       dyad::economics::v1::ListSeriesResponse* resp) override;
  grpc::ServerUnaryReactor* ListObservations(
      grpc::CallbackServerContext* ctx, const dyad::economics::v1::ListObservationsRequest* req,
      dyad::economics::v1::ListObservationsResponse* resp) override;
  grpc::ServerUnaryReactor* ListSources(grpc::CallbackServerContext* ctx,
                                        const dyad::economics::v1::ListSourcesRequest* req,
                                        dyad::economics::v1::ListSourcesResponse* resp) override;

 private:
  grpc::Status SeriesOf(const dyad::economics::v1::GetSeriesRequest& req,
                        dyad::economics::v1::Series* resp) const;
};

class FakeInstitutionService final
    : public dyad::institutions::v1::InstitutionService::CallbackService {
 public:
  std::vector<dyad::institutions::v1::Institution> institutions;
  std::vector<dyad::institutions::v1::InstitutionKind> kinds;
  std::vector<dyad::type::v1::Source> sources;
  FakeControl control;

  grpc::ServerUnaryReactor* ListInstitutions(
      grpc::CallbackServerContext* ctx, const dyad::institutions::v1::ListInstitutionsRequest* req,
      dyad::institutions::v1::ListInstitutionsResponse* resp) override;
  grpc::ServerUnaryReactor* ListInstitutionKinds(
      grpc::CallbackServerContext* ctx,
      const dyad::institutions::v1::ListInstitutionKindsRequest* req,
      dyad::institutions::v1::ListInstitutionKindsResponse* resp) override;
  grpc::ServerUnaryReactor* ListSources(grpc::CallbackServerContext* ctx,
                                        const dyad::institutions::v1::ListSourcesRequest* req,
                                        dyad::institutions::v1::ListSourcesResponse* resp) override;
};

// A gRPC server for one fake on 127.0.0.1 and a free port.
class FakeServer {
 public:
  explicit FakeServer(grpc::Service* service);
  ~FakeServer() { Stop(); }
  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;
  // "127.0.0.1:PORT".
  std::string target() const;
  int port() const { return port_; }
  // Stops serving (hanging calls are cancelled). Idempotent.
  void Stop();

 private:
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

// The key of FakeEconomicsService::fixed_series.
std::string FixedSeriesKey(const std::string& indicator, const std::string& reporter,
                           const std::string& partner);

// The hand-written series FakeBackends serves (see fake_backends.cc) and the
// figures the gateway tests expect from them.
inline constexpr double kTurnover2018 = 1310e6;
inline constexpr double kTurnover2019 = 2184e6;
inline constexpr double kTurnoverChange2019 = 66.71755725190839;  // 2184 / 1310 - 1
inline constexpr double kExports2019 = 752e6;
inline constexpr double kImports2019 = 1432e6;
inline constexpr double kStatedGrowth2019 = 66.7;
inline constexpr double kInvestmentStock = 1.7e9;

// GEO–TUR, a dyad with only machine-coded records: GDELT-shaped events
// (10 in 2018, 12 in 2019, 30 in 2020: a spike) and Comtrade-shaped
// figures whose mirror pairs differ, one within the usual CIF/FOB margin.
inline constexpr int kGeoTurEvents2018 = 10;
inline constexpr int kGeoTurEvents2019 = 12;
inline constexpr int kGeoTurEvents2020 = 30;
inline constexpr double kGeoExportsToTur2019 = 180e6;
inline constexpr double kGeoExportsToTur2020 = 200e6;  // TUR reports 212e6 imported: 1.06
inline constexpr double kTurImportsFromGeo2020 = 212e6;
inline constexpr double kTurExportsToGeo2020 = 1500e6;  // GEO reports 1200e6 imported: 0.8
inline constexpr double kGeoImportsFromTur2020 = 1200e6;

// The three fakes with a small AZE–CHN record set and the GEO–TUR imported
// records (see fake_backends.cc), each on its own server.
struct FakeBackends {
  FakeBackends();
  FakeEventService events;
  FakeEconomicsService economics;
  FakeInstitutionService institutions;
  std::unique_ptr<FakeServer> events_server;
  std::unique_ptr<FakeServer> economics_server;
  std::unique_ptr<FakeServer> institutions_server;
};

}  // namespace dyad::testing
