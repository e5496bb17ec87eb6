#include "measure/ruler_panel.h"

#include <QAction>
#include <QHBoxLayout>
#include <QListWidget>
#include <QPushButton>
#include <QToolButton>
#include <QVBoxLayout>
#include <cmath>

#include "data/data_source.h"
#include "measure/profile_plot.h"
#include "measure/ruler_model.h"
#include "model/viewer_state.h"
#include "roi/roi_box.h"

namespace nzviewer {

namespace {

// The value at world point `w` of `ds` from the chunks the viewer holds: the finest level
// whose chunk is in memory (NaN when none is).
double sampleHeld(const DataSource& source, const nz::Dataset& ds, const nz::Vec3& w,
                  std::int64_t t, std::int64_t c) {
  const nz::DatasetInfo& info = ds.info();
  for (int level = 0; level < static_cast<int>(info.levels.size()); ++level) {
    const nz::LevelInfo& lv = info.levels[static_cast<std::size_t>(level)];
    const nz::Vec3 v = nz::voxelFromWorld(info, level, w);
    nz::Index5 idx{static_cast<std::int64_t>(std::floor(v[0] + 0.5)),
                   static_cast<std::int64_t>(std::floor(v[1] + 0.5)),
                   static_cast<std::int64_t>(std::floor(v[2] + 0.5)), std::min(t, lv.shape[3] - 1),
                   std::min(c, lv.shape[4] - 1)};
    bool inside = true;
    for (int a = 0; a < 3; ++a) inside = inside && idx[a] >= 0 && idx[a] < lv.shape[a];
    if (!inside) return NAN;
    nz::Index5 chunk;
    for (int a = 0; a < 5; ++a) chunk[a] = idx[a] / lv.chunkShape[a];
    const nz::SharedVolume vol = source.cachedChunk({&ds, level, chunk});
    if (!vol) continue;
    const nz::Box cb = ds.chunkBox(level, chunk);
    const double raw =
        vol->valueAt(idx[0] - cb.begin[0], idx[1] - cb.begin[1], idx[2] - cb.begin[2],
                     idx[3] - cb.begin[3], idx[4] - cb.begin[4]);
    return info.scaled(raw);
  }
  return NAN;
}

}  // namespace

RulerPanel::RulerPanel(RulerModel* model, DataSource* source, ViewerState* state,
                       QAction* toolAction, QWidget* parent)
    : QWidget(parent), model_(model), source_(source), state_(state) {
  setObjectName("rulerPanel");
  auto* v = new QVBoxLayout(this);
  auto* row = new QHBoxLayout;
  auto* tool = new QToolButton;
  tool->setDefaultAction(toolAction);
  tool->setToolButtonStyle(Qt::ToolButtonTextOnly);
  delete_ = new QPushButton("Delete");
  delete_->setObjectName("rulerDelete");
  row->addWidget(tool);
  row->addWidget(delete_);
  row->addStretch(1);
  v->addLayout(row);
  list_ = new QListWidget;
  list_->setObjectName("rulerList");
  v->addWidget(list_, 1);
  plot_ = new ProfilePlot;
  v->addWidget(plot_, 1);
  connect(model_, &RulerModel::changed, this, &RulerPanel::refresh);
  connect(source_, &DataSource::chunksArrived, this, &RulerPanel::updateProfile);
  connect(state_, &ViewerState::timeChannelChanged, this, &RulerPanel::updateProfile);
  connect(list_, &QListWidget::currentRowChanged, this, [this](int r) {
    model_->setCurrent(r);
    updateProfile();
  });
  connect(delete_, &QPushButton::clicked, this, [this] { model_->remove(list_->currentRow()); });
  refresh();
}

void RulerPanel::refresh() {
  list_->blockSignals(true);
  list_->clear();
  for (int i = 0; i < static_cast<int>(model_->rulers().size()); ++i)
    list_->addItem(QString("%1: %2 mm")
                       .arg(model_->rulers()[static_cast<std::size_t>(i)].name)
                       .arg(model_->lengthMm(i), 0, 'f', 2));
  list_->setCurrentRow(model_->current());
  list_->blockSignals(false);
  delete_->setEnabled(model_->current() >= 0);
  updateProfile();
}

void RulerPanel::updateProfile() {
  const int i = model_->current();
  const nz::DatasetInfo* ref = model_->info();
  std::shared_ptr<nz::Dataset> ds = profileDataset_ ? profileDataset_() : nullptr;
  if (!ds) ds = source_->dataset();
  if (i < 0 || !ref || !ds) {
    plot_->setSamples({}, {});
    return;
  }
  const Ruler& r = model_->rulers()[static_cast<std::size_t>(i)];
  const double length = model_->lengthMm(i);
  // Every half voxel of the reference along the ruler (at most 4096 samples).
  double steps = 0;
  for (int a = 0; a < 3; ++a) steps = std::max(steps, std::fabs(r.b[a] - r.a[a]) * 2);
  const int n = static_cast<int>(std::clamp(std::ceil(steps), 1.0, 4096.0)) + 1;
  std::vector<double> d(static_cast<std::size_t>(n)), vals(static_cast<std::size_t>(n));
  for (int k = 0; k < n; ++k) {
    const double f = static_cast<double>(k) / (n - 1);
    const nz::Vec3 p{r.a[0] + f * (r.b[0] - r.a[0]), r.a[1] + f * (r.b[1] - r.a[1]),
                     r.a[2] + f * (r.b[2] - r.a[2])};
    d[static_cast<std::size_t>(k)] = f * length;
    vals[static_cast<std::size_t>(k)] = sampleHeld(*source_, *ds, nz::worldFromVoxel(*ref, 0, p),
                                                   state_->timeIndex(), state_->channel());
  }
  plot_->setSamples(std::move(d), std::move(vals));
}

}  // namespace nzviewer
