#include "render/gl_state.h"

#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkOpenGLState.h>
#include <vtk_glew.h>

#include <string>

namespace nzviewer::gl {

void initContext(vtkGenericOpenGLRenderWindow* win) {
  win->GetState()->Reset();
  win->GetState()->vtkglDepthFunc(GL_LEQUAL);
  win->SetForceMaximumHardwareLineWidth(1);
  win->SetReadyForRendering(true);
  win->SetOwnContext(0);
  win->OpenGLInitContext();  // glewInit on Qt's context, checks GL >= 3.2
}

void beginPaint(vtkGenericOpenGLRenderWindow* win) {
  vtkOpenGLState* state = win->GetState();
  state->Reset();
  state->Push();
  state->vtkglDepthFunc(GL_LEQUAL);
}

void endPaint(vtkGenericOpenGLRenderWindow* win, unsigned int qtFbo, int dw, int dh) {
  vtkOpenGLState* state = win->GetState();
  int* size = win->GetSize();
  state->vtkglBindFramebuffer(GL_DRAW_FRAMEBUFFER, qtFbo);
  const GLenum buffers[1] = {GL_COLOR_ATTACHMENT0};
  glDrawBuffers(1, buffers);
  state->vtkglDisable(GL_SCISSOR_TEST);
  win->BlitDisplayFramebuffer(0, 0, 0, size[0], size[1], 0, 0, dw, dh, GL_COLOR_BUFFER_BIT,
                              GL_LINEAR);
  // VTK leaves alpha < 1 in places; the compositor would show those as holes.
  state->vtkglColorMask(GL_FALSE, GL_FALSE, GL_FALSE, GL_TRUE);
  state->vtkglClearColor(0, 0, 0, 1);
  state->vtkglClear(GL_COLOR_BUFFER_BIT);
  state->vtkglColorMask(GL_TRUE, GL_TRUE, GL_TRUE, GL_TRUE);
  state->Pop();
}

void endRender(vtkGenericOpenGLRenderWindow* win) {
  win->GetState()->Pop();
  glFinish();
}

void endPaintBlank(vtkGenericOpenGLRenderWindow* win, unsigned int qtFbo) {
  vtkOpenGLState* state = win->GetState();
  state->vtkglBindFramebuffer(GL_DRAW_FRAMEBUFFER, qtFbo);
  const GLenum buffers[1] = {GL_COLOR_ATTACHMENT0};
  glDrawBuffers(1, buffers);
  state->vtkglDisable(GL_SCISSOR_TEST);
  state->vtkglClearColor(0, 0, 0, 1);
  state->vtkglClear(GL_COLOR_BUFFER_BIT);
  state->Pop();
}

bool isSoftwareRenderer() {
  const auto* name = reinterpret_cast<const char*>(glGetString(GL_RENDERER));
  if (!name) return false;
  const std::string renderer(name);
  for (const char* soft : {"llvmpipe", "softpipe", "swrast", "Software Rasterizer"})
    if (renderer.find(soft) != std::string::npos) return true;
  return false;
}

}  // namespace nzviewer::gl
