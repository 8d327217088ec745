/* neurona CUDA backend: the C ABI of libneurona_cuda.so.
 *
 * The core addon loads this library with dlopen on first use of a 'cuda' device and resolves the
 * symbols below with dlsym (see native/runtime/cuda_loader.cc); nothing else is exported.
 * Rules for every function:
 *   - returns an nrc_status; on failure a message is kept in a thread-local string that
 *     nrc_last_error() returns (valid until the next failing call on the same thread);
 *   - never aborts, never throws; invalid arguments give NRC_ERR_INVALID_ARG, a shape or dtype a
 *     kernel does not handle gives NRC_ERR_UNSUPPORTED;
 *   - kernels run asynchronously on the library's stream (one per device); nrc_sync() waits for
 *     them and reports errors found on the device (e.g. an out-of-range embedding index);
 *   - device pointers come from nrc_malloc; sizes are element counts unless named *_bytes;
 *     matrices are row-major, strides (ld*) in elements.
 */
#ifndef NEURONA_CUDA_H
#define NEURONA_CUDA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define NRC_API __declspec(dllexport)
#else
#define NRC_API __attribute__((visibility("default")))
#endif

/* Bumped whenever a signature below changes; the loader refuses a library with another version. */
#define NRC_API_VERSION 2

typedef enum {
  NRC_OK = 0,
  NRC_ERR_NO_DRIVER = 1,       /* libcuda.so.1 not found / not loadable */
  NRC_ERR_DRIVER_TOO_OLD = 2,  /* driver older than the runtime this library was built with */
  NRC_ERR_NO_DEVICE = 3,       /* driver present but no usable device */
  NRC_ERR_NOT_INITIALIZED = 4, /* nrc_init was not called or failed */
  NRC_ERR_INVALID_ARG = 5,
  NRC_ERR_UNSUPPORTED = 6,     /* shape/dtype/arch this build does not handle */
  NRC_ERR_OUT_OF_MEMORY = 7,
  NRC_ERR_CUDA = 8,            /* any other CUDA runtime error (message has the details) */
  NRC_ERR_DEVICE_ASSERT = 9    /* a kernel flagged bad input (reported by nrc_sync) */
} nrc_status;

/* Element types. The contiguous kernels below (elementwise, reductions, softmax, layernorm,
 * embedding, AdamW, GEMM, attention) take F32/F16/BF16 only and answer NRC_ERR_UNSUPPORTED for the
 * other codes; the strided kernels (nrc_copy_strided, nrc_binary_strided, nrc_unary_strided,
 * nrc_binary_ext, nrc_where_strided) and nrc_dropout take more. BOOL is one byte holding 0 or 1. */
typedef enum {
  NRC_F32 = 0, NRC_F16 = 1, NRC_BF16 = 2, NRC_F64 = 3, NRC_I32 = 4, NRC_I64 = 5, NRC_U8 = 6, NRC_BOOL = 7
} nrc_dtype;

typedef struct {
  char name[256];
  int cc_major, cc_minor;
  uint64_t total_memory; /* bytes */
  int multiprocessors;
  int l2_bytes;
  int smem_per_block_optin; /* bytes */
} nrc_device_info;

/* ---- library, driver and devices ---- */
NRC_API int nrc_api_version(void);
NRC_API int nrc_runtime_version(void);       /* CUDA runtime version built in, e.g. 13000 */
NRC_API const char* nrc_build_archs(void);   /* e.g. "75;80;86;89;90a" */
NRC_API const char* nrc_last_error(void);
/* Initialises the runtime: classifies a missing driver / old driver / no device. Idempotent. */
NRC_API nrc_status nrc_init(void);
NRC_API nrc_status nrc_driver_version(int* version); /* 0 when no driver */
NRC_API nrc_status nrc_device_count(int* count);
NRC_API nrc_status nrc_device_get_info(int device, nrc_device_info* info);
NRC_API nrc_status nrc_set_device(int device);       /* current device of the calling thread */

/* ---- memory: a caching, stream-ordered allocator on the library's stream ---- */
NRC_API nrc_status nrc_malloc(void** ptr, size_t bytes);
NRC_API nrc_status nrc_free(void* ptr);
NRC_API nrc_status nrc_memory_stats(uint64_t* in_use_bytes, uint64_t* reserved_bytes);
NRC_API nrc_status nrc_empty_cache(void); /* synchronises, then returns cached blocks to the driver */
NRC_API nrc_status nrc_memcpy_h2d(void* dst, const void* src, size_t bytes); /* synchronous */
NRC_API nrc_status nrc_memcpy_d2h(void* dst, const void* src, size_t bytes); /* synchronous */
NRC_API nrc_status nrc_memcpy_d2d(void* dst, const void* src, size_t bytes); /* stream-ordered */
NRC_API nrc_status nrc_sync(void);

/* ---- elementwise (contiguous, n elements) ---- */
/* MAXIMUM, MINIMUM and POW are taken by nrc_binary_strided only (nrc_binary: NRC_ERR_UNSUPPORTED). */
typedef enum {
  NRC_ADD = 0, NRC_SUB = 1, NRC_MUL = 2, NRC_DIV = 3, NRC_MAXIMUM = 4, NRC_MINIMUM = 5, NRC_POW = 6
} nrc_binary_op;
typedef enum {
  NRC_RELU = 0, NRC_GELU_TANH = 1, NRC_SILU = 2, NRC_EXP = 3, NRC_NEG = 4, NRC_TANH = 5, NRC_SIGMOID = 6
} nrc_unary_op;
NRC_API nrc_status nrc_fill(nrc_dtype dt, void* out, size_t n, float value);
/* out = a op b; all three of dtype dt, same n; op ADD..DIV. */
NRC_API nrc_status nrc_binary(nrc_binary_op op, nrc_dtype dt, const void* a, const void* b, void* out, size_t n);
NRC_API nrc_status nrc_unary(nrc_unary_op op, nrc_dtype dt, const void* x, void* out, size_t n);
/* out = alpha * x + y (axpby-style fused update used by optimisers and gradient accumulation) */
NRC_API nrc_status nrc_axpy(nrc_dtype dt, float alpha, const void* x, void* y, size_t n);
NRC_API nrc_status nrc_cast(nrc_dtype src_dt, const void* src, nrc_dtype dst_dt, void* dst, size_t n);

/* ---- strided views: copies with dtype conversion, broadcasting binary ops ----
 * Both take every view as (offset, shape, strides) in elements of the view's own dtype, so
 * transposed, permuted, sliced and expanded (stride 0) tensors need no contiguous copy first.
 * Dimensions are sorted and merged on the host; contiguous views take a vectorised flat kernel,
 * a transposing copy goes through shared-memory tiles, anything else a gather kernel. */
#define NRC_MAX_DIMS 12
/* A strided view: element offset, shape and element strides (strides may be 0 for broadcasting,
 * never negative). ndim 0 = a scalar (one element at offset). */
typedef struct {
  int32_t ndim;
  int64_t offset;
  int64_t shape[NRC_MAX_DIMS];
  int64_t strides[NRC_MAX_DIMS];
} nrc_view;
/* dst[view dv] = convert(src[view sv]) elementwise, for any pair of the 8 dtypes (float->int truncates
 * toward zero like a C cast; anything->bool is (x != 0); bool->number is 0/1). dv and sv must have
 * the same ndim and shape (broadcast by giving sv stride 0). dst must not overlap src unless they
 * are the same view. n = numel 0 is a no-op.
 * Details: float->integer goes through int64 (NaN gives 0, values beyond the int64 range
 * saturate, then the int64 wraps to a narrower type as in C, e.g. -1.5 -> -1 -> 255 for U8);
 * int64->float16/bfloat16 and float64->float16/bfloat16 round through float32. A size>1 dim of
 * dst with stride 0 (dst overlapping itself) is NRC_ERR_INVALID_ARG; so is an in-place copy
 * (same pointer and view) between dtypes of different sizes. */
NRC_API nrc_status nrc_copy_strided(nrc_dtype dst_dt, void* dst, const nrc_view* dv, nrc_dtype src_dt, const void* src,
                                    const nrc_view* sv);
/* out[ov] = a[av] op b[bv], all of dtype dt (F32, F16, BF16, F64, I32, I64), computed in float
 * (double for F64, int64 arithmetic for integers; integer DIV truncates toward zero and division by zero
 * gives 0 instead of trapping). ov, av, bv share ndim and shape (broadcast by stride 0). out may alias
 * a or b only when it is the identical view (in-place). Ops: NRC_ADD..NRC_DIV plus the new
 * NRC_MAXIMUM = 4, NRC_MINIMUM = 5 (NaN propagates), NRC_POW = 6 (floats only).
 * Integer ADD/SUB/MUL wrap (two's complement); U8/BOOL and integer POW give NRC_ERR_UNSUPPORTED. */
NRC_API nrc_status nrc_binary_strided(nrc_binary_op op, nrc_dtype dt, void* out, const nrc_view* ov, const void* a,
                                      const nrc_view* av, const void* b, const nrc_view* bv);

/* ---- extended elementwise ops on strided views (semantics of the CPU scalar kernels,
 * native/include/nr/kernels/elementwise.h) ----
 * Views as for nrc_binary_strided: every view has out's ndim and shape (broadcast by stride 0),
 * offsets and strides in elements of its own dtype, none negative; out may alias an input only as
 * the identical view. numel 0 is a no-op. F32/F16/BF16 compute in float, F64 in double, integers in
 * their own type (wrapping through the unsigned type). An op a dtype does not support gives
 * NRC_ERR_UNSUPPORTED naming the function, op and dtype. */
/* Unary ops; out (ov) and x (xv) share shape; out dtype = x dtype except the predicates ISNAN,
 * ISINF, ISFINITE, LOGICAL_NOT (out NRC_BOOL). Floats take every op (ROUND is half to even, SIGN
 * of NaN is 0, RELU keeps NaN). I32/I64/U8 take NEG, ABS, SQUARE (wrapping), SIGN, RELU, HARDTANH
 * (a, b truncated toward zero, saturating), FLOOR/CEIL/ROUND/TRUNC (identity) and the predicates;
 * BOOL takes the predicates only. */
typedef enum {
  NRCU_RELU = 0, NRCU_GELU_ERF = 1, NRCU_GELU_TANH = 2, NRCU_SILU = 3, NRCU_EXP = 4, NRCU_LOG = 5, NRCU_NEG = 6,
  NRCU_ABS = 7, NRCU_SQRT = 8, NRCU_RSQRT = 9, NRCU_TANH = 10, NRCU_SIGMOID = 11, NRCU_SIN = 12, NRCU_COS = 13,
  NRCU_SQUARE = 14, NRCU_RECIPROCAL = 15, NRCU_LEAKY_RELU = 16 /* a = slope */, NRCU_ELU = 17 /* a = alpha */,
  NRCU_SOFTPLUS = 18 /* a = beta, b = threshold */, NRCU_HARDTANH = 19 /* a = min, b = max */, NRCU_SIGN = 20,
  NRCU_FLOOR = 21, NRCU_CEIL = 22, NRCU_ROUND = 23 /* half to even */, NRCU_TRUNC = 24, NRCU_LOG1P = 25, NRCU_EXPM1 = 26,
  NRCU_ERF = 27, NRCU_ISNAN = 28, NRCU_ISINF = 29, NRCU_ISFINITE = 30, NRCU_LOGICAL_NOT = 31
} nrc_unary_ext_op;
NRC_API nrc_status nrc_unary_strided(nrc_unary_ext_op op, nrc_dtype dt, void* out, const nrc_view* ov, const void* x,
                                     const nrc_view* xv, float a, float b);
/* out = f(a, b) with broadcasting by stride 0; a and b of dtype dt; out of dtype out_dt, which must be
 * NRC_BOOL for the comparisons and logical ops (EQ..LOGICAL_XOR) and dt for the others.
 * The *_BW ops take (a = incoming gradient, b = saved tensor): the forward output y for SIGMOID_BW
 * and TANH_BW (and RELU_BW, where y > 0 iff x > 0), the forward input x for the others (ELU_BW
 * included: a * alpha * exp(x) for x <= 0, as the CPU's elu_bw). Floats take every op; I32/I64/U8
 * the comparisons, logical ops, FMOD, REMAINDER and FLOOR_DIVIDE (division by zero gives 0, no
 * trap; x % -1 is 0; min // -1 wraps); BOOL the comparisons and logical ops. REMAINDER has the sign
 * of the divisor (Python), FLOOR_DIVIDE is Python's floor division (floats: x // 0 is x / 0). */
typedef enum {
  NRCB_RELU_BW = 0 /* b = y */, NRCB_GELU_BW = 1 /* b = x */, NRCB_GELU_TANH_BW = 2 /* b = x */, NRCB_SILU_BW = 3 /* b = x */,
  NRCB_SIGMOID_BW = 4 /* b = y */, NRCB_TANH_BW = 5 /* b = y */, NRCB_LEAKY_RELU_BW = 6 /* b = x, alpha = slope */,
  NRCB_ELU_BW = 7 /* b = x, alpha */, NRCB_SOFTPLUS_BW = 8 /* b = x, alpha = beta, beta = threshold */,
  NRCB_HARDTANH_BW = 9 /* b = x, alpha = min, beta = max */, NRCB_THRESHOLD_BW = 10 /* b = x, alpha = threshold */,
  NRCB_EQ = 11, NRCB_NE = 12, NRCB_LT = 13, NRCB_LE = 14, NRCB_GT = 15, NRCB_GE = 16,
  NRCB_LOGICAL_AND = 17, NRCB_LOGICAL_OR = 18, NRCB_LOGICAL_XOR = 19, NRCB_FMOD = 20, NRCB_REMAINDER = 21 /* Python sign rule */,
  NRCB_ATAN2 = 22, NRCB_FLOOR_DIVIDE = 23
} nrc_binary_ext_op;
NRC_API nrc_status nrc_binary_ext(nrc_binary_ext_op op, nrc_dtype dt, nrc_dtype out_dt, void* out, const nrc_view* ov,
                                  const void* a, const nrc_view* av, const void* b, const nrc_view* bv, float alpha,
                                  float beta);
/* out = cond ? a : b (elements copied bit for bit); cond NRC_BOOL (any non-zero byte is true); a, b,
 * out of dtype dt (any of the 8); all broadcast to ov's shape by stride 0. */
NRC_API nrc_status nrc_where_strided(nrc_dtype dt, void* out, const nrc_view* ov, const void* cond, const nrc_view* cv,
                                     const void* a, const nrc_view* av, const void* b, const nrc_view* bv);
/* Inverted dropout on n contiguous elements of dtype dt (F32, F16, BF16, F64):
 * keep_i = u_i >= p, y_i = keep_i ? x_i * (1 / (1 - p)) : 0, where u_i is element i of the Philox
 * uniform stream of native/include/nr/philox.h, philox_uniform(seed, offset, i): counter
 * offset + i / 4, lane i % 4, key seed, (bits >> 8) * 2^-24 (the CPU attention dropout's stream).
 * Counter-based Philox4x32-10 (Salmon et al. 2011), so the same (seed, offset) gives the same mask
 * on any GPU and launch configuration; a call uses counters offset .. offset + (n + 3) / 4 - 1.
 * The scale 1 / (1 - p) is computed in double and applied in float (double for F64).
 * mask (n bytes, may be NULL) receives keep as 0/1. p in [0, 1]; p == 1 gives zeros. y may be x. */
NRC_API nrc_status nrc_dropout(nrc_dtype dt, const void* x, void* y, uint8_t* mask, size_t n, float p, uint64_t seed,
                               uint64_t offset);

/* ---- reductions (fp32 accumulation, fp32 output) ---- */
/* x is (rows, cols) contiguous; out[r] = sum_c x[r, c] (out is float32, rows elements). */
NRC_API nrc_status nrc_sum_rows(nrc_dtype dt, const void* x, float* out, size_t rows, size_t cols);
/* out[0] = sum of all n elements (deterministic two-pass tree). */
NRC_API nrc_status nrc_sum_all(nrc_dtype dt, const void* x, float* out, size_t n);

/* ---- softmax and cross-entropy over the last dim of a (rows, cols) contiguous tensor ---- */
NRC_API nrc_status nrc_softmax(nrc_dtype dt, const void* x, void* y, size_t rows, size_t cols);
/* logits (rows, V); targets int32 (rows), -100 = ignore; losses float32 (rows).
 * dlogits (rows, V, dtype dt) may be NULL; when given, dlogits = (softmax - onehot) * dloss_scale
 * (e.g. 1/valid_rows for a mean loss), 0 for ignored rows. Targets outside [0, V) are flagged
 * and reported by the next nrc_sync. */
NRC_API nrc_status nrc_cross_entropy(nrc_dtype dt, const void* logits, const int32_t* targets, float* losses,
                                     void* dlogits, float dloss_scale, size_t rows, size_t V);

/* ---- layernorm over the last dim: x (rows, C); weight, bias (C) float32 ---- */
/* mean, rstd (rows) float32 are saved for the backward pass (may be NULL when not needed). */
NRC_API nrc_status nrc_layernorm_fwd(nrc_dtype dt, const void* x, const float* weight, const float* bias,
                                     void* y, float* mean, float* rstd, size_t rows, size_t C, float eps);
/* dx (rows, C, dtype dt) is overwritten; dweight, dbias (C, float32) are accumulated into (+=). */
NRC_API nrc_status nrc_layernorm_bwd(nrc_dtype dt, const void* dy, const void* x, const float* weight,
                                     const float* mean, const float* rstd, void* dx, float* dweight,
                                     float* dbias, size_t rows, size_t C);

/* ---- embedding: table (V, C), idx int32 (n), out (n, C) ---- */
NRC_API nrc_status nrc_embedding_fwd(nrc_dtype dt, const void* table, const int32_t* idx, void* out,
                                     size_t n, size_t V, size_t C);
/* dtable (V, C) float32 += scatter of dout (n, C) (atomic adds). */
NRC_API nrc_status nrc_embedding_bwd(nrc_dtype dt, const void* dout, const int32_t* idx, float* dtable,
                                     size_t n, size_t V, size_t C);

/* ---- fused AdamW: one pass over fp32 master params, grads of dtype grad_dt ----
 * m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2; p -= lr * (mhat/(sqrt(vhat)+eps) + wd*p), with
 * g = grad * grad_scale (grad_scale = 1/loss_scale for mixed precision), bias corrections from
 * step (>= 1). param_lp (NULL or n elements of dtype lp_dt) receives a low-precision copy. */
NRC_API nrc_status nrc_adamw(float* param, const void* grad, nrc_dtype grad_dt, float* m, float* v, size_t n,
                             float lr, float beta1, float beta2, float eps, float weight_decay, int step,
                             float grad_scale, void* param_lp, nrc_dtype lp_dt);

/* ---- GEMM: C (M,N) = alpha * op(A) @ op(B) + beta * C ----
 * op(A) is (M,K): A is stored (M,K) with row stride lda, or (K,M) when trans_a.
 * op(B) is (K,N): B is stored (K,N) with row stride ldb, or (N,K) when trans_b (a Linear weight).
 * A, B, C share dtype dt; accumulation is fp32. bf16/fp16 use tensor cores (wgmma on sm_90a,
 * mma.sync on sm_80+); fp32 uses SIMT FMA, or tf32 tensor cores when allow_tf32 is set. */
NRC_API nrc_status nrc_gemm(nrc_dtype dt, int trans_a, int trans_b, int M, int N, int K, float alpha,
                            const void* A, int lda, const void* B, int ldb, float beta, void* C, int ldc,
                            int allow_tf32);

/* ---- flash attention (bf16/fp16, fp32 accumulation, head dim 64 or 128) ----
 * q (B,H,Nq,D), k and v (B,H,Nk,D), out (B,H,Nq,D) addressed by element strides for batch, head
 * and sequence (the last dim is contiguous), so (B,N,H,D) storage works too. lse (B,H,Nq) float32
 * receives the log-sum-exp of each query row (natural log, scaled scores) and may be NULL.
 * causal: query i sees keys j <= i + (Nk - Nq) (bottom-right aligned, as in flash-attn). */
typedef struct {
  int64_t batch, head, seq;
} nrc_strides;
NRC_API nrc_status nrc_flash_attn_fwd(nrc_dtype dt, const void* q, nrc_strides sq, const void* k, nrc_strides sk,
                                      const void* v, nrc_strides sv, void* out, nrc_strides so, float* lse,
                                      int B, int H, int Nq, int Nk, int D, float scale, int causal);

/* ==== reductions, SGD, batch/RMS norm, pooling (cuda/reduce_rows.cu, sgd.cu, batchnorm.cu, rmsnorm.cu,
 * pool2d.cu). Semantics follow the CPU reference kernels (native/kernels/ref/). ==== */

/* ---- row reductions: x (rows, cols) contiguous of dtype dt (F32/F16/BF16/F64, I32/I64) ----
 * out (rows) of dtype out_dt: F32 or F64 for float inputs (sum/mean/prod/sumsq; float64 accumulates in
 * double, the others in float), I64 for integer sum/prod/sumsq (wrapping), F32/F64 for integer mean,
 * the input dtype for max/min. Max/min propagate NaN (as torch). cols == 0: sum 0, mean NaN, prod 1,
 * sumsq 0, max/min -> NRC_ERR_INVALID_ARG. rows == 0 is a no-op. */
typedef enum { NRCR_SUM = 0, NRCR_MEAN = 1, NRCR_MAX = 2, NRCR_MIN = 3, NRCR_PROD = 4, NRCR_SUMSQ = 5 } nrc_reduce_op;
NRC_API nrc_status nrc_reduce_rows(nrc_reduce_op op, nrc_dtype dt, const void* x, nrc_dtype out_dt, void* out, size_t rows, size_t cols);
/* index (int64, rows) of the first max/min of each row (NaN counts as the max (and the min), the first
 * NaN wins, as torch); cols == 0 -> NRC_ERR_INVALID_ARG. */
NRC_API nrc_status nrc_argreduce_rows(int is_max, nrc_dtype dt, const void* x, int64_t* out, size_t rows, size_t cols);

/* ---- fused SGD (torch.optim.SGD semantics, incl. first-step buffer init): p, buf float32 (n); grad (n) of
 * grad_dt (F32/F16/BF16) ----
 * d = grad*grad_scale, negated when maximize; d += wd*p; if momentum: buf = first ? d : momentum*buf +
 * (1-dampening)*d; d = nesterov ? d + momentum*buf : buf; p += -lr * d. (With maximize this equals
 * torch: the gradient, not the whole step, is negated.) buf may be NULL when momentum == 0. */
NRC_API nrc_status nrc_sgd(float* param, const void* grad, nrc_dtype grad_dt, float* buf, size_t n, float lr, float momentum,
                           float dampening, float weight_decay, int nesterov, int maximize, int first_step, float grad_scale);

/* ---- batch norm over x (N, C, S) contiguous of dt (F32/F16/BF16/F64; S = spatial size, 1 for
 * BatchNorm1d on (N, C)) ----
 * training: batch mean/var per channel (biased var for normalisation; N*S > 1 required), saves mean and
 * rstd = 1/sqrt(var+eps) (C, float32), updates running_mean/var (float32, may be NULL together) as
 * running = (1-momentum)*running + momentum*stat with the unbiased var; eval: uses running stats (both
 * required; save_mean/save_rstd untouched, may be NULL). weight/bias (C, float32) may be NULL.
 * y = (x-mean)*rstd*weight + bias. Statistics are deterministic (fixed-order reductions). */
NRC_API nrc_status nrc_batchnorm_fwd(nrc_dtype dt, const void* x, const float* weight, const float* bias, void* y,
                                     float* save_mean, float* save_rstd, float* running_mean, float* running_var,
                                     size_t N, size_t C, size_t S, float eps, float momentum, int training);
/* training-mode backward: dx (N, C, S) overwritten (may be NULL); dweight = sum(dy*xhat), dbias = sum(dy)
 * (C, float32, may be NULL) overwritten. */
NRC_API nrc_status nrc_batchnorm_bwd(nrc_dtype dt, const void* dy, const void* x, const float* weight, const float* save_mean,
                                     const float* save_rstd, void* dx, float* dweight, float* dbias, size_t N, size_t C, size_t S);

/* ---- RMSNorm over the last dim of x (rows, C) of dt (F32/F16/BF16/F64): y = x * rstd * weight,
 * rstd = 1/sqrt(mean(x^2) + eps) (C == 0: 1/sqrt(eps)); weight float32 (C) or NULL; rstd (rows, float32)
 * saved (may be NULL). Backward: dx = rstd*(g - xhat*mean(g*xhat)), g = dy*weight, xhat = x*rstd,
 * overwritten (may be NULL); dweight (C, float32, may be NULL) accumulated (+= sum over rows of dy*xhat). */
NRC_API nrc_status nrc_rmsnorm_fwd(nrc_dtype dt, const void* x, const float* weight, void* y, float* rstd, size_t rows, size_t C, float eps);
NRC_API nrc_status nrc_rmsnorm_bwd(nrc_dtype dt, const void* dy, const void* x, const float* weight, const float* rstd, void* dx,
                                   float* dweight, size_t rows, size_t C);

/* ---- 2-D pooling on NCHW contiguous x (N, C, H, W) of dt (F32/F16/BF16/F64) -> y (N, C, Ho, Wo) with
 * kernel kh,kw, stride sh,sw, padding ph,pw (0 <= p <= k/2), dilation dh,dw (max only). Ho/Wo must be
 * torch's output size with or without ceil_mode ((H + 2p - d(k-1) - 1)/s + 1 rounded down or up; in
 * ceil mode a window starting in the right padding is dropped).
 * max: y = window max (padding excluded; NaN propagates, first NaN wins), idx (N, C, Ho, Wo) int64 = flat
 * h*W+w of the first max; avg: count_include_pad and divisor_override (0 = none) as torch.
 * Backward writes all of dx: max zeroes dx then adds dy at idx (atomics; idx outside [0, H*W) skipped,
 * as the reference); avg gathers each input's windows (no atomics). */
NRC_API nrc_status nrc_maxpool2d_fwd(nrc_dtype dt, const void* x, void* y, int64_t* idx, int N, int C, int H, int W, int Ho, int Wo,
                                     int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw);
NRC_API nrc_status nrc_maxpool2d_bwd(nrc_dtype dt, const void* dy, const int64_t* idx, void* dx, int N, int C, int H, int W, int Ho, int Wo);
NRC_API nrc_status nrc_avgpool2d_fwd(nrc_dtype dt, const void* x, void* y, int N, int C, int H, int W, int Ho, int Wo, int kh, int kw,
                                     int sh, int sw, int ph, int pw, int count_include_pad, int divisor_override);
NRC_API nrc_status nrc_avgpool2d_bwd(nrc_dtype dt, const void* dy, void* dx, int N, int C, int H, int W, int Ho, int Wo, int kh, int kw,
                                     int sh, int sw, int ph, int pw, int count_include_pad, int divisor_override);
/* ==== end of reductions / SGD / norms / pooling ==== */

/* ---- 2-D convolution (section added with the convolution kernels, cuda/conv*.cu) ----
 * NCHW activations, KCRS weights (K out channels, C/groups in channels, R x S kernel).
 * x (N, C, H, W), w (K, C/groups, R, S), y (N, K, P, Q) with P = (H + 2*ph - dh*(R-1) - 1)/sh + 1
 * (same for Q with W, pw, dw, S, sw), all contiguous and of dtype dt (F32: SIMT fp32 FMA, or TF32
 * tensor cores when allow_tf32 on sm_80+; F16/BF16: tensor cores on sm_80+, SIMT before; fp32
 * accumulation everywhere). bias (K, float32) may be NULL. groups divides C and K (depthwise:
 * groups == C == K, direct kernels). Every size must be positive, padding >= 0, P and Q must match
 * the formula (else NRC_ERR_INVALID_ARG); tensors of 2^31 elements or more give
 * NRC_ERR_UNSUPPORTED. Implicit GEMMs: no im2col buffer is materialised. */
typedef struct { int N, C, H, W, K, R, S, P, Q, sh, sw, ph, pw, dh, dw, groups; } nrc_conv2d_geom;
NRC_API nrc_status nrc_conv2d_fwd(nrc_dtype dt, const nrc_conv2d_geom* g, const void* x, const void* w, const float* bias,
                                  void* y, int allow_tf32);
/* dx (N, C, H, W) = conv-transpose of dy (N, K, P, Q) with w (overwritten). This is also the forward
 * of ConvTranspose2d (its input as dy, its output as dx; an output_padding < stride is expressed by
 * the larger H, W, which give the same P, Q). */
NRC_API nrc_status nrc_conv2d_bwd_data(nrc_dtype dt, const nrc_conv2d_geom* g, const void* dy, const void* w, void* dx,
                                       int allow_tf32);
/* dw (K, C/groups, R, S) = correlation of x with dy (overwritten, fp32 accumulation; deterministic:
 * split-K partials in a temporary fp32 workspace from nrc_malloc, summed in a fixed order);
 * dbias (K, float32) = sum of dy over N, P, Q (overwritten), may be NULL. */
NRC_API nrc_status nrc_conv2d_bwd_filter(nrc_dtype dt, const nrc_conv2d_geom* g, const void* x, const void* dy, void* dw,
                                         float* dbias, int allow_tf32);
/* ---- end of the 2-D convolution section ---- */
/* ---- cusort: cumulative scans, sorting, sort/topk gradient scatter, signed-stride copies
 * (cuda/scan.cu, cuda/sort.cu). Tensors are contiguous (outer, n, inner), the op running along the
 * middle dim of size n; semantics of the CPU reference kernels (native/kernels/ref/{scan,sort}.cc). ---- */
typedef enum { NRCS_SUM = 0, NRCS_PROD = 1 } nrc_scan_op;
/* out = cumulative sum / product of x along n (from the end when reverse), x and out of dtype dt
 * (F32, F64, I32, I64, U8; F16/BF16/BOOL give NRC_ERR_UNSUPPORTED: scan them as F32 / I64). Floats
 * accumulate in double and round per output; integers wrap (uint64 arithmetic, truncated to dt). */
NRC_API nrc_status nrc_scan(nrc_scan_op op, nrc_dtype dt, const void* x, void* out, size_t outer, size_t n, size_t inner,
                            int reverse);
/* gradient of out = cumprod(x) along n: gx[k] = sum_{j>=k} g[j] prod_{l<=j, l!=k} x[l], by the
 * division-free recurrence of the CPU (exact with zeros in x), in double; F32 or F64; gx may not alias. */
NRC_API nrc_status nrc_cumprod_bwd(nrc_dtype dt, const void* g, const void* x, void* gx, size_t outer, size_t n, size_t inner);
/* Sorts every line of x (outer, n, inner) and writes the first keep (<= n) entries of the sorted
 * order: values (outer, keep, inner) of dtype dt and indices (outer, keep, inner) int64 (positions along
 * n). Order: ascending, or descending when descending != 0; NaN is the largest value (all NaNs equal,
 * -0 == +0); equal values keep their index order in both directions (a stable sort, as std::stable_sort
 * with the CPU's nan_last_less). dt: F32, F64, I32, I64, U8, BOOL (F16/BF16: NRC_ERR_UNSUPPORTED, sort
 * them as F32, which is exact). n < 2^31. Lines up to 4096 sort in shared memory, longer ones use a
 * temporary (outer*inner, pow2(n)) x 12-byte workspace from nrc_malloc. topk = keep k of a sort. */
NRC_API nrc_status nrc_sort(nrc_dtype dt, const void* x, void* values, int64_t* indices, size_t outer, size_t n, size_t inner,
                            size_t keep, int descending);
/* dst (outer, n, inner) of dtype dt is zeroed, then dst[o, idx[o, t, i], i] = src[o, t, i] for t < k
 * (src, idx (outer, k, inner); bits copied). Indices outside [0, n) are skipped; duplicate indices in a
 * line race (sort/topk indices are distinct). The backward of sort, topk and kthvalue. */
NRC_API nrc_status nrc_scatter_lines(nrc_dtype dt, const void* src, const int64_t* idx, void* dst, size_t outer, size_t k,
                                     size_t n, size_t inner);
/* dst (contiguous, prod(shape) elements of dt) = the view of src with the given shape and element
 * strides, which may be negative (src points at the view's element at index 0 of every dim; the caller
 * has checked that every element lies inside the allocation). Used by flip. ndim <= NRC_MAX_DIMS. */
NRC_API nrc_status nrc_copy_signed(nrc_dtype dt, void* dst, const void* src, int ndim, const int64_t* shape, const int64_t* strides);
/* ---- end of the cusort section ---- */
/* ---- fabwd: flash attention with causal offset, additive masks, and backward ----
 * Shapes and strides as nrc_flash_attn_fwd (bf16/fp16, D 64 or 128, sm_80+; other cases return
 * NRC_ERR_UNSUPPORTED so callers can fall back). causal: query i sees keys j <= i + causal_offset
 * (0 = top-left as PyTorch SDPA, Nk - Nq = bottom-right; any value is accepted). mask (may be NULL, or
 * ptr NULL): additive float32 scores bias, natural-log domain, element (b,h,i,j) at
 * ptr[b*batch + h*head + i*query + j*key]; stride 0 broadcasts (key padding: (B,1,1,Nk)). -inf
 * masks a score out. Rows that see no key output 0 and lse -inf; their gradients are 0 (as the CPU
 * kernel). The caller guarantees the mask view lies inside its allocation. */
typedef struct {
  const float* ptr;
  int64_t batch, head, query, key;
} nrc_attn_mask;
NRC_API nrc_status nrc_flash_attn_fwd_ex(nrc_dtype dt, const void* q, nrc_strides sq, const void* k, nrc_strides sk,
                                         const void* v, nrc_strides sv, void* out, nrc_strides so, float* lse,
                                         int B, int H, int Nq, int Nk, int D, float scale, int causal,
                                         int causal_offset, const nrc_attn_mask* mask);
/* Backward of nrc_flash_attn_fwd_ex (FA2 scheme): from q, k, v, out, dout (all dtype dt, strided as
 * above) and lse (B,H,Nq) float32 of the forward with the same arguments, writes dq (B,H,Nq,D),
 * dk and dv (B,H,Nk,D) (overwritten). fp32 accumulation; dq is summed with fp32 atomics in a
 * workspace of B*H*Nq*(D+2) floats taken from nrc_malloc (so dq's low bits may vary run to run). */
NRC_API nrc_status nrc_flash_attn_bwd(nrc_dtype dt, const void* q, nrc_strides sq, const void* k, nrc_strides sk,
                                      const void* v, nrc_strides sv, const void* out, nrc_strides so,
                                      const void* dout, nrc_strides sdo, const float* lse, void* dq, nrc_strides sdq,
                                      void* dk, nrc_strides sdk, void* dv, nrc_strides sdv, int B, int H, int Nq,
                                      int Nk, int D, float scale, int causal, int causal_offset,
                                      const nrc_attn_mask* mask);
/* ---- end of fabwd ---- */
/* ---- cuidx: indexing (gather/scatter along a dim, advanced indexing get/put, nonzero), cuda/index.cu,
 * cuda/index_adv.cu. Semantics of the CPU kernels (native/include/nr/kernels/index.h). Views as for the
 * strided kernels (offset, shape, strides in elements of the view's own dtype, none negative); index
 * tensors are NRC_I32 or NRC_I64. ----
 * Out-of-range indices never make a kernel read or write out of bounds (gather writes 0, scatter/put
 * skip the element); callers validate first with nrc_index_check, which reports the first bad one. */
typedef struct {
  nrc_dtype dt;      /* NRC_I32 or NRC_I64 */
  const void* data;  /* base pointer (view.offset is added) */
  nrc_view view;     /* broadcast (stride-0) dims allowed: each distinct element is checked once */
  int64_t size;      /* size of the dimension it indexes */
} nrc_index_arg;
/* Checks every element of the k index views lies in [0, size) ([-size, size) when allow_negative).
 * Synchronous: launches one check kernel per view, then one 8-byte device-to-host copy (waits for the
 * stream). *bad = 1 when some element is out of range, with *which = the first such view (in order) and
 * *value = its first bad element in row-major order (the element the CPU check reports); else *bad = 0. */
NRC_API nrc_status nrc_index_check(int k, const nrc_index_arg* ix, int allow_negative, int* bad, int* which, int64_t* value);
/* ov, xv, iv share ndim >= 1; ov has iv's shape; iv.shape[d] <= xv.shape[d] for d != dim.
 *   out[p] = x[p with p[dim] = idx[p]]   for every position p of idx (any of the 8 dtypes; indices >= 0). */
NRC_API nrc_status nrc_gather(nrc_dtype dt, void* out, const nrc_view* ov, const void* x, const nrc_view* xv, nrc_dtype idx_dt,
                              const void* idx, const nrc_view* iv, int dim);
/* ov, iv, sv share ndim >= 1; iv.shape[d] <= sv.shape[d] for all d and <= ov.shape[d] for d != dim; out
 * and src of dtype dt. For every position p of idx:   out[p with p[dim] = idx[p]]  (mode)=  src[p]
 * mode 0 assign (any dtype; duplicate targets: one writer wins, unspecified which, as PyTorch on CUDA),
 * 1 add, 2 multiply, 3 amax, 4 amin (amax/amin propagate NaN) for F32/F64/F16/BF16/I32/I64/U8 (BOOL:
 * NRC_ERR_UNSUPPORTED), applied with atomics, so float sums are not bit-deterministic; F16/BF16 round
 * after every step; integers wrap. out must not overlap itself; src may be a 0-strided scalar. */
NRC_API nrc_status nrc_scatter(int mode, nrc_dtype dt, void* out, const nrc_view* ov, nrc_dtype idx_dt, const void* idx,
                               const nrc_view* iv, const void* src, const nrc_view* sv, int dim);
/* Advanced indexing. x is viewed as (A_0..A_{k-1}, R...) (xv, the indexed dims first), the k index
 * views (iv[0..k-1], one dtype idx_dt, broadcast to one shape B by stride 0) index A_0..A_{k-1}
 * (negatives wrap), out is (B..., R...):   out[b, r] = x[idx_0[b], ..., idx_{k-1}[b], r]  (any dtype). */
NRC_API nrc_status nrc_index_gather(nrc_dtype dt, void* out, const nrc_view* ov, const void* x, const nrc_view* xv, int k,
                                    nrc_dtype idx_dt, const void* const* idx, const nrc_view* iv);
/* x (A..., R...) as above, values (B..., R...) (broadcast by stride 0 allowed):
 *   x[idx_0[b], ..., idx_{k-1}[b], r]  (= or +=)  values[b, r]
 * accumulate 0: any dtype, duplicates: one writer wins; 1: atomic add, dtypes as nrc_scatter's add. */
NRC_API nrc_status nrc_index_put(int accumulate, nrc_dtype dt, void* x, const nrc_view* xv, const void* values, const nrc_view* vv,
                                 int k, nrc_dtype idx_dt, const void* const* idx, const nrc_view* iv);
/* *count = number of non-zero elements of x (any dtype; NaN counts, -0.0 does not). Synchronous (one
 * 8-byte device-to-host copy). */
NRC_API nrc_status nrc_count_nonzero(nrc_dtype dt, const void* x, const nrc_view* xv, int64_t* count);
/* out (rows, xv.ndim) int64 contiguous = the coordinates of the non-zero elements of x in row-major
 * order (at most `rows` rows written; rows is normally nrc_count_nonzero's count). Asynchronous; uses a
 * temporary workspace from nrc_malloc (per-block counts and their prefix sums). */
NRC_API nrc_status nrc_nonzero(nrc_dtype dt, const void* x, const nrc_view* xv, int64_t* out, int64_t rows);
/* ---- end of cuidx ---- */
/* ---- cumisc: weighted/smoothed cross-entropy and NLL, Adam (amsgrad, L2), RMSprop, Adagrad, adaptive
 * average pooling, typed fills (cuda/loss_ext.cu, optim_ext.cu, pool_adaptive.cu, fill_ext.cu) ----
 * Cross-entropy / NLL over contiguous (rows, C) input of dt (F32/F16/BF16/F64) with int64 targets (rows);
 * weight (C, may be NULL), loss, lse, wt, g (rows) are of acc_dt = F64 for F64 input, else F32. Semantics
 * of the CPU reference (torch 1.13): loss = (1-e)*-w[t]*(x[t]-lse) + e/C*-sum_c w[c]*(x[c]-lse), wt = w[t];
 * rows whose target equals ignore_index give loss 0, wt 0, gradient 0; other targets outside [0, C)
 * are flagged (reported by the next nrc_sync) and treated as ignored. dlogits/dx are overwritten. */
NRC_API nrc_status nrc_cross_entropy_ext_fwd(nrc_dtype dt, const void* logits, const int64_t* targets, nrc_dtype acc_dt,
                                             const void* weight, int64_t ignore_index, double smoothing, void* loss, void* lse,
                                             void* wt, size_t rows, size_t C);
NRC_API nrc_status nrc_cross_entropy_ext_bwd(nrc_dtype dt, const void* g, const void* logits, const int64_t* targets,
                                             nrc_dtype acc_dt, const void* weight, int64_t ignore_index, double smoothing,
                                             const void* lse, void* dlogits, size_t rows, size_t C);
/* loss = -w[t] * x[t], wt = w[t]; dx[i, t] = -g[i] * w[t], 0 elsewhere. */
NRC_API nrc_status nrc_nll_fwd(nrc_dtype dt, const void* x, const int64_t* targets, nrc_dtype acc_dt, const void* weight,
                               int64_t ignore_index, void* loss, void* wt, size_t rows, size_t C);
NRC_API nrc_status nrc_nll_bwd(nrc_dtype dt, const void* g, const int64_t* targets, nrc_dtype acc_dt, const void* weight,
                               int64_t ignore_index, void* dx, size_t rows, size_t C);
/* Optimizer steps on float32 params and state (n, contiguous), grad of grad_dt (F32/F16/BF16) times
 * grad_scale, formulas and operation order of native/kernels/ref/optim.cc (torch.optim semantics).
 * Adam: max_v NULL = no amsgrad, else max_exp_avg_sq; decoupled = AdamW decay p *= 1 - lr*wd, else L2
 * (g += wd*p). RMSprop: grad_avg NULL = not centered; momentum_buf needed exactly when momentum > 0.
 * Adagrad: clr = lr / (1 + (step-1)*lr_decay) computed by the caller. */
NRC_API nrc_status nrc_adam_ext(float* param, const void* grad, nrc_dtype grad_dt, float* m, float* v, float* max_v, size_t n,
                                float lr, float beta1, float beta2, float eps, float weight_decay, int step, int decoupled,
                                int maximize, float grad_scale);
NRC_API nrc_status nrc_rmsprop(float* param, const void* grad, nrc_dtype grad_dt, float* square_avg, float* grad_avg,
                               float* momentum_buf, size_t n, float lr, float alpha, float eps, float weight_decay,
                               float momentum, int maximize, float grad_scale);
NRC_API nrc_status nrc_adagrad(float* param, const void* grad, nrc_dtype grad_dt, float* sum, size_t n, float clr, float eps,
                               float weight_decay, int maximize, float grad_scale);
/* Adaptive average pooling, planes = N*C contiguous planes x (planes, H, W) <-> y (planes, P, Q), any sizes >= 1
 * (windows [floor(o*in/out), ceil((o+1)*in/out))), dt F32/F16/BF16/F64; the backward overwrites dx. */
NRC_API nrc_status nrc_adaptive_avgpool2d_fwd(nrc_dtype dt, const void* x, void* y, int64_t planes, int64_t H, int64_t W,
                                              int64_t P, int64_t Q);
NRC_API nrc_status nrc_adaptive_avgpool2d_bwd(nrc_dtype dt, const void* dy, void* dx, int64_t planes, int64_t H, int64_t W,
                                              int64_t P, int64_t Q);
/* out (n elements of elem_size 1/2/4/8 bytes, aligned) = the element bit pattern `pattern` (host memory). */
NRC_API nrc_status nrc_fill_pattern(void* out, size_t n, size_t elem_size, const void* pattern);
/* ---- end of cumisc ---- */
#ifdef __cplusplus
}
#endif
#endif /* NEURONA_CUDA_H */
