find_package(Threads REQUIRED)
find_package(CURL REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED CONFIG)
find_package(ZLIB REQUIRED)
find_package(zstd REQUIRED CONFIG)
find_package(OpenSSL REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(BLOSC REQUIRED IMPORTED_TARGET blosc)
# Intel ISA-L (igzip): fast gzip inflate/deflate for .nii.gz.
pkg_check_modules(ISAL REQUIRED IMPORTED_TARGET libisal)
# numcodecs lz4/bz2/lzma compressors (Debian liblz4-dev, libbz2-dev, liblzma-dev).
pkg_check_modules(LZ4 REQUIRED IMPORTED_TARGET liblz4)
pkg_check_modules(LZMA REQUIRED IMPORTED_TARGET liblzma)
find_package(BZip2 REQUIRED)

if(NZ_BUILD_GUI OR NZ_BUILD_TESTS)
  find_package(Qt6 6.4 REQUIRED COMPONENTS Core Gui Widgets OpenGL OpenGLWidgets Network Test)
endif()
if(NZ_BUILD_GUI)
  # Core modules only: Debian builds VTK's Qt modules against Qt5 (never GUISupportQt).
  find_package(VTK 9.1 REQUIRED COMPONENTS
    CommonCore CommonDataModel CommonExecutionModel CommonMath CommonTransforms
    RenderingCore RenderingOpenGL2 RenderingUI RenderingImage RenderingFreeType
    RenderingAnnotation InteractionStyle InteractionWidgets ImagingCore ImagingColor
    FiltersSources FiltersCore IOImage
    RenderingVolume RenderingVolumeOpenGL2 FiltersGeneral)
endif()
