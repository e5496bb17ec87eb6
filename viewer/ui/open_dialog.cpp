#include "ui/open_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStackedWidget>
#include <QUrl>
#include <QVBoxLayout>
#include <chrono>
#include <optional>

#include "data/background.h"
#include "dataset/dataset.h"
#include "uri/uri.h"
#include "viewer/doctor/diagnose_dialog.h"

namespace nzviewer {

OpenDialog::OpenDialog(QWidget* parent) : QDialog(parent) {
  setWindowTitle("Open dataset");
  setObjectName("openDialog");
  resize(620, 420);
  auto* layout = new QVBoxLayout(this);
  auto* row = new QHBoxLayout;
  uri_ = new QLineEdit;
  uri_->setObjectName("uriEdit");
  uri_->setPlaceholderText("az://container/scan.nii.zarr, s3://…, gs://…, https://…, or a path");
  auto* browse = new QPushButton("Browse…");
  row->addWidget(new QLabel("URI"));
  row->addWidget(uri_, 1);
  row->addWidget(browse);
  layout->addLayout(row);
  scheme_ = new QLabel;
  scheme_->setObjectName("schemeLabel");
  layout->addWidget(scheme_);
  pages_ = new QStackedWidget;
  pages_->addWidget(makeLocalPage());
  pages_->addWidget(makeAzurePage());
  pages_->addWidget(makeS3Page());
  pages_->addWidget(makeGcsPage());
  pages_->addWidget(makeHttpPage());
  layout->addWidget(pages_, 1);
  auto* testRow = new QHBoxLayout;
  testButton_ = new QPushButton("Test connection");
  testButton_->setObjectName("testButton");
  testResult_ = new QLabel;
  testResult_->setObjectName("testResult");
  testResult_->setWordWrap(true);
  testResult_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* diagnose = new QPushButton("Diagnose");
  diagnose->setObjectName("diagnoseButton");
  diagnose->setToolTip(
      "Check the connection step by step: endpoint, credentials, DNS, TLS, "
      "clock, metadata read");
  connect(diagnose, &QPushButton::clicked, this, [this] {
    if (uri().isEmpty()) {
      testResult_->setText("Enter a URI first.");
      return;
    }
    auto* d = new DiagnoseDialog(uri(), options(), false, this);
    d->show();
  });
  testRow->addWidget(testButton_);
  testRow->addWidget(diagnose);
  testRow->addWidget(testResult_, 1);
  layout->addLayout(testRow);
  auto* note = new QLabel("Credentials are used for this session only and never saved.");
  note->setStyleSheet("color: gray");
  layout->addWidget(note);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Open | QDialogButtonBox::Cancel);
  layout->addWidget(buttons);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(uri_, &QLineEdit::textChanged, this, &OpenDialog::onUriChanged);
  connect(testButton_, &QPushButton::clicked, this, &OpenDialog::testConnection);
  connect(browse, &QPushButton::clicked, this, &OpenDialog::browseLocal);
  // A tested dataset is reused by Open only while everything stays as it was tested.
  for (auto* e : findChildren<QLineEdit*>())
    connect(e, &QLineEdit::textChanged, this, &OpenDialog::forgetTest);
  for (auto* c : findChildren<QComboBox*>())
    connect(c, &QComboBox::currentIndexChanged, this, &OpenDialog::forgetTest);
  for (auto* c : findChildren<QCheckBox*>())
    connect(c, &QCheckBox::toggled, this, &OpenDialog::forgetTest);
  for (auto* t : findChildren<QPlainTextEdit*>())
    connect(t, &QPlainTextEdit::textChanged, this, &OpenDialog::forgetTest);
  onUriChanged();
}

void OpenDialog::forgetTest() {
  tested_.reset();
  ++testGeneration_;  // a test still running was for other settings
  testButton_->setEnabled(true);
}

QLineEdit* OpenDialog::field(const QString& name, const char* env, bool secret) {
  auto* e = new QLineEdit;
  e->setObjectName(name);
  if (secret) e->setEchoMode(QLineEdit::Password);
  if (env && qEnvironmentVariableIsSet(env)) e->setPlaceholderText(QString("from %1").arg(env));
  return e;
}

QWidget* OpenDialog::makeLocalPage() {
  auto* w = new QWidget;
  auto* l = new QVBoxLayout(w);
  l->addWidget(new QLabel("Local file or folder: no credentials needed."));
  l->addStretch();
  return w;
}

QWidget* OpenDialog::makeAzurePage() {
  auto* w = new QWidget;
  auto* f = new QFormLayout(w);
  azAuth_ = new QComboBox;
  azAuth_->setObjectName("azureAuth");
  azAuth_->addItems({"Account name + key", "SAS token", "Connection string",
                     "Default credential (Azure CLI, service principal, managed identity)",
                     "Anonymous (public container)"});
  azAccount_ = field("azureAccount", "AZURE_STORAGE_ACCOUNT_NAME", false);
  azKey_ = field("azureKey", "AZURE_STORAGE_ACCOUNT_KEY", true);
  azSas_ = field("azureSas", "AZURE_STORAGE_SAS_TOKEN", true);
  azConn_ = field("azureConnectionString", "AZURE_STORAGE_CONNECTION_STRING", true);
  azEndpoint_ = field("azureEndpoint", nullptr, false);
  if (azEndpoint_->placeholderText().isEmpty())
    azEndpoint_->setPlaceholderText("https://ACCOUNT.blob.core.windows.net (optional)");
  f->addRow("Authentication", azAuth_);
  f->addRow("Account", azAccount_);
  f->addRow("Account key", azKey_);
  f->addRow("SAS token", azSas_);
  f->addRow("Connection string", azConn_);
  f->addRow("Endpoint", azEndpoint_);
  auto sync = [this, f] {
    const int m = azAuth_->currentIndex();
    auto show = [f](QWidget* x, bool on) { f->setRowVisible(x, on); };
    show(azKey_, m == 0);
    show(azSas_, m == 1);
    show(azConn_, m == 2);
    show(azAccount_, m != 2);
  };
  connect(azAuth_, &QComboBox::currentIndexChanged, this, sync);
  if (qEnvironmentVariableIsSet("AZURE_STORAGE_CONNECTION_STRING"))
    azAuth_->setCurrentIndex(2);
  else if (qEnvironmentVariableIsSet("AZURE_STORAGE_SAS_TOKEN"))
    azAuth_->setCurrentIndex(1);
  else if (!qEnvironmentVariableIsSet("AZURE_STORAGE_ACCOUNT_KEY"))
    azAuth_->setCurrentIndex(3);
  sync();
  return w;
}

QWidget* OpenDialog::makeS3Page() {
  auto* w = new QWidget;
  auto* f = new QFormLayout(w);
  s3KeyId_ = field("awsAccessKeyId", "AWS_ACCESS_KEY_ID", false);
  s3Secret_ = field("awsSecretAccessKey", "AWS_SECRET_ACCESS_KEY", true);
  s3Token_ = field("awsSessionToken", "AWS_SESSION_TOKEN", true);
  s3Profile_ = field("awsProfile", "AWS_PROFILE", false);
  s3Region_ =
      field("awsRegion",
            qEnvironmentVariableIsSet("AWS_REGION") ? "AWS_REGION" : "AWS_DEFAULT_REGION", false);
  s3Endpoint_ = field(
      "endpointUrl",
      qEnvironmentVariableIsSet("AWS_ENDPOINT_URL_S3") ? "AWS_ENDPOINT_URL_S3" : "AWS_ENDPOINT_URL",
      false);
  if (s3Endpoint_->placeholderText().isEmpty())
    s3Endpoint_->setPlaceholderText("S3-compatible endpoint (optional, path-style)");
  s3Anonymous_ = new QCheckBox("Anonymous (public bucket, unsigned requests)");
  s3Anonymous_->setObjectName("awsAnonymous");
  f->addRow("Access key ID", s3KeyId_);
  f->addRow("Secret access key", s3Secret_);
  f->addRow("Session token", s3Token_);
  f->addRow("Profile", s3Profile_);
  f->addRow("Region", s3Region_);
  f->addRow("Endpoint URL", s3Endpoint_);
  f->addRow("", s3Anonymous_);
  return w;
}

QWidget* OpenDialog::makeGcsPage() {
  auto* w = new QWidget;
  auto* f = new QFormLayout(w);
  gcsAuth_ = new QComboBox;
  gcsAuth_->setObjectName("gcsAuth");
  gcsAuth_->addItems({"Default credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud ADC, metadata)",
                      "Service-account / authorized-user JSON file", "Anonymous (public bucket)"});
  gcsFile_ = field("gcsCredentialsFile", "GOOGLE_APPLICATION_CREDENTIALS", false);
  auto* browse = new QPushButton("Browse…");
  auto* row = new QHBoxLayout;
  row->addWidget(gcsFile_, 1);
  row->addWidget(browse);
  f->addRow("Authentication", gcsAuth_);
  f->addRow("Credentials file", row);
  connect(browse, &QPushButton::clicked, this, [this] {
    const QString p = QFileDialog::getOpenFileName(this, "Credentials JSON", {}, "JSON (*.json)");
    if (!p.isEmpty()) {
      gcsFile_->setText(p);
      gcsAuth_->setCurrentIndex(1);
    }
  });
  return w;
}

QWidget* OpenDialog::makeHttpPage() {
  auto* w = new QWidget;
  auto* f = new QFormLayout(w);
  headers_ = new QPlainTextEdit;
  headers_->setObjectName("httpHeaders");
  headers_->setPlaceholderText("Extra request headers, one per line: Name: value");
  caFile_ = field("caFile",
                  qEnvironmentVariableIsSet("CURL_CA_BUNDLE") ? "CURL_CA_BUNDLE" : "SSL_CERT_FILE",
                  false);
  insecure_ = new QCheckBox("Do not verify TLS certificates (insecure)");
  insecure_->setObjectName("insecure");
  f->addRow("Headers", headers_);
  f->addRow("CA bundle", caFile_);
  f->addRow("", insecure_);
  return w;
}

OpenDialog::Page OpenDialog::pageForUri(const QString& text) {
  // io/uri decides what a URI is; while the rest is still being typed ("s3://"), its scheme
  // alone decides (a placeholder completes it).
  const std::string t = text.trimmed().toStdString();
  auto schemeOf = [](const std::string& u) -> std::optional<nz::Scheme> {
    try {
      return nz::parseUri(u).scheme;
    } catch (const std::exception&) {
      return std::nullopt;
    }
  };
  std::optional<nz::Scheme> scheme = t.empty() ? std::nullopt : schemeOf(t);
  if (const auto sep = t.find("://"); !scheme && sep != std::string::npos && sep > 0)
    scheme = schemeOf(t.substr(0, sep) + "://incomplete/x");
  switch (scheme.value_or(nz::Scheme::File)) {
    case nz::Scheme::Azure:
      return Page::Azure;
    case nz::Scheme::S3:
      return Page::S3;
    case nz::Scheme::Gcs:
      return Page::Gcs;
    case nz::Scheme::Http:
    case nz::Scheme::Https:
      return Page::Http;
    case nz::Scheme::File:
    case nz::Scheme::Memory:
      break;
  }
  return Page::Local;
}

OpenDialog::Page OpenDialog::currentPage() const {
  return static_cast<Page>(pages_->currentIndex());
}

void OpenDialog::setUri(const QString& uri) { uri_->setText(uri); }
QString OpenDialog::uri() const { return uri_->text().trimmed(); }

void OpenDialog::onUriChanged() {
  static const char* names[] = {"Local path", "Azure Blob Storage", "Amazon S3 (or compatible)",
                                "Google Cloud Storage", "HTTP(S)"};
  const QString text = uri_->text().trimmed();
  const Page p = pageForUri(text);
  pages_->setCurrentIndex(static_cast<int>(p));
  if (text.isEmpty())
    scheme_->setText("Type or paste a URI");
  else if (p == Page::Local)
    scheme_->setText(describeLocal(text));
  else
    scheme_->setText(QString("Recognised: <b>%1</b>").arg(names[static_cast<int>(p)]));
  testResult_->clear();
}

QString OpenDialog::describeLocal(const QString& text) {
  // Only what is a path is called one: an unknown scheme or free text is said to be neither.
  const int sep = text.indexOf("://");
  if (sep > 0 && !text.startsWith("file://", Qt::CaseInsensitive))
    return QString("Not recognised: unknown scheme <b>%1://</b> (az, s3, gs, http(s) or a path)")
        .arg(text.left(sep).toHtmlEscaped());
  const QString path =
      text.startsWith("file://", Qt::CaseInsensitive) ? QUrl(text).toLocalFile() : text;
  if (QFileInfo::exists(path)) return "Recognised: <b>Local path</b>";
  if (path.startsWith('/') || path.startsWith("./") || path.startsWith("../") ||
      path.startsWith('~') || path.contains('/'))
    return "Recognised: <b>Local path</b> (not found)";
  return "Not recognised: not an existing file or folder, nor an az://, s3://, gs:// or "
         "https:// URI";
}

void OpenDialog::browseLocal() {
  const QString dir = QFileDialog::getExistingDirectory(this, "Open .nii.zarr folder");
  if (!dir.isEmpty()) uri_->setText(dir);
}

nz::StoreOptions OpenDialog::options() const {
  nz::StoreOptions o;
  auto text = [](QLineEdit* e) { return e->text().trimmed().toStdString(); };
  switch (currentPage()) {
    case Page::Azure: {
      const int m = azAuth_->currentIndex();
      if (m != 2) o.azureAccount = text(azAccount_);
      if (m == 0) o.azureKey = text(azKey_);
      if (m == 1) o.azureSas = text(azSas_);
      if (m == 2) o.azureConnectionString = text(azConn_);
      if (m == 4) o.anonymous = true;
      o.azureEndpoint = text(azEndpoint_);
      break;
    }
    case Page::S3:
      o.awsAccessKeyId = text(s3KeyId_);
      o.awsSecretAccessKey = text(s3Secret_);
      o.awsSessionToken = text(s3Token_);
      o.awsProfile = text(s3Profile_);
      o.awsRegion = text(s3Region_);
      o.endpointUrl = text(s3Endpoint_);
      o.anonymous = s3Anonymous_->isChecked();
      break;
    case Page::Gcs:
      if (gcsAuth_->currentIndex() == 1) o.gcsCredentialsFile = text(gcsFile_);
      if (gcsAuth_->currentIndex() == 2) o.anonymous = true;
      break;
    case Page::Http:
      for (const QString& line : headers_->toPlainText().split('\n', Qt::SkipEmptyParts))
        if (line.contains(':')) o.headers.push_back(line.trimmed().toStdString());
      o.caFile = text(caFile_);
      o.insecure = insecure_->isChecked();
      break;
    case Page::Local:
      break;
  }
  return o;
}

void OpenDialog::testConnection() {
  const std::string u = uri().toStdString();
  if (u.empty()) {
    testResult_->setText("Enter a URI first.");
    return;
  }
  forgetTest();
  const int generation = testGeneration_;
  testResult_->setText("Connecting…");
  testButton_->setEnabled(false);
  const nz::StoreOptions opts = options();
  using Result = std::pair<QString, std::shared_ptr<nz::Dataset>>;
  runInBackground<Result>(
      this,
      [u, opts]() -> Result {
        const auto t0 = std::chrono::steady_clock::now();
        try {
          auto ds = nz::openDataset(u, opts);
          const auto& i = ds->info();
          const double s =
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
          QStringList shape;
          for (int k = 0; k < i.ndim; ++k) shape << QString::number(i.shape[k]);
          return {
              QString("OK: %1, shape %2, %3, %4 level(s) (%5 s)")
                  .arg(QString::fromStdString(i.format), shape.join("×"), nz::dtypeName(i.dtype))
                  .arg(i.levels.size())
                  .arg(s, 0, 'f', 2),
              ds};
        } catch (const std::exception& e) {
          return {QString("Failed: ") + QString::fromStdString(nz::redactSecrets(e.what())),
                  nullptr};
        }
      },
      [this, generation](Result result) {
        if (generation != testGeneration_) return;
        testButton_->setEnabled(true);
        testResult_->setText(result.first);
        tested_ = std::move(result.second);
      });
}

}  // namespace nzviewer
