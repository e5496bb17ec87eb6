#include "measure/measure_controller.h"

#include <QAction>
#include <QCheckBox>
#include <QDockWidget>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QMenuBar>
#include <QPushButton>
#include <QTabWidget>
#include <QVBoxLayout>

#include "data/data_source.h"
#include "layers/layer_panel.h"
#include "measure/histogram_feeder.h"
#include "measure/histogram_widget.h"
#include "measure/ruler_model.h"
#include "measure/ruler_overlay.h"
#include "measure/ruler_panel.h"
#include "measure/stats_job.h"
#include "measure/stats_panel.h"
#include "ui/display_panel.h"
#include "ui/main_window.h"
#include "viewer/roi/roi_controller.h"
#include "views/ortho_viewer.h"
#include "views/slice_view.h"

namespace nzviewer {

MeasureController::MeasureController(MainWindow* window) : QObject(window), window_(window) {
  setObjectName("measureController");
  auto* roi = window->findChild<RoiController*>();

  // Rulers: model, overlay on the three views, tool action.
  rulers_ = new RulerModel(this);
  overlay_ = new RulerOverlay(rulers_, this);
  for (SliceView* v : window->viewer()->views()) {
    v->addOverlay(overlay_);
    views_.emplace_back(v);
  }
  auto* tool = new QAction("Ruler tool", this);
  tool->setObjectName("rulerToolAction");
  tool->setCheckable(true);
  tool->setShortcut(QKeySequence("Ctrl+Shift+M"));
  tool->setToolTip("Left drag in a slice view measures a distance in mm (Ctrl+Shift+M)");
  connect(tool, &QAction::toggled, this, [this](bool on) { overlay_->setToolActive(on); });
  connect(window->source(), &DataSource::opened, this, [this, window] {
    auto ds = window->source()->dataset();
    rulers_->setInfo(ds ? &ds->info() : nullptr);
  });

  // Rulers are saved with the ROI list (Save ROIs… / Load ROIs…), also when there are no ROIs.
  if (roi) {
    roi->setListExtras([this](QJsonObject& doc) { return rulers_->writeJson(doc); },
                       [this](const QJsonObject& doc) { rulers_->readJson(doc); });
    connect(rulers_, &RulerModel::changed, roi, &RoiController::updateListActions);
  }

  // The Statistics dock: ROI statistics and rulers.
  stats_ = new StatsPanel(window, roi ? roi->model() : nullptr);
  rulerPanel_ = new RulerPanel(rulers_, window->source(), window->state(), tool);
  auto* tabs = new QTabWidget;
  tabs->setObjectName("measureTabs");
  tabs->addTab(stats_, "ROI statistics");
  tabs->addTab(rulerPanel_, "Rulers");
  dock_ = window->addSidePanel(tabs, "Statistics");
  dock_->setObjectName("statsDock");
  // Hidden until asked for (Measure → Statistics panel, the ruler tool, Compute): the window must
  // still fit 1280x720 with the header, ROI and display panels open.
  dock_->hide();
  connect(tool, &QAction::toggled, this, [this, tabs](bool on) {
    if (!on) return;
    dock_->show();
    tabs->setCurrentWidget(rulerPanel_);
  });

  QMenu* menu = window->menuBar()->addMenu("&Measure");
  menu->setObjectName("measureMenu");
  QAction* show = dock_->toggleViewAction();
  show->setText("Statistics panel");
  menu->addAction(show);
  QAction* compute = menu->addAction("Compute ROI statistics");
  compute->setObjectName("computeStatsAction");
  compute->setShortcut(QKeySequence("Ctrl+Shift+S"));
  connect(compute, &QAction::triggered, this, [this, tabs] {
    dock_->show();
    dock_->raise();
    tabs->setCurrentWidget(stats_);
    stats_->compute();
  });
  menu->addAction(tool);

  // The histogram, in the display panel under the window controls.
  auto* box = new QWidget;
  box->setObjectName("histogramBox");
  auto* v = new QVBoxLayout(box);
  v->setContentsMargins(0, 0, 0, 0);
  histogram_ = new HistogramWidget(box);
  auto* feeder = feeder_ = new HistogramFeeder(window, histogram_);
  auto* row = new QHBoxLayout;
  auto* log = new QCheckBox("Log scale");
  log->setObjectName("histogramLog");
  auto* pct = new QPushButton("Auto (p0.5–p99.5)");
  pct->setObjectName("histogramPercentiles");
  pct->setToolTip(
      "The display panel's Auto: the selected layer's window from the 0.5th to the 99.5th "
      "percentile of this histogram's level (exact at that level), up to the maximum when it "
      "is no outlier");
  row->addWidget(log);
  row->addStretch(1);
  row->addWidget(pct);
  v->addWidget(histogram_);
  v->addLayout(row);
  connect(log, &QCheckBox::toggled, histogram_, &HistogramWidget::setLogScale);
  connect(pct, &QPushButton::clicked, feeder, &HistogramFeeder::applyAutoWindow);
  if (auto* panel = window->findChild<DisplayPanel*>()) {
    if (auto* form = qobject_cast<QFormLayout*>(panel->layout())) form->addRow("Histogram", box);
    // One Auto window: the display panel's button uses the histogram's percentiles too.
    panel->setAutoWindowHandler([feeder] { feeder->applyAutoWindow(); });
  }
  // The histogram follows the layer selected in the layer panel (none: the image).
  if (auto* layers = window->findChild<LayerPanel*>()) {
    connect(layers, &LayerPanel::selectedLayerChanged, feeder, &HistogramFeeder::setTarget);
    // So do the statistics: one selection for every Measure tool (the dock's own choice stays).
    connect(layers, &LayerPanel::selectedLayerChanged, stats_, &StatsPanel::followLayer);
    if (Layer* l = layers->selected()) {
      feeder->setTarget(l->id);
      stats_->followLayer(l->id);
    }
  }
}

// The window may delete this controller (and the overlay with it) before its views.
MeasureController::~MeasureController() {
  for (auto& v : views_)
    if (v) v->removeOverlay(overlay_);
}

bool MeasureController::workersIdle() const {
  return stats_->job()->liveThreads() == 0 && !feeder_->running();
}

}  // namespace nzviewer
