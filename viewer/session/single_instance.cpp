#include "session/single_instance.h"

#include <QByteArray>
#include <QDataStream>
#include <QLocalServer>
#include <QLocalSocket>
#include <QPointer>

namespace nzviewer {

namespace {
// Framing: a 4-byte big-endian length, then the UTF-8 message; the answer is "ok\n".
constexpr quint32 kMaxMessage = 2u << 20;  // a link is at most 1 MiB; a path far less
}  // namespace

SingleInstance::SingleInstance(QObject* parent) : QObject(parent), server_(new QLocalServer(this)) {
  server_->setSocketOptions(QLocalServer::UserAccessOption);
  connect(server_, &QLocalServer::newConnection, this, &SingleInstance::accept);
}

SingleInstance::~SingleInstance() = default;

QString SingleInstance::serverName() {
  QString env = qEnvironmentVariable("NZVIEW_INSTANCE_NAME");
  if (!env.isEmpty()) return env;
  QString user = qEnvironmentVariable("USER");
  if (user.isEmpty()) user = qEnvironmentVariable("LOGNAME");
  return "nzview-" + (user.isEmpty() ? QString("user") : user);
}

bool SingleInstance::handOver(const QString& message, int timeoutMs) {
  QLocalSocket socket;
  socket.connectToServer(serverName());
  if (!socket.waitForConnected(timeoutMs)) return false;
  const QByteArray utf8 = message.toUtf8();
  if (static_cast<quint64>(utf8.size()) > kMaxMessage) return false;
  QByteArray frame;
  QDataStream(&frame, QIODevice::WriteOnly) << static_cast<quint32>(utf8.size());
  frame += utf8;
  socket.write(frame);
  if (!socket.waitForBytesWritten(timeoutMs)) return false;
  QByteArray answer;
  while (!answer.contains('\n')) {
    if (!socket.waitForReadyRead(timeoutMs)) return false;
    answer += socket.readAll();
  }
  return answer.startsWith("ok");
}

bool SingleInstance::listen() {
  if (server_->isListening()) return true;
  if (server_->listen(serverName())) return true;
  // A socket file without a listener (a crashed instance): remove it, unless someone answers.
  QLocalSocket probe;
  probe.connectToServer(serverName());
  if (probe.waitForConnected(300)) return false;
  QLocalServer::removeServer(serverName());
  return server_->listen(serverName());
}

bool SingleInstance::isListening() const { return server_->isListening(); }

void SingleInstance::accept() {
  while (QLocalSocket* socket = server_->nextPendingConnection()) {
    connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
    auto buffer = std::make_shared<QByteArray>();
    connect(socket, &QLocalSocket::readyRead, this, [this, socket, buffer] {
      *buffer += socket->readAll();
      if (buffer->size() < 4) return;
      quint32 size = 0;
      QDataStream(*buffer) >> size;
      if (size > kMaxMessage) {  // not one of ours: drop it
        socket->abort();
        return;
      }
      if (static_cast<quint64>(buffer->size()) < 4ull + size) return;
      const QString message = QString::fromUtf8(buffer->mid(4, static_cast<qsizetype>(size)));
      buffer->clear();
      socket->write("ok\n");
      socket->flush();
      socket->disconnectFromServer();
      emit received(message);
    });
  }
}

}  // namespace nzviewer
