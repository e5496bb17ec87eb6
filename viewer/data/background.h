#pragma once
// Work off the GUI thread. runDetached starts a counted detached thread (nz::startDetached) and
// makes sure the application waits for such threads when it is destroyed, before any static
// object is (qAddPostRoutine; a bounded wait, see background.cpp). runInBackground runs blocking
// work (network I/O: opening a dataset, testing a connection) that way and delivers the result
// on the GUI thread; the result is dropped if `context` is gone by then.
#include <QCoreApplication>
#include <QMetaObject>
#include <QPointer>
#include <functional>
#include <utility>

#include "core/detached_threads.h"

namespace nzviewer {

// Registers, once, the wait for detached threads in the application's destructor.
void waitForDetachedThreadsAtExit();

template <typename F>
void runDetached(F&& work) {
  waitForDetachedThreadsAtExit();
  nz::startDetached(std::forward<F>(work));
}

template <typename T>
void runInBackground(QObject* context, std::function<T()> work, std::function<void(T)> done) {
  QPointer<QObject> guard(context);
  runDetached([guard, work = std::move(work), done = std::move(done)]() mutable {
    T result = work();
    // qApp lives on the GUI thread for the whole event loop; the guard checks the receiver.
    QMetaObject::invokeMethod(
        QCoreApplication::instance(),
        [guard, done = std::move(done), result = std::move(result)]() mutable {
          if (guard) done(std::move(result));
        },
        Qt::QueuedConnection);
  });
}

}  // namespace nzviewer
