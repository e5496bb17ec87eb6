#pragma once
// Sessions, links and Neuroglancer state in the viewer (attached to a MainWindow with one line,
// like CacheController): File → Open session… / Save session… / Copy as Neuroglancer link,
// Edit → Copy link to this view, View → Bookmarks (add, go to, presentation mode), recent
// sessions on the start page, and the window's URI handler, so a link, a session file or a
// Neuroglancer URL given anywhere a URI is accepted (command line, open dialog, drop, a second
// nzview handing over) opens as a session.
//
// Credentials: a session never carries any. Each layer's store gets the explicit options
// (flags, the open dialog) only when it is the store those options were given for
// (nz::storeKey); every other store gets the environment's credentials alone, so a link that
// points a layer at another host never receives the original store's keys, tokens or headers.
#include <QObject>
#include <QPointer>
#include <QString>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "session/session.h"
#include "store/store_options.h"

class QAction;
class QListWidget;
class QMenu;

namespace nzviewer {

class MainWindow;

class SessionController : public QObject {
  Q_OBJECT
 public:
  explicit SessionController(MainWindow* window);
  ~SessionController() override;

  // What is on screen now, with the bookmarks.
  nz::Session capture() const;
  // Opens `session`: the reference through MainWindow::openUri (unsaved-work prompt, a failed
  // open changes nothing), then every layer at once, then the view. `options` apply to layers
  // on the store `optionsFor` names (nz::storeKey; empty = the reference's store).
  bool openSession(const nz::Session& session, const nz::StoreOptions& options = {},
                   const QString& optionsFor = {}, const QString& baseDir = {});
  // Any text a user gives: an nzview:// link, a Neuroglancer URL or state, a session or state
  // file path. False when it is none of them (then it is a dataset URI); errors are reported.
  bool openText(const QString& text, const nz::StoreOptions& options = {});
  static bool isSessionText(const QString& text);

  bool saveSession(const QString& path, QString* error = nullptr);
  bool loadSessionFile(const QString& path, const nz::StoreOptions& options = {},
                       QString* error = nullptr);
  QString link() const;
  // The Neuroglancer URL of the http(s) layers; `skipped` names the others.
  QString neuroglancerLink(QStringList* skipped = nullptr) const;

  const std::vector<nz::Bookmark>& bookmarks() const { return bookmarks_; }
  void addBookmark(const QString& name);
  void goToBookmark(int index);
  void clearBookmarks();
  // Full screen without panels; Left/Right (or PgUp/PgDn, Space) step through the bookmarks,
  // Escape leaves.
  void setPresentation(bool on);
  bool isPresenting() const { return presenting_; }
  int currentBookmark() const { return currentBookmark_; }
  QStringList recentSessions() const;
  QString lastError() const { return lastError_; }
  bool isApplying() const { return applying_; }

 signals:
  void sessionApplied();                   // the last openSession's layers and view are set
  void sessionFailed(const QString& why);  // it could not be opened (one message)

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  void buildMenus();
  void buildRecentList();
  void refreshRecent();
  void addRecentSession(const QString& path);
  void refreshBookmarkMenu();
  void onReferenceOpened();
  void onLayersChanged();
  void finishApply();
  void fail(const QString& message);
  void report(const QString& title, const QString& message);
  nz::StoreOptions optionsFor(const std::string& uri) const;
  // The open dialog's credential page for `uri`'s store, once per store and session, when the
  // window is interactive. True (and `out`) when the user gave credentials.
  bool askCredentials(const std::string& uri, nz::StoreOptions& out);
  bool retryFailedLayers();

  MainWindow* window_;
  std::vector<nz::Bookmark> bookmarks_;
  // What this viewer does not show yet (3D camera, rulers, another layout) is kept from the
  // last session opened and written back, so open -> save never drops it.
  std::optional<nlohmann::json> keptCamera_, keptRulers_;
  std::string keptLayout_ = "2x2";
  QMenu* bookmarkMenu_ = nullptr;
  QListWidget* recent_ = nullptr;
  QAction* presentAction_ = nullptr;
  bool presenting_ = false;
  int currentBookmark_ = -1;
  std::vector<QPointer<QWidget>> hiddenForPresentation_;
  bool menuBarWasVisible_ = true, statusBarWasVisible_ = true;

  // The session being applied.
  bool applying_ = false;
  nz::Session pending_;
  nz::StoreOptions pendingOptions_;
  std::string pendingOptionsStore_;
  QString pendingBaseDir_;
  std::map<int, nz::SessionLayer> pendingLayers_;         // DataSource layer id -> settings
  std::vector<int> layerIds_;                             // session layer i+1 -> id (0: failed)
  std::map<std::string, nz::StoreOptions> typedOptions_;  // store key -> typed in the dialog
  std::vector<std::string> askedStores_;
  bool credentialFailure_ = false;  // a layer failed for want of credentials
  QString lastError_;
};

}  // namespace nzviewer
