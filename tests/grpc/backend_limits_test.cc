// The three backends at the gRPC edge under hostile input (issue #18):
// malformed requests are INVALID_ARGUMENT, unknown fields are neither kept
// nor served back, request lists are capped, a call past its deadline stops
// its storage work, and admission refuses calls beyond --max_in_flight.
// Real servers on free loopback ports; raw calls through grpc::GenericStub.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/admission.h"
#include "common/grpc_util.h"
#include "common/server.h"
#include "common/sqlite/call_limits.h"
#include "common/sqlite/database.h"
#include "economics_service.h"
#include "event_service.h"
#include "google/protobuf/descriptor.h"
#include "institution_service.h"
#include "testing/process.h"
#include "testing/status_matchers.h"

namespace dyad {
namespace {

using ::testing::HasSubstr;
namespace ev = dyad::events::v1;
namespace ec = dyad::economics::v1;
namespace in = dyad::institutions::v1;

constexpr char kToken[] = "test-token";

std::unique_ptr<PluginSet> LoadFixture(const std::string& path) {
  PluginHostOptions o;
  o.paths = {dyad::testing::BuildPath(path)};
  auto set = PluginSet::Load(o);
  EXPECT_TRUE(set.ok()) << set.status();
  return set.ok() ? std::move(*set) : nullptr;
}

struct RawReply {
  grpc::Status status;
  std::string bytes;
};

// One unary call with `body` as the request bytes, as any client could send.
RawReply RawCall(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                 const std::string& body, absl::Duration timeout = absl::Seconds(10)) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  ctx.AddMetadata("authorization", absl::StrCat("Bearer ", kToken));
  grpc::Slice slice(body);
  grpc::ByteBuffer request(&slice, 1), response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&ctx, method, grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status s) { done.set_value(std::move(s)); });
  RawReply reply;
  reply.status = done.get_future().get();
  std::vector<grpc::Slice> slices;
  if (reply.status.ok() && response.Dump(&slices).ok()) {
    for (const auto& s : slices) reply.bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return reply;
}

std::unique_ptr<grpc::ClientContext> Ctx() {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  ctx->AddMetadata("authorization", absl::StrCat("Bearer ", kToken));
  return ctx;
}

// Adds `n` bytes of unknown field 999 to `m`.
void AddUnknown(google::protobuf::Message* m, size_t n, char fill = 'u') {
  m->GetReflection()->MutableUnknownFields(m)->AddLengthDelimited(999, std::string(n, fill));
}

std::string Varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
  return out;
}

// ---- Events: a store whose List can be made slow or held, for deadlines and
// admission. One mutex for everything, as the SQLite store has.

class ControlledEventStore final : public events::EventStore {
 public:
  explicit ControlledEventStore(std::unique_ptr<events::EventStore> real)
      : real_(std::move(real)), scratch_(std::move(*sql::Database::Open(":memory:"))) {}

  // Next List calls run this many rows of pointless SQL first (under the
  // lock, interruptible like every statement).
  std::atomic<int64_t> expensive_rows{0};
  // When set, List signals `entered` and waits (bounded) for `release`.
  std::atomic<bool> hold{false};
  absl::Notification entered, release;

  absl::StatusOr<ev::Event> Get(const std::string& name) override {
    std::unique_lock<std::timed_mutex> lock;
    if (auto s = sql::LockUntilCallLimits(mu_, &lock); !s.ok()) return s;
    return real_->Get(name);
  }
  absl::StatusOr<std::string> GetSerialized(const std::string& name) override {
    std::unique_lock<std::timed_mutex> lock;
    if (auto s = sql::LockUntilCallLimits(mu_, &lock); !s.ok()) return s;
    return real_->GetSerialized(name);
  }
  absl::StatusOr<events::EventPage> List(const events::EventQuery& q) override {
    if (hold) {
      entered.Notify();
      release.WaitForNotificationWithTimeout(absl::Seconds(20));
    }
    std::unique_lock<std::timed_mutex> lock;
    if (auto s = sql::LockUntilCallLimits(mu_, &lock); !s.ok()) return s;
    if (const int64_t rows = expensive_rows.load(); rows > 0) {
      static constexpr char kCountSql[] =
          "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?)"
          " SELECT COUNT(*) FROM c";
      auto st = scratch_->GetCachedStatement(kCountSql);
      if (!st.ok()) return st.status();
      sql::ScopedReset reset(*st);
      (*st)->BindInt64(1, rows);
      (*st)->Step();
      if (!(*st)->Succeeded()) return (*st)->status();
    }
    return real_->List(q);
  }
  absl::Status Insert(const ev::Event& e) override { return real_->Insert(e); }
  absl::Status InsertBatch(const std::vector<ev::Event>& e) override {
    return real_->InsertBatch(e);
  }
  absl::StatusOr<events::SyncOutcome> SyncPlugin(const std::string& plugin,
                                                 const std::string& version,
                                                 const std::string& fingerprint,
                                                 const std::vector<ev::Event>& e) override {
    return real_->SyncPlugin(plugin, version, fingerprint, e);
  }
  absl::StatusOr<std::vector<std::string>> RemovePluginsExcept(
      const std::set<std::string>& keep) override {
    return real_->RemovePluginsExcept(keep);
  }
  absl::StatusOr<std::vector<events::ImportOutcome>> Import(
      const std::vector<events::ImportedEvent>& e) override {
    return real_->Import(e);
  }
  absl::StatusOr<std::vector<events::CountRow>> Count(const events::CountQuery& q) override {
    return real_->Count(q);
  }

 private:
  std::unique_ptr<events::EventStore> real_;
  std::unique_ptr<sql::Database> scratch_;
  std::timed_mutex mu_;
};

// The three services, each on its own server, with their fixture plugins.
class BackendLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override { StartAll(/*max_in_flight=*/256); }
  void TearDown() override {
    if (store_ && !store_->release.HasBeenNotified()) store_->release.Notify();
    for (auto& r : runners_) r->Shutdown();
  }

  void StartAll(int max_in_flight) {
    auth_ = WriteAuthorizer(kToken);
    ServerConfig config;
    config.host = "127.0.0.1";
    config.port = 0;
    config.max_in_flight = max_in_flight;
    config.shutdown_grace = absl::Seconds(1);

    event_plugins_ = LoadFixture("fixtures/good/fixture_good.so");
    auto es = events::OpenSqliteEventStore(":memory:");
    ASSERT_OK(es);
    auto controlled = std::make_unique<ControlledEventStore>(std::move(*es));
    store_ = controlled.get();
    events_ = std::make_unique<events::EventCore>(std::move(controlled), event_plugins_.get());
    ASSERT_OK(events_->LoadPluginRecords());
    event_service_ = std::make_unique<events::EventServiceImpl>(events_.get(), &auth_);
    events_channel_ = Serve(config, event_service_.get(), "dyad.events.v1.EventService");

    econ_plugins_ = LoadFixture("fixtures/economics/fixture_economics.so");
    auto os = economics::OpenSqliteObservationStore(":memory:");
    ASSERT_OK(os);
    econ_ = std::make_unique<economics::EconomicsCore>(std::move(*os), econ_plugins_.get());
    ASSERT_OK(econ_->LoadPluginRecords());
    econ_service_ = std::make_unique<economics::EconomicsServiceImpl>(econ_.get(), &auth_);
    econ_channel_ = Serve(config, econ_service_.get(), "dyad.economics.v1.EconomicsService");

    inst_plugins_ = LoadFixture("fixtures/institutions/fixture_institutions.so");
    auto is = institutions::OpenSqliteInstitutionStore(":memory:");
    ASSERT_OK(is);
    inst_ = std::make_unique<institutions::InstitutionCore>(std::move(*is), inst_plugins_.get());
    ASSERT_OK(inst_->LoadPluginRecords());
    inst_service_ = std::make_unique<institutions::InstitutionServiceImpl>(inst_.get(), &auth_);
    inst_channel_ =
        Serve(config, inst_service_.get(), "dyad.institutions.v1.InstitutionService");
  }

  std::shared_ptr<grpc::Channel> Serve(const ServerConfig& config, grpc::Service* service,
                                       const std::string& name) {
    runners_.push_back(std::make_unique<ServerRunner>());
    auto s = runners_.back()->Start(config, {service}, {name});
    EXPECT_TRUE(s.ok()) << s;
    return grpc::CreateChannel(absl::StrCat("127.0.0.1:", runners_.back()->port()),
                               grpc::InsecureChannelCredentials());
  }

  WriteAuthorizer auth_;
  std::unique_ptr<PluginSet> event_plugins_, econ_plugins_, inst_plugins_;
  ControlledEventStore* store_ = nullptr;
  std::unique_ptr<events::EventCore> events_;
  std::unique_ptr<economics::EconomicsCore> econ_;
  std::unique_ptr<institutions::InstitutionCore> inst_;
  std::unique_ptr<events::EventServiceImpl> event_service_;
  std::unique_ptr<economics::EconomicsServiceImpl> econ_service_;
  std::unique_ptr<institutions::InstitutionServiceImpl> inst_service_;
  std::vector<std::unique_ptr<ServerRunner>> runners_;
  std::shared_ptr<grpc::Channel> events_channel_, econ_channel_, inst_channel_;
};

// Invalid UTF-8 in a string field, and groups nested 150 deep, sent to
// every method of every backend: INVALID_ARGUMENT naming the message (the
// typed API answered UNIMPLEMENTED with no message).
TEST_F(BackendLimitsTest, MalformedRequestsAreInvalidArgumentOnEveryMethod) {
  const std::vector<std::pair<std::string, std::shared_ptr<grpc::Channel>>> services = {
      {"dyad.events.v1.EventService", events_channel_},
      {"dyad.economics.v1.EconomicsService", econ_channel_},
      {"dyad.institutions.v1.InstitutionService", inst_channel_}};
  // Field 15 as a group, 150 levels deep.
  std::string deep;
  for (int i = 0; i < 150; ++i) deep += Varint((15 << 3) | 3);
  for (int i = 0; i < 150; ++i) deep += Varint((15 << 3) | 4);
  int methods = 0, utf8_checked = 0;
  for (const auto& [service_name, channel] : services) {
    const auto* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service_name);
    ASSERT_NE(service, nullptr) << service_name;
    for (int m = 0; m < service->method_count(); ++m) {
      const auto* method = service->method(m);
      const std::string path = absl::StrCat("/", service_name, "/", method->name());
      const std::string want = absl::StrCat("request is not a valid ",
                                            method->input_type()->full_name());
      ++methods;
      RawReply r = RawCall(channel, path, deep);
      EXPECT_EQ(r.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << path;
      EXPECT_THAT(r.status.error_message(), HasSubstr(want)) << path;
      EXPECT_THAT(r.status.error_message(), HasSubstr("nested")) << path;
      for (int f = 0; f < method->input_type()->field_count(); ++f) {
        const auto* field = method->input_type()->field(f);
        if (field->type() != google::protobuf::FieldDescriptor::TYPE_STRING) continue;
        const std::string bad_utf8 =
            Varint((field->number() << 3) | 2) + Varint(3) + std::string("\xff\xfe\x41");
        r = RawCall(channel, path, bad_utf8);
        EXPECT_EQ(r.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
            << path << " " << field->name();
        EXPECT_THAT(r.status.error_message(), HasSubstr(want)) << path;
        ++utf8_checked;
        break;
      }
    }
  }
  // The 16 unary reads and writes, CountEvents, the two imports, the
  // events' releases and change feed (UpdateEvent, DeleteEvent,
  // ListReleases, ListChanges, the WatchChanges stream), economics'
  // ListSeries and the three export streams.
  EXPECT_EQ(methods, 28);
  EXPECT_GE(utf8_checked, 11);
}

// Groups nested 100,000 deep (under the 4 MiB limit) are refused like any
// malformed request; telling "too deep" apart must not recurse that deep
// (a probe without a bound overflowed the stack and killed dyad-events in
// the soak test).
TEST_F(BackendLimitsTest, VeryDeepNestingIsRefusedWithoutCrashing) {
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += Varint((15 << 3) | 3);
  for (int i = 0; i < 100000; ++i) deep += Varint((15 << 3) | 4);
  for (int round = 0; round < 3; ++round) {
    RawReply r = RawCall(events_channel_, "/dyad.events.v1.EventService/GetEvent", deep);
    EXPECT_EQ(r.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << r.status.error_message();
  }
  RawReply after = RawCall(events_channel_, "/dyad.events.v1.EventService/ListSources", "");
  EXPECT_TRUE(after.status.ok()) << after.status.error_message();
}

// Served raw, replies are still the bytes the typed API would send.
TEST_F(BackendLimitsTest, RawRepliesAreTheTypedBytes) {
  RawReply r = RawCall(events_channel_, "/dyad.events.v1.EventService/ListSources", "");
  ASSERT_TRUE(r.status.ok()) << r.status.error_message();
  EXPECT_EQ(r.bytes, events_->ListSources().SerializeAsString());
  ev::ListEventKindsRequest kinds_req;
  r = RawCall(events_channel_, "/dyad.events.v1.EventService/ListEventKinds",
              kinds_req.SerializeAsString());
  ASSERT_TRUE(r.status.ok());
  auto kinds = events_->ListEventKinds(kinds_req);
  ASSERT_OK(kinds);
  EXPECT_EQ(r.bytes, kinds->SerializeAsString());
  r = RawCall(econ_channel_, "/dyad.economics.v1.EconomicsService/ListIndicators", "");
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.bytes, econ_->ListIndicators().SerializeAsString());
}

// Unknown fields in writes (top level and inside the record) are dropped
// before validation and storage: what is read back is small and has none.
TEST_F(BackendLimitsTest, WritesDropUnknownFields) {
  constexpr size_t kPad = 1 << 20;
  auto events_stub = ev::EventService::NewStub(events_channel_);
  ev::CreateEventRequest create;
  ev::Event* e = create.mutable_event();
  e->set_kind("test.meeting");
  e->set_title("Padded with unknown fields");
  e->mutable_date()->set_year(2020);
  e->add_countries("AZE");
  e->add_countries("CHN");
  auto* c = e->add_citations();
  c->set_source_id("fixture");
  c->set_locator("p1");
  AddUnknown(c, kPad);
  AddUnknown(e, kPad);
  AddUnknown(&create, kPad);
  ev::Event created;
  grpc::Status s = events_stub->CreateEvent(Ctx().get(), create, &created);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_LT(created.ByteSizeLong(), 4096u);
  ev::GetEventRequest get;
  get.set_name(created.name());
  RawReply got = RawCall(events_channel_, "/dyad.events.v1.EventService/GetEvent",
                         get.SerializeAsString());
  ASSERT_TRUE(got.status.ok());
  EXPECT_LT(got.bytes.size(), 4096u);
  ev::Event back;
  ASSERT_TRUE(back.ParseFromString(got.bytes));
  EXPECT_TRUE(back.GetReflection()->GetUnknownFields(back).empty());
  ASSERT_EQ(back.citations_size(), 1);
  EXPECT_TRUE(back.citations(0).GetReflection()->GetUnknownFields(back.citations(0)).empty());

  auto econ_stub = ec::EconomicsService::NewStub(econ_channel_);
  ec::RecordObservationRequest record;
  ec::Observation* o = record.mutable_observation();
  o->set_indicator("test.flow");
  o->set_reporter("AZE");
  o->set_partner("CHN");
  o->mutable_period()->set_year(2020);
  o->mutable_value()->set_value(123000000);
  o->mutable_value()->set_unit("USD");
  auto* oc = o->add_citations();
  oc->set_source_id("econ-fixture");
  oc->set_locator("p1");
  AddUnknown(o->mutable_value(), kPad);
  AddUnknown(o, kPad);
  AddUnknown(&record, kPad);
  ec::Observation recorded;
  s = econ_stub->RecordObservation(Ctx().get(), record, &recorded);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_LT(recorded.ByteSizeLong(), 4096u);
  ec::ListObservationsRequest list_obs;
  list_obs.set_indicator("test.flow");
  ec::ListObservationsResponse observations;
  s = econ_stub->ListObservations(Ctx().get(), list_obs, &observations);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_LT(observations.ByteSizeLong(), 64u * 1024);

  auto inst_stub = in::InstitutionService::NewStub(inst_channel_);
  in::CreateInstitutionRequest create_inst;
  in::Institution* i = create_inst.mutable_institution();
  i->set_display_name("Padded institute");
  i->set_kind("edu.university");
  i->set_host_country("AZE");
  auto* ic = i->add_citations();
  ic->set_source_id("inst-fixture");
  ic->set_locator("p1");
  AddUnknown(ic, kPad);
  AddUnknown(i, kPad);
  AddUnknown(&create_inst, kPad);
  in::Institution made;
  s = inst_stub->CreateInstitution(Ctx().get(), create_inst, &made);
  ASSERT_TRUE(s.ok()) << s.error_message();
  in::GetInstitutionRequest get_inst;
  get_inst.set_name(made.name());
  got = RawCall(inst_channel_, "/dyad.institutions.v1.InstitutionService/GetInstitution",
                get_inst.SerializeAsString());
  ASSERT_TRUE(got.status.ok());
  EXPECT_LT(got.bytes.size(), 4096u);
}

// Reads padded with unique unknown fields are one question: one cache
// entry, a few hundred bytes, and nothing of the padding in the reply.
TEST_F(BackendLimitsTest, ReadsWithUnknownFieldsAreNotCachedOrEchoed) {
  ev::ListEventsRequest req;
  req.add_countries("AZE");
  for (int n = 0; n < 20; ++n) {
    ev::ListEventsRequest padded = req;
    AddUnknown(&padded, 1 << 20, static_cast<char>('a' + n));
    RawReply r = RawCall(events_channel_, "/dyad.events.v1.EventService/ListEvents",
                         padded.SerializeAsString());
    ASSERT_TRUE(r.status.ok()) << r.status.error_message();
    EXPECT_LT(r.bytes.size(), 64u * 1024);
  }
  EXPECT_LT(events_->ListCacheBytes(), 64u * 1024);
}

TEST_F(BackendLimitsTest, RequestListsAreCapped) {
  ev::ListEventsRequest events_req;
  for (int i = 0; i < 33; ++i) events_req.add_kinds(absl::StrCat("kind", i));
  RawReply r = RawCall(events_channel_, "/dyad.events.v1.EventService/ListEvents",
                       events_req.SerializeAsString());
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(r.status.error_message(), HasSubstr("kinds"));
  EXPECT_THAT(r.status.error_message(), HasSubstr("at most 32"));

  ev::ListEventsRequest many_kinds;  // the original report: 300,000 kinds
  for (int i = 0; i < 300000; ++i) many_kinds.add_kinds("k");
  const absl::Time start = absl::Now();
  r = RawCall(events_channel_, "/dyad.events.v1.EventService/ListEvents",
              many_kinds.SerializeAsString());
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));

  ev::ListEventsRequest domains;
  for (int i = 0; i < 17; ++i) domains.add_domains("d");
  r = RawCall(events_channel_, "/dyad.events.v1.EventService/ListEvents",
              domains.SerializeAsString());
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(r.status.error_message(), HasSubstr("domains"));

  ev::ListEventsRequest countries;
  for (int i = 0; i < 17; ++i) countries.add_countries("AZE");
  r = RawCall(events_channel_, "/dyad.events.v1.EventService/ListEvents",
              countries.SerializeAsString());
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(r.status.error_message(), HasSubstr("at most 16"));

  ec::ListObservationsRequest obs;
  for (int i = 0; i < 17; ++i) obs.add_countries("AZE");
  r = RawCall(econ_channel_, "/dyad.economics.v1.EconomicsService/ListObservations",
              obs.SerializeAsString());
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(r.status.error_message(), HasSubstr("countries"));

  in::ListInstitutionsRequest inst;
  for (int i = 0; i < 17; ++i) inst.add_countries("AZE");
  r = RawCall(inst_channel_, "/dyad.institutions.v1.InstitutionService/ListInstitutions",
              inst.SerializeAsString());
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(r.status.error_message(), HasSubstr("countries"));
}

// A call whose storage work outlives its deadline is stopped there, and a
// cheap call waiting for the same store gets through right after.
TEST_F(BackendLimitsTest, DeadlineStopsAnExpensiveQueryAndFreesTheStore) {
  store_->expensive_rows = 2'000'000'000;  // minutes of work if nothing stops it
  ev::ListEventsRequest slow;
  slow.add_countries("CHN");
  const absl::Time start = absl::Now();
  auto slow_call = std::async(std::launch::async, [&] {
    return RawCall(events_channel_, "/dyad.events.v1.EventService/ListEvents",
                   slow.SerializeAsString(), absl::Milliseconds(300));
  });
  absl::SleepFor(absl::Milliseconds(50));  // let the slow call take the store
  ev::GetEventRequest get;
  get.set_name("events/trade-deal-2015");
  RawReply cheap = RawCall(events_channel_, "/dyad.events.v1.EventService/GetEvent",
                           get.SerializeAsString(), absl::Seconds(5));
  const absl::Duration cheap_done = absl::Now() - start;
  RawReply r = slow_call.get();
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_TRUE(cheap.status.ok()) << cheap.status.error_message();
  EXPECT_LT(cheap_done, absl::Seconds(2));
  // The server side stopped too: the next cheap List is quick again.
  store_->expensive_rows = 0;
  const absl::Time again = absl::Now();
  RawReply next = RawCall(events_channel_, "/dyad.events.v1.EventService/ListEvents",
                          ev::ListEventsRequest().SerializeAsString(), absl::Seconds(5));
  EXPECT_TRUE(next.status.ok()) << next.status.error_message();
  EXPECT_LT(absl::Now() - again, absl::Seconds(1));
}

class AdmissionTest : public BackendLimitsTest {
 protected:
  void SetUp() override { StartAll(/*max_in_flight=*/1); }
  void TearDown() override {
    BackendLimitsTest::TearDown();
    SetMaxCallsInFlight(0);
  }
};

// With --max_in_flight=1 and one call held in flight, a second call to any
// method is RESOURCE_EXHAUSTED; once the first is over, calls go through.
TEST_F(AdmissionTest, SecondCallBeyondTheLimitIsRefused) {
  store_->hold = true;
  auto held = std::async(std::launch::async, [&] {
    return RawCall(events_channel_, "/dyad.events.v1.EventService/ListEvents",
                   ev::ListEventsRequest().SerializeAsString(), absl::Seconds(20));
  });
  ASSERT_TRUE(store_->entered.WaitForNotificationWithTimeout(absl::Seconds(10)));
  RawReply second = RawCall(events_channel_, "/dyad.events.v1.EventService/ListEventKinds", "");
  EXPECT_EQ(second.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(second.status.error_message(), HasSubstr("max_in_flight"));
  RawReply other = RawCall(econ_channel_, "/dyad.economics.v1.EconomicsService/ListIndicators", "");
  EXPECT_EQ(other.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  store_->hold = false;
  store_->release.Notify();
  EXPECT_TRUE(held.get().status.ok());
  // The held call is over (the count drops once gRPC finishes it).
  grpc::StatusCode code = grpc::StatusCode::UNKNOWN;
  for (int i = 0; i < 100 && code != grpc::StatusCode::OK; ++i) {
    code = RawCall(inst_channel_, "/dyad.institutions.v1.InstitutionService/ListSources", "")
               .status.error_code();
    if (code != grpc::StatusCode::OK) absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(code, grpc::StatusCode::OK);
}

}  // namespace
}  // namespace dyad
