// Dev harness for the extended elementwise ops (nrc_unary_strided, nrc_binary_ext,
// nrc_where_strided) and nrc_dropout. Every op x dtype against the CPU scalar definitions (ext_ref.h)
// on random data with NaN/Inf/±0/ties/integer extremes, over dense (aligned and misaligned),
// transposed + sliced + broadcast, and 0-dim views, outputs poisoned first (elements outside the
// output view must stay poisoned); unsupported op/dtype pairs must answer NRC_ERR_UNSUPPORTED; bad
// arguments NRC_ERR_INVALID_ARG. Dropout: mask and values against the host Philox of
// native/include/nr/philox.h, keep rate at n = 1e7, determinism, offsets, p = 0 and 1, in place.
// Timing: 1 GiB unary (dense and transposed), where and dropout against cudaMemcpy, in GB/s.
// Usage: elementwise_ext [--quick]
#include "ext_ref.h"
#include "nr/philox.h"

using namespace dev;

namespace {

const nrc_dtype kAll[] = {NRC_F32, NRC_F16, NRC_BF16, NRC_F64, NRC_I32, NRC_I64, NRC_U8, NRC_BOOL};
double tol_for(nrc_dtype dt) { return dt == NRC_F32 ? 3e-5 : dt == NRC_F64 ? 1e-12 : dt == NRC_F16 ? 2.5e-3 : 2e-2; }

struct UOp { nrc_unary_ext_op code; nr::UnaryOp ref; bool exact; };
const UOp kUnary[] = {
  {NRCU_RELU, nr::UnaryOp::relu, true}, {NRCU_GELU_ERF, nr::UnaryOp::gelu, false}, {NRCU_GELU_TANH, nr::UnaryOp::gelu_tanh, false},
  {NRCU_SILU, nr::UnaryOp::silu, false}, {NRCU_EXP, nr::UnaryOp::exp, false}, {NRCU_LOG, nr::UnaryOp::log, false},
  {NRCU_NEG, nr::UnaryOp::neg, true}, {NRCU_ABS, nr::UnaryOp::abs, true}, {NRCU_SQRT, nr::UnaryOp::sqrt, true},
  {NRCU_RSQRT, nr::UnaryOp::rsqrt, true}, {NRCU_TANH, nr::UnaryOp::tanh, false}, {NRCU_SIGMOID, nr::UnaryOp::sigmoid, false},
  {NRCU_SIN, nr::UnaryOp::sin, false}, {NRCU_COS, nr::UnaryOp::cos, false}, {NRCU_SQUARE, nr::UnaryOp::square, true},
  {NRCU_RECIPROCAL, nr::UnaryOp::reciprocal, true}, {NRCU_LEAKY_RELU, nr::UnaryOp::leaky_relu, true},
  {NRCU_ELU, nr::UnaryOp::elu, false}, {NRCU_SOFTPLUS, nr::UnaryOp::softplus, false}, {NRCU_HARDTANH, nr::UnaryOp::hardtanh, true},
  {NRCU_SIGN, nr::UnaryOp::sign, true}, {NRCU_FLOOR, nr::UnaryOp::floor, true}, {NRCU_CEIL, nr::UnaryOp::ceil, true},
  {NRCU_ROUND, nr::UnaryOp::round, true}, {NRCU_TRUNC, nr::UnaryOp::trunc, true}, {NRCU_LOG1P, nr::UnaryOp::log1p, false},
  {NRCU_EXPM1, nr::UnaryOp::expm1, false}, {NRCU_ERF, nr::UnaryOp::erf, false}, {NRCU_ISNAN, nr::UnaryOp::isnan, true},
  {NRCU_ISINF, nr::UnaryOp::isinf, true}, {NRCU_ISFINITE, nr::UnaryOp::isfinite, true}, {NRCU_LOGICAL_NOT, nr::UnaryOp::logical_not, true}};
struct BOp { nrc_binary_ext_op code; nr::BinaryOp ref; bool exact; };
const BOp kBinary[] = {
  {NRCB_RELU_BW, nr::BinaryOp::relu_bw, true}, {NRCB_GELU_BW, nr::BinaryOp::gelu_bw, false},
  {NRCB_GELU_TANH_BW, nr::BinaryOp::gelu_tanh_bw, false}, {NRCB_SILU_BW, nr::BinaryOp::silu_bw, false},
  {NRCB_SIGMOID_BW, nr::BinaryOp::sigmoid_bw, true}, {NRCB_TANH_BW, nr::BinaryOp::tanh_bw, false},
  {NRCB_LEAKY_RELU_BW, nr::BinaryOp::leaky_relu_bw, true}, {NRCB_ELU_BW, nr::BinaryOp::elu_bw, false},
  {NRCB_SOFTPLUS_BW, nr::BinaryOp::softplus_bw, false}, {NRCB_HARDTANH_BW, nr::BinaryOp::hardtanh_bw, true},
  {NRCB_THRESHOLD_BW, nr::BinaryOp::threshold_bw, true}, {NRCB_EQ, nr::BinaryOp::eq, true}, {NRCB_NE, nr::BinaryOp::ne, true},
  {NRCB_LT, nr::BinaryOp::lt, true}, {NRCB_LE, nr::BinaryOp::le, true}, {NRCB_GT, nr::BinaryOp::gt, true},
  {NRCB_GE, nr::BinaryOp::ge, true}, {NRCB_LOGICAL_AND, nr::BinaryOp::logical_and, true},
  {NRCB_LOGICAL_OR, nr::BinaryOp::logical_or, true}, {NRCB_LOGICAL_XOR, nr::BinaryOp::logical_xor, true},
  {NRCB_FMOD, nr::BinaryOp::fmod, true}, {NRCB_REMAINDER, nr::BinaryOp::remainder, true},
  {NRCB_ATAN2, nr::BinaryOp::atan2, false}, {NRCB_FLOOR_DIVIDE, nr::BinaryOp::floor_divide, true}};

// The support table, written independently of the library's.
bool u_pred(int op) { return op >= NRCU_ISNAN; }
bool u_ok(int op, nrc_dtype dt) {
  if (is_flt(dt) || u_pred(op)) return true;
  if (dt == NRC_BOOL) return false;
  const int ok[] = {NRCU_NEG, NRCU_ABS, NRCU_SQUARE, NRCU_SIGN, NRCU_RELU, NRCU_HARDTANH, NRCU_FLOOR, NRCU_CEIL, NRCU_ROUND, NRCU_TRUNC};
  for (int o : ok) if (o == op) return true;
  return false;
}
bool b_cmp(int op) { return op >= NRCB_EQ && op <= NRCB_LOGICAL_XOR; }
bool b_ok(int op, nrc_dtype dt) {
  if (is_flt(dt) || b_cmp(op)) return true;
  return dt != NRC_BOOL && (op == NRCB_FMOD || op == NRCB_REMAINDER || op == NRCB_FLOOR_DIVIDE);
}

// Views for one case: out, x (a), y (b), cond.
struct Case { const char* name; nrc_view o, x, y, c; };
std::vector<Case> cases() {
  std::vector<Case> v;
  v.push_back({"dense", make_view({4099}, {1}, 0), make_view({4099}, {1}, 0), make_view({4099}, {1}, 0), make_view({4099}, {1}, 0)});
  v.push_back({"dense-misaligned", make_view({1031}, {1}, 0), make_view({1031}, {1}, 1), make_view({1031}, {1}, 3), make_view({1031}, {1}, 5)});
  // out: a (6,5,7) slice of a (6,5,8) buffer at offset 1; x: a transposed (7,5,6) tensor;
  // y: broadcast over dim 1; cond: broadcast over dim 0
  v.push_back({"transposed+sliced+broadcast", make_view({6, 5, 7}, {40, 8, 1}, 1), make_view({6, 5, 7}, {1, 6, 30}, 0),
               make_view({6, 5, 7}, {7, 0, 1}, 2), make_view({6, 5, 7}, {0, 7, 1}, 0)});
  v.push_back({"0-dim", make_view({}, {}, 2), make_view({}, {}, 5), make_view({}, {}, 1), make_view({}, {}, 3)});
  return v;
}

struct Dev {  // raw device bytes
  void* p = nullptr;
  size_t n = 0;
  explicit Dev(size_t bytes) : n(bytes) { CHECK_NRC(nrc_malloc(&p, std::max<size_t>(bytes, 1))); }
  ~Dev() { nrc_free(p); }
  void up(const std::vector<uint8_t>& h) { CHECK_NRC(nrc_memcpy_h2d(p, h.data(), h.size())); }
  std::vector<uint8_t> down() const { std::vector<uint8_t> h(n); CHECK_NRC(nrc_sync()); CHECK_NRC(nrc_memcpy_d2h(h.data(), p, n)); return h; }
  void poison() { CHECK_NRC(nrc_sync()); cudaMemset(p, 0xFF, n); cudaDeviceSynchronize(); }
};

void test_unary(nrc_dtype dt, const Case& k, uint64_t seed) {
  auto xb = rand_bytes(dt, extent(k.x), seed);
  Dev X(xb.size());
  X.up(xb);
  for (const UOp& u : kUnary) {
    std::string what = std::string("unary ") + dtname(dt) + " op " + std::to_string(u.code) + " " + k.name;
    nrc_dtype odt = u_pred(u.code) ? NRC_BOOL : dt;
    Dev O(extent(k.o) * dsize(odt));
    O.poison();
    bool intp = !is_flt(dt);
    float a = u.code == NRCU_HARDTANH ? (intp ? -3.f : -1.5f) : u.code == NRCU_LEAKY_RELU ? 0.01f : 1.5f;
    float b = u.code == NRCU_HARDTANH ? (intp ? 5.f : 2.f) : 3.f;
    nrc_status s = nrc_unary_strided(u.code, dt, O.p, &k.o, X.p, &k.x, a, b);
    if (!u_ok(u.code, dt)) { expect_status(what.c_str(), s, NRC_ERR_UNSUPPORTED); continue; }
    if (s != NRC_OK) { expect_status(what.c_str(), s, NRC_OK); continue; }
    std::vector<uint8_t> want(O.n, 0xFF);
    ref_unary(u.ref, u_pred(u.code), dt, want, k.o, xb, k.x, a, b);
    compare(what, odt, O.down(), want, coverage(k.o, O.n / dsize(odt)), u.exact, tol_for(dt));
  }
}

void test_binary(nrc_dtype dt, const Case& k, uint64_t seed) {
  auto xb = rand_bytes(dt, extent(k.x), seed), yb = rand_bytes(dt, extent(k.y), seed + 1);
  Dev X(xb.size()), Y(yb.size());
  X.up(xb);
  Y.up(yb);
  for (const BOp& bo : kBinary) {
    std::string what = std::string("binary ") + dtname(dt) + " op " + std::to_string(bo.code) + " " + k.name;
    nrc_dtype odt = b_cmp(bo.code) ? NRC_BOOL : dt;
    Dev O(extent(k.o) * dsize(odt));
    O.poison();
    float alpha = bo.code == NRCB_HARDTANH_BW ? -1.5f : bo.code == NRCB_SOFTPLUS_BW ? 1.5f : 0.3f, beta = 2.f;
    nrc_status s = nrc_binary_ext(bo.code, dt, odt, O.p, &k.o, X.p, &k.x, Y.p, &k.y, alpha, beta);
    if (!b_ok(bo.code, dt)) { expect_status(what.c_str(), s, NRC_ERR_UNSUPPORTED); continue; }
    if (s != NRC_OK) { expect_status(what.c_str(), s, NRC_OK); continue; }
    std::vector<uint8_t> want(O.n, 0xFF);
    ref_binary(bo.ref, b_cmp(bo.code), dt, want, k.o, xb, k.x, yb, k.y, alpha, beta);
    compare(what, odt, O.down(), want, coverage(k.o, O.n / dsize(odt)), bo.exact, tol_for(dt));
  }
}

void test_where(nrc_dtype dt, const Case& k, uint64_t seed) {
  auto cb = rand_bytes(NRC_BOOL, extent(k.c), seed), xb = rand_bytes(dt, extent(k.x), seed + 1),
       yb = rand_bytes(dt, extent(k.y), seed + 2);
  Dev C(cb.size()), X(xb.size()), Y(yb.size()), O(extent(k.o) * dsize(dt));
  C.up(cb); X.up(xb); Y.up(yb);
  O.poison();
  CHECK_NRC(nrc_where_strided(dt, O.p, &k.o, C.p, &k.c, X.p, &k.x, Y.p, &k.y));
  std::vector<uint8_t> want(O.n, 0xFF);
  auto oo = offsets(k.o), co = offsets(k.c), xo = offsets(k.x), yo = offsets(k.y);
  const size_t es = dsize(dt);
  for (size_t i = 0; i < oo.size(); i++)
    memcpy(&want[oo[i] * es], cb[co[i]] ? &xb[xo[i] * es] : &yb[yo[i] * es], es);
  std::vector<uint8_t> got = O.down();  // bit copies: compared as bytes
  bool ok = got == want;
  printf("%s where %s %s\n", ok ? "PASS" : "FAIL", dtname(dt), k.name);
  if (!ok) g_failures++;
}

void test_args() {
  nrc_view v = make_view({8}, {1}, 0), bad = v;
  Dev A(64), B(64), O(64);
  expect_status("unary null pointer", nrc_unary_strided(NRCU_EXP, NRC_F32, nullptr, &v, A.p, &v, 0, 0), NRC_ERR_INVALID_ARG);
  expect_status("unary numel 0 with null pointers", nrc_unary_strided(NRCU_EXP, NRC_F32, nullptr, &(bad = make_view({0, 3}, {3, 1}, 0)), nullptr, &bad, 0, 0), NRC_OK);
  bad = v; bad.ndim = NRC_MAX_DIMS + 1;
  expect_status("unary ndim out of range", nrc_unary_strided(NRCU_EXP, NRC_F32, O.p, &bad, A.p, &bad, 0, 0), NRC_ERR_INVALID_ARG);
  bad = v; bad.strides[0] = -1;
  expect_status("unary negative stride", nrc_unary_strided(NRCU_EXP, NRC_F32, O.p, &v, A.p, &bad, 0, 0), NRC_ERR_INVALID_ARG);
  bad = v; bad.shape[0] = 7;
  expect_status("unary shape mismatch", nrc_unary_strided(NRCU_EXP, NRC_F32, O.p, &v, A.p, &bad, 0, 0), NRC_ERR_INVALID_ARG);
  expect_status("unary unknown op", nrc_unary_strided((nrc_unary_ext_op)32, NRC_F32, O.p, &v, A.p, &v, 0, 0), NRC_ERR_INVALID_ARG);
  expect_status("unary unknown dtype", nrc_unary_strided(NRCU_EXP, (nrc_dtype)8, O.p, &v, A.p, &v, 0, 0), NRC_ERR_INVALID_ARG);
  expect_status("binary wrong out dtype", nrc_binary_ext(NRCB_LT, NRC_F32, NRC_F32, O.p, &v, A.p, &v, B.p, &v, 0, 0), NRC_ERR_INVALID_ARG);
  expect_status("binary null view", nrc_binary_ext(NRCB_FMOD, NRC_F32, NRC_F32, O.p, &v, A.p, nullptr, B.p, &v, 0, 0), NRC_ERR_INVALID_ARG);
  expect_status("binary atan2 int32", nrc_binary_ext(NRCB_ATAN2, NRC_I32, NRC_I32, O.p, &v, A.p, &v, B.p, &v, 0, 0), NRC_ERR_UNSUPPORTED);
  bad = v; bad.strides[0] = 0;
  expect_status("where out stride 0", nrc_where_strided(NRC_F32, O.p, &bad, A.p, &v, A.p, &v, B.p, &v), NRC_ERR_INVALID_ARG);
  expect_status("dropout p > 1", nrc_dropout(NRC_F32, A.p, O.p, nullptr, 8, 1.5f, 1, 0), NRC_ERR_INVALID_ARG);
  expect_status("dropout p NaN", nrc_dropout(NRC_F32, A.p, O.p, nullptr, 8, NAN, 1, 0), NRC_ERR_INVALID_ARG);
  expect_status("dropout int32", nrc_dropout(NRC_I32, A.p, O.p, nullptr, 8, 0.5f, 1, 0), NRC_ERR_UNSUPPORTED);
  expect_status("dropout null x", nrc_dropout(NRC_F32, nullptr, O.p, nullptr, 8, 0.5f, 1, 0), NRC_ERR_INVALID_ARG);
  expect_status("dropout n 0 null", nrc_dropout(NRC_F32, nullptr, nullptr, nullptr, 0, 0.5f, 1, 0), NRC_OK);
}

}  // namespace

#include "ext_dropout.h"  // test_dropout(), bench()

int main(int argc, char** argv) {
  init(argc, argv);
  // Philox4x32-10 known answer (Random123 kat_vectors: counter 0, key 0), host definition
  nr::Philox4 r = nr::philox4x32(0, 0);
  bool kat = r.v[0] == 0x6627e8d5u && r.v[1] == 0xe169c58du && r.v[2] == 0xbc57ac4cu && r.v[3] == 0x9b00dbd8u;
  printf("%s philox4x32-10 known answer (host)\n", kat ? "PASS" : "FAIL");
  if (!kat) g_failures++;
  test_args();
  uint64_t seed = 1;
  for (const Case& k : cases())
    for (nrc_dtype dt : kAll) {
      test_unary(dt, k, seed++);
      test_binary(dt, k, seed++);
      test_where(dt, k, seed++);
    }
  test_dropout();
  if (!g_quick) bench();
  return finish("elementwise_ext");
}
