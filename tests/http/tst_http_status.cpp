// Status -> ErrorKind / retryable table shared by every HTTP-based store.
#include <QtTest>

#include "http/http_status.h"

using namespace nz;

class TestHttpStatus : public QObject {
  Q_OBJECT
 private slots:
  void mapping() {
    QCOMPARE(httpStatusErrorKind(404), ErrorKind::NotFound);
    QCOMPARE(httpStatusErrorKind(410), ErrorKind::NotFound);
    QCOMPARE(httpStatusErrorKind(401), ErrorKind::PermissionDenied);
    QCOMPARE(httpStatusErrorKind(403), ErrorKind::PermissionDenied);
    QCOMPARE(httpStatusErrorKind(503), ErrorKind::Network);
    QCOMPARE(httpStatusErrorKind(405), ErrorKind::Unsupported);
    QCOMPARE(httpStatusErrorKind(416), ErrorKind::InvalidData);
    QCOMPARE(httpStatusErrorKind(400), ErrorKind::InvalidArgument);
    for (long s : {408L, 429L, 500L, 502L, 503L, 504L}) QVERIFY(httpStatusRetryable(s));
    for (long s : {200L, 206L, 400L, 401L, 403L, 404L, 416L, 501L, 505L})
      QVERIFY(!httpStatusRetryable(s));
    QVERIFY(httpStatusOk(206) && !httpStatusOk(304));
    QCOMPARE(httpStatusMessage(403, "https://host/path"),
             std::string("403 Forbidden from https://host/path"));
    QCOMPARE(httpStatusText(599), std::string("HTTP 599"));
  }
};

QTEST_GUILESS_MAIN(TestHttpStatus)
#include "tst_http_status.moc"
