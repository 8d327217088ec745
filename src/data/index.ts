// The data module: file readers and datasets.
export { readIdx, parseIdx } from './idx';
export { fashionMnist, FASHION_MNIST_CLASSES, SYSTEM_FASHION_MNIST } from './fashion_mnist';
export type { FashionMnistOptions } from './fashion_mnist';
