#include "view3d/view3d_controller.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QCursor>
#include <QDockWidget>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QSettings>
#include <QToolButton>
#include <QVBoxLayout>
#include <cmath>

#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>

#include "data/data_source.h"
#include "model/viewer_state.h"
#include "ui/display_panel.h"
#include "ui/main_window.h"
#include "view3d/label_surfaces.h"
#include "view3d/view3d.h"
#include "view3d/volume_streamer.h"
#include "viewer/roi/roi_controller.h"
#include "viewer/roi/roi_model.h"
#include "views/ortho_viewer.h"

namespace nzviewer {

namespace {
QSettings settings() { return QSettings(MainWindow::settingsFile(), QSettings::IniFormat); }
}  // namespace

std::int64_t View3DController::savedBudget() {
  bool ok = false;
  const std::int64_t env = qEnvironmentVariable("NZVIEW_3D_BUDGET").toLongLong(&ok);
  if (ok && env > 0) return env;
  const std::int64_t saved = settings().value("view3d/voxelBudget", 0).toLongLong(&ok);
  return ok && saved > 0 ? saved : kDefault3dVoxelBudget;
}

View3DController::View3DController(MainWindow* window) : QObject(window), window_(window) {
  setObjectName("view3dController");
  DataSource* source = window->source();
  ViewerState* state = window->state();
  OrthoViewer* viewer = window->viewer();

  panel_ = new QWidget;
  panel_->setObjectName("view3dPanel");
  auto* box = new QVBoxLayout(panel_);
  box->setContentsMargins(0, 0, 0, 0);
  box->setSpacing(2);
  auto* row = new QHBoxLayout;
  row->setContentsMargins(2, 0, 2, 0);
  mode_ = new QComboBox;
  mode_->setObjectName("view3dMode");
  mode_->addItems({"Composite", "MIP", "Iso-surface"});
  mode_->setToolTip(
      "Rendering: composite (transfer function from the window and colour map), "
      "maximum intensity projection, or a surface at the window's centre");
  preset_ = new QComboBox;
  preset_->setObjectName("view3dPreset");
  preset_->addItems({"Custom", "MIP", "CT bone", "MRI brain"});
  auto* views = new QToolButton;
  views->setText("View");
  views->setPopupMode(QToolButton::InstantPopup);
  auto* viewMenu = new QMenu(views);
  views->setMenu(viewMenu);
  view_ = new View3D;
  const std::pair<const char*, StandardView> named[] = {
      {"Anterior (A)", StandardView::Anterior}, {"Posterior (Shift+A)", StandardView::Posterior},
      {"Left (L)", StandardView::Left},         {"Right (Shift+L)", StandardView::Right},
      {"Superior (S)", StandardView::Superior}, {"Inferior (Shift+S)", StandardView::Inferior}};
  for (const auto& [name, v] : named)
    viewMenu->addAction(name, view_, [this, v = v] { view_->standardView(v); });
  viewMenu->addSeparator();
  viewMenu->addAction("Reset (R)", view_, &View3D::resetCamera);
  status_ = new QLabel;
  status_->setObjectName("view3dStatus");
  row->addWidget(new QLabel("3D"));
  row->addWidget(mode_);
  row->addWidget(preset_);
  row->addWidget(views);
  row->addWidget(status_, 1);
  box->addLayout(row);
  box->addWidget(view_, 1);
  preset_->setCurrentIndex(static_cast<int>(view_->preset()));
  mode_->setCurrentIndex(static_cast<int>(view_->mode()));
  connect(mode_, &QComboBox::activated, this, [this](int i) {
    view_->setMode(static_cast<RenderMode3d>(i));
    preset_->setCurrentIndex(static_cast<int>(Preset3d::Custom));
  });
  connect(preset_, &QComboBox::activated, this, [this](int i) {
    view_->applyPreset(static_cast<Preset3d>(i));
    mode_->setCurrentIndex(static_cast<int>(view_->mode()));
  });

  // The display controls leave the grid for a dock; the 3D view takes their cell.
  if (auto* display = viewer->findChild<DisplayPanel*>()) {
    QDockWidget* dock = window->addSidePanel(display, "Display", Qt::RightDockWidgetArea);
    dock->setObjectName("displayDock");
  }
  viewer->setCornerWidget(panel_);

  streamer_ = new VolumeStreamer(source, state, this);
  streamer_->setBudget(savedBudget());
  labels_ = new LabelSurfaces(source, this);
  connect(streamer_, &VolumeStreamer::volumeReady, view_, &View3D::setVolume);
  connect(streamer_, &VolumeStreamer::requestsChanged, this, &View3DController::pushRequests);
  connect(labels_, &LabelSurfaces::requestsChanged, this, &View3DController::pushRequests);
  connect(labels_, &LabelSurfaces::surfacesChanged, this,
          [this] { view_->setLabelSurfaces(labels_->surfaces()); });
  connect(streamer_, &VolumeStreamer::progress, this, &View3DController::updateStatus);
  // While the level streams, each batch is drawn at VTK's interactive update rate (the ray
  // caster lowers its image sample distance); the complete level is drawn at full quality.
  // Under software GL every batch is a coarse frame refined in strips (View3D).
  connect(streamer_, &VolumeStreamer::progress, this, [this] {
    vtkRenderWindowInteractor* iren = view_->interactor();
    view_->renderWindow()->SetDesiredUpdateRate(
        streamer_->complete() ? iren->GetStillUpdateRate() : iren->GetDesiredUpdateRate());
    view_->requestRender();
  });
  connect(window, &MainWindow::datasetOpened, this, &View3DController::onOpened);
  connect(state, &ViewerState::crosshairChanged, this,
          [this, state] { view_->setCrosshair(state->crosshair()); });
  connect(state, &ViewerState::displayChanged, this,
          [this, state] { view_->setWindow(state->low(), state->high(), state->colormap()); });
  connect(state, &ViewerState::timeChannelChanged, streamer_, &VolumeStreamer::restart);
  connect(view_, &View3D::pointPicked, state, &ViewerState::setCrosshair);
  connect(view_, &View3D::maximiseRequested, this, [this] { toggleMaximise(panel_); });
  if (auto* roi = window->findChild<RoiController*>())
    connect(roi->model(), &RoiModel::changed, this, &View3DController::updateRois);

  // View menu: layouts, maximise, the budget.
  QMenu* viewMenuBar = nullptr;
  for (QAction* a : window->menuBar()->actions())
    if (a->menu() && a->text().remove('&') == "View") viewMenuBar = a->menu();
  if (!viewMenuBar) viewMenuBar = window->menuBar()->addMenu("&View");
  QMenu* layouts = viewMenuBar->addMenu("&Layout");
  layouts->addAction("&Four views (slices and 3D)", this, [this] { setLayout(ViewLayout::Grid); });
  layouts->addAction("&Slices only", this, [this] { setLayout(ViewLayout::Ortho); });
  layouts->addAction("&3D only", this, [this] { setLayout(ViewLayout::Only3d); });
  QAction* max = viewMenuBar->addAction("&Maximise view under the mouse / restore",
                                        QKeySequence("Ctrl+M"), this, [this] { toggleMaximise(); });
  max->setObjectName("maximiseViewAction");
  viewMenuBar->addAction("3D &voxel budget…", this, &View3DController::askBudget);
  viewMenuBar->addAction("Reset 3D &camera", view_, &View3D::resetCamera);

  window->addReadyCheck([this] { return ready(); });
}

View3DController::~View3DController() = default;

void View3DController::onOpened() {
  DataSource* source = window_->source();
  ViewerState* state = window_->state();
  view_->setDataset(source->dataset());
  view_->setWindow(state->low(), state->high(), state->colormap());
  view_->setCrosshair(state->crosshair());
  updateRois();
  streamer_->restart();
  labels_->restart();
  updateStatus();
}

void View3DController::pushRequests() {
  std::vector<nz::ChunkRequest> all = streamer_->requests();
  const auto& l = labels_->requests();
  all.insert(all.end(), l.begin(), l.end());
  window_->source()->setVolumeRequests(std::move(all));
}

void View3DController::updateStatus() {
  if (!window_->source()->isOpen() || streamer_->targetLevel() < 0) {
    status_->clear();
    return;
  }
  const auto v = view_->volume();
  QString text = QString("level %1").arg(v ? v->level : streamer_->coarseLevel());
  if (!streamer_->complete())
    text += QString(" → %1: %2/%3 chunks")
                .arg(streamer_->targetLevel())
                .arg(streamer_->targetChunksDone())
                .arg(streamer_->targetChunks());
  if (v) text += QString(" · %1×%2×%3").arg(v->nx).arg(v->ny).arg(v->nz);
  status_->setText(text);
}

void View3DController::updateRois() {
  std::vector<Box3d> boxes;
  if (auto* roi = window_->findChild<RoiController*>()) {
    const RoiModel* m = roi->model();
    for (int i = 0; i < static_cast<int>(m->rois().size()); ++i) {
      Box3d b;
      b.level0 = m->rois()[i].roi.box;
      // The slice overlay's colours: the current box bright yellow, the others ochre.
      b.rgb = i == m->current() ? std::array<unsigned char, 3>{255, 220, 0}
                                : std::array<unsigned char, 3>{200, 170, 40};
      boxes.push_back(b);
    }
  }
  view_->setRois(boxes);
}

bool View3DController::ready() const {
  if (!panel_->isVisible() || !window_->source()->isOpen()) return true;
  return streamer_->complete() && labels_->complete() && view_->pictureComplete();
}

void View3DController::askBudget() {
  bool ok = false;
  const int side = static_cast<int>(std::lround(std::cbrt(double(streamer_->budget()))));
  const int v = QInputDialog::getInt(window_, "3D voxel budget",
                                     "Largest level shown in 3D, as the side of a cube of "
                                     "voxels (256 = 256³ = 16.8 M voxels):",
                                     side, 16, 2048, 16, &ok);
  if (!ok) return;
  const std::int64_t budget = std::int64_t(v) * v * v;
  settings().setValue("view3d/voxelBudget", qlonglong(budget));
  streamer_->setBudget(budget);
}

bool View3DController::setLayoutByName(const QString& name) {
  const QString n = name.trimmed().toLower();
  if (n == "grid")
    setLayout(ViewLayout::Grid);
  else if (n == "ortho")
    setLayout(ViewLayout::Ortho);
  else if (n == "3d")
    setLayout(ViewLayout::Only3d);
  else
    return false;
  return true;
}

void View3DController::setLayout(ViewLayout layout) {
  OrthoViewer* viewer = window_->viewer();
  auto* grid = qobject_cast<QGridLayout*>(viewer->layout());
  if (!grid) return;
  QWidget* axial = viewer->view(ViewKind::Axial);
  QWidget* sagittal = viewer->view(ViewKind::Sagittal);
  QWidget* coronal = viewer->view(ViewKind::Coronal);
  for (QWidget* w : {axial, sagittal, coronal, panel_}) grid->removeWidget(w);
  for (int i = 0; i < 3; ++i) {
    grid->setRowStretch(i, 0);
    grid->setColumnStretch(i, 0);
  }
  std::vector<std::tuple<QWidget*, int, int>> cells;
  switch (layout) {
    case ViewLayout::Grid:  // ITK-SNAP's: axial | sagittal / coronal | 3D
      cells = {{axial, 0, 0}, {sagittal, 0, 1}, {coronal, 1, 0}, {panel_, 1, 1}};
      break;
    case ViewLayout::Ortho:
      cells = {{axial, 0, 0}, {sagittal, 0, 1}, {coronal, 0, 2}};
      break;
    case ViewLayout::Only3d:
      cells = {{panel_, 0, 0}};
      break;
    case ViewLayout::OnlyAxial:
      cells = {{axial, 0, 0}};
      break;
    case ViewLayout::OnlySagittal:
      cells = {{sagittal, 0, 0}};
      break;
    case ViewLayout::OnlyCoronal:
      cells = {{coronal, 0, 0}};
      break;
  }
  for (QWidget* w : {axial, sagittal, coronal, panel_}) w->hide();
  for (auto& [w, r, c] : cells) {
    grid->addWidget(w, r, c);
    grid->setRowStretch(r, 1);
    grid->setColumnStretch(c, 1);
    w->show();
  }
  layout_ = layout;
  // A hidden 3D view fetches nothing; shown again, it streams from where the cache is.
  streamer_->setEnabled(panel_->isVisibleTo(viewer));
  labels_->setEnabled(panel_->isVisibleTo(viewer));
}

void View3DController::toggleMaximise(QWidget* which) {
  const bool maximised = layout_ != ViewLayout::Grid && layout_ != ViewLayout::Ortho;
  if (maximised) {
    setLayout(beforeMaximise_);
    return;
  }
  OrthoViewer* viewer = window_->viewer();
  if (!which) {
    which = QApplication::widgetAt(QCursor::pos());
    while (which && which != panel_ && which != viewer->view(ViewKind::Axial) &&
           which != viewer->view(ViewKind::Sagittal) && which != viewer->view(ViewKind::Coronal))
      which = which->parentWidget();
    if (!which) which = panel_;
  }
  beforeMaximise_ = layout_;
  if (which == viewer->view(ViewKind::Axial))
    setLayout(ViewLayout::OnlyAxial);
  else if (which == viewer->view(ViewKind::Sagittal))
    setLayout(ViewLayout::OnlySagittal);
  else if (which == viewer->view(ViewKind::Coronal))
    setLayout(ViewLayout::OnlyCoronal);
  else
    setLayout(ViewLayout::Only3d);
}

}  // namespace nzviewer
