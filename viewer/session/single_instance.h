#pragma once
// One nzview window per user for links: a second `nzview 'nzview://…'` (a clicked link, a
// Neuroglancer URL, a session file) hands its argument to the running window over a local
// socket and exits. The socket is private to the user (QLocalServer::UserAccessOption); its
// name is NZVIEW_INSTANCE_NAME when set (tests: never the user's running instance), else
// "nzview-<user>". What arrives is untrusted text: the window parses it as it would a link.
#include <QObject>
#include <QString>

class QLocalServer;

namespace nzviewer {

class SingleInstance : public QObject {
  Q_OBJECT
 public:
  explicit SingleInstance(QObject* parent = nullptr);
  ~SingleInstance() override;

  static QString serverName();
  // Gives `message` to a running instance; true when it confirmed receipt within timeoutMs.
  static bool handOver(const QString& message, int timeoutMs = 3000);
  // Starts answering hand-overs (removes a stale socket a crashed instance left). False when
  // another instance already listens or the socket cannot be created.
  bool listen();
  bool isListening() const;

 signals:
  void received(const QString& message);

 private:
  void accept();
  QLocalServer* server_;
};

}  // namespace nzviewer
