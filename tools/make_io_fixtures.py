#!/usr/bin/python3
"""Writes the safetensors fixtures that test/safetensors.test.ts checks neurona against, into
test/fixtures/io/, from PyTorch tensors.

Run with the system Python that has torch (1.13 here):  /usr/bin/python3 tools/make_io_fixtures.py

torch 1.13 ships no `safetensors` package (and none is installed here), so this script writes and
reads the format by hand, following the reference implementation (huggingface/safetensors,
safetensors/src/tensor.rs, `prepare`/`serialize`/`Metadata::validate`):
  - 8 bytes: N = header length, unsigned little-endian 64-bit
  - N bytes: compact JSON (no spaces), "__metadata__" first (a string->string map; keys sorted here,
    the reference takes its HashMap order), then one entry per tensor
    {"dtype": .., "shape": [..], "data_offsets": [begin, end]}, padded with spaces to a multiple of 8
  - the data: each tensor's bytes, C order, little-endian, packed without gaps, tensors ordered by
    dtype alignment (the reference's Dtype enum, largest first) and then by name (UTF-8 bytes).
The writer is checked against the byte vectors of the reference's own unit tests before anything is
written, and every file written is read back by this script's validating reader and compared to the
torch tensors byte for byte.

Outputs:
  all_dtypes.safetensors  every dtype neurona supports (F32 F64 F16 BF16 I32 I64 U8 BOOL) with special
                          values (NaN, +-inf, -0, subnormals, extremes, int64 beyond 2^53), scalars,
                          empty tensors, a tensor written from a transposed (non-contiguous) view,
                          non-ASCII and escaped names, and metadata
  all_dtypes.json         per tensor: dtype, shape, the exact bytes (hex) and the decoded values; the
                          base of the transposed view; the metadata; the file's size and SHA-256.
                          neurona must load exactly these values and, re-saving them, write a file
                          with exactly this SHA-256 (so the test needs no Python).
  int8.safetensors, int16.safetensors   dtypes neurona cannot represent (loading must fail clearly).

Verify mode: /usr/bin/python3 tools/make_io_fixtures.py --verify FILE
reads FILE (e.g. written by neurona) with this script's reader and checks it holds exactly the
tensors and metadata of all_dtypes.json; prints "verify ok" or exits with an error.
"""
import hashlib
import json
import math
import os
import struct
import sys

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'io')

# Dtype names and the reference's Dtype enum order (increasing alignment).
ALIGN_RANK = ['BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64']
TORCH_TO_ST = {
    torch.float32: 'F32', torch.float64: 'F64', torch.float16: 'F16', torch.bfloat16: 'BF16',
    torch.int32: 'I32', torch.int64: 'I64', torch.uint8: 'U8', torch.bool: 'BOOL',
    torch.int8: 'I8', torch.int16: 'I16',
}
ST_TO_TORCH = {v: k for k, v in TORCH_TO_ST.items()}
ITEMSIZE = {'F32': 4, 'F64': 8, 'F16': 2, 'BF16': 2, 'I32': 4, 'I64': 8, 'U8': 1, 'BOOL': 1, 'I8': 1, 'I16': 2}


def tensor_bytes(t):
    """The tensor's elements in C order as little-endian bytes (contiguous copy for views)."""
    t = t.contiguous()
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)   # numpy has no bfloat16; same bits
    b = t.numpy().tobytes()
    assert sys.byteorder == 'little'
    return b


def serialize(tensors, metadata=None):
    """safetensors bytes for a dict name -> torch tensor (the reference's layout, see the docstring)."""
    items = sorted(tensors.items(), key=lambda kv: (-ALIGN_RANK.index(TORCH_TO_ST[kv[1].dtype]), kv[0].encode('utf-8')))
    parts = []
    if metadata is not None:
        kv = ','.join('%s:%s' % (json.dumps(k, ensure_ascii=False), json.dumps(v, ensure_ascii=False))
                      for k, v in sorted(metadata.items(), key=lambda kv: kv[0].encode('utf-8')))
        parts.append('"__metadata__":{%s}' % kv)
    offset = 0
    blobs = []
    for name, t in items:
        b = tensor_bytes(t)
        parts.append('%s:{"dtype":"%s","shape":[%s],"data_offsets":[%d,%d]}' % (
            json.dumps(name, ensure_ascii=False), TORCH_TO_ST[t.dtype], ','.join(str(d) for d in t.shape), offset, offset + len(b)))
        offset += len(b)
        blobs.append(b)
    header = ('{' + ','.join(parts) + '}').encode('utf-8')
    header += b' ' * ((8 - len(header) % 8) % 8)
    return struct.pack('<Q', len(header)) + header + b''.join(blobs)


def no_duplicates(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise ValueError('duplicate key %r' % k)
        d[k] = v
    return d


def deserialize(buf):
    """(tensors, metadata) from safetensors bytes, validating like Metadata::validate."""
    if len(buf) < 8:
        raise ValueError('shorter than 8 bytes')
    n = struct.unpack('<Q', buf[:8])[0]
    if n > 100_000_000 or 8 + n > len(buf):
        raise ValueError('bad header length %d' % n)
    header = json.loads(buf[8:8 + n].decode('utf-8'), object_pairs_hook=no_duplicates)
    metadata = header.pop('__metadata__', None)
    data = buf[8 + n:]
    entries = sorted(header.items(), key=lambda kv: tuple(kv[1]['data_offsets']))
    pos = 0
    tensors = {}
    for name, info in entries:
        begin, end = info['data_offsets']
        if begin != pos or end < begin:
            raise ValueError('bad offsets for %r' % name)
        st = info['dtype']
        count = math.prod(info['shape'])
        if count * ITEMSIZE[st] != end - begin:
            raise ValueError('byte count mismatch for %r' % name)
        raw = bytearray(data[begin:end])
        if st == 'BF16':
            t = torch.frombuffer(raw, dtype=torch.int16).view(torch.bfloat16) if raw else torch.empty(0, dtype=torch.bfloat16)
        else:
            t = torch.frombuffer(raw, dtype=ST_TO_TORCH[st]) if raw else torch.empty(0, dtype=ST_TO_TORCH[st])
        tensors[name] = t.reshape(info['shape'])
        pos = end
    if pos != len(data):
        raise ValueError('data section not fully covered')
    return tensors, metadata


def check_reference_vectors():
    """The byte vectors from the reference implementation's unit tests (tensor.rs)."""
    data = torch.arange(6, dtype=torch.float32)
    assert list(serialize({'attn.0': data.reshape(1, 2, 3)})) == [
        64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
        116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
        58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
        101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
        0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64]
    assert list(serialize({})) == [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]
    assert list(serialize({}, {'framework': 'pt'})) == [
        40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
        95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
        116, 34, 125, 125, 32, 32, 32, 32, 32]
    out = serialize({'attn0': data.reshape(1, 1, 2, 3)})
    assert out[:8] == struct.pack('<Q', 72) and out[8 + 65:8 + 72] == b' ' * 7


def number(x):
    """A float for JSON, with non-finite values as strings (JSON has no NaN/Infinity)."""
    if math.isnan(x):
        return 'nan'
    if math.isinf(x):
        return 'inf' if x > 0 else '-inf'
    return x


def describe(t):
    st = TORCH_TO_ST[t.dtype]
    if t.dtype in (torch.float32, torch.float64, torch.float16, torch.bfloat16):
        values = [number(v) for v in t.double().reshape(-1).tolist()]
    elif t.dtype == torch.int64:
        values = [str(v) for v in t.reshape(-1).tolist()]      # beyond 2^53: exact as strings
    elif t.dtype == torch.bool:
        values = [bool(v) for v in t.reshape(-1).tolist()]
    else:
        values = [int(v) for v in t.reshape(-1).tolist()]
    return {'dtype': st, 'shape': list(t.shape), 'hex': tensor_bytes(t).hex(), 'values': values}


def make_tensors():
    g = torch.Generator().manual_seed(20240611)
    inf, nan = float('inf'), float('nan')
    f32 = torch.randn(2, 3, generator=g)
    f32.view(-1)[:6] = torch.tensor([nan, inf, -inf, -0.0, 1e-45, 3.4028234663852886e38])
    f32b = torch.randn(4, 1, 2, generator=g)
    f64 = torch.tensor([math.pi, -0.0, 5e-324, 1.7976931348623157e308, nan, -1 / 3], dtype=torch.float64)
    f16 = torch.tensor([[65504.0, 5.960464477539063e-08], [inf, nan], [-0.0, 0.1]], dtype=torch.float16)
    bf16 = torch.tensor([1e38, -inf, nan, 0.1, 3.0], dtype=torch.bfloat16)
    i32 = torch.tensor([[-2 ** 31, 2 ** 31 - 1], [0, -1]], dtype=torch.int32)
    i64 = torch.tensor([-2 ** 63, 2 ** 63 - 1, 2 ** 53 + 1, -7], dtype=torch.int64)
    u8 = torch.tensor([[0, 1, 127, 128], [200, 254, 255, 7]], dtype=torch.uint8)
    b = torch.tensor([[True, False, True], [False, False, True]])
    base = torch.arange(12, dtype=torch.float32).reshape(3, 4) * 0.5 - 1
    tensors = {
        'layer.weight': f32,
        'layer.bias': f32b,
        'double': f64,
        'half': f16,
        'brain': bf16,
        'int': i32,
        'long': i64,
        'byte': u8,
        'mask': b,
        'scalar': torch.tensor(2.5),
        'scalar_long': torch.tensor(-3),
        'empty': torch.zeros(0, 3),
        'empty_long': torch.zeros(0, dtype=torch.int64),
        'transposed': base.t(),                    # a non-contiguous view, written contiguously
        'ünïcode.weight': torch.tensor([1.0, -2.0]),
        'sym.\U0001F600': torch.tensor([4.0]),     # UTF-8 F0..: after U+FF01 (EF..) by bytes, before it by UTF-16 code units
        'sym.\uFF01': torch.tensor([5.0]),
        'we"ird\\name\n\t\x01': torch.tensor([6.0]),
    }
    return tensors, base


def main():
    check_reference_vectors()
    os.makedirs(OUT, exist_ok=True)
    tensors, base = make_tensors()
    metadata = {'format': 'pt', 'producer': 'tools/make_io_fixtures.py', 'ünï': 'välue "quoted"'}
    blob = serialize(tensors, metadata)
    back, md = deserialize(blob)
    assert md == metadata and set(back) == set(tensors)
    for k, t in tensors.items():
        assert back[k].dtype == t.dtype and list(back[k].shape) == list(t.shape) and tensor_bytes(back[k]) == tensor_bytes(t), k
    with open(os.path.join(OUT, 'all_dtypes.safetensors'), 'wb') as f:
        f.write(blob)
    n = struct.unpack('<Q', blob[:8])[0]
    spec = {
        'generator': 'tools/make_io_fixtures.py (torch %s, safetensors format written by hand)' % torch.__version__,
        'file': 'all_dtypes.safetensors',
        'size': len(blob),
        'sha256': hashlib.sha256(blob).hexdigest(),
        'header': blob[8:8 + n].decode('utf-8'),
        'metadata': metadata,
        'tensors': {k: describe(t) for k, t in tensors.items()},
        'views': {'transposed': {'base': describe(base), 'transpose': [0, 1]}},
    }
    with open(os.path.join(OUT, 'all_dtypes.json'), 'w') as f:
        json.dump(spec, f, indent=1, ensure_ascii=False)
        f.write('\n')
    for name, t in [('int8', torch.tensor([-128, 0, 127], dtype=torch.int8)), ('int16', torch.tensor([[-32768, 5], [7, 32767]], dtype=torch.int16))]:
        with open(os.path.join(OUT, name + '.safetensors'), 'wb') as f:
            f.write(serialize({'ok': torch.tensor([1.0]), 'x': t}))
    print('wrote', OUT)


def verify(path):
    with open(os.path.join(OUT, 'all_dtypes.json')) as f:
        spec = json.load(f)
    with open(path, 'rb') as f:
        tensors, metadata = deserialize(f.read())
    if metadata != spec['metadata']:
        sys.exit('verify: metadata differs: %r' % (metadata,))
    if set(tensors) != set(spec['tensors']):
        sys.exit('verify: tensor names differ: %r' % sorted(set(tensors) ^ set(spec['tensors'])))
    for k, d in spec['tensors'].items():
        t = tensors[k]
        if TORCH_TO_ST[t.dtype] != d['dtype'] or list(t.shape) != d['shape'] or tensor_bytes(t).hex() != d['hex']:
            sys.exit('verify: tensor %r differs' % k)
    print('verify ok: %d tensors' % len(tensors))


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == '--verify':
        verify(sys.argv[2])
    else:
        main()
