#!/usr/bin/env python3
"""PyTorch peers for the dev harness benchmarks, on the same GPU in the same run: cuBLAS GEMMs,
scaled_dot_product_attention (flash and cuDNN backends), copies/elementwise/reductions, fused
AdamW, softmax, cross-entropy, layernorm, 2-D convolutions (cuDNN: forward, backward data,
backward filter; cudnn.benchmark on, TF32 off for float32, on for the tf32 keys). Keys match the RESULT lines of cuda/dev/*.cu; timing is
the median of CUDA-event-timed repeats after warm-up, as in harness.h. Appends 'torch,...' rows to
the results CSV given with --out."""
import argparse
import math
import sys

import torch
import torch.nn.functional as F

parser = argparse.ArgumentParser()
parser.add_argument("--out", required=True)
parser.add_argument("--only", default="", help="comma-separated key prefixes")
args = parser.parse_args()
only = [p for p in args.only.split(",") if p]
DT = {"bfloat16": torch.bfloat16, "float16": torch.float16, "float32": torch.float32}


def want(key):
    return not only or any(key.startswith(p) for p in only)


def time_ms(fn, reps=20, warmup=3):
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        b.synchronize()
        ts.append(a.elapsed_time(b))
    ts.sort()
    return ts[reps // 2]


def result(key, variant, ms, value, unit):
    line = f"torch,{key},{variant},{ms:.4f},{value:.1f},{unit}"
    print(line, flush=True)
    with open(args.out, "a") as f:  # written at once: a later failure keeps earlier rows
        f.write(line + "\n")


def gemm(dt, layout, S, tf32=False):
    key = f"gemm/{'tf32' if tf32 else dt}/{layout}/{S}x{S}x{S}"
    if not want(key):
        return
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cuda.matmul.allow_bf16_reduced_precision_reduction = False
    torch.backends.cuda.matmul.allow_fp16_reduced_precision_reduction = False
    a = torch.randn(S, S, device="cuda", dtype=DT[dt])
    b = torch.randn(S, S, device="cuda", dtype=DT[dt])
    fn = {"NT": lambda: torch.matmul(a, b.t()), "NN": lambda: torch.matmul(a, b), "TN": lambda: torch.matmul(a.t(), b)}[layout]
    ms = time_ms(fn, 20, 5)
    result(key, "cuBLAS", ms, 2 * S**3 / (ms * 1e-3) / 1e12, "TFLOP/s")
    torch.backends.cuda.matmul.allow_tf32 = False


def attn(dt, N, D, causal):
    B, H = max(1, 16384 // N), 2048 // D
    key = f"attn_fwd/{dt}/d{D}/{'causal' if causal else 'full'}/B{B}H{H}N{N}"
    if not want(key):
        return
    from torch.nn.attention import SDPBackend, sdpa_kernel
    q, k, v = (torch.randn(B, H, N, D, device="cuda", dtype=DT[dt]) for _ in range(3))
    flops = 4 * B * H * N * N * D * (0.5 if causal else 1.0)
    for name, be in (("torch_flash", SDPBackend.FLASH_ATTENTION), ("torch_cudnn", SDPBackend.CUDNN_ATTENTION)):
        try:
            with sdpa_kernel([be]):
                ms = time_ms(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal), 10, 3)
            result(key, name, ms, flops / (ms * 1e-3) / 1e12, "TFLOP/s")
        except Exception as e:  # backend not available for this shape/build
            print(f"# {key} {name}: {e}", file=sys.stderr)


def attn_bwd(dt, N, D, causal, pad=False):
    """Backward of F.scaled_dot_product_attention (flash backend; cuDNN too when available), timed
    alone with retain_graph; FLOPs = 2.5 x the forward's as FA2 counts. pad: a (B,1,1,N) key-padding
    float mask (the flash backend takes no mask, so only the efficient/cuDNN backends run it)."""
    B, H = max(1, 16384 // N), 2048 // D
    key = f"attn_bwd/{dt}/d{D}/{'causal' if causal else 'full'}{'+pad' if pad else ''}/B{B}H{H}N{N}"
    if not want(key):
        return
    from torch.nn.attention import SDPBackend, sdpa_kernel
    q, k, v = (torch.randn(B, H, N, D, device="cuda", dtype=DT[dt], requires_grad=True) for _ in range(3))
    g = torch.randn(B, H, N, D, device="cuda", dtype=DT[dt])
    mask = None
    if pad:
        mask = torch.zeros(B, 1, 1, N, device="cuda", dtype=DT[dt])
        for b in range(B):
            cut = N - N // 8 * (b % 4)
            mask[b, ..., cut:] = float("-inf")
    flops = 2.5 * 4 * B * H * N * N * D * (0.5 if causal else 1.0)
    backends = (("torch_flash", SDPBackend.FLASH_ATTENTION), ("torch_cudnn", SDPBackend.CUDNN_ATTENTION),
                ("torch_efficient", SDPBackend.EFFICIENT_ATTENTION))
    for name, be in backends:
        if pad and name == "torch_flash":
            continue
        try:
            with sdpa_kernel([be]):
                out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=causal)
                ms = time_ms(lambda: torch.autograd.grad(out, (q, k, v), g, retain_graph=True), 10, 3)
            result(key, name, ms, flops / (ms * 1e-3) / 1e12, "TFLOP/s")
        except Exception as e:  # backend not available for this shape/build
            print(f"# {key} {name}: {e}", file=sys.stderr)


def mem(dt):
    n = 1 << 28
    sfx = f"/{dt}/{n}"
    a = torch.randn(n, device="cuda", dtype=DT[dt])
    b = torch.rand(n, device="cuda", dtype=DT[dt]) + 0.5
    o = torch.empty_like(a)
    nb = a.numel() * a.element_size()
    if want("mem/copy"):
        ms = time_ms(lambda: o.copy_(a))
        result("mem/copy" + sfx, "torch_copy_", ms, 2 * nb / (ms * 1e-3) / 1e9, "GB/s")
    if want("mem/add"):
        ms = time_ms(lambda: torch.add(a, b, out=o))
        result("mem/add" + sfx, "torch.add", ms, 3 * nb / (ms * 1e-3) / 1e9, "GB/s")
    if want("mem/gelu"):
        ms = time_ms(lambda: torch.ops.aten.gelu.out(a, approximate="tanh", out=o))
        result("mem/gelu" + sfx, "F.gelu(tanh)", ms, 2 * nb / (ms * 1e-3) / 1e9, "GB/s")
    if want("mem/sum_all"):
        ms = time_ms(lambda: a.sum(dtype=torch.float32))
        result("mem/sum_all" + sfx, "torch.sum", ms, nb / (ms * 1e-3) / 1e9, "GB/s")
    if want("mem/sum_rows"):
        a2 = a.view(-1, 4096)
        ms = time_ms(lambda: a2.sum(1, dtype=torch.float32))
        result("mem/sum_rows4096" + sfx, "torch.sum(1)", ms, nb / (ms * 1e-3) / 1e9, "GB/s")
    del a, b, o


def adamw():
    n = 1 << 26
    key = f"adamw/float32/{n}"
    if not want(key):
        return
    p = torch.nn.Parameter(torch.randn(n, device="cuda"))
    p.grad = torch.randn(n, device="cuda")
    opt = torch.optim.AdamW([p], lr=1e-3, weight_decay=0.01, fused=True)
    ms = time_ms(opt.step)
    result(key, "AdamW(fused)", ms, 7 * 4 * n / (ms * 1e-3) / 1e9, "GB/s")


def softmax_ce(dt):
    R, V = 8192, 50304
    sfx = f"/{dt}/{R}x{V}"
    x = torch.randn(R, V, device="cuda", dtype=DT[dt])
    nb = x.numel() * x.element_size()
    if want("softmax"):
        ms = time_ms(lambda: torch.softmax(x, -1))
        result("softmax" + sfx, "torch.softmax", ms, 2 * nb / (ms * 1e-3) / 1e9, "GB/s")
    if want("cross_entropy"):
        t = (torch.arange(R, device="cuda") * 31) % V
        xg = x.detach().requires_grad_(True)

        def ce():
            xg.grad = None
            F.cross_entropy(xg, t).backward()

        ms = time_ms(ce)
        result("cross_entropy_fwd_bwd" + sfx, "F.cross_entropy+backward", ms, 2 * nb / (ms * 1e-3) / 1e9, "GB/s")


def layernorm(C):
    R, dt = 16384, "bfloat16"
    sfx = f"/{dt}/{R}x{C}"
    x = torch.randn(R, C, device="cuda", dtype=torch.bfloat16)
    # aten's layer norm wants weight/bias in the input dtype (ours keeps them float32)
    w = torch.randn(C, device="cuda", dtype=torch.bfloat16)
    b = torch.randn(C, device="cuda", dtype=torch.bfloat16)
    nb = x.numel() * 2
    if want("layernorm_fwd"):
        ms = time_ms(lambda: torch.ops.aten.native_layer_norm(x, [C], w, b, 1e-5))
        result("layernorm_fwd" + sfx, "native_layer_norm", ms, 2 * nb / (ms * 1e-3) / 1e9, "GB/s")
    if want("layernorm_bwd"):
        y, mean, rstd = torch.ops.aten.native_layer_norm(x, [C], w, b, 1e-5)
        ms = time_ms(lambda: torch.ops.aten.native_layer_norm_backward(y, x, [C], mean, rstd, w, b, [True, True, True]))
        result("layernorm_bwd" + sfx, "native_layer_norm_backward", ms, 3 * nb / (ms * 1e-3) / 1e9, "GB/s")


# Same layers as cuda/dev/conv.cu: name, N, C, H, W, K, R, S, stride, padding, groups
CONV_LAYERS = [
    ("r50_56x56_c64_k64_3x3_n32", 32, 64, 56, 56, 64, 3, 3, 1, 1, 1),
    ("r50_28x28_c128_k128_3x3_n32", 32, 128, 28, 28, 128, 3, 3, 1, 1, 1),
    ("r50_14x14_c256_k256_3x3_n32", 32, 256, 14, 14, 256, 3, 3, 1, 1, 1),
    ("r50_56x56_c256_k64_1x1_n32", 32, 256, 56, 56, 64, 1, 1, 1, 0, 1),
    ("r50_stem_224_c3_k64_7x7s2_n32", 32, 3, 224, 224, 64, 7, 7, 2, 3, 1),
    ("dw_28x28_c256_3x3_n32", 32, 256, 28, 28, 256, 3, 3, 1, 1, 256),
    ("lenet_c1_k6_5x5_28_n128", 128, 1, 28, 28, 6, 5, 5, 1, 0, 1),
    ("lenet_c6_k16_5x5_12_n128", 128, 6, 12, 12, 16, 5, 5, 1, 0, 1),
    ("mnist_c1_k32_3x3_28_n128", 128, 1, 28, 28, 32, 3, 3, 1, 0, 1),
    ("mnist_c32_k64_3x3_26_n128", 128, 32, 26, 26, 64, 3, 3, 1, 0, 1),
]


def conv(dt, layer):
    name, N, C, H, W, K, R, S, st, pad, groups = layer
    keys = {p: f"conv/{p}/{dt}/{name}" for p in ("fwd", "bwd_data", "bwd_filter")}
    if not any(want(k) for k in keys.values()):
        return
    torch.backends.cudnn.benchmark = True
    torch.backends.cudnn.allow_tf32 = dt == "tf32"
    tdt = torch.float32 if dt == "tf32" else DT[dt]
    x = torch.randn(N, C, H, W, device="cuda", dtype=tdt)
    w = torch.randn(K, C // groups, R, S, device="cuda", dtype=tdt) * 0.1
    b = torch.zeros(K, device="cuda", dtype=tdt)
    y = F.conv2d(x, w, b, st, pad, 1, groups)
    dy = torch.randn_like(y)
    P, Q = y.shape[2], y.shape[3]
    flops = 2.0 * N * K * P * Q * (C // groups) * R * S
    cb = torch.ops.aten.convolution_backward
    fns = {
        "fwd": lambda: F.conv2d(x, w, b, st, pad, 1, groups),
        "bwd_data": lambda: cb(dy, x, w, None, [st, st], [pad, pad], [1, 1], False, [0, 0], groups, [True, False, False]),
        # bias gradient included, as in nrc_conv2d_bwd_filter
        "bwd_filter": lambda: cb(dy, x, w, [K], [st, st], [pad, pad], [1, 1], False, [0, 0], groups, [False, True, True]),
    }
    for p, fn in fns.items():
        if want(keys[p]):
            ms = time_ms(fn, 20, 5)
            result(keys[p], "cuDNN", ms, flops / (ms * 1e-3) / 1e12, "TFLOP/s")
    torch.backends.cudnn.allow_tf32 = False


print(f"# torch {torch.__version__}, {torch.cuda.get_device_name()}", flush=True)
gemm("bfloat16", "NT", 4096)
gemm("bfloat16", "NN", 4096)
gemm("bfloat16", "TN", 4096)
gemm("float16", "NT", 4096)
gemm("float32", "NN", 4096)
gemm("float32", "NT", 4096)
gemm("float32", "NT", 4096, tf32=True)
gemm("bfloat16", "NT", 2048)
gemm("bfloat16", "NT", 8192)
for D in (128, 64):
    for causal in (False, True):
        for N in (1024, 2048, 4096, 8192):
            attn("bfloat16", N, D, causal)
attn("float16", 4096, 128, False)
for D in (128, 64):
    for causal in (False, True):
        for N in (1024, 2048, 4096, 8192):
            attn_bwd("bfloat16", N, D, causal)
attn_bwd("bfloat16", 4096, 128, False, pad=True)
attn_bwd("float16", 4096, 128, False)
for dt in ("float32", "bfloat16"):
    mem(dt)
adamw()
for dt in ("bfloat16", "float32"):
    softmax_ce(dt)
for C in (768, 4096):
    layernorm(C)
for dt in ("bfloat16", "float32", "tf32"):
    for layer in CONV_LAYERS:
        conv(dt, layer)
