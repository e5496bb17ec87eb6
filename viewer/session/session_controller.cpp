#include "session/session_controller.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QJsonDocument>
#include <QJsonObject>
#include <QKeyEvent>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QSaveFile>
#include <QSettings>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QToolBar>
#include <QVBoxLayout>
#include <algorithm>
#include <cstdio>

#include "core/error.h"
#include "core/small_file.h"
#include "data/data_source.h"
#include "layers/layer_panel.h"
#include "session/neuroglancer.h"
#include "session/session_link.h"
#include "session/session_state.h"
#include "session/session_view3d.h"
#include "session/shareable_uri.h"
#include "ui/main_window.h"
#include "ui/open_dialog.h"
#include "uri/uri.h"
#include "viewer/roi/roi_controller.h"

namespace nzviewer {

namespace {

constexpr int kMaxRecentSessions = 10;

QSettings settings() {
  const QString file = qEnvironmentVariable("NZVIEW_SETTINGS");
  if (!file.isEmpty()) return QSettings(file, QSettings::IniFormat);
  return QSettings("nzview", "nzview");
}

QString qs(const std::string& s) { return QString::fromStdString(s); }

bool isLocalJson(const QString& text) {
  if (text.contains("://") && !text.startsWith("file://", Qt::CaseInsensitive)) return false;
  return text.endsWith(".json", Qt::CaseInsensitive);
}

QString localPath(const QString& text) {
  return text.startsWith("file://", Qt::CaseInsensitive) ? QUrl(text).toLocalFile() : text;
}

// Written to a temporary file and renamed: a failed save never leaves half a session.
void writeAtomically(const QString& path, const std::string& text) {
  QSaveFile f(path);
  if (!f.open(QIODevice::WriteOnly) ||
      f.write(text.data(), static_cast<qint64>(text.size())) != static_cast<qint64>(text.size()) ||
      !f.commit())
    throw nz::Error(nz::ErrorKind::Io, path.toStdString() + ": " + f.errorString().toStdString());
}

// A failure that credentials could fix (401/403, none found, signature refused).
bool looksLikeCredentialProblem(const QString& message) {
  for (const char* word :
       {"401", "403", "Forbidden", "Unauthorized", "credential", "denied", "AuthenticationFailed",
        "AuthorizationFailure", "AccessDenied", "SignatureDoesNotMatch", "InvalidAccessKeyId"})
    if (message.contains(word, Qt::CaseInsensitive)) return true;
  return false;
}

std::string storeKeyOrEmpty(const std::string& uri) {
  try {
    return nz::storeKey(uri);
  } catch (const nz::Error&) {
    return {};
  }
}

}  // namespace

SessionController::SessionController(MainWindow* window) : QObject(window), window_(window) {
  setObjectName("sessionController");
  buildMenus();
  buildRecentList();
  window_->setUriHandler([this](const QString& uri, const nz::StoreOptions& options) {
    return isSessionText(uri) && openText(uri, options);
  });
  connect(window_, &MainWindow::datasetOpened, this, &SessionController::onReferenceOpened);
  connect(window_, &MainWindow::datasetFailed, this, [this](const QString& message) {
    if (!applying_) return;
    // No credentials in the environment for the session's image: ask once, then try again.
    const std::string& ref = pending_.layers.front().uri;
    nz::StoreOptions typed;
    if (looksLikeCredentialProblem(message) && askCredentials(ref, typed)) {
      window_->openUri(qs(ref), typed);
      return;
    }
    fail(message);
  });
  connect(window_->source(), &DataSource::layersChanged, this, &SessionController::onLayersChanged);
  connect(window_->source(), &DataSource::layerFailed, this, [this](const QString& message) {
    if (applying_ && looksLikeCredentialProblem(message)) credentialFailure_ = true;
    onLayersChanged();
  });
}

SessionController::~SessionController() {
  if (presenting_) qApp->removeEventFilter(this);
}

void SessionController::buildMenus() {
  QMenuBar* bar = window_->menuBar();
  QMenu* file = nullptr;
  QMenu* edit = nullptr;
  QMenu* view = nullptr;
  for (QAction* a : bar->actions()) {
    if (!a->menu()) continue;
    if (a->text() == "&File") file = a->menu();
    if (a->text() == "&Edit") edit = a->menu();
    if (a->text() == "&View") view = a->menu();
  }
  if (!edit) {
    edit = new QMenu("&Edit", bar);
    bar->insertMenu(view ? view->menuAction() : nullptr, edit);
  }
  auto* open = new QAction("Open session…", this);
  open->setObjectName("openSessionAction");
  open->setShortcut(QKeySequence("Ctrl+Shift+O"));
  connect(open, &QAction::triggered, this, [this] {
    const QString path = QFileDialog::getOpenFileName(
        window_, "Open session", QDir::homePath(),
        "nzview sessions and Neuroglancer states (*.nzview.json *.json);;All files (*)");
    if (!path.isEmpty()) loadSessionFile(path, {});
  });
  auto* save = new QAction("Save session…", this);
  save->setObjectName("saveSessionAction");
  save->setShortcut(QKeySequence("Ctrl+Shift+S"));
  connect(save, &QAction::triggered, this, [this] {
    if (!window_->source()->isOpen()) return report("Save session", "Open a dataset first.");
    QString path = QFileDialog::getSaveFileName(window_, "Save session",
                                                QDir::home().filePath("view.nzview.json"),
                                                "nzview session (*.nzview.json)");
    if (path.isEmpty()) return;
    if (!path.endsWith(".json", Qt::CaseInsensitive)) path += ".nzview.json";
    QString error;
    if (!saveSession(path, &error)) report("Could not save session", error);
  });
  auto* ng = new QAction("Copy as &Neuroglancer link", this);
  ng->setObjectName("copyNeuroglancerAction");
  connect(ng, &QAction::triggered, this, [this] {
    QStringList skipped;
    const QString url = neuroglancerLink(&skipped);
    if (url.isEmpty())
      return report("Copy as Neuroglancer link",
                    "No layer is on http(s): Neuroglancer links carry http(s) sources only.\n" +
                        skipped.join("\n"));
    QApplication::clipboard()->setText(url);
    window_->statusBar()->showMessage(
        QString("Neuroglancer link copied (%1 characters)%2")
            .arg(url.size())
            .arg(skipped.isEmpty() ? QString() : "; not included: " + skipped.join("; ")),
        8000);
  });
  auto* copy = new QAction("Copy &link to this view", this);
  copy->setObjectName("copyLinkAction");
  copy->setShortcut(QKeySequence("Ctrl+Shift+L"));
  connect(copy, &QAction::triggered, this, [this] {
    const QString l = link();
    if (l.isEmpty()) return report("Copy link", "Open a dataset first.");
    QApplication::clipboard()->setText(l);
    const bool long_ = static_cast<std::size_t>(l.size()) > nz::kLinkSoftLimit;
    window_->statusBar()->showMessage(
        QString("Link copied (%1 characters)%2")
            .arg(l.size())
            .arg(long_ ? ": longer than some chat tools keep; Save session… gives a file" : ""),
        8000);
  });
  edit->addSeparator();
  edit->addAction(copy);
  if (file) {
    QAction* before = nullptr;
    for (QAction* a : file->actions())
      if (a->text() == "&Quit") before = a;
    // The separator before Quit stays right above it.
    const auto acts = file->actions();
    const int at = before ? acts.indexOf(before) : -1;
    if (at > 0 && acts[at - 1]->isSeparator()) before = acts[at - 1];
    file->insertAction(before, open);
    file->insertAction(before, save);
    file->insertAction(before, ng);
    file->insertSeparator(before);
  }
  bookmarkMenu_ = new QMenu("&Bookmarks", bar);
  bookmarkMenu_->setObjectName("bookmarkMenu");
  if (view)
    view->addMenu(bookmarkMenu_);
  else
    bar->addMenu(bookmarkMenu_);
  presentAction_ = new QAction("&Presentation mode", this);
  presentAction_->setObjectName("presentationAction");
  presentAction_->setShortcut(QKeySequence(Qt::Key_F5));
  presentAction_->setCheckable(true);
  connect(presentAction_, &QAction::toggled, this, &SessionController::setPresentation);
  window_->addAction(presentAction_);  // works while the menu bar is hidden
  refreshBookmarkMenu();
}

void SessionController::refreshBookmarkMenu() {
  bookmarkMenu_->clear();
  QAction* add = bookmarkMenu_->addAction("&Add bookmark…", this, [this] {
    if (!window_->source()->isOpen()) return;
    bool ok = false;
    const QString name =
        QInputDialog::getText(window_, "Add bookmark", "Name:", QLineEdit::Normal,
                              QString("Bookmark %1").arg(bookmarks_.size() + 1), &ok);
    if (ok) addBookmark(name);
  });
  add->setObjectName("addBookmarkAction");
  add->setShortcut(QKeySequence("Ctrl+D"));
  bookmarkMenu_->addAction(presentAction_);
  bookmarkMenu_->addSeparator();
  for (std::size_t i = 0; i < bookmarks_.size(); ++i) {
    const QString name = qs(bookmarks_[i].name);
    bookmarkMenu_->addAction(QString("%1. %2").arg(i + 1).arg(name.isEmpty() ? "(unnamed)" : name),
                             this, [this, i] { goToBookmark(int(i)); });
  }
  if (!bookmarks_.empty()) {
    bookmarkMenu_->addSeparator();
    bookmarkMenu_->addAction("&Clear bookmarks", this, &SessionController::clearBookmarks);
  }
}

void SessionController::buildRecentList() {
  QWidget* page = window_->findChild<QWidget*>("startPage");
  auto* layout = page ? qobject_cast<QVBoxLayout*>(page->layout()) : nullptr;
  if (!layout) return;
  auto* title = new QLabel("Recent sessions (double-click opens)");
  recent_ = new QListWidget;
  recent_->setObjectName("recentSessions");
  recent_->setMaximumHeight(120);
  // Below the Open buttons, above the recent datasets.
  const int at = std::min(2, layout->count());
  layout->insertWidget(at, title);
  layout->insertWidget(at + 1, recent_);
  connect(recent_, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
    loadSessionFile(item->data(Qt::UserRole).toString(), {});
  });
  refreshRecent();
}

QStringList SessionController::recentSessions() const {
  return settings().value("recentSessions").toStringList();
}

void SessionController::addRecentSession(const QString& path) {
  QSettings s = settings();
  QStringList list = s.value("recentSessions").toStringList();
  const QString abs = QFileInfo(path).absoluteFilePath();
  list.removeAll(abs);
  list.prepend(abs);
  while (list.size() > kMaxRecentSessions) list.removeLast();
  s.setValue("recentSessions", list);
  refreshRecent();
}

void SessionController::refreshRecent() {
  if (!recent_) return;
  recent_->clear();
  for (const QString& path : recentSessions()) {
    const bool exists = QFileInfo::exists(path);
    auto* item = new QListWidgetItem(exists ? path : path + "  — not found");
    item->setData(Qt::UserRole, path);
    if (!exists) item->setForeground(QColor(150, 150, 150));
    recent_->addItem(item);
  }
  recent_->setVisible(recent_->count() > 0);
}

bool SessionController::isSessionText(const QString& text) {
  const QString t = text.trimmed();
  if (nz::isSessionLink(t.toStdString())) return true;
  if ((t.startsWith("http://", Qt::CaseInsensitive) ||
       t.startsWith("https://", Qt::CaseInsensitive)) &&
      nz::looksLikeNeuroglancer(t.toStdString()))
    return true;
  return isLocalJson(t) && QFileInfo(localPath(t)).isFile();
}

nz::Session SessionController::capture() const {
  nz::Session s = captureSession(window_, bookmarks_);
  captureView3d(window_, s);  // the grid's layout; the 3D camera once it shows a volume
  if (!s.camera3d) s.camera3d = keptCamera_;
  if (!s.rulers) s.rulers = keptRulers_;
  if (s.layout == "2x2") s.layout = keptLayout_;
  return s;
}

QString SessionController::link() const {
  const nz::Session s = capture();
  return s.layers.empty() ? QString() : qs(nz::sessionLink(s));
}

QString SessionController::neuroglancerLink(QStringList* skipped) const {
  const nz::Session s = capture();
  if (s.layers.empty()) return {};
  const nz::NeuroglancerExport out =
      nz::neuroglancerExport(s, qEnvironmentVariable("NZVIEW_NEUROGLANCER_URL").toStdString());
  if (skipped)
    for (const auto& line : out.skipped) *skipped << qs(line);
  return qs(out.url);
}

bool SessionController::saveSession(const QString& path, QString* error) {
  const nz::Session s = capture();
  if (s.layers.empty()) {
    if (error) *error = "No dataset is open.";
    return false;
  }
  try {
    writeAtomically(path, nz::sessionJson(s));
  } catch (const std::exception& e) {
    if (error) *error = e.what();
    return false;
  }
  addRecentSession(path);
  window_->statusBar()->showMessage(QString("Saved session %1").arg(path), 5000);
  return true;
}

bool SessionController::loadSessionFile(const QString& path, const nz::StoreOptions& options,
                                        QString* error) {
  const QString local = localPath(path);
  std::string text;
  try {
    text = nz::readSmallLocalFile(local.toStdString(), "the session file", 16u << 20);
  } catch (const std::exception& e) {
    lastError_ = QString::fromStdString(e.what());
    if (error) *error = lastError_;
    report("Could not open session", lastError_);
    emit sessionFailed(lastError_);
    return false;
  }
  const QString dir = QFileInfo(local).absolutePath();
  try {
    if (nz::looksLikeSession(text)) {
      const nz::Session s = nz::parseSession(text, local.toStdString());
      addRecentSession(local);
      return openSession(s, options, {}, dir);
    }
    if (nz::looksLikeNeuroglancer(text)) {
      const nz::NeuroglancerImport in = nz::parseNeuroglancerState(text, local.toStdString());
      if (!in.unsupported.empty()) {
        QStringList lines;
        for (const auto& u : in.unsupported) lines << qs(u);
        report("Neuroglancer state: not carried over", lines.join("\n"));
      }
      return openSession(in.session, options, {}, dir);
    }
    throw nz::Error(nz::ErrorKind::InvalidData,
                    local.toStdString() +
                        ": neither an nzview session (\"nzview_session\") nor a Neuroglancer "
                        "state (\"layers\")");
  } catch (const nz::Error& e) {
    lastError_ = qs(e.what());
    if (error) *error = lastError_;
    report("Could not open session", lastError_);
    emit sessionFailed(lastError_);
    return false;
  }
}

bool SessionController::openText(const QString& input, const nz::StoreOptions& options) {
  const QString text = input.trimmed();
  try {
    if (nz::isSessionLink(text.toStdString()))
      return openSession(nz::parseSessionLink(text.toStdString()), options);
    if (!isLocalJson(text) && nz::looksLikeNeuroglancer(text.toStdString())) {
      const nz::NeuroglancerImport in =
          nz::parseNeuroglancerState(text.toStdString(), "Neuroglancer link");
      if (!in.unsupported.empty()) {
        QStringList lines;
        for (const auto& u : in.unsupported) lines << qs(u);
        report("Neuroglancer link: not carried over", lines.join("\n"));
      }
      return openSession(in.session, options);
    }
  } catch (const nz::Error& e) {
    lastError_ = QString::fromStdString(nz::redactSecrets(e.what()));
    report("Could not open link", lastError_);
    emit sessionFailed(lastError_);
    return true;  // handled (as an error): not a dataset URI
  }
  if (isLocalJson(text)) {
    loadSessionFile(text, options);
    return true;
  }
  return false;
}

nz::StoreOptions SessionController::optionsFor(const std::string& uri) const {
  const std::string key = storeKeyOrEmpty(uri);
  if (const auto it = typedOptions_.find(key); !key.empty() && it != typedOptions_.end())
    return it->second;
  if (!pendingOptionsStore_.empty() && key == pendingOptionsStore_) return pendingOptions_;
  // Another store: the environment's credentials only. Nothing given for the other store
  // (keys, SAS, tokens, headers, a profile, an endpoint) is carried over; the trust settings
  // and limits that are no secret are.
  nz::StoreOptions clean;
  clean.caFile = pendingOptions_.caFile;
  clean.maxConcurrency = pendingOptions_.maxConcurrency;
  clean.diskCache = pendingOptions_.diskCache;
  return clean;
}

bool SessionController::openSession(const nz::Session& session, const nz::StoreOptions& options,
                                    const QString& optionsFor, const QString& baseDir) {
  if (session.layers.empty()) {
    fail("the session has no layer");
    return false;
  }
  pending_ = session;
  pendingOptions_ = options;
  pendingOptionsStore_ =
      optionsFor.isEmpty() ? storeKeyOrEmpty(session.layers.front().uri) : optionsFor.toStdString();
  pendingBaseDir_ = baseDir;
  pendingLayers_.clear();
  layerIds_.clear();
  typedOptions_.clear();
  askedStores_.clear();
  credentialFailure_ = false;
  bookmarks_ = session.bookmarks;
  keptCamera_ = session.camera3d;
  keptRulers_ = session.rulers;
  keptLayout_ = session.layout;
  refreshBookmarkMenu();
  applying_ = true;
  const std::string& ref = session.layers.front().uri;
  if (!window_->openUri(qs(ref), this->optionsFor(ref))) {
    applying_ = false;  // the user kept the open dataset
    return false;
  }
  return true;
}

void SessionController::onReferenceOpened() {
  if (!applying_) return;
  DataSource* source = window_->source();
  // Old layers (of the dataset this replaced) go; the session's open all at once, each on its
  // own worker thread.
  std::vector<int> old;
  for (const auto& l : source->layers()) old.push_back(l->id);
  for (int id : old) source->removeLayer(id);
  for (std::size_t i = 1; i < pending_.layers.size(); ++i) {
    const nz::SessionLayer& l = pending_.layers[i];
    QString table = qs(l.labelTable);
    if (!table.isEmpty() && QFileInfo(table).isRelative() && !table.contains("://") &&
        !pendingBaseDir_.isEmpty())
      table = QDir(pendingBaseDir_).filePath(table);
    // A session is someone else's text: its label table must be a local regular file of a
    // table's size (a FIFO or /dev/zero would hang or fill memory), else the layer opens with
    // default colours and a message says why.
    if (!table.isEmpty()) {
      const QFileInfo info(table);
      if (table.contains("://") || !info.isFile() || info.size() > (qint64(64) << 20)) {
        report("Label table not used",
               QString("%1 (layer %2): not a local label table file of at most 64 MiB; the "
                       "labels get default colours")
                   .arg(table, qs(l.uri)));
        table.clear();
      }
    }
    const int id = source->addLayer(
        qs(l.uri), optionsFor(l.uri),
        l.kind == nz::SessionLayerKind::Labels ? LayerKind::Labels : LayerKind::Image, table);
    layerIds_.push_back(id);
    nz::SessionLayer resolved = l;
    resolved.labelTable = table.toStdString();
    pendingLayers_[id] = resolved;
  }
  applyView(window_, pending_);
  if (pending_.rulers) {
    // Rulers in the ROI list's form are shown by the ruler tool (and captured from it from then
    // on); any other form is kept as given and written back on save.
    if (auto* roi = window_->findChild<RoiController*>()) {
      const QJsonDocument rulers = QJsonDocument::fromJson(
          QByteArray::fromStdString(nlohmann::json{{"rulers", *pending_.rulers}}.dump()));
      roi->applyListExtras(rulers.object());
      if (!roi->listExtras().isEmpty()) keptRulers_.reset();
    }
  }
  if (pending_.rois) {
    if (auto* roi = window_->findChild<RoiController*>()) {
      QTemporaryDir dir;
      const QString path = dir.filePath("rois.json");
      QString error;
      try {
        writeAtomically(path, pending_.rois->dump(2));
        if (!roi->loadRois(path, &error)) report("Session ROIs", error);
      } catch (const std::exception& e) {
        report("Session ROIs", e.what());
      }
    }
  }
  onLayersChanged();
}

void SessionController::onLayersChanged() {
  if (!applying_ || !window_->source()->isOpen()) return;
  DataSource* source = window_->source();
  bool changed = false;
  for (auto it = pendingLayers_.begin(); it != pendingLayers_.end();) {
    if (Layer* layer = source->layer(it->first)) {
      applyLayerDisplay(*layer, it->second);
      changed = true;
      it = pendingLayers_.erase(it);
    } else {
      ++it;
    }
  }
  if (changed) source->notifyLayerDisplayChanged();
  // Layers that failed never appear: once nothing is opening, what is left failed (reported by
  // DataSource's message). Those refused for want of credentials get one chance per store.
  if (source->layersOpening() == 0 && !pendingLayers_.empty() && !retryFailedLayers())
    pendingLayers_.clear();
  if (pendingLayers_.empty()) finishApply();
}

bool SessionController::askCredentials(const std::string& uri, nz::StoreOptions& out) {
  const std::string key = storeKeyOrEmpty(uri);
  if (window_->isHeadless() || key.empty() || key == "file://" ||
      std::find(askedStores_.begin(), askedStores_.end(), key) != askedStores_.end())
    return false;
  askedStores_.push_back(key);
  OpenDialog dlg(window_);
  dlg.setObjectName("sessionCredentialsDialog");
  dlg.setWindowTitle(QString("Credentials for %1").arg(qs(key)));
  dlg.setUri(qs(uri));
  if (dlg.exec() != QDialog::Accepted) return false;
  out = dlg.options();
  typedOptions_[key] = out;  // for every layer on this store, never another
  return true;
}

bool SessionController::retryFailedLayers() {
  if (!credentialFailure_) return false;
  credentialFailure_ = false;
  DataSource* source = window_->source();
  bool retried = false;
  std::map<int, nz::SessionLayer> failed;
  failed.swap(pendingLayers_);
  for (auto& [id, l] : failed) {
    nz::StoreOptions typed;
    const std::string key = storeKeyOrEmpty(l.uri);
    if (!typedOptions_.count(key) && !askCredentials(l.uri, typed)) continue;
    const int again = source->addLayer(
        qs(l.uri), optionsFor(l.uri),
        l.kind == nz::SessionLayerKind::Labels ? LayerKind::Labels : LayerKind::Image,
        qs(l.labelTable));
    std::replace(layerIds_.begin(), layerIds_.end(), id, again);
    pendingLayers_[again] = l;
    retried = true;
  }
  return retried;
}

void SessionController::finishApply() {
  if (!applying_) return;
  applying_ = false;
  DataSource* source = window_->source();
  // Layers open in parallel and arrive in any order: put them back in the session's order
  // (bottom to top).
  std::vector<int> order;
  for (int id : layerIds_)
    if (source->layer(id)) order.push_back(id);
  for (std::size_t want = 0; want < order.size(); ++want) {
    const auto& now = source->layers();
    for (std::size_t at = 0; at < now.size(); ++at)
      if (now[at]->id == order[want] && at != want) {
        source->moveLayer(order[want], static_cast<int>(want) - static_cast<int>(at));
        break;
      }
  }
  if (pending_.selectedLayer >= 1 &&
      static_cast<std::size_t>(pending_.selectedLayer) <= layerIds_.size()) {
    const int id = layerIds_[static_cast<std::size_t>(pending_.selectedLayer) - 1];
    if (auto* list = window_->findChild<QListWidget*>("layerList"))
      for (int row = 0; row < list->count(); ++row)
        if (list->item(row)->data(Qt::UserRole).toInt() == id) list->setCurrentRow(row);
  }
  applyView3d(window_, pending_);
  emit sessionApplied();
}

void SessionController::fail(const QString& message) {
  applying_ = false;
  pendingLayers_.clear();
  lastError_ = message;
  emit sessionFailed(message);
}

void SessionController::report(const QString& title, const QString& message) {
  if (window_->isHeadless()) {
    std::fprintf(stderr, "nzview: %s: %s\n", title.toUtf8().constData(),
                 message.toUtf8().constData());
    return;
  }
  window_->statusBar()->showMessage(title + ": " + message.section('\n', 0, 0), 10000);
  auto* box = new QMessageBox(QMessageBox::Warning, title, message.section('\n', 0, 0),
                              QMessageBox::Ok, window_);
  box->setObjectName("sessionMessageBox");
  box->setDetailedText(message);
  box->setAttribute(Qt::WA_DeleteOnClose);
  box->open();  // not exec(): a message never blocks a session that is opening
}

void SessionController::addBookmark(const QString& name) {
  const nz::Session now = capture();
  if (!now.crosshairMm) return;
  nz::Bookmark b;
  b.name = name.toStdString();
  b.crosshairMm = *now.crosshairMm;
  b.zoom = now.views[0].zoom;
  bookmarks_.push_back(b);
  refreshBookmarkMenu();
  window_->statusBar()->showMessage(QString("Bookmark %1 added").arg(bookmarks_.size()), 4000);
}

void SessionController::goToBookmark(int index) {
  if (index < 0 || index >= static_cast<int>(bookmarks_.size())) return;
  currentBookmark_ = index;
  const nz::Bookmark& b = bookmarks_[static_cast<std::size_t>(index)];
  goToPosition(window_, b.crosshairMm, b.zoom);
  window_->statusBar()->showMessage(
      QString("Bookmark %1/%2: %3").arg(index + 1).arg(bookmarks_.size()).arg(qs(b.name)), 4000);
}

void SessionController::clearBookmarks() {
  bookmarks_.clear();
  currentBookmark_ = -1;
  refreshBookmarkMenu();
}

void SessionController::setPresentation(bool on) {
  if (on == presenting_) return;
  presenting_ = on;
  if (presentAction_->isChecked() != on) presentAction_->setChecked(on);
  if (on) {
    hiddenForPresentation_.clear();
    for (QDockWidget* d : window_->findChildren<QDockWidget*>())
      if (d->isVisible()) {
        hiddenForPresentation_.push_back(d);
        d->hide();
      }
    for (QToolBar* t : window_->findChildren<QToolBar*>())
      if (t->isVisible()) {
        hiddenForPresentation_.push_back(t);
        t->hide();
      }
    menuBarWasVisible_ = window_->menuBar()->isVisible();
    statusBarWasVisible_ = window_->statusBar()->isVisible();
    window_->menuBar()->hide();
    window_->showFullScreen();
    qApp->installEventFilter(this);
    if (!bookmarks_.empty()) goToBookmark(currentBookmark_ < 0 ? 0 : currentBookmark_);
  } else {
    qApp->removeEventFilter(this);
    window_->showNormal();
    window_->menuBar()->setVisible(menuBarWasVisible_);
    window_->statusBar()->setVisible(statusBarWasVisible_);
    for (const auto& w : hiddenForPresentation_)
      if (w) w->show();
    hiddenForPresentation_.clear();
  }
}

bool SessionController::eventFilter(QObject* watched, QEvent* event) {
  if (presenting_ && event->type() == QEvent::KeyPress) {
    const int key = static_cast<QKeyEvent*>(event)->key();
    const int n = static_cast<int>(bookmarks_.size());
    if (key == Qt::Key_Escape) {
      setPresentation(false);
      return true;
    }
    if (n > 0 && (key == Qt::Key_Right || key == Qt::Key_PageDown || key == Qt::Key_Space)) {
      goToBookmark(std::min(currentBookmark_ + 1, n - 1));
      return true;
    }
    if (n > 0 && (key == Qt::Key_Left || key == Qt::Key_PageUp)) {
      goToBookmark(std::max(currentBookmark_ - 1, 0));
      return true;
    }
  }
  return QObject::eventFilter(watched, event);
}

}  // namespace nzviewer
