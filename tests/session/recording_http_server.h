#pragma once
// A small HTTP/1.1 file server for the session tests: serves a directory (GET and HEAD, single
// byte ranges, 404 for what is missing, one request per connection) on 127.0.0.1 and records
// every request's path and Authorization header, so a test can see which host got which
// credentials. Two instances on two ports are two stores (nz::storeKey includes the port).
#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTcpServer>
#include <QTcpSocket>
#include <QVector>
#include <algorithm>
#include <memory>

namespace sessiontest {

class RecordingHttpServer : public QTcpServer {
 public:
  struct Request {
    QByteArray method, path, authorization;
  };

  explicit RecordingHttpServer(const QString& root) : root_(root) {
    listen(QHostAddress::LocalHost, 0);
  }
  // Answers 401 to requests without exactly this Authorization value (empty: no check).
  void requireAuthorization(const QByteArray& value) { required_ = value; }
  QString base() const { return QString("http://127.0.0.1:%1").arg(serverPort()); }
  QVector<Request> requests() const { return requests_; }
  void clear() { requests_.clear(); }

 protected:
  void incomingConnection(qintptr fd) override {
    auto* socket = new QTcpSocket(this);
    socket->setSocketDescriptor(fd);
    // Shared by both handlers: disconnectFromHost() in answer() may emit disconnected at once.
    auto buffer = std::make_shared<QByteArray>();
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    connect(socket, &QTcpSocket::readyRead, socket, [this, socket, buffer] {
      *buffer += socket->readAll();
      const int end = buffer->indexOf("\r\n\r\n");
      if (end < 0) return;
      const QByteArray head = buffer->left(end);
      buffer->clear();
      answer(socket, head);
    });
  }

 private:
  void answer(QTcpSocket* socket, const QByteArray& head) {
    const QList<QByteArray> lines = head.split('\n');
    const QList<QByteArray> first = lines.value(0).trimmed().split(' ');
    Request r;
    r.method = first.value(0);
    r.path = first.value(1);
    QByteArray range;
    for (const QByteArray& l : lines.mid(1)) {
      const int colon = l.indexOf(':');
      const QByteArray key = l.left(colon).trimmed().toLower();
      const QByteArray value = l.mid(colon + 1).trimmed();
      if (key == "authorization") r.authorization = value;
      if (key == "range") range = value;
    }
    requests_.push_back(r);
    const QString rel =
        QString::fromUtf8(QByteArray::fromPercentEncoding(r.path.split('?').value(0)));
    const QString path = QDir(root_).filePath(rel.mid(1));
    QFile f(path);
    QByteArray out;
    if (!required_.isEmpty() && r.authorization != required_) {
      out = "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    } else if (rel.contains("..") || !QFileInfo(path).isFile() || !f.open(QIODevice::ReadOnly)) {
      out = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    } else {
      QByteArray body = f.readAll();
      const qint64 size = body.size();
      QByteArray status = "200 OK", extra;
      if (range.startsWith("bytes=")) {
        const QList<QByteArray> ab = range.mid(6).split('-');
        qint64 a = ab.value(0).toLongLong(),
               b = ab.value(1).isEmpty() ? size - 1 : ab.value(1).toLongLong();
        if (ab.value(0).isEmpty()) {  // suffix range
          a = std::max<qint64>(0, size - b);
          b = size - 1;
        }
        b = std::min(b, size - 1);
        if (a >= size) {
          out =
              "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Length: 0\r\nConnection: "
              "close\r\n\r\n";
          socket->write(out);
          socket->disconnectFromHost();
          return;
        }
        body = body.mid(a, b - a + 1);
        status = "206 Partial Content";
        extra = "Content-Range: bytes " + QByteArray::number(a) + "-" + QByteArray::number(b) +
                "/" + QByteArray::number(size) + "\r\n";
      }
      out = "HTTP/1.1 " + status + "\r\nContent-Length: " + QByteArray::number(body.size()) +
            "\r\nAccept-Ranges: bytes\r\n" + extra + "Connection: close\r\n\r\n";
      if (r.method != "HEAD") out += body;
    }
    socket->write(out);
    socket->disconnectFromHost();
  }

  QString root_;
  QByteArray required_;
  QVector<Request> requests_;
};

}  // namespace sessiontest
