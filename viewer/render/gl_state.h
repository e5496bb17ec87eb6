#pragma once
// The raw OpenGL calls of VtkGlWidget::paintGL, in their own translation unit: VTK's GLEW
// header and Qt's OpenGL headers refuse to be included together.
class vtkGenericOpenGLRenderWindow;

namespace nzviewer::gl {

// initializeGL: reset VTK's state cache on Qt's context and adopt that context.
void initContext(vtkGenericOpenGLRenderWindow* win);
// paintGL, before rendering: reset and push VTK's state cache.
void beginPaint(vtkGenericOpenGLRenderWindow* win);
// paintGL, after rendering: blit VTK's display FBO into Qt's FBO `qtFbo` (dw x dh device
// pixels), force alpha to 1, and pop the state cache.
void endPaint(vtkGenericOpenGLRenderWindow* win, unsigned int qtFbo, int dw, int dh);
// After a render outside paintGL: pop the state cache and wait for the frame (glFinish): a
// software rasteriser (llvmpipe) defers the work until something waits for the pixels, which
// would otherwise be the blit in the window's composition, in the next turn.
void endRender(vtkGenericOpenGLRenderWindow* win);
// paintGL without a VTK frame of this size to show (resized, the new frame still to come):
// clear Qt's FBO to the background instead of blitting a frame of another size, and pop.
void endPaintBlank(vtkGenericOpenGLRenderWindow* win, unsigned int qtFbo);
// With a context current: whether it renders in software (Mesa's llvmpipe, softpipe, swrast).
bool isSoftwareRenderer();

}  // namespace nzviewer::gl
