# Writes the Fashion-MNIST sample shipped in data/fashion-mnist-sample: the first N training and M test
# images of the full set (Debian package dataset-fashion-mnist), as gzip IDX files like the originals.
import gzip, struct, sys, os
SRC = '/usr/share/datasets/fashion-mnist'
DST = os.path.join(os.path.dirname(__file__), '..', 'data', 'fashion-mnist-sample')
N_TRAIN, N_TEST = int(sys.argv[1]) if len(sys.argv) > 1 else 4000, int(sys.argv[2]) if len(sys.argv) > 2 else 1000

def cut(name, n):
    raw = gzip.open(os.path.join(SRC, name), 'rb').read()
    magic = struct.unpack('>I', raw[:4])[0]
    ndim = magic & 0xff
    dims = list(struct.unpack('>' + 'I' * ndim, raw[4:4 + 4 * ndim]))
    item = 1
    for d in dims[1:]: item *= d
    dims[0] = n
    body = raw[4 + 4 * ndim: 4 + 4 * ndim + n * item]
    out = struct.pack('>I', magic) + struct.pack('>' + 'I' * ndim, *dims) + body
    with gzip.GzipFile(os.path.join(DST, name), 'wb', mtime=0) as f: f.write(out)

os.makedirs(DST, exist_ok=True)
cut('train-images-idx3-ubyte.gz', N_TRAIN); cut('train-labels-idx1-ubyte.gz', N_TRAIN)
cut('t10k-images-idx3-ubyte.gz', N_TEST); cut('t10k-labels-idx1-ubyte.gz', N_TEST)
