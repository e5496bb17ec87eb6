#include "viewer/roi/roi_controller.h"

#include <QAction>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QJsonDocument>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSaveFile>
#include <QScrollArea>
#include <QStatusBar>
#include <QToolBar>
#include <QUrl>
#include <algorithm>
#include <cstring>
#include <set>
#include <stdexcept>

#include "core/small_file.h"
#include "data/data_source.h"
#include "layers/layer_panel.h"
#include "model/viewer_state.h"
#include "roi/export_name.h"
#include "roi/roi_on_grid.h"
#include "roi/roi_set.h"
#include "uri/uri.h"
#include "viewer/roi/export_dialog.h"
#include "viewer/roi/export_job.h"
#include "viewer/roi/roi_list_panel.h"
#include "viewer/roi/roi_model.h"
#include "viewer/roi/roi_overlay.h"
#include "viewer/roi/roi_undo.h"
#include "views/ortho_viewer.h"
#include "views/slice_view.h"

namespace nzviewer {

namespace {
const char* kHint =
    "Draw ROI: drag in a view to draw a box · drag its edges/handles to resize · drag inside to "
    "move (Ctrl+drag does the same without this mode)";

// A saved list never needs more (10000 ROIs of a few hundred bytes); refuse before reading.
constexpr std::size_t kMaxRoiSetBytes = 16u << 20;

// The dataset URI as written into a saved list: no query string (SAS tokens, signatures) and
// no other secret.
std::string savedSource(const QString& uri) {
  QString s = uri;
  if (s.contains("://") && s.indexOf('?') >= 0) s = s.left(s.indexOf('?'));
  return nz::redactSecrets(s.toStdString());
}

QString withFile(const QString& message, const QString& path) {
  return message.contains(path) ? message : path + ": " + message;
}
}  // namespace

RoiController::RoiController(ToolContext context)
    : QObject(context.window), ctx_(std::move(context)), window_(ctx_.window) {
  setObjectName("roiController");
  model_ = new RoiModel(this);
  overlay_ = new RoiOverlay(model_, this);
  for (int i = 0; i < 3; ++i) {
    views_[std::size_t(i)] = ctx_.views[std::size_t(i)];
    views_[std::size_t(i)]->addOverlay(overlay_);
  }
  panel_ = new RoiListPanel(model_, ctx_.state, ctx_.source);
  // Scrolls rather than forcing its height on the window (it must fit 1280x720 screens).
  auto* scroll = new QScrollArea;
  scroll->setObjectName("roiScroll");
  scroll->setWidget(panel_);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  scroll->setMinimumWidth(panel_->sizeHint().width() + 20);
  dock_ = ctx_.addSidePanel(scroll, "ROI");
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
      ctx_.statusBar->showMessage(kHint, 10000);
    } else {
      ctx_.statusBar->clearMessage();
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
  saveRois_ = new QAction("Save ROIs…", this);
  saveRois_->setObjectName("saveRoisAction");
  saveRois_->setEnabled(false);
  connect(saveRois_, &QAction::triggered, this, &RoiController::saveRoisInteractive);
  loadRois_ = new QAction("Load ROIs…", this);
  loadRois_->setObjectName("loadRoisAction");
  loadRois_->setEnabled(false);
  connect(loadRois_, &QAction::triggered, this, &RoiController::loadRoisInteractive);
  lastExportDir_ = QDir::homePath();

  QToolBar* bar = window_->addToolBar("ROI");
  bar->setObjectName("roiToolBar");
  bar->addAction(draw_);
  bar->addAction(exportAction_);
  // File menu: after "Open sample", before the separator above Quit.
  // File menu: after "Open sample", before the separator above Quit.
  for (QAction* a : {exportAction_, saveAs_, saveRois_, loadRois_})
    ctx_.fileMenu->insertAction(ctx_.fileMenuEnd, a);
  ctx_.viewMenu->addAction(dock_->toggleViewAction());
  // Small screens: the header and ROI panels as tabs of one dock instead of stacked.
  QAction* tabs = ctx_.viewMenu->addAction("Side panels as &tabs");
  tabs->setObjectName("sidePanelsAsTabs");
  tabs->setCheckable(true);
  connect(tabs, &QAction::toggled, this, [this](bool on) {
    QDockWidget* header = ctx_.headerDock;
    if (!header) return;
    if (on) {
      window_->tabifyDockWidget(header, dock_);
      dock_->raise();
    } else {  // out of the tab group, below the header panel
      const bool shown = dock_->isVisible();
      window_->removeDockWidget(dock_);
      window_->addDockWidget(Qt::RightDockWidgetArea, dock_);
      window_->splitDockWidget(header, dock_, Qt::Vertical);
      dock_->setVisible(shown);
    }
  });

  // Edit menu (after File): undo/redo of ROI edits, crop/pad settings and crosshair jumps.
  undo_ = new RoiUndo(model_, ctx_.state, this);
  QAction* undoAction = undo_->stack()->createUndoAction(this, "&Undo");
  undoAction->setObjectName("undoAction");
  undoAction->setShortcuts(QKeySequence::Undo);
  QAction* redoAction = undo_->stack()->createRedoAction(this, "&Redo");
  redoAction->setObjectName("redoAction");
  redoAction->setShortcuts({QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")});
  auto* edit = new QMenu("&Edit", ctx_.menuBar);
  edit->setObjectName("editMenu");
  edit->addAction(undoAction);
  edit->addAction(redoAction);
  const auto menus = ctx_.menuBar->actions();
  ctx_.menuBar->insertMenu(menus.size() > 1 ? menus[1] : nullptr, edit);
  ctx_.setDiscardCheck([this] { return confirmDiscardRois(); });

  ctx_.onDatasetOpened(this, [this] { onOpened(); });
  connect(panel_, &RoiListPanel::exportRequested, this, [this](int i) { openExportDialog(i); });
  connect(panel_, &RoiListPanel::newRequested, this, &RoiController::newRoiAtCrosshair);
  connect(panel_, &RoiListPanel::saveRequested, this, &RoiController::saveRoisInteractive);
  connect(panel_, &RoiListPanel::loadRequested, this, &RoiController::loadRoisInteractive);
  connect(model_, &RoiModel::changed, this, [this] {
    exportAction_->setEnabled(model_->current() >= 0);
    updateListActions();
  });
  connect(overlay_, &RoiOverlay::boxDrawn, this, [this] { dock_->show(); });
}

RoiController::~RoiController() {
  for (auto& v : views_)
    if (v) v->removeOverlay(overlay_);
}

QUndoStack* RoiController::undoStack() const { return undo_->stack(); }

bool RoiController::hasListExtras() const {
  QJsonObject scratch;
  return saveExtras_ && saveExtras_(scratch);
}

void RoiController::updateListActions() {
  const bool extras = hasListExtras();
  panel_->setHasExtras(extras);
  saveRois_->setEnabled(model_->info() && (!model_->rois().empty() || extras));
  loadRois_->setEnabled(model_->info() != nullptr);
}

QJsonObject RoiController::listExtras() const {
  QJsonObject doc;
  if (saveExtras_) saveExtras_(doc);
  return doc;
}

void RoiController::applyListExtras(const QJsonObject& doc) {
  if (!loadExtras_) return;
  loadExtras_(doc);
  savedExtras_ = listExtras();
  updateListActions();
}

bool RoiController::hasUnsavedRois() const {
  if (!model_->rois().empty() && !model_->snapshot().sameContent(saved_)) return true;
  const QJsonObject extras = listExtras();
  return !extras.isEmpty() && extras != savedExtras_;
}

bool RoiController::confirmDiscardRois() {
  if (!hasUnsavedRois()) return true;
  const bool roisChanged = !model_->rois().empty() && !model_->snapshot().sameContent(saved_);
  QMessageBox box(
      QMessageBox::Warning, "Unsaved ROIs",
      roisChanged ? QString("%1 ROI(s) have changes that are not saved.").arg(model_->rois().size())
                  : QString("The rulers have changes that are not saved."),
      QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, window_);
  box.setObjectName("unsavedRoisBox");
  box.setInformativeText("Save them as an ROI list (JSON) first?");
  box.setDefaultButton(QMessageBox::Save);
  switch (box.exec()) {
    case QMessageBox::Save:
      return saveRoisInteractive();
    case QMessageBox::Discard:
      return true;
    default:
      return false;
  }
}

void RoiController::onOpened() {
  dataset_ = ctx_.source->dataset();
  model_->setInfo(dataset_ ? &dataset_->info() : nullptr);
  undo_->reset();
  saved_ = model_->snapshot();
  savedExtras_ = listExtras();
  panel_->setStatus({});
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
  undo_->reset();
  saved_ = model_->snapshot();  // boxes from the environment are not the user's unsaved work
  savedExtras_ = listExtras();
}

void RoiController::newRoiAtCrosshair() {
  if (!model_->info()) return;
  const nz::Index5& shape = model_->info()->shape;
  const nz::Point3 c = ctx_.state->crosshair();
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
  auto* dlg = new ExportDialog(dataset_->info(), ctx_.source->uri(), ctx_.storeOptions(), roi,
                               settings, title, level, panel_->throughput(), window_);
  dlg->setAttribute(Qt::WA_DeleteOnClose, false);
  if (index >= 0) {
    dlg->setFormat(ExportDialog::NiiGz);
    dlg->setDestination(proposedDestination(index));
    // The selected layer alone, on its own grid: the box of its voxels covering the ROI.
    const Layer* selected = nullptr;
    if (auto* panel = window_->findChild<LayerPanel*>()) selected = panel->selected();
    if (selected && selected->dataset)
      dlg->offerLayer(selected->name, selected->dataset->info(), selected->uri, selected->options,
                      nz::roiOnGrid(*roi, dataset_->info(), selected->dataset->info()));
    // Image + labels as a pair: the selected layer when it is a label map, else the topmost
    // label layer.
    const Layer* labels = selected && selected->kind == LayerKind::Labels ? selected : nullptr;
    const auto& layers = ctx_.source->layers();
    for (auto it = layers.rbegin(); it != layers.rend() && !labels; ++it)
      if ((*it)->kind == LayerKind::Labels) labels = it->get();
    if (labels) dlg->offerLabelPair(labels->name, labels->uri, labels->options);
  } else {
    dlg->lockFormat(ExportDialog::NiiZarr);
    QString base = QFileInfo(ctx_.source->uri()).fileName();
    for (const char* s : {".nii.zarr", ".nii.gz", ".nii", ".zarr"})
      if (base.endsWith(s, Qt::CaseInsensitive)) base.chop(int(strlen(s)));
    if (base.isEmpty()) base = "dataset";
    // The folder of the last export (home until then), as for ROI exports.
    const QString dir = lastExportDir_.contains("://") ? QDir::homePath() : lastExportDir_;
    dlg->setDestination(QDir(dir).filePath(base + "_copy.nii.zarr"));
  }
  // The next ROI export proposes the directory this one was written to.
  connect(dlg, &ExportDialog::exportFinished, this, [this, dlg](bool ok) {
    if (ok && dlg->job()) lastExportDir_ = exportDirectoryOf(dlg->job()->destination());
  });
  connect(dlg, &ExportDialog::openRequested, window_,
          [this](const QString& uri, const nz::StoreOptions& o) { ctx_.openUri(uri, o); });
  // A new dataset replaces this one: its info must outlive the dialog's plan.
  ctx_.onDatasetOpened(dlg, [dlg] {
    if (!(dlg->job() && dlg->job()->running())) dlg->deleteLater();
  });
  dlg->show();
  return dlg;
}

QString RoiController::exportDirectoryOf(const QString& destination) {
  QString d = destination.trimmed();
  if (d.startsWith("file://")) d = QUrl(d).toLocalFile();
  if (!d.contains("://")) {
    while (d.size() > 1 && d.endsWith('/')) d.chop(1);  // "out/roi.nii.zarr/" is a store
    return QFileInfo(d).absolutePath();
  }
  const int q = d.indexOf('?');
  const QString query = q >= 0 ? d.mid(q) : QString();
  QString path = q >= 0 ? d.left(q) : d;
  while (path.endsWith('/')) path.chop(1);
  const int slash = path.lastIndexOf('/');
  if (slash < path.indexOf("://") + 3) return path + query;  // "s3://bucket": the bucket itself
  return path.left(slash) + query;
}

QString RoiController::proposedDestination(int index) const {
  const auto& rois = model_->rois();
  if (index < 0 || index >= static_cast<int>(rois.size())) return {};
  std::set<std::string> used;
  std::string out;
  try {
    for (int j = 0; j <= index; ++j)
      out = nz::exportPathInDirectory(lastExportDir_.toStdString(),
                                      rois[std::size_t(j)].name.toStdString(), ".nii.gz", used);
  } catch (const std::exception& e) {
    qWarning("export destination: %s", e.what());
    return QDir::home().filePath("roi.nii.gz");
  }
  return QString::fromStdString(out);
}

void RoiController::reportRoiSet(const QString& message, bool error, QString* out) {
  if (out) *out = message;
  panel_->setStatus(message, error);
  if (error) {
    dock_->show();  // the menu actions work with the panel hidden: make the message visible
    ctx_.statusBar->showMessage(message, 10000);
  }
}

bool RoiController::saveRois(const QString& path, QString* error) {
  if (!model_->info() || (model_->rois().empty() && !hasListExtras())) {
    reportRoiSet(withFile("no ROIs to save", path), true, error);
    return false;
  }
  try {
    nz::RoiSet set;
    set.source = savedSource(ctx_.source->uri());
    set.ndim = model_->info()->ndim;  // a 4D box keeps its t range
    for (int i = 0; i < static_cast<int>(model_->rois().size()); ++i)
      set.rois.push_back({model_->rois()[std::size_t(i)].name.toStdString(), model_->request(i)});
    QByteArray json = QByteArray::fromStdString(nz::roiSetJson(set));
    if (saveExtras_) {
      QJsonObject doc = QJsonDocument::fromJson(json).object();
      if (saveExtras_(doc)) json = QJsonDocument(doc).toJson(QJsonDocument::Indented);
    }
    QSaveFile f(path);  // written to a temporary name, renamed when complete
    if (!f.open(QIODevice::WriteOnly) || f.write(json) != json.size() || !f.commit()) {
      reportRoiSet(QString("Cannot write ROI list %1: %2").arg(path, f.errorString()), true, error);
      return false;
    }
  } catch (const std::exception& e) {
    reportRoiSet(withFile(QString::fromStdString(e.what()), path), true, error);
    return false;
  }
  lastRoiFile_ = path;
  saved_ = model_->snapshot();
  savedExtras_ = listExtras();
  reportRoiSet(model_->rois().empty()
                   ? QString("Saved the measurements (no ROIs) to %1").arg(path)
                   : QString("Saved %1 ROI(s) to %2").arg(model_->rois().size()).arg(path),
               false, error);
  return true;
}

bool RoiController::loadRois(const QString& path, QString* error) {
  const nz::DatasetInfo* info = model_->info();
  if (!dataset_ || !info) {
    reportRoiSet(withFile("open a dataset before loading ROIs", path), true, error);
    return false;
  }
  // Read without blocking (a FIFO or a device must not freeze the window) and bounded.
  std::string text;
  try {
    text = nz::readSmallLocalFile(path.toStdString(), "the ROI list", kMaxRoiSetBytes);
  } catch (const std::exception& e) {
    reportRoiSet(QString("Cannot load ROI list: %1").arg(QString::fromStdString(e.what())), true,
                 error);
    return false;
  }
  // Parse and convert everything before touching the model: a bad file changes nothing.
  nz::RoiSet set;
  std::vector<NamedRoi> rois;
  try {
    set = nz::parseRoiSet(text, path.toStdString(), info);
    for (const nz::NamedRoi& r : set.rois) {
      if (!r.request.roi) throw std::runtime_error("an ROI without a box");
      rois.push_back({QString::fromStdString(r.name),
                      nz::RoiBox::fromLevel(*info, r.request.level, *r.request.roi)});
    }
  } catch (const std::exception& e) {
    reportRoiSet("Cannot load ROIs: " + withFile(QString::fromStdString(e.what()), path), true,
                 error);
    return false;
  }
  lastRoiFile_ = path;
  if (loadExtras_) {
    loadExtras_(QJsonDocument::fromJson(QByteArray::fromStdString(text)).object());
    savedExtras_ = listExtras();  // the rulers shown are the ones the file holds
  }
  if (rois.empty()) {
    reportRoiSet(
        QString("%1 holds no ROIs%2").arg(path, hasListExtras() ? " (measurements loaded)" : ""),
        false, error);
    return true;
  }
  const nz::ExportRequest& first = set.rois.front().request;
  model_->setLevel(first.level);
  model_->setCropOrPad(first.cropOrPad);
  model_->setPad(first.padMode, first.padValue);
  QStringList notes;
  for (const nz::NamedRoi& r : set.rois)
    if (r.request.level != first.level || r.request.cropOrPad != first.cropOrPad ||
        r.request.padMode != first.padMode || r.request.padValue != first.padValue) {
      notes << "entries differ in level or crop/pad settings; the first entry's are used";
      break;
    }
  // Snapping would move the saved boxes; keep them exactly and say so.
  if (model_->snap())
    for (const NamedRoi& r : rois)
      if (const nz::Box b = model_->snapped(r.roi.box);
          b.begin != r.roi.box.begin || b.end != r.roi.box.end) {
        model_->setSnap(false);
        notes << "snapping turned off to keep the saved boxes";
        break;
      }
  const bool wasSaved = !hasUnsavedRois();
  model_->append(rois);
  if (wasSaved) saved_ = model_->snapshot();  // what is shown is what the file holds
  const std::string current = savedSource(ctx_.source->uri());
  if (!set.source.empty() && set.source != current)
    notes << "saved from " + QString::fromStdString(nz::redactSecrets(set.source));
  dock_->show();
  QString msg = QString("Loaded %1 ROI(s) from %2").arg(rois.size()).arg(path);
  if (!notes.isEmpty()) msg += " (" + notes.join("; ") + ")";
  reportRoiSet(msg, false, error);
  return true;
}

bool RoiController::saveRoisInteractive() {
  if (!model_->info() || (model_->rois().empty() && !hasListExtras())) return false;
  QString start = lastRoiFile_;
  if (start.isEmpty()) {
    QString base = QFileInfo(QString::fromStdString(savedSource(ctx_.source->uri())))
                       .completeBaseName()
                       .section('.', 0, 0);
    start = QDir::home().filePath((base.isEmpty() ? QString("dataset") : base) + "_rois.json");
  }
  QString path = QFileDialog::getSaveFileName(window_, "Save ROIs", start, "ROI list (*.json)");
  if (path.isEmpty()) return false;
  if (QFileInfo(path).suffix().isEmpty()) path += ".json";
  return saveRois(path);
}

void RoiController::loadRoisInteractive() {
  if (!model_->info()) return;
  const QString start = lastRoiFile_.isEmpty() ? QDir::homePath() : lastRoiFile_;
  const QString path =
      QFileDialog::getOpenFileName(window_, "Load ROIs", start, "ROI list (*.json);;All files (*)");
  if (!path.isEmpty()) loadRois(path);
}

}  // namespace nzviewer
