// The connection doctor on plain HTTP through the fault-injecting proxy (fixtures nginx and
// fault_proxy): a server that answers 429 to every try is classified as throttling, one that
// answers 503 as a server error, a missing file as key_not_found, a served one as readable.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QUuid>
#include <QtTest>

namespace {

const QString kCli = QStringLiteral(NZ_BINARY_DIR "/bin/nzview-cli");
const QString kProxy = "http://127.0.0.1:18095";

QJsonObject doctor(const QString& uri, int* rc) {
  QProcess p;
  p.start(kCli, {"doctor", uri, "--json"});
  if (!p.waitForFinished(120000)) {
    p.kill();
    p.waitForFinished();
    return {};
  }
  *rc = p.exitCode();
  return QJsonDocument::fromJson(p.readAllStandardOutput()).object();
}

QString token() { return QUuid::createUuid().toString(QUuid::WithoutBraces); }

}  // namespace

class TestDoctorHttp : public QObject {
  Q_OBJECT
 private slots:
  void classes_data() {
    QTest::addColumn<QString>("path");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("problem");
    QTest::newRow("served") << "/refdata/a_uint8_oblique_sform.nii.gz" << true << "";
    QTest::newRow("missing") << "/refdata/no-such-scan.nii.gz" << false << "key_not_found";
    QTest::newRow("429 forever") << "/f/429-1000-0/" + token() +
                                        "/refdata/a_uint8_oblique_sform.nii.gz"
                                 << false << "throttled";
    QTest::newRow("503 forever") << "/f/503-1000/" + token() +
                                        "/refdata/a_uint8_oblique_sform.nii.gz"
                                 << false << "server_error";
  }
  void classes() {
    QFETCH(QString, path);
    QFETCH(bool, ok);
    QFETCH(QString, problem);
    int rc = -1;
    const QJsonObject r = doctor(kProxy + path, &rc);
    QCOMPARE(rc, ok ? 0 : 1);
    QCOMPARE(r["ok"].toBool(), ok);
    QCOMPARE(r["problem"].toString(), problem);
    const QJsonArray steps = r["steps"].toArray();
    QCOMPARE(steps.last().toObject()["id"].toString(), QStringLiteral("read"));
    if (!ok) QVERIFY(!r["hint"].toString().isEmpty());
  }
};

QTEST_GUILESS_MAIN(TestDoctorHttp)
#include "tst_doctor_http.moc"
