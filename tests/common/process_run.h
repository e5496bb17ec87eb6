#pragma once
// Running the executables and scripts a test checks: the one copy of the QProcess preamble
// (start, wait with a timeout, collect exit code and output). Header-only, for any test:
// #include "common/process_run.h".
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

namespace nztest {

// The build tree's command-line tool (NZ_BINARY_DIR is defined for every test by nz_add_test).
inline const QString kCliPath = QStringLiteral(NZ_BINARY_DIR "/bin/nzview-cli");
// Debian's python (numpy, nibabel, zarr from apt), never a pyenv shim.
inline const QString kPython = QStringLiteral("/usr/bin/python3");

struct Run {
  int rc = -1;  // the exit code; -1 when the process timed out or crashed
  QString out, err;
};

// Runs `program` in `env` (default: this process's environment) and waits up to `timeoutMs`;
// a process still running then is killed (rc -1, err "timeout").
inline Run runProcess(const QString& program, const QStringList& args, int timeoutMs = 180000,
                      const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) {
  QProcess p;
  p.setProcessEnvironment(env);
  p.start(program, args);
  Run r;
  if (!p.waitForFinished(timeoutMs)) {
    p.kill();
    p.waitForFinished();
    r.err = "timeout";
    return r;
  }
  r.rc = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
  r.out = QString::fromUtf8(p.readAllStandardOutput());
  r.err = QString::fromUtf8(p.readAllStandardError());
  return r;
}

}  // namespace nztest
