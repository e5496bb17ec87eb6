// Placeholder so the library has a translation unit until the widgets land.
namespace nzviewer {
int placeholder() { return 0; }
}  // namespace nzviewer
