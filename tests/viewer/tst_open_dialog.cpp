// The open dialog and start-page plumbing: scheme recognition picks the credential page,
// environment values show as placeholders (never their values), the form fills
// nz::StoreOptions, and URIs kept in the recent list carry no secrets.
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QtTest>

#include "data/data_source.h"
#include "ui/main_window.h"
#include "ui/open_dialog.h"

using nzviewer::MainWindow;
using nzviewer::OpenDialog;

class TstOpenDialog : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  void recognisesSchemes() {
    QCOMPARE(OpenDialog::pageForUri("az://c/scan.nii.zarr"), OpenDialog::Page::Azure);
    QCOMPARE(OpenDialog::pageForUri("abfs://c@acct.dfs.core.windows.net/x"),
             OpenDialog::Page::Azure);
    QCOMPARE(OpenDialog::pageForUri("https://acct.blob.core.windows.net/c/x"),
             OpenDialog::Page::Azure);
    QCOMPARE(OpenDialog::pageForUri("s3://bucket/key"), OpenDialog::Page::S3);
    QCOMPARE(OpenDialog::pageForUri("gs://bucket/key"), OpenDialog::Page::Gcs);
    QCOMPARE(OpenDialog::pageForUri("https://example.org/a.nii.zarr"), OpenDialog::Page::Http);
    QCOMPARE(OpenDialog::pageForUri("/data/a.nii.zarr"), OpenDialog::Page::Local);
    QCOMPARE(OpenDialog::pageForUri("file:///data/a.nii.zarr"), OpenDialog::Page::Local);
  }

  void environmentShownAsPlaceholderOnly() {
    qputenv("AZURE_STORAGE_ACCOUNT_NAME", "envaccount");
    qputenv("AZURE_STORAGE_ACCOUNT_KEY", "c2VjcmV0");
    OpenDialog dlg;
    dlg.setUri("az://container/scan.nii.zarr");
    QCOMPARE(dlg.currentPage(), OpenDialog::Page::Azure);
    auto* account = dlg.findChild<QLineEdit*>("azureAccount");
    auto* key = dlg.findChild<QLineEdit*>("azureKey");
    QVERIFY(account && key);
    QCOMPARE(account->placeholderText(), QString("from AZURE_STORAGE_ACCOUNT_NAME"));
    QCOMPARE(key->placeholderText(), QString("from AZURE_STORAGE_ACCOUNT_KEY"));
    QVERIFY(account->text().isEmpty() && key->text().isEmpty());  // values never copied
    QCOMPARE(key->echoMode(), QLineEdit::Password);
    // Empty fields leave the options empty: the store falls back to the environment.
    nz::StoreOptions o = dlg.options();
    QVERIFY(o.azureAccount.empty() && o.azureKey.empty());
    account->setText("typed");
    key->setText("dHlwZWQ=");
    o = dlg.options();
    QCOMPARE(o.azureAccount, std::string("typed"));
    QCOMPARE(o.azureKey, std::string("dHlwZWQ="));
    qunsetenv("AZURE_STORAGE_ACCOUNT_NAME");
    qunsetenv("AZURE_STORAGE_ACCOUNT_KEY");
  }

  void fillsS3GcsAndHttpOptions() {
    OpenDialog dlg;
    dlg.setUri("s3://bucket/scan.nii.zarr");
    dlg.findChild<QLineEdit*>("awsProfile")->setText("prof");
    dlg.findChild<QLineEdit*>("awsRegion")->setText("eu-west-1");
    dlg.findChild<QLineEdit*>("endpointUrl")->setText("http://127.0.0.1:14568");
    dlg.findChild<QCheckBox*>("awsAnonymous")->setChecked(true);
    nz::StoreOptions o = dlg.options();
    QCOMPARE(o.awsProfile, std::string("prof"));
    QCOMPARE(o.awsRegion, std::string("eu-west-1"));
    QCOMPARE(o.endpointUrl, std::string("http://127.0.0.1:14568"));
    QVERIFY(o.anonymous);
    dlg.setUri("gs://bucket/scan.nii.zarr");
    dlg.findChild<QComboBox*>("gcsAuth")->setCurrentIndex(1);
    dlg.findChild<QLineEdit*>("gcsCredentialsFile")->setText("/tmp/sa.json");
    o = dlg.options();
    QCOMPARE(o.gcsCredentialsFile, std::string("/tmp/sa.json"));
    QVERIFY(!o.anonymous);
    QVERIFY(o.awsProfile.empty());  // only the visible page counts
    dlg.setUri("https://example.org/scan.nii.zarr");
    dlg.findChild<QPlainTextEdit*>("httpHeaders")->setPlainText("X-Token: abc\nbad line\n");
    dlg.findChild<QLineEdit*>("caFile")->setText("/tmp/ca.pem");
    o = dlg.options();
    QCOMPARE(int(o.headers.size()), 1);
    QCOMPARE(o.headers[0], std::string("X-Token: abc"));
    QCOMPARE(o.caFile, std::string("/tmp/ca.pem"));
  }

  void recentUrisCarryNoSecrets() {
    QCOMPARE(MainWindow::redactForDisplay(
                 "https://acct.blob.core.windows.net/c/scan.nii.zarr?sv=2021&sig=SECRET"),
             QString("https://acct.blob.core.windows.net/c/scan.nii.zarr"));
    QVERIFY(!MainWindow::redactForDisplay("s3://b/k?X-Amz-Signature=SECRET").contains("SECRET"));
    QCOMPARE(MainWindow::redactForDisplay("https://me:PassW0rd@h/x.nii.zarr"),
             QString("https://me:REDACTED@h/x.nii.zarr"));
  }

  // The only thing the viewer persists is the recent list: open a dataset whose URI carries a
  // SAS-style token and check the settings file on disk holds the URI without it.
  void settingsFileHoldsNoSecrets() {
    const QString uri = "file://" NZ_TEST_DATA_DIR
                        "/refdata/a_uint8_oblique_sform.nii.zarr?sv=2021&sig=TOPSECRETSIG";
    MainWindow w;
    w.setHeadless(true);
    QSignalSpy opened(&w, &MainWindow::datasetOpened);
    w.openUri(uri);
    QVERIFY(opened.wait(20000));
    QCOMPARE(w.recentUris().first(),
             QString("file://" NZ_TEST_DATA_DIR "/refdata/a_uint8_oblique_sform.nii.zarr"));
    QSettings s(MainWindow::settingsFile(), QSettings::IniFormat);  // the test's own file
    s.sync();
    QFile f(s.fileName());
    QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(s.fileName()));
    const QByteArray bytes = f.readAll();
    QVERIFY(bytes.contains("a_uint8_oblique_sform.nii.zarr"));
    QVERIFY(!bytes.contains("TOPSECRETSIG") && !bytes.contains("sig="));
  }

  // "Test connection" keeps the dataset it opened while nothing changes, and Open hands that
  // very dataset to the window instead of opening the URI again; any edit drops it.
  void openReusesTheTestedDataset() {
    const QString uri = NZ_TEST_DATA_DIR "/refdata/e_uint16_pyramid_4levels.nii.zarr";
    OpenDialog dlg;
    dlg.setUri(uri);
    QVERIFY(!dlg.testedDataset());
    auto* test = dlg.findChild<QPushButton*>("testButton");
    auto* result = dlg.findChild<QLabel*>("testResult");
    QVERIFY(test && result);
    test->click();
    QTRY_VERIFY_WITH_TIMEOUT(dlg.testedDataset() != nullptr, 20000);
    QVERIFY2(result->text().startsWith("OK: nifti-zarr"), qPrintable(result->text()));
    const std::shared_ptr<nz::Dataset> tested = dlg.testedDataset();

    MainWindow w;
    w.setHeadless(true);
    QSignalSpy opened(&w, &MainWindow::datasetOpened);
    w.openUri(dlg.uri(), dlg.options(), dlg.testedDataset());
    QVERIFY(opened.wait(20000));
    QCOMPARE(w.source()->dataset().get(), tested.get());  // the same object: not reopened

    dlg.findChild<QLineEdit*>("awsRegion")->setText("eu-west-1");  // any edit drops it
    QVERIFY(!dlg.testedDataset());
  }
};

QTEST_MAIN(TstOpenDialog)
#include "tst_open_dialog.moc"
