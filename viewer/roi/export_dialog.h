#pragma once
// "Export ROI" / "Save as NIfTI-Zarr": format (.nii, .nii.gz, .nii.zarr with Zarr version,
// chunk and compressor), pyramid level, destination (local path or cloud URI; a destination
// on the dataset's own cloud reuses the dataset's credentials, others can be entered on the
// open dialog's credential pages), the plan (voxels, MB, chunks, estimate), then a background
// ExportJob with progress and Cancel, and "Open exported" once it succeeded. Modeless: the
// viewer stays usable while the export runs.
#include <QDialog>
#include <optional>

#include "dataset/dataset.h"
#include "roi/export_plan.h"
#include "roi/export_run.h"
#include "roi/roi_box.h"
#include "store/store_options.h"

class QComboBox;
class QFormLayout;
class QSpinBox;
class QLineEdit;
class QLabel;
class QProgressBar;
class QPushButton;
class QPlainTextEdit;

namespace nzviewer {

class ExportJob;

class ExportDialog : public QDialog {
  Q_OBJECT
 public:
  // `roi`: level-0 box (unset: the whole volume). `settings`: crop/pad fields (level, roi ignored).
  ExportDialog(const nz::DatasetInfo& info, QString sourceUri, nz::StoreOptions sourceOptions,
               std::optional<nz::RoiBox> roi, nz::ExportRequest settings, QString title, int level,
               nz::ThroughputModel throughput, QWidget* parent = nullptr);
  ~ExportDialog() override;

  enum Format { Nii = 0, NiiGz, NiiZarr };
  void setFormat(Format f);
  void lockFormat(Format f);  // "Save as NIfTI-Zarr": only .nii.zarr
  void setDestination(const QString& d);
  // What is exported (the "Data" choice, shown once a layer is offered): the reference image,
  // the selected layer alone (its own voxels, unresampled: offerLayer's box), or the image and a
  // label layer as a pair (DEST_image.EXT and DEST_labels.EXT, the label map resampled onto the
  // image ROI's grid, as `nzview-cli export --with`).
  enum Source { Image = 0, SelectedLayer, ImageLabels };
  // `roi`: the ROI carried over to the layer's grid (nz::roiOnGrid, level-0 voxels of the
  // layer). CropOrPad does not apply to it (its target is a shape on the image's grid).
  void offerLayer(const QString& name, const nz::DatasetInfo& info, const QString& uri,
                  const nz::StoreOptions& options, const nz::RoiBox& roi);
  void offerLabelPair(const QString& name, const QString& uri, const nz::StoreOptions& options);
  void setSource(Source s);
  Source source() const;
  bool labelPairChecked() const { return source() == ImageLabels; }
  void setLabelPairChecked(bool on) { setSource(on ? ImageLabels : Image); }
  // The files the export writes (one, or the image and label files of the pair).
  QStringList outputFiles() const;
  QString destination() const;
  nz::ExportRequest request() const;  // at the chosen level
  std::optional<nz::ExportPlan> plan() const;
  nz::ExportOutputOptions outputOptions() const;
  nz::StoreOptions destinationOptions() const;
  ExportJob* job() const { return job_; }
  QString planText() const;

 public slots:
  void startExport();
  void cancelExport();

 signals:
  void exportFinished(bool ok, bool cancelled, const QString& message);
  void openRequested(const QString& uri, const nz::StoreOptions& options);

 protected:
  void reject() override;  // Close while running keeps the export going in the background

 private:
  void updatePlan();
  void fillLevels(int level);
  void onFormatChanged();
  // The dataset the current Source reads (the layer's for SelectedLayer, else the image's).
  const nz::DatasetInfo& activeInfo() const;
  QString activeUri() const;
  nz::StoreOptions activeOptions() const;
  void browse();
  void enterCredentials();

  nz::DatasetInfo info_;  // a copy: the viewer may open another dataset meanwhile
  QString sourceUri_;
  nz::StoreOptions sourceOptions_;
  std::optional<nz::RoiBox> roi_;
  nz::ExportRequest settings_;
  nz::ThroughputModel throughput_;
  std::optional<nz::StoreOptions> destOptions_;  // entered on the credential pages

  QComboBox* format_;
  QComboBox* level_;
  QComboBox* zarrVersion_;
  QSpinBox* chunk_;
  QComboBox* compressor_;
  QSpinBox* gzipLevel_;
  QLineEdit* dest_;
  QLabel* credentials_;
  QPlainTextEdit* planView_;
  QProgressBar* progress_;
  QLabel* status_;
  QPushButton* exportButton_;
  QPushButton* cancelButton_;
  QPushButton* openButton_;
  ExportJob* job_ = nullptr;
  QFormLayout* form_;
  QComboBox* data_ = nullptr;
  QString pairUri_;
  nz::StoreOptions pairOptions_;
  struct LayerChoice {
    QString name, uri;
    nz::StoreOptions options;
    nz::DatasetInfo info;
    nz::RoiBox roi;  // level 0 of the layer
  };
  std::optional<LayerChoice> layer_;
};

}  // namespace nzviewer
