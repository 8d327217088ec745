// The data module: datasets and loaders, file readers (IDX, CSV), feature scaling and transforms.
export { readIdx, parseIdx } from './idx';
export { fashionMnist, FASHION_MNIST_CLASSES, SYSTEM_FASHION_MNIST } from './fashion_mnist';
export type { FashionMnistOptions } from './fashion_mnist';
export { Generator } from './generator';
export { TensorDataset, Subset, MapDataset, randomSplit } from './dataset';
export type { Dataset, RandomSplitOptions } from './dataset';
export { defaultCollate } from './collate';
export { DataLoader } from './dataloader';
export type { DataLoaderOptions } from './dataloader';
export { readCsv, parseCsv } from './csv';
export type { CsvOptions, CsvResult } from './csv';
export { StandardScaler, MinMaxScaler, standardize, minMaxScale } from './scalers';
export {
  toFloat, normalize, randomCrop, randomHorizontalFlip, randomVerticalFlip, gaussianNoise, compose, Compose,
} from './transforms';
export type { Transform, RandomCropOptions } from './transforms';
