#pragma once
// "Open dataset": a URI field that recognises the scheme and shows the matching credential
// page (Azure, S3, GCS, HTTP(S)); values found in the environment appear as placeholders
// ("from AZURE_STORAGE_ACCOUNT_NAME") and are used when the field stays empty. "Test connection"
// reads the metadata on a worker thread. Nothing typed here is ever saved.
#include <QDialog>
#include <memory>

#include "store/store_options.h"

class QLineEdit;
class QLabel;
class QStackedWidget;
class QComboBox;
class QCheckBox;
class QPlainTextEdit;
class QPushButton;

namespace nz {
class Dataset;
}

namespace nzviewer {

class OpenDialog : public QDialog {
  Q_OBJECT
 public:
  explicit OpenDialog(QWidget* parent = nullptr);
  void setUri(const QString& uri);
  QString uri() const;
  nz::StoreOptions options() const;

  enum class Page { Local = 0, Azure, S3, Gcs, Http };
  static Page pageForUri(const QString& uri);
  // What the scheme line says about text that is no cloud URI: a local path (found or not), or
  // not recognised at all.
  static QString describeLocal(const QString& text);
  Page currentPage() const;
  // The dataset a successful "Test connection" opened, when nothing in the dialog changed
  // since: Open uses it instead of opening the same URI a second time. Null otherwise.
  std::shared_ptr<nz::Dataset> testedDataset() const { return tested_; }

 private slots:
  void onUriChanged();
  void testConnection();
  void browseLocal();

 private:
  QWidget* makeLocalPage();
  QWidget* makeAzurePage();
  QWidget* makeS3Page();
  QWidget* makeGcsPage();
  QWidget* makeHttpPage();
  QLineEdit* field(const QString& name, const char* env, bool secret);

  QLineEdit* uri_;
  QLabel* scheme_;
  QStackedWidget* pages_;
  QLabel* testResult_;
  QPushButton* testButton_;
  // Azure
  QComboBox* azAuth_;
  QLineEdit *azAccount_, *azKey_, *azSas_, *azConn_, *azEndpoint_;
  // S3
  QLineEdit *s3KeyId_, *s3Secret_, *s3Token_, *s3Profile_, *s3Region_, *s3Endpoint_;
  QCheckBox* s3Anonymous_;
  // GCS
  QComboBox* gcsAuth_;
  QLineEdit* gcsFile_;
  // HTTP
  QPlainTextEdit* headers_;
  QLineEdit* caFile_;
  QCheckBox* insecure_;
  int testGeneration_ = 0;
  std::shared_ptr<nz::Dataset> tested_;  // dropped on any edit (forgetTest)
  void forgetTest();
};

}  // namespace nzviewer
