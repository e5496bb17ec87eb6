#pragma once
// The secrets every session test plants in URIs, and a check that none of them appears in a
// produced file or link.
#include <QString>
#include <QStringList>
#include <QtTest>

namespace sessiontest {

inline const QStringList& secrets() {
  static const QStringList list = {
      "sv=2022-11-02&ss=b&srt=sco&sp=rl&se=2030-01-01T00:00:00Z&sig=SASsig0123456789abcdef%3D",
      "SASsig0123456789abcdef",
      "AKIAEXAMPLEKEYID0001",
      "wJalrXUtnFEMIexamplesecretKEY0001",
      "X-Amz-Signature=5f0e9b1c",
      "5f0e9b1c2d3a4b5c6d7e8f90",
      "ya29.tokenEXAMPLE0001",
      "hunter2password",
      "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq",
  };
  return list;
}

// URIs carrying each kind of secret: SAS, presigned S3, OAuth token, userinfo password.
inline QStringList secretUris() {
  return {
      "https://acct.blob.core.windows.net/scans/"
      "t1.nii.zarr?sv=2022-11-02&ss=b&srt=sco&sp=rl&se=2030-01-01T00:00:00Z&sig="
      "SASsig0123456789abcdef%3D",
      "https://bucket.s3.amazonaws.com/"
      "t1.nii.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLEKEYID0001%2F20261204&"
      "X-Amz-Signature=5f0e9b1c2d3a4b5c6d7e8f90",
      "https://data.example.org/aseg.nii.zarr?access_token=ya29.tokenEXAMPLE0001",
      "https://alice:hunter2password@data.example.org/t2.nii.zarr",
      "https://data.example.org/x.nii.zarr#token=ya29.tokenEXAMPLE0001",
  };
}

inline void expectNoSecret(const QString& produced, const char* what) {
  for (const QString& s : secrets())
    if (produced.contains(s)) QFAIL(qPrintable(QString("%1 holds the secret %2").arg(what, s)));
}

}  // namespace sessiontest
