#include "ui/header_panel.h"

#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <cmath>

namespace nzviewer {

QString formatIndex(const nz::Index5& v, int ndim) {
  QStringList parts;
  for (int i = 0; i < std::clamp(ndim, 1, 5); ++i) parts << QString::number(v[i]);
  return "[" + parts.join(", ") + "]";
}

QString formatAffine(const nz::Matrix4& a, int row) {
  QStringList parts;
  for (int c = 0; c < 4; ++c) parts << QString::number(a[row * 4 + c], 'g', 7);
  return "[" + parts.join(", ") + "]";
}

HeaderPanel::HeaderPanel(QWidget* parent) : QTreeWidget(parent) {
  setObjectName("headerPanel");
  setColumnCount(2);
  setHeaderLabels({"Field", "Value"});
  header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
  setAlternatingRowColors(true);
  setUniformRowHeights(true);
  setSelectionMode(QAbstractItemView::ExtendedSelection);
  clearInfo();
}

QTreeWidgetItem* HeaderPanel::add(QTreeWidgetItem* parent, const QString& key,
                                  const QString& value) {
  auto* item = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(this);
  item->setText(0, key);
  item->setText(1, value);
  item->setToolTip(1, value);
  return item;
}

void HeaderPanel::clearInfo() {
  clear();
  transfer_ = nullptr;
  add(nullptr, "dataset", "(none open)");
}

void HeaderPanel::setInfo(const nz::DatasetInfo& info, double openSeconds) {
  clear();
  const int nd = info.ndim;
  add(nullptr, "uri", QString::fromStdString(info.uri));
  add(nullptr, "format", QString::fromStdString(info.format));
  add(nullptr, "zarr_format", info.zarrFormat ? QString::number(info.zarrFormat) : "null");
  add(nullptr, "nifti_version", info.niftiVersion ? QString::number(info.niftiVersion) : "null");
  add(nullptr, "header_byte_order", info.headerBigEndian ? "big" : "little");
  add(nullptr, "shape", formatIndex(info.shape, nd));
  QStringList axes;
  for (const auto& a : info.axes) axes << QString::fromStdString(a);
  add(nullptr, "axes", "[" + axes.join(", ") + "]");
  add(nullptr, "dtype", nz::dtypeName(info.dtype));
  auto* aff = add(nullptr, "affine", QString::fromStdString(info.affineSource));
  for (int r = 0; r < 4; ++r) add(aff, QString("row %1").arg(r), formatAffine(info.affine, r));
  aff->setExpanded(true);
  add(nullptr, "affine_source", QString::fromStdString(info.affineSource));
  add(nullptr, "sform_code / qform_code",
      QString("%1 / %2").arg(info.sformCode).arg(info.qformCode));
  QStringList pix;
  for (double p : info.pixdim) pix << QString::number(p, 'g', 7);
  add(nullptr, "pixdim", "[" + pix.join(", ") + "]");
  add(nullptr, "spacing",
      QString("[%1, %2, %3]")
          .arg(info.spacing[0], 0, 'g', 7)
          .arg(info.spacing[1], 0, 'g', 7)
          .arg(info.spacing[2], 0, 'g', 7));
  add(nullptr, "units",
      QString("space %1, time %2")
          .arg(QString::fromStdString(info.spaceUnit))
          .arg(QString::fromStdString(info.timeUnit)));
  add(nullptr, "scl_slope", QString::number(info.sclSlope, 'g', 10));
  add(nullptr, "scl_inter", QString::number(info.sclInter, 'g', 10));
  add(nullptr, "intent_code", QString::number(info.intentCode));
  if (!info.description.empty()) add(nullptr, "descrip", QString::fromStdString(info.description));
  auto* levels = add(nullptr, "levels", QString::number(info.levels.size()));
  for (std::size_t i = 0; i < info.levels.size(); ++i) {
    const auto& L = info.levels[i];
    QStringList codecs;
    for (const auto& c : L.codecs) codecs << QString::fromStdString(c);
    auto* li = add(levels, QString("level %1").arg(i),
                   QString("path %1, shape %2, chunks %3")
                       .arg(QString::fromStdString(L.path))
                       .arg(formatIndex(L.shape, nd))
                       .arg(formatIndex(L.chunkShape, nd)));
    add(li, "path", QString::fromStdString(L.path));
    add(li, "shape", formatIndex(L.shape, nd));
    add(li, "chunks", formatIndex(L.chunkShape, nd));
    add(li, "grid", formatIndex(L.gridShape, nd));
    if (L.shardShape[0] > 0) add(li, "shards", formatIndex(L.shardShape, nd));
    add(li, "dtype", nz::dtypeName(L.dtype));
    add(li, "codecs", "[" + codecs.join(", ") + "]");
    if (!L.compressorDetail.empty())
      add(li, "compressor", QString::fromStdString(L.compressorDetail));
    add(li, "fill_value", QString::number(L.fillValue, 'g', 10));
    auto* la = add(li, "affine", "");
    for (int r = 0; r < 4; ++r) add(la, QString("row %1").arg(r), formatAffine(L.affine, r));
  }
  levels->setExpanded(true);
  const QJsonDocument extra = QJsonDocument::fromJson(QByteArray::fromStdString(info.extraJson));
  if (extra.isObject() && !extra.object().isEmpty()) {
    auto* ex = add(nullptr, "extra keys", QString::number(extra.object().size()));
    const QJsonObject obj = extra.object();
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      QString v = it.value().isString()
                      ? it.value().toString()
                      : QString::fromUtf8(QJsonDocument::fromVariant(it.value().toVariant())
                                              .toJson(QJsonDocument::Compact));
      if (v.isEmpty()) v = it.value().toVariant().toString();
      add(ex, it.key(), v);
    }
  }
  addNiftiHeader(info);
  for (const auto& w : info.warnings) add(nullptr, "warning", QString::fromStdString(w));
  add(nullptr, "metadata read in", QString("%1 ms").arg(openSeconds * 1000, 0, 'f', 1));
  transfer_ = add(nullptr, "transfer", "waiting for chunks");
  transfer_->setExpanded(true);
}

// Every field of the stored NIfTI header and its extensions (nibabel's field names), collapsed.
void HeaderPanel::addNiftiHeader(const nz::DatasetInfo& info) {
  const QJsonDocument doc =
      QJsonDocument::fromJson(QByteArray::fromStdString(info.niftiHeaderJson));
  if (!doc.isObject()) return;
  const QJsonObject h = doc.object();
  auto compact = [](const QJsonValue& v) {
    if (v.isString()) return v.toString();
    if (v.isDouble()) return QString::number(v.toDouble(), 'g', 10);
    if (v.isArray())
      return QString::fromUtf8(QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact));
    if (v.isObject())
      return QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
    return v.toVariant().toString();
  };
  // Text fields may hold bytes after a NUL: show them as \0 rather than cutting the text.
  auto visible = [](QString s) { return s.replace(QChar(0), QStringLiteral("\\0")); };
  auto* node = add(nullptr, "nifti header",
                   QString("NIfTI-%1, %2 fields").arg(info.niftiVersion).arg(h.size() - 1));
  for (auto it = h.begin(); it != h.end(); ++it) {
    if (it.key() == "extensions") continue;
    add(node, it.key(), visible(compact(it.value())));
  }
  const QJsonArray ext = h.value("extensions").toArray();
  auto* exts = add(nullptr, "extensions", QString::number(ext.size()));
  for (int i = 0; i < ext.size(); ++i) {
    const QJsonObject e = ext[i].toObject();
    QString v = QString("code %1 (%2), %3 bytes, %4")
                    .arg(e.value("code").toInt())
                    .arg(e.value("name").toString())
                    .arg(e.value("size").toInt())
                    .arg(e.value("kind").toString());
    auto* item = add(exts, QString("extension %1").arg(i), v);
    if (e.contains("content")) {
      add(item, "content", visible(compact(e.value("content"))));
      item->setExpanded(true);  // JSON/text payloads (BIDS sidecars, comments) at a glance
    }
  }
  exts->setExpanded(true);
}

void HeaderPanel::setMetrics(const nz::LoaderMetrics& m) {
  if (!transfer_) return;
  transfer_->setText(1, QString("%1 requests, %2 MB, %3 s")
                            .arg(m.requests)
                            .arg(double(m.bytesFetched) / 1e6, 0, 'f', 2)
                            .arg(m.seconds, 0, 'f', 1));
  const QStringList rows = {
      QString("chunks visible %1/%2").arg(m.visibleAvailable).arg(m.visibleWanted),
      QString("in flight %1, queued %2").arg(m.inFlight).arg(m.queueLength),
      QString("throughput %1 MB/s").arg(m.throughputBytesPerSecond / 1e6, 0, 'f', 2),
      QString("cache %1 / %2 MB (%3 chunks)")
          .arg(double(m.cacheBytes) / 1e6, 0, 'f', 1)
          .arg(double(m.cacheBudget) / 1e6, 0, 'f', 0)
          .arg(m.cacheEntries),
      QString("failed %1, not stored (fill value) %2, cancelled %3")
          .arg(m.failed)
          .arg(m.missing)
          .arg(m.aborted)};
  while (transfer_->childCount() < rows.size()) new QTreeWidgetItem(transfer_);
  for (int i = 0; i < rows.size(); ++i) transfer_->child(i)->setText(1, rows[i]);
}

}  // namespace nzviewer
