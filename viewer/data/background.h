#pragma once
// Runs blocking work (network I/O: opening a dataset, testing a connection) off the GUI thread
// and delivers the result on the GUI thread. The result is dropped if `context` is gone by then.
#include <QCoreApplication>
#include <QMetaObject>
#include <QPointer>
#include <functional>
#include <thread>

namespace nzviewer {

template <typename T>
void runInBackground(QObject* context, std::function<T()> work, std::function<void(T)> done) {
  QPointer<QObject> guard(context);
  std::thread([guard, work = std::move(work), done = std::move(done)]() mutable {
    T result = work();
    // qApp lives on the GUI thread for the whole event loop; the guard checks the receiver.
    QMetaObject::invokeMethod(
        QCoreApplication::instance(),
        [guard, done = std::move(done), result = std::move(result)]() mutable {
          if (guard) done(std::move(result));
        },
        Qt::QueuedConnection);
  }).detach();
}

}  // namespace nzviewer
