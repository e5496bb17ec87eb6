// nzview-cli doctor URI: the connection doctor (io/doctor/doctor.h), step by step.
#include <iostream>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "core/error.h"
#include "doctor/doctor.h"
#include "uri/uri.h"

namespace nzcli {

namespace {

const char* kUsage = "nzview-cli doctor URI [--json] [credential options]";
const char* kDescription =
    "Diagnoses how nzview reaches URI with the given credential options (the same as for info\n"
    "and export), step by step, each with a one-line fix when something is wrong:\n"
    "  URI         scheme, account, bucket/container and key as parsed\n"
    "  endpoint    the endpoint and (S3) the region and where it came from\n"
    "  credentials every credential source in order: which was chosen, which were skipped and\n"
    "              why (flag not given, variable unset or empty, file or profile missing, az not\n"
    "              installed...), a SAS's expiry; with an OAuth token (Azure default\n"
    "              credential, GCS) its source, expiry time and time left (token_expiring\n"
    "              under 5 minutes, expired_token once expired); never a secret\n"
    "  DNS, TCP, TLS  name resolution, connection, certificate chain and host name (problems\n"
    "              named: self-signed, unknown issuer, expired, wrong host)\n"
    "  clock       this machine's (signing) time against the server's Date header\n"
    "  read        a metadata read through the viewer's own store, failures classified:\n"
    "              bad_signature, access_denied, no_credentials, expired_sas, expired_token,\n"
    "              clock_skew, wrong_region, bucket_not_found, key_not_found, throttled,\n"
    "              server_error, network, tls_certificate, dns, tcp\n"
    "Exit code 0 when the metadata can be read (also with a warning, e.g. a wrong S3 region\n"
    "that nzview follows by itself), 1 otherwise. --json prints {uri, ok, problem, hint,\n"
    "token: {source, expires_at, remaining_seconds} | null,\n"
    "steps: [{id, title, status, lines, problem, hint}]}.\n"
    "--option clock_offset=S signs with the clock moved by S seconds (to test or to work\n"
    "around a clock that cannot be set).";

}  // namespace

int cmdDoctor(const Args& args) {
  OptionParser parser("doctor", {{"--json", false, "", "print the report as one JSON object", ""}});
  return runOneOperandCommand(parser, kUsage, kDescription, "URI", args, [](const ParsedArgs& a) {
    const bool json = a.has("--json");
    if (!json)
      std::cout << "Diagnosing " << nz::redactSecrets(a.positional[0]) << "\n" << std::flush;
    const nz::DoctorReport report =
        nz::diagnose(a.positional[0], a.store, [&](const nz::DoctorStep& s) {
          if (!json) std::cout << nz::renderDoctorStep(s) << std::flush;
        });
    if (json) {
      std::cout << nz::doctorJson(report) << "\n";
    } else if (report.ok) {
      std::cout << (report.problem.empty()
                        ? "Result: OK, the metadata can be read.\n"
                        : "Result: readable, with a warning (" + report.problem + ").\n");
    } else {
      std::cout << "Result: FAILED (" << report.problem << "): " << report.hint << "\n";
    }
    return report.ok ? 0 : 1;
  });
}

}  // namespace nzcli
