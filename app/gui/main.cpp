// nzview: GUI entry point (placeholder window until the viewer lands).
#include <QApplication>
#include <QLabel>
#include <QMainWindow>

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QMainWindow window;
  window.setWindowTitle("nzview");
  window.setCentralWidget(new QLabel("nzview"));
  window.resize(1024, 768);
  window.show();
  return app.exec();
}
