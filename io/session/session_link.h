#pragma once
// `nzview://open?…` links: a session in a URL a colleague can click. The readable form names
// each layer and the view in query parameters:
//
//   nzview://open?image=https://host/t1.nii.zarr&cmap=grey&window=0,800
//       &labels=s3://lab/aseg.nii.zarr&lut=FreeSurferColorLUT.txt&opacity=0.5
//       &mm=-12.5,8,20&zoom=2.5&t=0&sel=1&bm=lesion,-10,4,22,4
//
// Parameters (README "Sessions and links"): image=URI / labels=URI add a layer (the first is the
// reference; `uri=` is the same as `image=`); name, lut, opacity, visible, outline, linear, cmap,
// window, hidden apply to the layer before them; mm (crosshair, world mm), t, c, sel (selected
// layer index), zoom (pixels per mm: one value for every view, or axial,coronal,sagittal),
// axial/coronal/sagittal=zoom,x,y,z (zoom and the world point at the view's centre), layout,
// bm=name,x,y,z[,zoom] (a bookmark, repeatable). Values are percent-encoded (',' inside a name
// as %2C). What the readable form cannot carry (ROIs, rulers, 3D camera), or a link that would
// be longer than kLinkSoftLimit, uses the compact form `nzview://open?z=…`: the session JSON,
// deflated and base64url-encoded. Both forms are read back by parseSessionLink.
#include <cstddef>
#include <string>

#include "session/session.h"

namespace nz {

// Length that chat tools and browsers keep reliably; sessionLink stays under it when it can.
constexpr std::size_t kLinkSoftLimit = 2000;

// The link for `session` (URIs made shareable). The readable form when it can carry everything
// within kLinkSoftLimit, else the shorter of readable and compact (which may exceed the limit:
// check the length and offer a session file instead).
std::string sessionLink(const Session& session);
// Forced forms (tests, "copy compact link").
std::string sessionLinkReadable(const Session& session);
std::string sessionLinkCompact(const Session& session);

// Parses either form (at most 1 MiB of link, 16 MiB inflated). Throws nz::Error(InvalidData)
// with one message naming the parameter, e.g. "nzview link: mm: expects 3 numbers".
Session parseSessionLink(const std::string& link);

// True for text starting with "nzview:" (case-insensitive).
bool isSessionLink(const std::string& text);

}  // namespace nz
