// Fashion-MNIST loader: the full set from /usr/share/datasets/fashion-mnist (Debian's
// dataset-fashion-mnist) when installed, else the sample shipped in data/fashion-mnist-sample.
import * as fs from 'fs';
import * as path from 'path';
import { readIdx } from './idx';
import { Tensor } from '../tensor';

/** Class names of Fashion-MNIST labels 0..9. */
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
/** Where Debian's dataset-fashion-mnist package installs the full set (source: 'full'). */
export const SYSTEM_FASHION_MNIST = '/usr/share/datasets/fashion-mnist';

function sampleDir(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    const p = path.join(dir, 'data', 'fashion-mnist-sample');
    if (fs.existsSync(p)) return p;
    dir = path.dirname(dir);
  }
  throw new Error('fashionMnist: the bundled sample (data/fashion-mnist-sample) was not found');
}

export interface FashionMnistOptions {
  /** Folder with the four gzip IDX files; default: the full system set if present, else the sample. */
  root?: string;
  /** 'full' requires the system set; 'sample' forces the bundled sample. */
  source?: 'auto' | 'full' | 'sample';
  split?: 'train' | 'test';
  /** Keep only the first n examples. */
  limit?: number;
}

/** Images as uint8 (N, 28, 28) and labels as uint8 (N,), plus where they came from. */
export function fashionMnist(o: FashionMnistOptions = {}): { images: Tensor; labels: Tensor; root: string } {
  const source = o.source ?? 'auto';
  let root = o.root;
  if (!root) {
    const hasFull = fs.existsSync(path.join(SYSTEM_FASHION_MNIST, 'train-images-idx3-ubyte.gz'));
    if (source === 'full' && !hasFull) throw new Error(`fashionMnist: the full set is not installed (apt-get install dataset-fashion-mnist puts it in ${SYSTEM_FASHION_MNIST})`);
    root = source === 'sample' || (source === 'auto' && !hasFull) ? sampleDir() : SYSTEM_FASHION_MNIST;
  }
  const prefix = (o.split ?? 'train') === 'train' ? 'train' : 't10k';
  let images = readIdx(path.join(root, `${prefix}-images-idx3-ubyte.gz`));
  let labels = readIdx(path.join(root, `${prefix}-labels-idx1-ubyte.gz`));
  if (images.shape[0] !== labels.shape[0]) throw new Error(`fashionMnist: ${images.shape[0]} images but ${labels.shape[0]} labels in ${root}`);
  if (o.limit !== undefined && o.limit < images.shape[0]) {
    images = images.narrow(0, 0, o.limit);
    labels = labels.narrow(0, 0, o.limit);
  }
  return { images, labels, root };
}
