#include "viewer/roi/export_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QVBoxLayout>

#include "roi/export_run.h"
#include "ui/open_dialog.h"
#include "uri/uri.h"
#include "viewer/doctor/diagnose_dialog.h"
#include "viewer/roi/export_job.h"
#include "zarr/codec_registry.h"

namespace nzviewer {

namespace {
const char* kSuffix[] = {".nii", ".nii.gz", ".nii.zarr"};

bool isCloud(const QString& d) { return d.contains("://") && !d.startsWith("file://"); }

// The dataset's credentials apply to a destination on the same service (and Azure account).
bool sameCloud(const QString& a, const QString& b) {
  try {
    const nz::Uri ua = nz::parseUri(a.toStdString()), ub = nz::parseUri(b.toStdString());
    return ua.scheme == ub.scheme && ua.account == ub.account && ua.endpoint == ub.endpoint;
  } catch (const std::exception&) {
    return false;
  }
}

QString stripSuffix(QString d) {
  for (const char* s : {".nii.zarr", ".nii.gz", ".nii"})
    if (d.endsWith(s, Qt::CaseInsensitive)) return d.left(d.size() - int(strlen(s)));
  return d;
}
}  // namespace

ExportDialog::ExportDialog(const nz::DatasetInfo& info, QString sourceUri,
                           nz::StoreOptions sourceOptions, std::optional<nz::RoiBox> roi,
                           nz::ExportRequest settings, QString title, int level,
                           nz::ThroughputModel throughput, QWidget* parent)
    : QDialog(parent),
      info_(info),
      sourceUri_(std::move(sourceUri)),
      sourceOptions_(std::move(sourceOptions)),
      roi_(std::move(roi)),
      settings_(std::move(settings)),
      throughput_(throughput) {
  setObjectName("exportDialog");
  setWindowTitle(title);
  auto* form = form_ = new QFormLayout;
  format_ = new QComboBox;
  format_->setObjectName("exportFormat");
  format_->addItems({"NIfTI (.nii)", "NIfTI gzip (.nii.gz)", "NIfTI-Zarr (.nii.zarr)"});
  format_->setCurrentIndex(NiiGz);
  form->addRow("Format", format_);
  data_ = new QComboBox;
  data_->setObjectName("exportData");
  data_->addItem("Image", Image);
  form->addRow("Data", data_);
  form->setRowVisible(data_, false);  // offerLayer / offerLabelPair show it
  level_ = new QComboBox;
  level_->setObjectName("exportLevel");
  fillLevels(level);
  form->addRow("Level", level_);
  auto* zarrRow = new QHBoxLayout;
  zarrVersion_ = new QComboBox;
  zarrVersion_->setObjectName("exportZarrVersion");
  zarrVersion_->addItems({"Zarr v3", "Zarr v2"});
  chunk_ = new QSpinBox;
  chunk_->setObjectName("exportChunk");
  chunk_->setRange(8, 1024);
  chunk_->setValue(64);
  chunk_->setPrefix("chunk ");
  compressor_ = new QComboBox;
  compressor_->setObjectName("exportCompressor");
  for (const std::string& name : nz::writableCompressors())  // io/zarr/codec_registry.h
    compressor_->addItem(QString::fromStdString(name));
  zarrRow->addWidget(zarrVersion_);
  zarrRow->addWidget(chunk_);
  zarrRow->addWidget(compressor_);
  form->addRow("NIfTI-Zarr", zarrRow);
  gzipLevel_ = new QSpinBox;
  gzipLevel_->setRange(1, 9);
  gzipLevel_->setValue(1);  // as nibabel: ISA-L level 1, ~10x less CPU than zlib 6
  form->addRow("gzip level", gzipLevel_);
  auto* destRow = new QHBoxLayout;
  dest_ = new QLineEdit;
  dest_->setObjectName("exportDestination");
  dest_->setPlaceholderText("/path/roi.nii.gz or s3://bucket/roi.nii.gz, az://…, gs://…");
  auto* browseButton = new QPushButton("Browse…");
  auto* credButton = new QPushButton("Credentials…");
  destRow->addWidget(dest_, 1);
  auto* diagnoseButton = new QPushButton("Diagnose");
  diagnoseButton->setObjectName("exportDiagnose");
  diagnoseButton->setToolTip("Check the connection to the destination step by step");
  connect(diagnoseButton, &QPushButton::clicked, this, [this] {
    auto* d = new DiagnoseDialog(destination(), destinationOptions(), true, this);
    d->show();
  });
  destRow->addWidget(browseButton);
  destRow->addWidget(credButton);
  destRow->addWidget(diagnoseButton);
  form->addRow("Destination", destRow);
  credentials_ = new QLabel;
  credentials_->setWordWrap(true);
  form->addRow("", credentials_);

  planView_ = new QPlainTextEdit;
  planView_->setObjectName("exportPlan");
  planView_->setReadOnly(true);
  planView_->setMinimumHeight(150);
  progress_ = new QProgressBar;
  progress_->setObjectName("exportProgress");
  progress_->setRange(0, 1000);
  progress_->setValue(0);
  status_ = new QLabel;
  status_->setObjectName("exportStatus");
  status_->setWordWrap(true);
  exportButton_ = new QPushButton("Export");
  exportButton_->setObjectName("exportStart");
  exportButton_->setDefault(true);
  cancelButton_ = new QPushButton("Cancel");
  cancelButton_->setObjectName("exportCancel");
  cancelButton_->setEnabled(false);
  openButton_ = new QPushButton("Open exported");
  openButton_->setObjectName("exportOpen");
  openButton_->setEnabled(false);
  auto* closeButton = new QPushButton("Close");
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(openButton_);
  buttons->addStretch();
  buttons->addWidget(exportButton_);
  buttons->addWidget(cancelButton_);
  buttons->addWidget(closeButton);

  auto* l = new QVBoxLayout(this);
  l->addLayout(form);
  l->addWidget(planView_, 1);
  l->addWidget(progress_);
  l->addWidget(status_);
  l->addLayout(buttons);
  resize(620, 520);

  connect(format_, &QComboBox::currentIndexChanged, this, &ExportDialog::onFormatChanged);
  connect(level_, &QComboBox::currentIndexChanged, this, &ExportDialog::updatePlan);
  connect(data_, &QComboBox::currentIndexChanged, this, [this] {
    fillLevels(level_->currentIndex());
    updatePlan();
  });
  connect(dest_, &QLineEdit::textChanged, this, &ExportDialog::updatePlan);
  connect(browseButton, &QPushButton::clicked, this, &ExportDialog::browse);
  connect(credButton, &QPushButton::clicked, this, &ExportDialog::enterCredentials);
  connect(exportButton_, &QPushButton::clicked, this, &ExportDialog::startExport);
  connect(cancelButton_, &QPushButton::clicked, this, &ExportDialog::cancelExport);
  connect(closeButton, &QPushButton::clicked, this, &ExportDialog::reject);
  connect(openButton_, &QPushButton::clicked, this,
          [this] { emit openRequested(dest_->text().trimmed(), destinationOptions()); });
  dest_->setText(QDir::home().filePath("roi") + kSuffix[NiiGz]);
  onFormatChanged();
}

ExportDialog::~ExportDialog() = default;  // job_ is a child: cancels and joins

void ExportDialog::setFormat(Format f) { format_->setCurrentIndex(f); }

void ExportDialog::fillLevels(int level) {
  const nz::DatasetInfo& info = activeInfo();
  const QSignalBlocker block(level_);
  level_->clear();
  for (std::size_t l = 0; l < info.levels.size(); ++l) {
    QStringList s;
    for (int a = 0; a < 3; ++a) s << QString::number(info.levels[l].shape[a]);
    level_->addItem(QString("%1  (%2)").arg(l).arg(s.join("×")));
  }
  level_->setCurrentIndex(std::clamp(level, 0, level_->count() - 1));
}

void ExportDialog::offerLayer(const QString& name, const nz::DatasetInfo& info, const QString& uri,
                              const nz::StoreOptions& options, const nz::RoiBox& roi) {
  layer_ = LayerChoice{name, uri, options, info, roi};
  data_->insertItem(1,
                    QString("Layer '%1' alone (its own grid, the box covering the ROI)").arg(name),
                    SelectedLayer);
  form_->setRowVisible(data_, true);
}

void ExportDialog::offerLabelPair(const QString& name, const QString& uri,
                                  const nz::StoreOptions& options) {
  pairUri_ = uri;
  pairOptions_ = options;
  data_->addItem(QString("Image + labels '%1' (resampled onto the image ROI: NAME_image, "
                         "NAME_labels)")
                     .arg(name),
                 ImageLabels);
  form_->setRowVisible(data_, true);
}

void ExportDialog::setSource(Source s) {
  const int i = data_->findData(s);
  if (i >= 0) data_->setCurrentIndex(i);
}

ExportDialog::Source ExportDialog::source() const {
  return static_cast<Source>(data_->currentData().toInt());
}

const nz::DatasetInfo& ExportDialog::activeInfo() const {
  return source() == SelectedLayer && layer_ ? layer_->info : info_;
}

QString ExportDialog::activeUri() const {
  return source() == SelectedLayer && layer_ ? layer_->uri : sourceUri_;
}

nz::StoreOptions ExportDialog::activeOptions() const {
  return source() == SelectedLayer && layer_ ? layer_->options : sourceOptions_;
}

QStringList ExportDialog::outputFiles() const {
  const QString d = destination();
  if (!labelPairChecked() || d.isEmpty()) return {d};
  const QString base = stripSuffix(d), suffix = d.mid(base.size());
  return {base + "_image" + suffix, base + "_labels" + suffix};
}

void ExportDialog::lockFormat(Format f) {
  setFormat(f);
  format_->setEnabled(false);
}

void ExportDialog::setDestination(const QString& d) { dest_->setText(d); }
QString ExportDialog::destination() const { return dest_->text().trimmed(); }

void ExportDialog::onFormatChanged() {
  const int f = format_->currentIndex();
  const bool zarr = f == NiiZarr;
  zarrVersion_->setEnabled(zarr);
  chunk_->setEnabled(zarr);
  compressor_->setEnabled(zarr);
  gzipLevel_->setEnabled(f == NiiGz);
  const QString d = destination();
  if (!d.isEmpty()) dest_->setText(stripSuffix(d) + kSuffix[f]);
  updatePlan();
}

nz::ExportRequest ExportDialog::request() const {
  nz::ExportRequest r = settings_;
  r.level = std::max(0, level_->currentIndex());
  if (source() == SelectedLayer && layer_) {
    r.roi = layer_->roi.toLevel(layer_->info, r.level);
    r.cropOrPad.reset();
  } else if (roi_) {
    r.roi = roi_->toLevel(info_, r.level);
  } else {
    r.roi.reset();
  }
  return r;
}

std::optional<nz::ExportPlan> ExportDialog::plan() const {
  try {
    if (source() == SelectedLayer && layer_ && layer_->roi.empty()) return std::nullopt;
    return nz::planExport(activeInfo(), request(), throughput_);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

nz::ExportOutputOptions ExportDialog::outputOptions() const {
  nz::ExportOutputOptions o;
  o.gzipLevel = gzipLevel_->value();
  o.zarrVersion = zarrVersion_->currentIndex() == 0 ? 3 : 2;
  o.chunk = chunk_->value();
  o.compressor = compressor_->currentText().toStdString();
  o.store = destinationOptions();
  return o;
}

nz::StoreOptions ExportDialog::destinationOptions() const {
  if (destOptions_) return *destOptions_;
  if (sameCloud(activeUri(), destination())) return activeOptions();
  return {};  // the environment's credentials (AZURE_*, AWS_*, GOOGLE_APPLICATION_CREDENTIALS)
}

QString ExportDialog::planText() const { return planView_->toPlainText(); }

void ExportDialog::updatePlan() {
  const QString d = destination();
  if (!isCloud(d))
    credentials_->setText("Local file: written to a temporary name, renamed when complete.");
  else if (destOptions_)
    credentials_->setText("Cloud: using the credentials entered with Credentials….");
  else if (sameCloud(activeUri(), d))
    credentials_->setText("Cloud: same service as the dataset; its credentials are reused.");
  else
    credentials_->setText("Cloud: credentials from the environment (use Credentials… to enter).");
  auto p = plan();
  if (!p) {
    planView_->setPlainText(source() == SelectedLayer && layer_
                                ? QString("The ROI does not overlap layer '%1'.").arg(layer_->name)
                                : QString("The region is empty or outside the volume."));
    exportButton_->setEnabled(false);
    return;
  }
  planView_->setPlainText(
      QString("output: %1\n").arg(QString::fromStdString(nz::redactSecrets(d.toStdString()))) +
      QString::fromStdString(nz::describePlan(*p, activeInfo())) + "memory: " +
      QString::fromStdString(nz::describeExportMemory(*p, outputOptions(), d.toStdString())));
  exportButton_->setEnabled(!(job_ && job_->running()) && !d.isEmpty());
}

void ExportDialog::browse() {
  const int f = format_->currentIndex();
  QString path = f == NiiZarr ? QFileDialog::getSaveFileName(this, "Export to", destination(),
                                                             "NIfTI-Zarr (*.nii.zarr)")
                              : QFileDialog::getSaveFileName(this, "Export to", destination(),
                                                             "NIfTI (*.nii *.nii.gz)");
  if (!path.isEmpty()) dest_->setText(stripSuffix(path) + kSuffix[f]);
}

void ExportDialog::enterCredentials() {
  OpenDialog dlg(this);
  dlg.setWindowTitle("Destination credentials");
  dlg.setUri(destination());
  if (dlg.exec() != QDialog::Accepted) return;
  destOptions_ = dlg.options();
  if (!dlg.uri().isEmpty()) dest_->setText(dlg.uri());
  updatePlan();
}

void ExportDialog::startExport() {
  if (job_ && job_->running()) return;
  auto p = plan();
  const QString d = destination();
  if (!p || d.isEmpty()) return;
  try {
    nz::exportFormatFor(d.toStdString());
  } catch (const std::exception& e) {
    status_->setText(QString::fromStdString(e.what()));
    return;
  }
  delete job_;
  const QStringList files = outputFiles();
  job_ = new ExportJob(activeUri(), activeOptions(), *p, files.front(), outputOptions(), this);
  if (files.size() == 2) job_->setLabelPair(pairUri_, pairOptions_, files.back());
  connect(job_, &ExportJob::progress, this,
          [this](double f) { progress_->setValue(static_cast<int>(f * 1000)); });
  connect(job_, &ExportJob::finished, this,
          [this](bool ok, bool cancelled, const QString& message) {
            exportButton_->setEnabled(true);
            cancelButton_->setEnabled(false);
            openButton_->setEnabled(ok);
            progress_->setValue(ok ? 1000 : 0);  // cancelled or failed: nothing was written
            status_->setText(ok ? "Exported to " + QString::fromStdString(nz::redactSecrets(
                                                       outputFiles().join(", ").toStdString()))
                                : message);
            emit exportFinished(ok, cancelled, message);
          });
  exportButton_->setEnabled(false);
  cancelButton_->setEnabled(true);
  openButton_->setEnabled(false);
  progress_->setValue(0);
  status_->setText("Exporting in the background…");
  job_->start();
}

void ExportDialog::cancelExport() {
  if (job_ && job_->running()) {
    job_->cancel();
    status_->setText("Cancelling…");
  }
}

void ExportDialog::reject() { hide(); }

}  // namespace nzviewer
