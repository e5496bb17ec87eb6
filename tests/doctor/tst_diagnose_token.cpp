// The Diagnose dialog shows the bearer token's lifetime: a GCS service-account token from the
// GCS fake's token endpoint (source, expiry, an hour left: OK), and an Azure AD token that
// lives 120 s from the fixture's token endpoint against Azurite with OAuth (readable, with the
// token_expiring warning in the result line).
#include <QApplication>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "../cloud/cloud_test_util.h"
#include "cloud/cloud_test_hooks.h"
#include "open/store_factory.h"
#include "ui/open_dialog.h"
#include "uri/uri.h"
#include "viewer/doctor/diagnose_dialog.h"

using nzviewer::DiagnoseDialog;

namespace {

const QString kRef = QStringLiteral(NZ_TEST_DATA_DIR "/refdata");

DiagnoseDialog* diagnose(nzviewer::OpenDialog& dlg) {
  auto* b = dlg.findChild<QPushButton*>("diagnoseButton");
  if (!b) return nullptr;
  b->click();
  auto* d = dlg.findChild<DiagnoseDialog*>();
  if (!d) return nullptr;
  if (!d->isFinished()) {
    QSignalSpy done(d, &DiagnoseDialog::diagnosed);
    if (!done.wait(60000)) return nullptr;
  }
  return d;
}

QString resultOf(DiagnoseDialog* d) { return d->findChild<QLabel*>("diagnoseResult")->text(); }

void shot(DiagnoseDialog* d, const QString& name) {
  if (qEnvironmentVariableIsSet("NZ_DOCTOR_SHOTS"))
    d->grab().save(qEnvironmentVariable("NZ_DOCTOR_SHOTS") + "/" + name);
}

}  // namespace

class TstDiagnoseToken : public QObject {
  Q_OBJECT
  QTemporaryDir emptyBin_;  // PATH without an `az` CLI ahead of the client secret

 private slots:
  void initTestCase() {
    for (const char* v : nztest::cloudEnvNames()) qunsetenv(v);
    qputenv("PATH", emptyBin_.path().toUtf8());
    qputenv("HOME", emptyBin_.path().toUtf8());
  }

  void gcsTokenLifetime() {
    const std::string sa = nztest::serverState("gcs_fake") + "/sa.json";
    qputenv("STORAGE_EMULATOR_HOST", "127.0.0.1:14443");
    qputenv("GOOGLE_APPLICATION_CREDENTIALS", QByteArray::fromStdString(sa));
    nz::StoreOptions g;
    nz::openStore(nz::parseUri("gs://nzprivate/guitoken"), g)
        ->write("brain.nii.gz",
                nztest::readFile((kRef + "/b_int16_scl_qform.nii.gz").toStdString()));
    nzviewer::OpenDialog dlg;
    dlg.setUri("gs://nzprivate/guitoken/brain.nii.gz");
    dlg.show();
    DiagnoseDialog* d = diagnose(dlg);
    QVERIFY(d);
    QVERIFY2(d->text().contains("token obtained from GCS service account") &&
                 d->text().contains("token expires: ") &&
                 (d->text().contains("(in 59 min") || d->text().contains("(in 1 h 00 min")),
             qPrintable(d->text()));
    QCOMPARE(resultOf(d), QStringLiteral("OK: the metadata can be read."));
    shot(d, "diagnose_gcs_token.png");
    qunsetenv("STORAGE_EMULATOR_HOST");
    qunsetenv("GOOGLE_APPLICATION_CREDENTIALS");
  }

  void azureTokenAboutToExpire() {
    const QString endpoint = "https://127.0.0.1:10443/devstoreaccount1";
    const std::string ca = nztest::serverState("azurite_oauth") + "/certs/ca.crt";
    nz::StoreOptions o;  // the emulator's well-known (public) development key
    o.azureAccount = "devstoreaccount1";
    o.azureKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    o.azureEndpoint = endpoint.toStdString();
    o.caFile = ca;
    auto store = nz::openStore(nz::parseUri("az://nzguitoken"), o);
    nz::azureCreateContainer(*store);
    store->write("brain.nii.gz",
                 nztest::readFile((kRef + "/b_int16_scl_qform.nii.gz").toStdString()));
    auto creds = nztest::readEnvFile(nztest::serverState("gcs_fake") + "/creds.env");
    qputenv("AZURE_CLIENT_ID", QByteArray::fromStdString(creds["NZ_AZ_SHORT_CLIENT_ID"]));
    qputenv("AZURE_TENANT_ID", QByteArray::fromStdString(creds["NZ_AZ_TENANT_ID"]));
    qputenv("AZURE_CLIENT_SECRET", QByteArray::fromStdString(creds["NZ_AZ_CLIENT_SECRET"]));
    qputenv("AZURE_AUTHORITY_HOST", "http://127.0.0.1:14444");
    qputenv("CURL_CA_BUNDLE", QByteArray::fromStdString(ca));  // the dialog's CA field is HTTP's
    nzviewer::OpenDialog dlg;
    dlg.setUri("az://nzguitoken/brain.nii.gz");
    dlg.findChild<QComboBox*>("azureAuth")->setCurrentIndex(3);  // default credential
    dlg.findChild<QLineEdit*>("azureAccount")->setText("devstoreaccount1");
    dlg.findChild<QLineEdit*>("azureEndpoint")->setText(endpoint);
    dlg.show();
    DiagnoseDialog* d = diagnose(dlg);
    QVERIFY(d);
    QVERIFY2(d->text().contains("token obtained from Azure client secret") &&
                 (d->text().contains("(in 1 min") || d->text().contains("(in 2 min")) &&
                 d->text().contains("[warn] Credentials"),
             qPrintable(d->text()));
    QVERIFY2(
        resultOf(d).startsWith("Readable, with a warning (token_expiring): the token expires in "),
        qPrintable(resultOf(d) + "\n" + d->text()));
    QVERIFY(!d->text().contains(QString::fromStdString(creds["NZ_AZ_CLIENT_SECRET"])));
    shot(d, "diagnose_azure_token_expiring.png");
  }
};

QTEST_MAIN(TstDiagnoseToken)
#include "tst_diagnose_token.moc"
