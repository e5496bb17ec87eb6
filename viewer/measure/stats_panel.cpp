#include "measure/stats_panel.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "data/data_source.h"
#include "measure/stats_job.h"
#include "model/viewer_state.h"
#include "roi/roi_box.h"
#include "stats/stats_json.h"
#include "ui/main_window.h"
#include "viewer/roi/roi_model.h"
#include "views/ortho_viewer.h"
#include "views/slice_view.h"

namespace nzviewer {

namespace {

QString num(double v) { return QString::fromStdString(nz::statNumber(v)); }

// Box of `to`'s level `toLevel` voxels covering the continuous voxel box [lo, hi] (edges) of
// `from`'s level `fromLevel`, through world space (any grid, any orientation).
nz::Box mapBox(const nz::DatasetInfo& from, int fromLevel, const nz::Vec3& lo, const nz::Vec3& hi,
               const nz::DatasetInfo& to, int toLevel) {
  nz::Vec3 mn{1e300, 1e300, 1e300}, mx{-1e300, -1e300, -1e300};
  for (int i = 0; i < 8; ++i) {
    const nz::Vec3 p{(i & 1) ? hi[0] : lo[0], (i & 2) ? hi[1] : lo[1], (i & 4) ? hi[2] : lo[2]};
    const nz::Vec3 q = nz::voxelFromWorld(to, toLevel, nz::worldFromVoxel(from, fromLevel, p));
    for (int a = 0; a < 3; ++a) mn[a] = std::min(mn[a], q[a]), mx[a] = std::max(mx[a], q[a]);
  }
  nz::Box b;
  for (int a = 0; a < 3; ++a) {
    // Voxel i spans [i - 0.5, i + 0.5]: every voxel whose centre lies inside.
    b.begin[a] = static_cast<std::int64_t>(std::ceil(mn[a] - 1e-6));
    b.end[a] = std::max(b.begin[a] + 1, static_cast<std::int64_t>(std::floor(mx[a] + 1e-6)) + 1);
  }
  return b;
}

}  // namespace

StatsPanel::StatsPanel(MainWindow* window, RoiModel* rois, QWidget* parent)
    : QWidget(parent), window_(window), rois_(rois), job_(new StatsJob(this)) {
  setObjectName("statsPanel");
  auto* v = new QVBoxLayout(this);
  auto* form = new QFormLayout;
  target_ = new QComboBox;
  target_->setObjectName("statsTarget");
  level_ = new QComboBox;
  level_->setObjectName("statsLevel");
  roiLabel_ = new QLabel;
  roiLabel_->setWordWrap(true);
  form->addRow("Layer", target_);
  form->addRow("Level", level_);
  form->addRow("Region", roiLabel_);
  v->addLayout(form);
  auto* buttons = new QHBoxLayout;
  compute_ = new QPushButton("Compute");
  compute_->setObjectName("statsCompute");
  compute_->setToolTip(
      "Statistics of the selected ROI (the whole volume without one), exact at "
      "the level shown; computed in the background");
  cancel_ = new QPushButton("Cancel");
  cancel_->setObjectName("statsCancel");
  cancel_->setEnabled(false);
  auto* copy = new QPushButton("Copy JSON");
  copy->setToolTip("Copy the numbers as nzview-cli stats --json prints them");
  buttons->addWidget(compute_);
  buttons->addWidget(cancel_);
  buttons->addWidget(copy);
  v->addLayout(buttons);
  progress_ = new QProgressBar;
  progress_->setRange(0, 1000);
  progress_->setVisible(false);
  v->addWidget(progress_);
  levelLabel_ = new QLabel;
  levelLabel_->setObjectName("statsLevelUsed");
  v->addWidget(levelLabel_);
  table_ = new QTableWidget(0, 2);
  table_->setObjectName("statsTable");
  table_->setHorizontalHeaderLabels({"Statistic", "Value"});
  table_->horizontalHeader()->setStretchLastSection(true);
  table_->verticalHeader()->setVisible(false);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  v->addWidget(table_, 2);
  labels_ = new QTableWidget(0, 4);
  labels_->setObjectName("statsLabels");
  labels_->setHorizontalHeaderLabels({"Label", "Name", "Voxels", "Volume (mm³)"});
  labels_->horizontalHeader()->setStretchLastSection(true);
  labels_->verticalHeader()->setVisible(false);
  labels_->setSelectionBehavior(QAbstractItemView::SelectRows);
  labels_->setSelectionMode(QAbstractItemView::SingleSelection);
  labels_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  labels_->setVisible(false);
  v->addWidget(labels_, 2);
  auto* labelButtons = new QHBoxLayout;
  zoomLabel_ = new QPushButton("Zoom to label");
  zoomLabel_->setObjectName("statsZoomLabel");
  roiLabelBtn_ = new QPushButton("ROI from label");
  roiLabelBtn_->setObjectName("statsRoiFromLabel");
  for (auto* b : {zoomLabel_, roiLabelBtn_}) {
    b->setVisible(false);
    labelButtons->addWidget(b);
  }
  v->addLayout(labelButtons);
  status_ = new QLabel;
  status_->setObjectName("statsStatus");
  status_->setWordWrap(true);
  v->addWidget(status_);

  connect(compute_, &QPushButton::clicked, this, &StatsPanel::compute);
  connect(cancel_, &QPushButton::clicked, this, &StatsPanel::cancel);
  connect(copy, &QPushButton::clicked, this,
          [this] { QApplication::clipboard()->setText(lastJson_); });
  connect(zoomLabel_, &QPushButton::clicked, this, [this] { zoomToLabel(labels_->currentRow()); });
  connect(roiLabelBtn_, &QPushButton::clicked, this,
          [this] { roiFromLabel(labels_->currentRow()); });
  connect(labels_, &QTableWidget::cellDoubleClicked, this,
          [this](int row, int) { zoomToLabel(row); });
  connect(job_, &StatsJob::progress, this,
          [this](double f) { progress_->setValue(static_cast<int>(f * 1000)); });
  connect(job_, &StatsJob::finished, this, [this](const nz::RoiStats& s) {
    progress_->setVisible(false);
    compute_->setEnabled(true);
    cancel_->setEnabled(false);
    showResult(s);
    emit computed();
  });
  connect(job_, &StatsJob::failed, this, [this](const QString& message, bool cancelled) {
    progress_->setVisible(false);
    compute_->setEnabled(true);
    cancel_->setEnabled(false);
    status_->setText(cancelled ? "Cancelled." : message);
    emit computeFailed(message);
  });
  auto updateRoi = [this] {
    const int i = rois_ ? rois_->current() : -1;
    roiLabel_->setText(i >= 0 && i < static_cast<int>(rois_->rois().size())
                           ? "ROI \"" + rois_->rois()[static_cast<std::size_t>(i)].name + "\""
                           : QString("whole volume (no ROI selected)"));
  };
  if (rois_) connect(rois_, &RoiModel::changed, this, updateRoi);
  connect(window_->source(), &DataSource::opened, this, [this, updateRoi] {
    refreshTargets();
    updateRoi();
  });
  connect(window_->source(), &DataSource::layersChanged, this, &StatsPanel::refreshTargets);
  connect(target_, &QComboBox::currentIndexChanged, this, [this] {
    const auto ds = targetDataset();
    const int keep = level_->currentIndex();
    level_->clear();
    level_->addItem("Auto (finest within 64 Mi voxels)", -1);
    if (ds)
      for (std::size_t l = 0; l < ds->info().levels.size(); ++l) {
        const auto& s = ds->info().levels[l].shape;
        level_->addItem(QString("Level %1 (%2 x %3 x %4)%5")
                            .arg(l)
                            .arg(s[0])
                            .arg(s[1])
                            .arg(s[2])
                            .arg(l == 0 ? ", exact full resolution" : ""),
                        static_cast<int>(l));
      }
    level_->setCurrentIndex(std::clamp(keep, 0, level_->count() - 1));
  });
  refreshTargets();
  updateRoi();
}

StatsPanel::~StatsPanel() = default;

void StatsPanel::refreshTargets() {
  const int keep = target_->currentIndex();
  target_->blockSignals(true);
  target_->clear();
  if (window_->source()->isOpen()) {
    target_->addItem(
        "Reference: " +
        QString::fromStdString(window_->source()->dataset()->info().uri).section('/', -1));
    for (const auto& l : window_->source()->layers())
      target_->addItem((l->kind == LayerKind::Labels ? "Labels: " : "Image: ") + l->name);
  }
  target_->setCurrentIndex(std::clamp(keep, 0, std::max(0, target_->count() - 1)));
  target_->blockSignals(false);
  emit target_->currentIndexChanged(target_->currentIndex());
}

void StatsPanel::setLevelChoice(int level) {
  const int i = level_->findData(level);
  if (i >= 0) level_->setCurrentIndex(i);
}

void StatsPanel::setTarget(int index) { target_->setCurrentIndex(index); }

void StatsPanel::followLayer(int id) {
  const auto& layers = window_->source()->layers();
  for (std::size_t i = 0; i < layers.size(); ++i)
    if (layers[i]->id == id) {
      // The layer may be newer than the combo box (selected before layersChanged arrived).
      if (target_->count() <= static_cast<int>(i) + 1) refreshTargets();
      return setTarget(static_cast<int>(i) + 1);
    }
  setTarget(0);
}

std::shared_ptr<nz::Dataset> StatsPanel::targetDataset() const {
  const int i = target_->currentIndex();
  if (i <= 0) return window_->source()->dataset();
  const auto& layers = window_->source()->layers();
  if (i - 1 < static_cast<int>(layers.size()))
    return layers[static_cast<std::size_t>(i - 1)]->dataset;
  return nullptr;
}

bool StatsPanel::targetIsLabels() const {
  const int i = target_->currentIndex();
  const auto& layers = window_->source()->layers();
  return i >= 1 && i - 1 < static_cast<int>(layers.size()) &&
         layers[static_cast<std::size_t>(i - 1)]->kind == LayerKind::Labels;
}

QString StatsPanel::targetName(std::int64_t label) const {
  const int i = target_->currentIndex();
  const auto& layers = window_->source()->layers();
  if (i >= 1 && i - 1 < static_cast<int>(layers.size()))
    return QString::fromStdString(layers[static_cast<std::size_t>(i - 1)]->labels.describe(label));
  return QString::number(label);
}

nz::Box StatsPanel::roiOnTarget(int level) const {
  const auto ref = window_->source()->dataset();
  const auto ds = targetDataset();
  const nz::DatasetInfo& ti = ds->info();
  const int i = rois_ ? rois_->current() : -1;
  nz::Box box;
  if (i < 0 || i >= static_cast<int>(rois_->rois().size())) {
    box.end = ti.levels[static_cast<std::size_t>(level)].shape;
  } else {
    const nz::RoiBox& roi = rois_->rois()[static_cast<std::size_t>(i)].roi;
    if (ds == ref) {
      box = roi.toLevel(ti, level);
    } else {
      const nz::Vec3 lo{roi.box.begin[0] - 0.5, roi.box.begin[1] - 0.5, roi.box.begin[2] - 0.5};
      const nz::Vec3 hi{roi.box.end[0] - 0.5, roi.box.end[1] - 0.5, roi.box.end[2] - 0.5};
      box = mapBox(ref->info(), 0, lo, hi, ti, level);
    }
  }
  // A 4D/5D scan: the time point and channel on screen (when the target has them).
  const auto* st = window_->state();
  const nz::Index5& shape = ti.levels[static_cast<std::size_t>(level)].shape;
  const std::int64_t t = std::min<std::int64_t>(st->timeIndex(), shape[3] - 1);
  const std::int64_t c = std::min<std::int64_t>(st->channel(), shape[4] - 1);
  box.begin[3] = t, box.end[3] = t + 1;
  box.begin[4] = c, box.end[4] = c + 1;
  return box;
}

bool StatsPanel::running() const { return job_->running(); }

void StatsPanel::cancel() {
  job_->cancel();
  status_->setText("Cancelling…");
}

void StatsPanel::compute() {
  auto ds = targetDataset();
  if (!ds) {
    status_->setText("Open a dataset first.");
    emit computeFailed(status_->text());
    return;
  }
  const nz::DatasetInfo& info = ds->info();
  int level = level_->currentData().toInt();
  if (level < 0) {
    level = static_cast<int>(info.levels.size()) - 1;
    for (int l = 0; l < static_cast<int>(info.levels.size()); ++l) {
      nz::Box b = roiOnTarget(l);
      if (b.voxelCount() <= kAutoVoxels) {
        level = l;
        break;
      }
    }
  }
  nz::RoiStatsRequest req;
  req.level = level;
  req.box = roiOnTarget(level);
  req.perLabel = targetIsLabels();
  // The chunks the views already hold: handed over, never fetched again.
  auto held =
      std::make_shared<std::unordered_map<nz::ChunkKey, nz::SharedVolume, nz::ChunkKeyHash>>();
  for (const nz::Index5& c : ds->chunksIntersecting(level, req.box)) {
    const nz::ChunkKey key{ds.get(), level, c};
    if (auto v = window_->source()->cachedChunk(key)) held->emplace(key, std::move(v));
  }
  req.preloaded = [held](const nz::ChunkKey& key) -> nz::SharedVolume {
    auto it = held->find(key);
    return it == held->end() ? nullptr : it->second;
  };
  lastDataset_ = ds;
  levelLabel_->setText(
      QString("Level %1%2 — %3 chunk(s) already in memory")
          .arg(level)
          .arg(level == 0 ? " (full resolution, exact)" : " (coarser: exact for that level)")
          .arg(held->size()));
  status_->setText("Computing…");
  progress_->setValue(0);
  progress_->setVisible(true);
  compute_->setEnabled(false);
  cancel_->setEnabled(true);
  job_->start(ds, std::move(req));
}

void StatsPanel::showResult(const nz::RoiStats& s) {
  last_ = s;
  const int ndim = lastDataset_ ? lastDataset_->info().ndim : 3;
  lastJson_ = QString::fromStdString(nz::roiStatsJson(s, ndim));
  std::vector<std::pair<QString, QString>> rows = {
      {"Level", QString::number(s.level)},
      {"Region (voxels of the level)", QString::fromStdString(nz::roiText(s.box, ndim))},
      {"Voxels", QString::number(s.voxels)},
      {"Volume (mm³)", num(s.volume)},
      {"NaN voxels", QString::number(s.nanCount)},
      {"Min", num(s.min)},
      {"Max", num(s.max)},
      {"Mean", num(s.mean)},
      {"Std (ddof 0)", num(s.std)},
      {"Median", num(s.median)}};
  for (const auto& [p, val] : s.percentiles) rows.push_back({QString("P%1").arg(p), num(val)});
  rows.push_back({"Scaled (scl_slope/inter)", s.scaled ? "yes" : "no"});
  table_->setRowCount(static_cast<int>(rows.size()));
  for (int r = 0; r < static_cast<int>(rows.size()); ++r) {
    table_->setItem(r, 0, new QTableWidgetItem(rows[static_cast<std::size_t>(r)].first));
    table_->setItem(r, 1, new QTableWidgetItem(rows[static_cast<std::size_t>(r)].second));
  }
  const bool hasLabels = !s.labels.empty();
  labels_->setVisible(hasLabels);
  zoomLabel_->setVisible(hasLabels);
  roiLabelBtn_->setVisible(hasLabels);
  labels_->setRowCount(static_cast<int>(s.labels.size()));
  for (int r = 0; r < static_cast<int>(s.labels.size()); ++r) {
    const nz::LabelStats& l = s.labels[static_cast<std::size_t>(r)];
    labels_->setItem(r, 0, new QTableWidgetItem(QString::number(l.label)));
    labels_->setItem(r, 1, new QTableWidgetItem(targetName(l.label)));
    labels_->setItem(r, 2, new QTableWidgetItem(QString::number(l.voxels)));
    labels_->setItem(r, 3, new QTableWidgetItem(num(l.volume)));
  }
  status_->setText(QString("Done: %1 voxel(s), %2 pass(es).").arg(s.voxels).arg(s.passes));
}

std::optional<nz::Box> StatsPanel::labelBoxLevel0(int row, double marginFraction) const {
  if (!last_ || !lastDataset_ || row < 0 || row >= static_cast<int>(last_->labels.size()))
    return std::nullopt;
  const auto ref = window_->source()->dataset();
  if (!ref) return std::nullopt;
  const nz::Box& b = last_->labels[static_cast<std::size_t>(row)].bbox;
  const nz::Vec3 lo{b.begin[0] - 0.5, b.begin[1] - 0.5, b.begin[2] - 0.5};
  const nz::Vec3 hi{b.end[0] - 0.5, b.end[1] - 0.5, b.end[2] - 0.5};
  nz::Box out = mapBox(lastDataset_->info(), last_->level, lo, hi, ref->info(), 0);
  const nz::Index5& shape = ref->info().shape;
  for (int a = 0; a < 3; ++a) {
    const auto m = std::max<std::int64_t>(
        2, static_cast<std::int64_t>(std::ceil((out.end[a] - out.begin[a]) * marginFraction)));
    out.begin[a] = std::max<std::int64_t>(0, out.begin[a] - m);
    out.end[a] = std::min<std::int64_t>(shape[a], out.end[a] + m);
  }
  out.begin[3] = 0, out.end[3] = shape[3];
  out.begin[4] = 0, out.end[4] = shape[4];
  return out;
}

void StatsPanel::zoomToLabel(int row) {
  const auto box = labelBoxLevel0(row);
  if (!box) return;
  nz::Point3 centre{};
  for (int a = 0; a < 3; ++a) centre[a] = std::floor((box->begin[a] + box->end[a] - 1) / 2.0);
  window_->state()->setCrosshair(centre);
  const auto sp = window_->source()->dataset()->info().spacing;
  for (SliceView* v : window_->viewer()->views()) {
    // The box's extent in the view plane (mm), fitted into 80 % of the view.
    const QPointF a =
        v->voxelToDisplay({static_cast<double>(box->begin[0]), static_cast<double>(box->begin[1]),
                           static_cast<double>(box->begin[2])});
    const QPointF b =
        v->voxelToDisplay({static_cast<double>(box->end[0]), static_cast<double>(box->end[1]),
                           static_cast<double>(box->end[2])});
    const double w = std::max(std::fabs(b.x() - a.x()), sp[0]);
    const double h = std::max(std::fabs(b.y() - a.y()), sp[1]);
    const double z = 0.8 * std::min(v->width() / w, v->height() / h);
    v->setZoom(z, v->voxelToWidget(centre));
  }
}

void StatsPanel::roiFromLabel(int row) {
  const auto box = labelBoxLevel0(row);
  if (!box || !rois_) return;
  const nz::LabelStats& l = last_->labels[static_cast<std::size_t>(row)];
  rois_->add(*box, "label " + targetName(l.label));
}

}  // namespace nzviewer
