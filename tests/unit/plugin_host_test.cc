// Every way a plugin can fail stops start-up with one line naming the plugin
// and the reason; a good set loads.
#include "common/plugin_host.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <set>

#include "gmock/gmock.h"

#include "testing/process.h"
#include "testing/status_matchers.h"

namespace dyad {
namespace {

using ::dyad::testing::BuildPath;

std::string Fixture(const std::string& name, const std::string& file) {
  return BuildPath("fixtures/" + name + "/" + file);
}

absl::StatusOr<std::unique_ptr<PluginSet>> LoadPaths(std::vector<std::string> paths) {
  PluginHostOptions o;
  o.paths = std::move(paths);
  return PluginSet::Load(o);
}

void ExpectOneLine(const absl::Status& s) {
  EXPECT_EQ(std::string(s.message()).find('\n'), std::string::npos) << s;
}

TEST(PluginHostTest, LoadsAGoodPlugin) {
  ASSERT_OK_AND_ASSIGN(auto set, LoadPaths({Fixture("good", "fixture_good.so")}));
  ASSERT_EQ(set->plugins().size(), 1u);
  const LoadedPlugin& p = set->plugins()[0];
  EXPECT_EQ(p.name, "fixture_good");
  EXPECT_EQ(p.version, "1.0.0");
  EXPECT_EQ(p.bundle.events_size(), 6);
  EXPECT_TRUE(p.Contributes("events"));
  EXPECT_FALSE(p.Contributes("economics"));
  EXPECT_EQ(p.sha256.size(), 64u);
  EXPECT_EQ(set->Summary(), "fixture_good@1.0.0");
  ASSERT_EQ(set->sources().size(), 1u);
  EXPECT_EQ(set->sources()[0].id(), "fixture");
}

TEST(PluginHostTest, MissingFile) {
  auto s = LoadPaths({Fixture("good", "no_such_plugin.so")}).status();
  EXPECT_STATUS(s, absl::StatusCode::kFailedPrecondition, "plugin no_such_plugin: missing file");
  ExpectOneLine(s);
}

// A fresh empty directory under the test's temp dir.
std::string FreshDir(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "/" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(PluginHostTest, FifoInThePluginDirectoryIsRefusedNotOpened) {
  // Before the fix, open() waited for a writer: start-up hung for ever.
  const std::string dir = FreshDir("fifo_plugins");
  ASSERT_EQ(mkfifo((dir + "/x.so").c_str(), 0600), 0);
  PluginHostOptions o;
  o.dir = dir;
  auto result = std::async(std::launch::async, [&] { return PluginSet::Load(o).status(); });
  ASSERT_EQ(result.wait_for(std::chrono::seconds(10)), std::future_status::ready)
      << "loading a directory with a FIFO hangs";
  absl::Status s = result.get();
  EXPECT_STATUS(s, absl::StatusCode::kFailedPrecondition, "plugin x: ");
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("is a FIFO, not a regular file"));
  ExpectOneLine(s);
}

TEST(PluginHostTest, DirectoryNamedSoIsRefused) {
  const std::string dir = FreshDir("dir_plugins");
  std::filesystem::create_directories(dir + "/y.so");
  PluginHostOptions o;
  o.dir = dir;
  EXPECT_STATUS(PluginSet::Load(o), absl::StatusCode::kFailedPrecondition,
                "is a directory, not a regular file");
}

TEST(PluginHostTest, SymlinkLoopIsReportedAsSuch) {
  const std::string dir = FreshDir("loop_plugins");
  ASSERT_EQ(symlink("b.so", (dir + "/a.so").c_str()), 0);
  ASSERT_EQ(symlink("a.so", (dir + "/b.so").c_str()), 0);
  PluginHostOptions o;
  o.dir = dir;
  auto s = PluginSet::Load(o).status();
  EXPECT_STATUS(s, absl::StatusCode::kFailedPrecondition, "plugin a: symlink loop at ");
  EXPECT_THAT(std::string(s.message()), ::testing::Not(::testing::HasSubstr("missing file")));
  ExpectOneLine(s);
}

TEST(PluginHostTest, SymlinkToAGoodPluginLoads) {
  const std::string dir = FreshDir("link_plugins");
  ASSERT_EQ(symlink(Fixture("good", "fixture_good.so").c_str(),
                    (dir + "/fixture_good.so").c_str()), 0);
  PluginHostOptions o;
  o.dir = dir;
  ASSERT_OK_AND_ASSIGN(auto set, PluginSet::Load(o));
  EXPECT_EQ(set->plugins().size(), 1u);
}

TEST(PluginHostTest, MissingDirectory) {
  PluginHostOptions o;
  o.dir = "/nonexistent/plugins";
  EXPECT_STATUS(PluginSet::Load(o), absl::StatusCode::kFailedPrecondition,
                "cannot open plugin directory /nonexistent/plugins");
}

TEST(PluginHostTest, MissingSymbol) {
  auto s = LoadPaths({Fixture("nosym", "nosym.so")}).status();
  EXPECT_STATUS(s, absl::StatusCode::kFailedPrecondition,
                "plugin nosym: missing symbol dyad_plugin_entry");
  ExpectOneLine(s);
}

TEST(PluginHostTest, WrongAbiMajor) {
  auto s = LoadPaths({Fixture("abi", "fixture_abi.so")}).status();
  EXPECT_STATUS(s, absl::StatusCode::kFailedPrecondition,
                "plugin fixture_abi: ABI version 2.0 is not supported");
  ExpectOneLine(s);
}

TEST(PluginHostTest, OtherSchemaFingerprint) {
  auto s = LoadPaths({Fixture("schema", "fixture_schema.so")}).status();
  EXPECT_STATUS(s, absl::StatusCode::kFailedPrecondition,
                "plugin fixture_schema: built against another proto schema");
}

TEST(PluginHostTest, UndecodableBundle) {
  auto s = LoadPaths({Fixture("garbage", "garbage.so")}).status();
  EXPECT_STATUS(s, absl::StatusCode::kFailedPrecondition, "plugin garbage: undecodable data bundle");
}

TEST(PluginHostTest, DuplicateIdsAcrossPlugins) {
  auto s = LoadPaths({Fixture("good", "fixture_good.so"), Fixture("dup", "fixture_dup.so")}).status();
  EXPECT_STATUS(s, absl::StatusCode::kFailedPrecondition,
                "plugin fixture_dup: event events/first-contact-1991: duplicate id, also in "
                "plugin fixture_good");
  ExpectOneLine(s);
}

TEST(PluginHostTest, SamePluginTwice) {
  auto s = LoadPaths({Fixture("good", "fixture_good.so"), Fixture("good_v2", "fixture_good.so")})
               .status();
  EXPECT_STATUS(s, absl::StatusCode::kFailedPrecondition, "plugin fixture_good: name");
}

TEST(PluginHostTest, RecordWithoutCitation) {
  auto s = LoadPaths({Fixture("nocite", "fixture_nocite.so")}).status();
  EXPECT_STATUS(s, absl::StatusCode::kFailedPrecondition,
                "plugin fixture_nocite: events/uncited: record without a citation");
}

TEST(PluginHostTest, ReferenceToUnknownKind) {
  // fixture_dup uses a kind that only fixture_good defines.
  auto s = LoadPaths({Fixture("dup", "fixture_dup.so")}).status();
  EXPECT_STATUS(s, absl::StatusCode::kFailedPrecondition, "unknown event kind \"test.meeting\"");
}

// Bundle checks on in-memory plugins (no files needed).
LoadedPlugin InMemory(const std::string& name, const std::string& textproto_events) {
  LoadedPlugin p;
  p.name = name;
  p.version = "1.0.0";
  p.manifest.set_name(name);
  p.manifest.add_services("events");
  auto* k = p.bundle.add_event_kinds();
  k->set_id(name + ".kind");
  k->set_label("Kind");
  k->set_domain("testing");
  auto* e = p.bundle.add_events();
  e->set_name("events/" + textproto_events);
  e->set_kind(name + ".kind");
  e->set_title("t");
  e->mutable_date()->set_year(2000);
  e->add_countries("AZE");
  auto* c = e->add_citations();
  c->set_source_id("nowhere");
  c->set_locator("p1");
  return p;
}

TEST(PluginHostTest, CitationOfUnknownSource) {
  std::vector<LoadedPlugin> v;
  v.push_back(InMemory("a", "x"));
  EXPECT_STATUS(PluginSet::FromLoaded(std::move(v)), absl::StatusCode::kFailedPrecondition,
                "plugin a: events/x: cites unknown source \"nowhere\"");
}

TEST(PluginHostTest, RecordsOfAServiceTheManifestDoesNotName) {
  std::vector<LoadedPlugin> v;
  v.push_back(InMemory("a", "x"));
  v[0].manifest.clear_services();
  v[0].manifest.add_services("economics");
  EXPECT_STATUS(PluginSet::FromLoaded(std::move(v)), absl::StatusCode::kFailedPrecondition,
                "does not name the events service");
}

TEST(PluginHostTest, BadDatesAndCountriesInRecords) {
  std::vector<LoadedPlugin> v;
  v.push_back(InMemory("a", "x"));
  v[0].bundle.add_sources()->set_id("nowhere");
  v[0].bundle.mutable_sources(0)->set_title("T");
  v[0].bundle.mutable_events(0)->mutable_date()->set_month(13);
  EXPECT_STATUS(PluginSet::FromLoaded(v), absl::StatusCode::kFailedPrecondition,
                "plugin a: events/x: date.month");
  v[0].bundle.mutable_events(0)->mutable_date()->set_month(1);
  v[0].bundle.mutable_events(0)->add_countries("Azerbaijan");
  EXPECT_STATUS(PluginSet::FromLoaded(v), absl::StatusCode::kFailedPrecondition,
                "countries[1]");
  v[0].bundle.mutable_events(0)->mutable_countries()->RemoveLast();
  EXPECT_OK(PluginSet::FromLoaded(v));
}

TEST(PluginHostTest, HookThatThrowsIsAnErrorNotACrash) {
  ASSERT_OK_AND_ASSIGN(auto set, LoadPaths({Fixture("throws", "fixture_throws.so")}));
  const LoadedPlugin& p = set->plugins()[0];
  EXPECT_TRUE(p.Implements(dyad::plugin::v1::HOOK_VALIDATE));
  dyad::plugin::v1::HookRequest req;
  req.mutable_validate();
  EXPECT_STATUS(set->CallHook(p, req), absl::StatusCode::kInternal, "fixture hook exploded");
}

class AllowlistTest : public ::testing::Test {
 protected:
  std::string WriteAllowlist(const std::string& content) {
    // ctest runs each test in its own process, in parallel, all sharing
    // TempDir(): a file per test keeps them from reading each other's list.
    const std::string path =
        ::testing::TempDir() + "/allowlist-" +
        ::testing::UnitTest::GetInstance()->current_test_info()->name() + "-" +
        std::to_string(::getpid()) + ".txt";
    std::ofstream(path) << content;
    return path;
  }
};

TEST_F(AllowlistTest, MatchingHashLoads) {
  const std::string so = Fixture("good", "fixture_good.so");
  ASSERT_OK_AND_ASSIGN(std::string sha, Sha256File(so));
  PluginHostOptions o;
  o.dir = BuildPath("fixtures/good");
  o.allowlist_file = WriteAllowlist("# reviewed plugins\n" + sha + "  fixture_good.so\n");
  EXPECT_OK(PluginSet::Load(o));
}

TEST_F(AllowlistTest, HashMismatchIsRefused) {
  PluginHostOptions o;
  o.dir = BuildPath("fixtures/good");
  o.allowlist_file = WriteAllowlist(std::string(64, 'a') + "  fixture_good.so\n");
  auto s = PluginSet::Load(o).status();
  EXPECT_STATUS(s, absl::StatusCode::kFailedPrecondition,
                "plugin fixture_good: SHA-256 mismatch");
  ExpectOneLine(s);
}

TEST_F(AllowlistTest, PluginNotListedIsRefused) {
  PluginHostOptions o;
  o.dir = BuildPath("fixtures/good");
  o.allowlist_file = WriteAllowlist(std::string(64, 'a') + "  other.so\n");
  EXPECT_STATUS(PluginSet::Load(o), absl::StatusCode::kFailedPrecondition,
                "plugin fixture_good: not on the allowlist");
}

TEST_F(AllowlistTest, ListedFileMissingIsRefused) {
  const std::string so = Fixture("good", "fixture_good.so");
  ASSERT_OK_AND_ASSIGN(std::string sha, Sha256File(so));
  PluginHostOptions o;
  o.dir = BuildPath("fixtures/good");
  o.allowlist_file = WriteAllowlist(sha + "  fixture_good.so\n" + sha + "  gone.so\n");
  EXPECT_STATUS(PluginSet::Load(o), absl::StatusCode::kFailedPrecondition,
                "plugin gone: missing file");
}

TEST_F(AllowlistTest, MalformedAllowlistIsRefused) {
  PluginHostOptions o;
  o.dir = BuildPath("fixtures/good");
  o.allowlist_file = WriteAllowlist("not-a-hash fixture_good.so\n");
  EXPECT_STATUS(PluginSet::Load(o), absl::StatusCode::kFailedPrecondition, ":1: expected");
}

// The deployed plugins load together in one process: no duplicate ids, no
// uncited record, no descriptor registered twice.
TEST(PluginHostTest, AllDeployedPluginsLoadTogether) {
  PluginHostOptions o;
  o.dir = BuildPath("plugins");
  ASSERT_OK_AND_ASSIGN(auto set, PluginSet::Load(o));
  EXPECT_GE(set->plugins().size(), 1u);
  EXPECT_NE(set->Find("diplomacy"), nullptr);
  EXPECT_NE(set->Find("cameo"), nullptr);
  EXPECT_NE(set->Find("world_data"), nullptr);
  // Five seed documents and the five imported datasets.
  EXPECT_EQ(set->sources().size(), 10u);
  std::set<std::string> ids;
  for (const auto& src : set->sources()) ids.insert(src.id());
  for (const char* id : {"gdelt-1.0", "gdelt-2.0", "icews", "comtrade", "wdi"}) {
    EXPECT_EQ(ids.count(id), 1u) << id;
  }
  // Every indicator the importers write exists.
  std::set<std::string> indicators;
  for (const auto& p : set->plugins()) {
    for (const auto& ind : p.bundle.indicators()) indicators.insert(ind.id());
  }
  for (const char* id : {"trade.exports", "trade.imports", "trade.reexports", "trade.reimports",
                         "wdi.NY.GDP.PCAP.CD", "wdi.NY.GDP.MKTP.CD", "wdi.SP.POP.TOTL",
                         "wdi.NE.TRD.GNFS.ZS", "wdi.BX.KLT.DINV.CD.WD", "wdi.NE.EXP.GNFS.CD",
                         "wdi.NE.IMP.GNFS.CD"}) {
    EXPECT_EQ(indicators.count(id), 1u) << id;
  }
}

// The cameo plugin declares the whole CAMEO event taxonomy: 20 roots, every
// sub-code under a present parent, ids that nest so kind filters match
// sub-kinds, and the published QuadClass, Goldstein and PLOVER values.
TEST(PluginHostTest, CameoTaxonomyIsComplete) {
  PluginHostOptions o;
  o.dir = BuildPath("plugins");
  ASSERT_OK_AND_ASSIGN(auto set, PluginSet::Load(o));
  const LoadedPlugin* cameo = set->Find("cameo");
  ASSERT_NE(cameo, nullptr);
  std::map<std::string, dyad::events::v1::EventKind> by_code;
  for (const auto& k : cameo->bundle.event_kinds()) {
    EXPECT_EQ(k.domain(), "cameo") << k.id();
    EXPECT_EQ(k.taxonomy(), "cameo") << k.id();
    EXPECT_FALSE(k.description().empty()) << k.id();
    by_code[k.cameo_code()] = k;
  }
  EXPECT_GE(by_code.size(), 300u);
  for (int root = 1; root <= 20; ++root) {
    const std::string code = (root < 10 ? "0" : "") + std::to_string(root);
    ASSERT_EQ(by_code.count(code), 1u) << "root " << code;
    EXPECT_EQ(by_code[code].id(), "cameo." + code);
    // QuadClass as GDELT exports carry it: 01-05, 06-09, 10-14, 15-20.
    EXPECT_EQ(by_code[code].quad_class(), root <= 5 ? 1 : root <= 9 ? 2 : root <= 14 ? 3 : 4) << code;
  }
  for (const auto& [code, k] : by_code) {
    ASSERT_TRUE(code.size() >= 2 && code.size() <= 4) << code;
    if (code.size() == 2) continue;
    const std::string parent = code.substr(0, code.size() - 1);
    const std::string parent_code = code.size() == 3 ? code.substr(0, 2) : parent;
    ASSERT_EQ(by_code.count(parent_code), 1u) << code << " has no parent " << parent_code;
    EXPECT_EQ(k.id(), by_code[parent_code].id() + "." + code);
    EXPECT_EQ(k.quad_class(), by_code[code.substr(0, 2)].quad_class()) << code;
  }
  const auto& visit = by_code["042"];
  EXPECT_EQ(visit.id(), "cameo.04.042");
  EXPECT_EQ(visit.label(), "Make a visit");
  EXPECT_EQ(visit.quad_class(), 1);
  EXPECT_DOUBLE_EQ(visit.goldstein(), 1.9);
  EXPECT_EQ(visit.plover_type(), "CONSULT");
  EXPECT_DOUBLE_EQ(by_code["190"].goldstein(), -10.0);
  EXPECT_EQ(by_code["190"].quad_class(), 4);
  EXPECT_EQ(by_code["0211"].id(), "cameo.02.021.0211");
  EXPECT_DOUBLE_EQ(by_code["0874"].goldstein(), 10.0);
  EXPECT_EQ(by_code["0874"].plover_type(), "RETREAT");
  EXPECT_EQ(by_code["057"].plover_type(), "SUPPORT");
  EXPECT_TRUE(by_code["010"].plover_type().empty());  // PLOVER drops CAMEO 01 and 02
  // Curated kinds keep their informational cameo_code outside the taxonomy.
  for (const auto& p : set->plugins()) {
    if (p.name == "cameo") continue;
    for (const auto& k : p.bundle.event_kinds()) EXPECT_TRUE(k.taxonomy().empty()) << k.id();
  }
}

LoadedPlugin TaxonomyPlugin(const std::string& name, std::vector<std::pair<std::string, std::string>> kinds) {
  LoadedPlugin p;
  p.name = name;
  p.version = "1.0.0";
  p.manifest.set_name(name);
  p.manifest.add_services("events");
  for (const auto& [id, code] : kinds) {
    auto* k = p.bundle.add_event_kinds();
    k->set_id(id);
    k->set_label("Kind");
    k->set_domain("testing");
    k->set_cameo_code(code);
    k->set_taxonomy("cameo");
  }
  return p;
}

TEST(PluginHostTest, TaxonomyCodesAreUniqueAcrossPlugins) {
  std::vector<LoadedPlugin> v;
  v.push_back(TaxonomyPlugin("a", {{"t.04", "04"}, {"t.04.042", "042"}}));
  EXPECT_OK(PluginSet::FromLoaded(v));
  // The same code twice in one plugin's taxonomy.
  v[0].bundle.mutable_event_kinds(1)->set_cameo_code("04");
  EXPECT_STATUS(PluginSet::FromLoaded(v), absl::StatusCode::kFailedPrecondition,
                "plugin a: event kind \"t.04.042\": cameo_code \"04\" of taxonomy \"cameo\" is "
                "already the code of kind t.04 of plugin a");
  v[0].bundle.mutable_event_kinds(1)->set_cameo_code("042");
  // ... and across plugins.
  v.push_back(TaxonomyPlugin("b", {{"u.042", "042"}}));
  EXPECT_STATUS(PluginSet::FromLoaded(v), absl::StatusCode::kFailedPrecondition,
                "plugin b: event kind \"u.042\": cameo_code \"042\" of taxonomy \"cameo\" is "
                "already the code of kind t.04.042 of plugin a");
  // Another taxonomy, or a curated kind with an informational code, is fine.
  v[1].bundle.mutable_event_kinds(0)->set_taxonomy("other");
  EXPECT_OK(PluginSet::FromLoaded(v));
  v[1].bundle.mutable_event_kinds(0)->clear_taxonomy();
  EXPECT_OK(PluginSet::FromLoaded(v));
}

TEST(PluginHostTest, TaxonomyKindChecks) {
  std::vector<LoadedPlugin> v;
  v.push_back(TaxonomyPlugin("a", {{"t.04", ""}}));
  EXPECT_STATUS(PluginSet::FromLoaded(v), absl::StatusCode::kFailedPrecondition,
                "plugin a: event kind \"t.04\": belongs to taxonomy \"cameo\" but has no cameo_code");
  v[0].bundle.mutable_event_kinds(0)->set_cameo_code("04");
  v[0].bundle.mutable_event_kinds(0)->set_quad_class(5);
  EXPECT_STATUS(PluginSet::FromLoaded(v), absl::StatusCode::kFailedPrecondition,
                "quad_class 5 is not in 0..4");
  v[0].bundle.mutable_event_kinds(0)->set_quad_class(1);
  v[0].bundle.mutable_event_kinds(0)->set_goldstein(10.5);
  EXPECT_STATUS(PluginSet::FromLoaded(v), absl::StatusCode::kFailedPrecondition,
                "goldstein 10.5 is not in -10..10");
  v[0].bundle.mutable_event_kinds(0)->set_goldstein(-10);
  EXPECT_OK(PluginSet::FromLoaded(v));
}

TEST(PluginHostTest, SourceIdsMayCarryAVersion) {
  std::vector<LoadedPlugin> v;
  v.push_back(TaxonomyPlugin("a", {}));
  auto* src = v[0].bundle.add_sources();
  src->set_title("T");
  for (const char* good : {"gdelt-2.0", "icews", "wdi", "jafarli"}) {
    src->set_id(good);
    EXPECT_OK(PluginSet::FromLoaded(v)) << good;
  }
  for (const char* bad : {"", "gdelt-2.", ".gdelt", "-x", "GDELT", "a b", "gdelt_2"}) {
    src->set_id(bad);
    EXPECT_STATUS(PluginSet::FromLoaded(v), absl::StatusCode::kFailedPrecondition,
                  "id must be 1..63 of [a-z0-9-.]");
  }
}

}  // namespace
}  // namespace dyad
