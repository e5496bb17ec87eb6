#include "viewer/roi/roi_list_panel.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>
#include <cmath>

#include "data/data_source.h"
#include "model/viewer_state.h"
#include "viewer/roi/roi_model.h"

namespace nzviewer {

namespace {
const char* kAxis[3] = {"i", "j", "k"};
constexpr nz::PadMode kModes[] = {
    nz::PadMode::Constant, nz::PadMode::Edge,      nz::PadMode::Minimum,
    nz::PadMode::Maximum,  nz::PadMode::Mean,      nz::PadMode::Median,
    nz::PadMode::Reflect,  nz::PadMode::Symmetric, nz::PadMode::Wrap};

QLabel* valueLabel(const char* name) {
  auto* l = new QLabel("—");
  l->setObjectName(name);
  l->setTextInteractionFlags(Qt::TextSelectableByMouse);
  return l;
}

// A section whose title button folds it away (the panel must fit a 720-pixel-high screen).
QWidget* foldable(const QString& title, QWidget* body, const QString& name) {
  auto* w = new QWidget;
  auto* l = new QVBoxLayout(w);
  l->setContentsMargins(0, 0, 0, 0);
  l->setSpacing(0);
  auto* b = new QToolButton;
  b->setObjectName(name);
  b->setText(title);
  b->setCheckable(true);
  b->setChecked(true);
  b->setAutoRaise(true);
  b->setArrowType(Qt::DownArrow);
  b->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  b->setToolTip("Show or hide this section");
  QObject::connect(b, &QToolButton::toggled, body, [b, body](bool on) {
    body->setVisible(on);
    b->setArrowType(on ? Qt::DownArrow : Qt::RightArrow);
  });
  l->addWidget(b);
  l->addWidget(body);
  return w;
}

bool localUri(const QString& uri) { return !uri.contains("://") || uri.startsWith("file://"); }
}  // namespace

QString RoiListPanel::formatVoxels(const nz::ExportPlan& p) {
  const nz::Index5 s = p.outBox.shape();
  return QString("%1 × %2 × %3 = %4").arg(s[0]).arg(s[1]).arg(s[2]).arg(p.outputVoxels);
}
QString RoiListPanel::formatMB(std::uint64_t bytes) {
  return QString::number(double(bytes) / 1e6, 'f', 2) + " MB";
}
QString RoiListPanel::worldCorners(const nz::DatasetInfo& info, const nz::Box& level0) {
  auto world = [&](std::int64_t i, std::int64_t j, std::int64_t k) {
    const double v[3] = {double(i), double(j), double(k)};
    QStringList out;
    for (int r = 0; r < 3; ++r) {
      double x = info.affine[std::size_t(r) * 4 + 3];
      for (int c = 0; c < 3; ++c) x += info.affine[std::size_t(r) * 4 + std::size_t(c)] * v[c];
      out << QString::number(x, 'f', 2);
    }
    return "(" + out.join(", ") + ")";
  };
  return QString("first voxel %1 · last voxel %2")
      .arg(world(level0.begin[0], level0.begin[1], level0.begin[2]),
           world(level0.end[0] - 1, level0.end[1] - 1, level0.end[2] - 1));
}

QString RoiListPanel::formatSeconds(double s) {
  if (s < 60) return QString::number(s, 'f', 1) + " s";
  return QString("%1 min %2 s").arg(int(s / 60)).arg(int(std::fmod(s, 60)));
}

RoiListPanel::RoiListPanel(RoiModel* model, ViewerState* state, DataSource* source, QWidget* parent)
    : QWidget(parent), model_(model), state_(state), source_(source) {
  setObjectName("roiPanel");
  auto* l = new QVBoxLayout(this);
  list_ = new QListWidget;
  list_->setObjectName("roiList");
  list_->setMaximumHeight(110);
  list_->setToolTip("Double-click to rename. Draw new boxes with \"Draw ROI\" or Ctrl+drag.");
  l->addWidget(list_);
  auto* listButtons = new QHBoxLayout;
  auto* add = new QPushButton("New");
  add->setObjectName("roiNew");
  add->setToolTip("A 64-voxel box around the crosshair");
  remove_ = new QPushButton("Delete");
  remove_->setObjectName("roiDelete");
  centre_ = new QPushButton("Centre on crosshair");
  centre_->setObjectName("roiCentre");
  listButtons->addWidget(add);
  listButtons->addWidget(remove_);
  listButtons->addWidget(centre_);
  l->addLayout(listButtons);
  auto* fileButtons = new QHBoxLayout;
  save_ = new QPushButton("Save ROIs…");
  save_->setObjectName("roiSave");
  save_->setToolTip(
      "Write all boxes with their names and export settings to a JSON file "
      "(nzview-cli export --rois FILE.json -o DIR exports them all)");
  load_ = new QPushButton("Load ROIs…");
  load_->setObjectName("roiLoad");
  load_->setToolTip("Add the boxes of a saved ROI list (JSON) and take its export settings");
  fileButtons->addWidget(save_);
  fileButtons->addWidget(load_);
  fileButtons->addStretch();
  l->addLayout(fileButtons);
  status_ = new QLabel;
  status_->setObjectName("roiSetStatus");
  status_->setWordWrap(true);
  status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  status_->hide();
  l->addWidget(status_);

  auto* boxGroup = new QGroupBox;
  auto* grid = new QGridLayout(boxGroup);
  units_ = new QComboBox;
  units_->setObjectName("roiUnits");
  // "mm" here is edge index × voxel size along each voxel axis (not world coordinates, which
  // the "World" readout gives).
  units_->addItems({"voxels", "mm (index × spacing)"});
  units_->setToolTip(
      "mm = voxel edge index × voxel size along each voxel axis, from the volume's first "
      "corner; the world (scanner RAS) coordinates of the box are under Export cost → World");
  grid->addWidget(new QLabel("Units"), 0, 0);
  grid->addWidget(units_, 0, 1, 1, 2);
  for (int a = 0; a < 3; ++a) {
    begin_[a] = new QDoubleSpinBox;
    end_[a] = new QDoubleSpinBox;
    begin_[a]->setObjectName(QString("roiBegin%1").arg(a));
    end_[a]->setObjectName(QString("roiEnd%1").arg(a));
    for (auto* s : {begin_[a], end_[a]}) {
      s->setRange(-1e9, 1e9);
      s->setKeyboardTracking(false);
      connect(s, &QDoubleSpinBox::valueChanged, this, &RoiListPanel::applyFields);
    }
    grid->addWidget(new QLabel(kAxis[a]), a + 1, 0);
    grid->addWidget(begin_[a], a + 1, 1);
    grid->addWidget(end_[a], a + 1, 2);
  }
  snap_ = new QCheckBox("Snap to chunk grid (export level)");
  snap_->setObjectName("roiSnap");
  grid->addWidget(snap_, 4, 0, 1, 3);
  l->addWidget(foldable("Box (level 0, begin/end along voxel axes)", boxGroup, "roiBoxSection"));

  auto* cpGroup = new QGroupBox;
  auto* cp = new QGridLayout(cpGroup);
  cropOrPad_ = new QCheckBox("Target shape W×H×D");
  cropOrPad_->setObjectName("roiCropOrPad");
  cp->addWidget(cropOrPad_, 0, 0, 1, 3);
  for (int a = 0; a < 3; ++a) {
    target_[a] = new QSpinBox;
    target_[a]->setObjectName(QString("roiTarget%1").arg(a));
    target_[a]->setRange(1, 1 << 20);
    target_[a]->setValue(64);
    target_[a]->setKeyboardTracking(false);
    cp->addWidget(target_[a], 1, a);
    connect(target_[a], &QSpinBox::valueChanged, this, &RoiListPanel::applyCropOrPad);
  }
  padMode_ = new QComboBox;
  padMode_->setObjectName("roiPadMode");
  for (auto m : kModes) padMode_->addItem(nz::padModeName(m));
  padValue_ = new QDoubleSpinBox;
  padValue_->setObjectName("roiPadValue");
  padValue_->setRange(-1e30, 1e30);
  padValue_->setDecimals(4);
  padValue_->setToolTip("Constant pad value in scaled units (raw × slope + inter)");
  padValue_->setKeyboardTracking(false);
  cp->addWidget(padMode_, 2, 0, 1, 2);
  cp->addWidget(padValue_, 2, 2);
  l->addWidget(foldable("Crop or pad (TorchIO CropOrPad)", cpGroup, "roiCropSection"));

  auto* out = new QGroupBox;
  auto* f = new QFormLayout(out);
  level_ = new QComboBox;
  level_->setObjectName("roiLevel");
  f->addRow("Level", level_);
  voxels_ = valueLabel("roiVoxels");
  mm_ = valueLabel("roiMm");
  mb_ = valueLabel("roiMB");
  chunks_ = valueLabel("roiChunks");
  fetch_ = valueLabel("roiFetch");
  estimate_ = valueLabel("roiEstimate");
  world_ = valueLabel("roiWorld");
  world_->setWordWrap(true);
  world_->setToolTip(
      "World (scanner RAS) mm of the centres of the box's first voxel (lowest i, j, k) and last "
      "voxel (highest i, j, k), from the level-0 affine: the coordinates the status bar shows");
  f->addRow("Voxels", voxels_);
  f->addRow("World", world_);
  f->addRow("Size", mm_);
  f->addRow("Output", mb_);
  f->addRow("Chunks", chunks_);
  f->addRow("To fetch", fetch_);
  f->addRow("Estimate", estimate_);
  l->addWidget(foldable("Export cost", out, "roiCostSection"));
  export_ = new QPushButton("Export…");
  export_->setObjectName("roiExport");
  l->addWidget(export_);
  l->addStretch();

  connect(model_, &RoiModel::changed, this, &RoiListPanel::refresh);
  connect(list_, &QListWidget::currentRowChanged, this, [this](int row) {
    if (!updating_) model_->setCurrent(row);
  });
  connect(list_, &QListWidget::itemChanged, this, [this](QListWidgetItem* item) {
    if (!updating_) model_->rename(list_->row(item), item->text());
  });
  connect(add, &QPushButton::clicked, this, &RoiListPanel::newRequested);
  connect(remove_, &QPushButton::clicked, this, &RoiListPanel::deleteCurrent);
  // Delete / Backspace in the list delete the selected box too (undoable, like the button).
  auto* del = new QAction(list_);
  del->setShortcuts({QKeySequence::Delete, QKeySequence(Qt::Key_Backspace)});
  del->setShortcutContext(Qt::WidgetShortcut);
  list_->addAction(del);
  connect(del, &QAction::triggered, this, &RoiListPanel::deleteCurrent);
  connect(centre_, &QPushButton::clicked, this, &RoiListPanel::centreOnCrosshair);
  connect(save_, &QPushButton::clicked, this, &RoiListPanel::saveRequested);
  connect(load_, &QPushButton::clicked, this, &RoiListPanel::loadRequested);
  connect(units_, &QComboBox::currentIndexChanged, this, &RoiListPanel::refresh);
  connect(snap_, &QCheckBox::toggled, model_, &RoiModel::setSnap);
  connect(level_, &QComboBox::currentIndexChanged, this, [this](int i) {
    if (!updating_) model_->setLevel(i);
  });
  connect(cropOrPad_, &QCheckBox::toggled, this, &RoiListPanel::applyCropOrPad);
  connect(padMode_, &QComboBox::currentIndexChanged, this, &RoiListPanel::applyCropOrPad);
  connect(padValue_, &QDoubleSpinBox::valueChanged, this, &RoiListPanel::applyCropOrPad);
  connect(export_, &QPushButton::clicked, this, [this] {
    if (model_->current() >= 0) emit exportRequested(model_->current());
  });
  timer_.setInterval(1000);
  clock_.start();
  connect(&timer_, &QTimer::timeout, this, [this] {
    const nz::DatasetInfo* info = model_->info();
    if (info != speedFor_) {  // another dataset: another store
      speed_.reset();
      speedFor_ = info;
    }
    if (source_->isOpen()) speed_.sample(source_->metrics(), double(clock_.elapsed()) / 1000.0);
    refreshReadout();
  });
  timer_.start();
  refresh();
}

void RoiListPanel::setStatus(const QString& text, bool error) {
  status_->setText(text);
  status_->setStyleSheet(error ? "color: #c62828;" : "");
  status_->setVisible(!text.isEmpty());
}

QString RoiListPanel::status() const { return status_->text(); }

bool RoiListPanel::useMm() const { return units_->currentIndex() == 1; }

nz::ThroughputModel RoiListPanel::throughput() const {
  return speed_.model(localUri(source_->uri()));
}

QString RoiListPanel::formatEstimate(std::pair<double, double> range, const StoreSpeed& speed) {
  QString text = formatSeconds(range.first);
  if (formatSeconds(range.second) != text) text += " – " + formatSeconds(range.second);
  if (speed.measured())
    text += QString(" (%1 ms/request, %2 MB/s measured)")
                .arg(speed.latencySeconds() * 1000, 0, 'f', 0)
                .arg(speed.bytesPerSecond() / 1e6, 0, 'f', 1);
  else
    text += " (not measured yet)";
  return text;
}

void RoiListPanel::refresh() {
  updating_ = true;
  const auto& rois = model_->rois();
  const nz::DatasetInfo* info = model_->info();
  if (list_->count() != static_cast<int>(rois.size())) {
    list_->clear();
    for (const auto& r : rois) {
      auto* item = new QListWidgetItem(r.name);
      item->setFlags(item->flags() | Qt::ItemIsEditable);
      list_->addItem(item);
    }
  } else {
    for (int i = 0; i < list_->count(); ++i)
      if (list_->item(i)->text() != rois[std::size_t(i)].name)
        list_->item(i)->setText(rois[std::size_t(i)].name);
  }
  list_->setCurrentRow(model_->current());
  // Rebuilt whenever the text differs: a new dataset with as many levels has other shapes.
  QStringList levels;
  if (info)
    for (std::size_t lv = 0; lv < info->levels.size(); ++lv) {
      QStringList s;
      for (int a = 0; a < 3; ++a) s << QString::number(info->levels[lv].shape[a]);
      levels << QString("%1  (%2)").arg(lv).arg(s.join("×"));
    }
  QStringList shown;
  for (int k = 0; k < level_->count(); ++k) shown << level_->itemText(k);
  if (shown != levels) {
    level_->clear();
    level_->addItems(levels);
  }
  level_->setCurrentIndex(model_->level());
  const bool has = info && model_->current() >= 0;
  for (int a = 0; a < 3; ++a) {
    const double scale = (useMm() && info) ? info->spacing[a] : 1.0;
    for (auto* s : {begin_[a], end_[a]}) {
      s->setEnabled(has);
      s->setDecimals(useMm() ? 3 : 0);
      s->setSingleStep(useMm() ? scale : 1.0);
      s->setSuffix(useMm() ? " mm" : "");
    }
    if (has) {
      const nz::Box& b = rois[std::size_t(model_->current())].roi.box;
      begin_[a]->setValue(double(b.begin[a]) * scale);
      end_[a]->setValue(double(b.end[a]) * scale);
    } else {  // no box: empty fields, not the last box's numbers
      begin_[a]->clear();
      end_[a]->clear();
    }
  }
  snap_->setChecked(model_->snap());
  const auto target = model_->cropOrPad();
  cropOrPad_->setChecked(target.has_value());
  if (target)
    for (int a = 0; a < 3; ++a) target_[a]->setValue(static_cast<int>((*target)[a]));
  for (QSpinBox* t : target_) t->setEnabled(target.has_value());
  padValue_->setEnabled(model_->padMode() == nz::PadMode::Constant);
  for (int m = 0; m < static_cast<int>(std::size(kModes)); ++m)
    if (kModes[m] == model_->padMode()) padMode_->setCurrentIndex(m);
  padValue_->setValue(model_->padValue());
  remove_->setEnabled(has);
  centre_->setEnabled(has);
  export_->setEnabled(has);
  save_->setEnabled(info && (!rois.empty() || hasExtras_));
  load_->setEnabled(info != nullptr);
  updating_ = false;
  refreshReadout();
}

void RoiListPanel::refreshReadout() {
  const int i = model_->current();
  const nz::DatasetInfo* info = model_->info();
  auto plan = model_->plan(i, throughput());
  if (!info || !plan) {
    for (QLabel* l : {voxels_, mm_, mb_, chunks_, fetch_, estimate_, world_}) l->setText("—");
    return;
  }
  world_->setText(worldCorners(*info, model_->rois()[std::size_t(i)].roi.box));
  voxels_->setText(formatVoxels(*plan));
  const nz::Vec3 w = nz::RoiBox::fromLevel(*info, plan->level, plan->outBox).sizeWorld(*info);
  mm_->setText(
      QString("%1 × %2 × %3 %4")
          .arg(w[0], 0, 'f', 2)
          .arg(w[1], 0, 'f', 2)
          .arg(w[2], 0, 'f', 2)
          .arg(QString::fromStdString(info->spaceUnit == "unknown" ? "mm" : info->spaceUnit)));
  mb_->setText(formatMB(plan->outputBytes) + " (.nii)");
  chunks_->setText(QString::number(plan->chunks));
  fetch_->setText(formatMB(plan->bytesToFetchEstimate) + " decoded");
  estimate_->setText(formatEstimate(speed_.range(*plan, localUri(source_->uri())), speed_));
}

void RoiListPanel::applyFields() {
  const int i = model_->current();
  const nz::DatasetInfo* info = model_->info();
  if (updating_ || !info || i < 0) return;
  nz::Box b = model_->rois()[std::size_t(i)].roi.box;
  for (int a = 0; a < 3; ++a) {
    const double scale = useMm() ? info->spacing[a] : 1.0;
    b.begin[a] = static_cast<std::int64_t>(std::llround(begin_[a]->value() / scale));
    b.end[a] = std::max<std::int64_t>(b.begin[a] + 1, std::llround(end_[a]->value() / scale));
  }
  model_->setBox(i, b);
}

void RoiListPanel::applyCropOrPad() {
  if (updating_) return;
  // Read every widget before touching the model: each model change refreshes the panel from
  // the model, which would otherwise put back the old target before it is read.
  const nz::PadMode mode = kModes[std::max(0, padMode_->currentIndex())];
  const double value = padValue_->value();
  std::optional<std::array<std::int64_t, 3>> target;
  if (cropOrPad_->isChecked())
    target =
        std::array<std::int64_t, 3>{target_[0]->value(), target_[1]->value(), target_[2]->value()};
  model_->setCropOrPadSettings(target, mode, value);
}

void RoiListPanel::deleteCurrent() {
  const int i = model_->current();
  if (i < 0 || i >= static_cast<int>(model_->rois().size())) return;
  const QString name = model_->rois()[std::size_t(i)].name;
  model_->remove(i);
  setStatus(QString("Deleted %1 (Edit → Undo, Ctrl+Z, brings it back)").arg(name));
}

void RoiListPanel::centreOnCrosshair() {
  const int i = model_->current();
  if (!model_->info() || i < 0) return;
  nz::Box b = model_->rois()[std::size_t(i)].roi.box;
  const nz::Point3 c = state_->crosshair();
  for (int a = 0; a < 3; ++a) {
    const std::int64_t n = b.end[a] - b.begin[a];
    // Voxel c is the centre voxel (for even sizes, the first voxel of the upper half).
    b.begin[a] = std::llround(c[a]) - n / 2;
    b.end[a] = b.begin[a] + n;
  }
  model_->setBox(i, b);
}

void RoiListPanel::setHasExtras(bool on) {
  if (on == hasExtras_) return;
  hasExtras_ = on;
  refresh();
}

}  // namespace nzviewer
