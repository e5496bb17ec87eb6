// io/session: nzview:// links (readable and compact forms, long links, hostile links) and
// Neuroglancer state in (legacy and pipeline sources, URL fragments) and out.
#include <QFile>
#include <QtTest>
#include <string>

#include "core/error.h"
#include "session/neuroglancer.h"
#include "session/session_link.h"
#include "session_secrets.h"

using namespace nz;

namespace {

std::string readData(const char* name) {
  QFile f(QString(NZ_TEST_DATA_DIR) + "/session/" + name);
  if (!f.open(QIODevice::ReadOnly)) qFatal("cannot read %s", name);
  return f.readAll().toStdString();
}

Session twoLayers() {
  Session s;
  SessionLayer image;
  image.uri = "https://data.example.org/mri/t1.nii.zarr";
  image.colormap = "grey";
  image.window = std::array<double, 2>{0, 800};
  SessionLayer labels;
  labels.uri = "s3://lab/aseg.nii.zarr";
  labels.kind = SessionLayerKind::Labels;
  labels.labelTable = "FreeSurferColorLUT.txt";
  labels.opacity = 0.5;
  labels.hiddenLabels = {2, 41};
  labels.name = "aseg & friends";
  s.layers = {image, labels};
  s.selectedLayer = 1;
  s.crosshairMm = std::array<double, 3>{-12.5, 8, 20.25};
  s.t = 2;
  for (auto& v : s.views) v.zoom = 2.5;
  s.bookmarks = {{"lesion, frontal", {-10, 4, 22}, 4}};
  return s;
}

QString linkError(const std::string& link) {
  try {
    (void)parseSessionLink(link);
  } catch (const Error& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

QString ngError(const std::string& text) {
  try {
    (void)parseNeuroglancerState(text, "state.json");
  } catch (const Error& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

}  // namespace

class TestSessionLinks : public QObject {
  Q_OBJECT
 private slots:
  void readableLink() {
    const Session s = twoLayers();
    const std::string link = sessionLink(s);
    QCOMPARE(link,
             std::string("nzview://open?image=https://data.example.org/mri/t1.nii.zarr&cmap=grey"
                         "&window=0,800&labels=s3://lab/aseg.nii.zarr&name=aseg%20%26%20friends"
                         "&lut=FreeSurferColorLUT.txt&opacity=0.5&hidden=2,41&sel=1"
                         "&mm=-12.5,8,20.25&t=2&zoom=2.5&bm=lesion%2C%20frontal,-10,4,22,4"));
    const Session back = parseSessionLink(link);
    QCOMPARE(back.layers.size(), std::size_t(2));
    QCOMPARE(back.layers[0].uri, s.layers[0].uri);
    QCOMPARE(back.layers[1].kind, SessionLayerKind::Labels);
    QCOMPARE(back.layers[1].name, std::string("aseg & friends"));
    QCOMPARE(back.layers[1].labelTable, std::string("FreeSurferColorLUT.txt"));
    QCOMPARE(back.layers[1].hiddenLabels, s.layers[1].hiddenLabels);
    QCOMPARE(*back.layers[0].window, *s.layers[0].window);
    QCOMPARE(back.crosshairMm, s.crosshairMm);
    QCOMPARE(back.views[2].zoom, 2.5);
    QCOMPARE(back.t, std::int64_t(2));
    QCOMPARE(back.selectedLayer, 1);
    QCOMPARE(back.bookmarks.size(), std::size_t(1));
    QCOMPARE(back.bookmarks[0].name, std::string("lesion, frontal"));
    QCOMPARE(back.bookmarks[0].zoom, 4.0);
  }

  void perViewCentres() {
    Session s = twoLayers();
    s.views[1] = {3, std::array<double, 3>{1.5, -2, 3}};
    const Session back = parseSessionLink(sessionLinkReadable(s));
    QCOMPARE(back.views[0].zoom, 2.5);
    QCOMPARE(back.views[1].zoom, 3.0);
    QCOMPARE(back.views[1].centerMm, s.views[1].centerMm);
  }

  void compactFormCarriesEverything() {
    Session s = twoLayers();
    s.rois = nlohmann::json::parse(
        R"({"nzview_rois": 1, "rois": [{"name": "a", "box": [[1, 5], [2, 6], [3, 7]]}]})");
    s.camera3d = nlohmann::json{{"azimuth", 30}};
    const std::string link = sessionLink(s);
    QVERIFY(link.rfind("nzview://open?z=", 0) == 0);
    const Session back = parseSessionLink(link);
    QCOMPARE(back.rois, s.rois);
    QCOMPARE(back.camera3d, s.camera3d);
    QCOMPARE(back.layers[1].labelTable, s.layers[1].labelTable);
  }

  void longLinksHandled() {
    // 200 bookmarks: the readable form is ~9000 characters; the compact one is shorter and
    // both parse back to the same 200 bookmarks.
    Session s = twoLayers();
    for (int i = 0; i < 200; ++i)
      s.bookmarks.push_back({"slice " + std::to_string(i), {i * 0.5, -i * 0.25, 10.0 + i}, 2});
    const std::string readable = sessionLinkReadable(s);
    QVERIFY(readable.size() > 2000);
    const std::string chosen = sessionLink(s);
    QVERIFY(chosen.size() < readable.size());
    QVERIFY(chosen.rfind("nzview://open?z=", 0) == 0);
    for (const std::string& link : {readable, chosen}) {
      const Session back = parseSessionLink(link);
      QCOMPARE(back.bookmarks.size(), std::size_t(201));
      QCOMPARE(back.bookmarks[200].name, std::string("slice 199"));
      QCOMPARE(back.bookmarks[200].crosshairMm[2], 209.0);
    }
    // A short session stays readable and under the limit.
    QVERIFY(sessionLink(twoLayers()).size() < kLinkSoftLimit);
    QVERIFY(sessionLink(twoLayers()).find("z=") == std::string::npos);
  }

  void secretsNeverInLinks() {
    Session s;
    for (const QString& u : sessiontest::secretUris()) {
      SessionLayer l;
      l.uri = u.toStdString();
      l.labelTable = u.toStdString();
      s.layers.push_back(l);
    }
    s.bookmarks = {{"b", {1, 2, 3}, 1}};
    sessiontest::expectNoSecret(QString::fromStdString(sessionLinkReadable(s)), "readable link");
    sessiontest::expectNoSecret(QString::fromStdString(sessionLinkCompact(s)), "compact link");
    // The compact form is compressed: check what it carries too.
    const Session back = parseSessionLink(sessionLinkCompact(s));
    for (const auto& l : back.layers)
      sessiontest::expectNoSecret(QString::fromStdString(l.uri), "uri");
    const NeuroglancerExport ng = neuroglancerExport(s, "");
    sessiontest::expectNoSecret(QString::fromStdString(ng.url), "Neuroglancer link");
    sessiontest::expectNoSecret(QString::fromStdString(ng.stateJson), "Neuroglancer state");
    // A link someone sends with a SAS in it is opened without it.
    const Session in = parseSessionLink(
        "nzview://open?image=" +
        std::string(
            "https://acct.blob.core.windows.net/c/x.nii.zarr%3Fsig%3DSASsig0123456789abcdef"));
    QCOMPARE(in.layers[0].uri, std::string("https://acct.blob.core.windows.net/c/x.nii.zarr"));
  }

  void hostileLinks_data() {
    QTest::addColumn<QString>("link");
    QTest::addColumn<QString>("expected");
    QTest::newRow("scheme") << "https://x/open?image=a"
                            << "does not start with nzview://";
    QTest::newRow("action") << "nzview://exec?cmd=rm"
                            << "only nzview://open";
    QTest::newRow("no query") << "nzview://open"
                              << "query: is missing";
    QTest::newRow("no image") << "nzview://open?mm=1,2,3"
                              << "image: is missing";
    QTest::newRow("before layer") << "nzview://open?opacity=0.5&image=x"
                                  << "opacity: comes before";
    QTest::newRow("escape") << "nzview://open?image=a%2"
                            << "image: has a broken %-escape";
    QTest::newRow("mm") << "nzview://open?image=a&mm=1,2"
                        << "mm: expects 3 numbers";
    QTest::newRow("mm nan") << "nzview://open?image=a&mm=1,nan,2"
                            << "mm: expects a number";
    QTest::newRow("mm huge") << "nzview://open?image=a&mm=1,2,1e99"
                             << "mm: 1e99 is out of range";
    QTest::newRow("opacity") << "nzview://open?image=a&opacity=7"
                             << "opacity: 7 is out of range";
    QTest::newRow("cmap") << "nzview://open?image=a&cmap=%3Cscript%3E"
                          << "cmap: must be";
    QTest::newRow("sel") << "nzview://open?image=a&sel=4"
                         << "sel: names layer 4 of 1";
    QTest::newRow("bm") << "nzview://open?image=a&bm=x,1"
                        << "bm: expects name,x,y,z";
    QTest::newRow("no value") << "nzview://open?image"
                              << "image: has no value";
    QTest::newRow("z bad") << "nzview://open?z=!!!!"
                           << "not base64url";
    QTest::newRow("z truncated") << "nzview://open?z=eJyrVkrOz0nNS1GyUlAqS8wpTVWyMjIwMFGqBQB"
                                 << "truncated or corrupt";
    QTest::newRow("z alone") << "nzview://open?image=a&z=eJw"
                             << "z: the compact form";
    QTest::newRow("layout") << "nzview://open?image=a&layout=..%2Fx"
                            << "layout: must be";
  }
  void hostileLinks() {
    QFETCH(QString, link);
    QFETCH(QString, expected);
    const QString error = linkError(link.toStdString());
    QVERIFY2(error.contains(expected), qPrintable(error));
    QVERIFY2(error.startsWith("nzview link"), qPrintable(error));
  }

  void compressionBombRefused() {
    Session s = twoLayers();
    s.camera3d = nlohmann::json{{"pad", std::string(20u << 20, 'a')}};
    const QString error = linkError(sessionLinkCompact(s));
    QVERIFY2(error.contains("inflates to more than"), qPrintable(error));
    QVERIFY(linkError("nzview://open?image=" + std::string(2u << 20, 'a')).contains("too long"));
  }

  void neuroglancerPipeline() {
    const NeuroglancerImport in =
        parseNeuroglancerState(readData("ng_pipeline_zarr.json"), "ng.json");
    const Session& s = in.session;
    QCOMPARE(s.layers.size(), std::size_t(2));
    QCOMPARE(s.layers[0].uri, std::string("https://data.example.org/mri/t1.ome.zarr"));
    QCOMPARE(s.layers[0].kind, SessionLayerKind::Image);
    QCOMPARE(s.layers[0].name, std::string("t1"));
    QCOMPARE(*s.layers[0].window, (std::array<double, 2>{10, 900}));
    QCOMPARE(s.layers[1].uri, std::string("gs://lab-bucket/seg/aseg.zarr"));
    QCOMPARE(s.layers[1].kind, SessionLayerKind::Labels);
    QCOMPARE(s.layers[1].opacity, 0.35);
    QCOMPARE(s.selectedLayer, 1);
    QCOMPARE(*s.crosshairMm, (std::array<double, 3>{-12.5, 20.25, 31}));
    // crossSectionScale 0.5 canonical (1 mm) voxels per pixel = 2 pixels per mm.
    QCOMPARE(s.views[0].zoom, 2.0);
    QCOMPARE(in.unsupported.size(), std::size_t(2));
    QVERIFY(QString::fromStdString(in.unsupported[0]).contains("layer 'notes': type 'annotation'"));
    QVERIFY(QString::fromStdString(in.unsupported[1]).contains("layer 'em': format 'precomputed'"));
  }

  void neuroglancerLegacy() {
    const NeuroglancerImport in = parseNeuroglancerState(readData("ng_legacy.json"), "ng.json");
    const Session& s = in.session;
    QCOMPARE(s.layers.size(), std::size_t(2));
    QCOMPARE(s.layers[0].uri, std::string("https://data.example.org/scan.zarr"));
    QCOMPARE(s.layers[0].name, std::string("brain"));
    QCOMPARE(s.layers[1].uri, std::string("s3://lab/aseg.nii.gz"));
    QCOMPARE(s.layers[1].kind, SessionLayerKind::Labels);
    // dimensions z (2 mm), y, x (1 mm) in that order: position [10, -4, 7.5] -> x 7.5, y -4, z 20.
    QCOMPARE(*s.crosshairMm, (std::array<double, 3>{7.5, -4, 20}));
    QCOMPARE(s.views[1].zoom, 0.5);  // 2 canonical 1 mm voxels per pixel
    QCOMPARE(in.unsupported.size(), std::size_t(1));
    QVERIFY(QString::fromStdString(in.unsupported[0]).contains("layer 'mesh'"));
  }

  void neuroglancerUrlFragment() {
    std::string url = readData("ng_url.txt");
    while (!url.empty() && url.back() == '\n') url.pop_back();
    QVERIFY(looksLikeNeuroglancer(url));
    const NeuroglancerImport in = parseNeuroglancerState(url, "Neuroglancer link");
    QCOMPARE(in.session.layers.size(), std::size_t(2));
    QCOMPARE(in.session.layers[0].uri, std::string("https://h.example.org/x.ozx"));
    QCOMPARE(in.session.layers[1].uri, std::string("s3://b/x.nii.gz"));
    QCOMPARE(*in.session.crosshairMm, (std::array<double, 3>{1, 2, 3}));
    // Neuroglancer's old URL-safe quoting, and the merge form #!+{…}.
    const std::string old =
        "https://ng.example/#!{'layers':[{'type':'image'_'source':'zarr3://https://h/"
        "a.zarr'_'name':'a'}]}";
    QCOMPARE(parseNeuroglancerState(old, "old").session.layers[0].uri,
             std::string("https://h/a.zarr"));
    const std::string merge =
        "https://ng.example/#!+%7B%22layers%22:%5B%7B%22source%22:%22https://h/"
        "b.nii%7Cnifti:%22%7D%5D%7D";
    QCOMPARE(parseNeuroglancerState(merge, "m").session.layers[0].uri,
             std::string("https://h/b.nii"));
  }

  void neuroglancerErrors_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expected");
    QTest::newRow("remote state") << "https://ng.example/#!https://evil.example/state.json"
                                  << "nzview does not fetch it";
    QTest::newRow("no fragment") << "https://ng.example/"
                                 << "no '#!' fragment";
    QTest::newRow("no layers") << "{\"position\": [1, 2, 3]}"
                               << "layers: is missing";
    QTest::newRow("only unsupported")
        << R"({"layers": [{"type": "image", "source": "precomputed://gs://b/x", "name": "em"}]})"
        << "no layer nzview can open (layer 'em': format 'precomputed'";
    QTest::newRow("source type") << R"({"layers": [{"type": "image", "source": 5}]})"
                                 << "layers[0].source: must be a URL";
    QTest::newRow("unit")
        << R"({"dimensions": {"x": [1, "s"]}, "layers": [{"source": "https://h/a.zarr|zarr:"}]})"
        << "dimensions.x[1]: unit 's' is not a length";
    QTest::newRow("scale")
        << R"({"crossSectionScale": -1, "layers": [{"source": "https://h/a.zarr|zarr:"}]})"
        << "crossSectionScale: must be a number";
    QTest::newRow("truncated") << R"({"layers": [{"source": "https://h/a.zarr|zarr:"})"
                               << "state.json";
    QTest::newRow("file store")
        << R"({"layers": [{"source": "file:///etc/passwd|nifti:", "name": "p"}]})"
        << "the store 'file' is not supported";
    QTest::newRow("dotdot")
        << R"({"layers": [{"source": "https://h/a.zarr|zarr2:../../b", "name": "p"}]})"
        << "bad path after 'zarr2:'";
  }
  void neuroglancerErrors() {
    QFETCH(QString, text);
    QFETCH(QString, expected);
    const QString error = ngError(text.toStdString());
    QVERIFY2(error.contains(expected), qPrintable(error));
  }

  void neuroglancerExportRoundTrip() {
    Session s = twoLayers();
    s.layers[1].uri = "https://data.example.org/mri/aseg.nii.gz";
    SessionLayer gs;
    gs.uri = "gs://lab/x.nii.zarr";
    s.layers.push_back(gs);
    const NeuroglancerExport out = neuroglancerExport(s, "https://ng.example.org/");
    QVERIFY(out.url.rfind("https://ng.example.org/#!%7B%22dimensions%22:", 0) == 0);
    QVERIFY(out.url.find(',') == std::string::npos);  // encoded as Neuroglancer does
    QCOMPARE(out.skipped.size(), std::size_t(1));
    QVERIFY(QString::fromStdString(out.skipped[0]).contains("gs://lab/x.nii.zarr"));
    const auto state = nlohmann::json::parse(out.stateJson);
    QCOMPARE(state["layers"][0]["source"].get<std::string>(),
             std::string("https://data.example.org/mri/t1.nii.zarr/|zarr:"));
    QCOMPARE(state["layers"][1]["source"].get<std::string>(),
             std::string("https://data.example.org/mri/aseg.nii.gz|gzip:|nifti:"));
    QCOMPARE(state["layers"][1]["type"].get<std::string>(), std::string("segmentation"));
    QCOMPARE(state["crossSectionScale"].get<double>(), 0.4);
    const NeuroglancerImport back = parseNeuroglancerState(out.url, "again");
    QCOMPARE(back.session.layers.size(), std::size_t(2));
    QCOMPARE(back.session.layers[0].uri, s.layers[0].uri);
    QCOMPARE(back.session.layers[1].uri, s.layers[1].uri);
    QCOMPARE(back.session.layers[1].name, std::string("aseg & friends"));
    QCOMPARE(back.session.selectedLayer, 1);
    QCOMPARE(*back.session.crosshairMm, *s.crosshairMm);
    QCOMPARE(back.session.views[0].zoom, 2.5);
    QCOMPARE(*back.session.layers[0].window, *s.layers[0].window);
  }
};

QTEST_APPLESS_MAIN(TestSessionLinks)
#include "tst_session_links.moc"
