// The credential and disk cache flags (io/open/store_flags.h) are one table: nzview and
// nzview-cli parse with it, their --help lines come from it, and both man pages name every
// flag in it.
#include <QtTest/QtTest>

#include <fstream>
#include <sstream>

#include "core/error.h"
#include "open/store_flags.h"

using namespace nz;

namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// "--azure-account" as groff writes it: "\-\-azure\-account".
std::string manSpelling(const std::string& flag) {
  std::string out;
  for (char c : flag) out += c == '-' ? std::string("\\-") : std::string(1, c);
  return out;
}

struct Parsed {
  StoreOptions options;
  CacheFlags cache;
};

Parsed parseAll(const std::vector<std::string>& args) {
  Parsed p;
  for (std::size_t i = 0; i < args.size(); ++i)
    if (!parseStoreFlag(args, i, p.options, p.cache)) throw std::runtime_error("not a flag");
  return p;
}

}  // namespace

class TestStoreFlags : public QObject {
  Q_OBJECT

 private slots:
  void everyFlagParses() {
    const Parsed p = parseAll({"--azure-account",
                               "acct",
                               "--azure-key=k3y",
                               "--azure-sas",
                               "sv=1",
                               "--azure-connection-string",
                               "cs",
                               "--azure-endpoint",
                               "http://a",
                               "--aws-profile",
                               "lab",
                               "--aws-region",
                               "eu-west-1",
                               "--endpoint-url",
                               "http://s3",
                               "--gcs-credentials",
                               "sa.json",
                               "--anonymous",
                               "--header",
                               "X-A: 1",
                               "--cacert",
                               "ca.pem",
                               "--insecure",
                               "--option",
                               "key=AKID",
                               "--cache-dir",
                               "/c",
                               "--cache-size",
                               "2G",
                               "--no-disk-cache",
                               "--offline"});
    const StoreOptions& o = p.options;
    QCOMPARE(o.azureAccount, std::string("acct"));
    QCOMPARE(o.azureKey, std::string("k3y"));
    QCOMPARE(o.azureSas, std::string("sv=1"));
    QCOMPARE(o.azureConnectionString, std::string("cs"));
    QCOMPARE(o.azureEndpoint, std::string("http://a"));
    QCOMPARE(o.awsProfile, std::string("lab"));
    QCOMPARE(o.awsRegion, std::string("eu-west-1"));
    QCOMPARE(o.endpointUrl, std::string("http://s3"));
    QCOMPARE(o.gcsCredentialsFile, std::string("sa.json"));
    QVERIFY(o.anonymous);
    QVERIFY(o.insecure);
    QCOMPARE(o.headers, std::vector<std::string>{"X-A: 1"});
    QCOMPARE(o.caFile, std::string("ca.pem"));
    QCOMPARE(o.awsAccessKeyId, std::string("AKID"));  // --option fills the typed field too
    QCOMPARE(o.extra.at("key"), std::string("AKID"));
    QCOMPARE(*p.cache.dir, std::string("/c"));
    QCOMPARE(*p.cache.budgetBytes, std::uint64_t{2} << 30);
    QVERIFY(p.cache.noDiskCache && p.cache.offline);
  }

  void cacheFlagsApplyOverStartingSettings() {
    DiskCacheSettings s;
    s.enabled = false;
    s.dir = "/saved";
    CacheFlags f;
    f.dir = "/given";
    f.applyTo(s);
    QVERIFY(s.enabled);  // naming a directory asks for the cache
    QCOMPARE(s.dir, std::string("/given"));
    CacheFlags off;
    off.noDiskCache = true;
    off.applyTo(s);
    QVERIFY(!s.enabled);
    QVERIFY(!CacheFlags{}.any());
  }

  void errorsNameTheFlagNotTheValue() {
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"--azure-key"}, "option --azure-key needs a value"},
        {{"--anonymous=yes"}, "option --anonymous takes no value"},
        {{"--header", "secret-without-colon"}, "--header needs the form 'Name: value'"},
        {{"--option", "=x"}, "--option needs the form key=value"},
        {{"--cache-dir="}, "--cache-dir needs a directory"},
    };
    for (const auto& [args, message] : cases) {
      try {
        parseAll(args);
        QFAIL(("no error for " + args[0]).c_str());
      } catch (const Error& e) {
        QCOMPARE(std::string(e.what()), message);
      }
    }
    std::vector<std::string> other = {"--level", "2"};
    std::size_t i = 0;
    StoreOptions o;
    CacheFlags c;
    QVERIFY(!parseStoreFlag(other, i, o, c));
    QCOMPARE(i, std::size_t{0});
  }

  void helpListsEveryFlagOnce() {
    const std::string help = storeFlagsHelp(34);
    for (const StoreFlag& f : storeFlags()) {
      const std::string line = std::string("  ") + f.name + (*f.metavar ? " " : "");
      QVERIFY2(help.find(line) != std::string::npos, f.name);
      QVERIFY2(help.find(f.help) != std::string::npos, f.name);
    }
    QCOMPARE(std::count(help.begin(), help.end(), '\n'),
             static_cast<std::ptrdiff_t>(storeFlags().size()));
  }

  void manPagesNameEveryFlag() {
    for (const char* page : {"/installer/man/nzview-cli.1.in", "/installer/man/nzview.1.in"}) {
      const std::string text = readFile(std::string(NZ_SOURCE_DIR) + page);
      QVERIFY2(!text.empty(), page);
      for (const StoreFlag& f : storeFlags())
        QVERIFY2(text.find(manSpelling(f.name)) != std::string::npos,
                 (std::string(page) + " does not name " + f.name).c_str());
    }
  }
};

QTEST_APPLESS_MAIN(TestStoreFlags)
#include "tst_store_flags.moc"
