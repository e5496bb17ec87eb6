// The doctor's failure classifier on the answers each service gives (codes as AWS, Azure, GCS
// and the emulators send them), including the classes the local servers cannot produce
// (throttling, expired tokens), and the region named by a wrong-region S3 answer.
#include <QtTest>

#include "cloud/s3_region.h"
#include "doctor/doctor.h"

namespace {

std::string classOf(long status, const std::string& code, const std::string& message = {},
                    const std::string& region = {}, bool anonymous = false) {
  return nz::classifyFailure(status, code, message, region, anonymous).problem;
}

nz::HttpResponse answer(long status, const std::string& body, nz::HttpHeaders headers = {}) {
  nz::HttpResponse r;
  r.status = status;
  r.body.assign(body.begin(), body.end());
  r.headers = std::move(headers);
  return r;
}

}  // namespace

class TestDoctorClassify : public QObject {
  Q_OBJECT
 private slots:
  void classes() {
    QCOMPARE(classOf(403, "SignatureDoesNotMatch"), std::string("bad_signature"));
    QCOMPARE(classOf(403, "InvalidAccessKeyId"), std::string("bad_signature"));
    QCOMPARE(classOf(403, "AuthenticationFailed"), std::string("bad_signature"));
    QCOMPARE(classOf(401, "Invalid Credentials"), std::string("bad_signature"));
    QCOMPARE(classOf(403, "AccessDenied"), std::string("access_denied"));
    QCOMPARE(classOf(403, "AuthorizationPermissionMismatch"), std::string("access_denied"));
    QCOMPARE(classOf(403, "", "x does not have storage.objects.get access"),
             std::string("access_denied"));
    QCOMPARE(classOf(403, "AccessDenied", "", "", true), std::string("no_credentials"));
    QCOMPARE(classOf(403, "ExpiredToken"), std::string("expired_token"));
    QCOMPARE(classOf(403, "InvalidAuthenticationInfo", "Lifetime validation failed"),
             std::string("expired_token"));
    QCOMPARE(classOf(403, "RequestTimeTooSkewed"), std::string("clock_skew"));
    QCOMPARE(classOf(403, "AuthenticationFailed", "Request date header too old"),
             std::string("clock_skew"));
    QCOMPARE(classOf(301, "PermanentRedirect", "", "eu-west-3"), std::string("wrong_region"));
    QCOMPARE(classOf(400, "AuthorizationHeaderMalformed", "", "ap-south-1"),
             std::string("wrong_region"));
    QCOMPARE(classOf(404, "NoSuchBucket"), std::string("bucket_not_found"));
    QCOMPARE(classOf(404, "ContainerNotFound"), std::string("bucket_not_found"));
    QCOMPARE(classOf(404, "NoSuchKey"), std::string("key_not_found"));
    QCOMPARE(classOf(429, ""), std::string("throttled"));
    QCOMPARE(classOf(503, "SlowDown"), std::string("throttled"));
    QCOMPARE(classOf(503, "ServerBusy"), std::string("throttled"));
    QCOMPARE(classOf(500, "InternalError"), std::string("server_error"));
    QCOMPARE(classOf(0, "", "Connection reset by peer"), std::string("network"));
    // Every class comes with a fix.
    QVERIFY(!nz::classifyFailure(503, "SlowDown", "", "", false).hint.empty());
    QVERIFY(
        nz::classifyFailure(301, "", "", "eu-west-3", false).hint.find("--aws-region eu-west-3") !=
        std::string::npos);
  }

  void regionHints() {
    QCOMPARE(nz::cloud::s3RegionHint(answer(301, "", {{"x-amz-bucket-region", "eu-west-3"}})),
             std::string("eu-west-3"));
    QCOMPARE(nz::cloud::s3RegionHint(
                 answer(400,
                        "<Error><Code>AuthorizationHeaderMalformed</Code><Region>us-west-2</Region>"
                        "</Error>")),
             std::string("us-west-2"));
    QCOMPARE(nz::cloud::s3RegionHint(answer(403, "", {{"x-amz-bucket-region", "eu-west-3"}})),
             std::string());  // not a region answer
    QCOMPARE(nz::cloud::s3RegionHint(answer(301, "<Region>evil.example/x</Region>")),
             std::string());  // never a URL part
  }
};

QTEST_GUILESS_MAIN(TestDoctorClassify)
#include "tst_doctor_classify.moc"
