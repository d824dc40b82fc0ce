// `dyad import` end to end: the real dyad binary imports dataset files into
// the real dyad-events and dyad-economics (write token file, real plugins),
// and the answers are read back through the real dyad-gateway and the
// services' List methods, with their provenance.
//
// GeoTurImportTest: small fixtures for Georgia–Turkey written to each
// dataset's published layout (tests/fixtures/import/). RealDataImportTest:
// every dataset file in ../shared/data (skipped when absent).
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <tuple>

#include <grpcpp/grpcpp.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "dyad/economics/v1/economics.grpc.pb.h"
#include "dyad/events/v1/event_service.grpc.pb.h"
#include "dyad/gateway/v1/gateway.grpc.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "import.h"
#include "testing/process.h"
#include "testing/status_matchers.h"

namespace dyad {
namespace {

using dyad::testing::BuildPath;
using dyad::testing::ChildProcess;
using dyad::testing::SourcePath;
using ::testing::HasSubstr;
using ::testing::Not;
namespace ev = dyad::events::v1;
namespace ec = dyad::economics::v1;
namespace gw = dyad::gateway::v1;

constexpr char kToken[] = "e2e-import-token-7f3a";

std::string Addr(int port) { return "127.0.0.1:" + std::to_string(port); }

std::unique_ptr<grpc::ClientContext> Ctx() {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  return c;
}

// The four services on free ports, the backends with a write token file and
// fresh in-memory databases.
class Suite {
 public:
  absl::Status Start() {
    char tmpl[] = "/tmp/dyad-import-e2e-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return absl::InternalError("mkdtemp failed");
    dir_ = tmpl;
    token_file_ = dir_ + "/token";
    std::ofstream(token_file_) << kToken << "\n";
    for (const char* name : {"events", "economics", "institutions"}) {
      auto s = dyad::testing::StartServer(
          {BuildPath(std::string("bin/dyad-") + name), "--db=:memory:",
           "--plugins=" + BuildPath("plugins"), "--write_token_file=" + token_file_});
      if (!s.ok()) return s.status();
      ports_[name] = s->port;
      processes_.push_back(std::make_unique<ChildProcess>(std::move(s->process)));
    }
    auto g = dyad::testing::StartServer(
        {BuildPath("bin/dyad-gateway"), "--events=" + Addr(ports_["events"]),
         "--economics=" + Addr(ports_["economics"]),
         "--institutions=" + Addr(ports_["institutions"])});
    if (!g.ok()) return g.status();
    ports_["gateway"] = g->port;
    processes_.push_back(std::make_unique<ChildProcess>(std::move(g->process)));
    return absl::OkStatus();
  }
  void Stop() {
    for (auto it = processes_.rbegin(); it != processes_.rend(); ++it) {
      (void)(*it)->Stop(SIGTERM, absl::Seconds(10));
    }
    processes_.clear();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Runs the dyad CLI against the suite; {exit code, stdout and stderr}.
  std::pair<int, std::string> Run(std::vector<std::string> args,
                                  std::vector<std::string> env = {}) {
    std::vector<std::string> argv = {BuildPath("bin/dyad"),
                                     "--target",
                                     Addr(ports_["gateway"]),
                                     "--events",
                                     Addr(ports_["events"]),
                                     "--economics",
                                     Addr(ports_["economics"]),
                                     "--institutions",
                                     Addr(ports_["institutions"])};
    argv.insert(argv.end(), args.begin(), args.end());
    auto p = ChildProcess::Start(argv, env);
    if (!p.ok()) return {-1, std::string(p.status().message())};
    auto code = p->Wait(absl::Seconds(60));
    return {code.ok() ? *code : -1, p->Output()};
  }

  std::shared_ptr<grpc::Channel> Channel(const std::string& name) {
    return grpc::CreateChannel(Addr(ports_[name]), grpc::InsecureChannelCredentials());
  }
  const std::string& token_file() const { return token_file_; }

 private:
  std::string dir_, token_file_;
  std::map<std::string, int> ports_;
  std::vector<std::unique_ptr<ChildProcess>> processes_;
};

// The JSON Lines of `dyad --json import` (one object per file).
std::vector<google::protobuf::Struct> JsonReports(const std::string& out) {
  std::vector<google::protobuf::Struct> reports;
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    if (!absl::StartsWith(line, "{")) continue;
    google::protobuf::Struct s;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(std::string(line), &s).ok()) << line;
    reports.push_back(std::move(s));
  }
  return reports;
}
double Num(const google::protobuf::Struct& s, const std::string& field) {
  auto it = s.fields().find(field);
  return it == s.fields().end() ? -1 : it->second.number_value();
}

std::string Fixture(const std::string& name) { return SourcePath("tests/fixtures/import/" + name); }

class GeoTurImportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    unsetenv("DYAD_WRITE_TOKEN");  // the CLI must get its token from the flag only
    suite_ = new Suite;
    ASSERT_OK(suite_->Start());
  }
  static void TearDownTestSuite() {
    suite_->Stop();
    delete suite_;
  }
  static std::pair<int, std::string> Import(std::vector<std::string> args) {
    args.insert(args.begin() + 2, {"--write_token_file", suite_->token_file()});
    return suite_->Run(args);
  }
  static gw::GetTimelineResponse Timeline(std::vector<std::string> countries) {
    gw::GetTimelineRequest req;
    for (const auto& c : countries) req.add_countries(c);
    req.set_page_size(500);
    gw::GetTimelineResponse resp;
    auto stub = gw::RelationsGateway::NewStub(suite_->Channel("gateway"));
    grpc::Status s = stub->GetTimeline(Ctx().get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    for (const auto& p : resp.parts()) EXPECT_EQ(p.code(), "OK") << p.part() << " " << p.message();
    return resp;
  }
  // The timeline's event whose dataset row has `upstream_id`, or nullptr.
  static const ev::Event* FindEvent(const gw::GetTimelineResponse& t, const std::string& upstream_id) {
    for (const auto& e : t.entries()) {
      if (e.has_event() && e.event().citations_size() > 0 &&
          e.event().citations(0).row().upstream_id() == upstream_id) {
        return &e.event();
      }
    }
    return nullptr;
  }
  static Suite* suite_;
};
Suite* GeoTurImportTest::suite_ = nullptr;

// One test, in order: the imports build the state the later steps read.
TEST_F(GeoTurImportTest, ImportsEachDatasetAndTheGatewayAnswersWithProvenance) {
  // GDELT 2.0, plain and zipped, in one run.
  auto [code, out] = Import({"import", "gdelt", Fixture("gdelt2-geo-tur.export.CSV"),
                             Fixture("gdelt2-geo-tur-zipped.export.CSV.zip")});
  ASSERT_EQ(code, 0) << out;
  EXPECT_THAT(out, HasSubstr("gdelt2-geo-tur.export.CSV: 3 rows, 3 records imported (3 created, 0 "
                             "updated, 0 unchanged), 0 skipped, 0 rejected in "));
  EXPECT_THAT(out, HasSubstr("gdelt2-geo-tur-zipped.export.CSV.zip: 2 rows, 2 records imported (2 "
                             "created, 0 updated, 0 unchanged), 0 skipped, 0 rejected in "));
  EXPECT_THAT(out, Not(HasSubstr(kToken)));
  // ICEWS, as JSON.
  std::tie(code, out) = Import({"--json", "import", "icews", Fixture("icews-geo-tur.tab")});
  ASSERT_EQ(code, 0) << out;
  auto reports = JsonReports(out);
  ASSERT_EQ(reports.size(), 1u) << out;
  EXPECT_EQ(reports[0].fields().at("file").string_value(), "icews-geo-tur.tab");
  EXPECT_EQ(reports[0].fields().at("format").string_value(), "icews");
  EXPECT_EQ(Num(reports[0], "rows_read"), 2);
  EXPECT_EQ(Num(reports[0], "created"), 2);
  EXPECT_EQ(Num(reports[0], "rejected"), 0);
  // Comtrade Plus: the partner2 breakdown row is skipped, not rejected.
  std::tie(code, out) = Import({"import", "comtrade", "--show_skipped",
                                Fixture("comtradeplus-geo-tur-2019.csv")});
  ASSERT_EQ(code, 0) << out;
  EXPECT_THAT(out, HasSubstr("comtradeplus-geo-tur-2019.csv: 3 rows, 2 records imported (2 created"));
  EXPECT_THAT(out, HasSubstr("comtradeplus-geo-tur-2019.csv:4: skipped: breakdown row"));
  // WDI wide: two countries x two years; the aggregate skipped.
  std::tie(code, out) = Import({"import", "wdi", Fixture("wdi-geo-tur.csv")});
  ASSERT_EQ(code, 0) << out;
  EXPECT_THAT(out, HasSubstr("wdi-geo-tur.csv: 3 rows, 4 records imported (4 created, 0 updated, "
                             "0 unchanged), 1 skipped, 0 rejected"));

  // The gateway's timeline of the dyad holds every event and the trade
  // figures, each citing its dataset row.
  const gw::GetTimelineResponse t = Timeline({"GEO", "TUR"});
  struct Want {
    const char* id;
    const char* source;
    const char* file;
    int line;
    int month, day;
    const char* url_or_locator;
  };
  for (const Want& w : {
           Want{"910000001", "gdelt-2.0", "gdelt2-geo-tur.export.CSV", 1, 3, 15,
                "https://example.org/news/geo-tur-visit"},
           Want{"910000003", "gdelt-2.0", "gdelt2-geo-tur.export.CSV", 3, 4, 2,
                "https://example.org/news/geo-tur-meet"},
           Want{"910000012", "gdelt-2.0", "gdelt2-geo-tur-zipped.export.CSV.zip", 2, 6, 11,
                "https://example.org/news/geo-tur-criticize"},
           Want{"74000001", "icews", "icews-geo-tur.tab", 2, 6, 1, "story 47500001 sentence 2"},
           Want{"74000002", "icews", "icews-geo-tur.tab", 3, 6, 2, "story 47500002 sentence 1"},
       }) {
    SCOPED_TRACE(w.id);
    const ev::Event* e = FindEvent(t, w.id);
    ASSERT_NE(e, nullptr) << t.DebugString();
    EXPECT_EQ(e->origin(), dyad::type::v1::ORIGIN_MACHINE_CODED);
    EXPECT_EQ(e->date().month(), w.month);
    EXPECT_EQ(e->date().day(), w.day);
    EXPECT_THAT(e->countries(), ::testing::UnorderedElementsAre("GEO", "TUR"));
    const auto& c = e->citations(0);
    EXPECT_EQ(c.source_id(), w.source);
    EXPECT_EQ(c.row().file(), w.file);
    EXPECT_EQ(c.row().line(), w.line);
    if (std::string(w.source) == "icews") {
      EXPECT_EQ(c.locator(), w.url_or_locator);
    } else {
      EXPECT_EQ(c.url(), w.url_or_locator);
      EXPECT_EQ(c.locator(), absl::StrCat("GLOBALEVENTID ", w.id));
    }
  }
  EXPECT_EQ(FindEvent(t, "910000001")->coded().cameo_code(), "042");
  EXPECT_EQ(FindEvent(t, "910000001")->kind(), "cameo.04.042");
  bool exports = false;
  for (const auto& e : t.entries()) {
    if (!e.has_observation() || e.observation().indicator() != "trade.exports") continue;
    const ec::Observation& o = e.observation();
    exports = true;
    EXPECT_EQ(o.reporter(), "GEO");
    EXPECT_EQ(o.partner(), "TUR");
    EXPECT_EQ(o.period().year(), 2019);
    EXPECT_DOUBLE_EQ(o.value().value(), 257345678.5);
    EXPECT_EQ(o.citations(0).source_id(), "comtrade");
    EXPECT_EQ(o.citations(0).row().upstream_id(), "H5|2019|X|268|792|TOTAL");
    EXPECT_EQ(o.citations(0).row().file(), "comtradeplus-geo-tur-2019.csv");
    EXPECT_EQ(o.citations(0).row().line(), 2);
  }
  EXPECT_TRUE(exports) << t.DebugString();

  // WDI figures are about one country: Georgia's 2019 in review has them.
  gw::GetYearInReviewRequest yr;
  yr.add_countries("GEO");
  yr.set_year(2019);
  gw::GetYearInReviewResponse year;
  auto stub = gw::RelationsGateway::NewStub(suite_->Channel("gateway"));
  ASSERT_TRUE(stub->GetYearInReview(Ctx().get(), yr, &year).ok());
  bool gdp = false;
  for (const auto& iv : year.indicators()) {
    if (iv.indicator().id() != "wdi.NY.GDP.PCAP.CD") continue;
    gdp = true;
    EXPECT_DOUBLE_EQ(iv.point().value().value(), 4696.1);
    EXPECT_DOUBLE_EQ(iv.previous().value().value(), 4722.0);
    ASSERT_GT(iv.point().observations_size(), 0);
    const auto& c = iv.point().observations(0).citations(0);
    EXPECT_EQ(c.source_id(), "wdi");
    EXPECT_EQ(c.row().upstream_id(), "NY.GDP.PCAP.CD|GEO|2019");
    EXPECT_EQ(c.row().file(), "wdi-geo-tur.csv");
    EXPECT_EQ(c.row().line(), 6);
  }
  EXPECT_TRUE(gdp) << year.DebugString();

  // The CLI reads the same through the gateway.
  std::tie(code, out) = suite_->Run({"--countries", "GEO,TUR", "timeline"});
  ASSERT_EQ(code, 0) << out;
  EXPECT_THAT(out, HasSubstr("15 March 2019"));
  EXPECT_THAT(out, HasSubstr("gdelt-2.0:GLOBALEVENTID 910000001"));
  EXPECT_THAT(out, HasSubstr("icews:story 47500001 sentence 2"));
  EXPECT_THAT(out, HasSubstr("comtrade:H5|2019|X|268|792|TOTAL"));
  // The year in review shows the dyad's event intensity by month.
  std::tie(code, out) = suite_->Run({"--countries", "GEO,TUR", "year", "2019"});
  ASSERT_EQ(code, 0) << out;
  EXPECT_THAT(out, HasSubstr("Event intensity ("));
  EXPECT_THAT(out, HasSubstr("2019-03"));

  // Importing the same files again: every record unchanged, the same answers.
  std::tie(code, out) = Import({"--json", "import", "gdelt", Fixture("gdelt2-geo-tur.export.CSV"),
                                Fixture("gdelt2-geo-tur-zipped.export.CSV.zip")});
  ASSERT_EQ(code, 0) << out;
  reports = JsonReports(out);
  ASSERT_EQ(reports.size(), 2u) << out;
  EXPECT_EQ(Num(reports[0], "unchanged"), 3);
  EXPECT_EQ(Num(reports[1], "unchanged"), 2);
  for (const auto& r : reports) {
    EXPECT_EQ(Num(r, "created"), 0);
    EXPECT_EQ(Num(r, "updated"), 0);
  }
  std::tie(code, out) = Import({"import", "icews", Fixture("icews-geo-tur.tab")});
  EXPECT_THAT(out, HasSubstr("2 records imported (0 created, 0 updated, 2 unchanged)"));
  std::tie(code, out) = Import({"import", "comtrade", Fixture("comtradeplus-geo-tur-2019.csv")});
  EXPECT_THAT(out, HasSubstr("2 records imported (0 created, 0 updated, 2 unchanged)"));
  std::tie(code, out) = Import({"import", "wdi", Fixture("wdi-geo-tur.csv")});
  EXPECT_THAT(out, HasSubstr("4 records imported (0 created, 0 updated, 4 unchanged)"));
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(Timeline({"GEO", "TUR"}), t));
}

TEST_F(GeoTurImportTest, BadRowsAreReportedByLineAndTheGoodRowsImported) {
  auto [code, out] = Import({"import", "gdelt", Fixture("gdelt2-geo-tur-bad-rows.export.CSV")});
  EXPECT_EQ(code, 4) << out;  // rows rejected
  EXPECT_THAT(out, HasSubstr("gdelt2-geo-tur-bad-rows.export.CSV: 4 rows, 2 records imported (2 "
                             "created, 0 updated, 0 unchanged), 0 skipped, 2 rejected"));
  // Line 2 is refused by the importer, line 3 by the server.
  EXPECT_THAT(out, HasSubstr("gdelt2-geo-tur-bad-rows.export.CSV:2: rejected: SQLDATE: "
                             "\"20190231\" is not a YYYYMMDD date"));
  EXPECT_THAT(out, HasSubstr("gdelt2-geo-tur-bad-rows.export.CSV:3: rejected: coded.cameo_code: "
                             "unknown CAMEO code \"0999\""));
  const auto t = Timeline({"GEO", "TUR"});
  ASSERT_NE(FindEvent(t, "910000021"), nullptr);
  EXPECT_EQ(FindEvent(t, "910000024")->citations(0).row().line(), 4);
  EXPECT_EQ(FindEvent(t, "910000022"), nullptr);
  EXPECT_EQ(FindEvent(t, "910000023"), nullptr);
}

TEST_F(GeoTurImportTest, MaxErrorsStopsTheImport) {
  auto [code, out] = Import({"--json", "import", "gdelt", "--max_errors", "0",
                             Fixture("gdelt2-geo-tur-bad-rows.export.CSV"),
                             Fixture("gdelt2-geo-tur.export.CSV")});
  EXPECT_EQ(code, 4) << out;
  auto reports = JsonReports(out);
  ASSERT_EQ(reports.size(), 1u) << out;  // the second file is not imported
  EXPECT_TRUE(reports[0].fields().at("stopped").bool_value());
  EXPECT_EQ(Num(reports[0], "rows_read"), 2);  // stopped at the first rejected row
  EXPECT_EQ(Num(reports[0], "rejected"), 1);
  EXPECT_THAT(out, HasSubstr("--max_errors exceeded; not imported: "));
  EXPECT_THAT(out, HasSubstr("gdelt2-geo-tur.export.CSV"));
}

TEST_F(GeoTurImportTest, MissingOrWrongTokenIsAClearError) {
  auto [code, out] = suite_->Run({"import", "icews", Fixture("icews-geo-tur.tab")});
  EXPECT_EQ(code, 1) << out;
  EXPECT_THAT(out, HasSubstr("error: icews-geo-tur.tab: UNAUTHENTICATED: missing write token"));
  EXPECT_THAT(out, HasSubstr("no write token given: pass --write_token_file PATH or set "
                             "DYAD_WRITE_TOKEN"));
  std::tie(code, out) = suite_->Run({"import", "icews", Fixture("icews-geo-tur.tab")},
                                    {"DYAD_WRITE_TOKEN=not-the-token"});
  EXPECT_EQ(code, 1) << out;
  EXPECT_THAT(out, HasSubstr("UNAUTHENTICATED: invalid write token"));
  EXPECT_THAT(out, Not(HasSubstr("not-the-token")));
  // The right token from the environment works.
  std::tie(code, out) = suite_->Run({"import", "icews", Fixture("icews-geo-tur.tab")},
                                    {std::string("DYAD_WRITE_TOKEN=") + kToken});
  EXPECT_EQ(code, 0) << out;
}

TEST_F(GeoTurImportTest, FileErrorsNameTheFileAndTheOtherFilesAreImported) {
  auto [code, out] =
      Import({"import", "gdelt", "/nonexistent/x.export.CSV", Fixture("icews-geo-tur.tab"),
              SourcePath("tests/fixtures/importers/gdelt2-truncated.export.CSV.zip"),
              Fixture("gdelt2-geo-tur.export.CSV")});
  EXPECT_EQ(code, 1) << out;
  EXPECT_THAT(out, HasSubstr("error: /nonexistent/x.export.CSV: no such file"));
  EXPECT_THAT(out, HasSubstr("icews-geo-tur.tab: not a gdelt file (its content is icews)"));
  EXPECT_THAT(out, HasSubstr("gdelt2-truncated.export.CSV.zip: truncated or corrupt zip archive"));
  EXPECT_THAT(out, HasSubstr("gdelt2-geo-tur.export.CSV: 3 rows, 3 records imported"));
}

// ---------------------------------------------------------------------------

std::string RealDataDir() { return SourcePath("../shared/data"); }

class RealDataImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(RealDataDir())) GTEST_SKIP() << RealDataDir() << " absent";
    unsetenv("DYAD_WRITE_TOKEN");
    ASSERT_OK(suite_.Start());
  }
  void TearDown() override { suite_.Stop(); }
  Suite suite_;
};

// The dataset family of a shared data file by its name; "" for the files
// that are no dataset rows (lookups, metadata, the README).
std::string Family(const std::string& name) {
  if (absl::StartsWith(name, "gdelt")) return "gdelt";
  if (absl::StartsWith(name, "icews")) return "icews";
  if (absl::StartsWith(name, "comtrade")) return "comtrade";
  if (absl::StartsWith(name, "API_")) return "wdi";
  return "";
}

// The key of an imported record: (dataset, upstream id).
using Key = std::pair<std::string, std::string>;

template <typename Record>
Key KeyOf(const Record& r) {
  return {r.citations(0).source_id(), r.citations(0).row().upstream_id()};
}

// Asserts the stored record carries the expected one's provenance.
template <typename Record>
void ExpectSameProvenance(const Record& got, const Record& want) {
  const auto& g = got.citations(0);
  const auto& w = want.citations(0);
  EXPECT_EQ(g.row().file(), w.row().file());
  EXPECT_EQ(g.row().line(), w.row().line());
  EXPECT_EQ(g.locator(), w.locator());
  EXPECT_EQ(g.url(), w.url());
  EXPECT_EQ(got.origin(), dyad::type::v1::ORIGIN_MACHINE_CODED);
}

TEST_F(RealDataImportTest, EveryRowIsImportedAndAnswerableByItsDyadAndPeriod) {
  std::map<std::string, std::vector<std::string>> files;  // family -> paths
  std::vector<std::string> not_data;
  for (const auto& entry : std::filesystem::directory_iterator(RealDataDir())) {
    const std::string name = entry.path().filename();
    const std::string family = Family(name);
    if (family.empty()) {
      not_data.push_back(name);
    } else {
      files[family].push_back(entry.path());
    }
  }
  // A new dataset file in shared/data must be given a family here.
  for (const auto& name : not_data) {
    EXPECT_TRUE(name == "README.md" || name == "CAMEO.type.txt" ||
                absl::StartsWith(name, "Metadata_"))
        << name << ": not a known dataset file";
  }
  ASSERT_EQ(files.size(), 4u);

  // Import with the CLI: zero rejected rows in every file.
  const absl::Time start = absl::Now();
  int imported_files = 0;
  for (const auto& [family, paths] : files) {
    std::vector<std::string> args = {"--json", "import", family, "--write_token_file",
                                     suite_.token_file()};
    args.insert(args.end(), paths.begin(), paths.end());
    auto [code, out] = suite_.Run(args);
    EXPECT_EQ(code, 0) << out;
    auto reports = JsonReports(out);
    EXPECT_EQ(reports.size(), paths.size()) << out;
    for (const auto& r : reports) {
      SCOPED_TRACE(r.fields().at("file").string_value());
      EXPECT_EQ(Num(r, "rejected"), 0) << out.substr(0, 4000);
      EXPECT_GT(Num(r, "rows_read"), 0);
      EXPECT_GT(Num(r, "created"), 0);
      ++imported_files;
    }
  }
  EXPECT_EQ(imported_files, 6);
  std::cout << "imported in " << absl::ToDoubleSeconds(absl::Now() - start) << "s\n";

  // What each file should have given, mapped in process by the same library.
  struct Expected : importers::RecordSink {
    absl::Status Add(importers::Event e) override {
      events[KeyOf(e)] = std::move(e);
      return absl::OkStatus();
    }
    absl::Status Add(importers::Observation o) override {
      observations[KeyOf(o)] = std::move(o);
      return absl::OkStatus();
    }
    std::map<Key, importers::Event> events;  // a repeated upstream id: the last row wins
    std::map<Key, importers::Observation> observations;
  } want;
  for (const auto& [family, paths] : files) {
    for (const auto& p : paths) {
      auto s = importers::ImportFile(p, importers::Format::kAuto, want);
      ASSERT_TRUE(s.ok()) << s.status();
    }
  }

  // Events naming two countries, grouped by (dyad, year): one paged
  // ListEvents per group finds each by its dataset row.
  std::map<std::tuple<std::string, std::string, int>, std::vector<const importers::Event*>> groups;
  for (const auto& [key, e] : want.events) {
    std::set<std::string> countries(e.countries().begin(), e.countries().end());
    if (countries.size() != 2) continue;
    groups[{*countries.begin(), *countries.rbegin(), e.date().year()}].push_back(&e);
  }
  ASSERT_GT(groups.size(), 100u);
  auto events = ev::EventService::NewStub(suite_.Channel("events"));
  int checked_events = 0;
  for (const auto& [group, list] : groups) {
    const auto& [a, b, year] = group;
    SCOPED_TRACE(absl::StrCat(a, "-", b, " ", year));
    ev::ListEventsRequest req;
    req.add_countries(a);
    req.add_countries(b);
    req.mutable_period()->mutable_start()->set_year(year);
    req.mutable_period()->mutable_end()->set_year(year);
    req.set_origin(dyad::type::v1::ORIGIN_MACHINE_CODED);
    req.set_page_size(500);
    std::map<Key, ev::Event> got;
    while (true) {
      ev::ListEventsResponse resp;
      grpc::Status s = events->ListEvents(Ctx().get(), req, &resp);
      ASSERT_TRUE(s.ok()) << s.error_message();
      for (auto& e : *resp.mutable_events()) got[KeyOf(e)] = std::move(e);
      if (resp.next_page_token().empty()) break;
      req.set_page_token(resp.next_page_token());
    }
    for (const importers::Event* w : list) {
      auto it = got.find(KeyOf(*w));
      ASSERT_NE(it, got.end()) << KeyOf(*w).first << " " << KeyOf(*w).second;
      EXPECT_EQ(it->second.date().month(), w->date().month());
      EXPECT_EQ(it->second.date().day(), w->date().day());
      EXPECT_EQ(it->second.coded().cameo_code(), w->coded().cameo_code());
      ExpectSameProvenance(it->second, *w);
      ++checked_events;
    }
  }

  // Figures: two-country ones (Comtrade) by (reporter, partner, year,
  // commodity: a list names one); the one-country WDI figures by their
  // country, each with its period.
  std::map<std::tuple<std::string, std::string, int, std::string>,
           std::vector<const importers::Observation*>>
      figure_groups;
  for (const auto& [key, o] : want.observations) {
    const int year = o.partner().empty() ? 0 : o.period().year();
    figure_groups[{o.reporter(), o.partner(), year, o.commodity()}].push_back(&o);
  }
  auto economics = ec::EconomicsService::NewStub(suite_.Channel("economics"));
  int checked_figures = 0;
  for (const auto& [group, list] : figure_groups) {
    const auto& [reporter, partner, year, commodity] = group;
    SCOPED_TRACE(absl::StrCat(reporter, "-", partner, " ", year, " ", commodity));
    ec::ListObservationsRequest req;
    req.set_commodity(commodity);
    req.add_countries(reporter);
    if (!partner.empty()) req.add_countries(partner);
    if (year > 0) {
      req.mutable_period()->mutable_start()->set_year(year);
      req.mutable_period()->mutable_end()->set_year(year);
    }
    req.set_page_size(500);
    std::map<Key, ec::Observation> got;
    while (true) {
      ec::ListObservationsResponse resp;
      grpc::Status s = economics->ListObservations(Ctx().get(), req, &resp);
      ASSERT_TRUE(s.ok()) << s.error_message();
      for (auto& o : *resp.mutable_observations()) {
        if (o.citations_size() > 0) got[KeyOf(o)] = std::move(o);
      }
      if (resp.next_page_token().empty()) break;
      req.set_page_token(resp.next_page_token());
    }
    for (const importers::Observation* w : list) {
      auto it = got.find(KeyOf(*w));
      ASSERT_NE(it, got.end()) << KeyOf(*w).first << " " << KeyOf(*w).second;
      EXPECT_EQ(it->second.indicator(), w->indicator());
      EXPECT_EQ(it->second.period().year(), w->period().year());
      EXPECT_EQ(it->second.period().month(), w->period().month());
      EXPECT_DOUBLE_EQ(it->second.value().value(), w->value().value());
      ExpectSameProvenance(it->second, *w);
      ++checked_figures;
    }
  }
  std::cout << "checked " << checked_events << " events in " << groups.size() << " dyad-years and "
            << checked_figures << " figures; " << absl::ToDoubleSeconds(absl::Now() - start)
            << "s in all\n";
  EXPECT_GT(checked_events, 500);
  EXPECT_GT(checked_figures, 9000);
}

}  // namespace
}  // namespace dyad
