#include "roi/roi_controller.h"

#include <QAction>
#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QMenu>
#include <QMenuBar>
#include <QStatusBar>
#include <QToolBar>
#include <algorithm>
#include <cstring>

#include "data/data_source.h"
#include "model/viewer_state.h"
#include "roi/export_dialog.h"
#include "roi/export_job.h"
#include "roi/roi_list_panel.h"
#include "roi/roi_model.h"
#include "roi/roi_overlay.h"
#include "ui/main_window.h"
#include "views/ortho_viewer.h"
#include "views/slice_view.h"

namespace nzviewer {

namespace {
const char* kHint =
    "Draw ROI: drag in a view to draw a box · drag its edges/handles to resize · drag inside to "
    "move (Ctrl+drag does the same without this mode)";
}

RoiController::RoiController(MainWindow* window) : QObject(window), window_(window) {
  setObjectName("roiController");
  model_ = new RoiModel(this);
  overlay_ = new RoiOverlay(model_, this);
  for (int i = 0; i < 3; ++i) {
    views_[std::size_t(i)] = window_->viewer()->views()[std::size_t(i)];
    views_[std::size_t(i)]->addOverlay(overlay_);
  }
  panel_ = new RoiListPanel(model_, window_->state(), window_->source());
  dock_ = window_->addSidePanel(panel_, "ROI");
  dock_->setObjectName("roiDock");
  dock_->hide();

  draw_ = new QAction("Draw ROI", this);
  draw_->setObjectName("drawRoiAction");
  draw_->setCheckable(true);
  draw_->setEnabled(false);
  draw_->setShortcut(QKeySequence("Ctrl+B"));
  draw_->setToolTip(QString(kHint) + " (Ctrl+B)");
  draw_->setStatusTip(kHint);
  connect(draw_, &QAction::toggled, this, [this](bool on) {
    overlay_->setDrawMode(on);
    if (on) {
      dock_->show();
      window_->statusBar()->showMessage(kHint, 10000);
    } else {
      window_->statusBar()->clearMessage();
    }
  });
  exportAction_ = new QAction("Export ROI…", this);
  exportAction_->setObjectName("exportRoiAction");
  exportAction_->setEnabled(false);
  connect(exportAction_, &QAction::triggered, this,
          [this] { openExportDialog(std::max(0, model_->current())); });
  saveAs_ = new QAction("Save as NIfTI-Zarr…", this);
  saveAs_->setObjectName("saveAsNiftiZarrAction");
  saveAs_->setEnabled(false);
  connect(saveAs_, &QAction::triggered, this, [this] { openExportDialog(-1); });

  QToolBar* bar = window_->addToolBar("ROI");
  bar->setObjectName("roiToolBar");
  bar->addAction(draw_);
  bar->addAction(exportAction_);
  // File menu: after "Open sample", before the separator above Quit.
  for (QAction* a : window_->menuBar()->actions()) {
    if (!a->menu() || a->text() != "&File") continue;
    QMenu* file = a->menu();
    const auto acts = file->actions();
    QAction* before = acts.size() >= 2 ? acts[acts.size() - 2] : nullptr;  // the separator
    file->insertAction(before, exportAction_);
    file->insertAction(before, saveAs_);
  }
  for (QAction* a : window_->menuBar()->actions())
    if (a->menu() && a->text() == "&View") a->menu()->addAction(dock_->toggleViewAction());

  connect(window_, &MainWindow::datasetOpened, this, &RoiController::onOpened);
  connect(panel_, &RoiListPanel::exportRequested, this, [this](int i) { openExportDialog(i); });
  connect(panel_, &RoiListPanel::newRequested, this, &RoiController::newRoiAtCrosshair);
  connect(model_, &RoiModel::changed, this,
          [this] { exportAction_->setEnabled(model_->current() >= 0); });
  connect(overlay_, &RoiOverlay::boxDrawn, this, [this] { dock_->show(); });
}

RoiController::~RoiController() {
  for (auto& v : views_)
    if (v) v->removeOverlay(overlay_);
}

void RoiController::onOpened() {
  dataset_ = window_->source()->dataset();
  model_->setInfo(dataset_ ? &dataset_->info() : nullptr);
  draw_->setEnabled(dataset_ != nullptr);
  saveAs_->setEnabled(dataset_ != nullptr);
  if (!dataset_) return;
  const QByteArray env = qgetenv("NZVIEW_ROI");
  if (!env.isEmpty()) {
    try {
      model_->add(nz::parseRoiText(env.toStdString(), dataset_->info().shape));
      dock_->show();
    } catch (const std::exception& e) {
      qWarning("NZVIEW_ROI: %s", e.what());
    }
  }
  const QList<QByteArray> cp = qgetenv("NZVIEW_ROI_CROP_OR_PAD").split(',');
  if (cp.size() == 3)
    model_->setCropOrPad(
        std::array<std::int64_t, 3>{cp[0].toLongLong(), cp[1].toLongLong(), cp[2].toLongLong()});
}

void RoiController::newRoiAtCrosshair() {
  if (!model_->info()) return;
  const nz::Index5& shape = model_->info()->shape;
  const nz::Point3 c = window_->state()->crosshair();
  nz::Box b;
  for (int a = 0; a < 3; ++a) {
    const std::int64_t n = std::min<std::int64_t>(64, shape[a]);
    b.begin[a] = std::clamp<std::int64_t>(std::llround(c[a]) - n / 2, 0, shape[a] - n);
    b.end[a] = b.begin[a] + n;
  }
  for (int a = 3; a < 5; ++a) b.begin[a] = 0, b.end[a] = shape[a];
  model_->add(b);
  dock_->show();
}

ExportDialog* RoiController::openExportDialog(int index) {
  if (!dataset_ || !model_->info()) return nullptr;
  std::optional<nz::RoiBox> roi;
  nz::ExportRequest settings;
  QString title = "Save as NIfTI-Zarr";
  int level = 0;
  if (index >= 0) {
    if (index >= static_cast<int>(model_->rois().size())) return nullptr;
    roi = model_->rois()[std::size_t(index)].roi;
    settings = model_->request(index);
    title = "Export " + model_->rois()[std::size_t(index)].name;
    level = model_->level();
  }
  auto* dlg = new ExportDialog(dataset_->info(), window_->source()->uri(), window_->storeOptions(),
                               roi, settings, title, level, panel_->throughput(), window_);
  dlg->setAttribute(Qt::WA_DeleteOnClose, false);
  if (index < 0) {
    dlg->lockFormat(ExportDialog::NiiZarr);
    QString base = QFileInfo(window_->source()->uri()).fileName();
    for (const char* s : {".nii.zarr", ".nii.gz", ".nii", ".zarr"})
      if (base.endsWith(s, Qt::CaseInsensitive)) base.chop(int(strlen(s)));
    if (base.isEmpty()) base = "dataset";
    dlg->setDestination(QDir::home().filePath(base + "_copy.nii.zarr"));
  }
  connect(dlg, &ExportDialog::openRequested, window_,
          [this](const QString& uri, const nz::StoreOptions& o) { window_->openUri(uri, o); });
  // A new dataset replaces this one: its info must outlive the dialog's plan.
  connect(window_, &MainWindow::datasetOpened, dlg, [dlg] {
    if (!(dlg->job() && dlg->job()->running())) dlg->deleteLater();
  });
  dlg->show();
  return dlg;
}

}  // namespace nzviewer
