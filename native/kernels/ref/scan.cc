// Reference cumulative scans: one line along `dim` at a time (any strides), accumulating in double
// (floats) or wrapping 64-bit integers; the cumprod gradient by the division-free recurrence. The
// line functions are shared with the fast dispatcher (cpu/scan.cc) through scan_lines.h.
#include "kernels/ref/scan_lines.h"

namespace nr {

void scan_ref(ScanOp op, const View& out, const View& x, int dim, bool reverse) {
  if (out.numel == 0) return;
  scan_lines_all(op, out, x, dim, reverse, false);
}

void cumprod_backward_ref(const View& gx, const View& g, const View& x, int dim) {
  if (gx.numel == 0) return;
  cumprod_backward_lines_all(gx, g, x, dim, false);
}

}  // namespace nr
