// io/session: the session file schema (every field round trips), validation (one message
// naming the field), secret stripping, store identity.
#include <QtTest>
#include <string>

#include "core/error.h"
#include "session/session.h"
#include "session/shareable_uri.h"
#include "session_secrets.h"

using namespace nz;

namespace {

Session fullSession() {
  Session s;
  SessionLayer image;
  image.uri = "https://data.example.org/t1.nii.zarr";
  image.name = "t1";
  image.colormap = "grey";
  image.window = std::array<double, 2>{12.5, 830.25};
  image.linear = true;
  SessionLayer labels;
  labels.uri = "s3://lab/aseg.nii.zarr";
  labels.kind = SessionLayerKind::Labels;
  labels.name = "aseg";
  labels.opacity = 0.35;
  labels.outline = true;
  labels.visible = false;
  labels.labelTable = "/home/u/FreeSurferColorLUT.txt";
  labels.hiddenLabels = {0, 2, 41};
  s.layers = {image, labels};
  s.selectedLayer = 1;
  s.crosshairMm = std::array<double, 3>{-12.5, 8.125, 20.0625};
  s.t = 3;
  s.c = 1;
  s.views[0] = {2.5, std::array<double, 3>{1, 2, 3}};
  s.views[1] = {3.75, std::array<double, 3>{-4, 5.5, 6}};
  s.views[2] = {0, std::nullopt};
  s.layout = "1x3";
  s.camera3d = nlohmann::json{{"azimuth", 30}, {"elevation", 10}};
  s.rulers = nlohmann::json::array({{{"a_mm", {0, 0, 0}}, {"b_mm", {10, 0, 0}}}});
  s.rois = nlohmann::json::parse(
      R"({"nzview_rois": 1, "source": "https://data.example.org/t1.nii.zarr?sig=SASsig0123456789abcdef",)"
      R"("rois": [{"name": "hippocampus, left", "level": 0, "box": [[1, 5], [2, 6], [3, 7]]}]})");
  s.bookmarks = {{"lesion, frontal", {-10, 4, 22}, 4}, {"overview", {0, 0, 0}, 0}};
  return s;
}

void expectSame(const Session& a, const Session& b) {
  QCOMPARE(b.layers.size(), a.layers.size());
  for (std::size_t i = 0; i < a.layers.size(); ++i) {
    const SessionLayer &x = a.layers[i], &y = b.layers[i];
    QCOMPARE(y.uri, x.uri);
    QCOMPARE(y.kind, x.kind);
    QCOMPARE(y.name, x.name);
    QCOMPARE(y.visible, x.visible);
    QCOMPARE(y.opacity, x.opacity);
    QCOMPARE(y.outline, x.outline);
    QCOMPARE(y.linear, x.linear);
    QCOMPARE(y.colormap, x.colormap);
    QCOMPARE(y.window.has_value(), x.window.has_value());
    if (x.window) QCOMPARE(*y.window, *x.window);
    QCOMPARE(y.labelTable, x.labelTable);
    QCOMPARE(y.hiddenLabels, x.hiddenLabels);
  }
  QCOMPARE(b.selectedLayer, a.selectedLayer);
  QCOMPARE(b.crosshairMm, a.crosshairMm);
  QCOMPARE(b.t, a.t);
  QCOMPARE(b.c, a.c);
  for (int i = 0; i < 3; ++i) {
    QCOMPARE(b.views[i].zoom, a.views[i].zoom);
    QCOMPARE(b.views[i].centerMm, a.views[i].centerMm);
  }
  QCOMPARE(b.layout, a.layout);
  QCOMPARE(b.camera3d, a.camera3d);
  QCOMPARE(b.rulers, a.rulers);
  QCOMPARE(b.bookmarks.size(), a.bookmarks.size());
  for (std::size_t i = 0; i < a.bookmarks.size(); ++i) {
    QCOMPARE(b.bookmarks[i].name, a.bookmarks[i].name);
    QCOMPARE(b.bookmarks[i].crosshairMm, a.bookmarks[i].crosshairMm);
    QCOMPARE(b.bookmarks[i].zoom, a.bookmarks[i].zoom);
  }
}

QString errorOf(const std::string& text) {
  try {
    (void)parseSession(text, "s.nzview.json");
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::InvalidData) return "wrong kind: " + QString(e.what());
    return QString::fromStdString(e.what());
  }
  return {};
}

}  // namespace

class TestSessionIo : public QObject {
  Q_OBJECT
 private slots:
  void everyFieldRoundTrips() {
    const Session s = fullSession();
    const std::string text = sessionJson(s);
    const Session back = parseSession(text, "s.nzview.json");
    expectSame(s, back);
    QVERIFY(back.rois.has_value());
    QCOMPARE((*back.rois)["rois"][0]["name"].get<std::string>(), std::string("hippocampus, left"));
    // The ROI list's source lost its SAS on the way out.
    QCOMPARE((*back.rois)["source"].get<std::string>(),
             std::string("https://data.example.org/t1.nii.zarr"));
    QCOMPARE(sessionJson(back), text);  // stable: a second save writes the same bytes
    const auto j = nlohmann::json::parse(text);
    QCOMPARE(j["nzview_session"].get<int>(), 1);
    QCOMPARE(j["layers"][1]["kind"].get<std::string>(), std::string("labels"));
    QCOMPARE(j["views"]["coronal"]["zoom"].get<double>(), 3.75);
  }

  void optionalFieldsDefault() {
    const Session s = parseSession(
        R"({"nzview_session": 1, "layers": [{"uri": "/data/t1.nii.gz"}], "future_field": {"x": 1}})",
        "min.json");
    QCOMPARE(s.layers.size(), std::size_t(1));
    QCOMPARE(s.layers[0].kind, SessionLayerKind::Image);
    QCOMPARE(s.layers[0].uri, std::string("/data/t1.nii.gz"));
    QVERIFY(!s.crosshairMm);
    QVERIFY(!s.camera3d);
    QCOMPARE(s.layout, std::string("2x2"));
    QCOMPARE(s.selectedLayer, -1);
  }

  void secretsNeverWritten() {
    Session s;
    for (const QString& u : sessiontest::secretUris()) {
      SessionLayer l;
      l.uri = u.toStdString();
      l.labelTable = u.toStdString() + ".lut";
      s.layers.push_back(l);
    }
    s.rois = nlohmann::json::parse(R"({"nzview_rois": 1, "rois": []})");
    (*s.rois)["source"] = sessiontest::secretUris()[0].toStdString();
    const std::string text = sessionJson(s);
    sessiontest::expectNoSecret(QString::fromStdString(text), "session file");
    const Session back = parseSession(text, "s.json");
    QCOMPARE(back.layers[0].uri,
             std::string("https://acct.blob.core.windows.net/scans/t1.nii.zarr"));
    QCOMPARE(back.layers[3].uri, std::string("https://data.example.org/t2.nii.zarr"));
    QCOMPARE(back.layers[4].uri, std::string("https://data.example.org/x.nii.zarr"));
    // A hand-edited session with a SAS in it: parsed without the SAS (never used, never kept).
    const Session edited = parseSession(
        R"({"nzview_session": 1, "layers": [{"uri": "az://scans/t1.nii.zarr?sig=SASsig0123456789abcdef"}]})",
        "edited.json");
    QCOMPARE(edited.layers[0].uri, std::string("az://scans/t1.nii.zarr"));
  }

  void shareableUriForms() {
    std::vector<std::string> notes;
    QCOMPARE(shareableUri("https://u:p@h.org:8443/a/b/?x=1", &notes),
             std::string("https://h.org:8443/a/b"));
    QCOMPARE(notes.size(), std::size_t(2));
    QCOMPARE(shareableUri("abfs://c@acct.dfs.core.windows.net/x"),
             std::string("abfs://c@acct.dfs.core.windows.net/x"));  // container@account kept
    QCOMPARE(shareableUri("/local/path?odd"), std::string("/local/path?odd"));
    QCOMPARE(shareableUri("s3://b/k?versionId=3"), std::string("s3://b/k"));
  }

  void storeKeys() {
    QCOMPARE(storeKey("https://H.example.org:8443/a?sig=x"),
             std::string("https://h.example.org:8443"));
    QCOMPARE(storeKey("https://u:p@h.example.org/a"), std::string("https://h.example.org"));
    QCOMPARE(storeKey("s3://Lab/a/b"), std::string("s3://lab"));
    QCOMPARE(storeKey("gs://b/x"), std::string("gs://b"));
    QCOMPARE(storeKey("https://acct.blob.core.windows.net/scans/x"),
             std::string("az://acct/scans"));
    QVERIFY(storeKey("https://a.example.org/x") != storeKey("https://b.example.org/x"));
    QVERIFY(storeKey("http://h.org/x") != storeKey("https://h.org/x"));
    QCOMPARE(storeKey("/data/x.nii"), std::string("file://"));
  }

  void errorsNameTheField_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expected");
    QTest::newRow("not json") << "{\"nzview_session\": 1, \"layers\": ["
                              << "s.nzview.json";
    QTest::newRow("truncated") << "{\"nzview_session\": 1, \"layers\": [{\"uri\": \"x\"}], \"crossh"
                               << "s.nzview.json";
    QTest::newRow("array") << "[1, 2]"
                           << "(top level): must be a JSON object";
    QTest::newRow("no version") << R"({"layers": []})"
                                << "nzview_session: is missing";
    QTest::newRow("newer") << R"({"nzview_session": 7, "layers": [{"uri": "x"}]})"
                           << "version 7 was written by a newer nzview";
    QTest::newRow("no layers") << R"({"nzview_session": 1, "layers": []})"
                               << "layers: must be";
    QTest::newRow("uri type") << R"({"nzview_session": 1, "layers": [{"uri": 5}]})"
                              << "layers[0].uri: must be a string";
    QTest::newRow("opacity") << R"({"nzview_session": 1, "layers": [{"uri": "x", "opacity": 2}]})"
                             << "layers[0].opacity: must be a number in [0, 1]";
    QTest::newRow("kind")
        << R"({"nzview_session": 1, "layers": [{"uri": "x"}, {"uri": "y", "kind": "mesh"}]})"
        << "layers[1].kind: must be \"image\" or \"labels\"";
    QTest::newRow("window")
        << R"({"nzview_session": 1, "layers": [{"uri": "x", "window": [5, 1]}]})"
        << "layers[0].window: high must be greater than low";
    QTest::newRow("crosshair")
        << R"({"nzview_session": 1, "layers": [{"uri": "x"}], "crosshair_mm": [1, 2]})"
        << "crosshair_mm: must be an array of 3 numbers";
    QTest::newRow("crosshair huge")
        << R"({"nzview_session": 1, "layers": [{"uri": "x"}], "crosshair_mm": [1, 2, 1e300]})"
        << "crosshair_mm[2]: must be a number in";
    QTest::newRow("selected")
        << R"({"nzview_session": 1, "layers": [{"uri": "x"}], "selected_layer": 3})"
        << "selected_layer: must be an integer in [-1, 0]";
    QTest::newRow("t") << R"({"nzview_session": 1, "layers": [{"uri": "x"}], "t": -1})"
                       << "t: must be an integer";
    QTest::newRow("zoom")
        << R"({"nzview_session": 1, "layers": [{"uri": "x"}], "views": {"axial": {"zoom": "big"}}})"
        << "views.axial.zoom: must be a number";
    QTest::newRow("layout")
        << R"({"nzview_session": 1, "layers": [{"uri": "x"}], "layout": "../../x"})"
        << "layout: must be a short name";
    QTest::newRow("camera") << R"({"nzview_session": 1, "layers": [{"uri": "x"}], "camera_3d": 3})"
                            << "camera_3d: must be an object";
    QTest::newRow("rulers") << R"({"nzview_session": 1, "layers": [{"uri": "x"}], "rulers": [1]})"
                            << "rulers[0]: must be an object";
    QTest::newRow("rois")
        << R"({"nzview_session": 1, "layers": [{"uri": "x"}], "rois": {"nzview_rois": 1, "rois": [{"name": "a", "box": [[5, 1], [0, 1], [0, 1]]}]}})"
        << "s.nzview.json: rois: ";
    QTest::newRow("bookmark")
        << R"({"nzview_session": 1, "layers": [{"uri": "x"}], "bookmarks": [{"name": "a"}]})"
        << "bookmarks[0].crosshair_mm: is missing";
    QTest::newRow("nul") << QString::fromUtf8(
                                "{\"nzview_session\": 1, \"layers\": [{\"uri\": \"a\\u0000b\"}]}")
                         << "layers[0].uri: contains a NUL byte";
  }
  void errorsNameTheField() {
    QFETCH(QString, text);
    QFETCH(QString, expected);
    const QString error = errorOf(text.toStdString());
    QVERIFY2(!error.isEmpty(), "no error");
    QVERIFY2(error.contains(expected), qPrintable(error));
    QVERIFY2(error.startsWith("s.nzview.json"), qPrintable(error));
  }

  void hostileSizes() {
    const char kOpen = 0x5b, kClose = 0x5d;  // [ and ] (kept out of the source for moc)
    // 100k nested arrays: refused by the depth check, not a stack overflow.
    std::string deep = R"({"nzview_session": 1, "layers": [{"uri": "x"}], "camera_3d": {"a": )" +
                       std::string(100000, kOpen) + std::string(100000, kClose) + "}}";
    QVERIFY(!errorOf(deep).isEmpty());
    std::string big(17u << 20, ' ');
    QVERIFY(errorOf(big).contains("too large"));
    std::string many = R"({"nzview_session": 1, "layers": [)";
    for (int i = 0; i < 300; ++i) many += std::string(i ? "," : "") + R"({"uri": "x"})";
    many += "]}";
    QVERIFY(errorOf(many).contains("at most 256"));
  }

  void looksLike() {
    QVERIFY(looksLikeSession(" {\"nzview_session\": 1}"));
    QVERIFY(!looksLikeSession("{\"layers\": []}"));
    QVERIFY(!looksLikeSession("nzview://open?image=x"));
  }
};

QTEST_APPLESS_MAIN(TestSessionIo)
#include "tst_session_io.moc"
