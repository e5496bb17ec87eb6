#pragma once
// The dataset header, shown as soon as the metadata is read (before any voxel arrives): every
// field of `nzview-cli info`, the levels with their chunking and codecs, extra header keys,
// every stored NIfTI header field and extension, warnings, and a live transfer readout.
#include <QTreeWidget>

#include "dataset/dataset.h"
#include "loader/loader_metrics.h"

namespace nzviewer {

class HeaderPanel : public QTreeWidget {
  Q_OBJECT
 public:
  explicit HeaderPanel(QWidget* parent = nullptr);
  void setInfo(const nz::DatasetInfo& info, double openSeconds);
  void setMetrics(const nz::LoaderMetrics& m);
  void clearInfo();

 private:
  QTreeWidgetItem* add(QTreeWidgetItem* parent, const QString& key, const QString& value);
  void addNiftiHeader(const nz::DatasetInfo& info);
  QTreeWidgetItem* transfer_ = nullptr;
};

QString formatIndex(const nz::Index5& v, int ndim);
QString formatAffine(const nz::Matrix4& a, int row);

}  // namespace nzviewer
