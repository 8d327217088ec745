// 2-D convolution: geometry validation shared by nrc_conv2d_fwd / _bwd_data / _bwd_filter (sizes,
// output extents from the formula, groups, int32 index ranges) and the harness knobs.
#include "conv_common.cuh"

namespace nrc {

int g_conv_force_simt = 0;
int g_conv_no_depthwise = 0;

std::string conv_shape_str(const nrc_conv2d_geom& g) {
  char b[320];
  snprintf(b, sizeof b,
           "x (%d, %d, %d, %d), w (%d, %d, %d, %d), y (%d, %d, %d, %d), stride (%d, %d), padding (%d, %d), "
           "dilation (%d, %d), groups %d",
           g.N, g.C, g.H, g.W, g.K, g.groups > 0 ? g.C / g.groups : g.C, g.R, g.S, g.N, g.K, g.P, g.Q, g.sh, g.sw, g.ph,
           g.pw, g.dh, g.dw, g.groups);
  return b;
}

nrc_status conv_validate(const char* fn, nrc_dtype dt, const nrc_conv2d_geom* gp, ConvParams& p) {
  std::string f(fn);
  NRC_ARG(dtype_ok(dt), f + ": dtype must be float32, float16 or bfloat16");
  NRC_ARG(gp, f + ": null geometry");
  const nrc_conv2d_geom& g = *gp;
  const std::string shapes = conv_shape_str(g);
  NRC_ARG(g.N > 0 && g.C > 0 && g.H > 0 && g.W > 0 && g.K > 0 && g.R > 0 && g.S > 0 && g.P > 0 && g.Q > 0,
          f + ": sizes must be positive: " + shapes);
  NRC_ARG(g.sh > 0 && g.sw > 0 && g.dh > 0 && g.dw > 0, f + ": stride and dilation must be positive: " + shapes);
  NRC_ARG(g.ph >= 0 && g.pw >= 0, f + ": padding must be non-negative: " + shapes);
  NRC_ARG(g.groups > 0 && g.C % g.groups == 0 && g.K % g.groups == 0,
          f + ": groups must divide the in and out channels: " + shapes);
  // Extents in 64 bits: the formula must give the declared P and Q (and at least 1).
  int64_t hp = (int64_t)g.H + 2 * (int64_t)g.ph - (int64_t)g.dh * (g.R - 1) - 1;
  int64_t wp = (int64_t)g.W + 2 * (int64_t)g.pw - (int64_t)g.dw * (g.S - 1) - 1;
  NRC_ARG(hp >= 0 && wp >= 0, f + ": the dilated kernel is larger than the padded input: " + shapes);
  NRC_ARG(hp / g.sh + 1 == g.P && wp / g.sw + 1 == g.Q,
          f + ": P, Q must be (H + 2*ph - dh*(R-1) - 1)/sh + 1 = " + std::to_string(hp / g.sh + 1) + ", " +
              std::to_string(wp / g.sw + 1) + ": " + shapes);
  // Every element count and every flattened index must fit in int32.
  const int64_t lim = (int64_t)1 << 31;
  int64_t nx = (int64_t)g.N * g.C * g.H * g.W, ny = (int64_t)g.N * g.K * g.P * g.Q;
  int64_t nw = (int64_t)g.K * (g.C / g.groups) * g.R * g.S;
  if (nx >= lim || ny >= lim || nw >= lim)
    return set_error(NRC_ERR_UNSUPPORTED, f + ": tensors of 2^31 elements or more are not supported: " + shapes);
  // Tap coordinates (p*sh + r*dh, ...) stay in int32.
  if ((int64_t)g.P * g.sh + (int64_t)g.R * g.dh + g.H >= lim || (int64_t)g.Q * g.sw + (int64_t)g.S * g.dw + g.W >= lim)
    return set_error(NRC_ERR_UNSUPPORTED, f + ": stride/dilation too large: " + shapes);
  p = ConvParams{};
  p.g = g;
  p.Cg = g.C / g.groups;
  p.Kg = g.K / g.groups;
  p.HW = g.H * g.W;
  p.PQ = g.P * g.Q;
  p.RS = g.R * g.S;
  p.CgRS = p.Cg * p.RS;
  p.fd_PQ = FastDiv(p.PQ);
  p.fd_Q = FastDiv(g.Q);
  p.fd_HW = FastDiv(p.HW);
  p.fd_W = FastDiv(g.W);
  p.fd_RS = FastDiv(p.RS);
  p.fd_S = FastDiv(g.S);
  p.fd_sh = FastDiv(g.sh);
  p.fd_sw = FastDiv(g.sw);
  p.fd_Cg = FastDiv(p.Cg);
  p.fd_Kg = FastDiv(p.Kg);
  return NRC_OK;
}

}  // namespace nrc
