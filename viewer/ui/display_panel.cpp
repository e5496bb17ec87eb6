#include "ui/display_panel.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSlider>
#include <QToolButton>
#include <algorithm>
#include <cfloat>
#include <cmath>

#include "model/viewer_state.h"
#include "ui/colour_bar.h"
#include "ui/crosshair_goto.h"
#include "ui/view_links.h"
#include "views/ortho_viewer.h"

namespace nzviewer {

DisplayPanel::DisplayPanel(ViewerState* state, OrthoViewer* viewer, ViewLinks* links,
                           QWidget* parent)
    : QWidget(parent), state_(state), viewer_(viewer), links_(links) {
  setObjectName("displayPanel");
  auto* f = new QFormLayout(this);
  colormap_ = new QComboBox;
  colormap_->setObjectName("colormapCombo");
  colormap_->addItems(colormapNames());
  low_ = new QDoubleSpinBox;
  high_ = new QDoubleSpinBox;
  for (auto* s : {low_, high_}) {
    s->setRange(-DBL_MAX, DBL_MAX);
    s->setDecimals(3);
    s->setKeyboardTracking(false);
  }
  low_->setObjectName("windowLow");
  high_->setObjectName("windowHigh");
  auto* presets = new QHBoxLayout;
  auto* autoBtn = new QPushButton("Auto");
  autoBtn->setObjectName("autoWindowButton");
  autoBtn->setToolTip(
      "Window of the selected layer (the image when none is): 0.5–99.5 percentile of its "
      "histogram's level (up to the maximum when it is no outlier)");
  auto* fullBtn = new QPushButton("Full range");
  fullBtn->setObjectName("fullRangeButton");
  fullBtn->setToolTip("Minimum to maximum of every voxel loaded so far, at any level");
  presets->addWidget(autoBtn);
  presets->addWidget(fullBtn);
  time_ = new QSlider(Qt::Horizontal);
  time_->setObjectName("timeSlider");
  channel_ = new QSlider(Qt::Horizontal);
  channel_->setObjectName("channelSlider");
  timeLabel_ = new QLabel;
  channelLabel_ = new QLabel;
  crosshair_ = new QLabel;
  crosshair_->setObjectName("crosshairLabel");
  crosshair_->setWordWrap(true);
  auto* timeRow = new QHBoxLayout;
  play_ = new QToolButton;
  play_->setObjectName("playButton");
  play_->setCheckable(true);
  play_->setText("▶");
  play_->setToolTip("Play the time series (5 time points per second, wrapping around)");
  timeRow->addWidget(play_);
  timeRow->addWidget(time_, 1);
  timeRow->addWidget(timeLabel_);
  playTimer_.setInterval(200);
  connect(play_, &QToolButton::toggled, this, [this](bool on) {
    play_->setText(on ? "■" : "▶");
    if (on)
      playTimer_.start();
    else
      playTimer_.stop();
  });
  connect(&playTimer_, &QTimer::timeout, this, [this] {
    const std::int64_t nt = std::max<std::int64_t>(state_->info().shape[3], 1);
    if (nt < 2) {
      play_->setChecked(false);
      return;
    }
    state_->setTimeIndex((state_->timeIndex() + 1) % nt);
  });
  auto* channelRow = new QHBoxLayout;
  channelRow->addWidget(channel_, 1);
  channelRow->addWidget(channelLabel_);
  f->addRow("Colour map", colormap_);
  colourBar_ = new ColourBar;
  f->addRow("Window low", low_);
  f->addRow("", colourBar_);
  f->addRow("Window high", high_);
  f->addRow("Presets", presets);
  // Check boxes mirroring the View menu's actions (one state, two places).
  auto* options = new QHBoxLayout;
  for (QAction* a : {links_->linearAction(), links_->linkedZoomAction()}) {
    auto* box = new QCheckBox(a == links_->linearAction() ? "Smooth" : "Linked zoom");
    box->setObjectName(a == links_->linearAction() ? "linearCheck" : "linkedZoomCheck");
    box->setToolTip(a->toolTip());
    box->setChecked(a->isChecked());
    connect(box, &QCheckBox::toggled, a, &QAction::setChecked);
    connect(a, &QAction::toggled, box, &QCheckBox::setChecked);
    options->addWidget(box);
  }
  options->addStretch();
  f->addRow("Display", options);
  f->addRow("Time", timeRow);
  f->addRow("Channel", channelRow);
  form_ = f;
  timeRow_ = timeRow;
  channelRow_ = channelRow;
  f->addRow("Crosshair", crosshair_);
  goto_ = new QLineEdit;
  goto_->setObjectName("gotoEdit");
  goto_->setPlaceholderText("x y z, Enter jumps");
  goto_->setToolTip("Type a position and press Enter: voxel indices (level 0) or world mm");
  gotoKind_ = new QComboBox;
  gotoKind_->setObjectName("gotoKind");
  gotoKind_->addItems({"voxel", "world mm"});
  auto* gotoRow = new QHBoxLayout;
  gotoRow->addWidget(goto_, 1);
  gotoRow->addWidget(gotoKind_);
  f->addRow("Go to", gotoRow);
  gotoStatus_ = new QLabel;
  gotoStatus_->setObjectName("gotoStatus");
  gotoStatus_->setStyleSheet("color: #c62828;");
  gotoStatus_->setWordWrap(true);
  gotoStatus_->hide();
  f->addRow(gotoStatus_);
  connect(goto_, &QLineEdit::returnPressed, this, &DisplayPanel::goToTyped);
  auto* help = new QLabel(
      "Left: crosshair · Arrows: move it · Wheel/PgUp/PgDn: slice · Ctrl+wheel: zoom · Middle "
      "or Shift+left: pan · Right drag: window/level · Home: fit (F1: all keys)");
  help->setWordWrap(true);
  help->setStyleSheet("color: gray");
  f->addRow(help);

  connect(colormap_, &QComboBox::currentIndexChanged, this, [this](int i) {
    if (!syncing_) state_->setColormap(static_cast<Colormap>(i));
  });
  auto applyRange = [this] {
    if (!syncing_ && high_->value() > low_->value())
      state_->setRange(low_->value(), high_->value());
  };
  connect(low_, &QDoubleSpinBox::valueChanged, this, applyRange);
  connect(high_, &QDoubleSpinBox::valueChanged, this, applyRange);
  connect(autoBtn, &QPushButton::clicked, this, [this] {
    if (autoHandler_)
      autoHandler_();
    else
      viewer_->applyAutoWindow();
  });
  connect(fullBtn, &QPushButton::clicked, links_, &ViewLinks::applyFullRange);
  connect(time_, &QSlider::valueChanged, this, [this](int v) {
    if (!syncing_) state_->setTimeIndex(v);
  });
  connect(channel_, &QSlider::valueChanged, this, [this](int v) {
    if (!syncing_) state_->setChannel(v);
  });
  connect(state_, &ViewerState::displayChanged, this, &DisplayPanel::syncFromState);
  connect(state_, &ViewerState::crosshairChanged, this, &DisplayPanel::syncFromState);
  connect(state_, &ViewerState::timeChannelChanged, this, &DisplayPanel::syncFromState);
  syncFromState();
}

void DisplayPanel::syncFromState() {
  syncing_ = true;
  colormap_->setCurrentIndex(static_cast<int>(state_->colormap()));
  colourBar_->setColormap(state_->colormap());
  low_->setValue(state_->low());
  high_->setValue(state_->high());
  const auto& info = state_->info();
  const int nt = static_cast<int>(std::max<std::int64_t>(info.shape[3], 1));
  const int nc = static_cast<int>(std::max<std::int64_t>(info.shape[4], 1));
  time_->setRange(0, nt - 1);
  time_->setValue(static_cast<int>(state_->timeIndex()));
  time_->setEnabled(nt > 1);
  timeLabel_->setText(QString("%1/%2").arg(state_->timeIndex()).arg(nt));
  channel_->setRange(0, nc - 1);
  channel_->setValue(static_cast<int>(state_->channel()));
  channel_->setEnabled(nc > 1);
  channelLabel_->setText(QString("%1/%2").arg(state_->channel()).arg(nc));
  // Only data with more than one time point / channel shows the slider (3D data: neither).
  form_->setRowVisible(timeRow_, nt > 1);
  if (nt < 2 && play_->isChecked()) play_->setChecked(false);
  form_->setRowVisible(channelRow_, nc > 1);
  const auto c = state_->crosshair();
  const nz::Point3 w = voxelToWorld(info, c);
  crosshair_->setText(QString("voxel (%1, %2, %3) · world (%4, %5, %6) mm")
                          .arg(c[0])
                          .arg(c[1])
                          .arg(c[2])
                          .arg(w[0], 0, 'f', 2)
                          .arg(w[1], 0, 'f', 2)
                          .arg(w[2], 0, 'f', 2));
  syncing_ = false;
}

bool DisplayPanel::goToTyped() {
  QString error;
  std::optional<nz::Point3> p = parseThreeNumbers(goto_->text(), &error);
  const auto& info = state_->info();
  if (p && gotoKind_->currentIndex() == 1) {
    p = worldToVoxel(info, *p);
    if (!p) error = "the affine cannot be inverted";
  }
  if (p)
    for (int a = 0; a < 3; ++a)
      if (std::round((*p)[std::size_t(a)]) < 0 ||
          std::round((*p)[std::size_t(a)]) > double(std::max<std::int64_t>(info.shape[a], 1) - 1)) {
        error = QString("outside the volume (voxel %1, %2, %3; shape %4×%5×%6)")
                    .arg((*p)[0], 0, 'f', 1)
                    .arg((*p)[1], 0, 'f', 1)
                    .arg((*p)[2], 0, 'f', 1)
                    .arg(info.shape[0])
                    .arg(info.shape[1])
                    .arg(info.shape[2]);
        p.reset();
        break;
      }
  gotoStatus_->setText(error);
  gotoStatus_->setVisible(!p);
  if (!p) return false;
  state_->setCrosshair(*p);
  return true;
}

}  // namespace nzviewer
