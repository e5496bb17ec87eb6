// The one source of nz_test_pch, the target that builds the tests' shared precompiled header.
