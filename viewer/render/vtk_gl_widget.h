#pragma once
// A QOpenGLWidget that hosts a vtkGenericOpenGLRenderWindow (Qt6; Debian's VTK Qt module is
// Qt5-only). Follows the usual Qt 6 + VTK 9 call order: VTK renders into its own
// FBOs on Qt's context, paintGL blits them into the widget's framebuffer, timers are bridged
// to QTimer, and events reach the interactor in device pixels.
#include <QMetaObject>
#include <QOpenGLWidget>
#include <QSurfaceFormat>
#include <map>

class vtkGenericOpenGLRenderWindow;
class vtkGenericRenderWindowInteractor;
class vtkRenderer;
class vtkObject;
class QSurface;
class QTimer;

namespace nzviewer {

struct RenderQueue;

class VtkGlWidget : public QOpenGLWidget {
  Q_OBJECT
 public:
  explicit VtkGlWidget(QWidget* parent = nullptr);
  ~VtkGlWidget() override;

  // OpenGL 3.2 core, RGBA8, depth 24: what VTK 9.1 needs. Set it as the default before
  // QApplication exists (main) and on each widget (tests that never set a default).
  static QSurfaceFormat defaultFormat();

  vtkGenericOpenGLRenderWindow* renderWindow() const;
  vtkGenericRenderWindowInteractor* interactor() const;
  vtkRenderer* renderer() const;  // one renderer filling the viewport, created by us

  // When true (default) Qt input events are forwarded to the VTK interactor (styles, widgets).
  // Subclasses that handle input themselves turn it off.
  void setForwardEventsToVtk(bool on) { forwardEvents_ = on; }

  // Marks the scene dirty and schedules a repaint. A view with a frame to show renders in an
  // event-loop turn of its own, one view per turn, and the paint pass after it shows the frame;
  // a first frame renders inside paintGL.
  void requestRender();
  // Creates this widget's GL context and renders one frame offscreen now, with every kind of
  // prop the widget will draw (setWarmUpScene), so that context creation and shader compilation
  // (60-75 ms per view under software OpenGL) are paid before the first picture, e.g. while the
  // start page shows. The frame is never shown: the first real frame renders at once. Returns
  // false when no context could be made; does nothing once the widget has rendered.
  bool warmUp();
  bool warmedUp() const { return warmedUp_; }
  // Whether a render was asked for and has not happened yet.
  bool renderPending() const { return needRender_; }
  // Number of VTK renders done so far (tests use it to wait for a frame).
  int renderCount() const { return renderCount_; }
  // Duration of the last VTK render (with its blit when both were in one paintGL) and of the
  // longest render or paint, milliseconds.
  double lastPaintMs() const { return lastPaintMs_; }
  double maxPaintMs() const { return maxPaintMs_; }
  void resetPaintStats() { maxPaintMs_ = 0; }
  // Total nanoseconds spent rendering and in paintGL by every VtkGlWidget of the process (GUI
  // thread only): lets a stall detector tell software-GL rendering apart from other blocking work.
  static qint64 totalPaintNs();
  // The next paint pass does no VTK render: views that have a frame (a picture, or the blank
  // one a warm-up leaves) show it and render in later turns, one per turn. Called before a
  // change that shows many widgets at once (the first open switches to the views' page), so
  // that pass's raster painting and window composition do not share a turn with a render.
  static void holdRenders();
  // Whether this widget's context renders in software (llvmpipe and the like): known once the
  // context exists (after the warm-up or the first paint).
  bool softwareGl() const { return softwareGl_; }

 signals:
  void rendered();

 protected:
  void initializeGL() override;
  void resizeGL(int w, int h) override;
  void paintGL() override;
  void paintEvent(QPaintEvent* e) override;  // marks paints of the update path (not grabs)

  void mousePressEvent(QMouseEvent* e) override;
  void mouseReleaseEvent(QMouseEvent* e) override;
  void mouseDoubleClickEvent(QMouseEvent* e) override;
  void mouseMoveEvent(QMouseEvent* e) override;
  void wheelEvent(QWheelEvent* e) override;
  void keyPressEvent(QKeyEvent* e) override;
  void keyReleaseEvent(QKeyEvent* e) override;
  void enterEvent(QEnterEvent* e) override;
  void leaveEvent(QEvent* e) override;

  // Forwarding helpers, usable by subclasses that filter some events first.
  void forwardMouse(QMouseEvent* e, unsigned long vtkEvent, int repeat = 0);
  void forwardWheel(QWheelEvent* e);
  void forwardKey(QKeyEvent* e, bool press);

  // Called before every VTK render so subclasses can update actors lazily.
  virtual void prepareRender() {}
  // Called by requestRender (the scene changed).
  virtual void renderRequested() {}
  // After a render in a turn of its own: whether to show the frame now (a paint pass and the
  // window's composition) or leave it for a later render (a part of a picture being refined).
  virtual bool showFrame() const { return true; }
  // In prepareRender: whether this render has a turn of its own (the update path), rather than
  // a grab (grabFramebuffer) or a first frame that renders at once inside paintGL.
  bool pacedRender() const { return pacedRender_; }
  // warmUp: on = show stand-ins for every prop (after prepareRender), off = take them away.
  virtual void setWarmUpScene(bool /*on*/) {}

 private:
  friend struct RenderQueue;  // renders the views that have a frame, one per turn
  // A frame to show until the next render: a picture, or the blank one a warm-up leaves, in
  // VTK's framebuffers on the current context.
  bool hasFrame() const { return (renderCount_ > 0 || warmedUp_) && !newContext_; }
  bool renderOffPaint();  // that render, outside a paint pass; false when nothing to do
  void render();          // prepareRender and the VTK render into VTK's FBO
  void updateVtkSize();
  void onContextAboutToBeDestroyed();
  void onMakeCurrent();
  void onIsCurrent(void* callData);
  void onFrame();
  void onCreateTimer(void* callData);
  void onDestroyTimer(void* callData);
  void setEventPosition(const QPointF& pos, Qt::KeyboardModifiers mods, int repeat);

  struct Vtk;  // VTK smart pointers (keeps VTK headers out of this header)
  Vtk* vtk_;
  QSurface* surface_ = nullptr;
  QMetaObject::Connection destroyConnection_;
  std::map<int, QTimer*> timers_;  // VTK platform timer id -> QTimer
  bool needRender_ = true;
  bool inPaint_ = false;
  bool inPaintEvent_ = false;
  bool forwardEvents_ = true;
  bool warming_ = false;
  bool queued_ = false;                // in the render queue
  bool pacedRender_ = false;           // rendering in a turn of its own
  bool newContext_ = false;            // a (new) context that VTK has not rendered on yet
  int renderedW_ = 0, renderedH_ = 0;  // device size of the frame in VTK's framebuffer
  bool warmedUp_ = false;
  bool softwareGl_ = false;
  int renderCount_ = 0;
  double lastPaintMs_ = 0, maxPaintMs_ = 0;
};

}  // namespace nzviewer
